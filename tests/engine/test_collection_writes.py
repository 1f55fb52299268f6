"""Collection.insert and Collection.delete keep every index correct: by_key, equality indexes, sort orders and
ranks, the match cache, encoded views and keyset starts, compared with a from-scratch collection of the same
records after each step."""

from __future__ import annotations

import random
from typing import Any

from mock_server.collection import Collection, View
from mock_server.model import Filter, Operation, Paging, Resource, Sort
from mock_server.query import Query

RESOURCE = Resource(name="things", schema_ref="#/x", schema={"properties": {"id": {}, "color": {}}}, key="id")
COLORS = ["red", "green", "blue", None]
FILTERS = [
    Filter("color", "color"),
    Filter("colors", "color", "in"),
    Filter("not_colors", "color", "not_in"),
    Filter("min_size", "size", "gte"),
    Filter("above", "size", "gt"),
    Filter("max_size", "size", "lte"),
    Filter("below", "size", "lt"),
    Filter("q", "name", "contains", fields=("name", "color")),
]
VALUES: dict[str, Any] = {
    "color": "red",
    "colors": ["red", "blue"],
    "not_colors": ["green"],
    "min_size": 5,
    "above": 5,
    "max_size": 5,
    "below": 5,
    "q": "E",
}
VIEW = View(properties=("id", "color"))


def _record(rng: random.Random, key: int) -> dict[str, Any]:
    return {"id": key, "color": rng.choice(COLORS), "size": rng.randint(1, 9), "name": rng.choice(["Eve", "bob"])}


def _op(**kwargs: Any) -> Operation:
    base: dict[str, Any] = {
        "operation_id": "list",
        "method": "get",
        "path": "/x",
        "resource": "things",
        "action": "list",
        "item_properties": ("id", "color"),
        "filters": tuple(FILTERS),
        "sort": Sort(default="id", param="sort", prefix_desc=True),
    }
    return Operation(**(base | kwargs))


def _answers(coll: Collection) -> list[Any]:
    """Everything a client can observe: each filter alone, sorts both ways, a keyset window, lookups, views."""
    op = _op()
    keyset = _op(paging=Paging(style="keyset", limit_param="limit", default_limit=3, after_param="after"))
    out: list[Any] = []
    for name, value in VALUES.items():
        for sort in ("size", "-size", "color"):
            page = coll.run(Query.from_params(op, {name: value, "sort": sort}))
            out.append([coll.records[p]["id"] for p in page.positions])
            out.append(page.total)
    selective = coll.run(Query.from_params(op, {"color": "red", "above": 7, "sort": "-size"}))  # ranks, not walks
    out.append([coll.records[p]["id"] for p in selective.positions])
    out.append([coll.records[p]["id"] for p in coll.run(Query.from_params(keyset, {"after": 10})).positions])
    out.append(sorted(coll.by_key))
    out.append([coll.find("color", c) is not None for c in COLORS])
    live = [pos for pos, _ in coll.live()]
    out.append(coll.encoded(live, VIEW, lambda j, r: None))
    out.append(len(coll))
    return out


def test_inserts_and_deletes_answer_like_a_collection_built_from_scratch() -> None:
    rng = random.Random(7)
    records = [_record(rng, k) for k in range(1, 31)]
    coll = Collection(RESOURCE, list(records))
    _answers(coll)  # build every lazy index and cache first, so the writes must update them
    next_key = 31
    for step in range(40):
        if step % 3 == 2 and len(coll):
            pos, record = rng.choice(coll.live())
            coll.delete(pos)
            records.remove(record)
        else:
            record = _record(rng, next_key)
            next_key += 1
            coll.insert(record)
            records.append(record)
        assert _answers(coll) == _answers(Collection(RESOURCE, list(records))), f"step {step}"


def test_a_deleted_record_is_not_found_by_key_or_by_join() -> None:
    coll = Collection(RESOURCE, [{"id": 1, "color": "red"}, {"id": 2, "color": "red"}])
    assert coll.match_value("color", "red") == {0, 1}
    coll.delete(0)
    assert coll.find("id", 1) is None and coll.find("color", "red") == 1
    assert coll.match_value("color", "red") == {1}
    assert coll.run(Query()).positions == [1]


def test_an_array_sort_parameter_sorts_by_its_first_field() -> None:
    coll = Collection(RESOURCE, [{"id": 1, "size": 3}, {"id": 2, "size": 1}, {"id": 3, "size": 2}])
    page = coll.run(Query.from_params(_op(), {"sort": ["-size", "id"]}))
    assert [coll.records[p]["id"] for p in page.positions] == [1, 3, 2]


def test_a_field_holding_several_types_sorts_and_ranges_within_each_kind() -> None:
    values: list[Any] = [3, "b", None, 1.5, "a", True, {"x": 1}, [2]]
    coll = Collection(RESOURCE, [{"id": i, "size": v} for i, v in enumerate(values)])
    ids = [coll.records[p]["id"] for p in coll.run(Query.from_params(_op(), {"sort": "size"})).positions]
    assert [values[i] for i in ids][:6] == [None, True, 1.5, 3, "a", "b"]  # null, numbers, strings, the rest
    above = coll.run(Query.from_params(_op(), {"min_size": 2}))
    assert [coll.records[p]["size"] for p in above.positions] == [3]  # numbers only, no strings or objects
    below = coll.run(Query.from_params(_op(), {"below": "b"}))
    assert [coll.records[p]["size"] for p in below.positions] == ["a"]
