"""This module contains Collection: the records of one resource with lazy indexes and pre-encoded views.

Per-request work is proportional to the page, not to the collection: equality filters use hash indexes, range
filters a sorted key list, sort orders are computed once per (field, direction), and each record's JSON view is
encoded once and reused until the record changes.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, overload

import orjson

from mock_server.model import Filter, Join, Resource
from mock_server.query import InvalidCursor, Page, Query
from mock_server.types import Record

_MISSING = object()
MATCH_CACHE_SIZE = 256
RANKED_CACHE_SIZE = 32
"""Sorted candidate lists kept per collection (each at most an eighth of the collection)."""
"""Filter results (unions, ranges) kept per collection; cleared on every write and when full."""


def field_values(record: Record, path: str) -> list[Any]:
    """Every value at a field path: 'a.b' descends objects, 'items[].x' fans out over an array."""
    nodes: list[Any] = [record]
    for part in path.split("."):
        fan_out = part.endswith("[]")
        name = part[:-2] if fan_out else part
        nxt: list[Any] = []
        for node in nodes:
            value = node.get(name, _MISSING) if isinstance(node, dict) else _MISSING
            if value is _MISSING or value is None:
                continue
            if fan_out and isinstance(value, list):
                nxt.extend(value)
            else:
                nxt.append(value)
        nodes = nxt
    return nodes


def field_value(record: Record, path: str) -> Any:
    """The single value at a field path, or None."""
    values = field_values(record, path)
    return values[0] if values else None


@dataclass(frozen=True, slots=True)
class View:
    """How records are shaped in one response: which properties, renamed from which fields, with which joins."""

    properties: tuple[str, ...]
    rename: tuple[tuple[str, str], ...] = ()
    joins: tuple[Join, ...] = ()
    join_names: tuple[str, ...] = ()
    """Every includable property name (requested or not): they appear only when in `joins`."""


def _sort_key(value: Any) -> tuple[int, Any]:
    """(rank, value): null lowest, then numbers (bools as ints), strings, and anything else by its JSON, so a field
    holding several types (an untyped or oneOf schema) still sorts; values of one rank compare as Python compares
    them."""
    if value is None:
        return (0, 0)
    if isinstance(value, int | float):
        return (1, value)
    if isinstance(value, str):
        return (2, value)
    return (3, orjson.dumps(value, option=orjson.OPT_SORT_KEYS))


def compact_json(value: Any) -> bytes:
    """orjson's bytes copied to an exact-size object: orjson's own result keeps a several-times larger allocation
    (65,000 records of 1.5 KB took 400 MiB instead of 100), so whatever is kept should be this copy."""
    return memoryview(orjson.dumps(value)).tobytes()


class Records:
    """A list of records held compactly: each record is kept as its JSON bytes (orjson) and decoded on access, so
    every read returns a fresh dict (changing it changes nothing stored; store it back to change the record)."""

    __slots__ = ("_data",)

    def __init__(self, records: Iterable[Record] = (), *, encoded: list[bytes] | None = None) -> None:
        self._data: list[bytes] = list(encoded) if encoded is not None else [compact_json(r) for r in records]

    def copy(self) -> Records:
        return Records(encoded=self._data)

    def encoded(self) -> list[bytes]:
        """The records' JSON bytes (a copy of the list)."""
        return list(self._data)

    def __len__(self) -> int:
        return len(self._data)

    @overload
    def __getitem__(self, index: int) -> Record: ...
    @overload
    def __getitem__(self, index: slice) -> list[Record]: ...
    def __getitem__(self, index: int | slice) -> Record | list[Record]:
        if isinstance(index, slice):
            return [orjson.loads(b) for b in self._data[index]]
        record: Record = orjson.loads(self._data[index])
        return record

    def __setitem__(self, index: int, record: Record) -> None:
        self._data[index] = compact_json(record)

    def __iter__(self) -> Iterator[Record]:
        return (orjson.loads(b) for b in self._data)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Records):
            return self._data == other._data
        return isinstance(other, list) and list(self) == other

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Records({list(self)!r})"

    def append(self, record: Record) -> None:
        self._data.append(compact_json(record))


class Collection:
    """The records of one resource, with lazily built indexes that writes keep up to date."""

    def __init__(self, resource: Resource, records: Iterable[Record] | Records, keys: list[Any] | None = None) -> None:
        """`keys`: the key of each of `records` when the caller knows them (else read when first needed)."""
        self.resource = resource
        self._keys: list[Any] | None
        if isinstance(records, Records):
            self.records = records.copy()
            self._keys = list(keys) if keys is not None else None
        else:
            dicts = list(records)
            self.records = Records(dicts)
            self._keys = [r[resource.key] for r in dicts]
        self._by_key: dict[Any, int] | None = None
        self._eq: dict[str, dict[Any, set[int]]] = {}
        self._orders: dict[str, tuple[list[int], list[tuple[Any, ...]]]] = {}
        self._encoded: dict[View, list[bytes | None]] = {}
        self._matches: dict[tuple[str, str, Any], frozenset[int] | set[int]] = {}
        self._ranked: dict[tuple[Any, ...], list[tuple[int, int]]] = {}
        """A selective filter's records as (rank, position) in a sort order, per (filters, order), until a write."""
        self._deleted: set[int] = set()
        """Positions of deleted records: positions never move, so every index and cache stays addressable."""
        self._all = frozenset(range(len(self.records)))

    @property
    def keys(self) -> list[Any]:
        """The key of the record at each position (deleted ones included), read once from the records."""
        if self._keys is None:
            self._keys = [r[self.resource.key] for r in self.records]
        return self._keys

    def known_keys(self) -> list[Any] | None:
        """The keys when they have been read (for a copy of the collection), else None."""
        return self._keys

    @property
    def by_key(self) -> dict[Any, int]:
        """Position of each live record by its key."""
        if self._by_key is None:
            deleted = self._deleted
            self._by_key = {key: pos for pos, key in enumerate(self.keys) if pos not in deleted}
        return self._by_key

    def __len__(self) -> int:
        return len(self.records) - len(self._deleted)

    def live(self) -> list[tuple[int, Record]]:
        """(position, record) of every record not deleted, in insertion order."""
        return list(self._each_live())

    def _each_live(self) -> Iterator[tuple[int, Record]]:
        """As live(), one record at a time: an index build never holds every decoded record at once."""
        deleted = self._deleted
        return ((pos, r) for pos, r in enumerate(self.records) if pos not in deleted)

    # --- lookups -------------------------------------------------------------------------------------------------
    def find(self, field: str, value: Any) -> int | None:
        """Position of the first record whose field equals value (hash index), or None."""
        if field == self.resource.key:
            pos = self.by_key.get(value)
            if pos is None and isinstance(value, str) and value.isdigit():
                pos = self.by_key.get(int(value))
            return pos
        matches = self._eq_index(field).get(_hashable(value))
        return min(matches) if matches else None

    def match_value(self, field: str, value: Any) -> set[int]:
        """Positions of records whose field equals value (shared set: do not mutate)."""
        return self._eq_index(field).get(_hashable(value), set())

    def _eq_index(self, field: str) -> dict[Any, set[int]]:
        index = self._eq.get(field)
        if index is None:
            index = {}
            for pos, record in self._each_live():
                for value in set(map(_hashable, field_values(record, field))):
                    index.setdefault(value, set()).add(pos)
            self._eq[field] = index
        return index

    def _order(self, field: str) -> tuple[list[int], list[tuple[Any, ...]]]:
        """Positions in ascending order of (field, key), and the parallel sort keys."""
        cached = self._orders.get(field)
        if cached is None:
            key = self.resource.key
            keyed = sorted(((*_sort_key(field_value(r, field)), r[key]), pos) for pos, r in self._each_live())
            cached = ([pos for _, pos in keyed], [k for k, _ in keyed])
            self._orders[field] = cached
        return cached

    def match(self, flt: Filter, value: Any) -> frozenset[int] | set[int]:
        """Positions of the records a filter with this parameter value selects (shared sets: do not mutate)."""
        if flt.op == "eq":
            return self._eq_index(flt.field).get(_hashable(value), set())
        # unions and ranges cost O(matches) to build: cache them per (op, field, value) until the next write
        key = (flt.op, flt.field, _hashable(value))
        cached = self._matches.get(key)
        if cached is None:
            if len(self._matches) >= MATCH_CACHE_SIZE:
                self._matches.clear()
            cached = self._matches[key] = self._compute_match(flt, value)
        return cached

    def _compute_match(self, flt: Filter, value: Any) -> frozenset[int] | set[int]:
        if flt.op in ("in", "any_in", "not_in"):
            values = value if isinstance(value, list) else [value]
            index = self._eq_index(flt.field)
            selected: set[int] = set()
            for v in dict.fromkeys(map(_hashable, values)):
                selected |= index.get(v, set())
            return self._all - selected if flt.op == "not_in" else selected
        if flt.op == "contains":
            needle = str(value).casefold()
            fields = flt.fields or (flt.field,)
            return {
                pos
                for pos, record in self._each_live()
                if any(isinstance(v, str) and needle in v.casefold() for f in fields for v in field_values(record, f))
            }
        order, keys = self._order(flt.field)
        try:
            return self._range(flt.op, value, order, keys)
        except TypeError:  # a value not comparable with the field's (a string against integers): nothing matches
            return set()

    @staticmethod
    def _range(op: str, value: Any, order: list[int], keys: list[tuple[Any, ...]]) -> set[int]:
        """Values of the parameter's own kind (numbers, strings) in the range; null is never in one."""
        probe = _sort_key(value)
        first, end = bisect_left(keys, (probe[0],)), bisect_left(keys, (probe[0] + 1,))
        if op == "gte":
            first = bisect_left(keys, probe)
        elif op == "gt":
            first = bisect_right(keys, (*probe, _Top()))
        elif op == "lte":
            end = bisect_right(keys, (*probe, _Top()))
        else:  # lt
            end = bisect_left(keys, probe)
        return set(order[first:end])

    # --- queries -------------------------------------------------------------------------------------------------
    def run(self, query: Query) -> Page:
        """Filter, sort and page; cost grows with the page and the filter's selectivity, not the collection."""
        candidates: frozenset[int] | set[int] | None = None
        for flt, value in sorted(query.filters, key=lambda fv: fv[0].op != "eq"):
            selected = self.match(flt, value)
            candidates = selected if candidates is None else candidates & selected
            if not candidates:
                break
        order = self._ordered_positions(query)
        start = 0
        if query.after is not None:
            start = self._keyset_start(query, len(order))
        elif query.cursor is not None:
            start = self._cursor_start(query, len(order))
        limit = query.limit
        if candidates is None:
            window = order[start:] if start else order
            end = None if limit is None else query.skip + limit
            more = end is not None and len(window) > end
            page = list(window[query.skip : end])
            return Page(positions=page, total=len(order), limit=limit, skip=query.skip, more=more)
        wanted = None if limit is None else query.skip + limit
        probe = wanted + 1 if wanted is not None and query.want_more else wanted  # one more: does a next page exist?
        picked: list[int] = []
        if len(candidates) * 8 < len(order):  # selective filter: the few candidates by rank (sorted once)
            ranked = self._ranked_candidates(query, candidates)
            if start:
                ranked = ranked[bisect_left(ranked, (start, -1)) :]
            picked = [p for _, p in ranked[:probe]]
        else:  # broad filter: walk the sort order until the page is full
            for pos in order[start:] if start else order:
                if pos in candidates:
                    picked.append(pos)
                    if probe is not None and len(picked) >= probe:
                        break
        more = wanted is not None and len(picked) > wanted
        picked = picked[query.skip : wanted]
        return Page(positions=picked, total=len(candidates), limit=limit, skip=query.skip, more=more)

    def cursor_after(self, pos: int, query: Query) -> tuple[Any, Any]:
        """The (sort value, key) a cursor pointing after the record at pos holds."""
        field = query.sort_field or self.resource.key
        if field == self.resource.key:
            return self.keys[pos], self.keys[pos]
        return field_value(self.records[pos], field), self.keys[pos]

    def _cursor_start(self, query: Query, n: int) -> int:
        """Index in the sorted order of the first record after the cursor's (sort value, key)."""
        assert query.cursor is not None
        _, keys = self._order(query.sort_field or self.resource.key)
        value, key = query.cursor
        probe = (*_sort_key(value), key)
        try:
            return n - bisect_left(keys, probe) if query.descending else bisect_right(keys, probe)
        except TypeError:  # a cursor made for another sort order
            raise InvalidCursor("the cursor does not belong to this sort order") from None

    def _ordered_positions(self, query: Query) -> list[int]:
        field = query.sort_field or self.resource.key
        order, _ = self._order(field)
        if not query.descending:
            return order
        cache_key = f"-{field}"
        cached = self._orders.get(cache_key)
        if cached is None:
            cached = (order[::-1], [])
            self._orders[cache_key] = cached
        return cached[0]

    def _ranked_candidates(self, query: Query, candidates: frozenset[int] | set[int]) -> list[tuple[int, int]]:
        # sorting the candidates is O(c log c) per request: 12,000 of 100,000 orders cost milliseconds each time
        field = query.sort_field or self.resource.key
        key = (tuple((f.op, f.field, _hashable(v)) for f, v in query.filters), field, query.descending)
        ranked = self._ranked.get(key)
        if ranked is None:
            if len(self._ranked) >= RANKED_CACHE_SIZE:
                self._ranked.clear()
            rank = self._rank(query)
            ranked = self._ranked[key] = sorted((rank[p], p) for p in candidates)
        return ranked

    def _rank(self, query: Query) -> list[int]:
        field = query.sort_field or self.resource.key
        cache_key = f"#{'-' if query.descending else ''}{field}"
        cached = self._orders.get(cache_key)
        if cached is None:
            rank = [0] * len(self.records)
            for i, pos in enumerate(self._ordered_positions(query)):
                rank[pos] = i
            cached = (rank, [])
            self._orders[cache_key] = cached
        return cached[0]

    def _keyset_start(self, query: Query, n: int) -> int:
        """Index in the sorted order of the first record after `query.after` (a value of the sort field)."""
        field = query.sort_field or self.resource.key
        _, keys = self._order(field)
        probe = _sort_key(query.after)
        if query.descending:  # records whose value is below `after`, i.e. the first bisect_left(keys) ascending
            return n - bisect_left(keys, probe)
        return bisect_right(keys, (*probe, _Top()))

    # --- views ---------------------------------------------------------------------------------------------------
    def encoded(self, positions: list[int], view: View, join: Callable[[Join, Record], Any]) -> list[bytes]:
        """The JSON bytes of records in a view, each encoded once and cached until the record changes."""
        cache = self._encoded.get(view)
        if cache is None:
            cache = self._encoded[view] = [None] * len(self.records)
        bodies: list[bytes] = []
        for pos in positions:
            body = cache[pos]
            if body is None:
                body = cache[pos] = compact_json(self.project(self.records[pos], view, join))
            bodies.append(body)
        return bodies

    def project(self, record: Record, view: View, join: Callable[[Join, Record], Any]) -> Record:
        rename = dict(view.rename)
        joins = {j.name: j for j in view.joins}
        out: Record = {}
        for prop in view.properties:
            if prop in joins:
                out[prop] = join(joins[prop], record)
            elif prop in view.join_names:
                continue
            else:
                value = record.get(rename.get(prop, prop), _MISSING)
                if value is not _MISSING:
                    out[prop] = value
        return out

    def public(self, record: Record) -> Record:
        """A record without its hidden fields (for embedding through a join)."""
        if not self.resource.hidden:
            return record
        return {k: v for k, v in record.items() if k not in self.resource.hidden}

    # --- writes --------------------------------------------------------------------------------------------------
    def insert(self, record: Record) -> int:
        """Add a record (its key must be new) and bring every index up to date; returns its position."""
        keys, by_key = self.keys, self.by_key  # read from the records before this one joins them
        pos = len(self.records)
        self.records.append(record)
        keys.append(record[self.resource.key])
        by_key[keys[-1]] = pos
        self._all = self._all | {pos}
        for field, index in self._eq.items():
            for value in set(map(_hashable, field_values(record, field))):
                index.setdefault(value, set()).add(pos)
        self._orders.clear()  # every sort order (and rank) gains the record
        self._matches.clear()
        self._ranked.clear()
        for cache in self._encoded.values():
            cache.append(None)
        return pos

    def delete(self, pos: int) -> None:
        """Remove the record at pos from every index: it is no longer found, listed, filtered or joined."""
        record = self.records[pos]
        del self.by_key[self.keys[pos]]  # (built, when first needed, before pos is marked deleted)
        self._deleted.add(pos)
        self._all = self._all - {pos}
        for field, index in self._eq.items():
            for value in set(map(_hashable, field_values(record, field))):
                index.get(value, set()).discard(pos)
        self._orders.clear()
        self._matches.clear()
        self._ranked.clear()
        for cache in self._encoded.values():
            cache[pos] = None

    def replace(self, pos: int, record: Record) -> None:
        """Store a new version of the record at pos and bring every index up to date."""
        old = self.records[pos]
        self.records[pos] = record
        self.keys[pos] = record[self.resource.key]
        changed = {k for k in set(old) | set(record) if old.get(k, _MISSING) != record.get(k, _MISSING)}
        for field in list(self._eq):
            if field.split(".")[0].removesuffix("[]") in changed:
                index = self._eq[field]
                for value in set(map(_hashable, field_values(old, field))):
                    index.get(value, set()).discard(pos)
                for value in set(map(_hashable, field_values(record, field))):
                    index.setdefault(value, set()).add(pos)
        for key in list(self._orders):
            if key.lstrip("#-").split(".")[0].removesuffix("[]") in changed:
                del self._orders[key]
        self._matches.clear()
        self._ranked.clear()
        for cache in self._encoded.values():
            cache[pos] = None

    def clear_views(self) -> None:
        self._encoded.clear()


class _Top:
    """Compares greater than anything: a probe that lands after every tuple with the same prefix."""

    def __lt__(self, other: object) -> bool:
        return False

    def __gt__(self, other: object) -> bool:
        return True

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Top)

    def __hash__(self) -> int:
        return 0


def _hashable(value: Any) -> Any:
    if isinstance(value, list | dict):
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    return value
