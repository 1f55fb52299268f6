"""The inspector page in headless Chromium against a real server with an admin token: it asks for the token, then
shows the APIs and the journal; a request made from another tab appears within 2 s; expanding it shows the request
with its credential masked; the reset button restores the data; the faults, limits and violations are listed."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mock_server.app import create_app
from mock_server.settings import Settings
from tests.browser.test_cors_browser import _chromium
from tests.resilience.cdp import Browser, Tab
from tests.resilience.server import Served, serve

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ADMIN_TOKEN = "inspector-admin-token"
SECRET = "inspector-secret-bearer-token"
SCREENSHOT = os.environ.get("MOCK_SERVER_INSPECTOR_SCREENSHOT")
"""Set to a path to save what the page looked like (docs/inspector.png is made this way)."""


@pytest.fixture(scope="module")
def inspected() -> Iterator[Served]:
    app = create_app(Settings.for_tests(admin_token=ADMIN_TOKEN))
    with serve(app) as served:
        yield served


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    binary = _chromium()
    if binary is None:
        pytest.skip("no Chromium (/usr/bin/chromium): install Debian's `chromium` package, as .ci/run does")
    chromium = Browser(binary)
    try:
        yield chromium
    finally:
        chromium.close()


@pytest.fixture(scope="module")
def page(browser: Browser, inspected: Served) -> Tab:
    """The inspector, past its token prompt."""
    tab = browser.tab(inspected.origin + "/__admin/")
    tab.wait_for("document.getElementById('token-form').classList.contains('shown')")
    tab.evaluate(
        f"document.getElementById('token').value = {json.dumps(ADMIN_TOKEN)};"
        "document.getElementById('token-form').requestSubmit(); true"
    )
    tab.wait_for("document.getElementById('status').textContent.startsWith('live')")
    return tab


def _admin(served: Served) -> httpx.Client:
    return httpx.Client(base_url=served.origin, trust_env=False, headers={"X-Admin-Token": ADMIN_TOKEN})


def _rows(tab: Tab) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = tab.evaluate(
        "[...document.querySelectorAll('#requests tr.entry')].map(r => ({seq: r.dataset.seq,"
        " cells: [...r.cells].map(c => c.textContent)}))"
    )
    return rows


def test_page_asks_for_the_token_then_lists_the_apis_with_their_docs(page: Tab, inspected: Served) -> None:
    links = page.evaluate("[...document.querySelectorAll('#apis a')].map(a => a.href)")
    names = page.evaluate("[...document.querySelectorAll('#apis strong')].map(s => s.textContent)")
    assert names == ["eguma", "mittwald", "plandocket", "printlounge"]
    for name in names:
        assert f"{inspected.origin}/{name}/ui/" in links and f"{inspected.origin}/{name}/openapi.json" in links


def test_a_request_from_another_tab_appears_within_2_s_newest_first(
    page: Tab, browser: Browser, inspected: Served
) -> None:
    frontend = browser.tab(inspected.origin + "/printlounge/api/order/?limit=1")
    status = frontend.evaluate(
        "fetch('/plandocket/api/v1/service-orders?status=confirmed',"
        f" {{headers: {{Authorization: 'Bearer {SECRET}'}}}}).then(r => r.status)"
    )
    sent = time.monotonic()
    assert status == 200
    page.wait_for(
        "[...document.querySelectorAll('#requests tr.entry')].some(r =>"
        " r.cells[3].textContent === '/plandocket/api/v1/service-orders?status=confirmed')",
        timeout_s=2.0,
    )
    assert time.monotonic() - sent < 2.0
    cells = [row["cells"] for row in _rows(page)]
    assert cells[0][1:5] == ["plandocket", "GET", "/plandocket/api/v1/service-orders?status=confirmed", "200"]
    assert ["printlounge", "GET", "/printlounge/api/order/?limit=1", "200"] in [c[1:5] for c in cells]
    assert SECRET not in page.evaluate("document.body.innerText")


def _expand(page: Tab, seq: int) -> str:
    page.evaluate(f"document.querySelector('#requests tr.entry[data-seq=\"{seq}\"]').click(); true")
    detail: str = page.wait_for(f"document.querySelector('#requests tr.detail[data-seq=\"{seq}\"]')?.innerText")
    return detail


def _needs_journal_fields(entry: dict[str, object], *names: str) -> None:
    """The page shows what the journal records: the entry must carry one of these fields."""
    assert any(name in entry for name in names), f"the journal entry lacks {' or '.join(names)}: {sorted(entry)}"


def test_expanding_an_entry_shows_the_request_with_the_credential_masked(page: Tab, inspected: Served) -> None:
    with _admin(inspected) as admin:
        entries = admin.get("/__admin/requests").json()["requests"]
    plandocket = [e for e in entries if e["path"] == "/plandocket/api/v1/service-orders"]
    assert plandocket, "run after the other-tab test: no PlanDocket request in the journal"
    detail = _expand(page, plandocket[-1]["seq"])
    assert "Request" in detail and "Response" in detail and "status=confirmed" in detail
    assert SECRET not in detail
    _needs_journal_fields(plandocket[-1], "headers", "request_headers", "request")
    assert "authorization" in detail.lower() and "[Filtered]" in detail
    assert "listServiceOrders" in detail, detail[detail.index("Response") :][:400]  # the operation id
    assert '"order_number"' in detail  # the response body


def test_expanding_a_400_shows_the_validation_message(page: Tab, browser: Browser, inspected: Served) -> None:
    frontend = browser.tab(inspected.origin + "/printlounge/api/order/?limit=abc")
    assert frontend.evaluate("document.body.innerText").count("integer")
    with _admin(inspected) as admin:
        entries = admin.get("/__admin/requests").json()["requests"]
    (refused,) = [e for e in entries if e["query"] == "limit=abc"]
    page.wait_for(f"!!document.querySelector('#requests tr.entry[data-seq=\"{refused['seq']}\"]')")
    detail = _expand(page, refused["seq"])
    assert "400" in detail
    _needs_journal_fields(refused, "error", "validation_message", "validation")
    assert "query parameter 'limit'" in detail and "is not of type 'integer'" in detail


def _set(tab: Tab, element_id: str, value: str) -> None:
    """Type into a filter as a user does: set the value, fire `input`."""
    tab.evaluate(
        f"(() => {{ const e = document.getElementById({json.dumps(element_id)}); e.value = {json.dumps(value)};"
        " e.dispatchEvent(new Event('input')); return true; })()"
    )


def test_filters_narrow_the_journal(page: Tab, inspected: Served) -> None:
    with httpx.Client(base_url=inspected.origin, trust_env=False) as http:
        assert http.get("/plandocket/api/v1/service-orders").status_code == 401  # no token
    page.wait_for("[...document.querySelectorAll('#requests tr.entry')].some(r => r.cells[4].textContent === '401')")
    _set(page, "filter-api", "printlounge")
    apis = {row["cells"][1] for row in _rows(page)}
    _set(page, "filter-api", "")
    _set(page, "filter-text", "status=confirmed")
    paths = {row["cells"][3] for row in _rows(page)}
    _set(page, "filter-text", "")
    _set(page, "filter-status", "4")
    statuses = {row["cells"][4] for row in _rows(page)}
    _set(page, "filter-status", "")
    assert apis == {"printlounge"}
    assert paths == {"/plandocket/api/v1/service-orders?status=confirmed"}
    assert "401" in statuses and all(s.startswith("4") for s in statuses), statuses  # 404: the tab's favicon


def test_faults_limits_and_violations_are_shown(page: Tab, inspected: Served) -> None:
    with _admin(inspected) as admin:
        admin.post("/__admin/faults", json={"api": "eguma", "kind": "slow", "rate": 0.5}).raise_for_status()
        admin.post("/__admin/rate-limits", json={"api": "mittwald", "requests": 1, "per": "60s"}).raise_for_status()
        for _ in range(3):
            admin.get("/mittwald/v2/orders", headers={"x-access-token": SECRET})
    page.wait_for("document.getElementById('faults').innerText.includes('slow')")
    page.wait_for("document.getElementById('rate-limits').innerText.includes('1 / 60s')")
    violations = page.wait_for(
        "document.getElementById('violations').innerText.includes('mittwald')"
        " && document.getElementById('violations').innerText"
    )
    assert SECRET not in violations and "[Filtered]" in violations
    if SCREENSHOT:
        page.screenshot(Path(SCREENSHOT))


def test_a_fault_added_from_the_page_is_played(page: Tab, inspected: Served) -> None:
    _set(page, "fault-api", "printlounge")
    _set(page, "fault-kind", "malformed")
    _set(page, "fault-times", "1")
    page.evaluate("document.getElementById('add-fault').requestSubmit(); true")
    page.wait_for("document.getElementById('message').textContent.startsWith('Fault added')")
    with httpx.Client(base_url=inspected.origin, trust_env=False) as http:
        first, second = http.get("/printlounge/api/order/"), http.get("/printlounge/api/order/")
    assert first.text.startswith("{") and second.text.startswith("[")  # malformed once, then the real list


def test_the_reset_button_restores_the_data(page: Tab, inspected: Served) -> None:
    with _admin(inspected) as admin:
        order = admin.get("/printlounge/api/order/", params={"limit": 1}).json()[0]
        code = order["orderCode"]
        before = admin.get(f"/printlounge/api/order/{code}").json()
        new_status = 137 if before["order_status"] != 137 else 138
        written = admin.put(f"/printlounge/api/order/{code}", json={"order_status": str(new_status)})
        assert written.status_code == 200, written.text
        assert admin.get(f"/printlounge/api/order/{code}").json()["order_status"] == new_status
        page.evaluate("document.getElementById('reset-data').click(); true")
        page.wait_for("document.getElementById('message').textContent.startsWith('Data reset')")
        assert admin.get(f"/printlounge/api/order/{code}").json() == before
        assert admin.get("/__admin/faults").json() == {"faults": []}  # reset clears the added faults too
    page.wait_for("document.getElementById('faults').innerText.includes('No faults')")


def test_the_clear_button_empties_the_journal(page: Tab, inspected: Served) -> None:
    page.evaluate("document.getElementById('clear-journal').click(); true")
    page.wait_for("document.getElementById('message').textContent.startsWith('Journal cleared')")
    with _admin(inspected) as admin:
        paths = [e["path"] for e in admin.get("/__admin/requests").json()["requests"]]
    assert all(p.startswith("/__admin") for p in paths), paths  # only the clear itself is left
