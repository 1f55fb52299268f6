"""This module contains `make bench-corpus`: the corpus of real-world specs (../shared/corpus/specs, none annotated)
served by mock-server and by Prism, side by side, written into bench/RESULTS.md.

Per spec and server: served (start-up succeeds), GET operations answered 2xx with a body valid against the declared
schema (the same probe for both: mock_server/infer/probe.py; formats not checked), create -> read -> list -> delete
round trips kept on every CRUD pair (a collection with POST and an item path with GET), and for mock-server the
failures of `mock-server contract` (Schemathesis, positive mode, writes allowed) against it.

    .venv/bin/python bench/corpus.py [--corpus DIR] [--max-examples N] [--no-prism] [--no-contract] [--out FILE]

mock-server is measured as `serve` runs it (response validation off); every request goes to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import logging
import os
import re
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))

from mock_server.infer.probe import CREDENTIAL, Probe, Verdict, store_keys  # noqa: E402
from mock_server.model import ApiModel  # noqa: E402
from mock_server.specs import Spec  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "specs"
PRISM = BENCH / "node_modules" / ".bin" / "prism"
RESULTS = BENCH / "RESULTS.md"
START, END = "<!-- corpus:start -->", "<!-- corpus:end -->"
PRISM_START_S = 60.0
CHECKS = {
    "ST101": "5xx",
    "ST103": "undocumented status",
    "ST104": "no Content-Type",
    "ST105": "undocumented Content-Type",
    "ST107": "required header missing",
    "ST108": "body or header against its schema",
    "ST202": "schema-valid request rejected",
    "ST301": "served after DELETE",
    "ST302": "404 for a created resource",
}
"""Schemathesis failure codes (`schemathesis explain CODE`), as the report names them."""


@dataclass
class Side:
    """What one server did with one spec."""

    served: bool = False
    why: str = ""
    gets: int = 0
    valid: int = 0
    pairs: int = 0
    kept: int = 0
    misses: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    """The round trips not kept, with why."""
    contract: int | None = None
    contract_requests: int = 0
    contract_checks: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0


@dataclass
class Row:
    spec: str
    mock: Side
    prism: Side | None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--max-examples", type=int, default=10, help="contract: generated cases per operation")
    parser.add_argument("--no-prism", action="store_true")
    parser.add_argument("--no-contract", action="store_true")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--only", default="", help="only specs whose file name contains this")
    args = parser.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"{args.corpus}: no corpus here (../shared/corpus/specs beside the project)", file=sys.stderr)
        return 2
    logging.disable(logging.ERROR)
    prism = not args.no_prism and _prism_ready()
    rows = []
    for path in sorted(p for p in args.corpus.iterdir() if args.only in p.name):
        started = time.perf_counter()
        mock = measure_mock(path, None if args.no_contract else args.max_examples)
        mock.seconds = time.perf_counter() - started
        other = measure_prism(path) if prism else None
        rows.append(Row(path.name, mock, other))
        print(_line(rows[-1]), flush=True)
    text = render(rows, prism, args)
    _write(args.out, text)
    print(f"wrote {args.out}")
    return 0


# -- mock-server -------------------------------------------------------------------------------------------------


def measure_mock(path: Path, max_examples: int | None) -> Side:
    from starlette.testclient import TestClient

    from mock_server.app import create_app
    from mock_server.errors import MockServerError
    from mock_server.settings import Settings

    side = Side()
    try:
        app = create_app(Settings(spec_paths=(path,)))
    except MockServerError as exc:
        side.why = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return side
    side.served = True
    name, model = next(iter(app.runtime.models.items()))
    store = app.runtime.store
    keys = store_keys(model, lambda resource: store.collection(name, resource).records)
    with TestClient(app, raise_server_exceptions=False) as client:
        _probe(side, Probe(model), client, f"/{name}", keys)
    if max_examples is not None:
        try:
            side.contract, side.contract_requests, side.contract_checks = _contract(path, name, max_examples)
        except MockServerError as exc:
            side.misses.append(f"contract not run: {exc}")
    return side


def _contract(path: Path, name: str, max_examples: int) -> tuple[int, int, Counter[str]]:
    """Failures of `mock-server contract` (positive mode, writes allowed) against mock-server serving the spec."""
    from mock_server.contract.options import ContractOptions, Credentials
    from mock_server.contract.runner import run_contract
    from mock_server.settings import Settings
    from mock_server.testing import MockServer

    headers = {}
    schemes = ((Spec.from_file(path).document.get("components") or {}).get("securitySchemes") or {}).values()
    kinds = {
        str(s.get("type", "")).lower() + ":" + str(s.get("scheme", "")).lower() for s in schemes if isinstance(s, dict)
    }
    if "http:basic" in kinds:
        headers["Authorization"] = "Basic " + base64.b64encode(f"bench:{CREDENTIAL}".encode()).decode()
    elif any(k.startswith(("oauth2:", "openidconnect:")) for k in kinds):
        headers["Authorization"] = f"Bearer {CREDENTIAL}"  # Schemathesis fills bearer and apiKey schemes itself
    with MockServer.start(Settings(spec_paths=(path,))) as server, _quiet_output():
        report = run_contract(
            ContractOptions(
                api=str(path),
                base_url=server.url(name),
                credentials=Credentials(token=CREDENTIAL, apikey=CREDENTIAL),
                headers=headers,
                allow_writes=True,
                max_examples=max_examples,
                seed=42,
            )
        )
    checks = Counter(failure.code or failure.check or failure.title for failure in report.failures)
    return len(report.failures), report.requests, checks


# -- Prism -------------------------------------------------------------------------------------------------------


def _prism_ready() -> bool:
    if PRISM.exists():
        return True
    print("Prism is not installed: npm ci in bench/ (as make bench does) ...", file=sys.stderr)
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=BENCH, capture_output=True, check=False)
    return PRISM.exists()


def measure_prism(path: Path) -> Side:
    side = Side()
    started = time.perf_counter()
    model = ApiModel.from_spec(Spec.from_file(path))  # the same probe: the mock's reading of the spec
    with _prism(path) as base:
        if base is None:
            side.why = "did not start"
            return side
        side.served = True
        with httpx.Client(timeout=30.0) as client:
            _probe(side, Probe(model), client, base, None)
    side.seconds = time.perf_counter() - started
    return side


@contextlib.contextmanager
def _prism(path: Path) -> Iterator[str | None]:
    port = _free_port()
    process = subprocess.Popen(
        [str(PRISM), "mock", "-h", "127.0.0.1", "-p", str(port), str(path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + PRISM_START_S
        while time.monotonic() < deadline and process.poll() is None:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
                yield f"http://127.0.0.1:{port}"
                return
            time.sleep(0.1)
        yield None
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, 15)
        process.wait(timeout=10)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- both --------------------------------------------------------------------------------------------------------


def _probe(side: Side, probe: Probe, client: Any, base: str, keys: Any) -> None:
    calls, unfillable = probe.gets(keys)
    side.gets = len(calls) + len(unfillable)
    side.misses += [f"{label}: parameters cannot be filled" for label in unfillable]
    for call in calls:
        try:
            verdict = probe.judge(call.op, call.send(client, base))
        except httpx.HTTPError as exc:
            verdict = Verdict(call.op.label, False, f"no answer: {exc}")
        side.valid += verdict.ok
        if not verdict.ok:
            side.misses.append(f"{verdict.label}: {_one_line(verdict.reason)}")
    pairs = probe.crud_pairs()
    side.pairs = len(pairs)
    for pair in pairs:
        try:
            verdict = probe.round_trip(client, base, pair, keys)
        except httpx.HTTPError as exc:
            verdict = Verdict(pair[0].label, False, f"no answer: {exc}")
        side.kept += verdict.ok
        if not verdict.ok:
            side.lost.append(f"{verdict.label}: {_one_line(verdict.reason)}")


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text)[:140]


@contextlib.contextmanager
def _quiet_output() -> Iterator[None]:
    with open(os.devnull, "w") as devnull, contextlib.redirect_stderr(devnull), contextlib.redirect_stdout(devnull):
        yield


def _line(row: Row) -> str:
    mock, prism = row.mock, row.prism
    text = f"{row.spec:32} mock {_cell(mock)} rt {mock.kept}/{mock.pairs} contract {mock.contract}"
    if prism is not None:
        text += f" | prism {_cell(prism)} rt {prism.kept}/{prism.pairs}"
    return text


def _cell(side: Side) -> str:
    return f"{side.valid}/{side.gets}" if side.served else "not served"


def render(rows: list[Row], prism: bool, args: argparse.Namespace) -> str:
    def total(attr: str, who: str) -> int:
        return sum(getattr(getattr(r, who), attr) or 0 for r in rows if getattr(r, who) is not None)

    lines = [
        START,
        "## The corpus: any spec, no annotations (`make bench-corpus`)",
        "",
        f"{len(rows)} real-world OpenAPI specs from `../shared/corpus/specs` (none annotated; sources in its "
        "MANIFEST.md), each served on its own by mock-server (as `serve` runs it: inferred annotations, 20 generated "
        "records per resource, response validation off) and by Prism 5.14.2 static (`prism mock`). Both are judged "
        "by the same probe (`mock_server/infer/probe.py`): a GET counts when its parameters can be filled (a stored "
        "key for mock-server, else the spec's examples, defaults, enums or a generated value) and it answers 2xx "
        "with a body valid against the schema declared for that status and type (formats not checked). A round trip "
        "is create -> read (the created record, recognised by a marker written into the create body) -> list (it "
        "appears) -> delete -> read 404 on every CRUD pair, each answer a 2xx valid as above. "
        f"Contract: `mock-server contract` (Schemathesis, positive mode, writes allowed, {args.max_examples} "
        "examples per operation, seed 42) against mock-server serving the spec in a thread of the bench process; "
        "a failure is one violation found by one check on one operation.",
        "",
        "| spec | mock-server GETs 2xx valid | Prism GETs 2xx valid | mock-server round trips | Prism round trips "
        "| contract failures (mock-server) |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        p = row.prism
        lines.append(
            f"| {row.spec} | {_cell(row.mock)} | {_cell(p) if p else 'n/a'} | {row.mock.kept}/{row.mock.pairs} | "
            f"{f'{p.kept}/{p.pairs}' if p else 'n/a'} | "
            f"{row.mock.contract if row.mock.contract is not None else 'n/a'} |"
        )
    served = sum(r.mock.served for r in rows)
    prism_served = sum(bool(r.prism and r.prism.served) for r in rows)
    lines.append(
        f"| **total** | **{total('valid', 'mock')}/{total('gets', 'mock')}** | "
        + (f"**{total('valid', 'prism')}/{total('gets', 'prism')}** | " if prism else "n/a | ")
        + f"**{total('kept', 'mock')}/{total('pairs', 'mock')}** | "
        + (f"**{total('kept', 'prism')}/{total('pairs', 'prism')}** | " if prism else "n/a | ")
        + (f"**{total('contract', 'mock')}** |" if not args.no_contract else "n/a |")
    )
    lines += [
        "",
        f"Specs served: mock-server {served} of {len(rows)}"
        + (f", Prism {prism_served} of {len(rows)}." if prism else "."),
        "",
    ]
    checks: Counter[str] = Counter()
    for row in rows:
        checks.update(row.mock.contract_checks)
    if checks:
        shown = ", ".join(f"{CHECKS.get(name, name)} ({name}) {count}" for name, count in checks.most_common())
        lines += [f"Contract failures by Schemathesis check: {shown}.", ""]
    lines += [
        "mock-server's misses (GETs), by spec:",
        "",
    ]
    for row in rows:
        for miss in row.mock.misses:
            lines.append(f"- {row.spec}: {miss}")
        if not row.mock.served:
            lines.append(f"- {row.spec}: not served: {row.mock.why}")
    lines += ["", "mock-server's round trips not kept, by spec:", ""]
    lines += [f"- {row.spec}: {lost}" for row in rows for lost in row.mock.lost]
    lines += ["", END]
    return "\n".join(lines) + "\n"


def _write(out: Path, section: str) -> None:
    text = out.read_text(encoding="utf-8") if out.exists() else ""
    if START in text and END in text:
        head, _, rest = text.partition(START)
        _, _, tail = rest.partition(END)
        text = head + section.rstrip("\n") + tail
    else:
        text = text.rstrip("\n") + ("\n\n" if text else "") + section
    out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
