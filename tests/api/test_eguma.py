"""e-guma ticketing orders through HTTP: apikey in the query, date range and exact filters, bare array."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from mock_server.app import MockApp
from tests.conftest import APIKEY

BASE = "/eguma/v1/ticketing/orders.json"


def _records(app: MockApp) -> list[dict[str, Any]]:
    return app.runtime.store.collection("eguma", "orders").records


def _list(client: TestClient, **params: Any) -> list[dict[str, Any]]:
    response = client.get(BASE, params={"apikey": APIKEY, **params})
    assert response.status_code == 200, response.text
    body = response.json()
    assert isinstance(body, list)
    return body


def test_list_is_a_bare_array_oldest_modified_first(client: TestClient, app: MockApp) -> None:
    data = _list(client)
    assert len(data) == len(_records(app)) > 0
    keys = [(o["updated_at"], o["id"]) for o in data]
    assert keys == sorted(keys)


def test_updated_at_after_is_inclusive_and_before_exclusive(client: TestClient, app: MockApp) -> None:
    stamps = sorted(r["updated_at"] for r in _records(app))
    pivot = stamps[len(stamps) // 2]
    after = _list(client, updated_at_after=pivot)
    before = _list(client, updated_at_before=pivot)
    assert {o["id"] for o in after} == {r["id"] for r in _records(app) if r["updated_at"] >= pivot}
    assert {o["id"] for o in before} == {r["id"] for r in _records(app) if r["updated_at"] < pivot}
    assert any(o["updated_at"] == pivot for o in after) and all(o["updated_at"] != pivot for o in before)
    both = _list(client, updated_at_after=stamps[1], updated_at_before=stamps[-2])
    assert {o["id"] for o in both} == {r["id"] for r in _records(app) if stamps[1] <= r["updated_at"] < stamps[-2]}


def test_order_number_and_case_sensitive_last_name(client: TestClient, app: MockApp) -> None:
    record = next(r for r in _records(app) if r["customer"] is not None)
    assert [o["id"] for o in _list(client, order_number=record["order_number"])] == [record["id"]]
    name = record["customer"]["last_name"]
    got = _list(client, last_name=name)
    assert record["id"] in {o["id"] for o in got}
    assert all(o["customer"]["last_name"] == name for o in got)
    assert _list(client, last_name=name.swapcase()) == [] or name.swapcase() == name


@pytest.mark.parametrize("query", ["", "?apikey="])
def test_missing_or_empty_apikey_is_401(client: TestClient, query: str) -> None:
    assert client.get(BASE + query).status_code == 401


@pytest.mark.parametrize("value", ["2019-06-04", "2019-06-04T23:15:14Z", "2019-06-04 23:15:14"])
def test_dates_outside_the_documented_pattern_are_400(client: TestClient, value: str) -> None:
    response = client.get(BASE, params={"apikey": APIKEY, "updated_at_after": value})
    assert response.status_code == 400
    assert "updated_at_after" in response.json()["detail"]
