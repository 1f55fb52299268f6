"""This module contains ServerProcess: a real `mock-server serve` subprocess on a free loopback port whose stdout and
stderr are kept in files, stopped gently or killed with SIGKILL; and raw_request for bytes no HTTP client sends."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.clients.live_server import free_port, loopback_env

READY_TIMEOUT_S = 30.0


def command() -> list[str]:
    """The console script a user runs, from the interpreter running the tests."""
    script = Path(sys.executable).with_name("mock-server")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "mock_server"]


@dataclass
class ServerProcess:
    """One `mock-server serve` process."""

    proc: subprocess.Popen[bytes]
    host: str
    port: int
    stdout: Path
    stderr: Path

    @property
    def origin(self) -> str:
        return f"http://{self.host}:{self.port}"

    def output(self) -> str:
        """Everything the process printed so far, stdout then stderr."""
        return self.stdout.read_text(errors="replace") + self.stderr.read_text(errors="replace")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL: no shutdown handler, no flush, no commit runs."""
        if self.alive():
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.alive():
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


def start_server(
    *args: str,
    workdir: Path,
    host: str = "127.0.0.1",
    port: int | None = None,
    ready_headers: dict[str, str] | None = None,
) -> ServerProcess:
    """Start `mock-server serve --host H --port P [args]` in workdir and return once GET /__admin/apis answers."""
    port = port or free_port()
    stdout, stderr = workdir / f"server-{port}.out", workdir / f"server-{port}.err"
    with stdout.open("ab") as out, stderr.open("ab") as err:
        proc = subprocess.Popen(
            [*command(), "serve", "--host", host, "--port", str(port), *args],
            cwd=workdir,
            stdout=out,
            stderr=err,
            env=loopback_env(),
        )
    server = ServerProcess(proc, host, port, stdout, stderr)
    try:
        _wait_ready(server, ready_headers or {})
    except BaseException:
        server.kill()
        raise
    return server


@contextlib.contextmanager
def running_server(*args: str, workdir: Path, **kwargs: object) -> Iterator[ServerProcess]:
    server = start_server(*args, workdir=workdir, **kwargs)  # type: ignore[arg-type]
    try:
        yield server
    finally:
        server.stop()


def _wait_ready(server: ServerProcess, headers: dict[str, str]) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    with httpx.Client(trust_env=False, timeout=2) as client:
        while time.monotonic() < deadline:
            if not server.alive():
                raise RuntimeError(f"mock-server serve exited with {server.proc.returncode}:\n{server.output()}")
            with contextlib.suppress(httpx.TransportError):
                if client.get(f"{server.origin}/__admin/apis", headers=headers).status_code == 200:
                    return
            time.sleep(0.1)
    raise RuntimeError(f"mock-server serve not ready after {READY_TIMEOUT_S}s:\n{server.output()}")


def http_bytes(method: bytes, target: bytes, headers: list[bytes] | None = None, body: bytes | None = None) -> bytes:
    """An HTTP/1.1 request as bytes, exactly as given (nothing escaped or checked); Content-Length added for a body
    unless a header already frames it."""
    head = [method + b" " + target + b" HTTP/1.1", b"Host: 127.0.0.1", b"Connection: close", *(headers or [])]
    framed = any(h.lower().startswith((b"content-length:", b"transfer-encoding:")) for h in headers or [])
    if body is not None and not framed:
        head.append(b"Content-Length: " + str(len(body)).encode())
    return b"\r\n".join(head) + b"\r\n\r\n" + (body or b"")


def raw_request(port: int, data: bytes, host: str = "127.0.0.1", timeout: float = 10.0) -> tuple[int, bytes]:
    """Send bytes as they are and read until the server closes the connection: (status, the whole answer).
    A server may answer (413, 400) and close before reading everything; the rest of the send is then dropped."""
    with socket.create_connection((host, port), timeout=timeout) as sock:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(data)
        chunks = []
        with contextlib.suppress(ConnectionResetError):
            while chunk := sock.recv(65536):
                chunks.append(chunk)
    answer = b"".join(chunks)
    status_line = answer.split(b"\r\n", 1)[0].split()
    return (int(status_line[1]) if len(status_line) > 1 and status_line[1].isdigit() else 0), answer


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """Nobody accepts connections on the port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1)
        return sock.connect_ex((host, port)) != 0
