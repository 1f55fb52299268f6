"""The README's own `contract --base-url` command against a real `mock-server serve` process passes for every API,
and a mock restricted to listed credentials makes the wrong-credential check meaningful (no note)."""

from __future__ import annotations

import re
import shlex
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

pytestmark = [pytest.mark.contract, pytest.mark.slow]

README = Path(__file__).resolve().parents[2] / "README.md"
APIS = ("plandocket", "eguma", "printlounge", "mittwald")


def _readme_command(api: str, port: int) -> list[str]:
    """The README's quick-check line (written for eguma on port 8000), for this API and port."""
    line = next(
        line
        for line in README.read_text(encoding="utf-8").splitlines()
        if line.startswith("mock-server contract eguma --base-url http://127.0.0.1:8000/eguma")
    )
    words = shlex.split(line.replace("eguma", api).replace(":8000", f":{port}"))
    return [sys.executable, "-m", "mock_server", *words[1:]]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def _serve(*extra: str, cwd: Path) -> Iterator[int]:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "mock_server", "serve", "--port", str(port), *extra],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=cwd,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            try:
                httpx.get(f"http://127.0.0.1:{port}/__admin/apis", timeout=1.0)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def _run(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, timeout=300, check=False, cwd=cwd)


def test_readme_contract_command_passes_against_serve_for_every_api(tmp_path: Path) -> None:
    with _serve(cwd=tmp_path) as port, ThreadPoolExecutor(max_workers=len(APIS)) as pool:
        results = dict(zip(APIS, pool.map(lambda api: _run(_readme_command(api, port), tmp_path), APIS), strict=True))
    for api, result in results.items():
        assert result.returncode == 0, f"{api}:\n{result.stdout}{result.stderr}"
        assert re.search(rf"^contract {api}: [1-9]\d* operations, [1-9]\d* requests, 0 failures$", result.stdout, re.M)
        if api != "printlounge":  # the permissive default is named, with the setting that makes the check count
            assert f"note: ignored_auth not checked with a wrong credential: http://127.0.0.1:{port}/{api} is " in (
                result.stdout
            )
            assert f"[auth.{api}]" in result.stdout


def test_contract_against_a_restricted_mock_checks_wrong_credentials(tmp_path: Path) -> None:
    (tmp_path / "mock-server.toml").write_text('[auth.plandocket]\ntokens = ["listed-token-1"]\n', encoding="utf-8")
    with _serve("--api", "plandocket", cwd=tmp_path) as port:
        base = f"http://127.0.0.1:{port}/plandocket"
        result = _run(
            [
                sys.executable,
                "-m",
                "mock_server",
                "contract",
                "plandocket",
                "--base-url",
                base,
                "--token",
                "listed-token-1",
                "--max-examples",
                "5",
            ],
            tmp_path,
        )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "note:" not in result.stdout
    assert "401: " in result.stdout  # the wrong-credential probes were made, and refused
