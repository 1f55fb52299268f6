"""This module contains Exchange: one request of the mock's journal as a test sees it, and strict mode's judgement.

The journal (mock_server/journal.py) records every request with its headers (credentials masked), body, status,
operation and the mock's answer; a test reads it as Exchange values. A request that reached no operation is given the
nearest one by method and path text, so a strict test can say what the client probably meant.
"""

from __future__ import annotations

import difflib
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

if TYPE_CHECKING:
    from mock_server.app import Runtime


@dataclass(frozen=True, slots=True)
class Exchange:
    """One request a client sent and the status it got."""

    api: str | None
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any
    status: int
    operation_id: str | None
    """The operation the request reached; for a request that matched no route, the nearest one (see `routed`)."""
    routed: bool
    """False when no declared path and method matched (the mock's no-such-route 404 or 405)."""
    detail: str | None = None
    """The problem detail of a 4xx/5xx the mock answered (e.g. the request-validation message of a 400)."""
    prefer: str | None = field(default=None, repr=False)

    def as_dict(self) -> dict[str, Any]:
        entry = asdict(self)
        del entry["prefer"]
        return entry

    def describe(self) -> str:
        query = "&".join(f"{k}={v}" for k, values in self.query.items() for v in values)
        return f"{self.method} {self.path}{'?' + query if query else ''}"


@dataclass(frozen=True, slots=True)
class _Operation:
    api: str
    method: str
    template: str
    operation_id: str


class Exchanges:
    """The journal of a running mock read as Exchange values."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._operations = [
            _Operation(name, op.method.upper(), runtime.base_path(name) + op.path, op.operation_id)
            for name, model in runtime.models.items()
            for op in model.operations.values()
        ]

    def read(self, api: str | None = None) -> list[Exchange]:
        """What clients sent, oldest first; of one API when given."""
        return [self._exchange(entry) for entry in self.runtime.journal.entries(api=api)]

    def _exchange(self, entry: dict[str, Any]) -> Exchange:
        routed = entry.get("operation_id") is not None
        operation_id, api = entry.get("operation_id"), entry.get("api")
        if not routed and (nearest := self._nearest(entry["method"], entry["path"])) is not None:
            operation_id, api = nearest.operation_id, nearest.api
        response = entry.get("response") or {}
        body = response.get("body")
        detail = body.get("detail") if isinstance(body, dict) and entry["status"] >= 400 else None
        headers = dict(entry.get("headers") or {})
        return Exchange(
            api=api,
            method=entry["method"],
            path=entry["path"],
            query=parse_qs(entry.get("query") or "", keep_blank_values=True),
            headers=headers,
            body=entry.get("body"),
            status=entry["status"],
            operation_id=operation_id,
            routed=routed,
            detail=str(detail) if detail is not None else None,
            prefer=headers.get("prefer"),
        )

    def _nearest(self, method: str, path: str) -> _Operation | None:
        wanted = f"{method} {path}"
        return max(
            self._operations,
            key=lambda op: difflib.SequenceMatcher(None, wanted, f"{op.method} {op.template}").ratio(),
            default=None,
        )


def refusals(exchanges: list[Exchange]) -> list[Exchange]:
    """The exchanges a strict test fails on: the mock refused what the client sent, by the spec (a request-validation
    400, or a 404/405 because no declared route matched). Answers the client asked for (`Prefer: code=400`) and
    404s for a record that does not exist are not refusals."""
    found = []
    for exchange in exchanges:
        asked = "code=" in (exchange.prefer or "")
        if exchange.status == 400 and exchange.routed and not asked:
            found.append(exchange)
        elif exchange.status in (404, 405) and not exchange.routed:
            found.append(exchange)
    return found


def explain(exchange: Exchange) -> str:
    """One refusal: the request, the nearest operation and the mock's message."""
    what = "request validation failed" if exchange.status == 400 else "no such route"
    operation = exchange.operation_id or "none"
    nearest = "operation" if exchange.routed else "nearest operation"
    return (
        f"{exchange.describe()} -> {exchange.status} ({what}); {nearest}: {operation}; "
        f"message: {exchange.detail or '(none)'}"
    )
