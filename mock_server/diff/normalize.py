"""This module contains normalization: a document with $refs resolved, allOf merged and nullability unified, seen
as operations, so that moving a schema into components or reordering keys changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from mock_server.errors import Problem, SpecError
from mock_server.specs import HTTP_METHODS, resolve_pointer
from mock_server.types import Document, Schema

ORIGIN = "$origin"
"""Key added to every resolved mapping: its JSON pointer in the file (through $refs, the target's)."""
_TEMPLATE_PARAM = re.compile(r"\{([^}]*)\}")
_SUBSCHEMA_KEYS = ("items", "additionalProperties", "not")


@dataclass(frozen=True, slots=True)
class Parameter:
    name: str
    location: str
    required: bool
    schema: Schema
    raw: dict[str, Any]
    pointer: str


@dataclass(frozen=True, slots=True)
class MediaType:
    name: str
    schema: Schema
    pointer: str


@dataclass(frozen=True, slots=True)
class Header:
    name: str
    required: bool
    schema: Schema
    pointer: str


@dataclass(frozen=True, slots=True)
class RequestBody:
    required: bool
    content: dict[str, MediaType]
    pointer: str


@dataclass(frozen=True, slots=True)
class Response:
    status: str
    content: dict[str, MediaType]
    headers: dict[str, Header]
    pointer: str


@dataclass(frozen=True, slots=True)
class Operation:
    """One operation, normalized: parameters keyed by location and name (path parameters by position)."""

    method: str
    path: str
    pointer: str
    raw: dict[str, Any]
    parameters: dict[tuple[str, str], Parameter]
    request_body: RequestBody | None
    responses: dict[str, Response]
    security: tuple[frozenset[tuple[str, frozenset[str]]], ...]

    @property
    def label(self) -> str:
        return f"{self.method.upper()} {self.path}"


@dataclass(frozen=True, slots=True)
class Api:
    """A whole normalized document: operations keyed by (path template, method)."""

    file: str
    document: Document
    operations: dict[tuple[str, str], Operation] = field(default_factory=dict)
    security_schemes: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def from_document(cls, document: Document, file: str) -> Api:
        """Normalize a loaded document; SpecError naming the pointer of a $ref that points nowhere."""
        resolved = _resolve(document, document, "", (), file)
        components = resolved.get("components")
        schemes = _members(components.get("securitySchemes") if isinstance(components, dict) else None)
        default_security = resolved.get("security") or []
        operations = {}
        for path, item in _members(resolved.get("paths")):
            for method in HTTP_METHODS:
                op = item.get(method)
                if isinstance(op, dict):
                    shared = item.get("parameters")
                    operations[(path_key(path), method)] = _operation(path, method, op, shared, default_security)
        return cls(file=file, document=resolved, operations=operations, security_schemes=dict(schemes))


def path_key(path: str) -> str:
    """A path template with its parameter names blanked: /orders/{id} and /orders/{orderId} are one path."""
    return _TEMPLATE_PARAM.sub("{}", path)


def escape(token: str) -> str:
    """One JSON pointer token."""
    return str(token).replace("~", "~0").replace("/", "~1")


def plain(node: Any) -> Any:
    """A resolved node without the ORIGIN keys, for comparing whole values."""
    if isinstance(node, dict):
        return {k: plain(v) for k, v in node.items() if k != ORIGIN}
    if isinstance(node, list):
        return [plain(v) for v in node]
    return node


def normalize_schema(node: Any) -> Schema:
    """A resolved schema with allOf merged, `type: [T, null]` / a null anyOf branch turned into `nullable: true`,
    an `enum` holding null read as nullable too, and OAS 3.0 `exclusiveMinimum: true` as the 3.1 number."""
    if not isinstance(node, dict):
        return {}
    schema: Schema = dict(node)
    parts = schema.pop("allOf", None)
    if isinstance(parts, list):
        merged: Schema = {}
        for part in [*parts, schema]:
            merged = _merge(merged, normalize_schema(part))
        merged[ORIGIN] = schema.get(ORIGIN, "")
        schema = merged
    types = schema.get("type")
    if isinstance(types, list):
        rest = sorted(str(t) for t in types if t != "null")
        if "null" in types:
            schema["nullable"] = True
        schema["type"] = rest[0] if len(rest) == 1 else rest
    for key in ("anyOf", "oneOf"):
        branches = schema.get(key)
        if isinstance(branches, list):
            others = [b for b in branches if not (isinstance(b, dict) and b.get("type") == "null")]
            if len(others) < len(branches):
                schema["nullable"] = True
            if len(others) == 1 and isinstance(others[0], dict):
                del schema[key]
                schema = _merge(schema, normalize_schema(others[0]))
            else:
                schema[key] = [normalize_schema(b) for b in others]
    for exclusive, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if schema.get(exclusive) is True and bound in schema:  # OAS 3.0 spelling of the 3.1 number
            schema[exclusive] = schema.pop(bound)
        elif schema.get(exclusive) is False:
            del schema[exclusive]
    enum = schema.get("enum")
    if isinstance(enum, list) and None in enum:
        schema["nullable"] = True
        schema["enum"] = [v for v in enum if v is not None]
    if isinstance(schema.get("properties"), dict):
        schema["properties"] = {
            name: normalize_schema(sub) for name, sub in schema["properties"].items() if name != ORIGIN
        }
    for key in _SUBSCHEMA_KEYS:
        if isinstance(schema.get(key), dict):
            schema[key] = normalize_schema(schema[key])
    return schema


def _merge(base: Schema, extra: Schema) -> Schema:
    out = dict(base)
    for key, value in extra.items():
        if key == "properties" and isinstance(out.get(key), dict) and isinstance(value, dict):
            props = dict(out[key])
            for name, sub in value.items():
                props[name] = _merge(props[name], sub) if isinstance(props.get(name), dict) else sub
            out[key] = props
        elif key == "required" and isinstance(out.get(key), list) and isinstance(value, list):
            out[key] = [*out[key], *(v for v in value if v not in out[key])]
        elif key == "enum" and isinstance(out.get(key), list) and isinstance(value, list):
            out[key] = [v for v in out[key] if v in value]
        elif key != ORIGIN or key not in out:
            out[key] = value
    return out


def _resolve(node: Any, document: Document, pointer: str, seen: tuple[str, ...], file: str) -> Any:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            if ref in seen:  # a recursive schema: keep the reference, compared by name
                return {"$ref": ref, ORIGIN: pointer}
            if not ref.startswith("#"):
                reason = f"$ref {ref!r}: only local references (#/...) are supported"
                raise SpecError([Problem(file, pointer, reason)])
            try:
                target = resolve_pointer(document, ref)
            except (KeyError, IndexError, ValueError, TypeError):
                raise SpecError([Problem(file, pointer, f"$ref {ref!r} points nowhere")]) from None
            return _resolve(target, document, ref[1:], (*seen, ref), file)
        out = {str(k): _resolve(v, document, f"{pointer}/{escape(k)}", seen, file) for k, v in node.items()}
        out[ORIGIN] = pointer
        return out
    if isinstance(node, list):
        return [_resolve(v, document, f"{pointer}/{i}", seen, file) for i, v in enumerate(node)]
    return node


def _members(node: Any) -> list[tuple[str, dict[str, Any]]]:
    if not isinstance(node, dict):
        return []
    return [(str(k), v) for k, v in node.items() if k != ORIGIN and isinstance(v, dict)]


def _items(node: Any) -> list[Any]:
    return node if isinstance(node, list) else []


def _operation(path: str, method: str, op: dict[str, Any], shared: Any, default_security: Any) -> Operation:
    positions = {name: i for i, name in enumerate(_TEMPLATE_PARAM.findall(path))}
    parameters: dict[tuple[str, str], Parameter] = {}
    for raw in [*_items(shared), *_items(op.get("parameters"))]:  # operation-level ones override path-level ones
        if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
            continue
        name, location = raw["name"], str(raw.get("in", ""))
        if location == "path":
            key = (location, f"#{positions.get(name, name)}")
        else:
            key = (location, name.lower() if location == "header" else name)
        schema = raw.get("schema")
        if schema is None:  # content-style parameter
            schema = next((m.get("schema") for _, m in _members(raw.get("content"))), None)
        required = bool(raw.get("required")) or location == "path"
        parameters[key] = Parameter(name, location, required, normalize_schema(schema), raw, raw.get(ORIGIN, ""))
    body = op.get("requestBody")
    request_body = None
    if isinstance(body, dict):
        request_body = RequestBody(bool(body.get("required")), _content(body), body.get(ORIGIN, ""))
    responses = {}
    for status, response in _members(op.get("responses")):
        headers = {
            name.lower(): Header(name, bool(h.get("required")), normalize_schema(h.get("schema")), h.get(ORIGIN, ""))
            for name, h in _members(response.get("headers"))
        }
        responses[status.upper()] = Response(status, _content(response), headers, response.get(ORIGIN, ""))
    security = op.get("security", default_security)
    return Operation(
        method=method,
        path=path,
        pointer=op.get(ORIGIN, ""),
        raw=op,
        parameters=parameters,
        request_body=request_body,
        responses=responses,
        security=_security(security),
    )


def _content(node: dict[str, Any]) -> dict[str, MediaType]:
    return {
        name.lower(): MediaType(name, normalize_schema(media.get("schema")), media.get(ORIGIN, ""))
        for name, media in _members(node.get("content"))
    }


def _security(requirements: Any) -> tuple[frozenset[tuple[str, frozenset[str]]], ...]:
    """Alternatives (OR) of requirements (AND of schemes with their scopes); `{}` is the anonymous alternative."""
    out = []
    for alternative in requirements if isinstance(requirements, list) else []:
        if isinstance(alternative, dict):
            out.append(
                frozenset(
                    (name, frozenset(map(str, _items(scopes))))
                    for name, scopes in alternative.items()
                    if name != ORIGIN
                )
            )
    return tuple(dict.fromkeys(out))
