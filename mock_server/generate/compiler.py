"""This module contains the compiler from an API model's schemas to makers of records and field values.

A field compiles by its hints first (x-mock-values or enum, a counter for unique keys, x-faker, the vendor's
examples), then by its type. A field that can't be compiled is recorded as a Problem, so a spec's problems are all
reported at once.
"""

from __future__ import annotations

import random
import re
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from mock_server.errors import Problem, SpecError
from mock_server.generate.examples import harvest_examples, model_joins
from mock_server.generate.names import name_hint
from mock_server.generate.namespace import Maker, Namespace
from mock_server.generate.pattern import compile_pattern
from mock_server.generate.pools import FakerPools, fit_length
from mock_server.generate.providers import FORMAT_PROVIDERS, compile_faker, compile_uuid
from mock_server.generate.schema import (
    INTEGER_RANGE,
    NUMBER_RANGE,
    bounds,
    is_nullable,
    is_unhinted,
    lengths,
    merge_all_of,
    non_null,
    properties,
    type_of,
)
from mock_server.generate.sequences import make_counter
from mock_server.generate.stamps import SPREAD, formatter, timestamp_format
from mock_server.model import ApiModel
from mock_server.specs import RECURSIVE_REF
from mock_server.types import Schema

NULL_RATE = 0.15
"""Share of nulls in a nullable field."""
UNIQUE_ATTEMPTS = 1000
"""Fresh values a unique field may draw before generation gives up on it."""


class Compiler:
    """Compiles one API model's schemas into makers that share the generator's random, pools and record clock.

    Example:
        compiler = Compiler(model, rng, FakerPools(model.locale, 42), clock=[datetime(2025, 1, 1)])
        make_order = compiler.record("orders")
    """

    def __init__(
        self,
        model: ApiModel,
        rng: random.Random,
        pools: FakerPools,
        clock: list[datetime],
        extra_unique: dict[str, tuple[str, ...]] | None = None,
        weights: dict[str, dict[str, dict[Any, float]]] | None = None,
        by_name: bool = False,
    ) -> None:
        self.model = model
        self._by_name = by_name  # realistic values from property names (generate/names.py)
        self.problems: list[Problem] = []
        self._rng = rng
        self._pools = pools
        self._clock = clock  # the current record's anchor, read by compiled timestamps
        self._unique = {
            name: {res.key, *res.unique, *(extra_unique or {}).get(name, ())} for name, res in model.resources.items()
        }
        self._joined = {name: set(joins) for name, joins in model_joins(model).items()}
        self._examples = harvest_examples(model)
        self._fallback_weights = weights or {}
        self._ns = Namespace(rng)
        self._sequences: dict[tuple[str, str], str] = {}
        self._seen: dict[tuple[str, str], set[Any]] = {}

    def record(self, resource: str) -> Maker:
        """A maker of the resource's records (its properties except includes joins, plus hidden fields)."""
        res = self.model.resources[resource]
        skip = self._joined.get(resource, set())
        fields = [
            (name, self._compile(sub, resource, name))
            for name, sub in [*properties(res.schema).items(), *res.hidden.items()]
            if name not in skip and not sub.get("writeOnly") and not _recursive(sub)  # what responses show
        ]
        return self._ns.function("{" + ", ".join(f"{name!r}: {expr}" for name, expr in fields) + "}")

    def field(self, schema: Schema, resource: str, path: str) -> Maker:
        """A maker of non-null values of the field at `path`; SpecError if the schema can't be compiled."""
        expr = self._compile(schema, resource, path, nullable=False)
        if self.problems:
            raise SpecError(self.problems)
        return self._ns.function(expr)

    def _compile(self, schema: Schema, resource: str, path: str, *, nullable: bool = True) -> str:
        """Compile the schema of the field at `path`; a problem is recorded (and None made) if it can't be."""
        schema = merge_all_of(schema)
        may_be_null = nullable and is_nullable(schema)
        schema = non_null(schema)
        unique = path in self._unique[resource]
        try:
            expr = self._compile_value(schema, resource, path, unique)
        except (ValueError, TypeError, AttributeError) as exc:
            ref = self.model.resources[resource].schema_ref.lstrip("#")
            self.problems.append(Problem(str(self.model.spec.path), ref, f"field /{path}: {exc}"))
            return "None"
        if unique and expr not in self._sequences.values():  # a sequence never repeats: no registration needed
            expr = self._ns.call(self._unique_maker(resource, path, self._ns.function(expr)))
        return f"(None if rnd() < {NULL_RATE!r} else {expr})" if may_be_null else expr

    def _compile_value(self, schema: Schema, resource: str, path: str, unique: bool) -> str:
        kind = type_of(schema)
        if "x-mock-values" in schema or "enum" in schema:
            values: list[Any] = (
                list(schema["x-mock-values"])
                if "x-mock-values" in schema
                else [v for v in schema["enum"] if v is not None]
            )
            weights = schema.get("x-mock-weights")
            fallback = self._fallback_weights.get(resource, {}).get(path)
            if weights is None and fallback is not None:
                weights = [fallback.get(value, 0) for value in values]
            return self._ns.pick(values, weights)
        sequence = make_counter(schema, kind, self._rng) if unique else None
        if sequence is not None:
            # Keys, unique integers and numbered codes count up, as in a real database: ids grow with creation time,
            # and a counter never repeats, so 100,000 orders fit a 'SO-######' template without retries.
            if (resource, path) not in self._sequences:
                self._sequences[(resource, path)] = self._ns.call(sequence)
            return self._sequences[(resource, path)]
        if self._by_name:
            schema = name_hint(schema, next((p for p in reversed(path.split("/")) if p != "*"), ""), kind)
        if "x-faker" in schema:
            return compile_faker(self._ns, self._pools, schema, kind, unique)
        examples = self._examples.get(resource, {}).get(path)
        if examples and kind in ("integer", "number", "string") and not unique and is_unhinted(schema):
            # The vendor's documented example values are the most realistic ones we have for a field without hints.
            return self._ns.pick(examples, None)
        if kind == "integer":
            return self._integer(schema)
        if kind == "number":
            return self._number(schema)
        if kind == "boolean":
            return "(rnd() < 0.5)"
        if kind == "array":
            return self._array(schema, resource, path)
        if kind == "object":
            return self._object(schema, resource, path)
        return self._string(schema, unique)

    # -- unique fields -------------------------------------------------------------------------------------------

    def _unique_maker(self, resource: str, path: str, raw: Maker) -> Maker:
        return lambda: self._register(resource, path, raw(), raw)

    def _register(self, resource: str, path: str, value: Any, fresh: Maker) -> Any:
        seen = self._seen.setdefault((resource, path), set())
        for _ in range(UNIQUE_ATTEMPTS):
            if value not in seen:
                seen.add(value)
                return value
            value = fresh()
        raise SpecError(
            [
                Problem(
                    str(self.model.spec.path),
                    self.model.resources[resource].schema_ref.lstrip("#"),
                    f"field /{path}: no unique value left after {UNIQUE_ATTEMPTS} attempts; "
                    "widen its x-faker or pattern",
                )
            ]
        )

    # -- by type -------------------------------------------------------------------------------------------------

    def _integer(self, schema: Schema) -> str:
        low, high = bounds(schema, INTEGER_RANGE)
        if "default" in schema:
            return self._ns.literal(schema["default"])
        return f"({int(low)} + int(rnd() * {int(high) - int(low) + 1}))"

    def _number(self, schema: Schema) -> str:
        low, high = bounds(schema, NUMBER_RANGE)
        if "default" in schema:
            return self._ns.literal(schema["default"])
        return f"(({round(low * 100)} + int(rnd() * {round((high - low) * 100) + 1})) / 100)"

    def _array(self, schema: Schema, resource: str, path: str) -> str:
        items = schema.get("items") or {}
        if _recursive(items):
            return "[]"  # a recursive schema (children of a tree node) ends here
        item = self._compile(items, resource, f"{path}/*")
        size = _size(schema)
        if type_of(non_null(items)) in ("object", "array"):
            return f"[{item} for _ in range({size})]"
        low, _ = lengths(schema)
        return f"{self._ns.bind(_distinct)}([{item} for _ in range({size})], {low})"

    def _object(self, schema: Schema, resource: str, path: str) -> str:
        props = properties(schema)
        extra = schema.get("additionalProperties")
        if not props and extra in (None, True) and schema.get("minProperties"):
            extra = {"type": "string"}  # a free-form object that must not be empty: string members
        if props or not isinstance(extra, dict):
            fields = [
                (name, self._compile(sub, resource, f"{path}/{name}"))
                for name, sub in props.items()
                if not _recursive(sub)
            ]
            return "{" + ", ".join(f"{name!r}: {expr}" for name, expr in fields) + "}"
        value = self._compile(extra, resource, f"{path}/*")
        key_pattern = schema.get("x-key-pattern")
        if key_pattern is None or re.search(key_pattern, "1"):
            # Position numbers "1".."n", as printlounge's cartItems.
            return f"{{str(_i): {value} for _i in range(1, {_size(schema)} + 1)}}"
        keys = self._ns.call(partial(compile_pattern(key_pattern), self._rng))
        return f"{{{keys}: {value} for _ in range({_size(schema)})}}"

    def _string(self, schema: Schema, unique: bool) -> str:
        fmt = timestamp_format(schema)
        if fmt is not None:
            return (
                f"{self._ns.bind(formatter(fmt))}({self._ns.bind(self._clock)}[0] + "
                f"{self._ns.bind(timedelta)}(0, int(rnd() * {int(SPREAD.total_seconds())})))"
            )
        kind = schema.get("format")
        if kind == "uuid":
            return compile_uuid(self._ns)
        if kind in FORMAT_PROVIDERS:
            return compile_faker(self._ns, self._pools, {**schema, "x-faker": FORMAT_PROVIDERS[kind]}, "string", unique)
        if isinstance(schema.get("pattern"), str):
            return self._ns.call(partial(compile_pattern(schema["pattern"]), self._rng))
        if "default" in schema:
            return self._ns.literal(schema["default"])
        words = fit_length(self._pools.pool("word", {}, str), schema)
        if unique:
            counter = iter(range(10**9))
            rnd = self._rng.random
            return self._ns.call(lambda: f"{words[int(rnd() * len(words))]}-{next(counter)}")
        return self._ns.pick(words, None)


def _recursive(schema: Schema) -> bool:
    """Whether a schema is where a bounded resolution cut a recursive $ref (specs.RECURSIVE_REF)."""
    return RECURSIVE_REF in non_null(schema)


def _size(schema: Schema) -> str:
    """An expression for the length of a new array or map."""
    low, span = lengths(schema)
    return str(low) if span == 1 else f"{low} + int(rnd() * {span})"


def _distinct(values: list[Any], low: int) -> list[Any]:
    # Scalar lists (tags) hold each value once, unless that leaves fewer than minItems.
    distinct = list(dict.fromkeys(values))
    return distinct if len(distinct) >= low else values
