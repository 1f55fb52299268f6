"""printlounge orders through HTTP: newest first, keyset paging, filters, cart and status, writes everywhere."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from mock_server.app import MockApp

LIST = "/printlounge/api/order/"


def _records(app: MockApp) -> list[dict[str, Any]]:
    return app.runtime.store.collection("printlounge", "orders").records


def _list(client: TestClient, **params: Any) -> list[dict[str, Any]]:
    response = client.get(LIST, params=params)
    assert response.status_code == 200, response.text
    body: list[dict[str, Any]] = response.json()
    return body


def test_list_newest_first_with_default_limit_20(client: TestClient, app: MockApp) -> None:
    data = _list(client)
    assert len(data) == min(20, len(_records(app)))
    ids = [o["id"] for o in data]
    assert ids == sorted((r["id"] for r in _records(app)), reverse=True)[: len(ids)]


def test_limit_above_documented_maximum_is_400(client: TestClient) -> None:
    assert len(_list(client, limit=100)) <= 100
    response = client.get(LIST, params={"limit": 101})
    assert response.status_code == 400 and "limit" in response.json()["detail"]


@pytest.mark.parametrize("filters", [{}, {"statusPaid": 1}])
def test_last_seen_id_walks_every_order_exactly_once(client: TestClient, app: MockApp, filters: dict[str, int]) -> None:
    seen: list[int] = []
    params: dict[str, Any] = {"limit": 7, **filters}
    while page := _list(client, **params):
        seen += [o["id"] for o in page]
        params["lastSeenId"] = page[-1]["id"]
    expected = sorted(
        (r["id"] for r in _records(app) if all(r["status_paid"] == v for v in filters.values())), reverse=True
    )
    assert seen == expected


@pytest.mark.parametrize(
    "param,field", [("orderStatus", "order_status"), ("status", "status"), ("statusPaid", "status_paid")]
)
def test_list_filters(client: TestClient, app: MockApp, param: str, field: str) -> None:
    value = _records(app)[0][field]
    got = _list(client, **{param: value, "limit": 100})
    assert {o["id"] for o in got} == {r["id"] for r in _records(app) if r[field] == value}
    assert all(o[param] == value for o in got)


def test_list_entry_cart_and_status_agree(client: TestClient) -> None:
    for entry in _list(client, limit=5):
        cart = client.get(f"/printlounge/api/cart/{entry['orderCode']}").json()
        status = client.get(f"/printlounge/api/order/{entry['orderCode']}").json()
        assert (cart["id"], cart["order_code"], cart["order_status"], cart["status_paid"], cart["status"]) == (
            entry["id"],
            entry["orderCode"],
            entry["orderStatus"],
            entry["statusPaid"],
            entry["status"],
        )
        assert status == {"order_code": entry["orderCode"], "order_status": entry["orderStatus"]}
        assert entry["lastModified"] == cart["mdate"] and entry["createDate"] == cart["cdate"]
        assert "internalOrderCode" not in cart
        assert sorted(cart["cartItems"], key=int) == [str(i) for i in range(1, len(cart["cartItems"]) + 1)]


@pytest.mark.parametrize("path", ["/printlounge/api/cart/NOPE00", "/printlounge/api/order/NOPE00"])
def test_unknown_order_code_is_404(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404 and "NOPE00" in response.json()["detail"]


@pytest.mark.parametrize("method,value", [("PUT", "137"), ("PATCH", 137)])
def test_write_changes_status_everywhere_with_newer_last_modified(client: TestClient, method: str, value: Any) -> None:
    entry = _list(client, limit=1)[0]
    code = entry["orderCode"]
    response = client.request(method, f"/printlounge/api/order/{code}", json={"order_status": value})
    assert response.status_code == 200
    assert response.json() == {"order_code": code, "order_status": 137}
    assert client.get(f"/printlounge/api/order/{code}").json()["order_status"] == 137
    assert client.get(f"/printlounge/api/cart/{code}").json()["order_status"] == 137
    after = next(o for o in _list(client, limit=100) if o["orderCode"] == code)
    assert after["orderStatus"] == 137 and after["lastModified"] > entry["lastModified"]
    assert code in {o["orderCode"] for o in _list(client, orderStatus=137, limit=100)}


@pytest.mark.parametrize("body", [{"order_status": "abc"}, {"order_status": None}, {}, {"order_status": [1]}])
def test_invalid_write_body_is_400_and_changes_nothing(client: TestClient, body: dict[str, Any]) -> None:
    entry = _list(client, limit=1)[0]
    response = client.patch(f"/printlounge/api/order/{entry['orderCode']}", json=body)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert _list(client, limit=1)[0] == entry


def test_admin_reset_restores_the_fixtures(client: TestClient) -> None:
    entry = _list(client, limit=1)[0]
    client.patch(f"/printlounge/api/order/{entry['orderCode']}", json={"order_status": 999})
    assert client.post("/__admin/reset").status_code == 200
    assert _list(client, limit=1)[0] == entry
