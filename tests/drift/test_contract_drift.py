"""`mock-server contract --drift-report`: the drift of every response of a contract run, what Schemathesis lets pass
included (undocumented properties of open schemas, undeclared headers)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import orjson
import pytest
import uvicorn

from mock_server.cli import main
from tests.drift.stand_in import APIKEY, example, json_body, spec_named

EGUMA_PATH = "/v1/ticketing/orders.json"
pytestmark = pytest.mark.contract


class _Eguma:
    """An e-guma look-alike: checks the apikey, answers the documented example plus an undocumented `channel`."""

    def __init__(self) -> None:
        body = example(spec_named("eguma"), EGUMA_PATH)
        body[0]["channel"] = "RAW-box-office"
        self.body = json_body(body)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        query = parse_qs(scope["query_string"].decode())
        if scope["method"] != "GET" or scope["path"] != EGUMA_PATH:
            status, body, kind = 405 if scope["path"] == EGUMA_PATH else 404, b"", b"text/plain"
        elif query.get("apikey") != [APIKEY]:
            status, body, kind = 401, json_body({"title": "Unauthorized", "status": 401}), b"application/problem+json"
        else:
            status, body, kind = 200, self.body, b"application/json"
        headers = [(b"content-type", kind), (b"x-ratelimit-remaining", b"41")]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


@contextmanager
def _serve(app: Any) -> Iterator[str]:
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="error", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "stand-in did not start"
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_contract_run_writes_the_drift_of_what_it_passed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report, markdown = tmp_path / "drift.json", tmp_path / "drift.md"
    with _serve(_Eguma()) as base_url:
        code = main(
            ["contract", "eguma", "--base-url", base_url, "--apikey", APIKEY, "--max-examples", "1", "--seed", "7"]
            + ["--drift-report", str(report), "--drift-markdown", str(markdown)]
        )
    out, err = capsys.readouterr()
    assert code == 0, out + err  # Schemathesis passes an undocumented property of an open schema...
    data = orjson.loads(report.read_bytes())
    assert data["api"] == "eguma" and data["upstream"] == base_url
    (operation,) = data["operations"]
    assert operation["operation"] == "listTicketOrders"
    assert operation["requests"] > 1 and set(operation["statuses"]) >= {"200", "401"}
    found = {(f["kind"], f["location"], f["status"]) for f in operation["findings"]}
    assert ("undocumented_property", "/*/channel", 200) in found  # ...the drift report does not
    assert ("undocumented_header", "header:x-ratelimit-remaining", 200) in found
    written = report.read_text() + markdown.read_text()
    assert "undocumented_property" in markdown.read_text()
    assert APIKEY not in written and "RAW-box-office" not in written


def test_drift_markdown_alone_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["contract", "eguma", "--base-url", "http://127.0.0.1:9", "--drift-markdown", str(tmp_path / "d.md")])
    assert code == 2
    assert "--drift-markdown needs --drift-report" in capsys.readouterr().err
