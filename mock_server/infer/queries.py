"""This module contains the query semantics of a list operation, inferred from its parameter names and the record
fields: equality and range filters, substring search, sorting and paging, and the shape of the list response.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from mock_server.infer.document import Op, kind, properties
from mock_server.infer.names import find_field, norm, singular
from mock_server.infer.resources import Candidate, data_property
from mock_server.types import Schema

LIMIT_NAMES = frozenset({"limit", "perpage", "pagesize", "size", "maxresults", "maxitems", "pagelimit", "top"})
OFFSET_NAMES = frozenset({"offset", "skip", "start", "startindex"})
PAGE_NAMES = frozenset({"page", "pagenumber", "pageno", "pagenum"})
CURSOR_NAMES = frozenset(
    {"cursor", "after", "startingafter", "pagetoken", "nexttoken", "nextpagetoken", "continuationtoken", "pagecursor"}
)
SORT_NAMES = frozenset({"sort", "sortby", "orderby", "sortfield", "sortkey", "ordering"})
DIRECTION_NAMES = frozenset({"order", "direction", "sortorder", "sortdir", "sortdirection", "dir", "orderdirection"})
SEARCH_NAMES = frozenset({"q", "search", "query", "keyword", "keywords", "term", "searchterm", "searchquery"})
TOTAL_NAMES = frozenset(
    {"total", "count", "totalcount", "totalresults", "totalitems", "totalrecords", "totalelements", "totalsize"}
)
NEXT_NAMES = frozenset(
    {
        "next",
        "nextcursor",
        "nextpagetoken",
        "nexttoken",
        "nextpage",
        "cursor",
        "continuationtoken",
        "nextlink",
        "nexturl",
        "nextpageurl",
        "nextpagelink",
    }
)
SINCE_NAMES = {"since": "gte", "until": "lte"}
_RANGE_OPS = {
    "gte": "gte",
    "lte": "lte",
    "gt": "gt",
    "lt": "lt",
    "min": "gte",
    "max": "lte",
    "from": "gte",
    "to": "lte",
    "after": "gt",
    "before": "lt",
    "since": "gte",
    "until": "lte",
    "start": "gte",
    "end": "lte",
}
_WORDS = sorted(_RANGE_OPS, key=len, reverse=True)
_CAMEL = "|".join(word[0].upper() + word[1:] for word in _WORDS)
# created_at_gte, price-min, price.max, price[gte], createdAfter, dateFrom (a separator or a camel-case boundary)
_SUFFIX = re.compile(
    rf"^(?P<base>.+?)(?:[_.-](?P<a>{'|'.join(_WORDS)})|\[(?P<b>{'|'.join(_WORDS)})\]|(?P<c>{_CAMEL}))$"
)
# min_price, maxPrice, from-date (a lower-case prefix, then a separator or a capital)
_PREFIX = re.compile(r"^(?P<a>min|max|from|to|since|until)(?:[_.-](?P<base>.+)|(?P<camel>[A-Z].*))$")
SCALARS = ("string", "integer", "number", "boolean")


@dataclass
class ListSemantics:
    """The x-mock members of one list operation, and the parameters no rule matched."""

    mock: dict[str, Any] = field(default_factory=dict)
    unmatched: list[str] = field(default_factory=list)


def list_shape(schema: Schema, resource: str) -> dict[str, Any] | None:
    """The envelope of a list response (data / total / next), {} for a bare array, None when it holds no list."""
    if kind(schema) == "array":
        return {}
    data = data_property(schema, resource)
    if data is None:
        return None
    envelope: dict[str, Any] = {"data": data}
    for name, sub in properties(schema).items():
        if name == data:
            continue
        key = norm(name)
        if kind(sub) == "integer" and "total" not in envelope and (key in TOTAL_NAMES or key.endswith("count")):
            envelope["total"] = name
        elif kind(sub) == "string" and "next" not in envelope and key in NEXT_NAMES:
            envelope["next"] = name
    return envelope


def list_semantics(op: Op, resource: Candidate, envelope: dict[str, Any]) -> ListSemantics:
    """Filters, search, sort and paging of a list operation from its query parameter names."""
    out = ListSemantics()
    fields = properties(resource.schema)
    params = {p["name"]: p for p in op.params("query")}
    by_norm = {norm(name): name for name in params}
    paging = _paging(params, by_norm)
    sort = _sort(params, by_norm, fields, resource.key)
    used = set(paging.pop("_used", ())) | set(sort.pop("_used", ()) if sort else ())
    filters: list[dict[str, Any]] = []
    for name, param in params.items():
        if name in used:
            continue
        rule = _filter(name, param, fields, resource)
        if rule is None:
            out.unmatched.append(name)
        else:
            filters.append(rule)
    if filters:
        out.mock["filters"] = filters
    if sort:
        out.mock["sort"] = sort
    if paging:
        out.mock["paging"] = paging  # next: the cursor (cursor paging) or the next page's URL (offset paging)
    else:
        envelope.pop("next", None)
    if envelope.get("data"):
        out.mock["envelope"] = envelope
    return out


def _schema(param: dict[str, Any]) -> Schema:
    schema = param.get("schema")
    return schema if isinstance(schema, dict) else {}


def _paging(params: dict[str, Any], by_norm: dict[str, str]) -> dict[str, Any]:
    limit = next((by_norm[n] for n in by_norm if n in LIMIT_NAMES), None)
    cursor = next((by_norm[n] for n in by_norm if n in CURSOR_NAMES), None)
    offset = next((by_norm[n] for n in by_norm if n in OFFSET_NAMES), None) if limit else None
    page = next((by_norm[n] for n in by_norm if n in PAGE_NAMES), None)
    if limit is None and page is None and cursor is None:
        return {}
    paging: dict[str, Any] = {}
    if cursor is not None:
        paging.update(style="cursor", cursor_param=cursor)
    else:
        paging["style"] = "offset"
        if offset is not None:
            paging["skip_param"] = offset
        if page is not None:
            paging["page_param"] = page
    default, maximum = 20, None
    if limit is not None:
        paging["limit_param"] = limit
        schema = _schema(params[limit])
        maximum = schema.get("maximum") if isinstance(schema.get("maximum"), int) else None
        if isinstance(schema.get("default"), int) and schema["default"] > 0:
            default = schema["default"]
        if maximum is not None:
            default = min(default, maximum)
            paging["max_limit"] = maximum
    paging["default_limit"] = default
    paging["_used"] = [n for n in (limit, cursor, offset, page) if n is not None]
    return paging


def _sort(
    params: dict[str, Any], by_norm: dict[str, str], fields: dict[str, Schema], key: str
) -> dict[str, Any] | None:
    sort_name = next((by_norm[n] for n in by_norm if n in SORT_NAMES), None)
    direction = next((by_norm[n] for n in by_norm if n in DIRECTION_NAMES), None)
    if direction is not None and sort_name is None and not _is_direction(params[direction]):
        sort_name, direction = direction, None  # `order=name`: a sort field, not a direction
    if sort_name is None and direction is None:
        return None
    sort: dict[str, Any] = {"default": key, "_used": [n for n in (sort_name, direction) if n]}
    if sort_name is not None:
        sort["param"] = sort_name
        schema = _schema(params[sort_name])
        values = [v for v in _enum(schema) if isinstance(v, str)]
        mapping: dict[str, str] = {}
        prefix = not values or any(v.startswith("-") for v in values)
        for value in values:
            name = value[1:] if prefix and value.startswith("-") else value  # the engine strips the minus first
            target = find_field(name.lstrip("+"), fields)
            if target is not None and target != name:
                mapping[name] = target
        if mapping:
            sort["fields"] = mapping
        if prefix:
            sort["prefix_desc"] = True
        default = schema.get("default")
        if isinstance(default, str) and find_field(default.lstrip("+-"), fields):
            sort["default"] = find_field(default.lstrip("+-"), fields)
            if default.startswith("-"):
                sort["default_direction"] = "desc"
    if direction is not None:
        sort["direction_param"] = direction
        schema = _schema(params[direction])
        directions = {
            str(v): "desc" if str(v).lower().startswith("desc") else "asc"
            for v in _enum(schema)
            if str(v).lower().startswith(("asc", "desc"))
        }
        if directions:
            sort["directions"] = directions
        default = schema.get("default")
        if isinstance(default, str) and default.lower().startswith("desc"):
            sort["default_direction"] = "desc"
    return sort


def _enum(schema: Schema) -> list[Any]:
    if kind(schema) == "array":
        schema = schema.get("items") or {}
    values = schema.get("enum")
    return list(values) if isinstance(values, list) else []


def _is_direction(param: dict[str, Any]) -> bool:
    values = _enum(_schema(param))
    return not values or all(str(v).lower().startswith(("asc", "desc")) for v in values)


def _filter(name: str, param: dict[str, Any], fields: dict[str, Schema], resource: Candidate) -> dict[str, Any] | None:
    schema = _schema(param)
    many = kind(schema) == "array"
    if norm(name) in SEARCH_NAMES and not many:
        strings = [f for f, sub in fields.items() if kind(sub) == "string"]
        return {"param": name, "fields": strings, "op": "contains"} if strings else None
    target = find_field(name, fields, resource.name)
    if target is None and many:
        target = find_field(singular(name), fields)  # tags=a&tags=b filters the field tag
    if target is not None:
        return _equality(name, target, fields[target], many)
    if norm(name) in SINCE_NAMES and not many:
        stamp = _timestamp_field(fields)
        return {"param": name, "field": stamp, "op": SINCE_NAMES[norm(name)]} if stamp else None
    base, op = _range(name)
    if base is None or many:
        return None
    target = _range_field(base, fields)
    if target is None or kind(fields[target]) not in ("string", "integer", "number"):
        return None
    return {"param": name, "field": target, "op": op}


def _equality(name: str, target: str, schema: Schema, many: bool) -> dict[str, Any] | None:
    field_kind = kind(schema)
    if field_kind == "array":
        if kind(schema.get("items") or {}) not in SCALARS:
            return None
        return {"param": name, "field": f"{target}[]", "op": "any_in" if many else "eq"}
    if field_kind not in SCALARS:
        return None
    return {"param": name, "field": target, "op": "in" if many else "eq"}


def _range(name: str) -> tuple[str | None, str]:
    match = _SUFFIX.match(name)
    if match:
        word = (match.group("a") or match.group("b") or match.group("c")).lower()
        return match.group("base"), _RANGE_OPS[word]
    match = _PREFIX.match(name)
    if match:
        return match.group("base") or match.group("camel"), _RANGE_OPS[match.group("a").lower()]
    return None, ""


def _range_field(base: str, fields: dict[str, Schema]) -> str | None:
    """The field a range parameter's stem names: the field itself, or its timestamp (created ~ created_at)."""
    found = find_field(base, fields)
    if found is not None:
        return found
    stem = norm(base)
    for name in fields:
        if norm(name) in (stem + "at", stem + "date", stem + "time", stem + "on", "date" + stem):
            return name
    return None


def _timestamp_field(fields: dict[str, Schema]) -> str | None:
    stamps = [name for name, sub in fields.items() if sub.get("format") in ("date-time", "date")]
    for hint in ("updat", "modif", "creat"):
        found = next((name for name in stamps if hint in name.lower()), None)
        if found:
            return found
    return stamps[0] if stamps else None
