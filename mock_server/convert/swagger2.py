"""This module contains from_swagger2: a Swagger 2.0 document rewritten as OpenAPI 3.0.3.

definitions -> components/schemas (every $ref rewritten), parameters in body/formData -> requestBody (consumes or
application/json; formData as an object schema, files as binary strings), other parameters get a `schema` and a
style for their collectionFormat, responses get `content` per produces type with their `examples`, headers a schema,
securityDefinitions -> securitySchemes (basic -> http basic, oauth2 flows), host/basePath/schemes -> servers, and in
schemas x-nullable -> nullable, type file -> binary string, a discriminator name -> {propertyName}.
"""

from __future__ import annotations

from typing import Any

from mock_server.convert.schemas import walk_all
from mock_server.errors import Problem, SpecError
from mock_server.types import Document, Schema

TARGET_VERSION = "3.0.3"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch")
REFS = {
    "#/definitions/": "#/components/schemas/",
    "#/parameters/": "#/components/parameters/",
    "#/responses/": "#/components/responses/",
}
SCHEMA_KEYS = (
    "type",
    "format",
    "items",
    "enum",
    "default",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "pattern",
    "minItems",
    "maxItems",
    "uniqueItems",
    "multipleOf",
)
"""Keywords a Swagger 2.0 non-body parameter or header carries inline; in 3.0 they go into its `schema`."""
STYLES = {
    "csv": ("form", False),
    "multi": ("form", True),
    "ssv": ("spaceDelimited", False),
    "pipes": ("pipeDelimited", False),
}
FLOWS = {"implicit": "implicit", "password": "password", "application": "clientCredentials"}
FLOWS["accessCode"] = "authorizationCode"


def from_swagger2(document: Document, file: str) -> Document:
    """The Swagger 2.0 document as OpenAPI 3.0.3; SpecError naming what can't be converted."""
    return _Converter(document, file).convert()


class _Converter:
    def __init__(self, document: Document, file: str) -> None:
        self.doc = _rewrite_refs(document)
        self.file = file
        self.produces: list[str] = list(self.doc.get("produces") or ["application/json"])
        self.consumes: list[str] = list(self.doc.get("consumes") or ["application/json"])
        self.body_params: dict[str, dict[str, Any]] = {
            name: p for name, p in (self.doc.get("parameters") or {}).items() if p.get("in") in ("body", "formData")
        }

    def convert(self) -> Document:
        doc = self.doc
        out: Document = {"openapi": TARGET_VERSION}
        out.update({k: v for k, v in doc.items() if k.startswith("x-") or k in ("info", "tags", "externalDocs")})
        if isinstance(out.get("x-mock-api"), dict):
            out["x-mock-api"] = _rewrite_resource_refs(out["x-mock-api"])
        out["servers"] = self.servers()
        if "security" in doc:
            out["security"] = doc["security"]
        out["paths"] = {path: self.path_item(path, item) for path, item in (doc.get("paths") or {}).items()}
        components: dict[str, Any] = {}
        if doc.get("definitions"):
            components["schemas"] = dict(doc["definitions"])
        params = {n: self.parameter(p) for n, p in (doc.get("parameters") or {}).items() if n not in self.body_params}
        if params:
            components["parameters"] = params
        if self.body_params:
            components["requestBodies"] = {
                n: self.request_body([p], self.consumes) for n, p in self.body_params.items()
            }
        if doc.get("responses"):
            components["responses"] = {n: self.response(r, self.produces) for n, r in doc["responses"].items()}
        if doc.get("securityDefinitions"):
            components["securitySchemes"] = {
                n: self.security_scheme(n, s) for n, s in doc["securityDefinitions"].items()
            }
        if components:
            out["components"] = components
        converted: Document = walk_all(out, _schema, ("components/schemas",))
        return converted

    def servers(self) -> list[dict[str, str]]:
        base = self.doc.get("basePath") or "/"
        host = self.doc.get("host")
        if not host:
            return [{"url": base}]
        schemes = self.doc.get("schemes") or ["https"]
        return [{"url": f"{scheme}://{host}{base if base != '/' else ''}"} for scheme in schemes]

    def path_item(self, path: str, item: dict[str, Any]) -> dict[str, Any]:
        if "$ref" in item:
            raise SpecError([Problem(self.file, f"/paths/{_escape(path)}", "a $ref path item is not supported")])
        shared = list(item.get("parameters") or [])
        out: dict[str, Any] = {k: v for k, v in item.items() if k.startswith("x-")}
        plain_shared = [p for p in shared if not self.is_body(p)]
        if plain_shared:
            out["parameters"] = [self.parameter(p) for p in plain_shared]
        for method in HTTP_METHODS:
            if isinstance(item.get(method), dict):
                out[method] = self.operation(item[method], [p for p in shared if self.is_body(p)])
        return out

    def is_body(self, param: dict[str, Any]) -> bool:
        ref = param.get("$ref")
        if isinstance(ref, str):
            return ref.removeprefix("#/components/parameters/") in self.body_params
        return param.get("in") in ("body", "formData")

    def operation(self, op: dict[str, Any], shared_body: list[dict[str, Any]]) -> dict[str, Any]:
        out = {k: v for k, v in op.items() if k not in ("parameters", "responses", "produces", "consumes", "schemes")}
        params = list(op.get("parameters") or [])
        plain = [self.parameter(p) for p in params if not self.is_body(p)]
        if plain:
            out["parameters"] = plain
        body = [*shared_body, *(p for p in params if self.is_body(p))]
        consumes = list(op.get("consumes") or self.consumes)
        if body:
            refs = [p for p in body if "$ref" in p]
            if refs and len(body) == 1:
                name = refs[0]["$ref"].removeprefix("#/components/parameters/")
                out["requestBody"] = {"$ref": f"#/components/requestBodies/{name}"}
            else:
                resolved = [self.body_params[p["$ref"].rsplit("/", 1)[-1]] if "$ref" in p else p for p in body]
                out["requestBody"] = self.request_body(resolved, consumes)
        produces = list(op.get("produces") or self.produces)
        out["responses"] = {
            str(status): self.response(r, produces) for status, r in (op.get("responses") or {}).items()
        }
        return out

    def parameter(self, param: dict[str, Any]) -> dict[str, Any]:
        if "$ref" in param:
            return param
        out = {k: v for k, v in param.items() if k not in (*SCHEMA_KEYS, "collectionFormat", "allowEmptyValue")}
        out["schema"] = _inline_schema(param)
        fmt = param.get("collectionFormat")
        if param.get("type") == "array" and fmt in STYLES and param.get("in") in ("query", "header", "path", "cookie"):
            style, explode = STYLES[fmt] if param.get("in") == "query" else ("simple", False)
            out["style"], out["explode"] = style, explode
        if param.get("allowEmptyValue") and param.get("in") == "query":
            out["allowEmptyValue"] = True
        return out

    def request_body(self, params: list[dict[str, Any]], consumes: list[str]) -> dict[str, Any]:
        body = next((p for p in params if p.get("in") == "body"), None)
        if body is not None:
            out: dict[str, Any] = {"content": {mt: {"schema": body.get("schema") or {}} for mt in consumes}}
            if body.get("description"):
                out["description"] = body["description"]
            if body.get("required"):
                out["required"] = True
            return out
        form = [p for p in params if p.get("in") == "formData"]
        files = any(p.get("type") == "file" for p in form)
        kinds = [mt for mt in consumes if mt in ("multipart/form-data", "application/x-www-form-urlencoded")]
        media = kinds or (["multipart/form-data"] if files else ["application/x-www-form-urlencoded"])
        schema: Schema = {"type": "object", "properties": {p["name"]: _inline_schema(p) for p in form}}
        required = [p["name"] for p in form if p.get("required")]
        if required:
            schema["required"] = required
        return {"content": {mt: {"schema": schema} for mt in media}, **({"required": True} if required else {})}

    def response(self, response: dict[str, Any], produces: list[str]) -> dict[str, Any]:
        if "$ref" in response:
            return response
        out: dict[str, Any] = {"description": response.get("description", "")}
        out.update({k: v for k, v in response.items() if k.startswith("x-")})
        examples = response.get("examples") or {}
        if "schema" in response:
            types = produces or ["application/json"]
            out["content"] = {
                mt: {"schema": response["schema"], **({"example": examples[mt]} if mt in examples else {})}
                for mt in types
            }
        if response.get("headers"):
            out["headers"] = {
                name: {"schema": _inline_schema(h), **({"description": h["description"]} if "description" in h else {})}
                for name, h in response["headers"].items()
            }
        return out

    def security_scheme(self, name: str, scheme: dict[str, Any]) -> dict[str, Any]:
        kind = scheme.get("type")
        extra = {k: v for k, v in scheme.items() if k.startswith("x-") or k == "description"}
        if kind == "basic":
            return {"type": "http", "scheme": "basic", **extra}
        if kind == "apiKey":
            return {"type": "apiKey", "in": scheme.get("in"), "name": scheme.get("name"), **extra}
        if kind == "oauth2":
            flow: dict[str, Any] = {"scopes": scheme.get("scopes") or {}}
            for url in ("authorizationUrl", "tokenUrl"):
                if url in scheme:
                    flow[url] = scheme[url]
            flow_name = FLOWS.get(str(scheme.get("flow")))
            if flow_name is None:
                raise SpecError(
                    [
                        Problem(
                            self.file,
                            f"/securityDefinitions/{name}/flow",
                            f"unknown oauth2 flow {scheme.get('flow')!r}",
                        )
                    ]
                )
            return {"type": "oauth2", "flows": {flow_name: flow}, **extra}
        raise SpecError([Problem(self.file, f"/securityDefinitions/{name}/type", f"unknown security type {kind!r}")])


def _inline_schema(param: dict[str, Any]) -> Schema:
    schema = {k: v for k, v in param.items() if k in SCHEMA_KEYS or k.startswith("x-")}
    if schema.get("type") == "file":
        return {"type": "string", "format": "binary"}
    return schema


def _schema(schema: Schema, pointer: str) -> Schema:
    out = dict(schema)
    if out.pop("x-nullable", False) is True:
        out["nullable"] = True
    if out.get("type") == "file":
        out["type"], out["format"] = "string", "binary"
    if isinstance(out.get("discriminator"), str):
        out["discriminator"] = {"propertyName": out["discriminator"]}
    return out


def _rewrite_refs(node: Any) -> Any:
    if isinstance(node, list):
        return [_rewrite_refs(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key == "$ref" and isinstance(value, str):
            for old, new in REFS.items():
                if value.startswith(old):
                    value = new + value[len(old) :]
                    break
            out[key] = value
        elif key in ("example", "examples", "default", "enum"):
            out[key] = value
        else:
            out[key] = _rewrite_refs(value)
    return out


def _rewrite_resource_refs(api: dict[str, Any]) -> dict[str, Any]:
    """x-mock-api with its resources' schema pointers into definitions moved to components/schemas."""
    resources = api.get("resources")
    if not isinstance(resources, dict):
        return api
    moved = {}
    for name, resource in resources.items():
        ref = resource.get("schema") if isinstance(resource, dict) else None
        if isinstance(ref, str) and ref.startswith("#/definitions/"):
            resource = {**resource, "schema": REFS["#/definitions/"] + ref.removeprefix("#/definitions/")}
        moved[name] = resource
    return {**api, "resources": moved}


def _escape(path: str) -> str:
    return path.replace("~", "~0").replace("/", "~1")
