"""This module contains Recorder: what clients sent to a test server (credentials masked) and what they got back.

It wraps the mock's ASGI app for the pytest plugin: each exchange becomes a `Exchange` value with the request's
method, path, query, headers, body, the response status, the operation it reached (or the nearest one, for a request
that reached none) and the mock's problem detail for a 4xx, so a strict test can say why the mock refused a request.
"""

from __future__ import annotations

import difflib
import threading
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

import orjson

from mock_server.redact import MASK, SECRET_HEADER_NAMES, is_secret_name

if TYPE_CHECKING:
    from mock_server.app import Runtime

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
MAX_BODY_CHARS = 64 * 1024
"""Request bodies and problem details are kept up to this size."""


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


class Recorder:
    """The ASGI wrapper that records exchanges (thread-safe: the server runs in another thread than the tests)."""

    def __init__(self, app: ASGIApp, runtime: Runtime) -> None:
        from mock_server.app import route_table

        self.app = app
        self.runtime = runtime
        self._routes = route_table(runtime)
        self._operations = [
            _Operation(name, op.method.upper(), runtime.base_path(name) + op.path, op.operation_id)
            for name, model in runtime.models.items()
            for op in model.operations.values()
        ]
        self._lock = threading.Lock()
        self._exchanges: list[Exchange] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/__admin"):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        status = 500
        response: list[bytes] = []

        async def tee_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                chunks.append(message.get("body", b""))
            return message

        async def tee_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body" and status >= 400:
                response.append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, tee_receive, tee_send)
        finally:
            self._add(scope, b"".join(chunks), status, b"".join(response))

    def _add(self, scope: Scope, body: bytes, status: int, response: bytes) -> None:
        method, path = str(scope.get("method", "")), str(scope.get("path", ""))
        headers: dict[str, str] = {}
        for raw_name, raw_value in scope.get("headers") or []:
            name = raw_name.decode("latin-1").lower()
            headers[name] = MASK if name in SECRET_HEADER_NAMES else raw_value.decode("latin-1")
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        query = {k: [MASK] * len(v) if is_secret_name(k) else v for k, v in query.items()}
        operation, routed = self._operation(method, path)
        exchange = Exchange(
            api=operation.api if operation else None,
            method=method,
            path=path,
            query=query,
            headers=headers,
            body=_parse(body),
            status=status,
            operation_id=operation.operation_id if operation else None,
            routed=routed,
            detail=_detail(response) if status >= 400 else None,
            prefer=headers.get("prefer"),
        )
        with self._lock:
            self._exchanges.append(exchange)

    def _operation(self, method: str, path: str) -> tuple[_Operation | None, bool]:
        """The operation the request reached, else the nearest by method and path text (routed False)."""
        for candidate in (path, path[:-1] if path.endswith("/") else path + "/"):
            route = self._routes.find(candidate)
            if route is not None and route.bad_param(candidate) is None:
                for op in self._operations:
                    if op.template == route.template and op.method == method:
                        return op, True
        wanted = f"{method} {path}"
        nearest = max(
            self._operations,
            key=lambda op: difflib.SequenceMatcher(None, wanted, f"{op.method} {op.template}").ratio(),
            default=None,
        )
        return nearest, False

    def exchanges(self, api: str | None = None, since: int = 0) -> list[Exchange]:
        """The recorded exchanges from number `since` on, oldest first; of one API when given."""
        with self._lock:
            items = self._exchanges[since:]
        return [e for e in items if api is None or e.api == api]

    def __len__(self) -> int:
        with self._lock:
            return len(self._exchanges)

    def clear(self) -> None:
        with self._lock:
            self._exchanges.clear()


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


def _parse(body: bytes) -> Any:
    if not body:
        return None
    text = body[:MAX_BODY_CHARS].decode("utf-8", errors="replace")
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return text


def _detail(body: bytes) -> str | None:
    try:
        problem = orjson.loads(body)
    except orjson.JSONDecodeError:
        return body[:MAX_BODY_CHARS].decode("utf-8", errors="replace") or None
    detail = problem.get("detail") if isinstance(problem, dict) else None
    return str(detail)[:MAX_BODY_CHARS] if detail is not None else None
