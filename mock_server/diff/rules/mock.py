"""This module contains the rules of area `mock`: `x-mock` / `x-mock-api` changes that change what the mock answers
(docs/spec-extensions.md). A real vendor ignores these annotations, a frontend developed against the mock does not."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from mock_server.diff.findings import Hit, rule
from mock_server.diff.normalize import Operation, escape, plain
from mock_server.diff.pairs import DocumentPair, OperationPair
from mock_server.diff.rules.show import show, show_change

_RESOURCE_KEYS = ("resource", "action", "lookup")
_SHAPE_KEYS = ("envelope", "view", "update")


def _mock(op: Operation) -> dict[str, Any]:
    annotation = plain(op.raw.get("x-mock"))
    return annotation if isinstance(annotation, dict) else {}


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _filters(op: Operation) -> dict[str, tuple[int, dict[str, Any]]]:
    filters = _mock(op).get("filters")
    items = filters if isinstance(filters, list) else []
    return {str(f.get("param")): (i, f) for i, f in enumerate(items) if isinstance(f, dict)}


def _changed(pair: OperationPair, key: str) -> Iterator[Hit]:
    old, new = _mock(pair.old).get(key), _mock(pair.new).get(key)
    if old is not None and old != new:
        if new is None:
            yield Hit(f"x-mock {key} removed (was {show(old)})", f"{pair.old.pointer}/x-mock/{key}", True)
        else:
            yield Hit(f"x-mock {key}: {show_change(old, new)}", f"{pair.new.pointer}/x-mock/{key}")


@rule(
    "mock-filter-removed",
    "warning",
    "mock",
    "a filter of the mock is removed: the parameter no longer filters",
    "operation",
)
def filter_removed(pair: OperationPair) -> Iterator[Hit]:
    new = _filters(pair.new)
    for param, (i, old) in _filters(pair.old).items():
        if param not in new:
            was = f"{old.get('field')} {old.get('op', 'eq')}"
            yield Hit(f"x-mock filter on {param} removed (was {was})", f"{pair.old.pointer}/x-mock/filters/{i}", True)


@rule(
    "mock-filter-changed", "warning", "mock", "a filter of the mock matches another field or another way", "operation"
)
def filter_changed(pair: OperationPair) -> Iterator[Hit]:
    new = _filters(pair.new)
    for param, (_, old) in _filters(pair.old).items():
        if param in new and old != new[param][1]:
            i, now = new[param]
            yield Hit(
                f"x-mock filter on {param}: {show_change(old, now)}",
                f"{pair.new.pointer}/x-mock/filters/{i}",
            )


@rule(
    "mock-sort-changed",
    "warning",
    "mock",
    "the mock's sort order or sort parameters are removed or changed",
    "operation",
)
def sort_changed(pair: OperationPair) -> Iterator[Hit]:
    yield from _changed(pair, "sort")


@rule("mock-paging-changed", "warning", "mock", "the mock's paging is removed or changed", "operation")
def paging_changed(pair: OperationPair) -> Iterator[Hit]:
    yield from _changed(pair, "paging")


@rule(
    "mock-include-changed", "warning", "mock", "an include of the mock is removed or joins other records", "operation"
)
def include_changed(pair: OperationPair) -> Iterator[Hit]:
    old, new = _mock(pair.old).get("includes"), _mock(pair.new).get("includes")
    if not isinstance(old, dict):
        return
    if not isinstance(new, dict) or old.get("param") != new.get("param"):
        yield from _changed(pair, "includes")
        return
    old_joins, new_joins = _mapping(old.get("joins")), _mapping(new.get("joins"))
    for name, join in old_joins.items():
        if name not in new_joins:
            where = f"{pair.old.pointer}/x-mock/includes/joins/{escape(name)}"
            yield Hit(f"x-mock include {name} removed (was {show(join)})", where, True)
        elif join != new_joins[name]:
            where = f"{pair.new.pointer}/x-mock/includes/joins/{escape(name)}"
            yield Hit(f"x-mock include {name}: {show_change(join, new_joins[name])}", where)


@rule(
    "mock-resource-changed",
    "warning",
    "mock",
    "the mock answers from another collection, with another action or lookup",
    "operation",
)
def resource_changed(pair: OperationPair) -> Iterator[Hit]:
    for key in _RESOURCE_KEYS:
        yield from _changed(pair, key)


@rule("mock-shape-changed", "warning", "mock", "the mock's envelope, view or update mapping changes", "operation")
def shape_changed(pair: OperationPair) -> Iterator[Hit]:
    for key in _SHAPE_KEYS:
        yield from _changed(pair, key)


def _api(pair: DocumentPair, old: bool) -> dict[str, Any]:
    annotation = plain((pair.old if old else pair.new).document.get("x-mock-api"))
    return annotation if isinstance(annotation, dict) else {}


@rule(
    "mock-api-name-changed",
    "warning",
    "mock",
    "x-mock-api name changes: the mock serves the API under another prefix and fixture file",
    "document",
)
def api_name_changed(pair: DocumentPair) -> Iterator[Hit]:
    old, new = _api(pair, True).get("name"), _api(pair, False).get("name")
    if old is not None and old != new:
        yield Hit(f"x-mock-api name changed from {show(old)} to {show(new)}", "/x-mock-api/name")


@rule(
    "mock-api-resource-changed",
    "warning",
    "mock",
    "an x-mock-api resource is removed or changes its schema, key or fields",
    "document",
)
def api_resource_changed(pair: DocumentPair) -> Iterator[Hit]:
    old, new = _mapping(_api(pair, True).get("resources")), _mapping(_api(pair, False).get("resources"))
    for name, resource in old.items():
        where = f"/x-mock-api/resources/{escape(name)}"
        if name not in new:
            yield Hit(f"x-mock-api resource {name} removed (was {show(resource)})", where, True)
        elif resource != new[name]:
            yield Hit(f"x-mock-api resource {name}: {show_change(resource, new[name])}", where)
