"""This module contains what generation does differently for a spec without vendor rules: child records point at
existing parents, and the spec's own examples become records where they fit the record schema.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import jsonschema_rs

from mock_server.model import ApiModel
from mock_server.types import Record, Schema


def parent_values(
    model: ApiModel, resource: str, records: dict[str, list[Record]], pick: Callable[[Sequence[Any]], Any]
) -> dict[str, Any]:
    """The parent field of a new child record, set to the key of an existing parent record ({} for no parent)."""
    parent = model.resources[resource].parent
    if parent is None or not records.get(parent.resource):
        return {}
    key = model.resources[parent.resource].key
    return {parent.field: pick(records[parent.resource])[key]}


def adopt_examples(model: ApiModel, records: dict[str, list[Record]], schemas: Callable[[str], Schema]) -> None:
    """Replace the first generated records of each resource by the spec's examples of that resource (the record
    schema's example, its read and list responses' examples) that validate against `schemas(resource)` and whose
    key is not taken; a child example keeps the parent of the record it replaces."""
    for name, resource in model.resources.items():
        existing = records.get(name) or []
        validator = jsonschema_rs.Draft4Validator(schemas(name))  # OpenAPI 3.0 schemas: Draft 4 bounds
        taken = {r.get(resource.key) for r in existing}
        position = 0
        for example in _examples(model, name):
            if position >= len(existing):
                break
            key = example.get(resource.key)
            if key is None or key in taken or not validator.is_valid(example):
                continue
            replaced = existing[position]
            if resource.parent is not None and resource.parent.field in replaced:
                example[resource.parent.field] = replaced[resource.parent.field]
                if not validator.is_valid(example):
                    continue
            taken.discard(replaced.get(resource.key))
            taken.add(key)
            existing[position] = example
            position += 1


def _examples(model: ApiModel, resource: str) -> Iterator[dict[str, Any]]:
    seen: list[Any] = []
    for value in _candidates(model, resource):
        if isinstance(value, dict) and value not in seen:
            seen.append(value)
            yield copy.deepcopy(value)


def _candidates(model: ApiModel, resource: str) -> Iterator[Any]:
    schema = model.resources[resource].schema
    if "example" in schema:
        yield schema["example"]
    paths = model.spec.resolved.get("paths") or {}
    for op in model.operations.values():
        if op.resource != resource or op.action not in ("read", "list"):
            continue
        data = op.envelope.data if op.envelope is not None else None
        for body in _response_examples(paths[op.path][op.method]):
            body = body.get(data) if data and isinstance(body, dict) else body
            yield from body if op.action == "list" and isinstance(body, list) else [body]


def _response_examples(operation: dict[str, Any]) -> Iterator[Any]:
    for status, response in (operation.get("responses") or {}).items():
        if not str(status).startswith("2") or not isinstance(response, dict):
            continue
        for media in (response.get("content") or {}).values():
            if not isinstance(media, dict):
                continue
            if "example" in media:
                yield media["example"]
            for example in (media.get("examples") or {}).values():
                if isinstance(example, dict) and "value" in example:
                    yield example["value"]
            schema = media.get("schema")
            if isinstance(schema, dict) and "example" in schema:
                yield schema["example"]
        return
