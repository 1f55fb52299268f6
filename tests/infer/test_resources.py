"""Resources from path pairs: record schema, key field, nested parents, actions by method."""

from __future__ import annotations

from tests.infer.helpers import (
    NEW_PET,
    PET,
    body,
    document,
    inferred,
    mock,
    ok,
    path_param,
    petstore,
    ref,
    resources,
)


def test_a_collection_and_item_path_pair_is_a_resource_with_an_action_per_method() -> None:
    inference = inferred(petstore())
    assert resources(inference) == {"pets": {"schema": "#/components/schemas/Pet", "key": "id"}}
    actions = {
        (path, method): op["x-mock"]["action"]
        for path, item in inference.document["paths"].items()
        for method, op in item.items()
        if method != "parameters"
    }
    assert actions == {
        ("/pets", "get"): "list",
        ("/pets", "post"): "create",
        ("/pets/{petId}", "get"): "read",
        ("/pets/{petId}", "put"): "replace",
        ("/pets/{petId}", "patch"): "patch",
        ("/pets/{petId}", "delete"): "delete",
    }
    assert mock(inference, "/pets/{petId}", "get")["lookup"] == {"param": "petId", "field": "id"}


def test_create_sets_location_only_where_the_2xx_declares_the_header() -> None:
    doc = petstore()
    assert mock(inferred(doc), "/pets", "post") == {
        "resource": "pets",
        "action": "create",
        "create": {"location": True},
    }
    del doc["paths"]["/pets"]["post"]["responses"]["201"]["headers"]
    assert "create" not in mock(inferred(doc), "/pets", "post")


def test_an_inline_record_schema_is_pointed_at_where_it_stands() -> None:
    doc = petstore()
    doc["paths"]["/pets/{petId}"]["get"]["responses"] = ok(PET)
    assert resources(inferred(doc))["pets"]["schema"] == (
        "#/paths/~1pets~1{petId}/get/responses/200/content/application~1json/schema"
    )


def test_the_record_schema_falls_back_to_the_list_item_then_the_create_body() -> None:
    doc = petstore()
    del doc["paths"]["/pets/{petId}"]["get"]
    assert resources(inferred(doc))["pets"]["schema"] == "#/components/schemas/Pet"  # the list's items
    doc["paths"]["/pets"]["get"]["responses"] = {"200": {"description": "csv", "content": {"text/csv": {}}}}
    doc["components"]["schemas"]["NewPet"] = {**NEW_PET, "properties": {"id": {"type": "integer"}, "name": {}}}
    assert resources(inferred(doc))["pets"]["schema"] == "#/components/schemas/NewPet"  # the create body


def test_the_key_is_the_parameter_name_else_id_else_a_name_variant() -> None:
    doc = petstore()
    assert resources(inferred(doc))["pets"]["key"] == "id"  # petId is no property; id is
    named = {**PET, "properties": {"petId": {"type": "integer"}, **PET["properties"]}}
    doc["components"]["schemas"]["Pet"] = named
    assert resources(inferred(doc))["pets"]["key"] == "petId"  # the parameter's own name wins
    variant = {"type": "object", "properties": {"pet_id": {"type": "integer"}, "name": {"type": "string"}}}
    doc["components"]["schemas"]["Pet"] = variant
    assert resources(inferred(doc))["pets"]["key"] == "pet_id"  # petId ~ pet_id


def test_a_pair_without_a_matching_key_field_is_not_a_resource_and_says_why() -> None:
    doc = petstore()
    doc["components"]["schemas"]["Pet"] = {"type": "object", "properties": {"name": {"type": "string"}}}
    doc["components"]["schemas"]["NewPet"] = {"type": "object", "properties": {"name": {"type": "string"}}}
    inference = inferred(doc)
    assert resources(inference) == {}
    assert mock(inference, "/pets", "get") == {"action": "respond"}
    assert any("no record field matches the key parameter 'petId'" in note for note in inference.notes)


def test_nested_pairs_give_a_child_resource_scoped_to_its_parent() -> None:
    customer = {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}}
    order = {
        "type": "object",
        "properties": {"id": {"type": "integer"}, "customer_id": {"type": "integer"}, "total": {"type": "number"}},
    }
    scoped = [path_param("customerId")]
    doc = document(
        {
            "/customers": {"get": {"responses": ok({"type": "array", "items": ref("Customer")})}},
            "/customers/{customerId}": {"parameters": scoped, "get": {"responses": ok(ref("Customer"))}},
            "/customers/{customerId}/orders": {
                "parameters": scoped,
                "get": {"responses": ok({"type": "array", "items": ref("Order")})},
                "post": {"requestBody": body(ref("Order")), "responses": ok(ref("Order"), "201")},
            },
            "/customers/{customerId}/orders/{orderId}": {
                "parameters": [*scoped, path_param("orderId")],
                "get": {"responses": ok(ref("Order"))},
            },
        },
        {"Customer": customer, "Order": order},
    )
    inference = inferred(doc)
    assert resources(inference)["orders"] == {
        "schema": "#/components/schemas/Order",
        "key": "id",
        "parent": {"resource": "customers", "field": "customer_id"},  # customerId ~ customer_id
    }
    for path, method in [
        ("/customers/{customerId}/orders", "get"),
        ("/customers/{customerId}/orders/{orderId}", "get"),
    ]:
        assert mock(inference, path, method)["parent"] == {"param": "customerId", "field": "customer_id"}
    assert mock(inference, "/customers/{customerId}/orders/{orderId}", "get")["lookup"] == {
        "param": "orderId",
        "field": "id",
    }


def test_a_child_without_a_parent_field_carries_it_as_a_hidden_field() -> None:
    doc = document(
        {
            "/vaults": {"get": {"responses": ok({"type": "array", "items": ref("Vault")})}},
            "/vaults/{vaultUuid}": {
                "get": {"parameters": [path_param("vaultUuid", "string")], "responses": ok(ref("Vault"))}
            },
            "/vaults/{vaultUuid}/items": {
                "get": {
                    "parameters": [path_param("vaultUuid", "string")],
                    "responses": ok({"type": "array", "items": ref("Item")}),
                }
            },
            "/vaults/{vaultUuid}/items/{itemUuid}": {
                "get": {
                    "parameters": [path_param("vaultUuid", "string"), path_param("itemUuid", "string")],
                    "responses": ok(ref("Item")),
                }
            },
        },
        {
            "Vault": {"type": "object", "properties": {"id": {"type": "string"}}},
            "Item": {"type": "object", "properties": {"id": {"type": "string"}, "title": {"type": "string"}}},
        },
    )
    assert resources(inferred(doc))["items"] == {
        "schema": "#/components/schemas/Item",
        "key": "id",
        "parent": {"resource": "vaults", "field": "vaultUuid"},
        "hidden": {"vaultUuid": {"type": "string"}},
    }


def test_a_single_record_wrapped_in_data_is_unwrapped_with_an_envelope() -> None:
    doc = petstore()
    wrapped = {"type": "object", "properties": {"data": ref("Pet")}}
    doc["paths"]["/pets/{petId}"]["get"]["responses"] = ok(wrapped)
    inference = inferred(doc)
    assert resources(inference)["pets"]["schema"] == "#/components/schemas/Pet"
    assert mock(inference, "/pets/{petId}", "get")["envelope"] == {"data": "data"}
    assert "envelope" not in mock(inference, "/pets/{petId}", "put")  # its response is the bare record


def test_clashing_collection_names_take_their_preceding_segment() -> None:
    item = {"type": "object", "properties": {"id": {"type": "string"}}}
    paths = {}
    for entity in ("AD", "CL"):
        paths[f"/dataentities/{entity}/documents"] = {
            "post": {"requestBody": body(ref("Doc")), "responses": ok(ref("Doc"))}
        }
        paths[f"/dataentities/{entity}/documents/{{id}}"] = {
            "get": {"parameters": [path_param("id", "string")], "responses": ok(ref("Doc"))}
        }
    assert sorted(resources(inferred(document(paths, {"Doc": item})))) == ["AD_documents", "CL_documents"]


def test_allof_and_oneof_records_find_their_key_through_the_composition() -> None:
    doc = petstore()
    doc["components"]["schemas"]["Pet"] = {
        "allOf": [ref("NewPet"), {"type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}}}]
    }
    assert resources(inferred(doc))["pets"]["key"] == "id"
    doc["components"]["schemas"]["Pet"] = {"oneOf": [{"type": "object", "properties": {"id": {"type": "integer"}}}]}
    assert resources(inferred(doc))["pets"]["key"] == "id"
    assert NEW_PET["required"] == ["name"]


def test_operations_outside_any_resource_respond_and_are_listed() -> None:
    doc = petstore()
    doc["paths"]["/pets/{petId}/cancel"] = {"post": {"parameters": [path_param("petId")], "responses": ok(ref("Pet"))}}
    doc["paths"]["/health"] = {"get": {"responses": ok({"type": "object", "properties": {"ok": {"type": "boolean"}}})}}
    inference = inferred(doc)
    assert mock(inference, "/pets/{petId}/cancel", "post") == {"action": "respond"}
    assert mock(inference, "/health", "get") == {"action": "respond"}
    assert "POST /pets/{petId}/cancel: outside any resource" in "\n".join(inference.notes)
    assert "GET /health: outside any resource" in "\n".join(inference.notes)


def test_a_response_property_naming_a_field_by_a_variant_is_renamed_in_the_view() -> None:
    doc = petstore()
    created = {"type": "object", "required": ["Id"], "properties": {"Id": {"type": "integer"}}}
    doc["paths"]["/pets"]["post"]["responses"] = ok(created, "201")
    assert mock(inferred(doc), "/pets", "post")["view"] == {"rename": {"Id": "id"}}
    assert "view" not in mock(inferred(doc), "/pets/{petId}", "get")  # the record's own names need none


def test_form_bodies_and_json_patch_are_answered_as_declared_and_listed() -> None:
    doc = petstore()
    doc["paths"]["/pets"]["post"]["requestBody"] = {
        "content": {"application/x-www-form-urlencoded": {"schema": ref("NewPet")}}
    }
    doc["paths"]["/pets/{petId}"]["patch"]["requestBody"] = {
        "content": {"application/json-patch+json": {"schema": {"type": "array", "items": {"type": "object"}}}}
    }
    inference = inferred(doc)
    assert mock(inference, "/pets", "post") == {"action": "respond"}
    assert mock(inference, "/pets/{petId}", "patch") == {"action": "respond"}
    notes = "\n".join(inference.notes)
    assert "POST /pets: the request body is not a JSON object" in notes
    assert "PATCH /pets/{petId}: the request body is not a JSON object (merge patch)" in notes


def test_path_parameters_that_scope_nothing_are_listed() -> None:
    doc = petstore()
    doc["paths"] = {
        f"/accounts/{{accountId}}{path}": {
            **item,
            "parameters": [path_param("accountId", "string"), *item.get("parameters", [])],
        }
        for path, item in doc["paths"].items()
    }
    inference = inferred(doc)
    assert mock(inference, "/accounts/{accountId}/pets", "get")["action"] == "list"  # no accounts resource to scope by
    assert any("path parameter 'accountId': not used to scope the records" in note for note in inference.notes)
