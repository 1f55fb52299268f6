"""This module contains FaultMiddleware: rate limits, then the fault a request asks for (`Prefer: fault=KIND`) or a
rule draws, applied around the connexion app (after MockApp's admin routes, body limit and aliases, before
routing, security and validation: a transport fault breaks the connection whatever the request carries)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import TYPE_CHECKING, Any

import orjson

from mock_server.errors import BAD_REQUEST, PROBLEM_MEDIA_TYPE, problem_body
from mock_server.faults.effects import Timing, play
from mock_server.faults.kinds import FaultKindError, fault_from_prefer, without_fault
from mock_server.faults.operations import OperationIndex, OperationRef
from mock_server.faults.ratelimit import Caller, Decision
from mock_server.redact import SECRET_HEADER_KEYS, mask_query
from mock_server.scenarios import Preferences, pick_response

if TYPE_CHECKING:
    from mock_server.app import Runtime

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

STATE_KEY = "mock_server.fault"
"""The fault played on a request, in `scope["state"]` (shared with the outer scope) for whoever records it."""
CREDENTIAL_HEADERS = SECRET_HEADER_KEYS - {b"x-admin-token", b"cookie"}


class FaultMiddleware:
    """Wraps the connexion app; the rules live in `runtime.resilience` (the admin routes change them)."""

    def __init__(self, app: ASGIApp, runtime: Runtime) -> None:
        self.app = app
        self.runtime = runtime
        self.index = OperationIndex(runtime.models, runtime.base_path)
        self.timing = Timing(runtime.settings.fault_timeout_s, runtime.settings.fault_slow_ms)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # connexion's router notes the matched operation in scope["extensions"], creating it in its own copy of the
        # scope when the server sent none (uvicorn sends none; TestClient does): create it here, where MockApp's
        # journal can read it
        scope.setdefault("extensions", {})
        prefer = _header(scope, b"prefer")
        try:
            fault = fault_from_prefer(prefer)
        except FaultKindError as exc:
            await _answer(send, 400, PROBLEM_MEDIA_TYPE, problem_body(400, f"Prefer: fault: {exc}", kind=BAD_REQUEST))
            return
        resilience = self.runtime.resilience
        if fault is None and not resilience.engaged:  # the common case: nothing to look up per request
            await self.app(scope, receive, send)
            return
        op = self.index.find(scope["method"], scope["path"])
        api, operation = (op.api, op.operation) if op else (None, None)
        decision = resilience.limiter.check(api, operation, _caller(scope))
        if decision is not None:
            if decision.limited:
                await _too_many(send, op, decision)
                return
            send = _with_headers(send, decision.headers)
        if fault is None:
            fault = resilience.pick(api, operation)
        elif prefer is not None:  # the fault preference is ours; code=, example= stay for the API
            scope = _with_prefer(scope, without_fault(prefer))
        if fault is None:
            await self.app(scope, receive, send)
            return
        if isinstance(scope.get("state"), dict):
            scope["state"][STATE_KEY] = str(fault)
        if fault.kind == "code":  # the client's other preferences stay; its own code= yields (the last one wins)
            others = without_fault(prefer) if prefer else ""
            await self.app(_with_prefer(scope, ", ".join(filter(None, [others, f"code={fault.code}"]))), receive, send)
            return
        await play(fault, self.app, scope, receive, send, self.timing)


async def _too_many(send: Send, op: OperationRef | None, decision: Decision) -> None:
    """429: the operation's documented 429 response where the spec declares one, else a problem."""
    detail = f"Rate limit exceeded; retry after {decision.retry_after} s"
    if op is not None and "429" in op.responses:
        canned = pick_response(dict(op.responses), Preferences(code="429"))
        media_type, body = canned.media_type, orjson.dumps(canned.body)
    else:
        media_type, body = PROBLEM_MEDIA_TYPE, problem_body(429, detail)
    await _answer(send, 429, media_type, body, decision.headers)


def _with_headers(send: Send, headers: tuple[tuple[str, str], ...]) -> Send:
    extra = [(k.lower().encode(), v.encode()) for k, v in headers]

    async def send_with_headers(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), *extra]}
        await send(message)

    return send_with_headers


def _with_prefer(scope: Scope, prefer: str) -> Scope:
    headers = [(k, v) for k, v in scope.get("headers") or [] if k.lower() != b"prefer"]
    if prefer:
        headers.append((b"prefer", prefer.encode("latin-1")))
    return {**scope, "headers": headers}


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers") or []:
        if key.lower() == name:
            text: str = value.decode("latin-1")
            return text
    return None


def _caller(scope: Scope) -> Caller:
    """The peer address and the credential the request carries (bearer token, access token or API key)."""
    client = scope.get("client")
    host = str(client[0]) if client else "unknown"
    for key, value in scope.get("headers") or []:
        if key.lower() in CREDENTIAL_HEADERS:
            text = value.decode("latin-1").strip()
            return Caller(host, text.rpartition(" ")[2] if " " in text else text)
    _, secrets = mask_query(scope.get("query_string", b"").decode("latin-1"))
    return Caller(host, secrets[0] if secrets else None)


async def _answer(
    send: Send, status: int, media_type: str, body: bytes, headers: tuple[tuple[str, str], ...] = ()
) -> None:
    raw = [(b"content-type", media_type.encode()), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in headers]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})
