"""This module contains the schema rules: one check per kind of change, registered once per position where a
client feels it (request parameter, request body property, response body property, response header).

Seen from a client: a request may not become stricter (type, enum, bounds, pattern, format, required), a
response may not become looser (type, enum, nullable, optional, removed).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from mock_server.diff.findings import Area, Hit, Level, register
from mock_server.diff.normalize import plain
from mock_server.diff.pairs import SchemaPair, Where, origin
from mock_server.diff.rules.show import show, show_set

_LOWER_BOUNDS = ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties")
_UPPER_BOUNDS = ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties")
SchemaCheck = Callable[[SchemaPair], Iterator[Hit]]


PARAMETER: frozenset[Where] = frozenset({"parameter"})
BODY: frozenset[Where] = frozenset({"request-body"})
RESPONSE: frozenset[Where] = frozenset({"response-body"})
HEADER: frozenset[Where] = frozenset({"response-header"})
ANY_RESPONSE: frozenset[Where] = RESPONSE | HEADER
ANYWHERE: frozenset[Where] = PARAMETER | BODY | ANY_RESPONSE
_REQUEST_SIDES: tuple[tuple[str, Area, frozenset[Where], str], ...] = (
    ("request-parameter", "parameters", PARAMETER, "a request parameter"),
    ("request-property", "request-body", BODY, "a request body property"),
)


def _only(where: frozenset[Where], check: SchemaCheck) -> SchemaCheck:
    def scoped(pair: SchemaPair) -> Iterator[Hit]:
        if pair.where in where:
            yield from check(pair)

    return scoped


def schema_rule(
    rule_id: str, level: Level, area: Area, where: frozenset[Where], what: str
) -> Callable[[SchemaCheck], SchemaCheck]:
    """Register the check as a rule for the schema positions in `where`."""

    def decorate(check: SchemaCheck) -> SchemaCheck:
        register(rule_id, level, area, what, "schema", _only(where, check))
        return check

    return decorate


def request_rule(suffix: str, level: Level, what: str) -> Callable[[SchemaCheck], SchemaCheck]:
    """Register the check twice: `request-parameter-<suffix>` and `request-property-<suffix>`."""

    def decorate(check: SchemaCheck) -> SchemaCheck:
        for prefix, area, where, noun in _REQUEST_SIDES:
            schema_rule(f"{prefix}-{suffix}", level, area, where, f"{noun}: {what}")(check)
        return check

    return decorate


def _enum(schema: dict[str, Any]) -> list[Any] | None:
    enum = schema.get("enum")
    return enum if isinstance(enum, list) else None


def _minus(a: list[Any], b: list[Any]) -> list[Any]:
    return [v for v in a if v not in b]


@request_rule("type-changed", "error", "its type changes")
@schema_rule("response-property-type-changed", "error", "responses", RESPONSE, "a response property's type changes")
@schema_rule("response-header-type-changed", "error", "headers", HEADER, "a response header's type changes")
def type_changed(pair: SchemaPair) -> Iterator[Hit]:
    old, new = pair.old.get("type"), pair.new.get("type")
    if old is not None and new is not None and old != new:
        yield Hit(f"{pair.subject}: type changed from {show(old)} to {show(new)}", origin(pair.new))


@request_rule("format-changed", "error", "its format is added or changes")
@schema_rule(
    "response-property-format-changed", "warning", "responses", RESPONSE, "a response property's format changes"
)
def format_changed(pair: SchemaPair) -> Iterator[Hit]:
    old, new = pair.old.get("format"), pair.new.get("format")
    if old != new and (new is not None or not pair.request):  # a request format dropped accepts more
        yield Hit(f"{pair.subject}: format changed from {show(old)} to {show(new)}", origin(pair.new))


@request_rule("enum-narrowed", "error", "an enum value is removed, or an enum added")
def enum_narrowed(pair: SchemaPair) -> Iterator[Hit]:
    old, new = _enum(pair.old), _enum(pair.new)
    if new is not None and old is None:
        yield Hit(f"{pair.subject}: enum {show(new)} added (any value was accepted)", origin(pair.new))
    elif new is not None and old is not None and _minus(old, new):
        yield Hit(f"{pair.subject}: enum value(s) {show_set(_minus(old, new))} removed", origin(pair.new))


@request_rule("enum-widened", "info", "an enum value is added, or the enum dropped")
def enum_widened(pair: SchemaPair) -> Iterator[Hit]:
    old, new = _enum(pair.old), _enum(pair.new)
    if old is not None and new is None:
        yield Hit(f"{pair.subject}: enum {show(old)} dropped (any value is accepted)", origin(pair.new))
    elif new is not None and old is not None and _minus(new, old):
        yield Hit(f"{pair.subject}: enum value(s) {show_set(_minus(new, old))} added", origin(pair.new))


@schema_rule(
    "response-enum-value-added",
    "warning",
    "responses",
    ANY_RESPONSE,
    "a response enum value is added, or the enum dropped: exhaustive switches break",
)
def response_enum_added(pair: SchemaPair) -> Iterator[Hit]:
    old, new = _enum(pair.old), _enum(pair.new)
    if old is not None and new is None:
        yield Hit(f"{pair.subject}: enum {show(old)} dropped (any value may come)", origin(pair.new))
    elif new is not None and old is not None and _minus(new, old):
        yield Hit(f"{pair.subject}: enum value(s) {show_set(_minus(new, old))} added", origin(pair.new))


@schema_rule(
    "response-enum-value-removed", "info", "responses", ANY_RESPONSE, "a response enum value is no longer sent"
)
def response_enum_removed(pair: SchemaPair) -> Iterator[Hit]:
    old, new = _enum(pair.old), _enum(pair.new)
    if new is not None and (old is None or _minus(old, new)):
        removed = "(no enum before)" if old is None else show_set(_minus(old, new))
        yield Hit(f"{pair.subject}: enum value(s) {removed} no longer sent; now {show(new)}", origin(pair.new))


def _bound(value: Any) -> bool:
    return value is None or isinstance(value, int | float)  # booleans too: OAS 3.0 exclusiveMinimum: true


def _bound_changes(pair: SchemaPair) -> Iterator[tuple[bool, str]]:
    """(narrower, description) per bound that changed."""
    for key in (*_LOWER_BOUNDS, *_UPPER_BOUNDS):
        old, new = pair.old.get(key), pair.new.get(key)
        if old == new:
            continue
        if not (_bound(old) and _bound(new)):
            continue  # not a bound a validator would use
        if isinstance(old, bool) or isinstance(new, bool):  # OAS 3.0 exclusiveMinimum/-Maximum: true
            yield bool(new), f"{key} changed from {show(old)} to {show(new)}"
        elif old is None:
            yield True, f"{key} {show(new)} added"
        elif new is None:
            yield False, f"{key} {show(old)} dropped"
        else:
            raised = new > old
            yield raised == (key in _LOWER_BOUNDS), f"{key} {'raised' if raised else 'lowered'} from {old} to {new}"
    old_step, new_step = pair.old.get("multipleOf"), pair.new.get("multipleOf")
    if old_step != new_step:
        yield new_step is not None, f"multipleOf changed from {show(old_step)} to {show(new_step)}"


@request_rule("bounds-narrowed", "error", "a min/max, length, items bound or multipleOf is added or tightened")
def bounds_narrowed(pair: SchemaPair) -> Iterator[Hit]:
    for narrower, what in _bound_changes(pair):
        if narrower:
            yield Hit(f"{pair.subject}: {what}", origin(pair.new))


@request_rule("bounds-widened", "info", "a bound is dropped or loosened")
def bounds_widened(pair: SchemaPair) -> Iterator[Hit]:
    for narrower, what in _bound_changes(pair):
        if not narrower:
            yield Hit(f"{pair.subject}: {what}", origin(pair.new))


@request_rule("pattern-added", "error", "a pattern is added")
def pattern_added(pair: SchemaPair) -> Iterator[Hit]:
    if pair.old.get("pattern") is None and pair.new.get("pattern") is not None:
        yield Hit(f"{pair.subject}: pattern {show(pair.new['pattern'])} added", origin(pair.new))


@request_rule("pattern-changed", "error", "its pattern changes")
def pattern_changed(pair: SchemaPair) -> Iterator[Hit]:
    old, new = pair.old.get("pattern"), pair.new.get("pattern")
    if old is not None and new is not None and old != new:
        yield Hit(f"{pair.subject}: pattern changed from {show(old)} to {show(new)}", origin(pair.new))


@request_rule("pattern-removed", "info", "its pattern is dropped")
def pattern_removed(pair: SchemaPair) -> Iterator[Hit]:
    if pair.old.get("pattern") is not None and pair.new.get("pattern") is None:
        yield Hit(f"{pair.subject}: pattern {show(pair.old['pattern'])} dropped", origin(pair.new))


@request_rule("default-changed", "warning", "its default value changes or is dropped")
def default_changed(pair: SchemaPair) -> Iterator[Hit]:
    old, new = pair.old.get("default"), pair.new.get("default")
    if "default" in pair.old and old != new:
        yield Hit(f"{pair.subject}: default changed from {show(old)} to {show(new)}", origin(pair.new))


@schema_rule(
    "request-property-nullable-removed", "error", "request-body", BODY, "a request body property no longer accepts null"
)
def nullable_removed(pair: SchemaPair) -> Iterator[Hit]:
    if pair.old.get("nullable") is True and pair.new.get("nullable") is not True:
        yield Hit(f"{pair.subject}: null no longer accepted (was nullable)", origin(pair.new))


@schema_rule("response-property-made-nullable", "error", "responses", RESPONSE, "a response property may now be null")
def made_nullable(pair: SchemaPair) -> Iterator[Hit]:
    if pair.new.get("nullable") is True and pair.old.get("nullable") is not True:
        yield Hit(f"{pair.subject}: may now be null (was not nullable)", origin(pair.new))


def _required(schema: dict[str, Any]) -> list[Any]:
    required = schema.get("required")
    return required if isinstance(required, list) else []


@schema_rule("response-property-removed", "error", "responses", RESPONSE, "a response property is removed")
@schema_rule(
    "request-property-removed",
    "warning",
    "request-body",
    BODY,
    "a request body property is removed (a strict server rejects it)",
)
def property_removed(pair: SchemaPair) -> Iterator[Hit]:
    new = pair.properties(pair.new)
    for name, schema in pair.properties(pair.old).items():
        if name not in new:
            kind = show(schema.get("type")) if "type" in schema else "any type"
            yield Hit(f"{pair.context} property {pair.child(name)} ({kind}) removed", origin(schema), True)


def _added(pair: SchemaPair, *, required: bool) -> Iterator[Hit]:
    old = pair.properties(pair.old)
    for name, schema in pair.properties(pair.new).items():
        if name not in old and (name in _required(pair.new)) == required:
            state = "required" if required else "optional"
            yield Hit(f"{pair.context} property {pair.child(name)} added, {state}", origin(schema))


@schema_rule(
    "request-property-added-required", "error", "request-body", BODY, "a required request body property is added"
)
def property_added_required(pair: SchemaPair) -> Iterator[Hit]:
    yield from _added(pair, required=True)


@schema_rule(
    "request-property-added-optional", "info", "request-body", BODY, "an optional request body property is added"
)
def property_added_optional(pair: SchemaPair) -> Iterator[Hit]:
    yield from _added(pair, required=False)


@schema_rule("response-property-added", "info", "responses", RESPONSE, "a response property is added")
def property_added(pair: SchemaPair) -> Iterator[Hit]:
    yield from _added(pair, required=True)
    yield from _added(pair, required=False)


def _requiredness(pair: SchemaPair, *, now_required: bool) -> Iterator[Hit]:
    old_props, new_props = pair.properties(pair.old), pair.properties(pair.new)
    old_req, new_req = _required(pair.old), _required(pair.new)
    for name, schema in new_props.items():
        if name in old_props and (name in old_req) != now_required and (name in new_req) == now_required:
            change = "now required (was optional)" if now_required else "now optional (was required)"
            yield Hit(f"{pair.context} property {pair.child(name)}: {change}", origin(schema))


@schema_rule(
    "request-property-made-required", "error", "request-body", BODY, "a request body property becomes required"
)
def property_made_required(pair: SchemaPair) -> Iterator[Hit]:
    yield from _requiredness(pair, now_required=True)


@schema_rule(
    "response-property-made-optional", "error", "responses", RESPONSE, "a required response property becomes optional"
)
def property_made_optional(pair: SchemaPair) -> Iterator[Hit]:
    yield from _requiredness(pair, now_required=False)


@schema_rule("schema-description-changed", "info", "schema", ANYWHERE, "a schema's description changes")
def description_changed(pair: SchemaPair) -> Iterator[Hit]:
    old, new = pair.old.get("description"), pair.new.get("description")
    if old != new:
        yield Hit(f"{pair.subject}: description changed from {show(old)} to {show(new)}", origin(pair.new))


def _variants(schema: dict[str, Any], key: str) -> dict[str, dict[str, Any]]:
    branches = schema.get(key)
    if not isinstance(branches, list):
        return {}
    return {json.dumps(plain(b), sort_keys=True, default=str): b for b in branches if isinstance(b, dict)}


def _variant_name(branch: dict[str, Any]) -> str:
    where = origin(branch)
    if where.startswith("/components/schemas/"):
        return where.rsplit("/", 1)[-1]
    return str(branch.get("title") or show(branch.get("type", "object")))


@schema_rule(
    "schema-variant-changed",
    "warning",
    "schema",
    ANYWHERE,
    "a oneOf/anyOf variant is removed (a request built for it is rejected) or added (a response may take a new shape)",
)
def variant_changed(pair: SchemaPair) -> Iterator[Hit]:
    for key in ("oneOf", "anyOf"):
        old, new = _variants(pair.old, key), _variants(pair.new, key)
        for identity, branch in old.items():
            if identity not in new:
                yield Hit(
                    f"{pair.subject}: {key} variant {_variant_name(branch)} removed or changed", origin(branch), True
                )
        for identity, branch in new.items():
            if identity not in old:
                yield Hit(f"{pair.subject}: {key} variant {_variant_name(branch)} added or changed", origin(branch))
