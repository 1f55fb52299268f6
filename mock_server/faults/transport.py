"""This module contains the socket-level side of faults: finding a request's transport and resetting or closing it.

ASGI gives an app no socket. uvicorn's `receive` is a bound method of its per-request cycle, which holds the
connection's transport (both its httptools and h11 protocols, on asyncio and uvloop loops); MockApp may wrap that
callable in a closure (the body replay), so the closures are searched too.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, cast

Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
MAX_DEPTH = 6
DISCONNECT_WAIT_S = 2.0


def transport_of(receive: Callable[..., Any]) -> asyncio.Transport | None:
    """The transport behind an ASGI `receive` callable, or None (an in-process client such as TestClient)."""
    pending: list[Any] = [receive]
    for _ in range(MAX_DEPTH):
        if not pending:
            break
        fn = pending.pop()
        transport: Any = getattr(getattr(fn, "__self__", None), "transport", None)
        # uvloop's transports are not asyncio.Transport subclasses: check for what reset and close use
        if all(hasattr(transport, name) for name in ("abort", "close", "get_extra_info", "write")):
            return cast("asyncio.Transport", transport)
        for cell in getattr(fn, "__closure__", None) or ():
            with contextlib.suppress(ValueError):  # an empty cell
                if callable(cell.cell_contents):
                    pending.append(cell.cell_contents)
    return None


def reset(transport: asyncio.Transport) -> None:
    """Drop the connection with a TCP RST: SO_LINGER 0, then close without flushing."""
    sock = transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()


async def wait_disconnect(receive: Receive) -> None:
    """Wait until the server noticed the closed connection, so it does not answer a 500 on its own."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(DISCONNECT_WAIT_S):
            while (await receive())["type"] != "http.disconnect":
                pass
