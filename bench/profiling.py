"""This module contains the profile step: py-spy samples mock-server while the load generator drives one request,
and the collapsed stacks are summarised by layer and by function.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

# (layer, pattern on a frame's file): a sample belongs to the layer of its deepest frame that matches one.
LAYERS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("query+encode", re.compile(r"mock_server/(collection|query|store)\.py")),
    ("handler", re.compile(r"mock_server/(handlers|scenarios|auth)\.py")),
    ("outer app", re.compile(r"mock_server/(app|journal|redact)\.py|starlette/middleware/cors\.py")),
    ("security", re.compile(r"connexion/(middleware/)?security\.py")),
    (
        "validation",
        re.compile(
            r"connexion/(middleware/request_validation|validators/|uri_parsing|json_schema)|"
            r"jsonschema/|mock_server/validation\.py"
        ),
    ),
    ("connexion call", re.compile(r"connexion/(decorators|operations|lifecycle|context|utils)")),
    ("response", re.compile(r"starlette/responses\.py")),
    ("routing+middleware", re.compile(r"connexion/|starlette/")),
    ("uvicorn+loop", re.compile(r"uvicorn/|asyncio/|uvloop|httptools")),
)
LAYER_NAMES = [name for name, _ in LAYERS]
_FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^()]*?)(?::\d+)?\)$")


# (phase, pattern on a function name), by priority: a sample belongs to the first phase any of its frames matches.
STARTUP_PHASES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("imports", re.compile(r"^_find_and_load$")),
    ("first requests (lazy indexes, sort orders)", re.compile(r"^MockApp\.__call__$")),
    ("order generation (load_records)", re.compile(r"^load_records$")),
    ("specs → models (load_models)", re.compile(r"^load_models$")),
    ("store + indexes (Store)", re.compile(r"^Store\.")),
    ("connexion app (create_app)", re.compile(r"^create_app$")),
    ("uvicorn start", re.compile(r"^(run|Server\.\w+)$")),
)


def py_spy() -> str | None:
    """py-spy next to the running interpreter (a venv install), else on PATH."""
    local = Path(sys.executable).parent / "py-spy"
    return str(local) if local.exists() else shutil.which("py-spy")


def record(pid: int, seconds: float, rate: int, out: Path, pin: list[str]) -> None:
    exe = py_spy()
    assert exe is not None
    cmd = [
        *pin,
        exe,
        "record",
        "--pid",
        str(pid),
        "--rate",
        str(rate),
        "--nonblocking",
        "--format",
        "raw",
        "--duration",
        str(max(1, round(seconds))),
        "-o",
        str(out),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=seconds + 60)
    if done.returncode != 0 or not out.exists():
        raise RuntimeError(f"py-spy failed ({done.returncode}): {done.stderr.strip()}")


def _frame(text: str) -> tuple[str, str]:
    match = _FRAME.match(text.strip())
    return (match.group("func"), match.group("file")) if match else (text.strip(), "")


def _stacks(raw: str) -> Iterator[tuple[list[tuple[str, str]], int]]:
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            yield [_frame(f) for f in stack.split(";")], int(count)


def summarise_startup(raw: str, top: int = 12) -> dict[str, Any]:
    """Start-up time by phase (imports wherever they happen count as imports; the probes' first requests, which
    build lazy indexes, count too) and the hottest functions."""
    phases: Counter[str] = Counter()
    total = 0
    for frames, n in _stacks(raw):
        total += n
        funcs = [func for func, _ in frames]
        phase = next((name for name, pattern in STARTUP_PHASES if any(pattern.search(f) for f in funcs)), "other")
        phases[phase] += n
    summary = summarise(raw, top)
    summary["phases"] = {name: 100.0 * n / total for name, n in phases.most_common()} if total else {}
    return summary


def summarise(raw: str, top: int = 12) -> dict[str, Any]:
    """Layer shares and the hottest functions (self and inclusive %) of py-spy's collapsed stacks."""
    layers: Counter[str] = Counter()
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for frames, n in _stacks(raw):
        total += n
        layer = "other"
        for _func, file in reversed(frames):
            hit = next((name for name, pattern in LAYERS if pattern.search(file)), None)
            if hit:
                layer = hit
                break
        layers[layer] += n
        names = [f"{func} ({file})" for func, file in frames]
        own[names[-1]] += n
        for name in set(names):
            inclusive[name] += n
    if not total:
        return {"samples": 0, "buckets": {}, "top": [], "mock_server": []}

    def pct(n: int) -> float:
        return 100.0 * n / total

    hottest = [(name, pct(n), pct(inclusive[name])) for name, n in own.most_common(top)]
    ours = sorted(
        (
            name
            for name in inclusive
            if "mock_server/" in name and not re.search(r"mock_server/(cli|__main__)\.py", name)
        ),
        key=lambda name: -inclusive[name],
    )[:top]
    return {
        "samples": total,
        "buckets": {name: pct(layers[name]) for name in [*LAYER_NAMES, "other"] if layers[name]},
        "top": hottest,
        "mock_server": [(name, pct(own[name]), pct(inclusive[name])) for name in ours],
    }
