"""This module contains how each fault kind is played on one request (ASGI messages and, for the transport kinds,
the connection itself)."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

from mock_server.faults.kinds import Fault
from mock_server.faults.transport import reset, transport_of, wait_disconnect

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

SLOW_CHUNKS = 10
"""A slow body arrives in this many pieces (fewer for a shorter body), evenly spread over --fault-slow."""
MALFORMED_BODY = b'{"mock-server": "fault=malformed", "data": [{"id": 1, "note": "this body is cut off'
"""Content-Type says JSON; the body is an unterminated object, so every JSON parser rejects it."""


class NoTransportError(ConnectionError):
    """The server gives the app no connection to reset or close (an in-process client): the fault is raised there."""


@dataclass(frozen=True, slots=True)
class Timing:
    timeout_s: float
    slow_ms: int


async def play(fault: Fault, app: ASGIApp, scope: Scope, receive: Receive, send: Send, timing: Timing) -> None:
    """Answer one request with `fault` (code=NNN is not played here: it goes to the API as `Prefer: code=NNN`)."""
    kind = fault.kind
    if kind == "malformed":
        await _send_whole(send, 200, [(b"content-type", b"application/json")], MALFORMED_BODY)
        return
    if kind == "slow":
        start, body = await _capture(app, scope, receive)
        await _send_slowly(send, start, body, timing.slow_ms / 1000)
        return
    transport = transport_of(receive)
    if kind == "timeout":
        await asyncio.sleep(timing.timeout_s)
    if kind == "truncate":
        start, body = await _capture(app, scope, receive)
        await send(start)
        await send({"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True})
        if transport is not None:  # give the half body to the socket before closing it
            await asyncio.sleep(0)
    if transport is None:
        raise NoTransportError(f"fault={fault}: this server gives the app no connection to break")
    if kind == "reset":
        reset(transport)
    else:  # close, timeout, truncate: a plain close (FIN) after whatever was sent
        transport.close()
    await wait_disconnect(receive)


async def _capture(app: ASGIApp, scope: Scope, receive: Receive) -> tuple[Message, bytes]:
    """The inner app's whole answer: its start message and body bytes."""
    start: Message = {"type": "http.response.start", "status": 500, "headers": []}
    chunks: list[bytes] = []

    async def collect(message: Message) -> None:
        nonlocal start
        if message["type"] == "http.response.start":
            start = message
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, collect)
    return start, b"".join(chunks)


async def _send_slowly(send: Send, start: Message, body: bytes, over_s: float) -> None:
    """Headers at once, then the body in up to SLOW_CHUNKS pieces evenly spread: the last `over_s` after the headers."""
    await send(start)
    pieces = max(1, min(SLOW_CHUNKS, len(body)))
    size = math.ceil(len(body) / pieces) or 1
    chunks = [body[i : i + size] for i in range(0, len(body), size)] or [b""]
    pause = over_s / len(chunks)
    for i, chunk in enumerate(chunks):
        await asyncio.sleep(pause)
        await send({"type": "http.response.body", "body": chunk, "more_body": i < len(chunks) - 1})


async def _send_whole(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    headers = [*headers, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
