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

FilterOp = Literal["eq", "gte", "gt", "lt", "lte", "in", "not_in", "any_in", "contains"]
FILTER_OPS: tuple[str, ...] = ("eq", "gte", "gt", "lt", "lte", "in", "not_in", "any_in", "contains")
Action = Literal["list", "read", "update", "create", "replace", "patch", "delete", "respond"]
ACTIONS: tuple[str, ...] = ("list", "read", "update", "create", "replace", "patch", "delete", "respond")
KEYED_ACTIONS = frozenset({"read", "update", "replace", "patch", "delete"})
"""Actions on one record, found through `lookup`."""
PagingStyle = Literal["keyset", "offset", "cursor"]


@dataclass(frozen=True, slots=True)
class ParentLink:
    """A child resource's parent: each record carries the parent's key in `field`."""

    resource: str
    field: str


@dataclass(frozen=True, slots=True)
class Resource:
    """A collection the store holds: its record schema (resolved), key and unique fields."""

    name: str
    schema_ref: str
    schema: Schema
    key: str
    unique: tuple[str, ...] = ()
    hidden: dict[str, Schema] = field(default_factory=dict)
    parent: ParentLink | None = None


@dataclass(frozen=True, slots=True)
class Filter:
    param: str
    field: str
    op: FilterOp = "eq"
    fields: tuple[str, ...] = ()
    """contains only: the fields any of which may hold the substring (instead of `field`)."""


@dataclass(frozen=True, slots=True)
class Sort:
    default: str
    default_direction: Literal["asc", "desc"] = "asc"
    param: str | None = None
    fields: dict[str, str] = field(default_factory=dict)
    direction_param: str | None = None
    directions: dict[str, str] = field(default_factory=dict)
    prefix_desc: bool = False
    """A sort value "-name" means name, descending."""


@dataclass(frozen=True, slots=True)
class Paging:
    style: PagingStyle
    limit_param: str
    default_limit: int
    max_limit: int | None = None
    after_param: str | None = None
    skip_param: str | None = None
    page_param: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    cursor_param: str | None = None


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
    data: str | None
    """The key the records go under; None for a bare array (then total/next have no place)."""
    meta: dict[str, Any]
    total: str | None = None
    """A body property set to the filtered total."""
    next: str | None = None
    """A body property set to the next page's cursor (or URL), null on the last page."""


@dataclass(frozen=True, slots=True)
class Lookup:
    param: str
    field: str


@dataclass(frozen=True, slots=True)
class Update:
    fields: dict[str, str]
    touch: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Create:
    status: int
    location: bool = False


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
    parent: Lookup | None = None
    """The path parameter scoping the operation to one parent record (child resources)."""
    create: Create | None = None
    status: int = 200
    """The answer's status: the first declared 2xx (create: create.status)."""


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
        from mock_server.infer import complete_spec  # a plain (or partly annotated) spec: annotations inferred

        self.spec = complete_spec(self.spec)
        doc = self.spec.resolved
        api = self.spec.document.get("x-mock-api")
        if not isinstance(api, dict):
            raise SpecError([Problem(str(self.spec.path), "/x-mock-api", "missing: the mock needs x-mock-api")])
        resources = {name: self.resource(name, raw) for name, raw in (api.get("resources") or {}).items()}
        self.check_parents(resources)
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
        if schema and key not in schema_properties(schema):
            self.fail(f"{pointer}/key", f"key field {key!r} is not a property of {ref}")
        parent = None
        if "parent" in raw:
            link = raw["parent"]
            if not isinstance(link, dict) or not isinstance(link.get("resource"), str) or not link.get("field"):
                self.fail(f"{pointer}/parent", "parent needs {resource: NAME, field: FIELD}")
            else:
                parent = ParentLink(resource=link["resource"], field=str(link["field"]))
        return Resource(
            name=name,
            schema_ref=ref,
            schema=schema,
            key=key,
            unique=tuple(raw.get("unique") or ()),
            hidden=dict(raw.get("hidden") or {}),
            parent=parent,
        )

    def check_parents(self, resources: dict[str, Resource]) -> None:
        for name, res in resources.items():
            if res.parent is not None and res.parent.resource not in resources:
                self.fail(
                    f"/x-mock-api/resources/{name}/parent/resource",
                    f"unknown resource {res.parent.resource!r}; declared: {sorted(resources)}",
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
        action = mock.get("action")
        if action not in ACTIONS:
            self.fail(f"{pointer}/action", f"action must be one of {', '.join(ACTIONS)}, not {action!r}")
            return None
        resource = mock.get("resource")
        if action == "respond" and resource is None:
            resource = ""
        elif resource not in resources:
            self.fail(f"{pointer}/resource", f"unknown resource {resource!r}; declared: {sorted(resources)}")
            return None
        shared = self.spec.resolved["paths"][path].get("parameters") or []  # path-item level, overridden per op
        params = {
            p["name"]: p for p in [*shared, *(resolved.get("parameters") or [])] if isinstance(p, dict) and "name" in p
        }
        statuses = _success_statuses(resolved)
        status = statuses[0] if statuses else 200
        create = (
            self.create(f"{pointer}/create", mock.get("create"), resolved, statuses) if action == "create" else None
        )
        if create is not None:
            status = create.status
        item_schema = _item_schema(resolved, action, mock.get("envelope"), str(status))
        props = tuple(name for name, sub in schema_properties(item_schema).items() if not _write_only(sub))
        filters = tuple(
            self.filter_(f"{pointer}/filters/{i}", f, params) for i, f in enumerate(mock.get("filters") or [])
        )
        sort = self.sort(f"{pointer}/sort", mock["sort"]) if "sort" in mock else None
        paging = self.paging(f"{pointer}/paging", mock["paging"], params) if "paging" in mock else None
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
        envelope = self.envelope(f"{pointer}/envelope", mock["envelope"]) if "envelope" in mock else None
        lookup = None
        if action in KEYED_ACTIONS:
            raw_lookup = mock.get("lookup") or {}
            if raw_lookup.get("param") not in params:
                self.fail(f"{pointer}/lookup/param", f"lookup needs a declared path parameter, got {raw_lookup!r}")
                return None
            lookup = Lookup(param=raw_lookup["param"], field=raw_lookup.get("field", resources[resource].key))
        parent = None
        if "parent" in mock:
            raw_parent = mock["parent"]
            if not isinstance(raw_parent, dict) or raw_parent.get("param") not in params:
                self.fail(f"{pointer}/parent/param", f"parent needs a declared path parameter, got {raw_parent!r}")
                return None
            link = resources[resource].parent if resource else None
            field_name = raw_parent.get("field") or (link.field if link else None)
            if not field_name:
                self.fail(f"{pointer}/parent/field", "parent needs the record field holding the parent key")
                return None
            parent = Lookup(param=raw_parent["param"], field=str(field_name))
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
            parent=parent,
            create=create,
            status=status,
        )

    def create(self, pointer: str, raw: Any, resolved: dict[str, Any], statuses: list[int]) -> Create | None:
        raw = raw or {}
        if not isinstance(raw, dict):
            self.fail(pointer, "create must be a mapping {status, location}")
            return None
        status = raw.get("status", statuses[0] if statuses else 201)
        if not isinstance(status, int) or status not in statuses:
            self.fail(f"{pointer}/status", f"status must be a declared 2xx status of the operation, not {status!r}")
            return None
        location = raw.get("location", False)
        if not isinstance(location, bool):
            self.fail(f"{pointer}/location", "location must be true or false")
            return None
        response = (resolved.get("responses") or {}).get(str(status)) or {}
        if location and "location" not in {h.lower() for h in response.get("headers") or {}}:
            self.fail(f"{pointer}/location", f"the {status} response declares no Location header")
            return None
        return Create(status=status, location=location)

    def filter_(self, pointer: str, raw: dict[str, Any], params: dict[str, Any]) -> Filter:
        op = raw.get("op", "eq")
        if op not in FILTER_OPS:
            self.fail(f"{pointer}/op", f"unknown filter op {op!r}; known: {', '.join(FILTER_OPS)}")
        if raw.get("param") not in params:
            self.fail(f"{pointer}/param", f"filter parameter {raw.get('param')!r} is not declared on the operation")
        fields = raw.get("fields") or []
        if fields and (op != "contains" or not all(isinstance(f, str) and f for f in fields)):
            self.fail(f"{pointer}/fields", "fields (a list of field names) is only for op contains")
            fields = []
        first = fields[0] if fields else raw.get("field", raw.get("param", ""))
        return Filter(param=raw.get("param", ""), field=first, op=op, fields=tuple(fields))

    def sort(self, pointer: str, raw: dict[str, Any]) -> Sort:
        direction = raw.get("default_direction", "asc")
        if direction not in ("asc", "desc"):
            self.fail(f"{pointer}/default_direction", "must be asc or desc")
        prefix_desc = raw.get("prefix_desc", False)
        if not isinstance(prefix_desc, bool):
            self.fail(f"{pointer}/prefix_desc", "must be true or false")
        if "default" not in raw:
            self.fail(f"{pointer}/default", "missing: the field sorted by when no sort parameter is given")
        return Sort(
            default=raw.get("default", ""),
            default_direction=direction,
            param=raw.get("param"),
            fields=dict(raw.get("fields") or {}),
            direction_param=raw.get("direction_param"),
            directions={k: str(v).lower() for k, v in (raw.get("directions") or {}).items()},
            prefix_desc=prefix_desc is True,
        )

    def paging(self, pointer: str, raw: dict[str, Any], params: dict[str, Any]) -> Paging:
        style: PagingStyle = "offset"
        if raw.get("style") in ("keyset", "cursor"):
            style = raw["style"]
        elif raw.get("style") != "offset":
            self.fail(f"{pointer}/style", f"paging style must be keyset, offset or cursor, not {raw.get('style')!r}")
        for name in ("default_limit", "max_limit"):
            value = raw.get(name)
            if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
                self.fail(f"{pointer}/{name}", f"must be a positive integer, not {value!r}")
        default_limit = raw.get("default_limit", 20)
        cursor_param = raw.get("cursor_param")
        if style == "cursor" and cursor_param not in params:
            self.fail(f"{pointer}/cursor_param", f"cursor paging needs a declared parameter, got {cursor_param!r}")
        return Paging(
            style=style,
            limit_param=raw.get("limit_param", "limit"),
            default_limit=default_limit if isinstance(default_limit, int) else 20,
            max_limit=raw.get("max_limit"),
            after_param=raw.get("after_param"),
            skip_param=raw.get("skip_param"),
            page_param=raw.get("page_param"),
            headers=dict(raw.get("headers") or {}),
            cursor_param=cursor_param,
        )

    def envelope(self, pointer: str, raw: Any) -> Envelope | None:
        if not isinstance(raw, dict):
            self.fail(pointer, "envelope must be a mapping {data, meta, total, next}")
            return None
        for name in ("data", "total", "next"):
            if raw.get(name) is not None and not isinstance(raw[name], str):
                self.fail(f"{pointer}/{name}", "must be a property name (a string)")
                return None
        data = raw.get("data")
        if data is None and (raw.get("total") or raw.get("next") or raw.get("meta")):
            self.fail(f"{pointer}/data", "total, next and meta need an envelope object: name its data property")
            return None
        return Envelope(data=data, meta=dict(raw.get("meta") or {}), total=raw.get("total"), next=raw.get("next"))


def _success_statuses(op: dict[str, Any]) -> list[int]:
    return [int(s) for s in (op.get("responses") or {}) if str(s).isdigit() and str(s).startswith("2")]


def _write_only(schema: Any) -> bool:
    return isinstance(schema, dict) and schema.get("writeOnly") is True


def _resolve_schema(spec: Spec, ref: str) -> Schema:
    schema = resolve_pointer(spec.resolved, ref)
    if not isinstance(schema, dict):
        raise KeyError(ref)
    return schema


def success_response(op: dict[str, Any], status: str | None = None) -> tuple[str, dict[str, Any]]:
    """The first 2xx response of a resolved operation (or the one of `status`): (status, response object)."""
    for code, response in (op.get("responses") or {}).items():
        if str(code) == status if status is not None else str(code).startswith("2"):
            return str(code), response
    return "200", {}


def response_schema(op: dict[str, Any], status: str | None = None) -> Schema:
    """The JSON schema of the first 2xx response (or of `status`; resolved), or {}."""
    _, response = success_response(op, status)
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
    """The one branch of an allOf/anyOf/oneOf wrapper that is not just `null`, or the schema itself (several
    branches: their properties are read together by schema_properties)."""
    for keyword in ("allOf", "anyOf", "oneOf"):
        branches = [b for b in schema.get(keyword) or [] if isinstance(b, dict) and b.get("enum") != [None]]
        if len(branches) == 1:
            return _unwrap(branches[0])
    return schema


def _item_schema(op: dict[str, Any], action: str, envelope: Any, status: str | None = None) -> Schema:
    schema = response_schema(op, status)
    if isinstance(envelope, dict) and envelope.get("data"):
        schema = _unwrap(schema_properties(schema).get(envelope["data"], {}))
    schema = _unwrap(schema) if "type" not in schema else schema
    if action == "list" and schema.get("type") == "array":
        schema = _unwrap(schema.get("items") or {})
    return schema


def _escape(path: str) -> str:
    return path.replace("~", "~0").replace("/", "~1")
