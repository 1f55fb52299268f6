"""Ctrl-C and SIGTERM during a real `mock-server contract` process: a non-zero exit, a line saying what had run,
and no JUnit report that reads as a pass. The process runs on a pseudo-terminal, so its progress display shows
when requests are under way (and that it draws on a real terminal)."""

from __future__ import annotations

import os
import pty
import re
import signal
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

pytestmark = [pytest.mark.contract, pytest.mark.slow]

CONTROL = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class _Terminal:
    """The reading end of a pseudo-terminal, collected in the background."""

    def __init__(self, master: int) -> None:
        self.master = master
        self.chunks: list[bytes] = []
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        while True:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:  # EIO: the process closed the terminal
                return
            if not chunk:
                return
            self.chunks.append(chunk)

    @property
    def text(self) -> str:
        return CONTROL.sub("", b"".join(self.chunks).decode("utf-8", errors="replace")).replace("\r", "\n")


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["SIGINT", "SIGTERM"])
def test_contract_interrupted_exits_nonzero_and_says_what_ran(tmp_path: Path, sig: signal.Signals, code: int) -> None:
    junit = tmp_path / "junit.xml"
    master, slave = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "mock_server", "contract", "plandocket", "--max-examples", "200", "--junit", str(junit)],
        stdout=subprocess.PIPE,
        stderr=slave,
        text=True,
        cwd=tmp_path,
    )
    os.close(slave)
    terminal = _Terminal(master)
    try:
        deadline = time.monotonic() + 120
        while not re.search(r" [1-9]\d* requests", terminal.text) and time.monotonic() < deadline:
            assert process.poll() is None, terminal.text
            time.sleep(0.1)
        assert process.poll() is None, "the run ended before the signal"
        process.send_signal(sig)
        out, _ = process.communicate(timeout=60)
        terminal.thread.join(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(master)
    err = terminal.text
    assert process.returncode == code, out + err
    assert "Traceback" not in err
    found = re.search(
        rf"^contract plandocket: interrupted by {sig.name} after (\d+) requests to (\d) of 2 operations "
        r"\(phases started: [a-z, ]+\); the run is incomplete, \d+ failures? so far$",
        err,
        re.M,
    )
    assert found is not None, err
    assert int(found.group(1)) > 0, "interrupted before any request: the test proves nothing"
    suite = ET.parse(junit).getroot()
    assert suite.get("errors") == "1"
    error = suite.find("testcase[@name='interrupted']/error")
    assert error is not None and error.get("type") == "interrupted"
    assert f"interrupted by {sig.name}" in (error.get("message") or "")
