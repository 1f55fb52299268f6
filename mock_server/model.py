"""This module contains the mock model: the spec's x-mock-api / x-mock extensions parsed into typed values.

See docs/spec-extensions.md for the vocabulary. Parsing happens once at start-up; a bad annotation is a SpecError
with the file and the JSON pointer of the offending node.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from mock_server.errors import Problem, SpecError
from mock_server.specs import Spec, resolve_pointer
from mock_server.types import Schema

FilterOp = Literal["eq", "gte", "lt", "in", "not_in", "any_in"]
FILTER_OPS: tuple[str, ...] = ("eq", "gte", "lt", "in", "not_in", "any_in")
Action = Literal["list", "read", "update"]


@dataclass(frozen=True, slots=True)
class Resource:
    """A collection the store holds: its record schema (resolved), key and unique fields."""

    name: str
    schema_ref: str
    schema: Schema
    key: str
    unique: tuple[str, ...] = ()
    hidden: dict[str, Schema] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Filter:
    param: str
    field: str
    op: FilterOp = "eq"


@dataclass(frozen=True, slots=True)
class Sort:
    default: str
    default_direction: Literal["asc", "desc"] = "asc"
    param: str | None = None
    fields: dict[str, str] = field(default_factory=dict)
    direction_param: str | None = None
    directions: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Paging:
    style: Literal["keyset", "offset"]
    limit_param: str
    default_limit: int
    max_limit: int | None = None
    after_param: str | None = None
    skip_param: str | None = None
    page_param: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Join:
    name: str
    resource: str
    local: str
    foreign: str
    many: bool = False


@dataclass(frozen=True, slots=True)
class Includes:
    param: str
    joins: dict[str, Join]


@dataclass(frozen=True, slots=True)
class Envelope:
    data: str
    meta: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Lookup:
    param: str
    field: str


@dataclass(frozen=True, slots=True)
class Update:
    fields: dict[str, str]
    touch: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Operation:
    """What the generic engine does for one operation."""

    operation_id: str
    method: str
    path: str
    resource: str
    action: Action
    item_properties: tuple[str, ...]
    rename: dict[str, str] = field(default_factory=dict)
    filters: tuple[Filter, ...] = ()
    sort: Sort | None = None
    paging: Paging | None = None
    includes: Includes | None = None
    envelope: Envelope | None = None
    lookup: Lookup | None = None
    update: Update | None = None
    required_scopes: tuple[str, ...] = ()
    feature_flag: str | None = None


@dataclass(frozen=True, slots=True)
class ApiModel:
    """One vendor API as the engine sees it."""

    name: str
    spec: Spec
    locale: str
    currency: str
    resources: dict[str, Resource]
    operations: dict[str, Operation]

    @classmethod
    def from_spec(cls, spec: Spec) -> ApiModel:
        """Parse the x-mock annotations of a spec; SpecError with every problem found."""
        return _Parser(spec).parse()


class _Parser:
    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.problems: list[Problem] = []

    def fail(self, pointer: str, message: str) -> None:
        self.problems.append(Problem(str(self.spec.path), pointer, message))

    def parse(self) -> ApiModel:
        doc = self.spec.resolved
        api = self.spec.document.get("x-mock-api")
        if not isinstance(api, dict):
            raise SpecError([Problem(str(self.spec.path), "/x-mock-api", "missing: the mock needs x-mock-api")])
        resources = {name: self.resource(name, raw) for name, raw in (api.get("resources") or {}).items()}
        operations: dict[str, Operation] = {}
        for path, method, raw_op in self.spec.operations():
            pointer = f"/paths/{_escape(path)}/{method}"
            resolved_op = doc["paths"][path][method]
            op = self.operation(pointer, path, method, raw_op, resolved_op, resources)
            if op is not None:
                operations[op.operation_id] = op
        if self.problems:
            raise SpecError(self.problems)
        return ApiModel(
            name=self.spec.name,
            spec=self.spec,
            locale=str(api.get("locale", "en_US")),
            currency=str(api.get("currency", "EUR")),
            resources=resources,
            operations=operations,
        )

    def resource(self, name: str, raw: dict[str, Any]) -> Resource:
        pointer = f"/x-mock-api/resources/{name}"
        ref = raw.get("schema", "")
        try:
            schema = _resolve_schema(self.spec, ref)
        except KeyError:
            self.fail(f"{pointer}/schema", f"$ref {ref!r} does not resolve")
            schema = {}
        key = raw.get("key", "id")
        if schema and key not in (schema.get("properties") or {}):
            self.fail(f"{pointer}/key", f"key field {key!r} is not a property of {ref}")
        return Resource(
            name=name,
            schema_ref=ref,
            schema=schema,
            key=key,
            unique=tuple(raw.get("unique") or ()),
            hidden=dict(raw.get("hidden") or {}),
        )

    def operation(
        self,
        pointer: str,
        path: str,
        method: str,
        raw: dict[str, Any],
        resolved: dict[str, Any],
        resources: dict[str, Resource],
    ) -> Operation | None:
        mock = raw.get("x-mock")
        op_id = raw.get("operationId") or f"{method.upper()} {path}"
        if not isinstance(mock, dict):
            self.fail(f"{pointer}/x-mock", "missing: every operation needs x-mock (resource and action)")
            return None
        pointer += "/x-mock"
        resource = mock.get("resource")
        if resource not in resources:
            self.fail(f"{pointer}/resource", f"unknown resource {resource!r}; declared: {sorted(resources)}")
            return None
        action = mock.get("action")
        if action not in ("list", "read", "update"):
            self.fail(f"{pointer}/action", f"action must be list, read or update, not {action!r}")
            return None
        params = {p["name"]: p for p in resolved.get("parameters") or [] if isinstance(p, dict) and "name" in p}
        item_schema = _item_schema(resolved, action, mock.get("envelope"))
        props = tuple(schema_properties(item_schema))
        filters = tuple(
            self.filter_(f"{pointer}/filters/{i}", f, params) for i, f in enumerate(mock.get("filters") or [])
        )
        sort = self.sort(f"{pointer}/sort", mock["sort"]) if "sort" in mock else None
        paging = self.paging(f"{pointer}/paging", mock["paging"]) if "paging" in mock else None
        includes = None
        if "includes" in mock:
            inc = mock["includes"]
            joins = {
                n: Join(
                    name=n,
                    resource=j["resource"],
                    local=j["local"],
                    foreign=j["foreign"],
                    many=bool(j.get("many", False)),
                )
                for n, j in (inc.get("joins") or {}).items()
            }
            for n, j in joins.items():
                if j.resource not in resources:
                    self.fail(f"{pointer}/includes/joins/{n}/resource", f"unknown resource {j.resource!r}")
            includes = Includes(param=inc["param"], joins=joins)
        envelope = None
        if "envelope" in mock:
            envelope = Envelope(data=mock["envelope"]["data"], meta=dict(mock["envelope"].get("meta") or {}))
        lookup = None
        if action in ("read", "update"):
            raw_lookup = mock.get("lookup") or {}
            if raw_lookup.get("param") not in params:
                self.fail(f"{pointer}/lookup/param", f"lookup needs a declared path parameter, got {raw_lookup!r}")
                return None
            lookup = Lookup(param=raw_lookup["param"], field=raw_lookup.get("field", resources[resource].key))
        update = None
        if action == "update":
            raw_update = mock.get("update") or {}
            update = Update(fields=dict(raw_update.get("fields") or {}), touch=dict(raw_update.get("touch") or {}))
        scopes = raw.get("x-required-scopes") or []
        return Operation(
            operation_id=op_id,
            method=method,
            path=path,
            resource=resource,
            action=action,
            item_properties=props,
            rename=dict((mock.get("view") or {}).get("rename") or {}),
            filters=filters,
            sort=sort,
            paging=paging,
            includes=includes,
            envelope=envelope,
            lookup=lookup,
            update=update,
            required_scopes=tuple(scopes),
            feature_flag=raw.get("x-feature-flag"),
        )

    def filter_(self, pointer: str, raw: dict[str, Any], params: dict[str, Any]) -> Filter:
        op = raw.get("op", "eq")
        if op not in FILTER_OPS:
            self.fail(f"{pointer}/op", f"unknown filter op {op!r}; known: {', '.join(FILTER_OPS)}")
        if raw.get("param") not in params:
            self.fail(f"{pointer}/param", f"filter parameter {raw.get('param')!r} is not declared on the operation")
        return Filter(param=raw.get("param", ""), field=raw.get("field", raw.get("param", "")), op=op)

    def sort(self, pointer: str, raw: dict[str, Any]) -> Sort:
        direction = raw.get("default_direction", "asc")
        if direction not in ("asc", "desc"):
            self.fail(f"{pointer}/default_direction", "must be asc or desc")
        return Sort(
            default=raw["default"],
            default_direction=direction,
            param=raw.get("param"),
            fields=dict(raw.get("fields") or {}),
            direction_param=raw.get("direction_param"),
            directions={k: str(v).lower() for k, v in (raw.get("directions") or {}).items()},
        )

    def paging(self, pointer: str, raw: dict[str, Any]) -> Paging:
        style: Literal["keyset", "offset"] = "keyset" if raw.get("style") == "keyset" else "offset"
        if raw.get("style") not in ("keyset", "offset"):
            self.fail(f"{pointer}/style", f"paging style must be keyset or offset, not {raw.get('style')!r}")
        return Paging(
            style=style,
            limit_param=raw.get("limit_param", "limit"),
            default_limit=int(raw.get("default_limit", 20)),
            max_limit=raw.get("max_limit"),
            after_param=raw.get("after_param"),
            skip_param=raw.get("skip_param"),
            page_param=raw.get("page_param"),
            headers=dict(raw.get("headers") or {}),
        )


def _resolve_schema(spec: Spec, ref: str) -> Schema:
    schema = resolve_pointer(spec.resolved, ref)
    if not isinstance(schema, dict):
        raise KeyError(ref)
    return schema


def success_response(op: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The first 2xx response of a resolved operation: (status, response object)."""
    for status, response in (op.get("responses") or {}).items():
        if str(status).startswith("2"):
            return str(status), response
    return "200", {}


def response_schema(op: dict[str, Any]) -> Schema:
    """The JSON schema of the first 2xx response (resolved), or {}."""
    _, response = success_response(op)
    content = response.get("content") or {}
    media: dict[str, Any] = content.get("application/json") or next(iter(content.values()), {})
    schema = media.get("schema") or {}
    return schema if isinstance(schema, dict) else {}


def schema_properties(schema: Schema) -> dict[str, Schema]:
    """The properties of an object schema, looking through allOf/anyOf/oneOf wrappers (descriptions on $refs,
    nullable $refs), in declaration order."""
    props: dict[str, Schema] = dict(schema.get("properties") or {})
    for keyword in ("allOf", "anyOf", "oneOf"):
        for branch in schema.get(keyword) or []:
            if isinstance(branch, dict):
                for name, sub in schema_properties(branch).items():
                    props.setdefault(name, sub)
    return props


def _unwrap(schema: Schema) -> Schema:
    """The first branch of an allOf/anyOf/oneOf wrapper that is not just `null`, or the schema itself."""
    for keyword in ("allOf", "anyOf", "oneOf"):
        for branch in schema.get(keyword) or []:
            if isinstance(branch, dict) and branch.get("enum") != [None]:
                return _unwrap(branch)
    return schema


def _item_schema(op: dict[str, Any], action: str, envelope: dict[str, Any] | None) -> Schema:
    schema = response_schema(op)
    if envelope:
        schema = _unwrap(schema_properties(schema).get(envelope.get("data", "data"), {}))
    schema = _unwrap(schema) if "type" not in schema else schema
    if action == "list" and schema.get("type") == "array":
        schema = _unwrap(schema.get("items") or {})
    return schema


def _escape(path: str) -> str:
    return path.replace("~", "~0").replace("/", "~1")
