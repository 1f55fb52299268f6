"""Serve the hand-annotated specs of tests/engine/specs in-process (response validation on, seed 1, 5 records)."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from mock_server.app import MockApp, create_app
from mock_server.settings import Settings

SPECS = Path(__file__).parent / "specs"

Serve = Callable[..., TestClient]


def make_app(tmp_path: Path, *names: str, **settings: Any) -> MockApp:
    """An app serving copies of these specs (file names in tests/engine/specs, or (name, text) pairs)."""
    spec_dir = tmp_path / "specs"
    spec_dir.mkdir(exist_ok=True)
    for name in names:
        shutil.copy(SPECS / name, spec_dir / name)
    values: dict[str, Any] = {"spec_dir": spec_dir, "seed": 1, "count": 5}
    values.update(settings)
    return create_app(Settings.for_tests(**values))


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Serve]:
    """serve("petstore.yaml", ...) -> a TestClient of an app serving those specs."""
    clients: list[TestClient] = []

    def start(*names: str, **settings: Any) -> TestClient:
        client = TestClient(make_app(tmp_path, *names, **settings)).__enter__()
        clients.append(client)
        return client

    yield start
    for client in clients:
        client.__exit__(None, None, None)
