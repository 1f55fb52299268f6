"""Feedback on long work and per request (issue 12 points 2, 6, 12): a progress bar on a terminal and nothing in a
pipe; Ctrl-C while data loads is one line and exit 130; one access line per request (credentials masked) unless
--quiet; the banner names the config file."""

from __future__ import annotations

import contextlib
import os
import pty
import re
import select
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.clients.live_server import free_port, loopback_env
from tests.hardening.server import command, running_server

APIKEY = "secret-apikey-4711"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _on_terminal(
    args: list[str], cwd: Path, *, interrupt_on: bytes | None = None, timeout: float = 60
) -> tuple[int, str]:
    """Run mock-server with a pseudo-terminal as stdin/stdout/stderr; with interrupt_on, send SIGINT (Ctrl-C) once
    that text appeared. Returns the exit code and everything the terminal showed."""
    master, slave = pty.openpty()
    env = {**loopback_env(), "TERM": "xterm", "COLUMNS": "100"}
    proc = subprocess.Popen([*command(), *args], cwd=cwd, stdin=slave, stdout=slave, stderr=slave, env=env)
    os.close(slave)
    shown = b""
    interrupted = False
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # EIO: the child closed the terminal
                    break
                if not chunk:
                    break
                shown += chunk
            if interrupt_on is not None and not interrupted and interrupt_on in shown:
                proc.send_signal(signal.SIGINT)
                interrupted = True
            if proc.poll() is not None and not ready:
                break
        code = proc.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return code, shown.decode(errors="replace")


@pytest.mark.slow
def test_feedback_fixtures_generate_shows_a_bar_on_a_terminal_and_nothing_in_a_pipe(tmp_path: Path) -> None:
    args = ["fixtures", "generate", "--api", "eguma", "--count", "1000", "--out", str(tmp_path / "out")]
    code, shown = _on_terminal(args, tmp_path)
    assert code == 0, shown
    assert "eguma" in shown and "━" in shown and "/1000" in shown, shown  # rich's bar and its M/N column
    piped = subprocess.run([*command(), *args], cwd=tmp_path, capture_output=True, text=True, env=loopback_env())
    assert piped.returncode == 0 and piped.stderr == "", piped.stderr
    assert piped.stdout.splitlines() == [f"wrote {tmp_path / 'out' / 'eguma.json'}"]


@pytest.mark.slow
def test_feedback_ctrl_c_while_serve_generates_data_is_one_line_and_exit_130(tmp_path: Path) -> None:
    port = str(free_port())
    args = ["serve", "--count", "200000", "--no-cache", "--port", port]
    code, shown = _on_terminal(args, tmp_path, interrupt_on=b"/200000")
    assert code == 130, shown
    assert "Traceback" not in shown and "KeyboardInterrupt" not in shown, shown
    assert ANSI.sub("", shown).strip().splitlines()[-1].strip() == "mock-server serve: interrupted", shown
    assert f":{port}" not in shown  # interrupted before any URL was promised


@pytest.mark.slow
def test_feedback_ctrl_c_while_fixtures_generate_runs_is_one_line_and_exit_130(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [*command(), "fixtures", "generate", "--count", "200000", "--out", str(tmp_path / "out")],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=loopback_env(),
    )
    try:
        time.sleep(4)  # imports and spec loading take about 1 s; 200000 orders take minutes
        assert proc.poll() is None, proc.communicate()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, (out, err)
    assert err.splitlines() == ["mock-server fixtures: interrupted"], err


@pytest.mark.slow
def test_feedback_access_line_per_request_with_credentials_masked_and_the_config_named(tmp_path: Path) -> None:
    (tmp_path / "mock-server.toml").write_text(f'[auth.eguma]\napikeys = ["{APIKEY}"]\n')
    with running_server("--api", "eguma", workdir=tmp_path) as server:
        with httpx.Client(trust_env=False, timeout=10) as http:
            url = f"{server.origin}/eguma/v1/ticketing/orders.json"
            assert http.get(url, params={"apikey": APIKEY, "last_name": "Muster"}).status_code == 200
            assert http.get(url, params={"apikey": "wrong-key-0815"}).status_code == 401
        deadline = time.monotonic() + 5
        while "401" not in server.stdout.read_text() and time.monotonic() < deadline:
            time.sleep(0.05)
    out = server.stdout.read_text()
    assert "config       mock-server.toml" in out.splitlines(), out
    access = [line for line in out.splitlines() if line.startswith("GET /eguma/")]
    assert len(access) == 2, out
    ok, refused = access
    assert ok.startswith("GET /eguma/v1/ticketing/orders.json?apikey=[Filtered]&last_name=Muster 200 "), ok
    assert refused.startswith("GET /eguma/v1/ticketing/orders.json?apikey=[Filtered] 401 "), refused
    assert all(line.endswith("ms") for line in access)
    assert APIKEY not in server.output() and "wrong-key-0815" not in server.output()


@pytest.mark.slow
def test_feedback_quiet_turns_the_access_lines_off(tmp_path: Path) -> None:
    with running_server("--api", "printlounge", "--quiet", workdir=tmp_path) as server:
        with httpx.Client(trust_env=False, timeout=10) as http:
            assert http.get(f"{server.origin}/printlounge/api/order/?limit=1").status_code == 200
        time.sleep(0.3)
    with contextlib.suppress(FileNotFoundError):
        assert "/printlounge/api/order" not in server.output()
    assert "config       none" in server.output()
