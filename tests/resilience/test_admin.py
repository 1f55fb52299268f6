"""The /__admin routes of faults, rate limits and violations (admin token and cross-origin rules as for every admin
route), and the inspector page at GET /__admin/."""

from __future__ import annotations

import logging
import re

import pytest
from starlette.testclient import TestClient

from mock_server.app import MockApp, create_app
from mock_server.settings import Settings

ADMIN_TOKEN = "resilience-admin-token"


@pytest.fixture(scope="module")
def guarded() -> TestClient:
    return TestClient(create_app(Settings.for_tests(apis=("printlounge",), admin_token=ADMIN_TOKEN)))


def test_faults_add_list_clear(fault_app: MockApp) -> None:
    client = TestClient(fault_app)
    added = client.post(
        "/__admin/faults",
        json=[{"api": "printlounge", "kind": "reset", "rate": 0.25, "seed": 9}, {"api": "eguma", "kind": "code=503"}],
    )
    assert added.status_code == 201
    listed = client.get("/__admin/faults").json()["faults"]
    assert [(f["api"], f["kind"], f["rate"], f["seed"], f["times"]) for f in listed] == [
        ("printlounge", "reset", 0.25, 9, None),
        ("eguma", "code=503", 1.0, 0, None),
    ]
    assert client.delete("/__admin/faults").status_code == 204
    assert client.get("/__admin/faults").json() == {"faults": []}


def test_rate_limits_add_list_clear(fault_app: MockApp) -> None:
    client = TestClient(fault_app)
    added = client.post("/__admin/rate-limits", json={"api": "printlounge", "requests": 10, "per": "500ms"})
    assert added.status_code == 201
    (limit,) = client.get("/__admin/rate-limits").json()["rate_limits"]
    assert (limit["api"], limit["requests"], limit["per"], limit["per_seconds"], limit["key"]) == (
        "printlounge",
        10,
        "500ms",
        0.5,
        "client",
    )
    assert client.delete("/__admin/rate-limits").status_code == 204
    assert client.get("/__admin/rate-limits").json() == {"rate_limits": []}


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        ("/__admin/faults", {"api": "printlounge", "kind": "boom"}, "fault.kind: 'boom' is not a fault kind"),
        ("/__admin/faults", {"api": "nope", "kind": "reset"}, "fault.api: no mounted API 'nope'"),
        (
            "/__admin/faults",
            {"api": "printlounge", "operation": "nope", "kind": "reset"},
            "fault.operation: printlounge has no operation 'nope'; operations: ",
        ),
        ("/__admin/faults", [{"api": "printlounge", "kind": "reset"}, {"kind": "close"}], "faults[1].api: required"),
        ("/__admin/faults", [], "The list of rules is empty"),
        ("/__admin/faults", "reset", "fault: must be a table"),
        ("/__admin/rate-limits", {"api": "printlounge", "requests": 0, "per": "1s"}, "rate_limit.requests:"),
    ],
)
def test_bad_rules_are_a_400_naming_the_key_and_change_nothing(
    fault_app: MockApp, path: str, body: object, message: str
) -> None:
    client = TestClient(fault_app)
    before = client.get(path).json()
    response = client.post(path, json=body)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert message in response.json()["detail"]
    assert client.get(path).json() == before


def test_a_body_that_is_not_json_is_a_400(fault_app: MockApp) -> None:
    response = TestClient(fault_app).post("/__admin/faults", content=b"kind=reset")
    assert response.status_code == 400 and "JSON" in response.json()["detail"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/__admin/faults"),
        ("POST", "/__admin/faults"),
        ("DELETE", "/__admin/faults"),
        ("GET", "/__admin/rate-limits"),
        ("POST", "/__admin/rate-limits"),
        ("DELETE", "/__admin/rate-limits"),
        ("GET", "/__admin/violations"),
        ("DELETE", "/__admin/violations"),
    ],
)
def test_admin_token_is_required(guarded: TestClient, method: str, path: str) -> None:
    body = {"api": "printlounge", "kind": "reset"} if "faults" in path else {"api": "printlounge", "requests": 1}
    refused = guarded.request(method, path, json=body if method == "POST" else None)
    assert refused.status_code == 401
    allowed = guarded.request(method, path, headers={"X-Admin-Token": ADMIN_TOKEN}, json=None)
    assert allowed.status_code in (200, 204, 400)  # 400: POST without a body, past the token check


def test_cross_origin_writes_are_refused_even_with_the_token(guarded: TestClient) -> None:
    headers = {"X-Admin-Token": ADMIN_TOKEN, "Origin": "http://evil.example"}
    response = guarded.post("/__admin/faults", json={"api": "printlounge", "kind": "reset"}, headers=headers)
    assert response.status_code == 403
    assert guarded.get("/__admin/faults", headers={"X-Admin-Token": ADMIN_TOKEN}).json() == {"faults": []}


def test_reset_clears_added_faults(fault_app: MockApp) -> None:
    client = TestClient(fault_app)
    client.post("/__admin/faults", json={"api": "printlounge", "kind": "malformed"}).raise_for_status()
    assert client.post("/__admin/reset").status_code == 200
    assert client.get("/__admin/faults").json() == {"faults": []}
    assert client.get("/printlounge/api/order/").json()


def test_inspector_page_is_served_self_contained(guarded: TestClient) -> None:
    response = guarded.get("/__admin/")  # no token: the page holds no data and asks for the token itself
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "connect-src 'self'" in response.headers["content-security-policy"]
    page = response.text
    assert "<title>mock-server inspector</title>" in page
    # nothing loaded from anywhere: no external script, style, font or image
    assert not re.search(r"""(src|href)\s*=\s*["'](https?:)?//""", page)
    assert "@import" not in page and "url(" not in page
    assert guarded.get("/__admin", follow_redirects=False).headers["location"] == "/__admin/"


def test_admin_reads_stay_out_of_the_journal(fault_app: MockApp) -> None:
    client = TestClient(fault_app)
    client.get("/printlounge/api/order/")
    for _ in range(3):
        client.get("/__admin/requests")
        client.get("/__admin/faults")
    entries = client.get("/__admin/requests").json()["requests"]
    assert [e["path"] for e in entries] == ["/printlounge/api/order/"]


def test_admin_reads_stay_out_of_the_access_log(fault_app: MockApp, caplog: pytest.LogCaptureFixture) -> None:
    client = TestClient(fault_app)
    with caplog.at_level(logging.INFO, logger="mock_server.access"):
        client.get("/__admin/requests")
        client.get("/__admin/faults")
        client.get("/printlounge/api/order/")
    lines = [r.getMessage() for r in caplog.records if r.name == "mock_server.access"]
    assert len(lines) == 1 and lines[0].startswith("GET /printlounge/api/order/ 200"), lines
