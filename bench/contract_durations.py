"""This module times full `mock-server contract API` runs against the in-process mock and prints a markdown table.

Each run is a fresh process (imports and app start-up included, as a CI job sees it); the table gives the median of
--reps runs with their spread, the CPU time of the process, and the requests and failures the run reported:

    python bench/contract_durations.py                      # every API, default --max-examples, 3 reps
    python bench/contract_durations.py --api printlounge --reps 1 --max-examples 10
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APIS = ("plandocket", "eguma", "printlounge", "mittwald")
SUMMARY = re.compile(r"^contract (\w+): (\d+) operations, (\d+) requests, (\d+) failures?$", re.M)


@dataclass(frozen=True, slots=True)
class Run:
    wall_s: float
    cpu_s: float
    exit_code: int
    operations: int
    requests: int
    failures: int


def run_once(api: str, seed: int, max_examples: int | None) -> Run:
    """One `mock-server contract API` process: wall and CPU time (user + sys of the child) and its counts."""
    command = [sys.executable, "-m", "mock_server", "contract", api, "--seed", str(seed)]
    if max_examples is not None:
        command += ["--max-examples", str(max_examples)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, check=False, env={**os.environ, "PYTHONHASHSEED": "0"}
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    match = SUMMARY.search(result.stdout)
    if match is None:
        raise SystemExit(f"{api}: no summary line (exit {result.returncode}):\n{result.stdout}{result.stderr}")
    return Run(wall, cpu, result.returncode, int(match[2]), int(match[3]), int(match[4]))


def render(rows: dict[str, list[Run]], seed: int, max_examples: int | None) -> str:
    """The markdown table (median and range of the reps) plus how it was measured."""
    lines = [
        "| API | operations | requests | failures | exit | wall s (median, range) | CPU s (median) | CPU ms/request |",
        "|---|---:|---:|---:|---:|---|---:|---:|",
    ]
    for api, runs in rows.items():
        wall = statistics.median(r.wall_s for r in runs)
        cpu = statistics.median(r.cpu_s for r in runs)
        requests = statistics.median(r.requests for r in runs)
        spread = f"{min(r.wall_s for r in runs):.1f}-{max(r.wall_s for r in runs):.1f}"
        last = runs[-1]
        lines.append(
            f"| {api} | {last.operations} | {requests:.0f} | {last.failures} | {last.exit_code} | "
            f"{wall:.1f} ({spread}) | {cpu:.1f} | {1000 * cpu / max(requests, 1):.0f} |"
        )
    reps = len(next(iter(rows.values()), []))
    examples = f"--max-examples {max_examples}" if max_examples is not None else "default --max-examples"
    lines += [
        "",
        f"`mock-server contract API --seed {seed}` ({examples}), one process per run, {reps} rep(s) each; the mock "
        "in process, positive and negative data, all four phases (examples, coverage, fuzzing, stateful). CPU is "
        "user + sys of the process, imports and app start-up included.",
        f"Python {platform.python_version()}, schemathesis {metadata.version('schemathesis')}, hypothesis "
        f"{metadata.version('hypothesis')}, connexion {metadata.version('connexion')}, {os.cpu_count()} CPUs, "
        f"{platform.system()} {platform.machine()}.",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--api", action="append", choices=APIS, help="time only this API (repeatable)")
    parser.add_argument("--reps", type=int, default=3, help="runs per API (default 3; the median is shown)")
    parser.add_argument("--seed", type=int, default=1, help="seed of every run (default 1)")
    parser.add_argument("--max-examples", type=int, default=None, help="default: the command's own default")
    args = parser.parse_args(argv)
    rows: dict[str, list[Run]] = {}
    for rep in range(args.reps):  # alternate the APIs so a noisy minute hits each of them once
        for api in args.api or APIS:
            run = run_once(api, args.seed, args.max_examples)
            rows.setdefault(api, []).append(run)
            print(
                f"rep {rep + 1}: {api} {run.wall_s:.1f} s wall, {run.cpu_s:.1f} s CPU, {run.requests} requests, "
                f"exit {run.exit_code}",
                file=sys.stderr,
            )
    sys.stdout.write(render(rows, args.seed, args.max_examples))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
