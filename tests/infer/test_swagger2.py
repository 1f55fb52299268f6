"""A Swagger 2.0 spec (converted to OpenAPI 3.0 when loaded) is inferred and served like any other."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from mock_server.cli import main
from tests.infer.helpers import serve

PET = {
    "type": "object",
    "required": ["id", "name"],
    "properties": {"id": {"type": "integer"}, "name": {"type": "string"}, "status": {"type": "string"}},
}


def swagger() -> dict[str, Any]:
    return {
        "swagger": "2.0",
        "info": {"title": "Pets", "version": "1"},
        "basePath": "/v1",
        "produces": ["application/json"],
        "consumes": ["application/json"],
        "securityDefinitions": {"key": {"type": "apiKey", "in": "header", "name": "X-Key"}},
        "security": [{"key": []}],
        "paths": {
            "/pets": {
                "get": {
                    "parameters": [
                        {"name": "status", "in": "query", "type": "string"},
                        {"name": "limit", "in": "query", "type": "integer"},
                    ],
                    "responses": {
                        "200": {
                            "description": "pets",
                            "schema": {"type": "array", "items": {"$ref": "#/definitions/Pet"}},
                        }
                    },
                },
                "post": {
                    "parameters": [
                        {"name": "pet", "in": "body", "required": True, "schema": {"$ref": "#/definitions/Pet"}}
                    ],
                    "responses": {"201": {"description": "created", "schema": {"$ref": "#/definitions/Pet"}}},
                },
            },
            "/pets/{petId}": {
                "parameters": [{"name": "petId", "in": "path", "required": True, "type": "integer"}],
                "get": {"responses": {"200": {"description": "a pet", "schema": {"$ref": "#/definitions/Pet"}}}},
                "delete": {"responses": {"204": {"description": "gone"}}},
            },
        },
        "definitions": {"Pet": PET},
    }


def test_a_swagger_2_spec_is_served_statefully(tmp_path: Path) -> None:
    client = serve(tmp_path, swagger(), name="pets2")
    key = {"X-Key": "k"}
    assert client.get("/pets2/pets").status_code == 401
    created = client.post("/pets2/pets", json={"id": 777001, "name": "Rex", "status": "new"}, headers=key)
    assert created.status_code == 201
    assert client.get("/pets2/pets/777001", headers=key).json() == created.json()
    found = client.get("/pets2/pets", params={"status": "new", "limit": 100}, headers=key).json()
    assert created.json() in found and all(p["status"] == "new" for p in found)
    assert client.delete("/pets2/pets/777001", headers=key).status_code == 204
    assert client.get("/pets2/pets/777001", headers=key).status_code == 404


def test_infer_prints_a_swagger_2_spec_as_the_openapi_3_document_it_serves(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "pets2.yaml"
    path.write_text(yaml.safe_dump(swagger()), encoding="utf-8")
    assert main(["infer", str(path)]) == 0
    document = yaml.safe_load(capsys.readouterr().out)
    assert document["openapi"].startswith("3.0")
    assert document["x-mock-api"]["resources"] == {"pets": {"schema": "#/components/schemas/Pet", "key": "id"}}
    assert document["paths"]["/pets"]["get"]["x-mock"]["filters"] == [
        {"param": "status", "field": "status", "op": "eq"}
    ]
