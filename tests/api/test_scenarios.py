"""Cross-vendor behaviour: Prefer scenarios, latency, admin endpoints and journal, state file, root mount, CORS."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from starlette.testclient import TestClient

from mock_server.app import create_app
from mock_server.settings import Settings
from tests.conftest import APIKEY, AUTH

PD = "/plandocket/api/v1/service-orders"


def test_prefer_code_answers_the_documented_status_with_its_example(client: TestClient) -> None:
    response = client.get(f"{PD}/1", headers={**AUTH["plandocket"], "Prefer": "code=404"})
    assert response.status_code == 404
    assert response.json()["status"] == 404
    response = client.get("/mittwald/v2/orders/", headers={**AUTH["mittwald"], "Prefer": "code=403"})
    assert response.status_code == 403


def test_prefer_example_picks_a_named_example(client: TestClient) -> None:
    response = client.get(f"{PD}/1", headers={**AUTH["plandocket"], "Prefer": "example=cancelled"})
    assert response.status_code == 200
    assert response.json()["data"]["status"] == "cancelled"
    empty = client.get("/mittwald/v2/orders/", headers={**AUTH["mittwald"], "Prefer": "example=empty"})
    assert empty.json() == [] and empty.headers["x-pagination-totalcount"] == "0"


def test_prefer_unknown_code_or_example_is_400_listing_the_choices(client: TestClient) -> None:
    response = client.get(PD, headers={**AUTH["plandocket"], "Prefer": "code=418"})
    assert response.status_code == 400 and "200" in response.json()["detail"]
    response = client.get(PD, headers={**AUTH["plandocket"], "Prefer": "example=nope"})
    assert response.status_code == 400 and "withIncludes" in response.json()["detail"]


def test_prefer_does_not_bypass_auth(client: TestClient) -> None:
    assert client.get(PD, headers={"Prefer": "code=200"}).status_code == 401


def test_latency_delays_responses() -> None:
    client = TestClient(create_app(Settings.for_tests(apis=("printlounge",), latency_ms=(120, 150))))
    started = time.perf_counter()
    assert client.get("/printlounge/api/order/").status_code == 200
    assert time.perf_counter() - started >= 0.12


def test_admin_apis_lists_every_mounted_api(client: TestClient) -> None:
    apis = client.get("/__admin/apis").json()
    assert [a["name"] for a in apis] == ["eguma", "mittwald", "plandocket", "printlounge"]
    assert all(a["docs_url"].endswith(f"/{a['name']}/ui/") and a["records"] for a in apis)


def test_admin_requests_journal_records_calls_with_secrets_masked(client: TestClient) -> None:
    client.get("/eguma/v1/ticketing/orders.json", params={"apikey": APIKEY, "last_name": "Muster"})
    client.get(PD, params={"event_key": "summer-fest"}, headers=AUTH["plandocket"])
    entries = client.get("/__admin/requests").json()["requests"]
    eguma, plandocket = entries[-2:]
    assert (eguma["api"], eguma["method"], eguma["status"]) == ("eguma", "GET", 200)
    assert APIKEY not in eguma["query"] and "last_name=Muster" in eguma["query"]
    assert "apikey=%5BFiltered%5D" in eguma["query"] or "apikey=[Filtered]" in eguma["query"]
    assert plandocket["query"] == "event_key=summer-fest" and plandocket["path"] == PD


def test_admin_token_guards_admin_endpoints() -> None:
    client = TestClient(create_app(Settings.for_tests(apis=("printlounge",), admin_token="s3cret")))
    assert client.get("/__admin/apis").status_code == 401
    assert client.get("/__admin/apis", headers={"Authorization": "Bearer s3cret"}).status_code == 200
    assert client.post("/__admin/reset", headers={"X-Admin-Token": "s3cret"}).status_code == 200


def test_state_file_keeps_writes_across_restarts_and_reset_clears_it(tmp_path: Path) -> None:
    settings = Settings.for_tests(apis=("printlounge",), state_file=tmp_path / "state.sqlite")
    first = TestClient(create_app(settings))
    code = first.get("/printlounge/api/order/").json()[0]["orderCode"]
    assert first.patch(f"/printlounge/api/order/{code}", json={"order_status": "4711"}).status_code == 200
    second = TestClient(create_app(settings))
    assert second.get(f"/printlounge/api/order/{code}").json()["order_status"] == 4711
    second.post("/__admin/reset")
    third = TestClient(create_app(settings))
    assert third.get(f"/printlounge/api/order/{code}").json()["order_status"] != 4711


def test_root_mount_serves_one_api_at_slash() -> None:
    client = TestClient(create_app(Settings.for_tests(apis=("eguma",), root=True)))
    assert client.get("/v1/ticketing/orders.json", params={"apikey": APIKEY}).status_code == 200
    assert client.get("/__admin/requests").json()["requests"][-1]["api"] == "eguma"


def test_cors_preflight_and_error_responses_carry_cors_headers(client: TestClient) -> None:
    origin = {"Origin": "http://localhost:3000"}
    preflight = client.options(
        PD,
        headers={**origin, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authorization"},
    )
    assert preflight.status_code == 200
    assert "authorization" in preflight.headers["access-control-allow-headers"].lower()
    unauthorized = client.get(PD, headers=origin)
    assert unauthorized.status_code == 401
    assert unauthorized.headers["access-control-allow-origin"] == "http://localhost:3000"
    assert unauthorized.headers["access-control-allow-credentials"] == "true"
    listed = client.get("/mittwald/v2/orders/", headers={**origin, **AUTH["mittwald"]})
    assert "X-Pagination-TotalCount" in listed.headers["access-control-expose-headers"]


def test_swagger_ui_and_spec_are_served_per_api(client: TestClient) -> None:
    for name in ("plandocket", "eguma", "printlounge", "mittwald"):
        assert client.get(f"/{name}/ui/").status_code == 200
        spec = client.get(f"/{name}/openapi.json").json()
        assert spec["x-mock-api"]["name"] == name


def test_journal_records_the_path_the_client_called_not_the_alias(client: TestClient) -> None:
    client.get("/mittwald/v2/orders", headers=AUTH["mittwald"])
    entry = client.get("/__admin/requests").json()["requests"][-1]
    assert (entry["path"], entry["status"]) == ("/mittwald/v2/orders", 200)


def test_admin_writes_from_another_origin_are_refused_reads_allowed(client: TestClient) -> None:
    evil = {"Origin": "http://attacker.localhost:9999"}
    refused = client.post("/__admin/reset", headers=evil)
    assert refused.status_code == 403 and refused.headers["content-type"] == "application/problem+json"
    assert client.delete("/__admin/requests", headers=evil).status_code == 403
    assert client.get("/__admin/requests", headers=evil).status_code == 200
    assert client.post("/__admin/reset", headers={"Origin": "http://testserver"}).status_code == 200


def test_admin_unknown_path_and_method_are_problems(client: TestClient) -> None:
    missing = client.get("/__admin/nope")
    assert missing.status_code == 404 and "/__admin/apis" in missing.json()["detail"]
    assert client.put("/__admin/apis").status_code == 405


def test_journal_masks_credentials_however_the_name_is_spelled_and_stamps_utc_time(client: TestClient) -> None:
    before = datetime.now(UTC) - timedelta(seconds=1)
    client.get("/eguma/v1/ticketing/orders.json", params={"APIKEY": APIKEY})
    client.get(f"/eguma/v1/ticketing/orders.json?api%6Bey={APIKEY}&last_name=Muster")
    entries = client.get("/__admin/requests").json()["requests"][-2:]
    assert all(APIKEY not in entry["query"] for entry in entries)
    assert "last_name=Muster" in entries[-1]["query"]
    stamps = [datetime.fromisoformat(entry["time"]) for entry in entries]
    assert all(stamp.utcoffset() == timedelta(0) and before <= stamp <= datetime.now(UTC) for stamp in stamps)


def test_responses_vary_by_origin_with_or_without_one(client: TestClient) -> None:
    """A shared cache must not hand a response without CORS headers to a browser that sent an Origin."""
    plain = client.get(PD, headers=AUTH["plandocket"])
    cross = client.get(PD, headers={**AUTH["plandocket"], "Origin": "http://localhost:3000"})
    assert plain.status_code == cross.status_code == 200
    assert "Origin" in plain.headers["vary"] and "Origin" in cross.headers["vary"]
    assert "access-control-allow-origin" not in plain.headers
    assert cross.headers["access-control-allow-origin"] == "http://localhost:3000"


def test_trailing_slash_alias_answers_alike_on_repeated_calls(client: TestClient) -> None:
    answers = [
        client.get(path, headers=AUTH["mittwald"]) for path in ["/mittwald/v2/orders", "/mittwald/v2/orders/"] * 2
    ]
    assert [a.status_code for a in answers] == [200] * 4
    assert len({a.content for a in answers}) == 1
