"""The proxy itself: unchanged answers, read-only by default, 502 on a failing upstream, reports written while it
runs and at SIGTERM, the bind rule."""

from __future__ import annotations

import asyncio
import gzip
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import orjson
import pytest

from mock_server.cli import main
from mock_server.drift.proxy import DriftProxy, Outputs, ProxyConfig
from mock_server.drift.recorder import DriftRecorder
from tests.drift.stand_in import APIKEY, TOKEN, Request, StandIn, example, json_body, run_proxy, spec_named

EGUMA_PATH = "/v1/ticketing/orders.json"


def test_answer_goes_back_unchanged_plus_the_drift_header() -> None:
    body = json_body(example(spec_named("eguma"), EGUMA_PATH))
    headers = [("content-type", "application/json"), ("set-cookie", "a=1"), ("set-cookie", "b=2"), ("etag", '"v1"')]
    upstream = StandIn(200, body, headers)
    _, (response,) = run_proxy(spec_named("eguma"), upstream, [Request("GET", f"/eguma{EGUMA_PATH}?apikey={APIKEY}")])
    assert response.status_code == 200
    assert response.content == body
    assert response.headers.get_list("set-cookie") == ["a=1", "b=2"]
    assert response.headers["etag"] == '"v1"'
    assert response.headers["x-mock-server-drift"] == "0"
    assert upstream.received[0]["path"] == f"/base{EGUMA_PATH}"


def test_percent_encoding_of_the_path_is_forwarded_as_it_came() -> None:
    upstream = StandIn(404, b"{}")
    run_proxy(spec_named("printlounge"), upstream, [Request("GET", "/printlounge/api/cart/A%2FB%20C?x=%C3%A4")])
    assert upstream.received[0]["raw_path"] == b"/base/api/cart/A%2FB%20C"
    assert upstream.received[0]["query"] == "x=%C3%A4"


def test_writes_get_403_and_never_reach_the_upstream() -> None:
    upstream = StandIn(200, b"{}")
    requests = [Request(m, "/printlounge/api/order/MY4720", body=b'{"order_status": "137"}') for m in ("PATCH", "PUT")]
    requests += [Request("POST", "/printlounge/api/order/"), Request("DELETE", "/printlounge/api/order/MY4720")]
    _, responses = run_proxy(spec_named("printlounge"), upstream, requests)
    assert [r.status_code for r in responses] == [403] * 4
    assert all(r.headers["content-type"] == "application/problem+json" for r in responses)
    assert "--allow-writes" in responses[0].json()["detail"]
    assert upstream.received == []


def test_allow_writes_forwards_the_body() -> None:
    upstream = StandIn(200, json_body({"order_code": "MY4720", "order_status": 137}))
    request = Request(
        "PATCH", "/printlounge/api/order/MY4720", {"content-type": "application/json"}, b'{"order_status": "137"}'
    )
    recorder, (response,) = run_proxy(spec_named("printlounge"), upstream, [request], allow_writes=True)
    assert response.status_code == 200
    assert upstream.received[0]["method"] == "PATCH"
    assert upstream.received[0]["body"] == b'{"order_status": "137"}'
    assert recorder.report().operations[0].operation == "updateOrderStatus"


def test_requests_outside_the_prefix_are_not_forwarded() -> None:
    upstream = StandIn(200, b"{}")
    _, (response,) = run_proxy(spec_named("eguma"), upstream, [Request("GET", "/plandocket/api/v1/service-orders")])
    assert response.status_code == 404
    assert upstream.received == []


def _proxy_to(url: str, timeout: float = 0.5) -> httpx.Response:
    recorder = DriftRecorder(spec_named("eguma"))
    proxy = DriftProxy(recorder, ProxyConfig(upstream=url, prefix="/eguma", timeout=timeout))

    async def go() -> httpx.Response:
        await proxy.start()
        try:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=proxy), base_url="http://proxy") as client:
                return await client.get(f"/eguma{EGUMA_PATH}?apikey={APIKEY}", headers={"Authorization": TOKEN})
        finally:
            await proxy.stop()

    response = asyncio.run(go())
    assert recorder.requests == 0  # a failed exchange is no answer of the upstream
    return response


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def silent_listener() -> Iterator[int]:
    """A port that accepts connections (the kernel's backlog) and never answers."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    yield sock.getsockname()[1]
    sock.close()


@pytest.fixture
def slamming_server() -> Iterator[int]:
    """A server that accepts each connection and closes it at once."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    sock.settimeout(0.1)
    stop = threading.Event()

    def run() -> None:
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except OSError:
                continue
            conn.recv(65536)
            conn.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    yield sock.getsockname()[1]
    stop.set()
    thread.join()
    sock.close()


@pytest.mark.parametrize("failure", ["refused", "timeout", "broken"])
def test_failing_upstream_gets_a_502_naming_its_host(failure: str, request: pytest.FixtureRequest) -> None:
    port = {
        "refused": _free_port,
        "timeout": lambda: request.getfixturevalue("silent_listener"),
        "broken": lambda: request.getfixturevalue("slamming_server"),
    }[failure]()
    started = time.monotonic()
    response = _proxy_to(f"http://127.0.0.1:{port}/base", timeout=0.5)
    assert time.monotonic() - started < 5
    assert response.status_code == 502
    problem = response.json()
    assert problem["status"] == 502
    assert f"127.0.0.1:{port}" in problem["detail"]
    assert {"refused": "refused", "timeout": "did not answer within 0.5 s", "broken": "broke"}[failure] in problem[
        "detail"
    ]
    assert APIKEY not in response.text and TOKEN not in response.text


def test_reports_are_written_while_it_runs(tmp_path: Path) -> None:
    spec = spec_named("eguma")
    body = example(spec, EGUMA_PATH)
    body[0]["status"] = "refunded"
    outputs = Outputs(tmp_path / "drift.json", tmp_path / "drift.md", tmp_path / "proposed.yaml")
    recorder = DriftRecorder(spec)
    config = ProxyConfig(upstream="http://vendor.test", prefix="/eguma", outputs=outputs, flush_seconds=0.05)
    proxy = DriftProxy(recorder, config, transport=httpx.ASGITransport(app=StandIn(200, json_body(body))))

    async def go() -> tuple[dict[str, object], str]:
        await proxy.start()
        try:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=proxy), base_url="http://proxy") as client:
                await client.get(f"/eguma{EGUMA_PATH}")
            for _ in range(100):
                await asyncio.sleep(0.05)
                if outputs.propose and outputs.propose.exists():  # the last of the three files written
                    break
            assert outputs.report is not None and outputs.propose is not None
            return dict(orjson.loads(outputs.report.read_bytes())), outputs.propose.read_text()
        finally:
            await proxy.stop()

    written, proposed = asyncio.run(go())  # both read before the proxy stopped
    assert written["requests"] == 1
    assert "enum: [completed, cancelled, refunded]" in proposed
    assert "enum_value" in (tmp_path / "drift.md").read_text()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_admin_drift_needs_the_token_when_one_is_set() -> None:
    recorder = DriftRecorder(spec_named("eguma"))
    proxy = DriftProxy(recorder, ProxyConfig(upstream="http://vendor.test", prefix="/eguma", admin_token="adm-1"))

    async def go() -> tuple[int, int]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=proxy), base_url="http://proxy") as client:
            denied = await client.get("/__admin/drift")
            allowed = await client.get("/__admin/drift", headers={"X-Admin-Token": "adm-1"})
        await proxy.stop()
        return denied.status_code, allowed.status_code

    assert asyncio.run(go()) == (401, 200)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--host", "0.0.0.0"], "give --admin-token"),
        (["--upstream", "ftp://vendor.test"], "--upstream must be an http:// or https:// URL"),
        (["--api", "nope"], "unknown API 'nope'"),
        (["--report", "/dev/null/drift.json"], "cannot write the drift report"),
    ],
)
def test_proxy_usage_errors_are_one_line_and_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MOCK_SERVER_ADMIN_TOKEN", raising=False)
    options = {"--api": "eguma", "--upstream": "http://127.0.0.1:9"}
    options.update(dict(zip(argv[::2], argv[1::2], strict=True)))
    api = options.pop("--api")
    code = main(["proxy", api, *[x for pair in options.items() for x in pair]])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1


def test_proxy_port_in_use_is_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        report = str(tmp_path / "drift.json")
        code = main(["proxy", "eguma", "--upstream", "http://127.0.0.1:9", "--port", str(port), "--report", report])
    assert code == 2
    assert f"cannot listen on 127.0.0.1:{port}: already in use" in capsys.readouterr().err


def test_root_forwards_every_path() -> None:
    upstream = StandIn(200, b"[]")
    recorder = DriftRecorder(spec_named("eguma"))
    proxy = DriftProxy(
        recorder, ProxyConfig(upstream="http://vendor.test/v", prefix=""), httpx.ASGITransport(app=upstream)
    )

    async def go() -> int:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=proxy), base_url="http://proxy") as client:
            response = await client.get(EGUMA_PATH)
        await proxy.stop()
        return response.status_code

    assert asyncio.run(go()) == 200
    assert upstream.received[0]["path"] == f"/v{EGUMA_PATH}"
    assert recorder.report().operations[0].operation == "listTicketOrders"


class _Vendor(BaseHTTPRequestHandler):
    """A stand-in vendor (a real HTTP server on 127.0.0.1) whose orders carry an undocumented `channel`."""

    body = b""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_real_proxy_process_writes_the_report_at_a_clean_stop(stop: signal.Signals, tmp_path: Path) -> None:
    body = example(spec_named("eguma"), EGUMA_PATH)
    body[0]["channel"] = "box-office"
    _Vendor.body = json_body(body)
    vendor = ThreadingHTTPServer(("127.0.0.1", 0), _Vendor)
    threading.Thread(target=vendor.serve_forever, daemon=True).start()
    port = _free_port()
    report, markdown = tmp_path / "drift.json", tmp_path / "drift.md"
    command = [sys.executable, "-m", "mock_server", "proxy", "eguma", "--port", str(port), "--report", str(report)]
    command += ["--markdown", str(markdown), "--upstream", f"http://127.0.0.1:{vendor.server_address[1]}"]
    command += ["--log-level", "debug"]  # even then no log line shows a credential
    env = {k: v for k, v in os.environ.items() if k != "MOCK_SERVER_ADMIN_TOKEN"}
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=tmp_path)
    try:
        url = f"http://127.0.0.1:{port}/eguma{EGUMA_PATH}?apikey={APIKEY}"
        response = None
        for _ in range(200):
            try:
                response = httpx.get(url, timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        assert response is not None and response.status_code == 200
        assert response.headers["x-mock-server-drift"] == "1"
        proc.send_signal(stop)
        out, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
        vendor.shutdown()
        vendor.server_close()
    assert proc.returncode == 0, err
    assert b"Traceback" not in err
    data = orjson.loads(report.read_bytes())
    (finding,) = data["operations"][0]["findings"]
    assert (finding["kind"], finding["location"]) == ("undocumented_property", "/*/channel")
    assert data["upstream"] == f"http://127.0.0.1:{vendor.server_address[1]}"
    assert "undocumented_property" in markdown.read_text()
    for text in (report.read_text(), markdown.read_text(), out.decode(), err.decode()):
        assert APIKEY not in text and "box-office" not in text


def test_compressed_answer_goes_back_compressed_and_is_checked_decoded() -> None:
    body = example(spec_named("eguma"), EGUMA_PATH)
    body[0]["channel"] = "web-shop"
    packed = gzip.compress(json_body(body))
    upstream = StandIn(200, packed, [("content-type", "application/json"), ("content-encoding", "gzip")])
    request = Request("GET", f"/eguma{EGUMA_PATH}", {"accept-encoding": "gzip"})
    recorder, (response,) = run_proxy(spec_named("eguma"), upstream, [request])
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["content-length"] == str(len(packed))
    assert response.json() == body  # httpx decodes it as any client would
    assert [f.location for f in recorder.report().findings] == ["/*/channel"]


def test_head_keeps_the_upstreams_content_length_and_checks_only_headers() -> None:
    body = json_body(example(spec_named("eguma"), EGUMA_PATH))
    headers = [("content-type", "application/json"), ("content-length", str(len(body))), ("x-trace-id", "t-1")]
    upstream = StandIn(200, b"", headers)
    recorder, (response,) = run_proxy(spec_named("eguma"), upstream, [Request("HEAD", f"/eguma{EGUMA_PATH}")])
    assert response.status_code == 200
    assert response.headers["content-length"] == str(len(body))
    assert response.content == b""
    assert upstream.received[0]["method"] == "HEAD"
    assert [(f.operation, f.kind, f.location) for f in recorder.report().findings] == [
        ("listTicketOrders", "undocumented_header", "header:x-trace-id")
    ]
