"""This module contains the rules of area `parameters` that look at a parameter as a whole (its schema's changes
are in schema.py): removed, added, required or not, serialized differently."""

from __future__ import annotations

from collections.abc import Iterator

from mock_server.diff.findings import Hit, rule
from mock_server.diff.normalize import Parameter
from mock_server.diff.pairs import OperationPair
from mock_server.diff.rules.show import show

_SERIALIZATION = ("style", "explode", "allowReserved")


def _name(param: Parameter) -> str:
    return f"parameter {param.name} ({param.location})"


@rule(
    "request-parameter-removed",
    "warning",
    "parameters",
    "a request parameter is removed: a client still sending it may get a 400 under strict validation",
    "operation",
)
def parameter_removed(pair: OperationPair) -> Iterator[Hit]:
    for old, new in pair.parameters():
        if old and not new:
            yield Hit(f"{_name(old)} removed", old.pointer, True)


@rule("request-parameter-added-required", "error", "parameters", "a required request parameter is added", "operation")
def parameter_added_required(pair: OperationPair) -> Iterator[Hit]:
    for old, new in pair.parameters():
        if new and not old and new.required:
            yield Hit(f"{_name(new)} added, required", new.pointer)


@rule("request-parameter-added-optional", "info", "parameters", "an optional request parameter is added", "operation")
def parameter_added_optional(pair: OperationPair) -> Iterator[Hit]:
    for old, new in pair.parameters():
        if new and not old and not new.required:
            yield Hit(f"{_name(new)} added, optional", new.pointer)


@rule("request-parameter-made-required", "error", "parameters", "a request parameter becomes required", "operation")
def parameter_made_required(pair: OperationPair) -> Iterator[Hit]:
    for old, new in pair.parameters():
        if old and new and new.required and not old.required:
            yield Hit(f"{_name(new)}: now required (was optional)", f"{new.pointer}/required")


@rule("request-parameter-made-optional", "info", "parameters", "a request parameter becomes optional", "operation")
def parameter_made_optional(pair: OperationPair) -> Iterator[Hit]:
    for old, new in pair.parameters():
        if old and new and old.required and not new.required:
            yield Hit(f"{_name(new)}: now optional (was required)", new.pointer)


@rule(
    "request-parameter-serialization-changed",
    "error",
    "parameters",
    "a request parameter's style, explode or allowReserved changes: clients send it in the old form",
    "operation",
)
def parameter_serialization_changed(pair: OperationPair) -> Iterator[Hit]:
    for old, new in pair.parameters():
        if old and new:
            for key in _SERIALIZATION:
                if old.raw.get(key) != new.raw.get(key):
                    what = f"{key} changed from {show(old.raw.get(key))} to {show(new.raw.get(key))}"
                    yield Hit(f"{_name(new)}: {what}", f"{new.pointer}/{key}")


@rule(
    "request-parameter-description-changed",
    "info",
    "parameters",
    "a request parameter's description changes",
    "operation",
)
def parameter_description_changed(pair: OperationPair) -> Iterator[Hit]:
    for old, new in pair.parameters():
        if old and new and old.raw.get("description") != new.raw.get("description"):
            was, now = show(old.raw.get("description")), show(new.raw.get("description"))
            yield Hit(f"{_name(new)}: description changed from {was} to {now}", f"{new.pointer}/description")
