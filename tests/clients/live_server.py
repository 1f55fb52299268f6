"""This module contains run_live_server: a real `mock-server serve` subprocess on a free loopback port, for clients
that can only talk over a socket (node, a browser)."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

READY_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class LiveServer:
    """A running mock: its origin (http://127.0.0.1:PORT) and the file collecting its output."""

    origin: str
    log: Path

    def url(self, path: str) -> str:
        return self.origin + path


def free_port() -> int:
    """A loopback port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def mock_server_command() -> list[str]:
    # The console script a user runs, from the interpreter running the tests (the project's .venv under make test).
    script = Path(sys.executable).with_name("mock-server")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "mock_server"]


def loopback_env() -> dict[str, str]:
    """The environment with loopback exempt from any proxy, so clients (axios, httpx, chromium) connect directly."""
    env = dict(os.environ)
    for name in ("NO_PROXY", "no_proxy"):
        env[name] = ",".join(filter(None, [env.get(name, ""), "127.0.0.1", "localhost"]))
    return env


@contextlib.contextmanager
def run_live_server(*args: str) -> Iterator[LiveServer]:
    """Start `mock-server serve --port <free> [args]` and yield once GET /__admin/apis answers 200; stop it after.

    It runs in an empty temporary directory, so a developer's ./mock-server.toml cannot change what it accepts.
    """
    workdir = Path(tempfile.mkdtemp(prefix="mock-server-live-"))
    log = workdir / "server.log"
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [*mock_server_command(), "serve", "--host", "127.0.0.1", "--port", str(port), *args],
            cwd=workdir,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=loopback_env(),
        )
    try:
        _wait_ready(proc, origin, log)
        yield LiveServer(origin=origin, log=log)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(workdir, ignore_errors=True)


def _wait_ready(proc: subprocess.Popen[bytes], origin: str, log: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    with httpx.Client(trust_env=False, timeout=2) as client:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(
                    f"mock-server serve exited with {proc.returncode}:\n{log.read_text(errors='replace')}"
                )
            with contextlib.suppress(httpx.TransportError):
                if client.get(f"{origin}/__admin/apis").status_code == 200:
                    return
            time.sleep(0.1)
    raise RuntimeError(f"mock-server serve not ready after {READY_TIMEOUT_S}s:\n{log.read_text(errors='replace')}")
