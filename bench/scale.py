"""This module contains the scale benchmark of issue 17 (`make bench` runs it after bench/run.py; alone, a few
minutes): generation memory, start-up and memory with 4 x 10,000 and 4 x 100,000 orders (cold, first start with the
dataset cache, warm), list growth from 1,000 to 100,000 orders, and 1 vs 2 workers. It writes its section of
bench/RESULTS.md (between the scale markers) and bench/out/scale.json.

    python bench/scale.py                                   # every part
    python bench/scale.py --parts generation,start --start-counts 10000
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import loadgen
from servers import HOST, free_port, get, tree_rss_bytes, wait_ok
from targets import APIKEY, BEARER

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
OUT = BENCH / "out"
SEED = 42
MIB = 2**20
PARTS = ("generation", "start", "growth", "workers")
PRISM_START_S = 1.43
PRISM_RSS_MIB = 271
"""Prism static for one spec, from the last full `make bench` run recorded in RESULTS.md (bench/run.py measures it)."""

PROBES: dict[str, tuple[str, dict[str, str]]] = {
    "plandocket": ("/api/v1/service-orders?status=confirmed", BEARER),
    "eguma": (f"/v1/ticketing/orders.json?apikey={APIKEY}&last_name=Smith", {}),  # unfiltered: every order, no paging
    "printlounge": ("/api/order/?orderStatus=61&limit=20", {}),
    "mittwald": ("/v2/orders/?includesStatus=NEW&limit=20", BEARER),
}
"""The first request per API (its first 200 ends start-up), also the filtered, paged lists that load measures."""


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--parts",
        default=",".join(PARTS),
        help=f"comma-separated subset of {', '.join(PARTS)}; 'none' re-renders RESULTS.md from OUT/scale.json",
    )
    p.add_argument("--gen-count", type=int, default=100_000, help="orders per API for the generation part")
    p.add_argument("--start-counts", default="10000,100000", help="orders per API for the start-up part")
    p.add_argument("--growth-counts", default="1000,100000", help="small and large count of the growth part")
    p.add_argument("--duration", type=float, default=5.0, help="seconds of load per cell")
    p.add_argument("--connections", type=int, default=16)
    p.add_argument("--results", type=Path, default=BENCH / "RESULTS.md")
    p.add_argument("--out", type=Path, default=OUT)
    return p


def _env(cache: Path) -> dict[str, str]:
    return {**os.environ, "MOCK_SERVER_CACHE_DIR": str(cache), "PYTHONUNBUFFERED": "1"}


def _hwm(pid: int) -> int:
    """Peak resident memory of one process (VmHWM), 0 once it is gone."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    match = re.search(r"VmHWM:\s+(\d+)", text)
    return int(match[1]) * 1024 if match else 0


# -- generation ----------------------------------------------------------------------------------------------------


def run_generation(count: int, out: Path) -> dict[str, Any]:
    target = out / "generated"
    shutil.rmtree(target, ignore_errors=True)
    argv = [sys.executable, "-m", "mock_server", "fixtures", "generate", "--count", str(count), "--out", str(target)]
    started = time.perf_counter()
    process = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    files = {path.name: path.stat().st_size for path in sorted(target.glob("*.json"))}
    shutil.rmtree(target, ignore_errors=True)
    return {
        "count": count,
        "exit": process.returncode,
        "seconds": round(seconds, 1),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 1),
        "peak_rss_mib": round(usage.ru_maxrss / 1024),
        "file_mib": {name: round(size / MIB, 1) for name, size in files.items()},
    }


# -- start-up ------------------------------------------------------------------------------------------------------


@contextmanager
def serving(count: int, cache: Path, extra: Sequence[str] = (), apis: Sequence[str] = ()) -> Iterator[dict[str, Any]]:
    """Start `serve --count N`, wait for every API's first 200 (time from spawn), yield its figures, stop it."""
    port = free_port()
    argv = [sys.executable, "-m", "mock_server", "serve", "--port", str(port), "--quiet"]
    argv += ["--count", str(count), "--seed", str(SEED), *extra, *[a for api in apis for a in ("--api", api)]]
    started = time.perf_counter()
    log = tempfile.TemporaryFile()
    process = subprocess.Popen(argv, cwd=ROOT, env=_env(cache), stdout=log, stderr=log, process_group=0)
    peak = 0
    try:
        for api in apis or PROBES:
            path, headers = PROBES[api]
            wait_ok(f"http://{HOST}:{port}/{api}{path}", headers, process, started + 900, Path("/dev/null"))
        figures: dict[str, Any] = {"port": port, "start_s": round(time.perf_counter() - started, 2)}
        figures["rss_mib"] = round(tree_rss_bytes(process.pid) / MIB)
        figures["pid"] = process.pid
        yield figures
        peak = max(_hwm(process.pid), tree_rss_bytes(process.pid))
        figures["peak_rss_mib"] = round(peak / MIB)
    finally:
        os.killpg(process.pid, 15)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait()
        log.close()


def _load(port: int, api: str, seconds: float, connections: int) -> loadgen.LoadResult:
    path, headers = PROBES[api]
    url = f"http://{HOST}:{port}/{api}{path}"
    if loadgen.wrk_path():
        return loadgen.run_wrk(url, connections, seconds, headers, [])
    return loadgen.run_python(url, connections, seconds, headers, [])


def run_start(counts: list[int], out: Path, seconds: float, connections: int) -> list[dict[str, Any]]:
    rows = []
    for count in counts:
        cache = out / f"cache-{count}"
        shutil.rmtree(cache, ignore_errors=True)
        for mode, extra in (("cold, --no-cache", ["--no-cache"]), ("first start, writes the cache", []), ("warm", [])):
            with serving(count, cache, extra) as figures:
                if mode == "warm":  # peak under load: a short run on each API
                    for api in PROBES:
                        _load(figures["port"], api, min(seconds, 2.0), connections)
            rows.append({"count": count, "mode": mode, **{k: v for k, v in figures.items() if k not in ("pid",)}})
            print(f"start {count} {mode}: {figures}", flush=True)
        cached = sum(p.stat().st_size for p in cache.glob("*.bin"))
        rows[-1]["cache_mib"] = round(cached / MIB)
        shutil.rmtree(cache, ignore_errors=True)
    return rows


# -- growth and workers --------------------------------------------------------------------------------------------


def run_growth(counts: list[int], out: Path, seconds: float, connections: int) -> list[dict[str, Any]]:
    rows = []
    for api in ("printlounge", "mittwald"):
        for count in counts:
            cache = out / "cache-growth"
            with serving(count, cache, apis=[api]) as figures:
                _load(figures["port"], api, 1.0, connections)  # warm-up
                result = _load(figures["port"], api, seconds, connections)
            rows.append({"api": api, "count": count, "rps": round(result.rps), "p99_ms": result.p99_ms})
            print(f"growth {api} {count}: {rows[-1]}", flush=True)
    shutil.rmtree(out / "cache-growth", ignore_errors=True)
    return rows


def run_workers(out: Path, seconds: float, connections: int) -> list[dict[str, Any]]:
    rows = []
    cache = out / "cache-workers"
    for workers in (1, 2):
        with serving(10_000, cache, ["--workers", str(workers)]) as figures:
            url = f"http://{HOST}:{figures['port']}/printlounge/api/order/?limit=1"
            seen = {get(url, {})[1].get("x-mock-worker") for _ in range(20)}
            _load(figures["port"], "printlounge", 1.0, connections)
            result = _load(figures["port"], "printlounge", seconds, connections)
        rows.append(
            {
                "workers": workers,
                "rps": round(result.rps),
                "p99_ms": result.p99_ms,
                "start_s": figures["start_s"],
                "rss_mib": figures["rss_mib"],
                "answered_by": len(seen),
            }
        )
        print(f"workers {workers}: {rows[-1]}", flush=True)
    shutil.rmtree(cache, ignore_errors=True)
    return rows


# -- report --------------------------------------------------------------------------------------------------------


def _verdict(ok: bool, missed: str) -> str:
    return "**met**" if ok else f"**missed** ({missed})"


def render(results: dict[str, Any]) -> str:
    lines = [
        "## Scale (issue 17): `bench/scale.py`",
        "",
        f"Written by `bench/scale.py` on {results['when']}; {os.cpu_count()} CPUs, shared with other work (load "
        f"average {results['load']}). Servers are not pinned; load by "
        f"{'wrk' if loadgen.wrk_path() else 'the Python load generator (no wrk on this machine)'}, "
        f"{results['connections']} connections, {results['duration']} s per cell. Prism's figures (static, one spec) "
        f"are those of the last full `bench/run.py` run above: start {PRISM_START_S} s, peak RSS {PRISM_RSS_MIB} MiB.",
        "",
        "| target | measured | verdict |",
        "|---|---|---|",
    ]
    starts = {(row["count"], row["mode"]): row for row in results.get("start", [])}
    warm10 = starts.get((10_000, "warm"))
    if warm10:
        allowance, peak = PRISM_RSS_MIB / 2, warm10["peak_rss_mib"]
        verdict = _verdict(peak <= allowance, f"{peak / allowance:.1f}× the allowance")
        lines.append(
            f"| 1. peak RSS under load, 4 x 10,000 ≤ ½ Prism's ({allowance:.0f} MiB) | {peak} MiB "
            f"(= {peak / PRISM_RSS_MIB:.2f}× Prism's) | {verdict} |"
        )
    warm100 = starts.get((100_000, "warm"))
    if warm100:
        peak = warm100["peak_rss_mib"]
        lines.append(
            f"| 1. peak RSS under load, 4 x 100,000 < 1 GiB | {peak} MiB | "
            f"{_verdict(peak < 1024, f'{peak / 1024:.1f}× 1 GiB')} |"
        )
    for count, limit, label in ((10_000, PRISM_START_S, "< Prism's start"), (100_000, 10.0, "< 10 s")):
        for mode in ("warm", "cold, --no-cache"):
            row = starts.get((count, mode))
            if row:
                ratio = row["start_s"] / limit
                lines.append(
                    f"| 2. start 4 x {count:,} {label} ({mode}) | {row['start_s']} s (= {ratio:.2f}× {limit} s) | "
                    f"{_verdict(row['start_s'] < limit, f'{ratio:.1f}×')} |"
                )
    gen = results.get("generation")
    if gen:
        lines.append(
            f"| 3. `fixtures generate --count {gen['count']:,}` peak RSS < 500 MiB, bytes unchanged | "
            f"{gen['peak_rss_mib']} MiB, {gen['seconds']} s ({gen['cpu_s']} CPU s), exit {gen['exit']}; byte identity: "
            f"tests/scale/test_streaming.py | {_verdict(gen['peak_rss_mib'] < 500 and gen['exit'] == 0, 'see RSS')} |"
        )
    growth = results.get("growth", [])
    for api in ("printlounge", "mittwald"):
        cells = [row for row in growth if row["api"] == api]
        if len(cells) == 2:
            small, large = cells
            ratio = large["rps"] / small["rps"] if small["rps"] else 0
            lines.append(
                f"| 4. growth {api} filtered list, first page of 20: {large['count']:,} ≥ 0.8× {small['count']:,} | "
                f"{small['rps']:,} → {large['rps']:,} rps (= {ratio:.2f}×) | "
                f"{_verdict(ratio >= 0.8, f'{ratio:.2f}×')} |"
            )
    workers = results.get("workers", [])
    if len(workers) == 2:
        one, two = workers
        ratio = two["rps"] / one["rps"] if one["rps"] else 0
        lines.append(
            f"| 5. `--workers 2` vs 1 (printlounge list) | {one['rps']:,} → {two['rps']:,} rps (= {ratio:.2f}×); "
            f"start {one['start_s']} / {two['start_s']} s; RSS {one['rss_mib']} / {two['rss_mib']} MiB | "
            "shared behaviour: tests/scale/test_workers.py |"
        )
    lines += ["", "Raw figures:", "", "```json", json.dumps(results, indent=1), "```"]
    notes = results.get("notes")
    if notes:
        lines += ["", notes]
    return "\n".join(lines) + "\n"


START, END = "<!-- scale:start -->", "<!-- scale:end -->"
NOTES_START, NOTES_END = "<!-- scale:notes:start -->", "<!-- scale:notes:end -->"


def write_results(path: Path, section: str) -> None:
    """Replace the scale section of RESULTS.md (keeping its hand-written notes block), or add it after the bench
    section."""
    text = path.read_text() if path.exists() else ""
    notes = ""
    if NOTES_START in text and NOTES_END in text:
        notes = text[text.index(NOTES_START) : text.index(NOTES_END) + len(NOTES_END)] + "\n"
    block = f"{START}\n{section}{notes}{END}"
    if START in text and END in text:
        text = text[: text.index(START)] + block + text[text.index(END) + len(END) :]
    elif "<!-- bench:end -->" in text:
        at = text.index("<!-- bench:end -->") + len("<!-- bench:end -->")
        text = text[:at] + "\n\n" + block + text[at:]
    else:
        text += "\n" + block + "\n"
    path.write_text(text)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(143))  # stop the servers on the way out
    parts = {p.strip() for p in args.parts.split(",") if p.strip()}
    args.out.mkdir(parents=True, exist_ok=True)
    saved = args.out / "scale.json"
    results: dict[str, Any] = json.loads(saved.read_text()) if saved.exists() else {}
    if parts & set(PARTS) or "when" not in results:  # only re-rendering keeps the figures' time and load
        results.update(
            when=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            load=round(os.getloadavg()[0], 1),
            duration=args.duration,
            connections=args.connections,
        )
    ints = lambda text: [int(x) for x in text.split(",") if x]  # noqa: E731
    if "generation" in parts:
        results["generation"] = run_generation(args.gen_count, args.out)
        print(f"generation: {results['generation']}", flush=True)
    if "start" in parts:
        done = {row["count"] for row in results.get("start", [])} - set(ints(args.start_counts))
        kept = [row for row in results.get("start", []) if row["count"] in done]
        results["start"] = kept + run_start(ints(args.start_counts), args.out, args.duration, args.connections)
    if "growth" in parts:
        results["growth"] = run_growth(ints(args.growth_counts), args.out, args.duration, args.connections)
    if "workers" in parts:
        results["workers"] = run_workers(args.out, args.duration, args.connections)
    saved.write_text(json.dumps(results, indent=1))
    write_results(args.results, render(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
