"""A child resource (orders of a customer): records carry the parent key, lists and lookups are scoped to the
parent, an unknown parent is a 404, oneOf record schemas are served valid."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from tests.engine.conftest import Serve


@pytest.fixture
def client(serve: Serve) -> TestClient:
    return serve("shop.yaml")


def _customers(client: TestClient) -> list[int]:
    return [c["id"] for c in client.get("/shop/customers").json()]


def test_generated_children_point_at_existing_parents_and_lists_are_scoped(client: TestClient) -> None:
    customers = _customers(client)
    seen = 0
    for customer in customers:
        body = client.get(f"/shop/customers/{customer}/orders", params={"limit": 50}).json()
        assert all(order["customer_id"] == customer for order in body["data"])
        assert body["count"] == len(body["data"])
        seen += body["count"]
    assert seen == 5  # every generated order belongs to one of the customers


def test_create_sets_the_parent_field_and_the_record_is_only_under_its_parent(client: TestClient) -> None:
    mine, other = _customers(client)[:2]
    response = client.post(f"/shop/customers/{mine}/orders", json={"status": "paid", "amount": 3.5})
    assert response.status_code == 201, response.text
    order = response.json()
    assert order["customer_id"] == mine and len(order["id"]) == 36  # uuid key
    assert client.get(f"/shop/customers/{mine}/orders/{order['id']}").json() == order
    assert client.get(f"/shop/customers/{other}/orders/{order['id']}").status_code == 404
    assert order["id"] not in [o["id"] for o in client.get(f"/shop/customers/{other}/orders").json()["data"]]
    assert client.delete(f"/shop/customers/{other}/orders/{order['id']}").status_code == 404
    deleted = client.delete(f"/shop/customers/{mine}/orders/{order['id']}")
    assert deleted.status_code == 200 and deleted.json() == order  # 200 with content: the deleted record
    assert client.get(f"/shop/customers/{mine}/orders/{order['id']}").status_code == 404


def test_an_unknown_parent_is_404_for_list_create_and_read(client: TestClient) -> None:
    missing = max(_customers(client)) + 1000
    assert client.get(f"/shop/customers/{missing}/orders").status_code == 404
    assert client.post(f"/shop/customers/{missing}/orders", json={"status": "open"}).status_code == 404
    uuid = "00000000-0000-4000-8000-000000000000"
    assert client.get(f"/shop/customers/{missing}/orders/{uuid}").status_code == 404


def test_any_of_filter_within_the_parent_scope(client: TestClient) -> None:
    customer = _customers(client)[0]
    url = f"/shop/customers/{customer}/orders"
    client.post(url, json={"status": "paid"})
    client.post(url, json={"status": "open"})
    paid = client.get(url, params={"status": "paid", "limit": 50}).json()["data"]
    both = client.get(url, params={"status": "paid,open", "limit": 50}).json()["data"]
    assert paid and all(o["status"] == "paid" for o in paid)
    assert len(both) == client.get(url, params={"limit": 50}).json()["count"]
