"""This module contains the load generators: wrk (preferred) and a pure-Python fallback with the same result shape.

Run as a script it is the fallback itself: `python bench/loadgen.py URL -c 16 -d 5 -H 'Name: value'` prints one JSON
object (requests, seconds, rps, p50_ms, p99_ms, non_2xx, errors).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import re
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True, slots=True)
class LoadResult:
    """One load-generator run against one URL."""

    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    errors: int


def wrk_path() -> str | None:
    return shutil.which("wrk")


def wrk_version() -> str:
    exe = wrk_path()
    if exe is None:
        return "absent"
    out = subprocess.run([exe, "--version"], capture_output=True, text=True, check=False)
    return (out.stdout or out.stderr).splitlines()[0].split(" Copyright")[0].strip()


def run_wrk(url: str, connections: int, seconds: float, headers: dict[str, str], pin: list[str]) -> LoadResult:
    """One wrk run (one thread, `connections` keep-alive connections); wrk takes whole seconds."""
    exe = wrk_path()
    assert exe is not None
    duration = max(1, math.ceil(seconds))
    cmd = [*pin, exe, "-t1", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "10s"]
    for name, value in headers.items():
        cmd += ["-H", f"{name}: {value}"]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=False, timeout=duration + 30)
    if out.returncode != 0:
        raise RuntimeError(f"wrk failed ({out.returncode}): {out.stderr.strip() or out.stdout.strip()}")
    return parse_wrk(out.stdout)


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not match:
        raise ValueError(f"unparseable wrk latency {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def parse_wrk(text: str) -> LoadResult:
    """The numbers of a `wrk --latency` report."""
    done = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)", text)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
    p50 = re.search(r"^\s+50%\s+(\S+)", text, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", text, re.M)
    if not (done and rps and p50 and p99):
        raise ValueError(f"unparseable wrk output:\n{text}")
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    return LoadResult(
        requests=int(done.group(1)),
        seconds=_ms(done.group(2) + done.group(3)) / 1000,
        rps=float(rps.group(1)),
        p50_ms=_ms(p50.group(1)),
        p99_ms=_ms(p99.group(1)),
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        errors=sum(int(g) for g in sock.groups()) if sock else 0,
    )


def run_python(url: str, connections: int, seconds: float, headers: dict[str, str], pin: list[str]) -> LoadResult:
    """The fallback: this module as a subprocess (pinned like wrk would be)."""
    cmd = [*pin, sys.executable, __file__, url, "-c", str(connections), "-d", str(seconds)]
    for name, value in headers.items():
        cmd += ["-H", f"{name}: {value}"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=seconds + 60)
    if out.returncode != 0:
        raise RuntimeError(f"python load generator failed ({out.returncode}): {out.stderr.strip()}")
    return LoadResult(**json.loads(out.stdout))


# --- the Python load generator ---------------------------------------------------------------------------------------
async def _connection(
    host: str, port: int, request: bytes, deadline: float, latencies: list[float], counts: dict[str, int]
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            length, chunked = None, False
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                name = name.strip().lower()
                if name == b"content-length":
                    length = int(value.strip())
                elif name == b"transfer-encoding" and b"chunked" in value.lower():
                    chunked = True
            if chunked:
                while True:
                    size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
                    await reader.readexactly(size + 2)
                    if size == 0:
                        break
            elif length:
                await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            if not 200 <= status < 400:
                counts["non_2xx"] += 1
    except (OSError, asyncio.IncompleteReadError, ValueError):
        counts["errors"] += 1
    finally:
        writer.close()


async def _load(url: str, connections: int, seconds: float, headers: dict[str, str]) -> LoadResult:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    lines = [f"GET {target} HTTP/1.1", f"Host: {parts.netloc}", *(f"{k}: {v}" for k, v in headers.items())]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    latencies: list[float] = []
    counts = {"non_2xx": 0, "errors": 0}
    started = time.perf_counter()
    deadline = started + seconds
    await asyncio.gather(*(_connection(host, port, request, deadline, latencies, counts) for _ in range(connections)))
    elapsed = time.perf_counter() - started
    latencies.sort()

    def pct(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000 if latencies else math.nan

    return LoadResult(
        requests=len(latencies),
        seconds=elapsed,
        rps=len(latencies) / elapsed,
        p50_ms=pct(0.50),
        p99_ms=pct(0.99),
        non_2xx=counts["non_2xx"],
        errors=counts["errors"],
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="minimal keep-alive HTTP/1.1 load generator (wrk fallback)")
    parser.add_argument("url")
    parser.add_argument("-c", "--connections", type=int, default=2)
    parser.add_argument("-d", "--duration", type=float, default=5.0, help="seconds")
    parser.add_argument("-H", "--header", action="append", default=[])
    args = parser.parse_args(argv)
    headers = dict(h.split(": ", 1) for h in args.header)
    coro = _load(args.url, args.connections, args.duration, headers)
    try:
        import uvloop  # a faster loop makes the fallback less of a bottleneck

        result = uvloop.run(coro)
    except ImportError:
        result = asyncio.run(coro)
    print(json.dumps(asdict(result)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
