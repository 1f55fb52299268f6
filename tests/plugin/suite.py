"""Running a client project's pytest suite in a subprocess, and the suites the plugin tests and the install test give
it: a client project uses only the installed package (the `mock_server` fixtures), never this checkout's tests."""

from __future__ import annotations

import os
import subprocess
import textwrap
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

SUITE_TIMEOUT_S = 180


@dataclass(frozen=True)
class Outcome:
    """What a test of the client suite did: passed, failed, error (teardown included) or skipped, and the text."""

    status: str
    message: str


@dataclass(frozen=True)
class SuiteRun:
    returncode: int
    output: str
    outcomes: dict[str, Outcome]


def write_project(root: Path, files: dict[str, str]) -> Path:
    """A client project: each relative path -> dedented text."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return root


def run_suite(python: Path, project: Path, *args: str, env: dict[str, str] | None = None) -> SuiteRun:
    """`python -m pytest` in the project directory (no cache, JUnit report parsed into outcomes per test name)."""
    report = project / "report.xml"
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "PYTHON"))}
    clean.update(env or {})
    result = subprocess.run(
        [str(python), "-m", "pytest", "-p", "no:cacheprovider", f"--junitxml={report}", "-q", *args],
        cwd=project,
        env=clean,
        capture_output=True,
        text=True,
        timeout=SUITE_TIMEOUT_S,
        check=False,
    )
    output = result.stdout + result.stderr
    outcomes: dict[str, Outcome] = {}
    if report.is_file():
        for case in ET.parse(report).getroot().iter("testcase"):
            status, message = "passed", ""
            for child in case:
                if child.tag in ("failure", "error", "skipped"):
                    status = {"failure": "failed"}.get(child.tag, child.tag)
                    message = f"{child.get('message', '')}\n{child.text or ''}"
                    break
            outcomes[case.get("name", "")] = Outcome(status, message)
    return SuiteRun(result.returncode, output, outcomes)


CLIENT_TESTS = '''
    """A client project's tests: seed an order, read it back through the vendor API, see the request, isolation."""

    import os

    import mock_server as package

    ORDERS = "/v1/ticketing/orders.json"


    def test_the_package_is_the_installed_one():
        expected = os.environ.get("EXPECTED_PACKAGE_PREFIX")
        if expected:
            assert package.__file__.startswith(expected), package.__file__


    def test_a_seeded_order_is_served_and_its_request_recorded(mock_server):
        order = {**mock_server.records("eguma", "orders")[0], "id": "seeded-1", "order_number": "S-0001"}
        mock_server.seed("eguma", "orders", [order])
        client = mock_server.client("eguma")
        response = client.get(ORDERS, params={"apikey": "client-key-123", "order_number": "S-0001"})
        assert response.status_code == 200, response.text
        assert [o["id"] for o in response.json()] == ["seeded-1"]
        [entry] = mock_server.requests("eguma")
        assert entry["method"] == "GET"
        assert entry["path"] == "/eguma" + ORDERS
        assert entry["query"] == {"apikey": ["[Filtered]"], "order_number": ["S-0001"]}
        assert entry["status"] == 200
        assert entry["operation_id"] == "listTicketOrders"
        assert entry["body"] is None


    def test_the_next_test_starts_from_the_fixtures(mock_server):
        assert mock_server.requests() == []
        assert len(mock_server.records("eguma", "orders")) == 50
        response = mock_server.client("eguma").get(ORDERS, params={"apikey": "k"})
        assert "seeded-1" not in {o["id"] for o in response.json()}
'''
