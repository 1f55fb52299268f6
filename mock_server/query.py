"""This module contains list queries: filters, sort order and paging decoded from request parameters.

Pure values; the indexes that answer them quickly live in store.Collection.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mock_server.model import Filter, Operation


@dataclass(frozen=True, slots=True)
class Query:
    """One list request, decoded: active filters, sort field/direction and the page window."""

    filters: tuple[tuple[Filter, Any], ...] = ()
    sort_field: str | None = None
    descending: bool = False
    limit: int | None = None
    skip: int = 0
    after: Any = None

    @classmethod
    def from_params(cls, op: Operation, params: dict[str, Any]) -> Query:
        """Decode the declared parameters of a list operation (already type-converted by connexion)."""
        active = tuple((f, params[f.param]) for f in op.filters if _given(params.get(f.param)))
        sort_field, descending = None, False
        if op.sort is not None:
            sort = op.sort
            requested = params.get(sort.param) if sort.param else None
            sort_field = sort.fields.get(requested, requested) if requested else sort.default
            direction: str = sort.default_direction
            if sort.direction_param and params.get(sort.direction_param):
                value = params[sort.direction_param]
                direction = sort.directions.get(value, str(value).lower())
            descending = direction == "desc"
        limit, skip, after = None, 0, None
        paging = op.paging
        if paging is not None:
            limit = params.get(paging.limit_param) or paging.default_limit
            if paging.max_limit is not None:
                limit = min(limit, paging.max_limit)
            if paging.style == "keyset" and paging.after_param:
                after = params.get(paging.after_param)
            elif paging.style == "offset":
                page = params.get(paging.page_param) if paging.page_param else None
                if page:
                    skip = (page - 1) * limit
                elif paging.skip_param:
                    skip = params.get(paging.skip_param) or 0
        return cls(filters=active, sort_field=sort_field, descending=descending, limit=limit, skip=skip, after=after)


@dataclass(frozen=True, slots=True)
class Page:
    """The records (store positions, in order) of one list response; total is the filtered total (before any cursor)."""

    positions: list[int]
    total: int
    limit: int | None
    skip: int

    @property
    def page_number(self) -> int:
        return self.skip // self.limit + 1 if self.limit else 1


def _given(value: Any) -> bool:
    return value is not None and value != [] and value != ""
