"""`mock-server serve` as a user runs it: the start-up lines, a real request, and a clean Ctrl-C."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.clients.live_server import free_port, loopback_env, mock_server_command


@pytest.mark.slow
def test_serve_prints_one_line_per_api_and_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    port = free_port()
    proc = subprocess.Popen(
        [*mock_server_command(), "serve", "--port", str(port)],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=loopback_env(),
    )
    try:
        lines = [proc.stdout.readline().strip() for _ in range(6)] if proc.stdout else []
        origin = f"http://127.0.0.1:{port}"
        for name, line in zip(["eguma", "mittwald", "plandocket", "printlounge"], lines, strict=False):
            assert line.split() == [name, f"{origin}/{name}", "docs", f"{origin}/{name}/ui/"], lines
        assert lines[4].startswith("config       none"), lines
        assert lines[5].startswith(f"admin        {origin}/__admin/apis") and "Ctrl-C" in lines[5]
        deadline = time.monotonic() + 20
        while True:
            try:
                response = httpx.get(f"{origin}/printlounge/api/order/?limit=1", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "server did not answer"
                time.sleep(0.1)
        assert response.status_code == 200 and len(response.json()) == 1
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=15) == 0
        stderr = proc.stderr.read() if proc.stderr else ""
        assert "Traceback" not in stderr
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
