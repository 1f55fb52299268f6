"""The seeding API: GET/PUT/POST /__admin/apis/{api}/resources/{resource}, DELETE .../{key}: checked as fixture
files are, served by every operation at once, kept by --state, undone by POST /__admin/reset."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from mock_server.app import create_app
from mock_server.settings import Settings
from tests.conftest import APIKEY, AUTH

EGUMA = "/__admin/apis/eguma/resources/orders"
EGUMA_LIST = "/eguma/v1/ticketing/orders.json"


def _order(client: TestClient, **changes: Any) -> dict[str, Any]:
    """A valid e-guma order: the first fixture record with a new id and order number (and the given changes)."""
    order = copy.deepcopy(client.get(EGUMA).json()[0])
    order.update({"id": "seeded-0001", "order_number": "S-0001"}, **changes)
    return order


def _list(client: TestClient, **params: Any) -> list[dict[str, Any]]:
    response = client.get(EGUMA_LIST, params={"apikey": APIKEY, **params})
    assert response.status_code == 200, response.text
    body: list[dict[str, Any]] = response.json()
    return body


def test_get_returns_the_resource_records_as_an_array(client: TestClient) -> None:
    records = client.get(EGUMA).json()
    assert isinstance(records, list)
    assert len(records) == 50
    assert {r["id"] for r in records} == {o["id"] for o in _list(client)}


def test_put_replaces_the_records_and_every_operation_serves_them(client: TestClient) -> None:
    order = _order(client)
    assert order["customer"] is not None
    response = client.put(EGUMA, json=[order])
    assert response.status_code == 200, response.text
    assert response.json() == {"api": "eguma", "resource": "orders", "records": 1}
    assert [o["id"] for o in _list(client)] == ["seeded-0001"]
    assert [o["id"] for o in _list(client, last_name=order["customer"]["last_name"])] == ["seeded-0001"]
    assert _list(client, order_number="S-0001")[0]["order_number"] == "S-0001"
    assert _list(client, order_number="no-such-number") == []


def test_post_adds_a_record_or_replaces_the_one_with_the_same_key(client: TestClient) -> None:
    order = _order(client)
    assert client.post(EGUMA, json=order).json()["records"] == 51
    first = client.get(EGUMA).json()[0]
    changed = {**first, "order_number": "S-0002"}
    assert client.post(EGUMA, json=[changed]).json()["records"] == 51
    served = {o["id"]: o for o in _list(client)}
    assert served["seeded-0001"]["order_number"] == "S-0001"
    assert served[first["id"]]["order_number"] == "S-0002"


def test_an_invalid_record_is_a_400_naming_index_and_pointer_and_changes_nothing(client: TestClient) -> None:
    before = client.get(EGUMA).json()
    bad = _order(client, id="seeded-0002", order_number="S-0002", grand_total_in_cents="12.50")
    response = client.put(EGUMA, json=[_order(client), bad])
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert "record 1: /grand_total_in_cents:" in problem["detail"]
    assert problem["errors"][0]["index"] == 1
    assert problem["errors"][0]["pointer"] == "/grand_total_in_cents"
    assert client.get(EGUMA).json() == before


def test_a_business_rule_is_checked_like_in_fixture_files(client: TestClient) -> None:
    order = _order(client)
    order["grand_total_in_cents"] += 1  # no longer the sum of the line totals minus the discount
    response = client.post(EGUMA, json=order)
    assert response.status_code == 400
    assert response.json()["errors"][0]["index"] == 0
    assert response.json()["errors"][0]["pointer"] == "/grand_total_in_cents"


def test_two_seeded_records_with_one_key_are_refused(client: TestClient) -> None:
    order = _order(client)
    response = client.post(EGUMA, json=[order, {**order, "order_number": "S-0003"}])
    assert response.status_code == 400
    assert "record 1: /id:" in response.json()["detail"]


def test_delete_removes_one_record_then_404(client: TestClient) -> None:
    key = client.get(EGUMA).json()[0]["id"]
    assert client.delete(f"{EGUMA}/{key}").status_code == 204
    assert key not in {o["id"] for o in _list(client)}
    again = client.delete(f"{EGUMA}/{key}")
    assert again.status_code == 404
    assert key in again.json()["detail"]


def test_delete_finds_an_integer_key_written_in_the_url(client: TestClient) -> None:
    path = "/__admin/apis/printlounge/resources/orders"
    record = client.get(path).json()[0]
    assert isinstance(record["id"], int)
    assert client.delete(f"{path}/{record['id']}").status_code == 204
    assert client.get(f"/printlounge/api/order/{record['order_code']}").status_code == 404


@pytest.mark.parametrize(
    "path,named",
    [
        ("/__admin/apis/nope/resources/orders", "unknown API 'nope'"),
        ("/__admin/apis/eguma/resources/carts", "eguma has no resource 'carts'"),
    ],
)
def test_unknown_api_or_resource_is_404(client: TestClient, path: str, named: str) -> None:
    for response in (client.get(path), client.put(path, json=[]), client.delete(f"{path}/1")):
        assert response.status_code == 404
        assert named in response.json()["detail"]


def test_a_body_that_is_not_json_or_not_an_array_is_400(client: TestClient) -> None:
    not_json = client.put(EGUMA, content=b"{nope", headers={"content-type": "application/json"})
    assert not_json.status_code == 400
    assert "not valid JSON" in not_json.json()["detail"]
    assert client.put(EGUMA, json={"id": "x"}).status_code == 400


def test_includes_embed_seeded_related_records(client: TestClient) -> None:
    participants = "/__admin/apis/plandocket/resources/participants"
    listed = client.get(
        "/plandocket/api/v1/service-orders", params={"include": "participant"}, headers=AUTH["plandocket"]
    ).json()["data"]
    order = next(o for o in listed if o["participant"] is not None)
    participant = next(p for p in client.get(participants).json() if p["id"] == order["participant"]["id"])
    renamed = {**participant, next(k for k, v in participant.items() if isinstance(v, str) and k != "id"): "Seeded"}
    assert client.post(participants, json=renamed).status_code == 200, client.post(participants, json=renamed).text
    detail = client.get(
        f"/plandocket/api/v1/service-orders/{order['id']}",
        params={"include": "participant"},
        headers=AUTH["plandocket"],
    ).json()["data"]
    assert detail["participant"] == renamed


def test_reset_restores_the_fixtures(client: TestClient) -> None:
    client.put(EGUMA, json=[_order(client)])
    assert client.post("/__admin/reset").status_code == 200
    assert len(_list(client)) == 50
    assert "seeded-0001" not in {o["id"] for o in _list(client)}


def test_cross_origin_writes_are_refused_reads_are_not(client: TestClient) -> None:
    evil = {"origin": "http://evil.example"}
    assert client.put(EGUMA, json=[_order(client)], headers=evil).status_code == 403
    assert client.delete(f"{EGUMA}/x", headers=evil).status_code == 403
    assert client.get(EGUMA, headers=evil).status_code == 200
    assert len(_list(client)) == 50


def test_the_admin_token_guards_the_seeding_endpoints() -> None:
    with TestClient(create_app(Settings.for_tests(admin_token="s3cret-admin"))) as guarded:
        assert guarded.get(EGUMA).status_code == 401
        assert guarded.put(EGUMA, json=[]).status_code == 401
        assert guarded.get(EGUMA, headers={"x-admin-token": "s3cret-admin"}).status_code == 200


def test_state_keeps_seeds_and_later_writes_and_reset_clears_them(tmp_path: Path) -> None:
    settings = Settings.for_tests(state_file=tmp_path / "state.db", apis=("printlounge",))
    path = "/__admin/apis/printlounge/resources/orders"
    with TestClient(create_app(settings)) as first:
        records = first.get(path).json()
        kept = records[:3]
        assert first.put(path, json=kept).status_code == 200
        code = kept[0]["order_code"]
        assert first.patch(f"/printlounge/api/order/{code}", json={"order_status": 137}).status_code == 200
    with TestClient(create_app(settings)) as second:
        listed = second.get("/printlounge/api/order/").json()
        assert len(listed) == 3
        assert second.get(f"/printlounge/api/order/{code}").json()["order_status"] == 137
        assert second.post("/__admin/reset").status_code == 200
    with TestClient(create_app(settings)) as third:
        assert len(third.get(path).json()) == len(records)


def test_a_plandocket_order_with_its_items_in_three_seeds(client: TestClient) -> None:
    """Order and items reference each other: the order first (no items yet: subtotal 0), then its items, then the
    order again with the items' sum; every operation serves them at once."""
    orders, items = (
        "/__admin/apis/plandocket/resources/service_orders",
        "/__admin/apis/plandocket/resources/service_order_items",
    )
    template = client.get(orders).json()[0]
    order = {
        **template,
        "id": 990001,
        "order_number": "SO-990001",
        "status": "confirmed",
        "subtotal": 0,
        "tax_total": 0,
        "total": 0,
    }
    assert client.post(orders, json=order).status_code == 200, client.post(orders, json=order).text
    item = {
        **client.get(items).json()[0],
        "id": 990101,
        "service_order_id": 990001,
        "quantity": 2,
        "unit_price": 10.0,
        "total": 20.0,
    }
    assert client.post(items, json=item).status_code == 200, client.post(items, json=item).text
    wrong = client.post(orders, json=order)  # subtotal 0 is no longer the sum of its items
    assert wrong.status_code == 400
    assert "record 0: /subtotal:" in wrong.json()["detail"]
    order.update(subtotal=20.0, tax_total=3.8, total=23.8)
    assert client.post(orders, json=order).status_code == 200, client.post(orders, json=order).text

    headers = AUTH["plandocket"]
    detail = client.get("/plandocket/api/v1/service-orders/990001", params={"include": "items"}, headers=headers)
    assert detail.status_code == 200, detail.text
    assert detail.json()["data"]["order_number"] == "SO-990001"
    assert [i["id"] for i in detail.json()["data"]["items"]] == [990101]
    listed = client.get("/plandocket/api/v1/service-orders", params={"status": "confirmed"}, headers=headers).json()
    assert 990001 in {o["id"] for o in listed["data"]}


PLAIN_SPEC = """
openapi: 3.0.3
info: {title: Pets, version: "1"}
paths:
  /pets:
    get:
      operationId: listPets
      summary: list
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {type: array, items: {$ref: '#/components/schemas/Pet'}}
  /pets/{petId}:
    get:
      operationId: getPet
      summary: get
      parameters: [{name: petId, in: path, required: true, schema: {type: integer}}]
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Pet'}
components:
  schemas:
    Pet: {type: object, required: [id, name], properties: {id: {type: integer}, name: {type: string}}}
"""


def test_an_own_plain_spec_is_seeded_like_the_vendor_apis(tmp_path: Path) -> None:
    spec = tmp_path / "Pet Store.yaml"
    spec.write_text(PLAIN_SPEC, encoding="utf-8")
    with TestClient(create_app(Settings.for_tests(spec_paths=(spec,)))) as own:
        path = "/__admin/apis/pet-store/resources/pets"
        assert own.put(path, json=[{"id": 7, "name": "Rex"}]).status_code == 200
        assert own.get("/pet-store/pets").json() == [{"id": 7, "name": "Rex"}]
        assert own.get("/pet-store/pets/7").json() == {"id": 7, "name": "Rex"}
        bad = own.put(path, json=[{"id": "seven", "name": "Rex"}])
        assert bad.status_code == 400
        assert bad.json()["errors"] == [{"index": 0, "pointer": "/id", "message": '"seven" is not of type "integer"'}]
