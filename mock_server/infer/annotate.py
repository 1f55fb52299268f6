"""This module contains the completion of a spec's annotations: every operation without `x-mock` gets the inferred
one, every resource those need is added to `x-mock-api`, and what cannot be emulated is listed.

Explicit annotations always win: an annotated operation is left as it is, and an inferred pair whose operations
name an explicit resource uses that resource.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from mock_server.infer.document import Op, json_media, kind, operations, properties
from mock_server.infer.names import find_field
from mock_server.infer.queries import list_semantics, list_shape
from mock_server.infer.resources import Candidate, find_resources, segments
from mock_server.specs import Spec, resolve_pointer, resolve_refs
from mock_server.types import Document

ITEM_ACTIONS = {"get": "read", "put": "replace", "patch": "patch", "delete": "delete"}


@dataclass(frozen=True)
class Inference:
    """A completed document and what it does not emulate."""

    document: Document
    notes: tuple[str, ...]
    changed: bool


def complete_spec(spec: Spec) -> Spec:
    """The spec with its annotations completed (the spec itself when nothing is missing)."""
    inference = infer(spec.document, spec.name, spec.resolved)
    return dataclasses.replace(spec, document=inference.document) if inference.changed else spec


def infer(document: Document, name: str, resolved: Document | None = None) -> Inference:
    """Complete the x-mock-api / x-mock annotations of an OpenAPI 3.0 document."""
    resolved = resolve_refs(document, document, bounded=True) if resolved is None else resolved
    api = document.get("x-mock-api")
    explicit: dict[str, Any] = dict((api.get("resources") or {}) if isinstance(api, dict) else {})
    ops = list(operations(document, resolved))
    missing = [op for op in ops if not isinstance(op.raw.get("x-mock"), dict)]
    if isinstance(api, dict) and not missing:
        return Inference(document, (), False)
    candidates, notes = find_resources(document, ops, taken=explicit)
    candidates = [_aliased(document, c, ops, explicit) for c in candidates]
    mocks: dict[tuple[str, str], dict[str, Any]] = {}
    used: dict[str, Candidate] = {}
    for op in missing:
        mock, op_notes = _mock(op, candidates)
        mocks[(op.path, op.method)] = mock
        notes += op_notes
        resource = mock.get("resource")
        if resource is not None and resource not in explicit:
            used[resource] = next(c for c in candidates if c.name == resource)
    resources = {**explicit, **{c.name: _resource(c) for c in candidates if c.name in used}}
    completed = dict(document)
    completed["x-mock-api"] = {**(api if isinstance(api, dict) else {"name": name}), "resources": resources}
    paths = dict(document.get("paths") or {})
    for (path, method), mock in mocks.items():
        paths[path] = {**paths[path], method: {**paths[path][method], "x-mock": mock}}
    completed["paths"] = paths
    return Inference(completed, tuple(notes), True)


def _aliased(document: Document, candidate: Candidate, ops: list[Op], explicit: dict[str, Any]) -> Candidate:
    """The candidate as the explicit resource that an annotated operation on its paths names, if there is one."""
    for op in ops:
        mock = op.raw.get("x-mock")
        if op.path in (candidate.collection, candidate.item) and isinstance(mock, dict):
            name = mock.get("resource")
            if name in explicit and isinstance(explicit[name], dict):
                declared = explicit[name]
                ref = str(declared.get("schema", ""))
                try:
                    schema = resolve_refs(resolve_pointer(document, ref), document, bounded=True)
                except (KeyError, IndexError, ValueError):
                    schema = candidate.schema
                return dataclasses.replace(
                    candidate, name=name, schema_ref=ref, schema=schema, key=str(declared.get("key", "id")), parent=None
                )
    return candidate


def _resource(candidate: Candidate) -> dict[str, Any]:
    resource: dict[str, Any] = {"schema": candidate.schema_ref, "key": candidate.key}
    parent = candidate.parent
    if parent is not None:
        resource["parent"] = {"resource": parent.resource, "field": parent.field}
        if parent.hidden is not None:
            resource["hidden"] = {parent.field: parent.hidden}
    return resource


def _mock(op: Op, candidates: list[Candidate]) -> tuple[dict[str, Any], list[str]]:
    """The x-mock of one operation and its notes."""
    for candidate in candidates:
        if op.path == candidate.collection and op.method in ("get", "post"):
            mock, notes = _list(op, candidate) if op.method == "get" else _create(op, candidate)
        elif op.path == candidate.item and op.method in ITEM_ACTIONS:
            mock, notes = _item(op, candidate)
        else:
            continue
        if mock is not None:
            return mock, notes
        return {"action": "respond"}, notes
    return {"action": "respond"}, [
        f"{op.label}: outside any resource (answered with its 2xx example or a generated body)"
    ]


def _base(candidate: Candidate, action: str, op: Op | None = None) -> dict[str, Any]:
    mock: dict[str, Any] = {"resource": candidate.name, "action": action}
    if candidate.parent is not None:
        mock["parent"] = {"param": candidate.parent.param, "field": candidate.parent.field}
    found = op.response_schema() if op is not None and candidate.wrapper else None
    if found is not None and candidate.wrapper in properties(found[1]):
        mock["envelope"] = {"data": candidate.wrapper}  # a single record wrapped: {"data": {...}}
    return mock


def _list(op: Op, candidate: Candidate) -> tuple[dict[str, Any] | None, list[str]]:
    found = op.response_schema()
    shape = list_shape(found[1], candidate.name) if found is not None else None
    if shape is None:
        return None, [f"{op.label}: the 2xx response holds no JSON list of {candidate.name}; answered as declared"]
    semantics = list_semantics(op, candidate, shape)
    notes = [
        f"{op.label}: query parameter {name!r}: no rule matched (validated as declared, otherwise ignored)"
        for name in semantics.unmatched
    ]
    mock = {**_base(candidate, "list"), **semantics.mock}
    data = (mock.get("envelope") or {}).get("data")
    items = properties(found[1] if found else {}).get(data, {}) if data else (found[1] if found else {})
    return _with_view(mock, items.get("items") or {}, candidate), notes + _extra_path_params(op, candidate)


def _create(op: Op, candidate: Candidate) -> tuple[dict[str, Any] | None, list[str]]:
    if not _json_object_body(op):
        return None, [f"{op.label}: the request body is not a JSON object; answered as declared, nothing stored"]
    mock = _base(candidate, "create", op)
    success = op.success()
    headers = (success[1].get("headers") or {}) if success else {}
    if any(str(name).lower() == "location" for name in headers):
        mock["create"] = {"location": True}
    return _with_view(mock, _single(op, mock), candidate), _extra_path_params(op, candidate)


def _item(op: Op, candidate: Candidate) -> tuple[dict[str, Any] | None, list[str]]:
    action = ITEM_ACTIONS[op.method]
    if action in ("replace", "patch") and not _json_object_body(op):
        return None, [f"{op.label}: the request body is not a JSON object (merge patch); answered as declared"]
    mock = _base(candidate, action, op)
    mock["lookup"] = {"param": candidate.param, "field": candidate.key}
    return _with_view(mock, _single(op, mock), candidate), _extra_path_params(op, candidate)


def _single(op: Op, mock: dict[str, Any]) -> Any:
    """The schema of the one record a 2xx response holds (inside its wrapper, if any)."""
    found = op.response_schema()
    schema = found[1] if found else {}
    data = (mock.get("envelope") or {}).get("data")
    return properties(schema).get(data, {}) if data else schema


def _with_view(mock: dict[str, Any], item: Any, candidate: Candidate) -> dict[str, Any]:
    """The mock with a view renaming the response properties that name a record field by a variant (Id <- id)."""
    fields = properties(candidate.schema)
    rename: dict[str, str] = {}
    for name in properties(item):
        if name in fields:
            continue
        target = find_field(name, fields, candidate.name)
        if target is not None and target not in rename.values() and target not in properties(item):
            rename[name] = target
    return {**mock, "view": {"rename": rename}} if rename else mock


def _json_object_body(op: Op) -> bool:
    body = op.body_schema()
    if body is None:
        return False
    _, media, schema = body
    return json_media({media: {}}) is not None and "patch+json" not in media and kind(schema) in ("object", "")


def _extra_path_params(op: Op, candidate: Candidate) -> list[str]:
    """Path parameters that neither the lookup nor the parent scoping reads."""
    known = {candidate.param} | ({candidate.parent.param} if candidate.parent else set())
    return [
        f"{op.label}: path parameter {p['name']!r}: not used to scope the records (validated, otherwise ignored)"
        for p in op.params("path")
        if p["name"] not in known and f"{{{p['name']}}}" in segments(op.path)
    ]
