"""The store's query engine on synthetic records: filters, sort orders, paging, indexes kept up to date by writes."""

from __future__ import annotations

from typing import Any

import pytest

from mock_server.collection import Collection, View, field_values
from mock_server.model import Filter, Operation, Paging, Resource, Sort
from mock_server.query import Query

RESOURCE = Resource(name="orders", schema_ref="#/x", schema={"properties": {"id": {}, "status": {}}}, key="id")


def _records(n: int) -> list[dict[str, Any]]:
    statuses = ["NEW", "CONFIRMED", "EXECUTED"]
    return [
        {
            "id": i,
            "status": statuses[i % 3],
            "updated": f"2025-01-{1 + i % 28:02d}T00:00:00",
            "customer": {"last_name": "Meier" if i % 2 else "meier"} if i % 5 else None,
            "items": [{"tpl": "proSpace" if i % 4 == 0 else "domain"}, {"tpl": "mail"}],
            "submitted": None if i % 3 == 0 else f"2025-02-{1 + i % 20:02d}",
        }
        for i in range(1, n + 1)
    ]


def _op(**kwargs: Any) -> Operation:
    defaults: dict[str, Any] = {
        "operation_id": "list",
        "method": "get",
        "path": "/x",
        "resource": "orders",
        "action": "list",
        "item_properties": ("id", "status"),
    }
    return Operation(**(defaults | kwargs))


def test_field_values_descends_objects_and_fans_out_over_arrays() -> None:
    record = _records(4)[3]
    assert field_values(record, "customer.last_name") == ["meier"]
    assert field_values(record, "items[].tpl") == ["proSpace", "mail"]
    assert field_values({"customer": None}, "customer.last_name") == []


def test_run_filters_combine_with_and_and_match_exactly() -> None:
    coll = Collection(RESOURCE, _records(30))
    op = _op(filters=(Filter("status", "status"), Filter("last_name", "customer.last_name")))
    page = coll.run(Query.from_params(op, {"status": "CONFIRMED", "last_name": "Meier"}))
    got = [coll.records[p] for p in page.positions]
    expected = [
        r for r in _records(30) if r["status"] == "CONFIRMED" and (r["customer"] or {}).get("last_name") == "Meier"
    ]
    assert [r["id"] for r in got] == [r["id"] for r in expected]
    assert page.total == len(expected) > 0


def test_run_range_filters_are_inclusive_after_and_exclusive_before() -> None:
    coll = Collection(RESOURCE, _records(60))
    op = _op(filters=(Filter("after", "updated", "gte"), Filter("before", "updated", "lt")))
    page = coll.run(Query.from_params(op, {"after": "2025-01-05T00:00:00", "before": "2025-01-07T00:00:00"}))
    days = sorted({coll.records[p]["updated"][8:10] for p in page.positions})
    assert days == ["05", "06"]


def test_run_in_not_in_and_any_in_filters() -> None:
    coll = Collection(RESOURCE, _records(30))
    op = _op(
        filters=(
            Filter("inc", "status", "in"),
            Filter("exc", "status", "not_in"),
            Filter("tpl", "items[].tpl", "any_in"),
        )
    )
    page = coll.run(Query.from_params(op, {"inc": ["NEW", "CONFIRMED"], "exc": ["NEW"], "tpl": ["proSpace"]}))
    got = [coll.records[p] for p in page.positions]
    assert got and all(r["status"] == "CONFIRMED" and r["id"] % 4 == 0 for r in got)
    assert page.total == sum(1 for r in _records(30) if r["status"] == "CONFIRMED" and r["id"] % 4 == 0)


@pytest.mark.parametrize("direction", ["ASC", "DESC"])
def test_run_sorts_by_requested_field_with_nulls_lowest_and_key_tiebreak(direction: str) -> None:
    coll = Collection(RESOURCE, _records(20))
    sort = Sort(default="id", param="sort", direction_param="order", directions={"ASC": "asc", "DESC": "desc"})
    page = coll.run(Query.from_params(_op(sort=sort), {"sort": "submitted", "order": direction}))
    keys = [
        ((coll.records[p]["submitted"] is not None, coll.records[p]["submitted"] or ""), coll.records[p]["id"])
        for p in page.positions
    ]
    assert keys == sorted(keys, reverse=direction == "DESC")
    assert len(keys) == 20


def test_run_keyset_paging_walks_every_record_exactly_once() -> None:
    coll = Collection(RESOURCE, _records(47))
    op = _op(
        sort=Sort(default="id", default_direction="desc"),
        paging=Paging(style="keyset", limit_param="limit", default_limit=10, after_param="after"),
        filters=(Filter("status", "status"),),
    )
    for params in ({}, {"status": "NEW"}):
        seen: list[int] = []
        after = None
        while True:
            page = coll.run(Query.from_params(op, {**params, "after": after}))
            ids = [coll.records[p]["id"] for p in page.positions]
            if not ids:
                break
            assert ids == sorted(ids, reverse=True) and (after is None or ids[0] < after)
            seen += ids
            after = ids[-1]
        expected = [r["id"] for r in _records(47) if params.get("status") in (None, r["status"])]
        assert sorted(seen, reverse=True) == sorted(expected, reverse=True) and len(seen) == len(set(seen))


def test_run_offset_paging_page_wins_over_skip_and_total_is_filtered() -> None:
    coll = Collection(RESOURCE, _records(50))
    op = _op(
        sort=Sort(default="id"),
        filters=(Filter("status", "status"),),
        paging=Paging(style="offset", limit_param="limit", default_limit=1000, skip_param="skip", page_param="page"),
    )
    page = coll.run(Query.from_params(op, {"status": "NEW", "limit": 5, "skip": 1, "page": 2}))
    assert [coll.records[p]["id"] for p in page.positions] == [18, 21, 24, 27, 30]
    assert (page.total, page.skip, page.limit, page.page_number) == (16, 5, 5, 2)


def test_replace_keeps_indexes_and_views_current() -> None:
    coll = Collection(RESOURCE, _records(9))
    op = _op(filters=(Filter("status", "status"),), sort=Sort(default="id"))
    view = View(properties=("id", "status"))
    before = coll.run(Query.from_params(op, {"status": "NEW"}))
    assert coll.encoded([0], view, lambda j, r: None) == [b'{"id":1,"status":"CONFIRMED"}']
    coll.replace(0, {**coll.records[0], "status": "NEW"})
    after = coll.run(Query.from_params(op, {"status": "NEW"}))
    assert after.total == before.total + 1 and 0 in after.positions
    assert coll.encoded([0], view, lambda j, r: None) == [b'{"id":1,"status":"NEW"}']
    assert coll.run(Query.from_params(op, {"status": "CONFIRMED"})).total == 2


def test_cached_union_and_range_results_follow_writes() -> None:
    coll = Collection(RESOURCE, _records(12))
    op = _op(filters=(Filter("inc", "status", "in"), Filter("after", "updated", "gte")))
    query = Query.from_params(op, {"inc": ["NEW", "EXECUTED"], "after": "2025-01-06T00:00:00"})
    before = coll.run(query)
    assert coll.run(query).positions == before.positions  # answered from the cache
    coll.replace(5, {**coll.records[5], "status": "CONFIRMED"})  # id 6 was NEW
    coll.replace(0, {**coll.records[0], "status": "NEW", "updated": "2025-01-20T00:00:00"})  # id 1 joins
    after = {coll.records[p]["id"] for p in coll.run(query).positions}
    assert after == {coll.records[p]["id"] for p in before.positions} - {6} | {1}
