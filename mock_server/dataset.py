"""This module contains the fixture file format and its IO: generate, dump, write, load and check datasets.

A fixture file (`fixtures/<api>.json`)::

    {"api": "printlounge",
     "generator": {"seed": 42, "count": 50, "reference_date": "2026-01-01T00:00:00", "version": "0.1.0"},
     "resources": {"orders": [record, ...]}}

`generator` is absent from hand-written files. A record is the resource's detail object plus its hidden fields
(docs/spec-extensions.md). Problems render as `file: <resource> record N: /json/pointer: reason` (N counts from 0).
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import jsonschema_rs
import orjson

import mock_server
from mock_server.errors import FixtureError, Problem
from mock_server.generate import Generator, merge_all_of, model_joins
from mock_server.infer.data import adopt_examples, parent_values
from mock_server.model import ApiModel, response_schema
from mock_server.progress import report
from mock_server.rules import RULESETS, Context, Links, RuleSet, Violation, rules_for
from mock_server.rules.base import Fix, pointer
from mock_server.rules.common import check_links, check_unique
from mock_server.settings import DEFAULT_REFERENCE_DATE
from mock_server.specs import to_json_schema
from mock_server.types import Record, Schema

__all__ = [
    "DEFAULT_REFERENCE_DATE",
    "Dataset",
    "can_stream",
    "check_dataset",
    "dump_dataset",
    "generate_dataset",
    "load_dataset",
    "main_resource",
    "stream_dataset",
    "write_dataset",
]

TOP_LEVEL = ("api", "generator", "resources")
CHILDREN = (1, 3)
"""Records a one-to-many join attaches to each generated record (PlanDocket items per order)."""
REUSE_RATE = 0.4
"""Share of to-one joins that point at an already generated record (a participant with several orders)."""
PROGRESS_EVERY = 256
"""Generated records between two progress reports (a bar on a terminal, else nothing)."""
_RULE_ERRORS = (TypeError, ValueError, KeyError, AttributeError, IndexError, ArithmeticError)


@dataclass(frozen=True, slots=True)
class Dataset:
    """The records of one API, per resource, and the file's metadata (the `generator` block)."""

    api: str
    resources: dict[str, list[Record]]
    meta: dict[str, Any] = field(default_factory=dict)


VENDOR_COUNT = 50
"""Records of the main resource per vendor API (the committed fixtures)."""
PLAIN_COUNT = 20
"""Records per resource of an API without vendor rules (a plain spec)."""


def is_generic(model: ApiModel) -> bool:
    """True for an API without vendor rules: generation takes values from property names and the spec's examples."""
    return model.name not in RULESETS


def default_count(model: ApiModel) -> int:
    """The records generated when no count is given: 50 orders per vendor API, 20 per resource of a plain spec."""
    return PLAIN_COUNT if is_generic(model) else VENDOR_COUNT


def main_resource(model: ApiModel) -> str:
    """The resource `count` counts: the first one that no includes join targets (the orders)."""
    targets = {join.resource for joins in model_joins(model).values() for join in joins.values()}
    return next((name for name in model.resources if name not in targets), next(iter(model.resources)))


# -- generation ----------------------------------------------------------------------------------------------------


def generate_dataset(
    model: ApiModel, *, seed: int = 42, count: int = 50, reference_date: datetime = DEFAULT_REFERENCE_DATE
) -> Dataset:
    """Generate `count` orders (records of the main resource) with their related records, every rule applied.

    Args:
        model: the API's model (ApiModel.from_spec).
        seed: the same seed, count, reference date and project version give the same dataset, byte for byte.
        count: records of the main resource; related records (PlanDocket items, participants) are derived.
        reference_date: every record is created within the year before it.

    Example:
        dataset = generate_dataset(ApiModel.from_spec(Spec.from_file(Path("specs/eguma.yaml"))), seed=7, count=10)
    """
    with paused_gc():
        return _generate(model, seed, count, reference_date)


RecordSink = Callable[[str, Record], None]
"""Receives each generated record, finished (its rules applied), with its resource's name."""


def can_stream(model: ApiModel) -> bool:
    """True when generation can hand each record on as it is finished (stream_dataset): every resource is the main
    one or joined to it, and no step needs every record at the end (a plain spec adopts its examples)."""
    if is_generic(model) or not model.resources:
        return False
    main = main_resource(model)
    derived = {main} | {join.resource for join in model_joins(model).get(main, {}).values()}
    return set(model.resources) <= derived


def stream_dataset(
    model: ApiModel,
    sink: RecordSink,
    *,
    seed: int = 42,
    count: int = 50,
    reference_date: datetime = DEFAULT_REFERENCE_DATE,
) -> dict[str, Any]:
    """Generate what generate_dataset generates, record for record, but hand each finished record to `sink` instead
    of keeping it (memory stays flat in the count); returns the file's metadata (the `generator` block).

    Only for models where can_stream is true (ValueError otherwise).
    """
    if not can_stream(model):
        raise ValueError(f"{model.name}: generation needs every record at the end; use generate_dataset")
    with paused_gc():
        return _generate(model, seed, count, reference_date, sink).meta


def _generate(
    model: ApiModel, seed: int, count: int, reference_date: datetime, sink: RecordSink | None = None
) -> Dataset:
    ruleset = rules_for(model.name)
    generic = is_generic(model)  # no vendor rules: values from property names, the spec's examples
    gen = Generator(
        model, seed, reference_date, extra_unique=dict(ruleset.unique), weights=ruleset.weights, by_name=generic
    )
    resources: dict[str, list[Record]] = {name: [] for name in model.resources}
    links = Links(model)
    # Streaming keeps only the records a later one may point at (to-one join targets: a participant's orders).
    kept = {join.resource for joins in model_joins(model).values() for join in joins.values() if not join.many}
    builder = _Builder(gen, ruleset, Context(model, links), resources, links, sink, kept)
    main = main_resource(model) if model.resources else ""  # a plain spec may have no resources at all
    joins = model_joins(model).get(main, {})
    for index in range(count if main else 0):
        if index % PROGRESS_EVERY == 0:
            report(model.name, index, count)
        gen.begin_record(index, count)
        record = gen.record(main)
        for join in joins.values():
            if join.many:
                for _ in range(gen.rng.randint(*CHILDREN)):
                    builder.add(join.resource, gen.record(join.resource), {join.foreign: record[join.local]})
            elif record.get(join.local) is not None:
                targets = resources[join.resource]
                if targets and gen.rng.random() < REUSE_RATE:
                    record[join.local] = gen.pick(targets)[join.foreign]
                else:
                    record[join.local] = builder.add(join.resource, gen.record(join.resource))[join.foreign]
        builder.add(main, record)
        if sink is not None:  # an order's items relate to no later order: later rules need not see them
            for name in (name for name, join in joins.items() if join.many):
                links.forget(main, name)
    report(model.name, count, count)
    derived = {main} | {join.resource for join in joins.values()}
    for name in model.resources:
        if name not in derived:  # a further independent collection gets `count` records of its own
            for index in range(count):
                gen.begin_record(index, count)
                builder.add(name, gen.record(name), parent_values(model, name, resources, gen.pick))
    if generic:
        adopt_examples(model, resources, lambda name: record_schema(model, name))
    generator = {
        "seed": seed,
        "count": count,
        "reference_date": gen.reference_date.isoformat(),
        "version": mock_server.__version__,
    }
    return Dataset(api=model.name, resources=resources, meta={"generator": generator})


@contextmanager
def paused_gc(*, freeze: bool = False) -> Iterator[None]:
    """The cyclic collector off while records are built; with `freeze`, what was built is then moved out of its
    reach for good (records that live as long as the server)."""
    # Fixtures are hundreds of thousands of acyclic dicts: the cyclic collector would rescan them again and again
    # (10,000 e-guma orders: 0.9 s with it, 0.6 s without; 50,000: 5.1 s and 3.0 s).
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            if freeze:
                gc.freeze()
            gc.enable()


@dataclass(slots=True)
class _Builder:
    gen: Generator
    ruleset: RuleSet
    ctx: Context
    resources: dict[str, list[Record]]
    links: Links
    sink: RecordSink | None = None
    kept: set[str] = field(default_factory=set)
    fixes: dict[str, list[Fix]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.fixes = {
            name: [rule.fix for rule in self.ruleset.for_resource(name) if rule.fix is not None]
            for name in self.resources
        }

    def add(self, resource: str, record: Record, values: dict[str, Any] | None = None) -> Record:
        """Apply the resource's fixes to a new record and store it."""
        record.update(values or {})
        for fix in self.fixes[resource]:
            fix(record, self.ctx, self.gen)
        if self.sink is None or resource in self.kept:
            self.resources[resource].append(record)
        if self.sink is not None:
            self.sink(resource, record)
        self.links.add(resource, record)
        return record


# -- file IO -------------------------------------------------------------------------------------------------------


def dump_dataset(dataset: Dataset) -> bytes:
    """The fixture file's bytes: deterministic JSON, 2-space indent, trailing newline."""
    document: dict[str, Any] = {"api": dataset.api}
    if "generator" in dataset.meta:
        document["generator"] = dataset.meta["generator"]
    document["resources"] = dataset.resources
    return orjson.dumps(document, option=orjson.OPT_INDENT_2) + b"\n"


def write_dataset(dataset: Dataset, out_dir: Path) -> Path:
    """Write `out_dir/<api>.json` (atomically) and return its path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{dataset.api}.json"
    partial = path.with_name(f".{path.name}.partial")
    partial.write_bytes(dump_dataset(dataset))
    os.replace(partial, path)
    return path


def load_dataset(path: Path, model: ApiModel) -> Dataset:
    """Parse and check a fixture file; FixtureError listing every problem when it breaks the spec or a rule."""
    with paused_gc():
        return _load(path, model)


def _load(path: Path, model: ApiModel) -> Dataset:
    file = str(path)
    try:
        raw = orjson.loads(path.read_bytes())
    except OSError as exc:
        raise FixtureError([Problem(file, "", f"cannot read file: {exc.strerror or exc}")]) from None
    except orjson.JSONDecodeError as exc:
        raise FixtureError([Problem(file, "", f"not valid JSON: {exc}")]) from None
    dataset, problems = _parse(raw, file)
    if dataset is not None:
        problems += check_dataset(dataset, model, file)
    if problems or dataset is None:
        raise FixtureError(problems)
    return dataset


def _parse(raw: Any, file: str) -> tuple[Dataset | None, list[Problem]]:
    if not isinstance(raw, dict):
        return None, [Problem(file, "", "not a fixture file: the top level must be an object with api and resources")]
    problems = [
        Problem(file, pointer(key), f"unknown member; a fixture file has {', '.join(TOP_LEVEL)}")
        for key in raw
        if key not in TOP_LEVEL
    ]
    api, resources, generator = raw.get("api"), raw.get("resources"), raw.get("generator")
    if not isinstance(api, str):
        problems.append(Problem(file, "/api", "missing: the name of the API (a string)"))
    if not isinstance(resources, dict):
        problems.append(Problem(file, "/resources", "missing: an object of resource name -> array of records"))
    else:
        problems += [
            Problem(file, pointer("resources", name), "must be an array of records")
            for name, records in resources.items()
            if not isinstance(records, list)
        ]
    if generator is not None and not isinstance(generator, dict):
        problems.append(Problem(file, "/generator", "must be an object (seed, count, reference_date, version)"))
    if problems or not isinstance(api, str) or not isinstance(resources, dict):
        return None, problems
    meta = {"generator": generator} if generator is not None else {}
    return Dataset(api=api, resources=resources, meta=meta), []


# -- checking ------------------------------------------------------------------------------------------------------


def check_dataset(dataset: Dataset, model: ApiModel, file: str) -> list[Problem]:
    """Every problem of a dataset: shape, spec schema (plus hidden fields), the API's views, keys, links and rules."""
    problems = _check_shape(dataset, model, file)
    resources = {name: records for name, records in dataset.resources.items() if name in model.resources}
    order = {name: i for i, name in enumerate(model.resources)}
    findings: list[tuple[int, int, int, str, str]] = []
    invalid: set[tuple[str, int]] = set()

    def report(resource: str, index: int, violation: Violation) -> None:
        findings.append((order[resource], index, len(findings), violation.pointer, violation.message))

    for resource, records in resources.items():
        for index, violation in _check_schema(model, resource, records):
            invalid.add((resource, index))
            report(resource, index, violation)
    ruleset = rules_for(model.name)
    links = Links.of(model, resources)
    ctx = Context(model, links)
    for resource, records in resources.items():
        for index, violation in _check_views(model, resource, records, invalid):
            report(resource, index, violation)
        rules = [rule for rule in ruleset.for_resource(resource) if rule.check is not None]
        for index, record in enumerate(records):
            if (resource, index) in invalid:
                continue  # its schema problems are reported; rules assume a well-typed record
            for rule in rules:
                try:
                    for violation in rule.check(record, ctx):  # type: ignore[misc]
                        report(resource, index, violation)
                except _RULE_ERRORS as exc:
                    report(
                        resource,
                        index,
                        Violation("", f"rule {rule.name} cannot be checked: {exc!r} (a related record is malformed)"),
                    )
    for resource, index, violation in [*check_unique(model, resources, ruleset), *check_links(model, resources, links)]:
        report(resource, index, violation)
    findings.sort()
    names = list(model.resources)
    problems += [
        Problem(file, f"{names[res]} record {index}: {where or '/'}", message)
        for res, index, _, where, message in findings
    ]
    return problems


def _check_shape(dataset: Dataset, model: ApiModel, file: str) -> list[Problem]:
    problems = []
    if dataset.api != model.name:
        problems.append(Problem(file, "/api", f"is {dataset.api!r}, but {model.spec.path} describes {model.name!r}"))
    problems += [
        Problem(file, pointer("resources", name), f"unknown resource; {model.name} has {', '.join(model.resources)}")
        for name in dataset.resources
        if name not in model.resources
    ]
    problems += [
        Problem(file, pointer("resources", name), "missing: an array of records (may be empty)")
        for name in model.resources
        if name not in dataset.resources
    ]
    return problems


def record_schema(model: ApiModel, resource: str) -> Schema:
    """The JSON Schema every record of the resource validates against: its spec schema plus its hidden fields.

    Hidden fields are optional here ("a record may carry"); where a response requires one (printlounge's
    internalOrderCode in the order list), the view check reports its absence.
    """
    res = model.resources[resource]
    schema = to_json_schema(res.schema)
    if res.hidden:
        schema["properties"] = {
            **schema.get("properties", {}),
            **{name: to_json_schema(sub) for name, sub in res.hidden.items()},
        }
    return schema


def _check_schema(model: ApiModel, resource: str, records: list[Record]) -> Iterator[tuple[int, Violation]]:
    explainer = _Explainer(record_schema(model, resource))
    for index, record in enumerate(records):
        for where, message in explainer.errors(record):
            yield index, Violation(where, message)


class _Explainer:
    """Schema errors with useful pointers: a failed `anyOf [X, null]` (a nullable field) is explained by X's errors."""

    def __init__(self, schema: Schema) -> None:
        self._schema = schema
        self._validators: dict[int, Any] = {}

    def errors(
        self, instance: Any, schema: Schema | None = None, prefix: tuple[str | int, ...] = ()
    ) -> Iterator[tuple[str, str]]:
        schema = self._schema if schema is None else schema
        validator = self._validator(schema)
        if validator.is_valid(instance):
            return
        for error in validator.iter_errors(instance):
            path = (*prefix, *error.instance_path)
            branches = _at(schema, error.schema_path) if error.schema_path[-1:] == ["anyOf"] else None
            real = [b for b in branches or [] if not self._validator(b).is_valid(None)]
            if len(real) == 1 and _at(instance, error.instance_path) is not None:
                yield from self.errors(_at(instance, error.instance_path), real[0], path)
            else:
                yield pointer(*path), error.message

    def _validator(self, schema: Schema) -> Any:
        validator = self._validators.get(id(schema))
        if validator is None:
            validator = self._validators[id(schema)] = jsonschema_rs.Draft4Validator(schema, validate_formats=True)
        return validator


def _at(node: Any, path: list[str | int]) -> Any:
    for part in path:
        node = node[part]
    return node


def _check_views(
    model: ApiModel, resource: str, records: list[Record], invalid: set[tuple[str, int]]
) -> Iterator[tuple[int, Violation]]:
    # A response shows a projection of the record (x-mock view); where that shape differs from the record's own
    # schema (printlounge's list entry), the projection must validate too, or the mock would serve invalid data.
    own = _shape(to_json_schema(model.resources[resource].schema))
    joined = set(model_joins(model).get(resource, {}))
    seen: set[bytes] = set()
    for op in model.operations.values():
        if op.resource != resource:
            continue
        envelope = op.envelope.data if op.envelope is not None else None
        schema = to_json_schema(_item_schema(model, op.path, op.method, op.action, envelope))
        key = orjson.dumps([schema, op.rename], option=orjson.OPT_SORT_KEYS)
        if not schema or key in seen or (not op.rename and _shape(schema) == own):
            continue
        seen.add(key)
        validator = jsonschema_rs.Draft4Validator(schema, validate_formats=True)
        fields = {prop: op.rename.get(prop, prop) for prop in (schema.get("properties") or {}) if prop not in joined}
        for index, record in enumerate(records):
            if (resource, index) in invalid:
                continue
            view = {prop: record[name] for prop, name in fields.items() if name in record}
            for error in validator.iter_errors(view):
                path: list[str | int] = list(error.instance_path)
                shown = f"as {path[0]} " if path else ""
                if path:
                    path[0] = fields.get(str(path[0]), str(path[0]))
                yield index, Violation(pointer(*path), f"{error.message} ({shown}in the response of {op.operation_id})")


def _item_schema(model: ApiModel, path: str, method: str, action: str, envelope: str | None) -> Schema:
    schema = merge_all_of(response_schema(model.spec.resolved["paths"][path][method]))
    if envelope:
        schema = merge_all_of((schema.get("properties") or {}).get(envelope, {}))
    if action == "list" and schema.get("type") == "array":
        schema = merge_all_of(schema.get("items") or {})
    return schema


def _shape(schema: Schema) -> bytes:
    return orjson.dumps([schema.get("properties"), sorted(schema.get("required") or [])], option=orjson.OPT_SORT_KEYS)
