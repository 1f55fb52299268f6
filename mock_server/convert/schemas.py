"""This module contains walk_schemas: every schema object of an OpenAPI document, rewritten by a function."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mock_server.types import Schema

SchemaFn = Callable[[Schema, str], Schema]
"""Rewrites one schema object (its sub-schemas already rewritten); gets the schema's JSON pointer."""

_SUB_SCHEMA: tuple[str, ...] = ("items", "additionalProperties", "not", "additionalItems", "contains", "propertyNames")
_SUB_SCHEMA += ("if", "then", "else")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
_SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
_DATA_KEYS = frozenset({"example", "examples", "default", "enum", "const"})
"""Keys whose values are data, never schemas."""


def escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def walk_schema(schema: Any, pointer: str, fn: SchemaFn) -> Any:
    """The schema with every sub-schema (then itself) rewritten by fn, bottom-up."""
    if not isinstance(schema, dict):
        return schema
    out: Schema = {}
    for key, value in schema.items():
        where = f"{pointer}/{escape(key)}"
        if key in _SUB_SCHEMA and isinstance(value, dict):
            out[key] = walk_schema(value, where, fn)
        elif key in _SCHEMA_LISTS and isinstance(value, list):
            out[key] = [walk_schema(v, f"{where}/{i}", fn) for i, v in enumerate(value)]
        elif key in _SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {k: walk_schema(v, f"{where}/{escape(k)}", fn) for k, v in value.items()}
        else:
            out[key] = value
    return fn(out, pointer)


def walk_document(node: Any, pointer: str, fn: SchemaFn, schema_keys: frozenset[str] = frozenset({"schema"})) -> Any:
    """The document part with every schema under a `schema` key (parameters, headers, media types) rewritten;
    data (examples, defaults) and extensions are left alone."""
    if isinstance(node, list):
        return [walk_document(v, f"{pointer}/{i}", fn, schema_keys) for i, v in enumerate(node)]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        where = f"{pointer}/{escape(str(key))}"
        if key in schema_keys and isinstance(value, dict):
            out[key] = walk_schema(value, where, fn)
        elif key in _DATA_KEYS or str(key).startswith("x-"):
            out[key] = value
        else:
            out[key] = walk_document(value, where, fn, schema_keys)
    return out


def walk_all(document: dict[str, Any], fn: SchemaFn, schemas_at: tuple[str, ...]) -> dict[str, Any]:
    """The document with every schema rewritten: under `schema` keys and in the schema maps at these top-level
    paths ("components/schemas", "definitions")."""
    out: dict[str, Any] = walk_document(document, "", fn)
    for location in schemas_at:
        parent: Any = out
        parts = location.split("/")
        for part in parts[:-1]:
            parent = parent.get(part) if isinstance(parent, dict) else None
        if isinstance(parent, dict) and isinstance(parent.get(parts[-1]), dict):
            parent[parts[-1]] = {
                name: walk_schema(schema, f"/{location}/{escape(name)}", fn)
                for name, schema in document_at(document, location).items()
            }
    return out


def document_at(document: dict[str, Any], location: str) -> dict[str, Any]:
    node: Any = document
    for part in location.split("/"):
        node = node.get(part) if isinstance(node, dict) else None
    return node if isinstance(node, dict) else {}
