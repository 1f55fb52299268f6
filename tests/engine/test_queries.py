"""List semantics of the new vocabulary: filter ops gt/lte/contains (with fields), prefix_desc sort, envelope
total/next (offset links and cursors), a bare array without envelope."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.engine.conftest import Serve

PETS = "/petstore/pets"


@pytest.fixture
def client(serve: Serve) -> TestClient:
    client = serve("petstore.yaml")
    for name, age, tag in [("Alpha", 1, "cat"), ("Bravo", 5, "dog"), ("charlie", 9, None), ("Delta", 5, "CATFISH")]:
        assert client.post(PETS, json={"name": name, "age": age, "tag": tag}).status_code == 201
    return client


def _pets(client: TestClient, **params: Any) -> list[dict[str, Any]]:
    response = client.get(PETS, params={"limit": 100, **params})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def _all(client: TestClient) -> list[dict[str, Any]]:
    return _pets(client)


@pytest.mark.parametrize(
    ("param", "keep"),
    [
        ("min_age", lambda age, v: age >= v),
        ("max_age", lambda age, v: age <= v),
        ("older_than", lambda age, v: age > v),
        ("younger_than", lambda age, v: age < v),
    ],
)
def test_range_filters(client: TestClient, param: str, keep: Any) -> None:
    pets = _all(client)
    got = [p["id"] for p in _pets(client, **{param: 5})]
    assert got == [p["id"] for p in pets if p.get("age") is not None and keep(p["age"], 5)]
    assert got  # the fixture has ages on both sides of 5


def test_contains_is_a_case_insensitive_substring_over_any_of_its_fields(client: TestClient) -> None:
    names = {p["name"] for p in _pets(client, q="CAT")}  # tag cat, tag CATFISH
    assert {"Alpha", "Delta"} <= names
    assert all("cat" in (p["name"] + (p.get("tag") or "")).lower() for p in _pets(client, q="CAT"))
    assert [p["name"] for p in _pets(client, q="arli")] == ["charlie"]


def test_prefix_desc_sorts_descending_and_plain_sorts_ascending(client: TestClient) -> None:
    pets = _all(client)
    by_age = sorted(pets, key=lambda p: (p["age"], p["id"]))
    assert [p["id"] for p in _pets(client, sort="age")] == [p["id"] for p in by_age]
    assert [p["id"] for p in _pets(client, sort="-age")] == [p["id"] for p in reversed(by_age)]


def test_envelope_total_is_the_filtered_total_and_next_links_the_following_page(client: TestClient) -> None:
    first = client.get(PETS, params={"limit": 3, "min_age": 0}).json()
    matching = [p for p in _all(client) if p.get("age") is not None]
    assert first["total"] == len(matching) > 3
    assert len(first["items"]) == 3
    seen = list(first["items"])
    page = first
    while page["next"] is not None:
        page = client.get(page["next"]).json()
        seen += page["items"]
    assert [p["id"] for p in seen] == [p["id"] for p in matching]


def test_bare_array_without_envelope(serve: Serve) -> None:
    client = serve("shop.yaml")
    customers = client.get("/shop/customers").json()
    assert isinstance(customers, list) and len(customers) == 5
    later = client.get("/shop/customers", params={"created_after": customers[1]["created_at"]}).json()
    assert later == [c for c in customers if c["created_at"] > customers[1]["created_at"]]


def test_cursor_paging_walks_every_record_once_and_ends_with_null(serve: Serve) -> None:
    client = serve("shop.yaml")
    customer = client.get("/shop/customers").json()[0]["id"]
    orders = f"/shop/customers/{customer}/orders"
    for _ in range(5):
        assert client.post(orders, json={"status": "open"}).status_code == 201
    total = client.get(orders, params={"limit": 50}).json()["count"]
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        body = client.get(orders, params=params).json()
        assert body["count"] == total  # the filtered total, whatever the cursor
        seen += [o["id"] for o in body["data"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == total >= 5
    assert seen == sorted(seen)  # sorted by the default field, the key
    assert pages == (total + 1) // 2


def test_cursor_survives_a_delete_of_the_last_record_seen(serve: Serve) -> None:
    client = serve("shop.yaml")
    customer = client.get("/shop/customers").json()[0]["id"]
    orders = f"/shop/customers/{customer}/orders"
    for _ in range(4):
        client.post(orders, json={"status": "open"})
    everything = [o["id"] for o in client.get(orders, params={"limit": 50}).json()["data"]]
    first = client.get(orders, params={"limit": 2}).json()
    assert client.delete(f"{orders}/{first['data'][-1]['id']}").status_code == 200
    rest = client.get(orders, params={"limit": 50, "cursor": first["next_cursor"]}).json()
    assert [o["id"] for o in rest["data"]] == everything[2:]


@pytest.mark.parametrize("cursor", ["not-a-cursor", "WzEsMiwzXQ", "bnVsbA"])
def test_an_invalid_cursor_is_a_400(serve: Serve, cursor: str) -> None:
    client = serve("shop.yaml")
    customer = client.get("/shop/customers").json()[0]["id"]
    response = client.get(f"/shop/customers/{customer}/orders", params={"cursor": cursor})
    assert response.status_code == 400
    assert "cursor" in response.json()["detail"]
