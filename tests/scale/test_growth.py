"""A selective filter's sorted candidates are cached per (filters, order) and dropped by every write: the pages stay
those a from-scratch sort gives."""

from __future__ import annotations

from typing import Any

from mock_server.collection import Collection
from mock_server.model import Filter, Operation, Paging, Resource, Sort
from mock_server.query import Query

RESOURCE = Resource(name="orders", schema_ref="#/x", schema={"properties": {"id": {}, "status": {}}}, key="id")
OP = Operation(
    operation_id="list",
    method="get",
    path="/x",
    resource="orders",
    action="list",
    item_properties=("id", "status"),
    filters=(Filter("status", "status"),),
    sort=Sort(default="score", default_direction="desc"),
    paging=Paging(style="offset", limit_param="limit", skip_param="offset", default_limit=5, max_limit=50),
)


def _records(n: int) -> list[dict[str, Any]]:
    # "rare" is one record in 20: selective enough for the cached, sorted candidate list
    return [{"id": i, "status": "rare" if i % 20 == 0 else "common", "score": (i * 37) % 101} for i in range(n)]


def _expected(coll: Collection, limit: int) -> list[int]:
    live = [r for _, r in coll.live() if r["status"] == "rare"]
    return [r["id"] for r in sorted(live, key=lambda r: (-r["score"], -r["id"]))][:limit]


def _page(coll: Collection, **params: Any) -> list[int]:
    page = coll.run(Query.from_params(OP, {"status": "rare", "limit": 5, **params}))
    return [coll.records[p]["id"] for p in page.positions]


def test_selective_pages_follow_replace_insert_and_delete() -> None:
    coll = Collection(RESOURCE, _records(400))
    assert _page(coll) == _expected(coll, 5)
    assert _page(coll) == _expected(coll, 5)  # from the cache
    top = coll.by_key[3]
    coll.replace(top, {"id": 3, "status": "rare", "score": 1000})  # joins the filter, first in the order
    assert _page(coll)[0] == 3
    assert _page(coll) == _expected(coll, 5)
    coll.insert({"id": 9999, "status": "rare", "score": 2000})
    assert _page(coll)[:2] == [9999, 3]
    coll.delete(coll.by_key[9999])
    assert _page(coll) == _expected(coll, 5)
    coll.replace(coll.by_key[3], {"id": 3, "status": "common", "score": 1000})  # leaves the filter
    assert 3 not in _page(coll)
    assert _page(coll) == _expected(coll, 5)
