"""This module contains readings of an OpenAPI 3.0 document for inference: JSON pointers that follow `$ref`s, the
JSON media type of a content map, an operation's parameters and its success response, and a schema's properties.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from mock_server.specs import HTTP_METHODS, resolve_pointer
from mock_server.types import Document, Schema


def escape(token: str) -> str:
    """A JSON pointer reference token (RFC 6901)."""
    return token.replace("~", "~0").replace("/", "~1")


def json_media(content: Any) -> str | None:
    """The JSON media type of a content map: application/json, else the first */*+json or *json* one."""
    if not isinstance(content, dict):
        return None
    if "application/json" in content:
        return "application/json"
    return next((media for media in content if "json" in media.lower()), None)


def properties(schema: Any) -> dict[str, Schema]:
    """The properties of an object schema, looking through allOf/anyOf/oneOf, in declaration order."""
    if not isinstance(schema, dict):
        return {}
    props: dict[str, Schema] = {k: v for k, v in (schema.get("properties") or {}).items() if isinstance(v, dict)}
    for keyword in ("allOf", "anyOf", "oneOf"):
        for branch in schema.get(keyword) or []:
            for name, sub in properties(branch).items():
                props.setdefault(name, sub)
    return props


def kind(schema: Any) -> str:
    """The (non-null) type a schema names or implies: object, array, string, integer, number, boolean or ''."""
    if not isinstance(schema, dict):
        return ""
    declared = schema.get("type")
    if isinstance(declared, list):
        declared = next((t for t in declared if t != "null"), None)
    if isinstance(declared, str):
        return declared
    if properties(schema) or "additionalProperties" in schema:
        return "object"
    if "items" in schema:
        return "array"
    for keyword in ("allOf", "anyOf", "oneOf"):
        for branch in schema.get(keyword) or []:
            found = kind(branch)
            if found and not (isinstance(branch, dict) and branch.get("enum") == [None]):
                return found
    return ""


@dataclass(frozen=True)
class Op:
    """One operation of the document: where it is, its raw and resolved objects and its parameters (resolved,
    path-level ones merged in)."""

    path: str
    method: str
    raw: dict[str, Any]
    resolved: dict[str, Any]
    parameters: tuple[dict[str, Any], ...]

    @property
    def label(self) -> str:
        return f"{self.method.upper()} {self.path}"

    @property
    def pointer(self) -> str:
        return f"#/paths/{escape(self.path)}/{self.method}"

    def params(self, where: str) -> list[dict[str, Any]]:
        """The parameters in `where` (query, path, header, cookie)."""
        return [p for p in self.parameters if p.get("in") == where]

    def success(self) -> tuple[str, dict[str, Any]] | None:
        """The first declared 2xx response (status, resolved response object)."""
        for status, response in (self.resolved.get("responses") or {}).items():
            if str(status).startswith("2") and isinstance(response, dict):
                return str(status), response
        return None

    def response_schema(self) -> tuple[str, Schema] | None:
        """(pointer into the document, resolved schema) of the first 2xx JSON response body."""
        found = self.success()
        if found is None:
            return None
        status, response = found
        media = json_media(response.get("content"))
        if media is None or not isinstance(response["content"][media].get("schema"), dict):
            return None
        return f"{self.pointer}/responses/{escape(status)}/content/{escape(media)}/schema", response["content"][media][
            "schema"
        ]

    def body_schema(self) -> tuple[str, str, Schema] | None:
        """(pointer, media type, resolved schema) of the request body, JSON preferred."""
        body = self.resolved.get("requestBody")
        content = body.get("content") if isinstance(body, dict) else None
        if not isinstance(content, dict) or not content:
            return None
        media = json_media(content) or next(iter(content))
        schema = content[media].get("schema") if isinstance(content[media], dict) else None
        if not isinstance(schema, dict):
            return None
        return f"{self.pointer}/requestBody/content/{escape(media)}/schema", media, schema


def operations(document: Document, resolved: Document) -> Iterator[Op]:
    """Every operation in document order."""
    for path, item in (document.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        resolved_item = (resolved.get("paths") or {}).get(path) or {}
        for method in HTTP_METHODS:
            raw = item.get(method)
            if not isinstance(raw, dict):
                continue
            op = resolved_item.get(method) or {}
            merged: dict[tuple[str, str], dict[str, Any]] = {}
            for param in [*(resolved_item.get("parameters") or []), *(op.get("parameters") or [])]:
                if isinstance(param, dict) and "name" in param:
                    merged[(str(param["name"]), str(param.get("in")))] = param
            yield Op(path, method, raw, op, tuple(merged.values()))


def dereference(document: Document, pointer: str) -> str:
    """The pointer of the node `pointer` stands for: `$ref` chains followed to their target."""
    seen = {pointer}
    node = resolve_pointer(document, pointer)
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#"):
        pointer = node["$ref"]
        if pointer in seen:
            break
        seen.add(pointer)
        node = resolve_pointer(document, pointer)
    return pointer


def locate(document: Document, pointer: str) -> str:
    """The pointer in the raw document of what `pointer` names in the resolved one: each step through a `$ref` is
    replaced by the ref's target (so an inline schema is named where it stands, a shared one by its component)."""
    current = "#"
    for token in pointer.lstrip("#").split("/")[1:]:
        current = dereference(document, current) + "/" + token
    return dereference(document, current)
