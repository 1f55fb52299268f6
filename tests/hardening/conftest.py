"""Hardening suite collection fix-ups."""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Schemathesis 4.32 names each operation's item `test[GET /path]`, but pytest 9.2 builds node ids from
    # `originalname` only, so every operation of a schema shares one node id and xdist mixes up their reports.
    for item in items:
        label = getattr(item, "operation_label", None)
        node_id = getattr(item, "_id", None)
        if label and item.path.parent == HERE and "[" not in item.nodeid and hasattr(node_id, "with_params"):
            item._id = node_id.with_params(label)
