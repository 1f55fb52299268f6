"""PlanDocket service orders through HTTP: envelope, filters, sort, includes, detail, auth, errors."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from mock_server.app import MockApp, create_app
from mock_server.auth import ApiAuth, AuthConfig
from mock_server.settings import Settings
from tests.conftest import AUTH

BASE = "/plandocket/api/v1/service-orders"
H = AUTH["plandocket"]


def _records(app: MockApp) -> list[dict[str, Any]]:
    return app.runtime.store.collection("plandocket", "service_orders").records


def _list(client: TestClient, **params: Any) -> list[dict[str, Any]]:
    response = client.get(BASE, params=params, headers=H)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"data", "meta"} and body["meta"]["request_id"].startswith("req_")
    data: list[dict[str, Any]] = body["data"]
    return data


def _sort_key(value: Any) -> tuple[bool, Any]:
    return (value is not None, value if value is not None else 0)


def test_list_defaults_to_created_at_descending(client: TestClient, app: MockApp) -> None:
    data = _list(client)
    assert len(data) == len(_records(app)) > 0
    created = [(o["created_at"], o["id"]) for o in data]
    assert created == sorted(created, reverse=True)


@pytest.mark.parametrize(
    "param,field",
    [
        ("event_key", "event_key"),
        ("status", "status"),
        ("participant_id", "event_participant_id"),
        ("order_number", "order_number"),
    ],
)
def test_list_filters_match_exactly(client: TestClient, app: MockApp, param: str, field: str) -> None:
    records = _records(app)
    value = next(r[field] for r in records if r.get(field) is not None)
    expected = {r["id"] for r in records if r.get(field) == value}
    got = _list(client, **{param: value})
    assert {o["id"] for o in got} == expected
    assert "event_key" not in got[0]  # a hidden filter field, not part of the documented response


def test_list_filters_combine(client: TestClient, app: MockApp) -> None:
    records = _records(app)
    sample = next(r for r in records if r["event_participant_id"] is not None)
    expected = {r["id"] for r in records if r["status"] == sample["status"] and r["event_key"] == sample["event_key"]}
    got = _list(client, status=sample["status"], event_key=sample["event_key"])
    assert {o["id"] for o in got} == expected
    assert _list(client, status=sample["status"], order_number="no-such-number") == []


@pytest.mark.parametrize("field", ["order_number", "total", "status", "submitted_at", "created_at"])
@pytest.mark.parametrize("order", ["ASC", "DESC"])
def test_list_sorts_by_each_documented_field(client: TestClient, field: str, order: str) -> None:
    data = _list(client, sort=field, order=order)
    keys = [(_sort_key(o[field]), o["id"]) for o in data]
    assert keys == sorted(keys, reverse=order == "DESC")


def test_list_include_embeds_items_and_participant_only_when_asked(client: TestClient, app: MockApp) -> None:
    plain = _list(client)
    assert all("items" not in o and "participant" not in o for o in plain)
    both = _list(client, include="items,participant")
    for order in both:
        assert all(item["service_order_id"] == order["id"] for item in order["items"])
        if order["event_participant_id"] is None:
            assert order["participant"] is None
        else:
            assert order["participant"]["id"] == order["event_participant_id"]
    assert any(order["items"] for order in both)
    only_items = _list(client, include="items")
    assert all("items" in o and "participant" not in o for o in only_items)


def test_detail_is_the_same_record_as_in_the_list(client: TestClient) -> None:
    for order in _list(client, include="items,participant")[:5]:
        response = client.get(f"{BASE}/{order['id']}", params={"include": "items,participant"}, headers=H)
        assert response.status_code == 200
        assert response.json()["data"] == order


def test_detail_unknown_id_is_404_problem(client: TestClient) -> None:
    response = client.get(f"{BASE}/999999999", headers=H)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert "999999999" in response.json()["detail"]


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer "}, {"Authorization": "Basic abc"}])
def test_missing_or_empty_credentials_are_401(client: TestClient, headers: dict[str, str]) -> None:
    assert client.get(BASE, headers=headers).status_code == 401


@pytest.mark.parametrize(
    "params,name",
    [
        ({"participant_id": "abc"}, "participant_id"),
        ({"sort": "price"}, "sort"),
        ({"order": "sideways"}, "order"),
        ({"include": "items,foo"}, "include"),
        ({"include": ""}, "include"),
        ({"unknown": "1"}, "unknown"),
    ],
)
def test_invalid_parameters_are_400_naming_the_parameter(client: TestClient, params: dict[str, str], name: str) -> None:
    response = client.get(BASE, params=params, headers=H)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert name in response.json()["detail"]


def test_unknown_path_404_and_wrong_method_405(client: TestClient) -> None:
    assert client.get("/plandocket/api/v1/nothing", headers=H).status_code == 404
    assert client.post(BASE, headers=H, json={}).status_code == 405


@pytest.fixture(scope="module")
def restricted() -> TestClient:
    auth = AuthConfig(apis={"plandocket": ApiAuth(credentials=frozenset({"good", "noscope"}), scopes={"noscope": ()})})
    return TestClient(create_app(Settings.for_tests(apis=("plandocket",), auth=auth)))


def test_configured_tokens_restrict_access_and_scopes_give_403(restricted: TestClient) -> None:
    assert restricted.get(BASE, headers={"Authorization": "Bearer good"}).status_code == 200
    assert restricted.get(BASE, headers={"Authorization": "Bearer other"}).status_code == 401
    response = restricted.get(BASE, headers={"Authorization": "Bearer noscope"})
    assert response.status_code == 403 and "service_orders" in response.json()["detail"]


def test_feature_flag_switched_off_gives_403() -> None:
    auth = AuthConfig(apis={"plandocket": ApiAuth(feature_flags={"service_orders": False})})
    client = TestClient(create_app(Settings.for_tests(apis=("plandocket",), auth=auth)))
    response = client.get(BASE, headers=H)
    assert response.status_code == 403 and "feature flag" in response.json()["detail"]
