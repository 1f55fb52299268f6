"""This module contains the rules every API shares: keys present and unique, unique fields unique, joins resolve."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from mock_server.generate import model_joins
from mock_server.model import ApiModel
from mock_server.rules.base import Links, RuleSet, Violation, pointer, walk
from mock_server.types import Record

Finding = tuple[str, int, Violation]
"""(resource, record index, violation)."""


def check_unique(model: ApiModel, resources: dict[str, list[Record]], ruleset: RuleSet) -> Iterator[Finding]:
    """Every record has its key; keys, the spec's unique fields and the rule set's unique paths repeat nowhere."""
    for resource, records in resources.items():
        res = model.resources.get(resource)
        if res is None:
            continue
        for index, record in enumerate(records):
            if isinstance(record, dict) and record.get(res.key) is None:
                yield resource, index, Violation(f"/{res.key}", f"missing: {res.key} is the key of {resource} records")
        for path in dict.fromkeys([res.key, *res.unique, *ruleset.unique.get(resource, ())]):
            yield from _duplicates(resource, records, path)


def _duplicates(resource: str, records: list[Record], path: str) -> Iterator[Finding]:
    first: dict[tuple[str, Any], int] = {}
    parts = [p for p in path.split("/") if p]
    label = parts[-1]
    for index, record in enumerate(records):
        if not isinstance(record, dict):
            continue
        mine: set[tuple[str, Any]] = set()  # a nested path (cartItems/*/id) may also repeat within one record
        for where, value in walk(record, parts):
            if not isinstance(value, str | int | float):
                continue
            key = (type(value).__name__, value)
            seen = first.setdefault(key, index)
            if seen != index or key in mine:
                yield (
                    resource,
                    index,
                    Violation(pointer(*where), f"{label} {value!r} is not unique (also in {resource} record {seen})"),
                )
            mine.add(key)


def check_links(model: ApiModel, resources: dict[str, list[Record]], links: Links) -> Iterator[Finding]:
    """Joins resolve both ways, and no record carries a property that an include fills in."""
    for resource, joins in model_joins(model).items():
        records = resources.get(resource, [])
        for name, join in joins.items():
            locals_: set[Any] = set()
            for index, record in enumerate(records):
                if not isinstance(record, dict):
                    continue
                if name in record:
                    yield (
                        resource,
                        index,
                        Violation(f"/{name}", f"{name} is filled in by include={name}; a record must not carry it"),
                    )
                value = record.get(join.local)
                if isinstance(value, str | int | float):
                    locals_.add(value)
                if not join.many and value is not None and not links.exists(resource, name, value):
                    yield (
                        resource,
                        index,
                        Violation(
                            f"/{join.local}",
                            f"{join.local} {value!r} matches no {join.resource} record ({join.foreign})",
                        ),
                    )
            if not join.many:
                continue
            for index, child in enumerate(resources.get(join.resource, [])):
                value = child.get(join.foreign) if isinstance(child, dict) else None
                if not isinstance(value, str | int | float) or value not in locals_:
                    yield (
                        join.resource,
                        index,
                        Violation(
                            f"/{join.foreign}", f"{join.foreign} {value!r} matches no {resource} record ({join.local})"
                        ),
                    )
