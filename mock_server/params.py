"""This module contains the coercion of parameter values (text in a URL or header) to the JSON values their schema
describes, for the schemas connexion 3.3 cannot coerce: no top-level `type` (a oneOf/anyOf/allOf of scalar
branches, or no type at all), a list of types, or an array whose items are such a schema. connexion reads
`schema["type"]` of every parameter (a KeyError, so a 500) and would leave `"5"` a string that
`oneOf: [{type: integer}, {type: string, enum: [all]}]` refuses.

A value is coerced by trying the types the schema names (in its branches, its enum and const values) in the order
integer, number, boolean, string, and keeping the first converted value the whole schema accepts; when none is
accepted the text is kept, so validation says why. Pure functions: the caller supplies the schema check.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from connexion.utils import is_null, is_nullable

Schema = dict[str, Any]
Accepts = Callable[[Any, Schema], bool]
"""accepts(value, schema): whether the schema accepts the value."""

TYPE_ORDER = ("integer", "number", "boolean", "string")
_INTEGER = re.compile(r"[-+]?[0-9]+")
_NUMBER = re.compile(r"[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?")
_BRANCHES = ("oneOf", "anyOf", "allOf")


def param_schema(param: dict[str, Any]) -> Schema:
    """The schema of an OpenAPI 3 parameter ({} for one without, e.g. a `content` parameter)."""
    schema = param.get("schema")
    return schema if isinstance(schema, dict) else {}


def needs_coercion(param: dict[str, Any]) -> bool:
    """Whether connexion cannot coerce this parameter: its schema has no single top-level type, or it is an array
    whose items have none."""
    schema = param_schema(param)
    if not isinstance(schema.get("type"), str):
        return True
    items = schema.get("items")
    return schema["type"] == "array" and not (isinstance(items, dict) and isinstance(items.get("type"), str))


def coerce_param(value: Any, param: dict[str, Any], accepts: Accepts, *, split: bool = False) -> Any:
    """The parameter's value as its schema describes it: each item of an array (a string is split on commas first
    when `split`, as headers come), else the one value."""
    schema = param_schema(param)
    if is_nullable(param) and is_null(value):
        return None
    if schema.get("type") == "array":
        items = param_schema({"schema": schema.get("items")})
        parts = value.split(",") if split and isinstance(value, str) else value
        if not isinstance(parts, list):
            return value
        return [coerce_text(part, items, accepts) if isinstance(part, str) else part for part in parts]
    return coerce_text(value, schema, accepts) if isinstance(value, str) else value


def coerce_text(text: str, schema: Schema, accepts: Accepts) -> Any:
    """The first conversion of the text to one of the schema's types that the schema accepts, else the text."""
    for kind in candidate_types(schema):
        value = _convert(text, kind)
        if value is not None and accepts(value, schema):
            return value
    return text


def candidate_types(schema: Schema) -> list[str]:
    """The scalar types the schema names anywhere in its branches, in TYPE_ORDER; ["string"] when it names none."""
    found: set[str] = set()
    pending: list[Any] = [schema]
    while pending:
        node = pending.pop()
        if not isinstance(node, dict):
            continue
        kinds = node.get("type")
        found.update([kinds] if isinstance(kinds, str) else [k for k in kinds or [] if isinstance(k, str)])
        values = [*(node.get("enum") or []), *([node["const"]] if "const" in node else [])]
        found.update(_json_type(v) for v in values)
        for key in _BRANCHES:
            branches = node.get(key)
            pending.extend(branches if isinstance(branches, list) else [])
    return [kind for kind in TYPE_ORDER if kind in found] or ["string"]


def describe(schema: Schema) -> str | None:
    """What a value of a union of scalar branches must be ('an integer or "all"'); None for other schemas."""
    branches = next((schema[k] for k in ("oneOf", "anyOf") if isinstance(schema.get(k), list)), None)
    if not branches or "type" in schema:
        return None
    parts = [_describe_branch(b) for b in branches]
    if any(part is None for part in parts):
        return None
    return " or ".join(part for part in parts if part)


def _describe_branch(branch: Any) -> str | None:
    if not isinstance(branch, dict):
        return None
    if isinstance(branch.get("enum"), list):
        return " or ".join(json.dumps(v) for v in branch["enum"])
    if "const" in branch:
        return json.dumps(branch["const"])
    kind = branch.get("type")
    if kind in ("integer", "number"):
        low, high = branch.get("minimum"), branch.get("maximum")
        bounds = f" from {low} to {high}" if low is not None and high is not None else ""
        bounds = bounds or (
            f" of at least {low}" if low is not None else f" of at most {high}" if high is not None else ""
        )
        return f"{'an integer' if kind == 'integer' else 'a number'}{bounds}"
    if kind == "string" and isinstance(branch.get("pattern"), str):
        return f"a string matching {branch['pattern']}"
    if kind == "string" and isinstance(branch.get("format"), str):
        return f"a {branch['format']} string"
    names = {"boolean": "true or false", "string": "a string", "array": "a list", "object": "an object"}
    return names.get(kind) if isinstance(kind, str) else None


def _convert(text: str, kind: str) -> Any:
    """The text as a value of that JSON type, None when it is not one."""
    if kind == "integer":
        return int(text) if _INTEGER.fullmatch(text) else None
    if kind == "number":
        return float(text) if _NUMBER.fullmatch(text) else None
    if kind == "boolean":
        return {"true": True, "false": False}.get(text)
    return text if kind == "string" else None


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    return "string" if isinstance(value, str) else "null"
