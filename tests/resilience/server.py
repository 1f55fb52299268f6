"""This module contains serve(): the mock app on a real uvicorn server on 127.0.0.1, port 0, in a thread, with the
HTTP protocol and event loop chosen (serve's default is httptools on uvloop), and raw_exchange for socket tests."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import uvicorn

from mock_server.app import MockApp

START_TIMEOUT_S = 20.0


@dataclass(frozen=True)
class Served:
    app: MockApp
    host: str
    port: int

    @property
    def origin(self) -> str:
        return f"http://{self.host}:{self.port}"


@contextlib.contextmanager
def serve(app: MockApp, *, http: str = "httptools", loop: str = "uvloop") -> Iterator[Served]:
    config = uvicorn.Config(
        app, host="127.0.0.1", port=0, http=http, loop=loop, log_level="critical", access_log=False, lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn-{http}-{loop}", daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT_S
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    host, port = server.servers[0].sockets[0].getsockname()[:2]
    try:
        yield Served(app, host, port)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def raw_request(path: str, headers: dict[str, str] | None = None, method: str = "GET") -> bytes:
    """One request that asks the server to close after answering (so reading to the end stops at the answer)."""
    fields = {"Host": "127.0.0.1", "Connection": "close", **(headers or {})}
    lines = [f"{method} {path} HTTP/1.1", *(f"{k}: {v}" for k, v in fields.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


@dataclass
class RawResult:
    """What a raw socket saw: the bytes before the connection ended, how it ended, and when (seconds)."""

    data: bytes
    error: OSError | None
    elapsed_s: float
    chunks: list[tuple[float, int]]
    """(seconds since the request was sent, bytes) of each recv."""

    @property
    def head(self) -> bytes:
        return self.data.partition(b"\r\n\r\n")[0]

    @property
    def body(self) -> bytes:
        return self.data.partition(b"\r\n\r\n")[2]

    def header(self, name: str) -> str | None:
        for line in self.head.split(b"\r\n")[1:]:
            key, _, value = line.decode("latin-1").partition(":")
            if key.strip().lower() == name.lower():
                return value.strip()
        return None


def raw_exchange(served: Served, request: bytes, *, timeout_s: float = 10.0) -> RawResult:
    """Send one request on a fresh connection and read until the server ends it (EOF or reset) or timeout_s."""
    data = b""
    chunks: list[tuple[float, int]] = []
    error: OSError | None = None
    with socket.create_connection((served.host, served.port), timeout=timeout_s) as sock:
        sock.sendall(request)
        started = time.monotonic()
        while True:
            try:
                chunk = sock.recv(65536)
            except OSError as exc:  # ConnectionResetError, TimeoutError
                error = exc
                break
            if not chunk:
                break
            chunks.append((time.monotonic() - started, len(chunk)))
            data += chunk
    return RawResult(data, error, time.monotonic() - started, chunks)
