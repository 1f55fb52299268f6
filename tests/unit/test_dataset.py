"""Tests of the fixture file format: determinism, IO, the committed fixtures, and rejection of bad files."""

from __future__ import annotations

import copy
import gc
import hashlib
import os
import subprocess
import sys
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

import orjson
import pytest

import mock_server
from mock_server.dataset import (
    DEFAULT_REFERENCE_DATE,
    Dataset,
    check_dataset,
    dump_dataset,
    generate_dataset,
    load_dataset,
    main_resource,
    write_dataset,
)
from mock_server.errors import FixtureError
from mock_server.generate import parse_timestamp
from mock_server.model import ApiModel
from mock_server.specs import Spec

ROOT = Path(__file__).resolve().parents[2]
SPEC_DIR = ROOT / "specs"
APIS = ("plandocket", "eguma", "printlounge", "mittwald")
_DIGEST = """
import hashlib, sys
from pathlib import Path
from mock_server.dataset import dump_dataset, generate_dataset
from mock_server.model import ApiModel
from mock_server.specs import Spec
for api in sys.argv[1:]:
    model = ApiModel.from_spec(Spec.from_file(Path("specs") / f"{api}.yaml"))
    print(api, hashlib.sha256(dump_dataset(generate_dataset(model, seed=7, count=25))).hexdigest())
"""


@cache
def _model(api: str) -> ApiModel:
    return ApiModel.from_spec(Spec.from_file(SPEC_DIR / f"{api}.yaml"))


def _digests(hash_seed: str) -> str:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONWARNINGS": "ignore"}
    result = subprocess.run(
        [sys.executable, "-c", _DIGEST, *APIS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return result.stdout


def test_dump_dataset_is_identical_across_hash_seeds() -> None:
    first, second = _digests("1"), _digests("4242")
    assert first == second and len(first.splitlines()) == len(APIS)
    own = "".join(
        f"{api} {hashlib.sha256(dump_dataset(generate_dataset(_model(api), seed=7, count=25))).hexdigest()}\n"
        for api in APIS
    )
    assert own == first


@pytest.mark.parametrize("api", APIS)
def test_generate_dataset_differs_between_seeds(api: str) -> None:
    assert dump_dataset(generate_dataset(_model(api), seed=1, count=5)) != dump_dataset(
        generate_dataset(_model(api), seed=2, count=5)
    )


def test_generate_dataset_reference_date_shifts_timestamps() -> None:
    shift = timedelta(days=100)
    early = generate_dataset(_model("eguma"), seed=3, count=10)
    late = generate_dataset(_model("eguma"), seed=3, count=10, reference_date=DEFAULT_REFERENCE_DATE + shift)
    for before, after in zip(early.resources["orders"], late.resources["orders"], strict=True):
        for name in ("created_at", "updated_at"):
            first, second = parse_timestamp(before[name]), parse_timestamp(after[name])
            assert first is not None and second is not None and second - first == shift
    assert late.meta["generator"]["reference_date"] == "2026-04-11T00:00:00"


@pytest.mark.parametrize("api", APIS)
def test_generate_dataset_timestamps_precede_the_reference_date(api: str) -> None:
    dataset = generate_dataset(_model(api), seed=5, count=40)
    created = {"plandocket": "created_at", "eguma": "created_at", "printlounge": "cdate", "mittwald": "orderDate"}[api]
    moments = [parse_timestamp(r[created]) for r in dataset.resources[main_resource(_model(api))]]
    assert all(m is not None and m < DEFAULT_REFERENCE_DATE for m in moments)


def test_generate_dataset_counts_orders_and_derives_related_records() -> None:
    dataset = generate_dataset(_model("plandocket"), seed=1, count=12)
    assert main_resource(_model("plandocket")) == "service_orders"
    assert len(dataset.resources["service_orders"]) == 12
    order_ids = {order["id"] for order in dataset.resources["service_orders"]}
    assert {item["service_order_id"] for item in dataset.resources["service_order_items"]} == order_ids
    referenced = {o["event_participant_id"] for o in dataset.resources["service_orders"]} - {None}
    assert referenced == {participant["id"] for participant in dataset.resources["participants"]}


def test_generate_dataset_records_its_generator() -> None:
    meta = generate_dataset(_model("mittwald"), seed=9, count=3).meta["generator"]
    assert meta == {"seed": 9, "count": 3, "reference_date": "2026-01-01T00:00:00", "version": mock_server.__version__}


def test_dump_dataset_format() -> None:
    data = dump_dataset(generate_dataset(_model("printlounge"), seed=1, count=2))
    assert data.endswith(b"}\n") and data.startswith(b'{\n  "api": "printlounge",\n  "generator": {')
    assert list(orjson.loads(data)) == ["api", "generator", "resources"]


@pytest.mark.parametrize("api", APIS)
def test_committed_fixtures_equal_the_defaults(api: str) -> None:
    committed = (ROOT / "fixtures" / f"{api}.json").read_bytes()
    assert committed == dump_dataset(generate_dataset(_model(api), seed=42, count=50)), (
        f"fixtures/{api}.json is stale: run `mock-server fixtures generate`"
    )


def test_write_and_load_dataset_round_trip(tmp_path: Path) -> None:
    dataset = generate_dataset(_model("eguma"), seed=4, count=6)
    path = write_dataset(dataset, tmp_path / "out")
    assert path == tmp_path / "out" / "eguma.json"
    assert load_dataset(path, _model("eguma")) == dataset
    assert [p.name for p in path.parent.iterdir()] == ["eguma.json"]


def test_load_dataset_accepts_a_hand_written_file(tmp_path: Path) -> None:
    records = generate_dataset(_model("mittwald"), seed=4, count=2).resources
    path = tmp_path / "mittwald.json"
    path.write_bytes(orjson.dumps({"api": "mittwald", "resources": records}))
    assert load_dataset(path, _model("mittwald")) == Dataset(api="mittwald", resources=records, meta={})


def _load_problems(path: Path, api: str) -> list[str]:
    with pytest.raises(FixtureError) as info:
        load_dataset(path, _model(api))
    return [str(p) for p in info.value.problems]


def test_load_dataset_rejects_invalid_json(tmp_path: Path) -> None:
    path = tmp_path / "eguma.json"
    path.write_text('{"api": "eguma",')
    [problem] = _load_problems(path, "eguma")
    assert problem.startswith(f"{path}: /: not valid JSON: ")


def test_load_dataset_rejects_a_missing_file(tmp_path: Path) -> None:
    [problem] = _load_problems(tmp_path / "nope.json", "eguma")
    assert problem.startswith(f"{tmp_path / 'nope.json'}: /: cannot read file")


@pytest.mark.parametrize(
    ("document", "where", "wording"),
    [
        ([], "/", "the top level must be an object"),
        ({"api": "eguma"}, "/resources", "missing: an object of resource name"),
        ({"api": 3, "resources": {}}, "/api", "missing: the name of the API"),
        ({"api": "eguma", "resources": {"orders": {}}}, "/resources/orders", "must be an array of records"),
        ({"api": "eguma", "resources": {"orders": []}, "extra": 1}, "/extra", "unknown member"),
        ({"api": "mittwald", "resources": {"orders": []}}, "/api", "is 'mittwald', but"),
        ({"api": "eguma", "resources": {}}, "/resources/orders", "missing: an array of records"),
        ({"api": "eguma", "resources": {"orders": [], "carts": []}}, "/resources/carts", "unknown resource"),
    ],
)
def test_load_dataset_rejects_a_wrong_shape(tmp_path: Path, document: object, where: str, wording: str) -> None:
    path = tmp_path / "eguma.json"
    path.write_bytes(orjson.dumps(document))
    problems = _load_problems(path, "eguma")
    assert any(p.startswith(f"{path}: {where}: ") and wording in p for p in problems), problems


def test_load_dataset_lists_every_problem(tmp_path: Path) -> None:
    dataset = copy.deepcopy(generate_dataset(_model("eguma"), seed=4, count=5))
    orders = dataset.resources["orders"]
    orders[1]["grand_total_in_cents"] = "90.00"
    orders[3]["order_lines"][0]["total_price_in_cents"] += 1
    orders[4]["currency"] = None
    path = write_dataset(dataset, tmp_path)
    problems = _load_problems(path, "eguma")
    assert f'{path}: orders record 1: /grand_total_in_cents: "90.00" is not of type "integer"' in problems
    assert any(p.startswith(f"{path}: orders record 3: /order_lines/0/total_price_in_cents: ") for p in problems)
    assert any(p.startswith(f"{path}: orders record 4: /currency: ") for p in problems)
    assert problems == sorted(problems, key=lambda p: int(p.split(" record ")[1].split(":")[0]))


def test_check_dataset_skips_rules_of_malformed_records() -> None:
    dataset = copy.deepcopy(generate_dataset(_model("printlounge"), seed=4, count=3))
    dataset.resources["orders"][0]["cartItems"] = "none"
    problems = check_dataset(dataset, _model("printlounge"), "f.json")
    assert [p.pointer for p in problems] == ["orders record 0: /cartItems"]


def test_check_dataset_reports_a_record_that_is_not_an_object() -> None:
    dataset = copy.deepcopy(generate_dataset(_model("plandocket"), seed=4, count=3))
    dataset.resources["service_order_items"][0] = []  # type: ignore[call-overload]
    problems = check_dataset(dataset, _model("plandocket"), "f.json")
    assert any(
        p.pointer == "service_order_items record 0: /" and 'is not of type "object"' in p.message for p in problems
    ), [str(p) for p in problems]


def test_generate_dataset_restores_the_garbage_collector() -> None:
    assert gc.isenabled()
    generate_dataset(_model("mittwald"), seed=1, count=2)
    assert gc.isenabled()
    gc.disable()
    try:
        generate_dataset(_model("mittwald"), seed=1, count=2)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_default_reference_date_is_fixed() -> None:
    assert DEFAULT_REFERENCE_DATE == datetime(2026, 1, 1)
