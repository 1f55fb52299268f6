"""This module contains list queries: filters, sort order and paging decoded from request parameters.

Pure values; the indexes that answer them quickly live in store.Collection.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

import orjson

from mock_server.model import Filter, Operation


class InvalidCursor(ValueError):
    """A paging cursor this mock did not hand out (or one from another sort order)."""


@dataclass(frozen=True, slots=True)
class Query:
    """One list request, decoded: active filters, sort field/direction and the page window."""

    filters: tuple[tuple[Filter, Any], ...] = ()
    sort_field: str | None = None
    descending: bool = False
    limit: int | None = None
    skip: int = 0
    after: Any = None
    cursor: tuple[Any, Any] | None = None
    """Cursor paging: continue after the record with this (sort value, key)."""
    want_more: bool = False
    """Whether the page must say if records follow it (a next cursor or link is answered)."""

    @classmethod
    def from_params(cls, op: Operation, params: dict[str, Any]) -> Query:
        """Decode the declared parameters of a list operation (already type-converted by connexion);
        InvalidCursor for a cursor parameter this mock did not hand out."""
        active = tuple((f, params[f.param]) for f in op.filters if _given(params.get(f.param)))
        sort_field, descending = None, False
        if op.sort is not None:
            sort = op.sort
            requested = params.get(sort.param) if sort.param else None
            if isinstance(requested, list):  # an array sort parameter: its first field
                requested = str(requested[0]) if requested else None
            direction: str = sort.default_direction
            if sort.direction_param and params.get(sort.direction_param):
                value = params[sort.direction_param]
                direction = sort.directions.get(value, str(value).lower())
            if sort.prefix_desc and isinstance(requested, str) and requested.startswith("-"):
                requested, direction = requested[1:], "desc"
            sort_field = sort.fields.get(requested, requested) if requested else sort.default
            descending = direction == "desc"
        limit, skip, after, cursor = None, 0, None, None
        paging = op.paging
        if paging is not None:
            limit = _page_size(params.get(paging.limit_param), paging.default_limit)
            if paging.max_limit is not None:
                limit = paging.max_limit if limit is None else min(limit, paging.max_limit)
            if paging.style == "keyset" and paging.after_param:
                after = params.get(paging.after_param)
            elif paging.style == "cursor" and paging.cursor_param and _given(params.get(paging.cursor_param)):
                cursor = decode_cursor(str(params[paging.cursor_param]))
            elif paging.style == "offset":
                page = _count(params.get(paging.page_param)) if paging.page_param else 0
                if page:
                    skip = (page - 1) * limit if limit else 0
                elif paging.skip_param:
                    skip = _count(params.get(paging.skip_param))
        want_more = paging is not None and (
            paging.style == "cursor" or (op.envelope is not None and op.envelope.next is not None)
        )
        return cls(
            filters=active,
            sort_field=sort_field,
            descending=descending,
            limit=limit,
            skip=skip,
            after=after,
            cursor=cursor,
            want_more=want_more,
        )


@dataclass(frozen=True, slots=True)
class Page:
    """The records (store positions, in order) of one list response; total is the filtered total (before any cursor)."""

    positions: list[int]
    total: int
    limit: int | None
    skip: int
    more: bool = False
    """Records follow this page (computed when the query wants it)."""

    @property
    def page_number(self) -> int:
        return self.skip // self.limit + 1 if self.limit else 1


def encode_cursor(sort_value: Any, key: Any) -> str:
    """The opaque cursor of a position: after the record with this sort value and key."""
    return base64.urlsafe_b64encode(orjson.dumps([sort_value, key])).decode().rstrip("=")


def decode_cursor(text: str) -> tuple[Any, Any]:
    """(sort value, key) of a cursor made by encode_cursor; InvalidCursor otherwise."""
    try:
        raw = orjson.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except (binascii.Error, ValueError):
        raise InvalidCursor(f"{text!r} is not a cursor this server handed out") from None
    if not isinstance(raw, list) or len(raw) != 2 or isinstance(raw[1], list | dict) or raw[1] is None:
        raise InvalidCursor(f"{text!r} is not a cursor this server handed out")
    return raw[0], raw[1]


def _page_size(value: Any, default: int) -> int | None:
    """The limit a page-size parameter asks for: the default when absent (or 0), None (no limit) for a value that
    is not an integer, which validation let through because the schema allows it (listmonk's `per_page=all`)."""
    if value is None or value == 0:
        return default
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _count(value: Any) -> int:
    """A page number or skip count; 0 for a value that is none (an alternative the schema allows, e.g. "all")."""
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _given(value: Any) -> bool:
    return value is not None and value != [] and value != ""
