"""A smoke run of the benchmark harness (bench/run.py): tiny durations, mock-server only, no Prism and no wrk.

It checks that the harness produces well-formed results and a RESULTS.md section that leaves the rest of the file
alone; it says nothing about speed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_harness_smoke_run_writes_result_rows(tmp_path: Path) -> None:
    results_md = tmp_path / "RESULTS.md"
    results_md.write_text("# Benchmark results\n\n## Fixture generation\n\nwritten by someone else\n", encoding="utf-8")
    out = tmp_path / "out"
    argv = [
        sys.executable,
        str(ROOT / "bench" / "run.py"),
        "--servers",
        "mock-server",
        "--reps",
        "1",
        "--duration",
        "0.4",
        "--warmup",
        "0",
        "--connections",
        "2",
        "--count",
        "200",
        "--growth-counts",
        "",
        "--profile-seconds",
        "0",
        "--loadgen",
        "python",
        "--no-install",
        "--quiet-wait",
        "0",
        "--nice",
        "0",
        "--noisy-retries",
        "0",
        "--results",
        str(results_md),
        "--out",
        str(out),
    ]
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    target_ids = {t["id"] for t in results["targets"]}
    assert {
        "plandocket list",
        "plandocket detail",
        "eguma list",
        "printlounge list",
        "printlounge cart",
        "printlounge status",
        "mittwald list",
    } <= target_ids
    assert {c["target"] for c in results["cells"]} == target_ids
    for cell in results["cells"]:
        assert cell["server"] == "mock-server"
        assert cell["status"] == 200, cell
        assert cell["connections"] == 2
        assert cell["requests"] > 0 and cell["rps"] > 0, cell
        assert 0 < cell["p50_ms"] <= cell["p99_ms"], cell
        assert cell["non_2xx"] == 0 and cell["errors"] == 0, cell
    (start,) = results["starts"]
    assert start["startup_s"] > 0 and start["peak_rss_bytes"] > 0

    text = results_md.read_text(encoding="utf-8")
    assert text.startswith("# Benchmark results\n\n## Fixture generation\n\nwritten by someone else\n")
    section = text[text.index("<!-- bench:start -->") :]
    assert section.rstrip().endswith("<!-- bench:end -->")
    row = next(line for line in section.splitlines() if line.startswith("| printlounge list | 2 |"))
    assert len(row.strip("|").split("|")) == 3  # request, connections, mock-server
