"""This module contains the benchmark's single entry point (`make bench`): mock-server against Prism (static and
dynamic), Connexion's mock mode and the stack's ceiling, on 127.0.0.1 only; it writes bench/RESULTS.md.

Every duration is a flag with an environment default (BENCH_DURATION, BENCH_WARMUP, BENCH_REPS, ...), so a full
run fits in about 25 minutes and a smoke run in seconds:

    python bench/run.py                                  # the full run
    python bench/run.py --servers mock-server --reps 1 --duration 0.5 --warmup 0 --connections 2 \\
        --count 200 --growth-counts '' --profile-seconds 0 --loadgen python --no-install \\
        --nice 0 --noisy-retries 0 --results /tmp/RESULTS.md --out /tmp/bench   # the test suite's smoke run
    python bench/run.py --render bench/out/results.json  # re-write RESULTS.md from saved raw results
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import loadgen
import profiling
import report
import yaml
from servers import (
    HOST,
    Deployment,
    ForeignCpu,
    Group,
    Running,
    cpu_pin,
    free_port,
    get,
    raise_priority,
    start,
    tree,
    wait_ok,
    wait_quiet,
)
from targets import APIS, Target, discover, growth_targets

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
SPEC_DIR = ROOT / "specs"
PRISM = BENCH / "node_modules" / ".bin" / "prism"
OUT = BENCH / "out"
SEED = 42
PRISM_VERSION = "5.14.2"


def _env(name: str, default: str) -> str:
    return os.environ.get(f"BENCH_{name}", default)


def _ints(text: str) -> list[int]:
    return [int(x) for x in text.replace(" ", "").split(",") if x]


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0], formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument(
        "--servers",
        default=_env("SERVERS", ",".join(report.SERVERS)),
        help="comma-separated subset of " + ", ".join(report.SERVERS) + " (env BENCH_SERVERS)",
    )
    p.add_argument(
        "--duration",
        type=float,
        default=float(_env("DURATION", "4")),
        help="measured seconds per cell (env BENCH_DURATION, default 4)",
    )
    p.add_argument(
        "--warmup",
        type=float,
        default=float(_env("WARMUP", "1")),
        help="discarded warm-up seconds before each cell (env BENCH_WARMUP, default 1)",
    )
    p.add_argument("--reps", type=int, default=int(_env("REPS", "3")), help="repetitions (env BENCH_REPS, default 3)")
    p.add_argument(
        "--connections",
        type=_ints,
        default=_ints(_env("CONNECTIONS", "2,16")),
        help="connection counts (env BENCH_CONNECTIONS, default 2,16)",
    )
    p.add_argument(
        "--count",
        type=int,
        default=int(_env("COUNT", "10000")),
        help="orders per API mock-server generates (env BENCH_COUNT, default 10000)",
    )
    p.add_argument(
        "--growth-counts",
        type=_ints,
        default=_ints(_env("GROWTH_COUNTS", "1000,10000,100000")),
        help="orders per API of the growth curve; '' skips it (env BENCH_GROWTH_COUNTS)",
    )
    p.add_argument("--growth-connections", type=int, default=int(_env("GROWTH_CONNECTIONS", "16")))
    p.add_argument(
        "--profile-seconds",
        type=float,
        default=float(_env("PROFILE_SECONDS", "8")),
        help="py-spy seconds per request; 0 skips the profile (env BENCH_PROFILE_SECONDS)",
    )
    p.add_argument(
        "--loadgen",
        choices=["auto", "wrk", "python"],
        default=_env("LOADGEN", "auto"),
        help="wrk when available (auto), or the Python fallback (env BENCH_LOADGEN)",
    )
    p.add_argument(
        "--quiet-wait",
        type=float,
        default=float(_env("QUIET_WAIT", "0")),
        help="seconds to wait before each server start for other processes to leave the server's core below "
        "--quiet-cores (env BENCH_QUIET_WAIT, default 0: on a shared machine others fill an idle core anyway; what "
        "counts is how much they take while a cell runs)",
    )
    p.add_argument(
        "--quiet-cores",
        type=float,
        default=float(_env("QUIET_CORES", "0.15")),
        help="share of the server's core other processes may use for a cell to count as undisturbed "
        "(env BENCH_QUIET_CORES, default 0.15)",
    )
    p.add_argument(
        "--noisy-retries",
        type=int,
        default=int(_env("NOISY_RETRIES", "1")),
        help="measure a cell again when other processes used more than --quiet-cores of the server's core "
        "meanwhile; the least disturbed attempt counts (env BENCH_NOISY_RETRIES, default 1)",
    )
    p.add_argument(
        "--nice",
        type=int,
        default=int(_env("NICE", "-20")),
        help="niceness of the harness, inherited by the servers and the load generator, so that other processes "
        "of a shared machine disturb less (root only when negative; env BENCH_NICE, default -20)",
    )
    p.add_argument("--no-install", action="store_true", help="don't run npm ci or apt-get")
    p.add_argument("--results", type=Path, default=BENCH / "RESULTS.md", help="Markdown file to update")
    p.add_argument("--out", type=Path, default=OUT, help="scratch directory: logs, captured bodies, profiles")
    p.add_argument("--json", type=Path, default=None, help="raw results (default OUT/results.json)")
    p.add_argument("--render", type=Path, default=None, metavar="JSON", help="only re-render RESULTS.md from JSON")
    return p


# --- installation ----------------------------------------------------------------------------------------------------
def _quiet(cmd: Sequence[str], cwd: Path | None = None, timeout: float = 600) -> bool:
    print("$ " + " ".join(cmd), flush=True)
    done = subprocess.run(list(cmd), cwd=cwd, capture_output=True, text=True, check=False, timeout=timeout)
    if done.returncode != 0:
        print((done.stderr or done.stdout).strip()[-2000:], file=sys.stderr)
    return done.returncode == 0


def install(servers: list[str], want_loadgen: str, allowed: bool) -> tuple[str, list[str]]:
    """Prism through npm into bench/node_modules and wrk through apt when allowed; (load generator, notes)."""
    notes: list[str] = []
    if any(s.startswith("prism") for s in servers) and not PRISM.exists():
        if allowed and shutil.which("npm"):
            _quiet(["npm", "ci", "--no-audit", "--no-fund"], cwd=BENCH)
        if not PRISM.exists():
            notes.append("Prism is not installed (bench/node_modules absent and npm ci not possible): skipped.")
            servers[:] = [s for s in servers if not s.startswith("prism")]
    if want_loadgen == "python":
        return "python", notes
    if loadgen.wrk_path() is None and allowed and shutil.which("apt-get") and os.geteuid() == 0:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "wrk"]):
            print("$ " + " ".join(cmd), flush=True)
            subprocess.run(cmd, env=env, capture_output=True, check=False, timeout=600)
    if loadgen.wrk_path() is None:
        if want_loadgen == "wrk":
            raise SystemExit("wrk is not installed and could not be installed")
        notes.append(
            "wrk is not available: the Python load generator (bench/loadgen.py) measured instead; it is "
            "slower than wrk and may be the bottleneck, so compare ratios, not absolute numbers."
        )
        return "python", notes
    return "wrk", notes


# --- the run ---------------------------------------------------------------------------------------------------------
class Bench:
    """One benchmark run: discovery, the server matrix, the growth curve and the profile."""

    def __init__(self, args: argparse.Namespace, servers: list[str], load: str, notes: list[str]) -> None:
        self.args = args
        self.servers = servers
        self.load = load
        self.notes = notes
        self.cores = len(os.sched_getaffinity(0))
        can_pin = self.cores >= 2 and shutil.which("taskset") is not None
        self.can_pin = can_pin
        self.server_core = 0 if can_pin else None
        self.nice = args.nice if os.geteuid() == 0 or args.nice >= 0 else 0
        self.server_pin = cpu_pin(0 if can_pin else None)
        self.load_pin = cpu_pin(1 if can_pin else None)
        if can_pin:
            os.sched_setaffinity(0, {1})  # the harness itself stays off the server's core
        if self.nice:  # inherited by every server, load generator and profiler the harness starts
            atexit.register(raise_priority(self.nice))
        self.cells: list[dict[str, Any]] = []
        self.starts: list[dict[str, Any]] = []
        self.growth: list[dict[str, Any]] = []
        self.growth_starts: list[dict[str, Any]] = []
        self.growth_profile: dict[str, Any] | None = None
        self.fixture_starts: list[dict[str, Any]] = []
        self.sizes: dict[str, dict[str, int]] = {}
        self.commands: dict[str, str] = {}
        self.targets: list[Target] = []
        self.out: Path = args.out
        self.bodies_path = self.out / "bodies.json"
        self.logs = self.out / "logs"

    # commands -------------------------------------------------------------------------------------------------------
    def mock_server(self, count: int, apis: Sequence[str] = ()) -> Group:
        argv = [
            sys.executable,
            "-m",
            "mock_server",
            "serve",
            "--quiet",  # no access line per request: throughput as before the access log existed
            "--host",
            HOST,
            "--port",
            "{port}",
            "--count",
            str(count),
            "--seed",
            str(SEED),
            *[a for api in apis for a in ("--api", api)],
        ]
        return Group(tuple(apis) or APIS, tuple(argv), "/{api}")

    def deployments(self) -> list[Deployment]:
        py = sys.executable
        found: dict[str, Deployment] = {
            "mock-server": Deployment("mock-server", "mock-server", (self.mock_server(self.args.count),)),
            "ceiling": Deployment(
                "ceiling",
                "ceiling",
                (
                    Group(
                        APIS,
                        (py, str(BENCH / "ceiling_app.py"), "--port", "{port}", "--bodies", str(self.bodies_path)),
                        "/{api}",
                    ),
                ),
            ),
        }
        for mode, extra, specs in (("prism-static", (), SPEC_DIR), ("prism-dynamic", ("-d",), self.jsf_specs())):
            found[mode] = Deployment(
                mode,
                mode,
                tuple(
                    Group(
                        (api,), (str(PRISM), "mock", "-h", HOST, "-p", "{port}", *extra, str(specs / f"{api}.yaml")), ""
                    )
                    for api in APIS
                ),
            )
        found["connexion-mock"] = Deployment(
            "connexion-mock",
            "connexion-mock",
            tuple(
                Group(
                    (api,),
                    (py, str(BENCH / "connexion_mock.py"), str(SPEC_DIR / f"{api}.yaml"), "--port", "{port}"),
                    "",
                )
                for api in APIS
            ),
        )
        for name, dep in found.items():
            first = dep.groups[0].argv
            shown = " ".join(_show(a) for a in [*self.server_pin, *first])
            if len(dep.groups) > 1:
                shown += f"   (one process per spec: {', '.join(g.apis[0] for g in dep.groups)})"
            self.commands[name] = shown
        return [found[s] for s in report.SERVERS if s in self.servers]

    def jsf_specs(self) -> Path:
        """Copies of the specs without `x-faker` for Prism -d.

        json-schema-faker (Prism's generator) reads `x-faker` as its own keyword, a faker.js method path; ours
        names Python Faker providers (`company`, `{provider: hexify, ...}`), so Prism -d answers 500 wherever one
        occurs. Without the hints it generates plain schema-shaped values.
        """
        out = self.out / "specs-prism-dynamic"
        out.mkdir(parents=True, exist_ok=True)

        def strip(node: Any) -> Any:
            if isinstance(node, dict):
                return {k: strip(v) for k, v in node.items() if k != "x-faker"}
            if isinstance(node, list):
                return [strip(v) for v in node]
            return node

        for api in APIS:
            document = yaml.safe_load((SPEC_DIR / f"{api}.yaml").read_text(encoding="utf-8"))
            (out / f"{api}.yaml").write_text(
                yaml.safe_dump(strip(document), sort_keys=False, allow_unicode=True), encoding="utf-8"
            )
        return out

    # measuring ------------------------------------------------------------------------------------------------------
    def measure(self, url: str, conns: int, headers: dict[str, str], seconds: float) -> loadgen.LoadResult:
        run = loadgen.run_wrk if self.load == "wrk" else loadgen.run_python
        return run(url, conns, seconds, headers, self.load_pin)

    def cell(self, url: str, conns: int, headers: dict[str, str], server_pid: int) -> dict[str, Any]:
        """Warm up, then measure; a measurement disturbed by other load is repeated (up to --noisy-retries)."""
        best: dict[str, Any] | None = None
        for attempt in range(1 + self.args.noisy_retries):
            if best is not None:
                print(f"    (other processes used {best['foreign_cores']:.2f} cores: measuring again)", flush=True)
                time.sleep(2)  # let a burst of other work pass
            if self.args.warmup > 0:
                self.measure(url, conns, headers, self.args.warmup)
            with ForeignCpu(server_pid, self.server_core) as foreign:
                result = asdict(self.measure(url, conns, headers, self.args.duration))
            row = {**result, "foreign_cores": round(foreign.cores, 3), "attempts": attempt + 1}
            if best is None or row["foreign_cores"] < best["foreign_cores"]:
                best = row
            if best["foreign_cores"] <= self.args.quiet_cores:
                break
        assert best is not None
        return best

    @contextlib.contextmanager
    def started(self, group: Group, targets: list[Target], label: str) -> Iterator[Running]:
        probes = []
        for api in group.apis:
            first = next(t for t in targets if t.api == api)
            probes.append((group.base(api, 0).replace(":0", ":{port}") + first.path, first.header_dict()))
        if self.args.quiet_wait > 0:
            wait_quiet(self.args.quiet_cores, self.args.quiet_wait, self.server_core)
        with start(group, free_port(), probes, self.server_pin, self.logs, label) as running:
            yield running

    def run_matrix(self) -> None:
        deployments = self.deployments()
        for rep in range(self.args.reps):
            order = deployments[rep % len(deployments) :] + deployments[: rep % len(deployments)]
            for dep in order:
                for group in dep.groups:
                    targets = [t for t in self.targets if t.api in group.apis]
                    print(f"[rep {rep + 1}/{self.args.reps}] {dep.name} {'/'.join(group.apis)}", flush=True)
                    try:
                        with self.started(group, targets, dep.name) as running:
                            for t in targets:
                                self.run_target(dep.name, running, t, rep)
                    except RuntimeError as exc:  # one server that won't start must not cost the others' figures
                        first_line = str(exc).splitlines()[0]
                        print(f"    failed: {first_line}", flush=True)
                        self.notes.append(
                            f"{dep.name} ({'/'.join(group.apis)}, repetition {rep + 1}) failed: {first_line}"
                        )
                        continue
                    self.starts.append(
                        {
                            "server": dep.name,
                            "apis": list(group.apis),
                            "rep": rep,
                            "startup_s": running.startup_s,
                            "peak_rss_bytes": running.sampler.peak,
                        }
                    )

    def run_target(self, server: str, running: Running, t: Target, rep: int) -> None:
        url = running.base(t.api) + t.path
        status, _, body = get(url, t.header_dict())
        self.sizes.setdefault(server, {})[t.id] = len(body)
        for conns in self.args.connections:
            row: dict[str, Any] = {"server": server, "target": t.id, "connections": conns, "rep": rep, "status": status}
            if status != 200:
                row["detail"] = body[:200].decode("utf-8", "replace")
            else:
                row.update(self.cell(url, conns, t.header_dict(), running.process.pid))
            self.cells.append(row)
            print(
                f"    {t.id:<20} c={conns:<3} {row.get('rps', 0):>9,.0f} rps  p99 {row.get('p99_ms', 0):7.2f} ms"
                f"  others {row.get('foreign_cores', 0):.2f} cores" + (f"  status {status}" if status != 200 else ""),
                flush=True,
            )

    def run_growth(self) -> None:
        """One mock-server per size (100,000 orders take a minute to generate); the repetitions run inside it."""
        targets = growth_targets()
        apis = tuple(dict.fromkeys(t.api for t in targets))
        for count in self.args.growth_counts:
            print(f"[growth] {count:,} orders per API", flush=True)
            with self.started(self.mock_server(count, apis), targets, f"growth-{count}") as running:
                for rep in range(self.args.reps):
                    for t in targets[rep % len(targets) :] + targets[: rep % len(targets)]:
                        url = running.base(t.api) + t.path
                        cell = self.cell(url, self.args.growth_connections, t.header_dict(), running.process.pid)
                        row = {"count": count, "target": t.id, "connections": self.args.growth_connections, "rep": rep}
                        self.growth.append({**row, **cell})
                        print(
                            f"    {t.id:<20} {cell['rps']:>9,.0f} rps  p99 {cell['p99_ms']:7.2f} ms  others "
                            f"{cell['foreign_cores']:.2f} cores",
                            flush=True,
                        )
                if count == max(self.args.growth_counts) and self.args.profile_seconds > 0 and profiling.py_spy():
                    print(f"[growth] profile at {count:,} orders per API", flush=True)
                    self.growth_profile = {
                        "count": count,
                        "targets": self.profile_targets(running, targets, self.args.growth_connections, "growth"),
                    }
            self.growth_starts.append(
                {"count": count, "startup_s": running.startup_s, "peak_rss_bytes": running.sampler.peak}
            )

    def run_fixture_starts(self) -> None:
        """Start-up and idle memory of plain `mock-server serve`: the committed fixtures, no generation."""
        argv = (sys.executable, "-m", "mock_server", "serve", "--host", HOST, "--port", "{port}")
        for rep in range(self.args.reps):
            print(f"[fixtures start-up {rep + 1}/{self.args.reps}] mock-server with the committed fixtures", flush=True)
            with self.started(Group(APIS, argv, "/{api}"), self.targets, "fixtures") as running:
                pass
            self.fixture_starts.append(
                {"rep": rep, "startup_s": running.startup_s, "peak_rss_bytes": running.sampler.peak}
            )

    def _load_into(self, result: dict[str, Any], url: str, conns: int, headers: dict[str, str], seconds: float) -> None:
        result.update(asdict(self.measure(url, conns, headers, seconds)))

    def profile_targets(self, running: Running, targets: list[Target], conns: int, label: str) -> dict[str, Any]:
        """py-spy on the running server while the load generator drives each target in turn."""
        seconds = self.args.profile_seconds
        profiles: dict[str, Any] = {}
        for t in targets:
            url = running.base(t.api) + t.path
            out = self.out / f"{label}-{t.id.replace(' ', '-')}.txt"
            result: dict[str, Any] = {}
            loader = threading.Thread(target=self._load_into, args=(result, url, conns, t.header_dict(), seconds + 1))
            loader.start()
            time.sleep(0.5)
            profiling.record(running.process.pid, seconds, 250, out, self.load_pin)
            loader.join()
            summary = profiling.summarise(out.read_text())
            summary["rps"] = result.get("rps", 0.0)
            profiles[t.id] = summary
            print(f"    {t.id:<20} {summary['samples']} samples", flush=True)
        return profiles

    def run_profile(self) -> dict[str, Any] | None:
        seconds = self.args.profile_seconds
        if seconds <= 0:
            return None
        if profiling.py_spy() is None:
            self.notes.append("py-spy is not installed (`.venv/bin/pip install py-spy`): no profile this run.")
            return None
        conns = max(self.args.connections)
        print("[profile] mock-server under py-spy", flush=True)
        with self.started(self.mock_server(self.args.count), self.targets, "profile") as running:
            profiles = self.profile_targets(running, self.targets, conns, "profile")
        return {
            "rate": 250,
            "seconds": seconds,
            "connections": conns,
            "targets": profiles,
            "growth": self.growth_profile,
            "startup": self._guarded(self.profile_startup),
            "memory": self._guarded(self.memory_phases),
        }

    def _guarded(self, step: Any) -> Any:
        """A profile step that may fail without failing the run (it leans on mock_server internals)."""
        try:
            return step()
        except Exception as exc:  # a broken profile step must not cost the measurements
            self.notes.append(f"profile step {step.__name__} failed: {exc}")
            return None

    def profile_startup(self) -> dict[str, Any]:
        """py-spy from the first instruction of `mock-server serve` until every API answers."""
        exe = profiling.py_spy()
        assert exe is not None
        print("[profile] mock-server start-up under py-spy", flush=True)
        out, port = self.out / "profile-startup.txt", free_port()
        argv = [a.replace("{port}", str(port)) for a in self.mock_server(self.args.count).argv]
        spy_argv = [*self.load_pin, exe, "record", "--rate", "100", "--format", "raw", "-o", str(out), "--"]
        self.logs.mkdir(parents=True, exist_ok=True)
        log_path = self.logs / "profile-startup.log"
        with open(log_path, "wb") as log:
            began = time.perf_counter()
            spy = subprocess.Popen([*spy_argv, *self.server_pin, *argv], stdout=log, stderr=subprocess.STDOUT)
            try:
                for api in APIS:
                    first = next(t for t in self.targets if t.api == api)
                    wait_ok(f"http://{HOST}:{port}/{api}{first.path}", first.header_dict(), spy, began + 600, log_path)
                ready = time.perf_counter() - began
                for pid in tree(spy.pid):
                    if pid != spy.pid:
                        os.kill(pid, signal.SIGINT)
                spy.wait(timeout=60)
            finally:
                if spy.poll() is None:
                    spy.kill()
        summary = profiling.summarise_startup(out.read_text())
        summary["ready_s"] = ready
        return summary

    def memory_phases(self) -> dict[str, Any]:
        print("[profile] mock-server start-up memory by phase", flush=True)
        done = subprocess.run(
            [*self.server_pin, sys.executable, str(BENCH / "memprofile.py"), "--count", str(self.args.count)],
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
            cwd=ROOT,
        )
        if done.returncode != 0:
            raise RuntimeError(done.stderr.strip()[-500:])
        result: dict[str, Any] = json.loads(done.stdout)
        return result

    def prepare(self) -> None:
        """Discover the requests on a mock-server and capture its answers for the ceiling."""
        print("[prepare] discovering requests on mock-server", flush=True)
        group = self.mock_server(self.args.count)
        self.out.mkdir(parents=True, exist_ok=True)
        probe: tuple[str, dict[str, str]] = (f"http://{HOST}:{{port}}/printlounge/api/order/?limit=1", {})
        with start(group, free_port(), [probe], self.server_pin, self.logs, "prepare") as running:
            self.targets = discover({api: running.base(api) for api in APIS})
            bodies = {}
            for t in self.targets:
                status, headers, body = get(running.base(t.api) + t.path, t.header_dict())
                if status != 200:
                    raise RuntimeError(f"mock-server answered {status} to {t.id}: {body[:300]!r}")
                keep = {k: v for k, v in headers.items() if k.startswith("x-pagination")}
                bodies[f"{t.api} GET {t.operation}"] = {"body": body.decode(), "headers": keep}
        self.bodies_path.write_text(json.dumps(bodies), encoding="utf-8")

    def run(self) -> dict[str, Any]:
        began = time.perf_counter()
        shutil.rmtree(self.logs, ignore_errors=True)  # the logs of this run only
        self.prepare()
        self.run_matrix()
        if "mock-server" in self.servers:
            self.run_fixture_starts()
        if self.args.growth_counts:
            self.run_growth()
        profile = self.run_profile()
        return {
            "config": {
                "servers": self.servers,
                "duration": self.args.duration,
                "warmup": self.args.warmup,
                "reps": self.args.reps,
                "connections": self.args.connections,
                "count": self.args.count,
                "seed": SEED,
                "apis": list(APIS),
                "growth_counts": self.args.growth_counts,
                "growth_connections": self.args.growth_connections,
                "quiet_cores": self.args.quiet_cores,
                "growth_apis": list(dict.fromkeys(t.api for t in growth_targets())),
            },
            "meta": self.meta(time.perf_counter() - began),
            "targets": [{**asdict(t), "id": t.id} for t in self.targets],
            "cells": self.cells,
            "starts": self.starts,
            "growth": self.growth,
            "growth_starts": self.growth_starts,
            "fixture_starts": self.fixture_starts,
            "sizes": self.sizes,
            "profile": profile,
            "server_notes": self.server_notes(),
        }

    def server_notes(self) -> list[str]:
        notes = [
            "- **mock-server**: one process, all four APIs under `/<api>`, filters, sorting and paging computed "
            "over the generated orders; response validation off (its default).",
            "- **ceiling** (`bench/ceiling_app.py`, issue 9.11): a Connexion AsyncApp on the same four specs and "
            "URLs, strict request validation and security on, each operation answering the exact bytes mock-server "
            "answered for the benchmarked request (captured before the run), so the difference to mock-server is "
            "mock-server's own per-request work.",
            f"- **Prism {PRISM_VERSION}** (pinned: later releases need Node >= 24), static and `-d` dynamic: one "
            "process per spec (Prism mocks one document), each measured on its own API's requests and started "
            "one at a time; defaults otherwise (info-level request logging, written to a file). Start-up and "
            "memory are per process, i.e. per spec. Prism `-d` gets copies of the specs without `x-faker`: "
            "json-schema-faker reads that key as its own (a faker.js method), and with our Python-Faker provider "
            "names in it every dynamic answer that touches one is a 500.",
            "- **Connexion mock**: `connexion run SPEC --mock=all`, one process per spec, through "
            "`bench/connexion_mock.py`, which adds the content type connexion's MockResolver leaves out (without "
            "it every answer on these specs is a 500, because each operation declares two media types) and sets "
            "BEARERINFO_FUNC/APIKEYINFO_FUNC (without them every secured request is a 401). `connexion run` "
            "keeps uvicorn's reloader and access log on: its memory is that of both processes.",
        ]
        return notes + [f"- {n}" for n in self.notes]

    def meta(self, elapsed: float) -> dict[str, Any]:
        def version(dist: str) -> str:
            try:
                return metadata.version(dist)
            except metadata.PackageNotFoundError:
                return "absent"

        uses_prism = any(s.startswith("prism") for s in self.servers)
        node = (
            subprocess.run(["node", "--version"], capture_output=True, text=True, check=False)
            if uses_prism and shutil.which("node")
            else None
        )
        prism = (
            subprocess.run([str(PRISM), "--version"], capture_output=True, text=True, check=False)
            if uses_prism and PRISM.exists()
            else None
        )
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "mock_server", "specs"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        cpu_model = "unknown CPU"
        with contextlib.suppress(OSError):
            for line in Path("/proc/cpuinfo").read_text().splitlines():
                if line.startswith("model name"):
                    cpu_model = line.split(":", 1)[1].strip()
                    break
        mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
        pinning = (
            "Servers pinned to core 0 (`taskset -c 0`); load generator, py-spy and harness on core 1."
            if self.can_pin
            else "No CPU pinning (fewer than two cores or no taskset): figures are noisier."
        )
        if self.nice:
            pinning += (
                f" The harness runs at niceness {self.nice} (its process and its scheduling autogroup), inherited by "
                "the servers and the load generator, so other processes of a shared machine take less from them "
                "(the same for every server)."
            )
        load = (
            f"wrk ({loadgen.wrk_version()}, one thread, `--latency`)"
            if self.load == "wrk"
            else "the Python load generator (bench/loadgen.py)"
        )
        cmds = dict(self.commands)
        cmds["load"] = (
            "taskset -c 1 wrk -t1 -c<N> -d<D>s --latency --timeout 10s [-H 'Authorization: Bearer bench-token'] <url>"
            if self.load == "wrk"
            else "taskset -c 1 python bench/loadgen.py <url> -c <N> -d <D> [-H ...]"
        )
        growth = [*self.server_pin, *self.mock_server(0, ("printlounge", "mittwald")).argv]
        cmds["growth"] = " ".join(_show(a) for a in growth).replace("--count 0", "--count <1000|10000|100000>")
        return {
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "elapsed_min": elapsed / 60,
            "cpus": self.cores,
            "server_core": self.server_core,
            "cpu_model": cpu_model,
            "mem_gib": mem,
            "os": f"{platform.system()} {platform.release()}",
            "pinning": pinning,
            "loadgen": load,
            "commands": cmds,
            "versions": {
                "mock-server": f"{version('mock-server')} (git {commit or 'unknown'}"
                + (", with uncommitted changes in mock_server/ or specs/)" if dirty else ")"),
                "Python": platform.python_version(),
                "connexion / starlette / uvicorn": f"{version('connexion')} / {version('starlette')} / "
                f"{version('uvicorn')}",
                "uvloop / httptools / orjson": f"{version('uvloop')} / {version('httptools')} / {version('orjson')}",
                "Node": node.stdout.strip() if node else "not used",
                "Prism (@stoplight/prism-cli)": prism.stdout.strip() if prism else "not used",
                "load generator": load,
                "py-spy": (
                    subprocess.run(
                        [profiling.py_spy() or "py-spy", "--version"], capture_output=True, text=True, check=False
                    ).stdout.strip()
                    if profiling.py_spy()
                    else "absent"
                ),
            },
        }


def _show(arg: str) -> str:
    """An argument as shown in RESULTS.md: repository paths relative, the interpreter as `python`."""
    if arg == sys.executable:
        return "python"
    with contextlib.suppress(ValueError):
        return str(Path(arg).relative_to(ROOT))
    return arg


def _exit_on_signal(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)  # unwinds through the `finally` that stops the server under test


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    signal.signal(signal.SIGTERM, _exit_on_signal)
    signal.signal(signal.SIGINT, _exit_on_signal)  # also when started in the background, where SIGINT is ignored
    args.json = args.json or args.out / "results.json"
    if args.render is not None:
        results = json.loads(args.render.read_text(encoding="utf-8"))
    else:
        servers = [s for s in args.servers.split(",") if s]
        unknown = [s for s in servers if s not in report.SERVERS]
        if unknown:
            raise SystemExit(f"unknown server(s) {unknown}; known: {', '.join(report.SERVERS)}")
        load, notes = install(servers, args.loadgen, allowed=not args.no_install)
        results = Bench(args, servers, load, notes).run()
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")
    section = report.render(results, report.existing_notes(args.results))
    report.write_section(args.results, section)
    print(f"wrote {args.results} (raw results in {args.json})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
