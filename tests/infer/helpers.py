"""Small spec builders for the inference tests: a document from paths and schemas, served from a temp directory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from starlette.testclient import TestClient

from mock_server.app import create_app
from mock_server.infer import Inference, infer
from mock_server.settings import Settings


def ok(schema: dict[str, Any], status: str = "200") -> dict[str, Any]:
    """A responses object with one JSON success response."""
    return {status: {"description": "ok", "content": {"application/json": {"schema": schema}}}}


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def query(name: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"name": name, "in": "query", "schema": schema or {"type": "string"}}


def path_param(name: str, kind: str = "integer") -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": kind}}


def body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def document(paths: dict[str, Any], schemas: dict[str, Any] | None = None, **top: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": paths, **top}
    if schemas:
        doc.setdefault("components", {})["schemas"] = schemas
    return doc


def inferred(doc: dict[str, Any], name: str = "api") -> Inference:
    return infer(doc, name)


def mock(inference: Inference, path: str, method: str) -> dict[str, Any]:
    result: dict[str, Any] = inference.document["paths"][path][method]["x-mock"]
    return result


def resources(inference: Inference) -> dict[str, Any]:
    result: dict[str, Any] = inference.document["x-mock-api"]["resources"]
    return result


def serve(tmp_path: Path, doc: dict[str, Any], name: str = "petstore", **settings: Any) -> TestClient:
    """A test client on the app serving `doc` (saved as <name>.yaml) with response validation on."""
    spec_dir = tmp_path / "specs"
    spec_dir.mkdir(exist_ok=True)
    (spec_dir / f"{name}.yaml").write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return TestClient(create_app(Settings.for_tests(spec_dir=spec_dir, **settings)))


PET = {
    "type": "object",
    "required": ["id", "name"],
    "properties": {
        "id": {"type": "integer", "readOnly": True},
        "name": {"type": "string"},
        "species": {"type": "string", "enum": ["cat", "dog", "bird"]},
        "age": {"type": "integer", "minimum": 0, "maximum": 30},
        "tags": {"type": "array", "items": {"type": "string"}},
        "created_at": {"type": "string", "format": "date-time"},
    },
}
NEW_PET = {
    "type": "object",
    "required": ["name"],
    "properties": {k: v for k, v in PET["properties"].items() if k not in ("id", "created_at")},
}


def petstore(
    list_params: list[dict[str, Any]] | None = None, list_schema: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A plain CRUD petstore: /pets (list, create) and /pets/{petId} (read, replace, patch, delete)."""
    item = {"parameters": [path_param("petId")]}
    item["get"] = {"operationId": "getPet", "responses": ok(ref("Pet"))}
    item["put"] = {"operationId": "replacePet", "requestBody": body(ref("NewPet")), "responses": ok(ref("Pet"))}
    changes = {"type": "object", "properties": NEW_PET["properties"]}  # a merge patch: nothing required
    item["patch"] = {"operationId": "patchPet", "requestBody": body(changes), "responses": ok(ref("Pet"))}
    item["delete"] = {"operationId": "deletePet", "responses": {"204": {"description": "gone"}}}
    created = ok(ref("Pet"), "201")
    created["201"]["headers"] = {"Location": {"schema": {"type": "string"}}}
    return document(
        {
            "/pets": {
                "get": {
                    "operationId": "listPets",
                    "parameters": list_params or [],
                    "responses": ok(list_schema or {"type": "array", "items": ref("Pet")}),
                },
                "post": {"operationId": "createPet", "requestBody": body(ref("NewPet")), "responses": created},
            },
            "/pets/{petId}": item,
        },
        {"Pet": PET, "NewPet": NEW_PET},
    )
