"""The report files: JSON layout, the Markdown summary, and `mock-server drift check` gating CI on them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest

from mock_server.cli import main
from mock_server.drift.proxy import upstream_origin
from mock_server.drift.recorder import DriftRecorder
from mock_server.drift.report import render_json, render_markdown
from tests.drift.stand_in import example, json_body, spec_named

EGUMA_PATH = "/v1/ticketing/orders.json"


class _Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=30)
        return self.now


def _recorder() -> DriftRecorder:
    """Three exchanges of eguma: one order with a new status and a string total, then a 500, then an unknown path."""
    spec = spec_named("eguma")
    recorder = DriftRecorder(spec, upstream=upstream_origin("https://user:pw@api.e-guma.ch/base"), clock=_Clock())
    body = example(spec, EGUMA_PATH)
    body[0]["status"] = "refunded"
    body[0]["grand_total_in_cents"] = "90.00 | CHF"
    json_headers = {"content-type": "application/json"}
    recorder.observe("GET", EGUMA_PATH, 200, json_headers, json_body(body))
    recorder.observe("GET", EGUMA_PATH, 500, {"content-type": "text/plain"}, b"oops")
    recorder.observe("GET", "/v1/ticketing/events.json", 404, json_headers, b"{}")
    return recorder


def test_json_report_layout() -> None:
    data = orjson.loads(render_json(_recorder().report()))
    assert list(data) == ["api", "spec", "upstream", "started", "finished", "requests", "operations"]
    assert data["api"] == "eguma" and data["spec"].endswith("eguma.yaml")
    assert data["upstream"] == "https://api.e-guma.ch:443"  # scheme, host and port: no credentials, no path
    assert data["started"] == "2026-03-01T12:00:30Z"
    assert data["requests"] == 3
    listed, unmatched = data["operations"]
    assert {k: listed[k] for k in ("operation", "method", "path", "requests", "statuses")} == {
        "operation": "listTicketOrders",
        "method": "GET",
        "path": EGUMA_PATH,
        "requests": 2,
        "statuses": {"200": 1, "500": 1},
    }
    assert [f["kind"] for f in listed["findings"]] == ["type_mismatch", "enum_value", "undeclared_status"]
    assert listed["findings"][0]["first_seen"] == "2026-03-01T12:01:00Z"
    assert (unmatched["operation"], unmatched["path"], unmatched["findings"][0]["kind"]) == (
        "",
        "/v1/ticketing/events.json",
        "unmatched_path",
    )


def test_markdown_summary_puts_errors_first_one_table_per_operation() -> None:
    text = render_markdown(_recorder().report())
    lines = text.splitlines()
    assert lines[0] == "# Drift report: eguma"
    assert "**1 error(s)**, 2 warning(s), 1 info(s)" in lines[2]
    headings = [line for line in lines if line.startswith("## ")]
    assert headings == [
        "## `listTicketOrders` GET /v1/ticketing/orders.json",
        "## unmatched GET /v1/ticketing/events.json",
    ]
    rows = [line for line in lines if line.startswith("| ") and not line.startswith("| severity")]
    assert [row.split(" | ")[0] for row in rows] == ["| error", "| warning", "| warning", "| info"]
    assert "90.00" not in text  # a raw value never appears, not even escaped


def _write_report(tmp_path: Path) -> Path:
    path = tmp_path / "drift.json"
    path.write_bytes(render_json(_recorder().report()))
    return path


@pytest.mark.parametrize(("fail_on", "code"), [(None, 1), ("error", 1), ("warning", 1), ("info", 1)])
def test_drift_check_fails_at_the_level_or_above(fail_on: str | None, code: int, tmp_path: Path) -> None:
    argv = ["drift", "check", str(_write_report(tmp_path))] + (["--fail-on", fail_on] if fail_on else [])
    assert main(argv) == code


def test_drift_check_passes_below_the_level(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = spec_named("eguma")
    recorder = DriftRecorder(spec)
    body = example(spec, EGUMA_PATH)
    body[0]["status"] = "refunded"  # a warning, and an undocumented header: an info
    recorder.observe("GET", EGUMA_PATH, 200, {"content-type": "application/json", "x-trace": "1"}, json_body(body))
    path = tmp_path / "drift.json"
    path.write_bytes(render_json(recorder.report()))
    assert main(["drift", "check", str(path)]) == 0
    assert "0 error(s), 1 warning(s), 1 info(s): passes (--fail-on error)" in capsys.readouterr().out
    assert main(["drift", "check", str(path), "--fail-on", "warning"]) == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read the report"),
        (b"not json", "not a JSON drift report"),
        (b'{"api": "eguma"}', "/operations: missing"),
        (b'{"operations": [{"findings": [{"severity": "fatal"}]}]}', "/operations/0/findings/0/severity"),
    ],
)
def test_drift_check_bad_report_is_one_line_and_exit_2(
    content: bytes | None, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "drift.json"
    if content is not None:
        path.write_bytes(content)
    assert main(["drift", "check", str(path)]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
