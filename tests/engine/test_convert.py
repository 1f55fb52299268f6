"""OpenAPI 3.1 and Swagger 2.0 documents are converted to 3.0 at load time and served; what 3.0 cannot express is
refused in one line naming the construct."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
import yaml

from mock_server.convert import to_openapi30
from mock_server.convert.oas31 import convert_schema
from mock_server.errors import SpecError
from mock_server.specs import Spec
from tests.engine.conftest import SPECS, Serve

KEY = {"X-Key": "k"}
BASIC = {"Authorization": "Basic " + base64.b64encode(b"user:pw").decode()}


def test_openapi_30_documents_are_not_touched() -> None:
    document = yaml.safe_load((Path(__file__).parents[2] / "specs" / "eguma.yaml").read_text())
    assert to_openapi30(document, "eguma.yaml") is document


def test_swagger_2_is_served_with_definitions_bodies_headers_and_security(serve: Serve) -> None:
    client = serve("swagger.yaml")
    assert client.get("/swagger/pets").status_code == 401  # global apiKey in a header
    listed = client.get("/swagger/pets", headers=KEY)
    assert listed.status_code == 200
    assert listed.headers["x-total"] == str(len(listed.json())) == "5"
    assert {"id": 1, "name": "Rex", "tag": "dog"} in listed.json()  # the response example became a record
    created = client.post("/swagger/pets", headers=BASIC, json={"name": "Tom", "tag": None})  # x-nullable
    assert created.status_code == 201, created.text
    pet = created.json()
    assert client.post("/swagger/pets", headers=KEY, json={"name": "Tom"}).status_code == 401  # op-level basic
    assert client.get(f"/swagger/pets/{pet['id']}", headers=KEY).json() == pet
    assert [p["id"] for p in client.get("/swagger/pets", params={"tags": "dog,cat"}, headers=KEY).json()] == [
        p["id"] for p in listed.json() if p.get("tag") in ("dog", "cat")
    ]
    assert client.delete(f"/swagger/pets/{pet['id']}", headers=KEY).status_code == 204
    missing = client.get(f"/swagger/pets/{pet['id']}", headers=KEY)
    assert missing.status_code == 404 and set(missing.json()) == {"message"}  # the declared Error shape


def test_swagger_2_form_data_becomes_a_multipart_request_body(serve: Serve) -> None:
    client = serve("swagger.yaml")
    assert client.post("/swagger/pets/1/photo", headers=KEY).status_code == 400
    response = client.post("/swagger/pets/1/photo", headers=KEY, files={"file": ("a.png", b"x")})
    assert response.status_code == 200 and set(response.json()) == {"stored"}
    body = Spec.from_file(SPECS / "swagger.yaml").document["paths"]["/pets/{petId}/photo"]["post"]["requestBody"]
    assert body["content"]["multipart/form-data"]["schema"]["properties"]["file"] == {
        "type": "string",
        "format": "binary",
    }


def test_swagger_2_servers_from_host_and_base_path() -> None:
    document = Spec.from_file(SPECS / "swagger.yaml").document
    assert document["openapi"] == "3.0.3" and document["servers"] == [{"url": "https://pets.example.com/v1"}]
    assert document["components"]["securitySchemes"]["basic"] == {"type": "http", "scheme": "basic"}
    assert document["x-mock-api"]["resources"]["pets"]["schema"] == "#/components/schemas/Pet"


def test_openapi_31_is_served_with_its_constructs_converted(serve: Serve) -> None:
    client = serve("oas31.yaml")
    notes = client.get("/notes/notes").json()
    assert len(notes) == 5 and all(n["kind"] == "note" and 0 < n["stars"] < 6 for n in notes)
    ok = client.post("/notes/notes", json={"kind": "note", "text": "hi", "stars": 5, "title": None})
    assert ok.status_code == 201, ok.text
    assert client.get(f"/notes/notes/{ok.json()['id']}").json()["title"] is None
    for bad in ({"kind": "memo", "text": "x", "stars": 1}, {"kind": "note", "text": "x", "stars": 6}):
        assert client.post("/notes/notes", json=bad).status_code == 400
    assert client.get("/notes/notes", params={"min_stars": 0}).status_code == 400  # exclusiveMinimum: 0


@pytest.mark.parametrize(
    ("schema", "converted"),
    [
        ({"type": ["string", "null"]}, {"type": "string", "nullable": True}),
        ({"type": ["integer", "string"]}, {"anyOf": [{"type": "integer"}, {"type": "string"}]}),
        ({"type": ["string", "null"], "enum": ["a"]}, {"type": "string", "enum": ["a"]}),
        ({"const": 3}, {"enum": [3]}),
        ({"examples": [1, 2]}, {"example": 1}),
        ({"exclusiveMaximum": 5}, {"maximum": 5, "exclusiveMaximum": True}),
        ({"$ref": "#/x", "description": "d"}, {"$ref": "#/x"}),
        ({"$ref": "#/x", "maxLength": 3}, {"allOf": [{"$ref": "#/x"}], "maxLength": 3}),
        ({"type": "null"}, {"nullable": True, "enum": [None]}),
        ({"type": "string", "nullable": True}, {"type": "string"}),  # nullable is no 3.1 keyword
    ],
)
def test_31_schema_conversions(schema: dict[str, Any], converted: dict[str, Any]) -> None:
    assert convert_schema(schema) == converted


def _write(tmp_path: Path, document: dict[str, Any]) -> Path:
    path = tmp_path / "doc.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


def test_a_31_document_with_webhooks_only_is_refused_in_one_line(tmp_path: Path) -> None:
    path = _write(tmp_path, {"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "webhooks": {"x": {}}})
    with pytest.raises(SpecError) as caught:
        Spec.from_file(path)
    assert str(caught.value) == f"{path}: /webhooks: an OpenAPI 3.1 document with webhooks only: nothing to serve"


def test_a_31_keyword_without_a_30_equivalent_is_refused_naming_it_and_where(tmp_path: Path) -> None:
    schema = {"type": "array", "prefixItems": [{"type": "string"}]}
    document = {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {},
        "components": {"schemas": {"Pair": schema}},
    }
    with pytest.raises(SpecError) as caught:
        Spec.from_file(_write(tmp_path, document))
    assert len(caught.value.problems) == 1
    problem = caught.value.problems[0]
    assert problem.pointer == "/components/schemas/Pair" and "prefixItems" in problem.message


def test_an_unknown_openapi_version_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="OpenAPI 4.0.0 is not supported"):
        Spec.from_file(_write(tmp_path, {"openapi": "4.0.0", "info": {}, "paths": {}}))


SWAGGER_BITS: dict[str, Any] = {
    "swagger": "2.0",
    "info": {"title": "t", "version": "1"},
    "basePath": "/api",
    "securityDefinitions": {
        "code": {
            "type": "oauth2",
            "flow": "accessCode",
            "authorizationUrl": "https://a.example/auth",
            "tokenUrl": "https://a.example/token",
            "scopes": {"read": "read"},
        }
    },
    "parameters": {"Tags": {"name": "tag", "in": "query", "type": "array", "items": {"type": "string"}}},
    "responses": {"Gone": {"description": "gone", "schema": {"$ref": "#/definitions/Err"}}},
    "paths": {
        "/things": {
            "parameters": [{"name": "body", "in": "body", "schema": {"$ref": "#/definitions/Thing"}}],
            "post": {
                "parameters": [
                    {"$ref": "#/parameters/Tags"},
                    {
                        "name": "ids",
                        "in": "query",
                        "type": "array",
                        "items": {"type": "integer"},
                        "collectionFormat": "multi",
                    },
                ],
                "responses": {
                    "201": {"description": "ok", "schema": {"$ref": "#/definitions/Thing"}},
                    "410": {"$ref": "#/responses/Gone"},
                },
            },
        }
    },
    "definitions": {
        "Thing": {
            "type": "object",
            "discriminator": "kind",
            "properties": {"kind": {"type": "string"}, "file": {"type": "file"}},
        },
        "Err": {"type": "object", "properties": {"message": {"type": "string", "x-nullable": True}}},
    },
}


def test_swagger_2_details_convert_to_a_valid_30_document() -> None:
    from openapi_spec_validator import OpenAPIV30SpecValidator

    out = to_openapi30(SWAGGER_BITS, "bits.yaml")
    assert list(OpenAPIV30SpecValidator(out).iter_errors()) == []
    post = out["paths"]["/things"]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Thing"}
    assert post["parameters"][0] == {"$ref": "#/components/parameters/Tags"}
    assert (post["parameters"][1]["style"], post["parameters"][1]["explode"]) == ("form", True)
    assert post["responses"]["410"] == {"$ref": "#/components/responses/Gone"}
    schemas = out["components"]["schemas"]
    assert schemas["Thing"]["discriminator"] == {"propertyName": "kind"}
    assert schemas["Thing"]["properties"]["file"] == {"type": "string", "format": "binary"}
    assert schemas["Err"]["properties"]["message"] == {"type": "string", "nullable": True}
    flows = out["components"]["securitySchemes"]["code"]["flows"]
    assert list(flows) == ["authorizationCode"] and flows["authorizationCode"]["tokenUrl"] == "https://a.example/token"
    assert out["servers"] == [{"url": "/api"}]


@pytest.mark.parametrize("name", ["swagger.yaml", "oas31.yaml"])
def test_converted_test_specs_are_valid_openapi_30(name: str) -> None:
    from openapi_spec_validator import OpenAPIV30SpecValidator

    document = Spec.from_file(SPECS / name).document
    assert [e.message for e in OpenAPIV30SpecValidator(document).iter_errors()] == []
