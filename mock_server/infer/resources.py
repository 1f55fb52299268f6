"""This module contains the resources of a plain spec: path pairs (`P` and `P/{param}`), each resource's record
schema, key field and, for nested pairs, its parent.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from mock_server.infer.document import Op, dereference, escape, kind, locate, properties
from mock_server.infer.names import find_field, singular
from mock_server.specs import resolve_pointer
from mock_server.types import Document, Schema

_PARAM = re.compile(r"\{([^{}]+)\}")
_NAME = re.compile(r"[^A-Za-z0-9_.-]+")


@dataclass(frozen=True)
class Parent:
    """How a child resource's records point at their parent record."""

    resource: str
    param: str
    """The path parameter (in the child's paths) that holds the parent key."""
    field: str
    """The record field that carries it."""
    hidden: Schema | None = None
    """The field's schema when it is not a property of the record schema (then a hidden field)."""


@dataclass(frozen=True)
class Candidate:
    """One inferred resource: a collection path, its item path and what its records look like."""

    name: str
    collection: str
    item: str
    param: str
    schema_ref: str
    schema: Schema
    key: str
    parent: Parent | None = None
    wrapper: str | None = None
    """The property single-record responses wrap the record in ({"data": {...}}), if they do."""


def segments(path: str) -> tuple[str, ...]:
    return tuple(s for s in path.split("/") if s)


def path_param(segment: str) -> str | None:
    match = _PARAM.fullmatch(segment)
    return match.group(1) if match else None


def find_resources(document: Document, ops: list[Op], taken: Iterable[str] = ()) -> tuple[list[Candidate], list[str]]:
    """The resources of the document's path pairs, parents before children, and notes on pairs that are none."""
    by_path: dict[tuple[str, ...], str] = {}
    for op in ops:
        by_path.setdefault(segments(op.path), op.path)
    pairs = sorted(
        (
            (by_path[segs[:-1]], path)
            for segs, path in by_path.items()
            if segs and path_param(segs[-1]) and segs[:-1] in by_path
        ),
        key=lambda pair: (len(segments(pair[1])), pair[1]),
    )
    names = _names([collection for collection, _ in pairs], taken)
    found: list[Candidate] = []
    notes: list[str] = []
    for (collection, item), name in zip(pairs, names, strict=True):
        candidate, note = _candidate(document, ops, name, collection, item, found)
        if candidate is not None:
            found.append(candidate)
        else:
            notes.append(note)
    return found, notes


def _candidate(
    document: Document, ops: list[Op], name: str, collection: str, item: str, earlier: list[Candidate]
) -> tuple[Candidate | None, str]:
    at = {(op.path, op.method): op for op in ops}
    param = path_param(segments(item)[-1]) or ""
    pointer = _record_pointer(document, at, collection, item)
    if pointer is None:
        return None, f"{collection} + {item}: no JSON object schema for the records (item GET, list or create body)"
    wrapper = None
    ref = locate(document, pointer)
    schema = _resolved(document, ref)
    key = _key(param, properties(schema), name)
    if key is None and (wrapper := wrapper_property(schema, name)) is not None:
        inner = property_pointer(document, pointer, wrapper)
        ref = locate(document, inner) if inner is not None else ref
        schema = _resolved(document, ref)
        key = _key(param, properties(schema), name)
    if key is None:
        return None, f"{collection} + {item}: no record field matches the key parameter {param!r}"
    parent = _parent(collection, name, key, properties(schema), ops, earlier)
    return Candidate(name, collection, item, param, ref, schema, key, parent, wrapper), ""


def _key(param: str, props: dict[str, Schema], name: str) -> str | None:
    """The key field: the item parameter's name, else `id`, else the property the parameter names (petId ~ id)."""
    return param if param in props else "id" if "id" in props else find_field(param, props, name)


WRAPPER_NAMES = ("data", "item", "result", "record", "object", "entity")


def wrapper_property(schema: Schema, resource: str) -> str | None:
    """The property a single-record response wraps its record in: data, item, result, ... or the resource's
    (singular) name, holding an object schema."""
    props = properties(schema)
    for name in (*WRAPPER_NAMES, singular(resource), resource):
        sub = props.get(name)
        if sub is not None and kind(sub) == "object" and properties(sub):
            return name
    return None


def _record_pointer(document: Document, at: dict[tuple[str, str], Op], collection: str, item: str) -> str | None:
    """The item GET's 2xx schema, else the list's item schema, else the create body (the first that is an object)."""
    tried: list[str] = []
    read, listing, create = at.get((item, "get")), at.get((collection, "get")), at.get((collection, "post"))
    if read is not None and (found := read.response_schema()) is not None:
        tried.append(found[0])
    if listing is not None and (found := listing.response_schema()) is not None:
        items = list_items_pointer(document, found[0])
        if items is not None:
            tried.append(items)
    if create is not None and (body := create.body_schema()) is not None and "json" in body[1]:
        tried.append(body[0])
    for pointer in tried:
        schema = _resolved(document, locate(document, pointer))
        if kind(schema) == "object" and properties(schema):
            return pointer
    return None


def list_items_pointer(document: Document, schema_pointer: str) -> str | None:
    """The pointer of a list response's item schema: a bare array's items, or the items of its one array property."""
    schema = _resolved(document, locate(document, schema_pointer))
    if kind(schema) == "array":
        return f"{schema_pointer}/items" if isinstance(schema.get("items"), dict) else None
    name = data_property(schema)
    if name is None:
        return None
    prop = property_pointer(document, schema_pointer, name)
    return f"{prop}/items" if prop is not None else None


LIST_NAMES = ("data", "items", "results", "records", "entries", "content", "elements", "values", "value", "list")


def data_property(schema: Schema, resource: str = "") -> str | None:
    """The array property of a list envelope that holds the records: the only one, else the best-named one."""
    arrays = [name for name, sub in properties(schema).items() if kind(sub) == "array"]
    if len(arrays) == 1:
        return arrays[0]
    for name in (*([resource] if resource else []), *LIST_NAMES):
        if name in arrays:
            return name
    return None


def property_pointer(document: Document, schema_pointer: str, name: str) -> str | None:
    """Where in the raw document property `name` of the schema at `schema_pointer` is declared (allOf etc. too)."""
    pointer = dereference(document, locate(document, schema_pointer))
    node = resolve_pointer(document, pointer)
    if not isinstance(node, dict):
        return None
    if name in (node.get("properties") or {}):
        return f"{pointer}/properties/{escape(name)}"
    for keyword in ("allOf", "anyOf", "oneOf"):
        for index, _ in enumerate(node.get(keyword) or []):
            found = property_pointer(document, f"{pointer}/{keyword}/{index}", name)
            if found is not None:
                return found
    return None


def _resolved(document: Document, pointer: str) -> Schema:
    from mock_server.specs import resolve_refs

    try:
        node = resolve_refs(resolve_pointer(document, pointer), document, bounded=True)
    except (KeyError, IndexError, ValueError):
        return {}
    return node if isinstance(node, dict) else {}


def _parent(
    collection: str, name: str, key: str, props: dict[str, Schema], ops: list[Op], earlier: list[Candidate]
) -> Parent | None:
    segs = segments(collection)
    best: Candidate | None = None
    for other in earlier:
        item = segments(other.item)
        if len(item) < len(segs) and segs[: len(item)] == _generic(item, segs):
            if best is None or len(item) > len(segments(best.item)):
                best = other
    if best is None:
        return None
    param = path_param(segs[len(segments(best.item)) - 1]) or best.param
    owner_field = f"{singular(best.name)}_id"
    field = next(
        (f for f in (find_field(param, props), find_field(owner_field, props)) if f is not None and f != key),
        None,
    )
    if field is not None:
        return Parent(best.name, param, field)
    schema = next(
        (p.get("schema") or {} for op in ops if op.path == collection for p in op.params("path") if p["name"] == param),
        {},
    )
    hidden = param if param != key and param not in props else owner_field
    return Parent(best.name, param, hidden, dict(schema) or {"type": "string"})


def _generic(item: tuple[str, ...], segs: tuple[str, ...]) -> tuple[str, ...]:
    """The item path's segments with its parameters renamed as in `segs` ({id} in /a/{id} ~ {aId} in /a/{aId}/b)."""
    return tuple(
        segs[i] if path_param(part) and i < len(segs) and path_param(segs[i]) else part for i, part in enumerate(item)
    )


def _names(collections: list[str], taken: Iterable[str]) -> list[str]:
    """A resource name per collection path: its last static segment, longer where two would clash."""
    static = [[_NAME.sub("_", s) for s in segments(c) if not path_param(s)] or ["records"] for c in collections]
    depth = [1] * len(static)
    used = set(taken)
    while True:
        names = ["_".join(parts[-d:]) for parts, d in zip(static, depth, strict=True)]
        clashes = {n for n in names if names.count(n) > 1 or n in used}
        grow = [i for i, n in enumerate(names) if n in clashes and depth[i] < len(static[i])]
        if not grow:
            break
        for i in grow:
            depth[i] += 1
    out: list[str] = []
    for name in names:
        unique, n = name, 2
        while unique in used:
            unique, n = f"{name}_{n}", n + 1
        used.add(unique)
        out.append(unique)
    return out
