"""This module contains OperationIndex: which API and operation a request (method, path) is for, and the responses
the spec documents for it (the 429 body and `code=NNN` come from there)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from mock_server.model import ApiModel


@dataclass(frozen=True, slots=True)
class OperationRef:
    api: str
    operation: str | None
    """The operationId (None for a path of the API that no operation declares)."""
    responses: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class _Entry:
    pattern: re.Pattern[str]
    method: str
    ref: OperationRef
    params: int


class OperationIndex:
    """Every operation of every mounted API by method and full path template (base path included)."""

    def __init__(self, models: Mapping[str, ApiModel], base_path: Callable[[str], str]) -> None:
        self._bases = sorted(((base_path(name), name) for name in models), key=lambda b: -len(b[0]))
        entries = []
        for name, model in models.items():
            base = base_path(name)
            for op_id, op in model.operations.items():
                resolved = model.spec.resolved["paths"][op.path][op.method]
                entries.append(
                    _Entry(
                        pattern=_compile(base + op.path),
                        method=op.method.upper(),
                        ref=OperationRef(name, op_id, resolved.get("responses") or {}),
                        params=op.path.count("{"),
                    )
                )
        # a literal segment wins over a parameter (/orders/count before /orders/{id})
        self._entries = sorted(entries, key=lambda e: e.params)

    def find(self, method: str, path: str) -> OperationRef | None:
        """The operation a request is for; for another path under an API's base path, that API with no operation."""
        method = "GET" if method == "HEAD" else method
        for entry in self._entries:
            if entry.method == method and entry.pattern.match(path):
                return entry.ref
        for base, name in self._bases:
            if not base or path == base or path.startswith(base + "/"):
                return OperationRef(name, None, {})
        return None


def _compile(template: str) -> re.Pattern[str]:
    parts = re.split(r"\{[^/}]+\}", template)
    return re.compile("[^/]+".join(re.escape(p) for p in parts) + r"/?\Z")
