"""A plain spec served statefully, end to end, with response validation on (a response that breaks the spec is a
500): create -> read -> list -> filters -> replace/patch -> delete -> 404, nested resources, cursor paging."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.infer.helpers import body, document, ok, path_param, petstore, query, ref, serve

INT = {"type": "integer"}


def test_create_read_list_filter_delete_round_trip(tmp_path: Path) -> None:
    client = serve(tmp_path, petstore([query("species"), query("limit", INT), query("offset", INT)]))
    listed = client.get("/petstore/pets", params={"limit": 100})
    assert listed.status_code == 200
    assert len(listed.json()) == 20  # 20 generated records by default
    created = client.post("/petstore/pets", json={"name": "Rex", "species": "dog", "tags": ["good"]})
    assert created.status_code == 201
    pet = created.json()
    assert pet["name"] == "Rex" and isinstance(pet["id"], int)
    assert created.headers["location"] == f"/petstore/pets/{pet['id']}"
    assert client.get(f"/petstore/pets/{pet['id']}").json() == pet
    everyone = client.get("/petstore/pets", params={"limit": 100}).json()
    assert pet in everyone and len(everyone) == 21
    dogs = client.get("/petstore/pets", params={"species": "dog", "limit": 100}).json()
    assert pet in dogs and {p["species"] for p in dogs} == {"dog"} and len(dogs) < len(everyone)
    assert client.delete(f"/petstore/pets/{pet['id']}").status_code == 204
    assert client.get(f"/petstore/pets/{pet['id']}").status_code == 404
    assert client.delete(f"/petstore/pets/{pet['id']}").status_code == 404
    assert pet not in client.get("/petstore/pets", params={"limit": 100}).json()


def test_replace_and_merge_patch_keep_the_key(tmp_path: Path) -> None:
    client = serve(tmp_path, petstore())
    pet = client.post("/petstore/pets", json={"name": "Rex", "species": "dog", "age": 3}).json()
    url = f"/petstore/pets/{pet['id']}"
    patched = client.patch(url, json={"age": 4})
    assert patched.status_code == 200
    assert patched.json() == {**pet, "age": 4}
    replaced = client.put(url, json={"name": "Max"})
    assert replaced.status_code == 200
    assert replaced.json()["name"] == "Max" and replaced.json()["id"] == pet["id"]
    assert "species" not in replaced.json()  # a replace drops what the body leaves out
    assert client.get(url).json() == replaced.json()


def test_a_write_that_breaks_the_record_schema_is_a_400_naming_the_field(tmp_path: Path) -> None:
    client = serve(tmp_path, petstore())
    pet = client.post("/petstore/pets", json={"name": "Rex"}).json()
    answer = client.patch(f"/petstore/pets/{pet['id']}", json={"name": None})  # merge patch removes a required field
    assert answer.status_code == 400
    assert "name" in answer.json()["detail"]
    assert client.get(f"/petstore/pets/{pet['id']}").json() == pet  # nothing stored


def test_an_unknown_key_is_404_in_the_declared_shape(tmp_path: Path) -> None:
    doc = petstore()
    error = {"type": "object", "required": ["message"], "properties": {"message": {"type": "string"}}}
    doc["components"]["schemas"]["Error"] = error
    doc["paths"]["/pets/{petId}"]["get"]["responses"]["404"] = {
        "description": "no such pet",
        "content": {"application/json": {"schema": ref("Error"), "example": {"message": "pet not found"}}},
    }
    answer = serve(tmp_path, doc).get("/petstore/pets/999999999")
    assert answer.status_code == 404  # response validation is on: the body is valid against Error
    assert answer.headers["content-type"] == "application/json"
    assert list(answer.json()) == ["message"] and "999999999" in answer.json()["message"]  # says what was missing


def test_ranges_search_and_sort_change_the_list(tmp_path: Path) -> None:
    params = [query("min_age", INT), query("q"), query("sort"), query("limit", INT)]
    client = serve(tmp_path, petstore(params))
    everyone = client.get("/petstore/pets", params={"limit": 100}).json()
    older = client.get("/petstore/pets", params={"min_age": 15, "limit": 100}).json()
    assert older and len(older) < len(everyone) and all(p["age"] >= 15 for p in older)
    needle = everyone[3]["name"][1:4].upper()
    found = client.get("/petstore/pets", params={"q": needle, "limit": 100}).json()
    assert everyone[3] in found and all(needle.lower() in p["name"].lower() for p in found)
    by_age = client.get("/petstore/pets", params={"sort": "-age", "limit": 100}).json()
    ages = [p["age"] for p in by_age if p.get("age") is not None]
    assert ages == sorted(ages, reverse=True)


def test_an_envelope_carries_the_filtered_total_and_cursor_pages_chain(tmp_path: Path) -> None:
    envelope = {
        "type": "object",
        "required": ["data", "total"],
        "properties": {
            "data": {"type": "array", "items": ref("Pet")},
            "total": INT,
            "next_cursor": {"type": "string", "nullable": True},
        },
    }
    client = serve(tmp_path, petstore([query("limit", INT), query("cursor"), query("species")], envelope))
    seen: list[Any] = []
    page = client.get("/petstore/pets", params={"limit": 7}).json()
    assert page["total"] == 20
    while True:
        seen += page["data"]
        if page["next_cursor"] is None:
            break
        page = client.get("/petstore/pets", params={"limit": 7, "cursor": page["next_cursor"]}).json()
    assert len(seen) == 20 and len({p["id"] for p in seen}) == 20
    cats = client.get("/petstore/pets", params={"species": "cat", "limit": 100}).json()
    assert cats["total"] == len(cats["data"]) == sum(p["species"] == "cat" for p in seen)
    assert client.get("/petstore/pets", params={"cursor": "not-a-cursor"}).status_code == 400


def nested() -> dict[str, Any]:
    customer = {"type": "object", "required": ["id"], "properties": {"id": INT, "name": {"type": "string"}}}
    order = {
        "type": "object",
        "required": ["id", "customer_id"],
        "properties": {"id": INT, "customer_id": INT, "item": {"type": "string"}},
    }
    scoped = [path_param("customerId")]
    return document(
        {
            "/customers": {"get": {"responses": ok({"type": "array", "items": ref("Customer")})}},
            "/customers/{customerId}": {"parameters": scoped, "get": {"responses": ok(ref("Customer"))}},
            "/customers/{customerId}/orders": {
                "parameters": scoped,
                "get": {"responses": ok({"type": "array", "items": ref("Order")})},
                "post": {
                    "requestBody": body({"type": "object", "properties": {"item": {"type": "string"}}}),
                    "responses": ok(ref("Order"), "201"),
                },
            },
            "/customers/{customerId}/orders/{orderId}": {
                "parameters": [*scoped, path_param("orderId")],
                "get": {"responses": ok(ref("Order"))},
            },
        },
        {"Customer": customer, "Order": order},
    )


def test_nested_records_point_at_existing_parents_and_lists_are_scoped(tmp_path: Path) -> None:
    client = serve(tmp_path, nested(), name="shop")
    customers = {c["id"] for c in client.get("/shop/customers").json()}
    orders = []
    for customer in customers:
        mine = client.get(f"/shop/customers/{customer}/orders").json()
        assert all(o["customer_id"] == customer for o in mine)
        orders += mine
    assert len(orders) == 20  # every generated order belongs to an existing customer
    some = orders[0]
    other = next(c for c in customers if c != some["customer_id"])
    assert client.get(f"/shop/customers/{some['customer_id']}/orders/{some['id']}").json() == some
    assert client.get(f"/shop/customers/{other}/orders/{some['id']}").status_code == 404  # another parent's order
    created = client.post(f"/shop/customers/{other}/orders", json={"item": "lamp"})
    assert created.status_code == 201 and created.json()["customer_id"] == other
    assert created.json() in client.get(f"/shop/customers/{other}/orders").json()


def test_operations_outside_resources_answer_their_example_or_a_generated_body(tmp_path: Path) -> None:
    doc = petstore()
    health = {"type": "object", "required": ["status"], "properties": {"status": {"type": "string"}}}
    doc["paths"]["/health"] = {
        "get": {
            "responses": {
                "200": {
                    "description": "ok",
                    "content": {"application/json": {"schema": health, "example": {"status": "up"}}},
                }
            }
        }
    }
    doc["paths"]["/pets/{petId}/cancel"] = {"post": {"parameters": [path_param("petId")], "responses": ok(health)}}
    client = serve(tmp_path, doc)
    assert client.get("/petstore/health").json() == {"status": "up"}
    first = client.post("/petstore/pets/1/cancel")
    assert first.status_code == 200 and isinstance(first.json()["status"], str)
    assert client.post("/petstore/pets/2/cancel").json() == first.json()  # the same for the same seed


def test_a_recursive_schema_is_served(tmp_path: Path) -> None:
    doc = petstore()
    children = {"type": "array", "items": ref("Pet")}
    doc["components"]["schemas"]["Pet"] = {
        **doc["components"]["schemas"]["Pet"],
        "properties": {"id": INT, "name": {"type": "string"}, "children": children},
    }
    doc["components"]["schemas"]["NewPet"] = {
        "type": "object",
        "properties": {"name": {"type": "string"}, "children": children},
    }
    client = serve(tmp_path, doc)
    listed = client.get("/petstore/pets")
    assert listed.status_code == 200 and len(listed.json()) == 20
    tree = {"name": "root", "children": [{"id": 1, "name": "leaf", "children": []}]}
    created = client.post("/petstore/pets", json=tree)
    assert created.status_code == 201
    assert client.get(f"/petstore/pets/{created.json()['id']}").json()["children"] == tree["children"]
