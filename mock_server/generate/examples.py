"""This module contains what a spec's operations say about records: the includes joins of each resource and the
scalar values of the 2xx response examples, which are the most realistic values there are for a field without hints.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from mock_server.generate.schema import non_null, properties
from mock_server.model import ApiModel, Join
from mock_server.types import Schema


def model_joins(model: ApiModel) -> dict[str, dict[str, Join]]:
    """The includes joins of every resource (resource -> join name -> Join), from all its operations."""
    joins: dict[str, dict[str, Join]] = {}
    for op in model.operations.values():
        if op.includes is not None:
            joins.setdefault(op.resource, {}).update(op.includes.joins)
    return joins


def harvest_examples(model: ApiModel) -> dict[str, dict[str, list[Any]]]:
    """The scalar values of the 2xx response examples, per resource and field path ('a/*/b'), in document order.

    Views are mapped back to record fields (`rename`); embedded includes count for the joined resource.
    """
    found: dict[str, dict[str, list[Any]]] = {}
    joins = model_joins(model)
    for op in model.operations.values():
        if op.action not in ("list", "read"):
            continue
        envelope = op.envelope.data if op.envelope else None
        for item in _example_items(model, op.path, op.method, op.action, envelope):
            if not isinstance(item, dict):
                continue
            record: dict[str, Any] = {op.rename.get(str(k), str(k)): v for k, v in item.items()}
            for name, value in record.items():
                join = joins.get(op.resource, {}).get(name)
                if join is None:
                    _harvest(model.resources[op.resource].schema, {name: value}, "", found.setdefault(op.resource, {}))
                    continue
                target = model.resources[join.resource].schema
                for child in value if isinstance(value, list) else [value]:
                    _harvest(target, child, "", found.setdefault(join.resource, {}))
    return found


def _example_items(model: ApiModel, path: str, method: str, action: str, envelope: str | None) -> Iterator[Any]:
    response: dict[str, Any] = next(
        (
            r
            for status, r in (model.spec.resolved["paths"][path][method].get("responses") or {}).items()
            if str(status).startswith("2")
        ),
        {},
    )
    media = (response.get("content") or {}).get("application/json") or {}
    values = [media["example"]] if "example" in media else []
    values += [e["value"] for e in (media.get("examples") or {}).values() if isinstance(e, dict) and "value" in e]
    for value in values:
        body = value.get(envelope) if envelope and isinstance(value, dict) else value
        yield from (body if action == "list" and isinstance(body, list) else [body])


def _harvest(schema: Schema, value: Any, path: str, out: dict[str, list[Any]]) -> None:
    schema = non_null(schema)
    if isinstance(value, dict):
        props = properties(schema)
        extra = schema.get("additionalProperties")
        for key, sub in value.items():
            if key in props:
                _harvest(props[key], sub, f"{path}/{key}" if path else key, out)
            elif isinstance(extra, dict):
                _harvest(extra, sub, f"{path}/*", out)
    elif isinstance(value, list):
        for sub in value:
            _harvest(schema.get("items") or {}, sub, f"{path}/*", out)
    elif value is not None and path:
        values = out.setdefault(path, [])
        if value not in values:
            values.append(value)
