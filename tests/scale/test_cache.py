"""The cache of generated datasets: keyed by what decides the bytes, never serving a damaged entry, safe under
concurrent starts, skipped by --no-cache."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from mock_server import cache
from mock_server.app import load_records
from mock_server.cache import cached_dataset, dataset_key
from mock_server.dataset import Dataset, dump_dataset, generate_dataset
from mock_server.model import ApiModel
from mock_server.settings import DEFAULT_REFERENCE_DATE, Settings
from mock_server.specs import Spec

from .conftest import ROOT_DIR, SPECS

ARGS: dict[str, Any] = {"seed": 3, "count": 40, "reference_date": DEFAULT_REFERENCE_DATE}


def _entries(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.bin")) if directory.exists() else []


def _counting(model: ApiModel, calls: list[int]) -> Callable[[], Dataset]:
    def generate() -> Dataset:
        calls.append(1)
        return generate_dataset(model, **ARGS)

    return generate


def test_a_warm_start_serves_the_same_dataset_without_generating(
    models: dict[str, ApiModel], _own_cache_dir: Path
) -> None:
    model = models["printlounge"]
    calls: list[int] = []
    cold = cached_dataset(model, **ARGS, generate=_counting(model, calls))
    warm = cached_dataset(model, **ARGS, generate=_counting(model, calls))
    assert calls == [1]
    assert len(_entries(_own_cache_dir)) == 1
    assert dump_dataset(warm) == dump_dataset(cold) == dump_dataset(generate_dataset(model, **ARGS))


@pytest.mark.parametrize(
    "change",
    [
        {"seed": 4},
        {"count": 41},
        {"reference_date": datetime(2025, 6, 1)},
    ],
)
def test_the_key_changes_with_seed_count_and_reference_date(
    models: dict[str, ApiModel], change: dict[str, Any]
) -> None:
    model = models["eguma"]
    assert dataset_key(model, **{**ARGS, **change}) != dataset_key(model, **ARGS)
    assert dataset_key(model, **ARGS) == dataset_key(model, **ARGS)


def test_the_key_changes_with_the_spec_locale_and_version(
    models: dict[str, ApiModel], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = models["mittwald"]
    key = dataset_key(model, **ARGS)
    edited = tmp_path / "mittwald.yaml"
    edited.write_text(
        (SPECS / "mittwald.yaml")
        .read_text()
        .replace("title: mittwald API v2, orders", "title: mittwald API v2, orders (edited)", 1)
    )
    assert dataset_key(ApiModel.from_spec(Spec.from_file(edited)), **ARGS) != key
    assert dataset_key(dataclasses.replace(model, locale="fr_FR"), **ARGS) != key
    monkeypatch.setattr("mock_server.__version__", "99.0.0")
    assert dataset_key(model, **ARGS) != key


def test_the_key_changes_with_the_generation_code(models: dict[str, ApiModel], monkeypatch: pytest.MonkeyPatch) -> None:
    key = dataset_key(models["eguma"], **ARGS)
    monkeypatch.setattr(cache, "_code_fingerprint", lambda: b"other code")
    assert dataset_key(models["eguma"], **ARGS) != key


@pytest.mark.parametrize("damage", ["flip", "truncate", "garbage", "empty"])
def test_a_damaged_entry_is_regenerated_never_served(
    models: dict[str, ApiModel], _own_cache_dir: Path, damage: str
) -> None:
    model = models["plandocket"]
    expected = dump_dataset(cached_dataset(model, **ARGS))
    (entry,) = _entries(_own_cache_dir)
    data = bytearray(entry.read_bytes())
    if damage == "flip":
        data[len(data) // 2] ^= 0x01
    elif damage == "truncate":
        data = data[: len(data) // 2]
    elif damage == "garbage":
        data = bytearray(b"not a cache entry\n" + bytes(range(256)))
    else:
        data = bytearray()
    entry.write_bytes(bytes(data))
    calls: list[int] = []
    again = cached_dataset(model, **ARGS, generate=_counting(model, calls))
    assert calls == [1]
    assert dump_dataset(again) == expected
    assert dump_dataset(cached_dataset(model, **ARGS)) == expected
    assert entry.read_bytes() != bytes(data)  # rewritten


def test_a_flipped_byte_that_marshal_would_still_read_is_caught_by_the_checksum(
    models: dict[str, ApiModel], _own_cache_dir: Path
) -> None:
    model = models["eguma"]
    cached_dataset(model, **ARGS)
    (entry,) = _entries(_own_cache_dir)
    data = entry.read_bytes()
    first = orjson.dumps(generate_dataset(model, **ARGS).resources["orders"][0]["id"]).strip(b'"')
    at = data.index(first)
    entry.write_bytes(data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :])  # a valid string, another value
    calls: list[int] = []
    served = cached_dataset(model, **ARGS, generate=_counting(model, calls))
    assert calls == [1]
    assert served.resources["orders"][0]["id"] == generate_dataset(model, **ARGS).resources["orders"][0]["id"]


def test_concurrent_starts_share_one_sound_entry(_own_cache_dir: Path) -> None:
    script = (
        "import sys; from pathlib import Path; from mock_server.cache import cached_dataset; "
        "from mock_server.dataset import dump_dataset; from mock_server.model import ApiModel; "
        "from mock_server.specs import Spec; from mock_server.settings import DEFAULT_REFERENCE_DATE; "
        "m = ApiModel.from_spec(Spec.from_file(Path('specs/printlounge.yaml'))); "
        "d = cached_dataset(m, seed=5, count=300, reference_date=DEFAULT_REFERENCE_DATE); "
        "sys.stdout.buffer.write(dump_dataset(d))"
    )
    env = {**os.environ, "MOCK_SERVER_CACHE_DIR": str(_own_cache_dir)}
    procs = [
        subprocess.Popen([sys.executable, "-c", script], cwd=ROOT_DIR, env=env, stdout=subprocess.PIPE)
        for _ in range(4)
    ]
    outputs = [proc.communicate(timeout=120)[0] for proc in procs]
    assert all(proc.returncode == 0 for proc in procs)
    assert len(set(outputs)) == 1
    (entry,) = _entries(_own_cache_dir)
    assert not list(_own_cache_dir.glob("*.partial"))
    model = ApiModel.from_spec(Spec.from_file(SPECS / "printlounge.yaml"))
    assert outputs[0] == dump_dataset(generate_dataset(model, seed=5, count=300))
    assert cache._read(entry) is not None  # the entry left behind is sound


def test_serve_settings_use_the_cache_and_no_cache_skips_it(_own_cache_dir: Path) -> None:
    settings = dataclasses.replace(Settings.for_tests(), seed=2, count=30, apis=("eguma",))
    models = {"eguma": ApiModel.from_spec(Spec.from_file(SPECS / "eguma.yaml"))}
    load_records(dataclasses.replace(settings, dataset_cache=False), models)
    assert _entries(_own_cache_dir) == []
    first = load_records(settings, models)
    assert len(_entries(_own_cache_dir)) == 1
    uncached = load_records(dataclasses.replace(settings, dataset_cache=False), models)
    warm = orjson.dumps(load_records(settings, models), default=list)  # Records: the decoded records
    assert warm == orjson.dumps(first, default=list) == orjson.dumps(uncached, default=list)


def test_no_cache_is_a_serve_option() -> None:
    from mock_server.cli import build_parser, settings_from_args

    args = build_parser().parse_args(["serve", "--count", "10", "--no-cache"])
    assert settings_from_args(args).dataset_cache is False
    assert settings_from_args(build_parser().parse_args(["serve", "--count", "10"])).dataset_cache is True


def test_old_entries_are_pruned(
    models: dict[str, ApiModel], _own_cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache, "MAX_ENTRIES", 2)
    model = models["mittwald"]
    for seed in range(4):
        cached_dataset(model, seed=seed, count=5, reference_date=DEFAULT_REFERENCE_DATE)
    assert len(_entries(_own_cache_dir)) == 2
