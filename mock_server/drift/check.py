"""This module contains the schema check of drift: one JSON value against one raw OpenAPI 3.0 schema -> observations.

It reads the raw document (following `$ref` itself) so that every observation names the schema node a proposal would
change (`schema`, a JSON pointer into the spec file), beside the place in the response body (`location`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from mock_server.drift.values import breaks_format, breaks_pattern, looks_sensitive, matches_type, type_name
from mock_server.specs import resolve_pointer
from mock_server.types import Document

MISSING = object()


@dataclass(frozen=True, slots=True)
class Observation:
    """One deviation seen in one response."""

    kind: str
    location: str
    schema: str
    """JSON pointer of the spec node that says otherwise (the node a proposal changes)."""
    expected: str
    observed: Any
    """A JSON type name, or the value itself for enum values (a scalar), status codes and media types."""
    value: Any = MISSING
    """The value seen (for the example and the inferred shape); MISSING when there is none."""
    media_type: str = ""
    """For undeclared statuses and content types: the media type of the body (empty when there was none)."""

    @property
    def has_value(self) -> bool:
        return self.value is not MISSING


@dataclass
class Visit:
    """Everything one check of a body produced: observations, and the optional properties documented and seen."""

    observations: list[Observation] = field(default_factory=list)
    optional: dict[str, str] = field(default_factory=dict)
    """location of a documented optional property -> the pointer of its schema."""
    seen: set[str] = field(default_factory=set)

    def rank(self, location: str) -> tuple[int, int, int, int]:
        """How badly a try of an anyOf branch fits: deviations of the value itself first (the branch is of
        another kind of value), then errors, warnings and infos anywhere below."""
        counts = {"error": 0, "warning": 0, "info": 0}
        at_root = 0
        for obs in self.observations:
            counts[SEVERITY[obs.kind]] += 1
            at_root += obs.location == location and SEVERITY[obs.kind] != "info"
        return at_root, counts["error"], counts["warning"], counts["info"]

    def extend(self, other: Visit) -> None:
        self.observations += other.observations
        self.optional.update(other.optional)
        self.seen |= other.seen


SEVERITY = {
    "undocumented_property": "info",
    "missing_required": "error",
    "type_mismatch": "error",
    "enum_value": "warning",
    "format_mismatch": "warning",
    "undeclared_status": "warning",
    "undeclared_content_type": "warning",
    "missing_header": "error",
    "undocumented_header": "info",
    "never_seen": "info",
    "unmatched_path": "info",
}
"""Every finding kind and its severity for a client of the API."""


def escape(name: str) -> str:
    """One JSON pointer segment."""
    return name.replace("~", "~0").replace("/", "~1")


def deref(document: Document, node: Any, pointer: str) -> tuple[Any, str]:
    """Follow `$ref` chains: the node they end at and its pointer (a broken or cyclic ref ends the chain)."""
    seen: set[str] = set()
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"] not in seen:
        ref = node["$ref"]
        seen.add(ref)
        try:
            node, pointer = resolve_pointer(document, ref), ref[1:]
        except (KeyError, IndexError, ValueError):
            break
    return node, pointer


@dataclass
class _View:
    """A schema with its allOf members folded in: each constraint keeps the pointer of the node that states it."""

    site: str
    nullable: bool = False
    types: list[tuple[str, str]] = field(default_factory=list)
    enums: list[tuple[list[Any], str]] = field(default_factory=list)
    formats: list[tuple[str, str]] = field(default_factory=list)
    patterns: list[tuple[str, str]] = field(default_factory=list)
    properties: dict[str, tuple[Any, str]] = field(default_factory=dict)
    required: list[tuple[str, str]] = field(default_factory=list)
    additional: tuple[Any, str] | None = None
    items: tuple[Any, str] | None = None
    choices: list[list[tuple[Any, str]]] = field(default_factory=list)
    object_site: str | None = None
    """Where undocumented properties would be added: the first node with `properties`."""

    @property
    def is_object(self) -> bool:
        return bool(self.properties) or self.additional is not None or any(t == "object" for t, _ in self.types)


def _fold(document: Document, node: Any, pointer: str, view: _View, depth: int = 0) -> None:
    node, pointer = deref(document, node, pointer)
    if not isinstance(node, dict) or depth > 32:
        return
    view.nullable |= node.get("nullable") is True
    if isinstance(node.get("type"), str):
        view.types.append((node["type"], pointer))
    if isinstance(node.get("enum"), list):
        view.enums.append((node["enum"], pointer))
    if isinstance(node.get("format"), str):
        view.formats.append((node["format"], pointer))
    if isinstance(node.get("pattern"), str):
        view.patterns.append((node["pattern"], pointer))
    if isinstance(node.get("properties"), dict):
        if view.object_site is None:
            view.object_site = pointer
        for name, sub in node["properties"].items():
            view.properties.setdefault(name, (sub, f"{pointer}/properties/{escape(name)}"))
    for name in node.get("required") or ():
        view.required.append((name, pointer))
    if "additionalProperties" in node and view.additional is None:
        view.additional = (node["additionalProperties"], f"{pointer}/additionalProperties")
    if "items" in node and view.items is None:
        view.items = (node["items"], f"{pointer}/items")
    for key in ("anyOf", "oneOf"):
        if isinstance(node.get(key), list):
            view.choices.append([(sub, f"{pointer}/{key}/{i}") for i, sub in enumerate(node[key])])
    for i, sub in enumerate(node.get("allOf") or ()):
        _fold(document, sub, f"{pointer}/allOf/{i}", view, depth + 1)


class Schemas:
    """A spec document with the folded view of each schema node it was asked for cached (views are never changed)."""

    def __init__(self, document: Document) -> None:
        self.document = document
        self._views: dict[tuple[str, int], tuple[Any, _View]] = {}

    def view(self, node: Any, pointer: str) -> _View:
        node, pointer = deref(self.document, node, pointer)
        cached = self._views.get((pointer, id(node)))
        if cached is not None and cached[0] is node:
            return cached[1]
        view = _View(site=pointer)
        _fold(self.document, node, pointer, view)
        self._views[(pointer, id(node))] = (node, view)
        return view


def _accepts_null(schemas: Schemas, view: _View) -> bool:
    if view.nullable:
        return True
    if view.types or view.enums:
        return False
    return all(any(_accepts_null(schemas, schemas.view(s, p)) for s, p in group) for group in view.choices)


def _describe(view: _View) -> str:
    kinds = sorted({t for t, _ in view.types})
    if kinds:
        return "type " + " & ".join(kinds)
    if view.choices:
        return "one of the declared schemas (anyOf/oneOf)"
    return "a value"


def check_value(schemas: Schemas | Document, schema: Any, pointer: str, value: Any, location: str = "") -> Visit:
    """Check one value against the schema at pointer; every deviation becomes an observation."""
    visit = Visit()
    _check(schemas if isinstance(schemas, Schemas) else Schemas(schemas), schema, pointer, value, location, visit, 0)
    return visit


def _check(schemas: Schemas, schema: Any, pointer: str, value: Any, location: str, visit: Visit, depth: int) -> None:
    if depth > 64:
        return
    view = schemas.view(schema, pointer)
    out = visit.observations
    if value is None:
        if not _accepts_null(schemas, view):
            out.append(Observation("type_mismatch", location, view.site, _describe(view), "null", value))
        return
    mismatched = [(t, p) for t, p in view.types if not matches_type(value, t)]
    if mismatched:
        declared, where = mismatched[0]
        out.append(Observation("type_mismatch", location, where, f"type {declared}", type_name(value), value))
        return
    for allowed, where in view.enums:
        if not any(_same(value, a) for a in allowed):
            out.append(Observation("enum_value", location, where, f"enum {_enum_text(allowed)}", _scalar(value), value))
    for fmt, where in view.formats:
        if breaks_format(value, fmt):
            out.append(Observation("format_mismatch", location, where, f"format {fmt}", type_name(value), value))
    if isinstance(value, str):
        for pattern, where in view.patterns:
            if breaks_pattern(value, pattern):
                out.append(Observation("format_mismatch", location, where, f"pattern {pattern}", "string", value))
    for group in view.choices:
        visit.extend(_best_branch(schemas, group, value, location, depth))
    if isinstance(value, dict) and view.is_object:
        _check_object(schemas, view, value, location, visit, depth)
    elif isinstance(value, list) and view.items is not None:
        items, where = view.items
        for item in value:
            _check(schemas, items, where, item, f"{location}/*", visit, depth + 1)


def _check_object(
    schemas: Schemas, view: _View, value: dict[str, Any], location: str, visit: Visit, depth: int
) -> None:
    required = {name for name, _ in view.required}
    for name, where in view.required:
        if name not in value:
            visit.observations.append(
                Observation("missing_required", f"{location}/{escape(name)}", where, "required", "absent")
            )
    for name, (_, where) in view.properties.items():
        if name not in required:
            visit.optional[f"{location}/{escape(name)}"] = where
    extra, extra_where = view.additional if view.additional is not None else (None, "")
    is_map = isinstance(extra, dict) and bool(extra)
    for name, member in value.items():
        if name in view.properties:
            sub, where = view.properties[name]
            visit.seen.add(f"{location}/{escape(name)}")
            _check(schemas, sub, where, member, f"{location}/{escape(name)}", visit, depth + 1)
        elif is_map:
            _check(schemas, extra, extra_where, member, f"{location}/*", visit, depth + 1)
        else:
            segment = "*" if looks_sensitive(name) else escape(name)
            site = view.object_site or view.site
            visit.observations.append(
                Observation(
                    "undocumented_property", f"{location}/{segment}", site, "not documented", type_name(member), member
                )
            )


def _best_branch(schemas: Schemas, group: list[tuple[Any, str]], value: Any, location: str, depth: int) -> Visit:
    """The branch of an anyOf/oneOf that fits the value best (fewest errors, then warnings, then infos)."""
    tries = []
    for sub, where in group:
        attempt = Visit()
        _check(schemas, sub, where, value, location, attempt, depth + 1)
        tries.append(attempt)
    return min(tries, key=lambda attempt: attempt.rank(location)) if tries else Visit()


def _same(value: Any, allowed: Any) -> bool:
    if isinstance(value, bool) or isinstance(allowed, bool):
        return value is allowed
    return bool(value == allowed)


def _scalar(value: Any) -> Any:
    return type_name(value) if isinstance(value, (dict, list)) else value


def _enum_text(allowed: list[Any]) -> str:
    return "[" + ", ".join("null" if a is None else str(a) for a in allowed) + "]"


def iter_headers(document: Document, response: Any, pointer: str) -> Iterator[tuple[str, Any, str]]:
    """(name, header object, pointer) of every header a response object declares (Content-Type excluded)."""
    response, pointer = deref(document, response, pointer)
    if not isinstance(response, dict):
        return
    for name, header in (response.get("headers") or {}).items():
        if str(name).lower() == "content-type":
            continue
        header, where = deref(document, header, f"{pointer}/headers/{escape(name)}")
        yield str(name), header, where
