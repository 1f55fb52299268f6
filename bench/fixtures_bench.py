"""Measure fixture generation and loading (parse + schema + rules) per API for 1k, 10k and 100k orders.

Each cell runs in a fresh subprocess (so peak memory is per cell) and prints a markdown table; with --out the
table is also written to a file. Example:

    .venv/bin/python bench/fixtures_bench.py --counts 1000 10000 100000

and paste the table into bench/RESULTS.md, section "Fixture generation and load".
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APIS = ("plandocket", "eguma", "printlounge", "mittwald")


def measure(api: str, count: int, repeat: int) -> dict[str, float]:
    """Generate, dump, write and load one API's dataset; best-of-`repeat` seconds for generate and load."""
    sys.path.insert(0, str(ROOT))
    from mock_server.dataset import generate_dataset, load_dataset, write_dataset
    from mock_server.model import ApiModel
    from mock_server.specs import Spec

    model = ApiModel.from_spec(Spec.from_file(ROOT / "specs" / f"{api}.yaml"))
    runs: dict[str, list[tuple[float, float]]] = {"generate": [], "load": []}
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        dataset = generate_dataset(model, seed=42, count=count)
        runs["generate"].append((time.perf_counter() - wall, time.process_time() - cpu))
    with tempfile.TemporaryDirectory() as tmp:
        path = write_dataset(dataset, Path(tmp))
        size = path.stat().st_size
        records = sum(len(records) for records in dataset.resources.values())
        del dataset
        for _ in range(repeat):
            wall, cpu = time.perf_counter(), time.process_time()
            loaded = load_dataset(path, model)
            runs["load"].append((time.perf_counter() - wall, time.process_time() - cpu))
            del loaded
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    best = {name: min(times, key=lambda run: run[1]) for name, times in runs.items()}
    return {
        "generate": best["generate"][0],
        "generate_cpu": best["generate"][1],
        "load": best["load"][0],
        "load_cpu": best["load"][1],
        "size": size / 2**20,
        "records": records,
        "peak": peak,
    }


def _cpus() -> int:
    import os

    return os.cpu_count() or 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--apis", nargs="+", default=list(APIS))
    parser.add_argument("--repeat", type=int, default=3, help="best of N for counts below 100,000 (default 3)")
    parser.add_argument("--out", type=Path, help="also write the table to this markdown file")
    parser.add_argument("--one", nargs=2, metavar=("API", "COUNT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one[0], int(args.one[1]), args.repeat)))
        return 0
    rows = [
        "| API | orders | records | file MiB | generate s (CPU s) | load + check s (CPU s) | peak RSS MiB |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for count in args.counts:
        total = dict.fromkeys(("generate", "generate_cpu", "load", "load_cpu"), 0.0)
        for api in args.apis:
            repeat = args.repeat if count < 100_000 else 1
            out = subprocess.run(
                [sys.executable, "-W", "ignore", __file__, "--one", api, str(count), "--repeat", str(repeat)],
                check=True,
                capture_output=True,
                text=True,
                cwd=ROOT,
            )
            cell = json.loads(out.stdout.strip().splitlines()[-1])
            for name in total:
                total[name] += cell[name]
            rows.append(
                f"| {api} | {count:,} | {cell['records']:,.0f} | {cell['size']:.1f} | "
                f"{cell['generate']:.2f} ({cell['generate_cpu']:.2f}) | {cell['load']:.2f} ({cell['load_cpu']:.2f}) | "
                f"{cell['peak']:.0f} |"
            )
            print(rows[-1], file=sys.stderr, flush=True)
        rows.append(
            f"| **all four** | {count:,} | | | **{total['generate']:.2f}** ({total['generate_cpu']:.2f}) | "
            f"**{total['load']:.2f}** ({total['load_cpu']:.2f}) | |"
        )
    header = (
        f"Fixture generation and load on Python {platform.python_version()}, {platform.machine()}, {_cpus()} CPUs; "
        f"seed 42, best of {args.repeat} below 100,000 orders. Wall seconds, with the process's CPU seconds in "
        "parentheses (compare those when the machine is busy). "
        "`load + check` = read, orjson parse, JSON-Schema validation of every record (jsonschema_rs), "
        "the API's views, keys, links and business rules. Peak RSS is the whole process per cell.\n"
    )
    table = header + "\n" + "\n".join(rows) + "\n"
    print(table)
    if args.out:
        args.out.write_text(
            f"# Fixtures: generation and load times\n\n{table}\nCommand: "
            f"`.venv/bin/python bench/fixtures_bench.py --counts {' '.join(map(str, args.counts))}`\n"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
