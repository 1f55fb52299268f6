"""Rate limits: 429 with Retry-After, RateLimit-* headers on every answer of a limited operation, the documented 429
body where the spec has one, and violations for clients that do not wait for their Retry-After."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from starlette.testclient import TestClient

from mock_server.app import create_app
from mock_server.settings import DEFAULT_FIXTURES_DIR, DEFAULT_SPEC_DIR, Settings
from tests.resilience.conftest import PRINTLOUNGE_LIST
from tests.resilience.server import Served

PD_LIST = "/plandocket/api/v1/service-orders"
TOKEN_A = "frontend-token-aaaa"
TOKEN_B = "frontend-token-bbbb"


@pytest.fixture
def http(served: Served) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=served.origin, trust_env=False) as client:
        yield client


def _limit(http: httpx.Client | TestClient, **fields: object) -> None:
    response = http.post("/__admin/rate-limits", json=fields)
    assert response.status_code == 201, response.text


def test_over_the_limit_is_a_429_with_retry_after_and_ratelimit_headers(http: httpx.Client) -> None:
    _limit(http, api="printlounge", requests=2, per="60s")
    answers = [http.get(PRINTLOUNGE_LIST) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert [a.headers["RateLimit-Limit"] for a in answers] == ["2", "2", "2"]
    assert [a.headers["RateLimit-Remaining"] for a in answers] == ["1", "0", "0"]
    assert all(0 < int(a.headers["RateLimit-Reset"]) <= 60 for a in answers)
    assert "Retry-After" not in answers[0].headers
    too_many = answers[2]
    assert 55 <= int(too_many.headers["Retry-After"]) <= 60
    assert too_many.headers["content-type"] == "application/problem+json"
    assert too_many.json()["status"] == 429
    assert "retry after" in too_many.json()["detail"]


def test_sending_again_before_retry_after_is_a_recorded_violation(http: httpx.Client) -> None:
    _limit(http, api="plandocket", requests=1, per="60s", key="credential")
    auth = {"Authorization": f"Bearer {TOKEN_A}"}
    assert http.get(PD_LIST, headers=auth).status_code == 200
    assert http.get(PD_LIST, headers=auth).status_code == 429  # told to wait: not yet a violation
    assert http.get("/__admin/violations").json() == {"violations": []}
    assert http.get(PD_LIST, headers=auth).status_code == 429  # did not wait
    listing = http.get("/__admin/violations")
    (violation,) = listing.json()["violations"]
    assert (violation["api"], violation["operation"], violation["client"]) == (
        "plandocket",
        "listServiceOrders",
        "127.0.0.1",
    )
    assert 55 < violation["early_seconds"] <= 60
    assert violation["credential"].startswith("[Filtered]")
    assert TOKEN_A not in listing.text
    assert violation["time"].endswith("+00:00")


def test_a_client_that_waits_for_retry_after_is_served_again_without_violation(http: httpx.Client) -> None:
    _limit(http, api="printlounge", requests=1, per="2s")
    assert http.get(PRINTLOUNGE_LIST).status_code == 200
    refused = http.get(PRINTLOUNGE_LIST)
    assert refused.status_code == 429 and refused.headers["Retry-After"] in ("1", "2")
    time.sleep(int(refused.headers["Retry-After"]) + 0.05)
    again = http.get(PRINTLOUNGE_LIST)
    assert again.status_code == 200 and again.headers["RateLimit-Remaining"] == "0"
    assert http.get("/__admin/violations").json()["violations"] == []


def test_credential_key_counts_each_credential_apart(http: httpx.Client) -> None:
    _limit(http, api="plandocket", requests=1, per="60s", key="credential")
    a, b = {"Authorization": f"Bearer {TOKEN_A}"}, {"Authorization": f"Bearer {TOKEN_B}"}
    assert [http.get(PD_LIST, headers=h).status_code for h in (a, a, b)] == [200, 429, 200]


def test_client_key_counts_every_credential_of_one_address_together(http: httpx.Client) -> None:
    _limit(http, api="plandocket", requests=1, per="60s", key="client")
    a, b = {"Authorization": f"Bearer {TOKEN_A}"}, {"Authorization": f"Bearer {TOKEN_B}"}
    assert [http.get(PD_LIST, headers=h).status_code for h in (a, b)] == [200, 429]


def test_eguma_apikey_in_the_query_is_the_credential(http: httpx.Client) -> None:
    _limit(http, api="eguma", requests=1, per="60s", key="credential")
    path = "/eguma/v1/ticketing/orders.json"
    statuses = [http.get(path, params={"apikey": key}).status_code for key in (TOKEN_A, TOKEN_A, TOKEN_A, TOKEN_B)]
    assert statuses == [200, 429, 429, 200]
    violations = http.get("/__admin/violations").text
    assert TOKEN_A not in violations and "[Filtered]" in violations


def test_an_operation_limit_leaves_the_other_operations_alone(http: httpx.Client) -> None:
    _limit(http, api="plandocket", operation="getServiceOrder", requests=5, per="60s")
    auth = {"Authorization": f"Bearer {TOKEN_A}"}
    listed = http.get(PD_LIST, headers=auth)
    one = http.get(f"{PD_LIST}/{listed.json()['data'][0]['id']}", headers=auth)
    assert "RateLimit-Limit" not in listed.headers
    assert (one.status_code, one.headers["RateLimit-Limit"], one.headers["RateLimit-Remaining"]) == (200, "5", "4")


def test_browser_code_can_read_the_rate_limit_headers(http: httpx.Client) -> None:
    _limit(http, api="printlounge", requests=1, per="60s")
    origin = {"Origin": "http://localhost:3000"}
    http.get(PRINTLOUNGE_LIST, headers=origin)
    refused = http.get(PRINTLOUNGE_LIST, headers=origin)
    exposed = {h.strip().lower() for h in refused.headers["access-control-expose-headers"].split(",")}
    assert refused.status_code == 429
    assert {"retry-after", "ratelimit-limit", "ratelimit-remaining", "ratelimit-reset"} <= exposed


def test_reset_drops_added_limits_windows_and_violations(http: httpx.Client) -> None:
    _limit(http, api="printlounge", requests=1, per="60s")
    for _ in range(3):
        http.get(PRINTLOUNGE_LIST)
    assert http.get("/__admin/violations").json()["violations"]
    assert http.post("/__admin/reset").status_code == 200
    assert http.get("/__admin/violations").json()["violations"] == []
    assert http.get("/__admin/rate-limits").json()["rate_limits"] == []
    assert http.get(PRINTLOUNGE_LIST).status_code == 200


def test_the_429_body_is_the_documented_429_response_where_the_spec_declares_one(tmp_path: Path) -> None:
    spec = yaml.safe_load((DEFAULT_SPEC_DIR / "printlounge.yaml").read_text(encoding="utf-8"))
    documented = {"error": "too_many_requests", "message": "Slow down"}
    spec["paths"]["/api/order/"]["get"]["responses"]["429"] = {
        "description": "Rate limited",
        "content": {"application/json": {"schema": {"type": "object"}, "example": documented}},
    }
    path = tmp_path / "printlounge.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    client = TestClient(create_app(Settings.for_tests(spec_paths=(path,), fixtures_dir=DEFAULT_FIXTURES_DIR)))
    _limit(client, api="printlounge", requests=1, per="60s")
    client.get(PRINTLOUNGE_LIST)
    refused = client.get(PRINTLOUNGE_LIST)
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/json"
    assert json.loads(refused.content) == documented
    assert refused.headers["Retry-After"]
