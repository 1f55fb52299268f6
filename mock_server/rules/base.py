"""This module contains the vocabulary of business rules: Rule, RuleSet, Violation, Links and shared helpers.

A rule is a pair: `fix` makes a freshly generated record obey it, `check` reports where a loaded record breaks it.
Both see one record of the rule's resource plus its related records (through Links).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from mock_server.generate import model_joins, parse_timestamp
from mock_server.types import Record

if TYPE_CHECKING:
    from mock_server.generate import Generator
    from mock_server.model import ApiModel, Join


@dataclass(frozen=True, slots=True)
class Violation:
    """Where (a JSON pointer inside the record) and why a record breaks a rule."""

    pointer: str
    message: str


class Links:
    """The records related to a record through the spec's includes joins, indexed once."""

    def __init__(self, model: ApiModel) -> None:
        self._joins = model_joins(model)
        self._index: dict[tuple[str, str], dict[Any, list[Record]]] = {}
        self._targets: dict[str, list[tuple[str, Join]]] = {}
        for resource, joins in self._joins.items():
            for name, join in joins.items():
                self._targets.setdefault(join.resource, []).append((resource, join))
                self._index[(resource, name)] = {}

    @classmethod
    def of(cls, model: ApiModel, resources: dict[str, list[Record]]) -> Links:
        """Links over every record of a dataset."""
        links = cls(model)
        for resource, records in resources.items():
            for record in records:
                links.add(resource, record)
        return links

    def add(self, resource: str, record: Record) -> None:
        """Index a record of a join's target resource under its foreign-key value."""
        if not isinstance(record, dict):
            return  # a malformed record (reported by the schema check) joins nothing
        for owner, join in self._targets.get(resource, ()):
            value = record.get(join.foreign)
            if _hashable(value):
                self._index[(owner, join.name)].setdefault(value, []).append(record)

    def forget(self, resource: str, join: str) -> None:
        """Drop the records indexed for `join` of `resource` (streamed generation: they relate to no later record)."""
        self._index[(resource, join)].clear()

    def related(self, resource: str, join: str, record: Record) -> list[Record]:
        """The records `join` of `resource` attaches to `record` (e.g. an order's items)."""
        value = record.get(self._joins[resource][join].local)
        return self._index[(resource, join)].get(value, []) if _hashable(value) else []

    def exists(self, resource: str, join: str, value: Any) -> bool:
        """True if some target record of the join carries this foreign-key value."""
        return _hashable(value) and value in self._index[(resource, join)]


@dataclass(frozen=True, slots=True)
class Context:
    """What a rule sees besides its record."""

    model: ApiModel
    links: Links


Check = Callable[[Record, Context], Iterable[Violation]]
Fix = Callable[[Record, Context, "Generator"], None]


@dataclass(frozen=True, slots=True)
class Rule:
    """One business rule of a resource: a stable name, a check for loaded records, a fix for generated ones."""

    name: str
    resource: str
    check: Check | None = None
    fix: Fix | None = None


@dataclass(frozen=True, slots=True)
class RuleSet:
    """The rules of one API, in the order their fixes run, plus fields that must be unique beyond the spec's."""

    api: str
    rules: tuple[Rule, ...] = ()
    unique: dict[str, tuple[str, ...]] = field(default_factory=dict)
    weights: dict[str, dict[str, dict[Any, float]]] = field(default_factory=dict)
    """Fallback proportions (resource -> field path -> value -> weight) for enums the spec gives no x-mock-weights."""

    def for_resource(self, resource: str) -> tuple[Rule, ...]:
        """The rules of one resource, in order."""
        return tuple(rule for rule in self.rules if rule.resource == resource)


# -- helpers shared by the vendor modules --------------------------------------------------------------------------


def cents(amount: Any) -> int:
    """A money amount in whole cents (floats are compared to the cent)."""
    return round(float(amount) * 100)


def money(amount_cents: int) -> float:
    """Whole cents as a float amount with two decimals."""
    return amount_cents / 100


def pointer(*parts: str | int) -> str:
    """A JSON pointer (RFC 6901) from its reference tokens."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def each(record: Record, path: str) -> Iterator[tuple[str, Any]]:
    """(pointer, value) of every value at `path` ('a/*/b': '*' walks list items or map values; '' = the record)."""
    return ((pointer(*where), value) for where, value in walk(record, [p for p in path.split("/") if p]))


def walk(node: Any, parts: list[str], where: tuple[str | int, ...] = ()) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    """(reference tokens, value) of every value at the path `parts`; cheaper than `each` when few need a pointer."""
    if not parts:
        yield where, node
        return
    head, rest = parts[0], parts[1:]
    if head == "*":
        items: Iterable[tuple[str | int, Any]] = (
            enumerate(node) if isinstance(node, list) else node.items() if isinstance(node, dict) else ()
        )
        for key, value in items:
            yield from walk(value, rest, (*where, key))
    elif isinstance(node, dict) and head in node:
        yield from walk(node[head], rest, (*where, head))


def ordered(name: str, resource: str, earlier: str, later: str, scope: str = "") -> Rule:
    """A check that timestamp `earlier` is not after `later` (both set) in every object at `scope`."""

    parts = [p for p in scope.split("/") if p]

    def check(record: Record, ctx: Context) -> Iterator[Violation]:
        for where, node in walk(record, parts):
            if not isinstance(node, dict):
                continue
            first, second = parse_timestamp(node.get(earlier)), parse_timestamp(node.get(later))
            if first is not None and second is not None and first > second:
                yield Violation(
                    pointer(*where, later),
                    f"{later} {node[later]} is before {earlier} {node[earlier]} (must not be earlier)",
                )

    return Rule(name, resource, check=check)


def money_sum(name: str, resource: str, total: str, parts: tuple[str, str]) -> Rule:
    """A check that the money field `total` equals the sum of the two `parts`, to the cent."""

    def check(record: Record, ctx: Context) -> Iterator[Violation]:
        expected = cents(record[parts[0]]) + cents(record[parts[1]])
        if cents(record[total]) != expected:
            yield Violation(
                pointer(total),
                f"{total} {record[total]} is not {parts[0]} + {parts[1]} "
                f"({record[parts[0]]} + {record[parts[1]]} = {money(expected):.2f})",
            )

    return Rule(name, resource, check=check)


def vocabulary(model: ApiModel, resource: str, field_name: str) -> list[Any]:
    """The x-mock-values (else enum) the spec declares for a top-level field; [] when it declares none."""
    schema = (model.resources[resource].schema.get("properties") or {}).get(field_name) or {}
    values = schema.get("x-mock-values") or schema.get("enum") or []
    return list(values)


def later(gen: Generator, moment: datetime, low: timedelta, high: timedelta) -> datetime:
    """`moment` plus a random gap between low and high."""
    return moment + gen.gap(low, high)


def person_email(first: object, last: object, like: object) -> str:
    """`first.last@domain` in ASCII, at the domain of `like` (a generated address), so names and emails agree."""
    local = ".".join(_ascii(str(part)) for part in (first, last) if part)
    domain = str(like).rpartition("@")[2] if "@" in str(like) else "example.com"
    return f"{local or 'kontakt'}@{domain}"


def first_name_for(gen: Generator, title: object) -> str:
    """A first name that fits a salutation (Mr/Herr/mr -> male, Mrs/Frau/ms -> female, else either)."""
    provider = _SALUTATIONS.get(str(title).lower(), "first_name")
    return str(gen.fake(provider))


_SALUTATIONS = {
    "mr": "first_name_male",
    "herr": "first_name_male",
    "mrs": "first_name_female",
    "ms": "first_name_female",
    "frau": "first_name_female",
}


@lru_cache(maxsize=4096)
def _ascii(text: str) -> str:
    text = text.lower().translate(_GERMAN)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "-".join(_WORD.findall(text))


_GERMAN = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_WORD = re.compile(r"[a-z0-9]+")


def _hashable(value: Any) -> bool:
    return isinstance(value, str | int | float | bool)
