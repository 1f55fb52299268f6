"""Records held compactly (each as its JSON bytes, decoded on access) serve exactly the bytes plain dicts served: every
view of every operation, with and without its joins, on the bundled fixtures and on 10,000 generated orders."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import orjson
import pytest

from mock_server.collection import Records, View
from mock_server.dataset import generate_dataset, load_dataset
from mock_server.model import ApiModel, schema_properties
from mock_server.store import Store
from mock_server.types import Record

from .conftest import VENDORS

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def _views(model: ApiModel) -> list[tuple[str, View]]:
    """(resource, view) of every operation, as the handlers build them, once bare and once with every join."""
    views: list[tuple[str, View]] = []
    for op in model.operations.values():
        if not op.resource:
            continue
        join_names = tuple(op.includes.joins) if op.includes else ()
        joins = tuple(op.includes.joins.values()) if op.includes else ()
        whole = tuple(schema_properties(model.resources[op.resource].schema))
        for properties in (op.item_properties, whole):
            base = View(properties=properties, rename=tuple(op.rename.items()), join_names=join_names)
            views += [(op.resource, base), (op.resource, View(properties, base.rename, joins, join_names))]
    return list(dict.fromkeys(views))


def _plain(model: ApiModel, records: dict[str, list[Record]]) -> Store:
    """The store as it was before compact records: every collection holding the original dicts in a list."""
    store = Store({model.name: model}, {model.name: records})
    for name, recs in records.items():
        if name in model.resources:
            store.collection(model.name, name).records = recs  # type: ignore[assignment]
    return store


def _assert_identical(model: ApiModel, records: dict[str, list[Record]]) -> int:
    originals = copy.deepcopy(records)
    compact = Store({model.name: model}, {model.name: records})
    plain = _plain(model, originals)
    checked = 0
    for resource, view in _views(model):
        positions = list(range(len(records.get(resource, []))))
        got = compact.encode(model.name, resource, positions, view)
        want = plain.encode(model.name, resource, positions, view)
        assert got == want, f"{model.name} {resource} {view}"
        checked += len(got)
    for resource in model.resources:
        assert compact.records(model.name, resource) == originals.get(resource, [])
    return checked


@pytest.mark.parametrize("api", VENDORS)
def test_every_view_of_the_bundled_fixtures_is_byte_identical(models: dict[str, ApiModel], api: str) -> None:
    dataset = load_dataset(FIXTURES / f"{api}.json", models[api])
    assert _assert_identical(models[api], dataset.resources) > 0


@pytest.mark.parametrize("api", VENDORS)
def test_every_view_of_10000_generated_orders_is_byte_identical(models: dict[str, ApiModel], api: str) -> None:
    dataset = generate_dataset(models[api], seed=42, count=10_000)
    assert _assert_identical(models[api], dataset.resources) >= 10_000


def test_a_record_read_is_a_copy_and_writes_store_new_bytes() -> None:
    records = Records([{"id": 1, "tags": ["a"]}])
    first = records[0]
    first["tags"].append("b")  # changing what was read changes nothing stored
    assert records[0] == {"id": 1, "tags": ["a"]}
    records[0] = first
    records.append({"id": 2, "x": 1.5})
    assert list(records) == [{"id": 1, "tags": ["a", "b"]}, {"id": 2, "x": 1.5}] == records
    assert records[1:] == [{"id": 2, "x": 1.5}] and len(records) == 2


def test_writes_and_reset_keep_serving_the_same_bytes(models: dict[str, ApiModel]) -> None:
    model = models["printlounge"]
    records: dict[str, Any] = load_dataset(FIXTURES / "printlounge.json", model).resources
    store = Store({"printlounge": model}, {"printlounge": records})
    coll = store.collection("printlounge", "orders")
    key = coll.resource.key
    view = View(properties=(key, "order_status"))
    before = store.encode("printlounge", "orders", [0, 1], view)
    store.write("printlounge", "orders", 0, {**coll.records[0], "order_status": 99})
    store.delete("printlounge", "orders", 1)
    (changed,) = store.encode("printlounge", "orders", [0], view)
    assert orjson.loads(changed) == {**orjson.loads(before[0]), "order_status": 99}
    assert 1 not in {p for p, _ in coll.live()} and coll.find(key, coll.keys[1]) is None
    store.reset()
    assert store.encode("printlounge", "orders", [0, 1], view) == before
