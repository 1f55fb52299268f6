"""A page from another origin calls the mock from headless Chromium: CORS works for real browsers.

The page is served by a tiny HTTP server on a second loopback port; its inline script fetch()es PlanDocket and mittwald
orders with a token (a non-safelisted header, so Chromium preflights), reads a 401 and writes a printlounge status,
then renders what it got into the DOM. Chromium's `--dump-dom` hands the rendered page back to the test.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.clients.live_server import LiveServer, free_port, loopback_env, run_live_server

pytestmark = pytest.mark.slow

APIS = ["plandocket", "eguma", "printlounge", "mittwald"]
SPEC_DIR = Path(__file__).resolve().parents[2] / "specs"
TOKEN = "browser-test-token"
CHROMIUM_TIMEOUT_S = 60
# Only loopback: no proxy, no DNS, none of Chromium's own background traffic.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--no-proxy-server",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--virtual-time-budget=15000",
]

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>cross-origin frontend</title></head>
<body>
<ul id="plandocket"></ul>
<ul id="mittwald"></ul>
<pre id="result">pending</pre>
<script>
const MOCK = __MOCK__;
const TOKEN = __TOKEN__;
async function call(url, init) {
  try {
    const response = await fetch(url, init);
    return {status: response.status, headers: response.headers, body: await response.json()};
  } catch (error) {
    return {status: null, error: String(error)};  // what a CORS failure looks like from a page: a TypeError
  }
}
function render(id, values) {
  for (const value of values) {
    const li = document.createElement("li");
    li.textContent = String(value);
    document.getElementById(id).appendChild(li);
  }
}
(async () => {
  const result = {};
  // The PlanDocket docs' own JS example: Authorization and Content-Type on a GET.
  const plandocket = await call(MOCK + "/plandocket/api/v1/service-orders", {
    method: "GET", headers: {"Authorization": "Bearer " + TOKEN, "Content-Type": "application/json"},
  });
  result.plandocket = {status: plandocket.status, error: plandocket.error,
                       ids: plandocket.body ? plandocket.body.data.map((o) => o.id) : null};
  if (plandocket.body) render("plandocket", plandocket.body.data.map((o) => o.order_number ?? "#" + o.id));
  // What mittwald's SDK sends from a browser: x-access-token, no trailing slash, repeated array keys.
  const mittwald = await call(MOCK + "/mittwald/v2/orders?limit=5", {headers: {"x-access-token": TOKEN}});
  result.mittwald = {status: mittwald.status, error: mittwald.error,
                     totalCount: mittwald.headers ? mittwald.headers.get("X-Pagination-TotalCount") : null,
                     orderNumbers: mittwald.body ? mittwald.body.map((o) => o.orderNumber) : null};
  if (mittwald.body) render("mittwald", mittwald.body.map((o) => o.orderNumber));
  // e-guma's key rides in the query: a simple request, no preflight.
  const eguma = await call(MOCK + "/eguma/v1/ticketing/orders.json?apikey=" + encodeURIComponent(TOKEN), {});
  result.eguma = {status: eguma.status, error: eguma.error, count: eguma.body ? eguma.body.length : null};
  // An error must be readable too, or a frontend can't tell "logged out" from "server down".
  const denied = await call(MOCK + "/plandocket/api/v1/service-orders", {});
  result.unauthorized = {status: denied.status, error: denied.error, body: denied.body};
  // A write: PUT with a JSON body is preflighted for its method and Content-Type.
  const orders = await call(MOCK + "/printlounge/api/order/?limit=1", {});
  const code = orders.body && orders.body.length ? orders.body[0].orderCode : null;
  const written = code === null ? {status: null, error: "no printlounge order"} : await call(
    MOCK + "/printlounge/api/order/" + encodeURIComponent(code),
    {method: "PUT", headers: {"Content-Type": "application/json"}, body: JSON.stringify({order_status: "137"})});
  result.write = {code: code, status: written.status, error: written.error, body: written.body};
  document.getElementById("result").textContent = JSON.stringify(result);
  document.title = "done";
})();
</script>
</body></html>
"""


def _chromium() -> str | None:
    if Path("/usr/bin/chromium").is_file():
        return "/usr/bin/chromium"
    return shutil.which("chromium")


@pytest.fixture(scope="module")
def chromium() -> str:
    binary = _chromium()
    if binary is None:
        pytest.skip(
            "no Chromium (/usr/bin/chromium or `chromium` on PATH): install Debian's `chromium` package, "
            "as .ci/run does, to run the real-browser CORS test"
        )
    return binary


@pytest.fixture(scope="module")
def live() -> Iterator[LiveServer]:
    with run_live_server("--validate-responses") as server:
        yield server


@pytest.fixture(scope="module")
def page_origin(live: LiveServer) -> Iterator[str]:
    """A second origin (another loopback port) serving the frontend page that calls the mock."""
    body = PAGE.replace("__MOCK__", json.dumps(live.origin)).replace("__TOKEN__", json.dumps(TOKEN)).encode()

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            found = self.path == "/"
            self.send_response(200 if found else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body) if found else 0))
            self.end_headers()
            if found:
                self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _dump_dom(chromium: str, url: str) -> str:
    """The DOM after the page's scripts ran (virtual time waits for their fetches)."""
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        result = subprocess.run(
            [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--dump-dom", url],
            capture_output=True,
            text=True,
            timeout=CHROMIUM_TIMEOUT_S,
            check=False,
            env=loopback_env(),
        )
    assert result.returncode == 0, f"chromium exited {result.returncode}:\n{result.stderr[-3000:]}"
    return result.stdout


def _inner_html(dom: str, element_id: str) -> str:
    match = re.search(rf'<(\w+) id="{element_id}">(.*?)</\1>', dom, re.S)
    assert match, f"no #{element_id} in the rendered page:\n{dom[:2000]}"
    return match.group(2)


def _result(dom: str) -> dict[str, Any]:
    """What the page's script rendered into #result (it says `pending` until the script finished)."""
    text = html.unescape(_inner_html(dom, "result"))
    assert text != "pending", f"the page's script did not finish:\n{dom[:2000]}"
    parsed: dict[str, Any] = json.loads(text)
    return parsed


def _list_items(dom: str, element_id: str) -> list[str]:
    return [html.unescape(item) for item in re.findall(r"<li>(.*?)</li>", _inner_html(dom, element_id), re.S)]


@pytest.fixture(scope="module")
def rendered(chromium: str, page_origin: str) -> str:
    return _dump_dom(chromium, page_origin + "/")


@pytest.mark.browser
def test_cors_browser_page_renders_orders_fetched_with_token(rendered: str, live: LiveServer) -> None:
    result = _result(rendered)
    with httpx.Client(base_url=live.origin, trust_env=False) as http:
        plandocket = http.get("/plandocket/api/v1/service-orders", headers={"Authorization": f"Bearer {TOKEN}"})
        mittwald = http.get("/mittwald/v2/orders", params={"limit": 5}, headers={"x-access-token": TOKEN})
        eguma = http.get("/eguma/v1/ticketing/orders.json", params={"apikey": TOKEN})
    expected_pd = plandocket.json()["data"]
    expected_mw = mittwald.json()
    assert expected_pd and expected_mw, "the mock serves no PlanDocket or mittwald orders: nothing to render"

    assert result["plandocket"] == {"status": 200, "ids": [o["id"] for o in expected_pd]}
    assert result["mittwald"] == {
        "status": 200,
        "totalCount": mittwald.headers["X-Pagination-TotalCount"],
        "orderNumbers": [o["orderNumber"] for o in expected_mw],
    }
    assert result["eguma"] == {"status": 200, "count": len(eguma.json())}
    # What a user would see: the order numbers (drafts have none: their id) as list items.
    assert _list_items(rendered, "plandocket") == [o["order_number"] or f"#{o['id']}" for o in expected_pd]
    assert _list_items(rendered, "mittwald") == [o["orderNumber"] for o in expected_mw]


@pytest.mark.browser
def test_cors_browser_reads_401_problem_cross_origin(rendered: str) -> None:
    unauthorized = _result(rendered)["unauthorized"]
    assert unauthorized["status"] == 401, unauthorized
    assert unauthorized["body"]["status"] == 401


@pytest.mark.browser
def test_cors_browser_writes_printlounge_status_cross_origin(rendered: str) -> None:
    write = _result(rendered)["write"]
    assert write["status"] == 200, write
    assert write["body"] == {"order_code": write["code"], "order_status": 137}


@pytest.fixture(scope="module")
def swagger_ui_doms(chromium: str, live: LiveServer) -> dict[str, str]:
    """Each API's Swagger UI page after it rendered, one Chromium per API, side by side."""
    with ThreadPoolExecutor(max_workers=len(APIS)) as pool:
        doms = pool.map(lambda api: _dump_dom(chromium, live.url(f"/{api}/ui/")), APIS)
        return dict(zip(APIS, doms, strict=True))


@pytest.mark.browser
@pytest.mark.parametrize("api", APIS)
def test_swagger_ui_renders_every_operation_in_chromium(swagger_ui_doms: dict[str, str], api: str) -> None:
    spec = yaml.safe_load((SPEC_DIR / f"{api}.yaml").read_text(encoding="utf-8"))
    summaries = [
        op["summary"]
        for item in spec["paths"].values()
        for op in item.values()
        if isinstance(op, dict) and "summary" in op
    ]
    dom = swagger_ui_doms[api]
    rendered = [html.unescape(s) for s in re.findall(r'class="opblock-summary-description">(.*?)</div>', dom)]
    assert sorted(rendered) == sorted(summaries), "Swagger UI did not render the spec's operations"
    assert html.escape(spec["info"]["title"]) in dom


def test_cors_preflight_allows_token_and_json_from_any_origin(live: LiveServer) -> None:
    origin = "http://localhost:3000"
    with httpx.Client(base_url=live.origin, trust_env=False) as http:
        response = http.options(
            "/plandocket/api/v1/service-orders",
            headers={
                "Origin": origin,
                "Access-Control-Request-Method": "GET",
                "Access-Control-Request-Headers": "authorization,content-type",
            },
        )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] in ("*", origin)
    assert "GET" in response.headers["access-control-allow-methods"]
    allowed = {h.strip().lower() for h in response.headers["access-control-allow-headers"].split(",")}
    assert {"authorization", "content-type"} <= allowed


@pytest.mark.parametrize(
    ("method", "path", "headers"),
    [
        ("PUT", "/printlounge/api/order/ABC123", "content-type"),
        ("GET", "/mittwald/v2/orders", "x-access-token"),
        ("GET", "/eguma/v1/ticketing/orders.json", ""),
    ],
)
def test_cors_preflight_answers_each_api(live: LiveServer, method: str, path: str, headers: str) -> None:
    request_headers = {"Origin": "http://localhost:3000", "Access-Control-Request-Method": method}
    if headers:
        request_headers["Access-Control-Request-Headers"] = headers
    with httpx.Client(base_url=live.origin, trust_env=False) as http:
        response = http.options(path, headers=request_headers)
    assert response.status_code == 200
    assert method in response.headers["access-control-allow-methods"]
    if headers:
        assert headers in response.headers["access-control-allow-headers"].lower()


def test_cors_error_response_carries_cors_headers(live: LiveServer) -> None:
    with httpx.Client(base_url=live.origin, trust_env=False) as http:
        response = http.get("/plandocket/api/v1/service-orders", headers={"Origin": "http://localhost:3000"})
    assert response.status_code == 401
    assert response.headers["access-control-allow-origin"] in ("*", "http://localhost:3000")
    assert "X-Pagination-TotalCount" in response.headers.get("access-control-expose-headers", "")
