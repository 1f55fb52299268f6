"""This module contains the report: medians and spreads of the raw results, the issue's targets as verdicts, and
the Markdown section of bench/RESULTS.md between the `bench:start` / `bench:end` markers.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable
from pathlib import Path
from typing import Any

START, END = "<!-- bench:start -->", "<!-- bench:end -->"
NOTES_START, NOTES_END = "<!-- bench:notes:start -->", "<!-- bench:notes:end -->"
SERVERS = ("mock-server", "ceiling", "prism-static", "prism-dynamic", "connexion-mock")
LABELS = {
    "mock-server": "mock-server",
    "ceiling": "ceiling",
    "prism-static": "Prism static",
    "prism-dynamic": "Prism dynamic",
    "connexion-mock": "Connexion mock",
}
CEILING_SHARE = 0.9
"""Issue 9.11: where a target lies above the stack's ceiling, the target is 90% of the ceiling."""

Row = dict[str, Any]


# --- statistics ------------------------------------------------------------------------------------------------------
def _values(rows: Iterable[Row], key: str) -> list[float]:
    return [float(r[key]) for r in rows if r.get(key) is not None]


def median(rows: Iterable[Row], key: str) -> float | None:
    values = _values(rows, key)
    return statistics.median(values) if values else None


def spread(rows: Iterable[Row], key: str) -> tuple[float, float] | None:
    values = _values(rows, key)
    return (min(values), max(values)) if values else None


def _select(rows: Iterable[Row], **match: Any) -> list[Row]:
    return [r for r in rows if all(r.get(k) == v for k, v in match.items())]


def _fmt(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "n/a"
    return f"{value:,.{digits}f}"


def _cell(rows: list[Row], key: str, digits: int = 0) -> str:
    mid, rng = median(rows, key), spread(rows, key)
    if mid is None or rng is None:
        return "n/a"
    if len(rows) == 1:
        return _fmt(mid, digits)
    return f"{_fmt(mid, digits)} [{_fmt(rng[0], digits)}–{_fmt(rng[1], digits)}]"


def _ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}×" if a is not None and b else "n/a"


# --- targets ---------------------------------------------------------------------------------------------------------
def _verdict(ok: bool | None, detail: str = "") -> str:
    if ok is None:
        return "not measured"
    return ("**met**" if ok else "**missed**") + (f" ({detail})" if detail else "")


def throughput_target(
    mock: float | None, baseline: float | None, factor: float, ceiling: float | None
) -> tuple[float | None, str, bool | None]:
    """(target rps, how it was set, met?) for `mock >= factor x baseline`, capped at 90% of the ceiling."""
    if mock is None or baseline is None:
        return None, "", None
    target, how = factor * baseline, f"{factor:g}× {baseline:,.0f}"
    if ceiling is not None and target > ceiling:
        target, how = CEILING_SHARE * ceiling, f"above the ceiling ({ceiling:,.0f}): 90% of it"
    return target, how, mock >= target


def evaluate(results: dict[str, Any]) -> list[tuple[str, str, str]]:
    """The issue 6 targets (with the issue 9.11 cap) as rows: (target, measured, verdict)."""
    cells, targets = results["cells"], results["targets"]
    out: list[tuple[str, str, str]] = []

    def rps(server: str, target: str, conns: int, key: str = "rps") -> float | None:
        return median(_select(cells, server=server, target=target, connections=conns), key)

    for t in targets:
        for conns in results["config"]["connections"]:
            mock, ceil = rps("mock-server", t["id"], conns), rps("ceiling", t["id"], conns)
            checks = [("prism-static", 1.5)] + ([("prism-dynamic", 5.0)] if t["kind"] == "list" else [])
            for base, factor in checks:
                base_rps = rps(base, t["id"], conns)
                goal, how, ok = throughput_target(mock, base_rps, factor, ceil)
                name = f"{t['id']} rps ≥ {factor:g}× {LABELS[base]}, {conns} conn"
                measured = (
                    f"{_fmt(mock)} rps = {_ratio(mock, base_rps)} {LABELS[base]}, {_ratio(mock, ceil)} ceiling;"
                    f" target {_fmt(goal)} ({how})"
                    if goal is not None
                    else "n/a"
                )
                gap = f"by {(1 - mock / goal) * 100:.0f}%" if ok is False and mock and goal else ""
                out.append((name, measured, _verdict(ok, gap)))
            if t["kind"] == "list":
                mock_p99, prism_p99 = (
                    rps("mock-server", t["id"], conns, "p99_ms"),
                    rps("prism-static", t["id"], conns, "p99_ms"),
                )
                ceil_p99 = rps("ceiling", t["id"], conns, "p99_ms")
                ok = None
                goal = prism_p99
                how = "Prism static's"
                if prism_p99 is not None and ceil_p99 is not None and ceil_p99 > prism_p99:
                    goal, how = ceil_p99 / CEILING_SHARE, "the ceiling's is above Prism's: ceiling / 0.9"
                if mock_p99 is not None and goal is not None:
                    ok = mock_p99 <= goal
                measured = (
                    f"{_fmt(mock_p99, 2)} ms vs Prism static {_fmt(prism_p99, 2)} ms, ceiling "
                    f"{_fmt(ceil_p99, 2)} ms; target ≤ {_fmt(goal, 2)} ({how})"
                )
                gap = f"by {(mock_p99 / goal - 1) * 100:.0f}%" if ok is False and mock_p99 and goal else ""
                out.append((f"{t['id']} p99 ≤ Prism static, {conns} conn", measured, _verdict(ok, gap)))

    starts = results["starts"]
    mock_start = median(_select(starts, server="mock-server"), "startup_s")
    prism_per_spec = [
        median(_select(starts, server="prism-static", apis=[api]), "startup_s") for api in results["config"]["apis"]
    ]
    prism_known = [p for p in prism_per_spec if p is not None]
    prism_start = min(prism_known) if prism_known else None
    ok = None if mock_start is None or prism_start is None else mock_start < prism_start
    out.append(
        (
            "start-up of all four APIs < Prism's for one spec",
            f"mock-server {_fmt(mock_start, 2)} s vs Prism static {_fmt(prism_start, 2)} s (its fastest spec)",
            _verdict(
                ok, f"{mock_start / prism_start:.1f}× Prism's" if ok is False and mock_start and prism_start else ""
            ),
        )
    )

    fixtures_start = median(results.get("fixture_starts") or [], "startup_s")
    if fixtures_start is not None and prism_start is not None:
        out.append(
            (
                "(same, with the committed fixtures instead of 10,000 generated orders per API)",
                f"mock-server {_fmt(fixtures_start, 2)} s vs Prism static {_fmt(prism_start, 2)} s",
                _verdict(fixtures_start < prism_start),
            )
        )

    mock_rss = median(_select(starts, server="mock-server"), "peak_rss_bytes")
    prism_rss = median(_select(starts, server="prism-static"), "peak_rss_bytes")
    ok = None if mock_rss is None or prism_rss is None else mock_rss <= prism_rss / 2
    out.append(
        (
            "peak memory under load ≤ ½ Prism's",
            f"mock-server {_mib(mock_rss)} MiB vs Prism static {_mib(prism_rss)} MiB per process "
            f"(= {_ratio(mock_rss, prism_rss)})",
            _verdict(
                ok, f"{mock_rss / (prism_rss / 2):.1f}× the allowance" if ok is False and mock_rss and prism_rss else ""
            ),
        )
    )

    growth = results.get("growth") or []
    counts = sorted({g["count"] for g in growth})
    if len(counts) >= 2:
        low, high = counts[0], counts[-1]
        for tid in sorted({g["target"] for g in growth}):
            a = median(_select(growth, target=tid, count=low), "rps")
            b = median(_select(growth, target=tid, count=high), "rps")
            drop = (1 - b / a) if a and b is not None else None
            ok = None if drop is None else drop < 0.25
            out.append(
                (
                    f"growth {tid}: rps falls < 25% from {low:,} to {high:,}",
                    f"{_fmt(a)} → {_fmt(b)} rps ({'-' if drop is not None and drop >= 0 else '+'}"
                    f"{abs(drop or 0) * 100:.0f}%)",
                    _verdict(ok),
                )
            )
    return out


def _mib(value: float | None) -> str:
    return "n/a" if value is None else f"{value / 2**20:,.0f}"


# --- Markdown --------------------------------------------------------------------------------------------------------
def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return lines


def render(results: dict[str, Any], notes: str) -> str:
    """The whole bench section (markers included)."""
    cfg, meta = results["config"], results["meta"]
    cells, starts, targets = results["cells"], results["starts"], results["targets"]
    servers = [s for s in SERVERS if s in cfg["servers"]]
    lines = [START, "## Benchmark: mock-server against Prism and Connexion's mock (`make bench`)", ""]
    lines += [
        f"Written by `bench/run.py` on {meta['date']}; the run took {meta['elapsed_min']:.1f} min. "
        f"Machine: {meta['cpus']} × {meta['cpu_model']}, {meta['mem_gib']:.0f} GiB RAM, {meta['os']}. "
        f"{meta['pinning']}",
        "",
        f"Each cell: {cfg['warmup']:g} s warm-up (discarded), then {cfg['duration']:g} s measured with "
        f"{meta['loadgen']}; {cfg['reps']} repetition(s), the servers started one at a time in an order rotated "
        "between repetitions. Figures are medians; `[min–max]` is the spread over the repetitions. "
        f"mock-server serves all four APIs from one process with {cfg['count']:,} generated orders per API "
        f"(`--count {cfg['count']} --seed {cfg['seed']}`). Only 127.0.0.1 is used.",
        "",
        "### Targets (issue 6, capped by issue 9.11)",
        "",
        "A throughput target above the stack's ceiling becomes 90% of the ceiling; a p99 target below the "
        "ceiling's p99 becomes the ceiling's p99 / 0.9. Ratios are from this run.",
        "",
    ]
    verdicts = evaluate(results)
    measured = [list(r) for r in verdicts if r[2] != "not measured"]
    lines += _table(["target", "measured (medians)", "verdict"], measured)
    if len(measured) < len(verdicts):
        lines += ["", f"{len(verdicts) - len(measured)} target(s) not measured: this run left out a server they need."]

    lines += ["", "### Requests per second", ""]
    header = ["request", "conn", *(LABELS[s] for s in servers)]
    ratio_cols = [
        ("prism-static", "mock / Prism static"),
        ("ceiling", "mock / ceiling"),
        ("prism-dynamic", "mock / Prism dyn."),
        ("connexion-mock", "mock / Connexion"),
    ]
    ratio_cols = [(s, h) for s, h in ratio_cols if s in servers and "mock-server" in servers]
    header += [h for _, h in ratio_cols]
    rows = []
    for t in targets:
        for conns in cfg["connections"]:
            row = [f"{t['id']}", str(conns)]
            for s in servers:
                row.append(_cell(_select(cells, server=s, target=t["id"], connections=conns), "rps"))
            mock = median(_select(cells, server="mock-server", target=t["id"], connections=conns), "rps")
            for s, _ in ratio_cols:
                row.append(_ratio(mock, median(_select(cells, server=s, target=t["id"], connections=conns), "rps")))
            rows.append(row)
    lines += _table(header, rows)

    lines += ["", "### Latency: p50 / p99 in ms (p99 spread in brackets)", ""]
    rows = []
    for t in targets:
        for conns in cfg["connections"]:
            row = [t["id"], str(conns)]
            for s in servers:
                sel = _select(cells, server=s, target=t["id"], connections=conns)
                p50, p99, rng = median(sel, "p50_ms"), median(sel, "p99_ms"), spread(sel, "p99_ms")
                text = f"{_fmt(p50, 2)} / {_fmt(p99, 2)}"
                if rng and len(sel) > 1:
                    text += f" [{rng[0]:.2f}–{rng[1]:.2f}]"
                row.append(text if p50 is not None else "n/a")
            rows.append(row)
    lines += _table(["request", "conn", *(LABELS[s] for s in servers)], rows)

    foreign = [c for c in [*cells, *(results.get("growth") or [])] if c.get("foreign_cores") is not None]
    if foreign:
        limit = cfg.get("quiet_cores", 0.15)
        noisy = [c for c in foreign if c["foreign_cores"] > limit]
        values = sorted(c["foreign_cores"] for c in foreign)
        where = "of the server's core" if meta.get("server_core") is not None else f"of the {meta['cpus']} cores"
        names = sorted({f"{LABELS.get(c.get('server', ''), 'growth')} {c['target']}" for c in noisy})
        lines += [
            "",
            f"Machine noise: while cells ran, processes other than ours took {statistics.median(values):.2f} "
            f"(median; max {values[-1]:.2f}) {where}. A cell disturbed by more than {limit:g} was measured again "
            f"(the least disturbed attempt counts); {len(noisy)} of {len(foreign)} cells stayed above it"
            + (": " + ", ".join(names[:10]) + (", …" if len(names) > 10 else "") if noisy else "")
            + ".",
        ]

    failures = [c for c in cells if c.get("status") not in (None, 200) or c.get("non_2xx") or c.get("errors")]
    if failures:
        lines += ["", "Cells with errors or non-2xx answers (their numbers are not comparable):", ""]
        seen = set()
        for c in failures:
            key = (c["server"], c["target"], c["connections"])
            if key not in seen:
                seen.add(key)
                lines.append(
                    f"- {LABELS[c['server']]}, {c['target']}, {c['connections']} conn: status "
                    f"{c.get('status')}, non-2xx {c.get('non_2xx', 0)}, socket errors {c.get('errors', 0)}"
                    + (f": {c['detail']}" if c.get("detail") else "")
                )

    lines += [
        "",
        "### Start-up and memory",
        "",
        "Start-up: from spawning the process to the first 200 of every API it serves (polled every 10 ms). "
        "Memory: peak RSS of the process tree (sum over processes), sampled every 100 ms from spawn to stop, "
        "so it covers the load.",
        "",
    ]
    rows = []
    for s in servers:
        groups = sorted({tuple(x["apis"]) for x in _select(starts, server=s)}, key=lambda g: (len(g), g))
        for apis in groups:
            sel = [x for x in starts if x["server"] == s and tuple(x["apis"]) == apis]
            what = "all four APIs" if len(apis) == len(cfg["apis"]) else ", ".join(apis)
            rss = [{"mib": x["peak_rss_bytes"] / 2**20} for x in sel if x.get("peak_rss_bytes")]
            rows.append([LABELS[s], what, _cell(sel, "startup_s", 2), _cell(rss, "mib")])
    fixture_starts = results.get("fixture_starts") or []
    if fixture_starts:
        rss = [{"mib": x["peak_rss_bytes"] / 2**20} for x in fixture_starts]
        rows.insert(
            1,
            [
                "mock-server, committed fixtures (no `--count`, idle)",
                "all four APIs",
                _cell(fixture_starts, "startup_s", 2),
                _cell(rss, "mib"),
            ],
        )
    lines += _table(["server", "one process serves", "start → first 200 (s)", "peak RSS (MiB)"], rows)

    growth = results.get("growth") or []
    if growth:
        lines += [
            "",
            "### Growth: mock-server from 1,000 to 100,000 orders per API",
            "",
            f"mock-server serving {', '.join(cfg['growth_apis'])} (`--api`), {cfg['growth_connections']} "
            "connections, filtered and paged lists (first page of 20). One process per size (100,000 orders take a "
            "while to generate); the repetitions run in it, alternating the two requests.",
            "",
        ]
        counts = sorted({g["count"] for g in growth})
        tids = sorted({g["target"] for g in growth})
        rows = []
        for n in counts:
            sel = _select(growth, count=n)
            row = [f"{n:,}"]
            for tid in tids:
                row.append(_cell(_select(sel, target=tid), "rps"))
                row.append(_fmt(median(_select(sel, target=tid), "p99_ms"), 2))
            gs = _select(results.get("growth_starts") or [], count=n)
            row.append(_cell(gs, "startup_s", 2))
            row.append(_cell([{"mib": x["peak_rss_bytes"] / 2**20} for x in gs], "mib"))
            rows.append(row)
        header = [
            "orders per API",
            *[h for tid in tids for h in (f"{tid} rps", f"{tid} p99 ms")],
            "start → first 200 (s)",
            "peak RSS (MiB)",
        ]
        lines += _table(header, rows)
        lines += ["", "```"]
        for tid in tids:
            top = max((median(_select(growth, target=tid, count=n), "rps") or 0) for n in counts) or 1
            for n in counts:
                value = median(_select(growth, target=tid, count=n), "rps") or 0
                lines.append(f"{tid:<18} {n:>8,} | {'#' * round(40 * value / top):<40} {value:,.0f} rps")
        lines += ["```"]
        growth_profile = (results.get("profile") or {}).get("growth")
        if growth_profile:
            lines += [
                "",
                f"py-spy on the growth server at {growth_profile['count']:,} orders per API (busy time by layer, as "
                "in the profile section below):",
                "",
            ]
            lines += _profile_tables(growth_profile["targets"])

    lines += [
        "",
        "### What each server answers",
        "",
        "Prism and Connexion's mock ignore filters and paging: they answer the spec's example (static) or "
        "random schema-shaped data (Prism `-d`) whatever the query says, so their lists are not the 20 (or "
        "a handful of) matching orders mock-server computes. Response sizes (bytes) of the benchmarked "
        "requests:",
        "",
    ]
    sizes = results.get("sizes") or {}
    rows = []
    for t in targets:
        rows.append([t["id"], t.get("note", ""), *(_fmt(sizes.get(s, {}).get(t["id"])) for s in servers)])
    lines += _table(["request", "query", *(LABELS[s] for s in servers)], rows)
    lines += [
        "",
        "Request paths (relative to the API's base; mock-server and the ceiling at `/<api>`, Prism and "
        "Connexion's mock at `/`):",
        "",
    ]
    lines += [
        f"- {t['id']}: `{t['path']}`" + (" (`Authorization: Bearer …`)" if t.get("headers") else "") for t in targets
    ]
    lines += ["", *results.get("server_notes", [])]

    lines += ["", "### Versions", ""]
    lines += [f"- {k}: {v}" for k, v in meta["versions"].items()]
    lines += ["", "### Command lines", "", "```"]
    lines += [f"{LABELS.get(k, k)}: {v}" for k, v in meta["commands"].items()]
    lines += ["```"]

    profile = results.get("profile")
    if profile:
        lines += ["", "### Profile of mock-server under load (py-spy, automatic part)", ""]
        lines += [line.replace("{count}", f"{cfg['count']:,}") for line in profile_lines(profile)]
        lines += startup_lines(profile.get("startup"), profile.get("memory"), cfg["count"])

    lines += ["", NOTES_START, notes.strip("\n"), NOTES_END, END]
    return "\n".join(lines) + "\n"


def profile_lines(profile: dict[str, Any]) -> list[str]:
    lines = [
        f"`py-spy record --rate {profile['rate']} --nonblocking --format raw` for {profile['seconds']:g} s per "
        f"request at {profile['connections']} connections (wrk), on a fresh mock-server with {{count}} orders per "
        "API; shares are of the samples of the server's main thread (idle excluded), so they add up to its busy "
        "time. Busy time by layer: each sample goes to the deepest layer on its stack (`query+encode` = "
        "mock_server collection/query/store, `handler` = handlers.py, `outer app` = mock_server's app.py "
        "wrapper (journal, aliases, CORS), `validation`/`security` = connexion's request validation and "
        "security, `connexion call` = its parameter decorators, `routing+middleware` = the rest of "
        "connexion/starlette, `uvicorn+loop` = HTTP parsing, protocol and event loop):",
        "",
    ]
    return lines + _profile_tables(profile["targets"])


def _profile_tables(per_target: dict[str, Any], top: int = 10) -> list[str]:
    buckets = list(dict.fromkeys(b for p in per_target.values() for b in p["buckets"]))
    rows = [
        [tid, f"{p['rps']:,.0f}", *(f"{p['buckets'].get(b, 0):.0f}%" for b in buckets)] for tid, p in per_target.items()
    ]
    lines = _table(["request", "rps under py-spy", *buckets], rows)
    for tid, p in per_target.items():
        lines += [
            "",
            f"`{tid}` ({p['samples']} samples): hottest functions by self time, then mock_server's own "
            "functions by inclusive time (bold)",
            "",
        ]
        rows = [[f"`{f}`", f"{s:.1f}", f"{i:.1f}"] for f, s, i in p["top"][:top]]
        rows += [[f"`{f}`", f"{s:.1f}", f"**{i:.1f}**"] for f, s, i in p["mock_server"][:top]]
        lines += _table(["function (file)", "self %", "inclusive %"], rows)
    return lines


def startup_lines(startup: dict[str, Any] | None, memory: dict[str, Any] | None, count: int) -> list[str]:
    lines: list[str] = []
    if startup:
        lines += [
            "",
            f"Start-up of `mock-server serve --count {count}` under py-spy (100 Hz, from the first instruction "
            f"to every API's first 200: {startup['ready_s']:.1f} s with the profiler attached), by phase:",
            "",
        ]
        lines += _table(["phase", "share of start-up"], [[k, f"{v:.0f}%"] for k, v in startup["phases"].items()])
        lines += ["", "Hottest functions of the start-up (self time), then mock_server's by inclusive time:", ""]
        rows = [[f"`{f}`", f"{s:.1f}", f"{i:.1f}"] for f, s, i in startup["top"]]
        rows += [[f"`{f}`", f"{s:.1f}", f"**{i:.1f}**"] for f, s, i in startup["mock_server"]]
        lines += _table(["function (file)", "self %", "inclusive %"], rows)
    if memory:
        lines += [
            "",
            f"Resident memory and time by start-up phase (`bench/memprofile.py --count {memory['count']}`, "
            "no profiler attached):",
            "",
        ]
        rows = [
            [p["phase"], f"{p['seconds']:.2f}", f"{p['rss_added_bytes'] / 2**20:+,.0f}", _mib(p["rss_bytes"])]
            for p in memory["phases"]
        ]
        lines += _table(["phase", "seconds", "RSS added (MiB)", "RSS after (MiB)"], rows)
        sizes = memory["sizes"]
        json_total = sum(v["json_bytes"] for v in sizes.values())
        lines += [
            "",
            "The same records as compact JSON: "
            + ", ".join(
                f"{api} {v['records']:,} records {v['json_bytes'] / 2**20:,.1f} MiB" for api, v in sizes.items()
            )
            + f"; {json_total / 2**20:,.0f} MiB in all.",
        ]
    return lines


def write_section(path: Path, section: str) -> None:
    """Replace the marked section of `path` (append it when absent), keeping everything else."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    if START in text and END in text:
        head, rest = text.split(START, 1)
        _, tail = rest.split(END, 1)
        text = head + section.rstrip("\n") + tail
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text, encoding="utf-8")


def existing_notes(path: Path) -> str:
    """The hand-written findings kept between the notes markers (they survive re-runs)."""
    if not path.exists():
        return ""
    match = re.search(
        re.escape(NOTES_START) + r"\n?(.*?)" + re.escape(NOTES_END), path.read_text(encoding="utf-8"), re.S
    )
    return match.group(1) if match else ""
