"""This module contains the schema-driven value generator: Generator(model, seed, reference_date).

Values come from each field's schema (type, format, enum, pattern, bounds, nullability) and its generation hints
(`x-faker`, `x-mock-values`, `x-mock-weights`, `x-mock-format`, `x-key-pattern`; see docs/spec-extensions.md).
Faker is slow per call, so every provider fills a pool once per seed and each value is then a pick of the generator's
own seeded random.Random. Timestamps lie before the reference date, never relative to "now".
"""

from __future__ import annotations

import copy
import hashlib
import math
import random
import re
import string
import uuid
from bisect import bisect
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import partial
from itertools import accumulate, groupby
from typing import Any

import orjson
from faker import Faker

from mock_server.errors import Problem, SpecError
from mock_server.model import ApiModel, Join
from mock_server.settings import DEFAULT_REFERENCE_DATE
from mock_server.types import Record, Schema

Maker = Callable[[], Any]
"""A compiled schema: each call returns a new value."""

POOL_SIZE = 256
"""Values drawn from Faker per provider (and argument set) and seed."""
NULL_RATE = 0.15
"""Share of nulls in a nullable field."""
HISTORY = timedelta(days=365)
"""Records are spread over this span before the reference date, oldest first."""
SPREAD = timedelta(days=14)
"""The timestamps of one record lie within this span after the record's anchor."""
INTEGER_RANGE = (1, 9999)
NUMBER_RANGE = (1.0, 500.0)
EXTRA_ITEMS = 2
"""Arrays and maps get between their minimum (at least 1) and this many more entries."""
UNIQUE_ATTEMPTS = 1000
DATE_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
DATE_FORMAT = "%Y-%m-%d"
TIMESTAMP_FORMATS = (DATE_TIME_FORMAT, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", DATE_FORMAT)
"""strftime formats a `pattern` is tried against before it is treated as a plain regular expression."""
FORMAT_PROVIDERS = {"email": "email", "uri": "url", "url": "url", "hostname": "domain_name", "ipv4": "ipv4"}
_PROBES = (datetime(2001, 2, 3, 4, 5, 6), datetime(2099, 12, 28, 23, 59, 58))


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
    schema = _non_null(schema)
    if isinstance(value, dict):
        props = _properties(schema)
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


def _unhinted(schema: Schema) -> bool:
    return not any(
        key in schema
        for key in ("format", "pattern", "x-mock-format", "default", "minimum", "maximum", "minLength", "maxLength")
    )


def parse_timestamp(value: object) -> datetime | None:
    """A timestamp string in any of TIMESTAMP_FORMATS (or ISO 8601) as a naive UTC datetime; None otherwise."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def timestamp_format(schema: Schema) -> str | None:
    """The strftime format in which a string field holds timestamps, or None when it holds none."""
    if "x-mock-format" in schema:
        return str(schema["x-mock-format"])
    if schema.get("format") == "date-time":
        return DATE_TIME_FORMAT
    if schema.get("format") == "date":
        return DATE_FORMAT
    pattern = schema.get("pattern")
    if isinstance(pattern, str) and not re.search(pattern, "x"):
        for fmt in TIMESTAMP_FORMATS:
            if all(re.search(pattern, probe.strftime(fmt)) for probe in _PROBES):
                return fmt
    return None


class Generator:
    """Makes records of one API's resources; deterministic for a given model, seed and reference date.

    Example:
        gen = Generator(model, seed=42, reference_date=datetime(2026, 1, 1))
        gen.begin_record(0, 50)
        order = gen.record("orders")
    """

    def __init__(
        self,
        model: ApiModel,
        seed: int = 42,
        reference_date: datetime = DEFAULT_REFERENCE_DATE,
        extra_unique: dict[str, tuple[str, ...]] | None = None,
        weights: dict[str, dict[str, dict[Any, float]]] | None = None,
    ) -> None:
        self.model = model
        self.seed = seed
        self.reference_date = (parse_timestamp(reference_date.isoformat()) or reference_date).replace(microsecond=0)
        self.rng = random.Random(seed)
        self._faker = Faker(model.locale)
        self._pools: dict[str, list[Any]] = {}
        self._plain_pools: dict[str, list[Any]] = {}
        self._streams: dict[str, Faker] = {}
        self._makers: dict[tuple[str, str], Maker] = {}
        self._seen: dict[tuple[str, str], set[Any]] = {}
        self._formats: dict[tuple[str, str], Callable[[datetime], str]] = {}
        self._unique = {
            name: {res.key, *res.unique, *(extra_unique or {}).get(name, ())} for name, res in model.resources.items()
        }
        self._joined = {name: set(joins) for name, joins in model_joins(model).items()}
        self._examples = harvest_examples(model)
        self._fallback_weights = weights or {}
        self._clock = [self.reference_date - HISTORY]  # the current record's anchor, read by compiled timestamps
        self._problems: list[Problem] = []
        self._namespace: dict[str, Any] = {"rnd": self.rng.random, "bisect": bisect}
        self._sequences: dict[tuple[str, str], str] = {}
        self._records = {name: self._function(self._compile_record(name)) for name in model.resources}
        if self._problems:
            raise SpecError(self._problems)

    # -- the record clock ------------------------------------------------------------------------------------------

    @property
    def anchor(self) -> datetime:
        """The moment the current record was created; its other timestamps follow it."""
        return self._clock[0]

    def begin_record(self, index: int, count: int) -> None:
        """Move the clock to record `index` of `count`: anchors rise with the index and stay before the reference."""
        usable = (HISTORY - SPREAD).total_seconds()
        offset = (index + self.rng.random()) * usable / max(count, 1)
        self._clock[0] = self.reference_date - HISTORY + timedelta(seconds=int(offset))

    def gap(self, low: timedelta, high: timedelta) -> timedelta:
        """A random duration between low and high, in whole seconds."""
        span = high - low
        return low + timedelta(0, int(self.rng.random() * (span.days * 86400 + span.seconds + 1)))

    # -- values ----------------------------------------------------------------------------------------------------

    def record(self, resource: str) -> Record:
        """A new record of the resource (its properties except includes joins, plus hidden fields); keys unique."""
        record: Record = self._records[resource]()
        return record

    def value(self, resource: str, path: str) -> Any:
        """A new non-null value for the field at `path` ('a/b', '*' for array items or map values)."""
        maker = self._makers.get((resource, path))
        if maker is None:
            expr = self._compile(self.schema_at(resource, path), resource, path, nullable=False)
            if self._problems:
                raise SpecError(self._problems)
            maker = self._makers[(resource, path)] = self._function(expr)
        return maker()

    def stamp(self, resource: str, path: str, moment: datetime) -> str:
        """`moment` rendered in the timestamp format of the field at `path`."""
        render = self._formats.get((resource, path))
        if render is None:
            fmt = timestamp_format(self.schema_at(resource, path)) or DATE_TIME_FORMAT
            render = self._formats[(resource, path)] = formatter(fmt)
        return render(moment)

    def fake(self, provider: str) -> Any:
        """A value of a Faker provider (without arguments), picked from its pool."""
        pool = self._plain_pools.get(provider)
        if pool is None:
            pool = self._plain_pools[provider] = self._pool(provider, {}, _to_json)
        return pool[int(self.rng.random() * len(pool))]

    def pick(self, values: Sequence[Any], weights: Sequence[float] | None = None) -> Any:
        """One of `values`, optionally weighted."""
        if weights is None:
            return values[int(self.rng.random() * len(values))]
        return self.rng.choices(values, weights)[0]

    def schema_at(self, resource: str, path: str) -> Schema:
        """The (resolved) schema of the field at `path` in the resource's records; KeyError if there is none."""
        res = self.model.resources[resource]
        parts = path.split("/")
        schema = res.hidden[parts[0]] if parts[0] in res.hidden else _properties(res.schema)[parts[0]]
        for part in parts[1:]:
            schema = _non_null(schema)
            schema = (
                schema["items"]
                if part == "*" and "items" in schema
                else (schema["additionalProperties"] if part == "*" else _properties(schema)[part])
            )
        return _non_null(schema)

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

    # -- compiling schemas ------------------------------------------------------------------------------------------
    # A schema compiles to a Python expression over names bound in self._namespace. A record's expressions nest into
    # one dict display that is evaluated once per record, so a plain field costs an inline random pick, not a call.

    def _function(self, expr: str) -> Maker:
        maker: Maker = eval(f"lambda: {expr}", self._namespace)  # the text holds only reprs and bound names
        return maker

    def _bind(self, value: Any) -> str:
        name = f"_{len(self._namespace)}"
        self._namespace[name] = value
        return name

    def _call(self, maker: Maker) -> str:
        return f"{self._bind(maker)}()"

    def _literal(self, value: Any) -> str:
        if value is None or isinstance(value, bool | int | str) or (isinstance(value, float) and math.isfinite(value)):
            return repr(value)
        return f"{self._bind(copy.deepcopy)}({self._bind(value)})"

    def _compile_record(self, resource: str) -> str:
        res = self.model.resources[resource]
        skip = self._joined.get(resource, set())
        fields = [
            (name, self._compile(sub, resource, name))
            for name, sub in [*_properties(res.schema).items(), *res.hidden.items()]
            if name not in skip
        ]
        return "{" + ", ".join(f"{name!r}: {expr}" for name, expr in fields) + "}"

    def _compile(self, schema: Schema, resource: str, path: str, *, nullable: bool = True) -> str:
        """Compile the schema of the field at `path`; a problem is recorded (and None made) if it can't be."""
        schema = merge_all_of(schema)
        may_be_null = nullable and _is_nullable(schema)
        schema = _non_null(schema)
        unique = path in self._unique[resource]
        try:
            expr = self._compile_value(schema, resource, path, unique)
        except (ValueError, TypeError, AttributeError) as exc:
            ref = self.model.resources[resource].schema_ref.lstrip("#")
            self._problems.append(Problem(str(self.model.spec.path), ref, f"field /{path}: {exc}"))
            return "None"
        if unique and expr not in self._sequences.values():  # a sequence never repeats: no registration needed
            expr = self._call(self._unique_maker(resource, path, self._function(expr)))
        return f"(None if rnd() < {NULL_RATE!r} else {expr})" if may_be_null else expr

    def _unique_maker(self, resource: str, path: str, raw: Maker) -> Maker:
        return lambda: self._register(resource, path, raw(), raw)

    def _compile_value(self, schema: Schema, resource: str, path: str, unique: bool) -> str:
        kind = _type_of(schema)
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
            return self._weighted(values, weights)
        sequence = self._sequence(schema, kind) if unique else None
        if sequence is not None:
            # Keys, unique integers and numbered codes count up, as in a real database: ids grow with creation time,
            # and a counter never repeats, so 100,000 orders fit a 'SO-######' template without retries.
            if (resource, path) not in self._sequences:
                self._sequences[(resource, path)] = self._call(sequence)
            return self._sequences[(resource, path)]
        if "x-faker" in schema:
            return self._from_faker(schema, kind, unique)
        examples = self._examples.get(resource, {}).get(path)
        if examples and kind in ("integer", "number", "string") and not unique and _unhinted(schema):
            # The vendor's documented example values are the most realistic ones we have for a field without hints.
            return self._weighted(examples, None)
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

    def _weighted(self, values: list[Any], weights: Sequence[float] | None) -> str:
        if not values:
            raise ValueError("empty value list (x-mock-values or enum)")
        if weights is None and len(values) == 1:
            return self._literal(values[0])
        if weights is None:
            pick = f"{self._bind(values)}[int(rnd() * {len(values)})]"
        elif len(weights) != len(values) or sum(weights) <= 0:
            raise ValueError("x-mock-weights must give one positive weight per value")
        else:
            cumulative = list(accumulate(float(w) for w in weights))
            pick = (
                f"{self._bind(values)}[min(bisect({self._bind(cumulative)}, rnd() * {cumulative[-1]!r}), "
                f"{len(values) - 1})]"
            )
        if all(v is None or isinstance(v, bool | int | float | str) for v in values):
            return pick
        return f"{self._bind(copy.deepcopy)}({pick})"

    def _from_faker(self, schema: Schema, kind: str, unique: bool) -> str:
        hint = schema["x-faker"]
        provider, args = (hint, {}) if isinstance(hint, str) else (hint.get("provider"), hint.get("args") or {})
        if not isinstance(provider, str) or not isinstance(args, dict):
            raise ValueError(f"x-faker must be a provider name or {{provider, args}}, not {hint!r}")
        coerce = _COERCE.get(kind, _to_json)
        native = self._native(provider, args)
        if native is not None:
            return native if kind not in ("integer", "number") else f"{self._bind(coerce)}({native})"
        if unique:
            method = getattr(self._stream(provider, args), provider)
            return f"{self._bind(coerce)}({self._call(partial(method, **args))})"
        return self._weighted(_fit_length(self._pool(provider, args, coerce), schema), None)

    def _native(self, provider: str, args: dict[str, Any]) -> str | None:
        """An inline expression for the providers that are cheap to imitate with our own random.Random (no pool)."""
        if provider in _TEMPLATE_PROVIDERS:
            marks, text = _TEMPLATE_PROVIDERS[provider], args.get("text", _TEMPLATE_DEFAULTS[provider])
            if set(args) - {"text", "letters", "upper"} or not isinstance(text, str) or set(text) & set("!@"):
                return None  # Faker's optional-digit marks stay with Faker
            return self._template(text, marks, str(args.get("letters", string.ascii_letters)), bool(args.get("upper")))
        if provider == "uuid4" and not args:
            return f"{self._bind(_uuid4)}({self._bind(self.rng.getrandbits)}(128))"
        bounds = {"pyint": ("min_value", "max_value", 0, 9999), "random_int": ("min", "max", 0, 9999)}.get(provider)
        if bounds is not None and set(args) <= {bounds[0], bounds[1]}:
            low, high = int(args.get(bounds[0], bounds[2])), int(args.get(bounds[1], bounds[3]))
            return f"({low} + int(rnd() * {high - low + 1}))"
        if provider == "pyfloat" and {"min_value", "max_value"} <= set(args) <= {
            "min_value",
            "max_value",
            "right_digits",
        }:
            low_f, high_f, digits = float(args["min_value"]), float(args["max_value"]), int(args.get("right_digits", 2))
            return f"min(max(round({low_f!r} + rnd() * {high_f - low_f!r}, {digits}), {low_f!r}), {high_f!r})"
        return None

    def _template(self, text: str, marks: str, letters: str, upper: bool) -> str:
        # An inline expression; a run of digits or hex digits is one random number (a ticket number is one call).
        parts: list[str] = []
        for mark, group in groupby(text):
            size = len(list(group))
            if mark not in marks:
                parts.append(repr(mark * size))
            elif mark == "#":  # in chunks a float's 53 bits cover
                parts += [f"('%0{n}d' % int(rnd() * {10**n}))" for n in [15] * (size // 15) + [size % 15] if n]
            elif mark == "^":
                parts.append(f"('%0{size}{'X' if upper else 'x'}' % {self._bind(self.rng.getrandbits)}({4 * size}))")
            else:
                alphabet = self._bind("123456789" if mark == "%" else letters)
                count = 9 if mark == "%" else len(letters)
                parts += [f"{alphabet}[int(rnd() * {count})]"] * size
        return " + ".join(parts) if parts else "''"

    def _pool(self, provider: str, args: dict[str, Any], coerce: Callable[[Any], Any]) -> list[Any]:
        key = _pool_key(provider, args)
        if key not in self._pools:
            try:
                method = getattr(self._faker, provider)
            except AttributeError:
                raise ValueError(f"x-faker: unknown Faker provider {provider!r}") from None
            self._faker.seed_instance(_derive_seed(self.seed, key))
            try:
                self._pools[key] = [coerce(method(**args)) for _ in range(POOL_SIZE)]
            except (TypeError, ValueError) as exc:
                raise ValueError(f"x-faker: {provider}({_pool_key('', args)[1:]}) failed: {exc}") from None
        return self._pools[key]

    def _stream(self, provider: str, args: dict[str, Any]) -> Faker:
        key = "stream:" + _pool_key(provider, args)
        if key not in self._streams:
            stream = Faker(self.model.locale)
            stream.seed_instance(_derive_seed(self.seed, key))
            if not hasattr(stream, provider):
                raise ValueError(f"x-faker: unknown Faker provider {provider!r}")
            self._streams[key] = stream
        return self._streams[key]

    def _integer(self, schema: Schema) -> str:
        low, high = _bounds(schema, INTEGER_RANGE)
        if "default" in schema:
            return self._literal(schema["default"])
        return f"({int(low)} + int(rnd() * {int(high) - int(low) + 1}))"

    def _sequence(self, schema: Schema, kind: str) -> Maker | None:
        """A counter for a unique integer or a unique numbered template (one run of '#'); None for anything else."""
        state = [0]
        rnd = self.rng.random
        if kind == "integer":
            low, _ = _bounds(schema, INTEGER_RANGE)
            state[0] = int(low) + self.rng.randrange(1000, 9000)

            def count() -> int:
                state[0] += 1 + int(rnd() * 3)
                return state[0]

            return count
        hint = schema.get("x-faker")
        if not isinstance(hint, dict) or hint.get("provider") not in ("numerify", "bothify"):
            return None
        text = (hint.get("args") or {}).get("text")
        numbered = re.fullmatch(r"([^#%?!@]*)(#+)([^#%?!@]*)", text) if isinstance(text, str) else None
        if numbered is None:
            return None
        head, digits, tail = numbered.groups()
        width = len(digits)
        state[0] = self.rng.randrange(1, max(2, min(1000, 10**width // 100)))

        def number() -> str:
            state[0] += 1
            return f"{head}{state[0]:0{width}d}{tail}"

        return number

    def _number(self, schema: Schema) -> str:
        low, high = _bounds(schema, NUMBER_RANGE)
        if "default" in schema:
            return self._literal(schema["default"])
        return f"(({round(low * 100)} + int(rnd() * {round((high - low) * 100) + 1})) / 100)"

    def _array(self, schema: Schema, resource: str, path: str) -> str:
        items = schema.get("items") or {}
        item = self._compile(items, resource, f"{path}/*")
        size = _size(schema)
        if _type_of(_non_null(items)) in ("object", "array"):
            return f"[{item} for _ in range({size})]"
        low, _ = _lengths(schema)
        return f"{self._bind(_distinct)}([{item} for _ in range({size})], {low})"

    def _object(self, schema: Schema, resource: str, path: str) -> str:
        props = _properties(schema)
        extra = schema.get("additionalProperties")
        if props or not isinstance(extra, dict):
            fields = [(name, self._compile(sub, resource, f"{path}/{name}")) for name, sub in props.items()]
            return "{" + ", ".join(f"{name!r}: {expr}" for name, expr in fields) + "}"
        value = self._compile(extra, resource, f"{path}/*")
        key_pattern = schema.get("x-key-pattern")
        if key_pattern is None or re.search(key_pattern, "1"):
            # Position numbers "1".."n", as printlounge's cartItems.
            return f"{{str(_i): {value} for _i in range(1, {_size(schema)} + 1)}}"
        keys = self._call(partial(_compile_pattern(key_pattern), self.rng))
        return f"{{{keys}: {value} for _ in range({_size(schema)})}}"

    def _string(self, schema: Schema, unique: bool) -> str:
        fmt = timestamp_format(schema)
        if fmt is not None:
            return (
                f"{self._bind(formatter(fmt))}({self._bind(self._clock)}[0] + "
                f"{self._bind(timedelta)}(0, int(rnd() * {int(SPREAD.total_seconds())})))"
            )
        kind = schema.get("format")
        if kind == "uuid":
            return f"{self._bind(_uuid4)}({self._bind(self.rng.getrandbits)}(128))"
        if kind in FORMAT_PROVIDERS:
            return self._from_faker({**schema, "x-faker": FORMAT_PROVIDERS[kind]}, "string", unique)
        if isinstance(schema.get("pattern"), str):
            return self._call(partial(_compile_pattern(schema["pattern"]), self.rng))
        if "default" in schema:
            return self._literal(schema["default"])
        words = _fit_length(self._pool("word", {}, str), schema)
        if unique:
            counter = iter(range(10**9))
            return self._call(lambda: f"{self.pick(words)}-{next(counter)}")
        return self._weighted(words, None)


# -- schema helpers ------------------------------------------------------------------------------------------------


def _properties(schema: Schema) -> dict[str, Schema]:
    props = merge_all_of(schema).get("properties") or {}
    return props if isinstance(props, dict) else {}


def merge_all_of(schema: Schema) -> Schema:
    """The schema with its allOf parts merged in (properties and required combined; outer keywords win)."""
    if "allOf" not in schema:
        return schema
    merged: Schema = {k: v for k, v in schema.items() if k != "allOf"}
    for part in schema["allOf"]:
        part = merge_all_of(part)
        for key, value in part.items():
            if key == "properties":
                merged["properties"] = {**merged.get("properties", {}), **value}
            elif key == "required":
                merged["required"] = [*merged.get("required", []), *value]
            else:
                merged.setdefault(key, value)
    return merged


def _is_null_branch(schema: Schema) -> bool:
    return schema.get("type") == "null" or schema.get("enum") == [None]


def _is_nullable(schema: Schema) -> bool:
    branches = schema.get("anyOf") or schema.get("oneOf") or []
    return schema.get("nullable") is True or any(_is_null_branch(b) for b in branches)


def _non_null(schema: Schema) -> Schema:
    """The schema without its null alternative: anyOf/oneOf [X, null] -> X (merged with the outer keywords)."""
    schema = merge_all_of(schema)
    branches = schema.get("anyOf") or schema.get("oneOf")
    if not branches:
        return schema
    outer = {k: v for k, v in schema.items() if k not in ("anyOf", "oneOf")}
    candidates = [b for b in branches if not _is_null_branch(b)] or branches
    return {**merge_all_of(candidates[0]), **outer}


def _type_of(schema: Schema) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if isinstance(kind, str):
        return kind
    if "properties" in schema or "additionalProperties" in schema:
        return "object"
    if "items" in schema:
        return "array"
    return "string"


def _bounds(schema: Schema, default: tuple[float, float]) -> tuple[float, float]:
    low = schema.get("minimum", default[0])
    high = schema.get("maximum", max(low, default[1]) if "minimum" in schema else default[1])
    step = 1 if _type_of(schema) == "integer" else 0.01
    if schema.get("exclusiveMinimum") is True:
        low += step
    if schema.get("exclusiveMaximum") is True:
        high -= step
    if low > high:
        raise ValueError(f"minimum {low} is above maximum {high}")
    return low, high


def _size(schema: Schema) -> str:
    """An expression for the length of a new array or map."""
    low, span = _lengths(schema)
    return str(low) if span == 1 else f"{low} + int(rnd() * {span})"


def _lengths(schema: Schema) -> tuple[int, int]:
    """(minimum length, number of possible lengths) of an array or map."""
    low: int = schema["minItems"] if "minItems" in schema else schema.get("minProperties", 1)
    high: int = schema["maxItems"] if "maxItems" in schema else schema.get("maxProperties", low + EXTRA_ITEMS)
    return low, max(low, min(high, low + EXTRA_ITEMS)) - low + 1


def _fit_length(pool: list[Any], schema: Schema) -> list[Any]:
    low, high = schema.get("minLength"), schema.get("maxLength")
    if low is None and high is None:
        return pool
    low, high = int(low or 0), int(high if high is not None else 10**9)
    fitting = [v for v in pool if not isinstance(v, str) or low <= len(v) <= high]
    if fitting:
        return fitting
    return [(v * (low // max(len(v), 1) + 1))[:high] if isinstance(v, str) else v for v in pool]


def _to_json(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, tuple | set | frozenset):
        return sorted(value) if isinstance(value, set | frozenset) else list(value)
    return value


_COERCE: dict[str, Callable[[Any], Any]] = {
    "integer": lambda v: int(v),
    "number": lambda v: round(float(v), 2),
    "string": lambda v: v if isinstance(v, str) else str(_to_json(v)),
    "boolean": lambda v: bool(v),
}


_TEMPLATE_PROVIDERS = {"numerify": "#%", "bothify": "#%?", "lexify": "?", "hexify": "^"}
_TEMPLATE_DEFAULTS = {"numerify": "###", "bothify": "## ??", "lexify": "????", "hexify": "^^^^"}


def formatter(fmt: str) -> Callable[[datetime], str]:
    """A fast renderer of datetimes (whole seconds) in a strftime format; isoformat where it gives the same."""
    fast: dict[str, Callable[[datetime], str]] = {
        DATE_TIME_FORMAT: lambda moment: moment.isoformat("T", "seconds") + "Z",
        "%Y-%m-%dT%H:%M:%S": lambda moment: moment.isoformat("T", "seconds"),
        "%Y-%m-%d %H:%M:%S": lambda moment: moment.isoformat(" ", "seconds"),
        DATE_FORMAT: lambda moment: moment.date().isoformat(),
    }
    return fast.get(fmt) or (lambda moment: moment.strftime(fmt))


def _distinct(values: list[Any], low: int) -> list[Any]:
    # Scalar lists (tags) hold each value once, unless that leaves fewer than minItems.
    distinct = list(dict.fromkeys(values))
    return distinct if len(distinct) >= low else values


def _uuid4(bits: int) -> str:
    # Version 4 and the RFC 4122 variant, as uuid.UUID(int=bits, version=4) sets them, without its overhead.
    bits = (bits & ~(0xF000 << 64) | (4 << 76)) & ~(0xC000 << 48) | (0x8000 << 48)
    text = f"{bits:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def _pool_key(provider: str, args: dict[str, Any]) -> str:
    return provider + ":" + orjson.dumps(args, option=orjson.OPT_SORT_KEYS, default=str).decode()


def _derive_seed(seed: int, key: str) -> int:
    # Each pool has its own seed, so a pool's values don't depend on which other fields a spec has.
    return int.from_bytes(hashlib.sha256(f"{seed}\0{key}".encode()).digest()[:8], "big")


# -- regular-expression subset -------------------------------------------------------------------------------------

_MAX_REPEAT = 4
_CLASSES = {"d": string.digits, "w": string.ascii_letters + string.digits + "_", "s": " "}
_ANY = string.ascii_letters + string.digits
_UNIVERSE = string.ascii_letters + string.digits + " -_.:/"
Node = Callable[[random.Random], str]


@dataclass(slots=True)
class _PatternParser:
    """Recursive descent over anchors, literals, escapes, classes, groups, alternation and quantifiers."""

    pattern: str
    pos: int = 0

    def peek(self) -> str:
        return self.pattern[self.pos] if self.pos < len(self.pattern) else ""

    def take(self) -> str:
        char = self.peek()
        self.pos += 1
        return char

    def alternation(self) -> Node:
        branches = [self.sequence()]
        while self.peek() == "|":
            self.take()
            branches.append(self.sequence())
        return branches[0] if len(branches) == 1 else lambda rng: rng.choice(branches)(rng)

    def sequence(self) -> Node:
        parts = list(self._atoms())
        return lambda rng: "".join(part(rng) for part in parts)

    def _atoms(self) -> Iterator[Node]:
        while self.peek() not in ("", "|", ")"):
            atom = self.atom()
            if atom is not None:
                yield self.quantified(atom)

    def atom(self) -> Node | None:
        char = self.take()
        if (char == "^" and self.pos == 1) or (char == "$" and self.pos == len(self.pattern)):
            return None
        if char == "(":
            if self.pattern.startswith("?:", self.pos):
                self.pos += 2
            elif self.peek() == "?":
                raise ValueError(f"pattern {self.pattern!r}: unsupported group at {self.pos}")
            inner = self.alternation()
            if self.take() != ")":
                raise ValueError(f"pattern {self.pattern!r}: unbalanced parenthesis")
            return inner
        if char == "[":
            return _one_of(self.char_class())
        if char == ".":
            return _one_of(_ANY)
        if char == "\\":
            return _one_of(self.escape())
        if char in "^$*+?{)|":
            raise ValueError(f"pattern {self.pattern!r}: unsupported {char!r} at {self.pos - 1}")
        return lambda rng: char

    def escape(self) -> str:
        char = self.take()
        if char in _CLASSES:
            return _CLASSES[char]
        if not char or char.isalnum():
            raise ValueError(f"pattern {self.pattern!r}: unsupported escape \\{char}")
        return char

    def char_class(self) -> str:
        negate = self.peek() == "^"
        if negate:
            self.take()
        members = ""
        while True:
            char = self.take()
            if not char:
                raise ValueError(f"pattern {self.pattern!r}: unterminated character class")
            if char == "]" and members:
                break
            first = self.escape() if char == "\\" else char
            if self.peek() == "-" and self.pattern[self.pos + 1 : self.pos + 2] not in ("]", ""):
                self.take()
                end = self.take()
                last = self.escape() if end == "\\" else end
                first = "".join(chr(c) for c in range(ord(first), ord(last) + 1))
            members += first
        members = "".join(dict.fromkeys(members))
        return "".join(c for c in _UNIVERSE if c not in members) if negate else members

    def quantified(self, atom: Node) -> Node:
        char = self.peek()
        bounds = re.match(r"\{(\d+)(,(\d*))?\}", self.pattern[self.pos :])
        if char == "?":
            low, high = 0, 1
        elif char == "*":
            low, high = 0, _MAX_REPEAT
        elif char == "+":
            low, high = 1, 1 + _MAX_REPEAT
        elif char == "{" and bounds:
            low_text, comma, high_text = bounds.groups(default="")
            low = int(low_text)
            high = low if not comma else int(high_text) if high_text else low + _MAX_REPEAT
            self.pos += bounds.end() - 1
        else:
            return atom
        self.take()
        if self.peek() == "?":  # lazy quantifiers match the same strings
            self.take()
        return lambda rng: "".join(atom(rng) for _ in range(rng.randint(low, high)))


def _one_of(members: str) -> Node:
    if len(members) == 1:
        return lambda rng: members
    return lambda rng: members[int(rng.random() * len(members))]


def _compile_pattern(pattern: str) -> Node:
    """A function rng -> str whose results match `pattern`; ValueError for constructs outside the subset."""
    parser = _PatternParser(pattern)
    node = parser.alternation()
    if parser.pos < len(pattern):
        raise ValueError(f"pattern {pattern!r}: unbalanced parenthesis")
    compiled = re.compile(pattern)
    probe = random.Random(0)
    for _ in range(16):
        sample = node(probe)
        if not compiled.search(sample):
            raise ValueError(f"pattern {pattern!r}: cannot generate matching strings (made {sample!r})")
    return node
