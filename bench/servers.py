"""This module contains the servers under test: how each is started, when it is ready, and how much memory it holds.

A Deployment is one server kind on the four APIs: either one process serving all of them under /<api> prefixes
(mock-server, the ceiling) or one process per spec at / (Prism, Connexion's mock), started one at a time.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

HOST = "127.0.0.1"


@dataclass(frozen=True)
class Group:
    """One process of a deployment: the command that starts it and the APIs it serves at which prefix."""

    apis: tuple[str, ...]
    argv: tuple[str, ...]
    prefix: str  # "/{api}" or ""
    env: tuple[tuple[str, str], ...] = ()

    def base(self, api: str, port: int) -> str:
        return f"http://{HOST}:{port}" + self.prefix.format(api=api)


@dataclass(frozen=True)
class Deployment:
    """A server kind and the processes (groups) it takes to serve the APIs."""

    name: str
    label: str
    groups: tuple[Group, ...]
    note: str = ""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def get(url: str, headers: dict[str, str], timeout: float = 30.0) -> tuple[int, dict[str, str], bytes]:
    """One GET over a fresh connection: status, headers (lower-case names) and body."""
    parts = url.split("/", 3)
    host, port = parts[2].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        conn.request("GET", "/" + parts[3], headers=headers)
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def tree(root: int) -> list[int]:
    """root and every descendant, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(b")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def tree_rss_bytes(root: int) -> int:
    """Resident memory of a process and all its descendants (sum of VmRSS; shared pages count in each)."""
    total = 0
    for pid in tree(root):
        try:
            with open(f"/proc/{pid}/status", "rb") as fh:
                for line in fh:
                    if line.startswith(b"VmRSS:"):
                        total += int(line.split()[1]) * 1024
                        break
        except OSError:
            continue
    return total


_TICK = os.sysconf("SC_CLK_TCK")


def busy_cpu_seconds(core: int | None = None) -> float:
    """CPU seconds the machine (or one core) has been busy (idle and iowait excluded), from /proc/stat."""
    label = b"cpu" if core is None else f"cpu{core}".encode()
    with open("/proc/stat", "rb") as fh:
        for line in fh:
            parts = line.split()
            if parts[0] == label:
                user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in parts[1:9])
                return (user + nice + system + irq + softirq + steal) / _TICK
    raise RuntimeError(f"no {label.decode()} line in /proc/stat")


def tree_cpu_seconds(root: int) -> float:
    """CPU seconds used by a process tree (each process's own and its waited-for children's)."""
    total = 0
    for pid in tree(root):
        try:
            with open(f"/proc/{pid}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        fields = stat[stat.rindex(b")") + 2 :].split()
        total += sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
    return total / _TICK


def own_cpu_seconds() -> float:
    """CPU seconds of this process and its finished children (the load generator, py-spy)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


class ForeignCpu:
    """How much CPU processes other than ours took meanwhile, in cores.

    With `core` (the server's pinned core): the busy time of that core minus the server's, i.e. what others took
    from the server's core (what they do on the load generator's core barely matters). Without: the whole machine
    minus the server, the harness and its children. The benchmark is only as good as the machine is quiet; this is
    how the report knows whether it was.
    """

    def __init__(self, server_pid: int | None = None, core: int | None = None) -> None:
        self.server_pid = server_pid
        self.core = core
        self.cores = 0.0

    def _sample(self) -> tuple[float, float, float]:
        server = tree_cpu_seconds(self.server_pid) if self.server_pid else 0.0
        ours = server if self.core is not None else own_cpu_seconds() + server
        return time.perf_counter(), busy_cpu_seconds(self.core), ours

    def __enter__(self) -> ForeignCpu:
        self._start = self._sample()
        return self

    def __exit__(self, *exc: object) -> None:
        end = self._sample()
        elapsed = end[0] - self._start[0]
        foreign = (end[1] - self._start[1]) - (end[2] - self._start[2])
        self.cores = max(0.0, foreign / elapsed) if elapsed > 0 else 0.0


def raise_priority(nice: int) -> Callable[[], None]:
    """Lower this process's niceness (children inherit it) and its autogroup's, which is what counts between
    sessions when the kernel schedules by autogroup; returns the function that restores the autogroup's."""
    os.nice(nice)
    path = Path("/proc/self/autogroup")
    try:
        before = int(path.read_text().split("nice")[1])
        path.write_text(str(nice))
    except (OSError, IndexError, ValueError):
        return lambda: None

    def restore() -> None:
        with contextlib.suppress(OSError):
            path.write_text(str(before))

    return restore


def wait_quiet(threshold: float, patience: float, core: int | None = None) -> float:
    """Wait (up to `patience` s) until other processes use less than `threshold` cores (of `core`, or of the
    machine); the last reading."""
    deadline = time.perf_counter() + patience
    while True:
        with ForeignCpu(core=core) as probe:
            time.sleep(1.0)
        if probe.cores < threshold or time.perf_counter() >= deadline:
            return probe.cores
        where = "machine" if core is None else f"core {core}"
        print(f"    waiting for a quiet {where}: other processes use {probe.cores:.2f} cores", flush=True)


class RssSampler:
    """Samples the tree RSS of a process every `interval` seconds in a thread; `peak` is the highest seen."""

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        self.pid = pid
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, tree_rss_bytes(self.pid))
            self._stop.wait(self.interval)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, tree_rss_bytes(self.pid))


@dataclass
class Running:
    """A started group: its process, port, the seconds from spawn to every API's first 200, and its RSS sampler."""

    group: Group
    process: subprocess.Popen[bytes]
    port: int
    startup_s: float
    sampler: RssSampler
    log_path: Path
    extra: dict[str, float] = field(default_factory=dict)

    def base(self, api: str) -> str:
        return self.group.base(api, self.port)


def cpu_pin(core: int | None) -> list[str]:
    """`taskset -c N` when pinning is possible (taskset present, at least two cores), else nothing."""
    if core is None:
        return []
    return ["taskset", "-c", str(core)]


@contextlib.contextmanager
def start(
    group: Group,
    port: int,
    probes: Sequence[tuple[str, dict[str, str]]],
    pin: list[str],
    log_dir: Path,
    label: str,
    timeout: float = 300.0,
) -> Iterator[Running]:
    """Start a group, wait until every probe URL answers 200 (time measured from spawn), stop it afterwards.

    `probes` are (path relative to an API base with '{base}' placeholder filled by the caller, headers).
    """
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{label}-{port}.log"
    argv = [a.replace("{port}", str(port)) for a in group.argv]
    env = {**os.environ, **dict(group.env), "PYTHONUNBUFFERED": "1"}
    log: IO[bytes] = open(log_path, "wb")  # closed in the finally below
    started = time.perf_counter()
    # its own process group (to stop the whole tree) but the harness's session: with autogroup scheduling a new
    # session would be a new scheduling group, outside the harness's priority
    process = subprocess.Popen([*pin, *argv], stdout=log, stderr=subprocess.STDOUT, env=env, process_group=0)
    sampler = RssSampler(process.pid)
    try:
        with sampler:
            for url, headers in probes:
                wait_ok(url.replace("{port}", str(port)), headers, process, started + timeout, log_path)
            running = Running(group, process, port, time.perf_counter() - started, sampler, log_path)
            yield running
    finally:
        _stop(process)
        log.close()


def wait_ok(
    url: str, headers: dict[str, str], process: subprocess.Popen[bytes], deadline: float, log_path: Path
) -> None:
    last = "no answer"
    while time.perf_counter() < deadline:
        if process.poll() is not None:
            tail = log_path.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"server exited with {process.returncode} before answering {url}:\n{tail}")
        try:
            status, _, body = get(url, headers, timeout=5)
            if status == 200:
                return
            last = f"{status} {body[:200]!r}"
        except OSError as exc:
            last = str(exc)
        time.sleep(0.01)
    raise RuntimeError(f"no 200 from {url} in time (last: {last})")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGINT the whole session (Ctrl-C), then SIGKILL what is left."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5)
