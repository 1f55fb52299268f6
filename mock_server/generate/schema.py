"""This module contains readings of a (resolved) JSON Schema: allOf merged in, the non-null branch, the type, and
the bounds and sizes of values, with the defaults used where the schema gives none.
"""

from __future__ import annotations

from mock_server.types import Schema

INTEGER_RANGE = (1, 9999)
NUMBER_RANGE = (1.0, 500.0)
EXTRA_ITEMS = 2
"""Arrays and maps get between their minimum (at least 1) and this many more entries."""


def merge_all_of(schema: Schema) -> Schema:
    """The schema with its allOf parts merged in (properties and required combined; outer keywords win)."""
    if "allOf" not in schema:
        return schema
    merged: Schema = {k: v for k, v in schema.items() if k != "allOf"}
    for part in schema["allOf"]:
        part = merge_all_of(part)
        for key, value in part.items():
            if key == "properties":
                merged["properties"] = {**merged.get("properties", {}), **value}
            elif key == "required":
                merged["required"] = [*merged.get("required", []), *value]
            else:
                merged.setdefault(key, value)
    return merged


def properties(schema: Schema) -> dict[str, Schema]:
    """The properties of an object schema, allOf parts included; empty for anything else."""
    props = merge_all_of(schema).get("properties") or {}
    return props if isinstance(props, dict) else {}


def non_null(schema: Schema) -> Schema:
    """The schema without its null alternative: anyOf/oneOf [X, null] -> X (merged with the outer keywords)."""
    schema = merge_all_of(schema)
    branches = schema.get("anyOf") or schema.get("oneOf")
    if not branches:
        return schema
    outer = {k: v for k, v in schema.items() if k not in ("anyOf", "oneOf")}
    candidates = [b for b in branches if not _is_null_branch(b)] or branches
    return {**merge_all_of(candidates[0]), **outer}


def is_nullable(schema: Schema) -> bool:
    """Whether the schema allows null (`nullable: true` or a null branch of anyOf/oneOf)."""
    branches = schema.get("anyOf") or schema.get("oneOf") or []
    return schema.get("nullable") is True or any(_is_null_branch(b) for b in branches)


def _is_null_branch(schema: Schema) -> bool:
    return schema.get("type") == "null" or schema.get("enum") == [None]


def type_of(schema: Schema) -> str:
    """The schema's (non-null) type, inferred from its keywords when it names none; 'string' by default."""
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if isinstance(kind, str):
        return kind
    if "properties" in schema or "additionalProperties" in schema:
        return "object"
    if "items" in schema:
        return "array"
    return "string"


def bounds(schema: Schema, default: tuple[float, float]) -> tuple[float, float]:
    """The inclusive (low, high) of a number or integer; ValueError if the schema's bounds leave no value."""
    low = schema.get("minimum", default[0])
    high = schema.get("maximum", max(low, default[1]) if "minimum" in schema else default[1])
    step = 1 if type_of(schema) == "integer" else 0.01
    if schema.get("exclusiveMinimum") is True:
        low += step
    if schema.get("exclusiveMaximum") is True:
        high -= step
    if low > high:
        raise ValueError(f"minimum {low} is above maximum {high}")
    return low, high


def lengths(schema: Schema) -> tuple[int, int]:
    """(minimum length, number of possible lengths) of an array or map."""
    low: int = schema["minItems"] if "minItems" in schema else schema.get("minProperties", 1)
    high: int = schema["maxItems"] if "maxItems" in schema else schema.get("maxProperties", low + EXTRA_ITEMS)
    return low, max(low, min(high, low + EXTRA_ITEMS)) - low + 1


def is_unhinted(schema: Schema) -> bool:
    """Whether the schema has none of the keywords that shape a scalar (format, pattern, default, bounds)."""
    return not any(
        key in schema
        for key in ("format", "pattern", "x-mock-format", "default", "minimum", "maximum", "minLength", "maxLength")
    )
