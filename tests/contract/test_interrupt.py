"""Ctrl-C and SIGTERM during a real `mock-server contract` process: a non-zero exit, a line saying what had run,
and no JUnit report that reads as a pass."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

pytestmark = [pytest.mark.contract, pytest.mark.slow]

WORKING_AFTER_S = 4.0
"""Time after the JUnit placeholder appears (arguments parsed, report path checked) for requests to be under way."""


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["SIGINT", "SIGTERM"])
def test_contract_interrupted_exits_nonzero_and_says_what_ran(tmp_path: Path, sig: signal.Signals, code: int) -> None:
    junit = tmp_path / "junit.xml"
    process = subprocess.Popen(
        [sys.executable, "-m", "mock_server", "contract", "plandocket", "--max-examples", "200", "--junit", str(junit)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )
    try:
        deadline = time.monotonic() + 60
        while not junit.exists() and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.1)
        time.sleep(WORKING_AFTER_S)
        assert process.poll() is None, "the run ended before the signal"
        process.send_signal(sig)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == code, out + err
    assert "Traceback" not in err
    last = err.splitlines()[-1]
    found = re.fullmatch(
        rf"contract plandocket: interrupted by {sig.name} after (\d+) requests to (\d) of 2 operations "
        r"\(phases started: [a-z, ]+\); the run is incomplete, \d+ failures? so far",
        last,
    )
    assert found is not None, err
    assert int(found.group(1)) > 0, "interrupted before any request: the test proves nothing"
    suite = ET.parse(junit).getroot()
    assert suite.get("errors") == "1"
    error = suite.find("testcase[@name='interrupted']/error")
    assert error is not None and error.get("type") == "interrupted"
    assert f"interrupted by {sig.name}" in (error.get("message") or "")
