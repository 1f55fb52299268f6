"""`fixtures generate` streams: the same bytes as the in-memory path, in flat memory."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mock_server.dataset import can_stream, dump_dataset, generate_dataset
from mock_server.model import ApiModel
from mock_server.streaming import write_generated

from .conftest import ROOT_DIR, VENDORS

ROOT = ROOT_DIR


@pytest.mark.parametrize("api", VENDORS)
def test_streamed_file_is_byte_identical_to_dump_dataset(api: str, models: dict[str, ApiModel], tmp_path: Path) -> None:
    model = models[api]
    assert can_stream(model)
    expected = dump_dataset(generate_dataset(model, seed=7, count=2000))
    path = write_generated(model, tmp_path, seed=7, count=2000)
    assert path == tmp_path / f"{api}.json"
    assert path.read_bytes() == expected
    assert [p.name for p in tmp_path.iterdir()] == [f"{api}.json"]  # no spool or partial file left behind


def test_count_zero_streams_empty_resources(models: dict[str, ApiModel], tmp_path: Path) -> None:
    model = models["plandocket"]
    path = write_generated(model, tmp_path, seed=1, count=0)
    assert path.read_bytes() == dump_dataset(generate_dataset(model, seed=1, count=0))


def test_fixtures_generate_regenerates_the_committed_fixtures(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mock_server", "fixtures", "generate", "--out", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    for api in VENDORS:
        assert (tmp_path / f"{api}.json").read_bytes() == (ROOT / "fixtures" / f"{api}.json").read_bytes(), api


def test_generation_memory_does_not_grow_with_the_count(tmp_path: Path) -> None:
    # 10,000 printlounge carts are ~90 MiB of JSON and ~500 MiB as dicts; streamed, the process stays small.
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss across exec, so a child would report the bigger pytest's.
    script = (
        "import re, sys; from pathlib import Path; from mock_server.cli import main; rc = main(sys.argv[1:]); "
        "print(re.search(r'VmHWM:\\s+(\\d+)', Path('/proc/self/status').read_text())[1]); sys.exit(rc)"
    )
    argv = ["fixtures", "generate", "--api", "printlounge", "--count", "10000", "--out", str(tmp_path)]
    result = subprocess.run(
        [sys.executable, "-c", script, *argv], cwd=ROOT, capture_output=True, text=True, timeout=180
    )
    assert result.returncode == 0, result.stderr
    peak_mib = int(result.stdout.split()[-1]) / 1024
    assert (tmp_path / "printlounge.json").stat().st_size > 80 * 2**20
    assert peak_mib < 150, f"peak RSS {peak_mib:.0f} MiB"
