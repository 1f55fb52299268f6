"""This module contains the drift report: its values, JSON and Markdown rendering, atomic writing and reading back."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from mock_server.errors import SettingsError

SEVERITIES = ("error", "warning", "info")
"""Highest first."""


@dataclass(frozen=True, slots=True)
class Finding:
    """Findings of one kind at one location of one operation and status, merged."""

    operation: str
    method: str
    path: str
    status: int
    kind: str
    location: str
    expected: str
    observed: tuple[Any, ...]
    count: int
    first_seen: str
    last_seen: str
    severity: str
    example: dict[str, Any] | None
    schema: str
    """JSON pointer of the spec node concerned (empty for an unmatched path)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "operation": self.operation,
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "kind": self.kind,
            "location": self.location,
            "expected": self.expected,
            "observed": list(self.observed),
            "count": self.count,
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
            "severity": self.severity,
            "example": self.example,
            "schema": self.schema,
        }


@dataclass(frozen=True, slots=True)
class OperationReport:
    """One operation (or one unmatched method and path) with the statuses seen and its findings."""

    operation: str
    method: str
    path: str
    requests: int
    statuses: dict[str, int]
    findings: tuple[Finding, ...]

    @property
    def worst(self) -> int:
        return min((SEVERITIES.index(f.severity) for f in self.findings), default=len(SEVERITIES))

    def to_json(self) -> dict[str, Any]:
        return {
            "operation": self.operation,
            "method": self.method,
            "path": self.path,
            "requests": self.requests,
            "statuses": self.statuses,
            "findings": [f.to_json() for f in self.findings],
        }


@dataclass(frozen=True, slots=True)
class Report:
    """The whole drift report of one run."""

    api: str
    spec: str
    upstream: str
    started: str
    finished: str
    requests: int
    operations: tuple[OperationReport, ...]

    @property
    def findings(self) -> list[Finding]:
        return [f for op in self.operations for f in op.findings]

    def count(self, severity: str) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    def to_json(self) -> dict[str, Any]:
        return {
            "api": self.api,
            "spec": self.spec,
            "upstream": self.upstream,
            "started": self.started,
            "finished": self.finished,
            "requests": self.requests,
            "operations": [op.to_json() for op in self.operations],
        }


def sort_findings(findings: list[Finding]) -> tuple[Finding, ...]:
    """Errors first, then warnings, then infos; the most frequent first; then by location."""
    return tuple(sorted(findings, key=lambda f: (SEVERITIES.index(f.severity), -f.count, f.status, f.location, f.kind)))


def render_json(report: Report) -> bytes:
    return orjson.dumps(report.to_json(), option=orjson.OPT_INDENT_2) + b"\n"


def render_markdown(report: Report) -> str:
    """A summary for a CI job page: totals, then one table per operation, the operations with errors first."""
    lines = [
        f"# Drift report: {report.api}",
        "",
        f"Spec `{report.spec}` against `{report.upstream or 'the run'}`, {report.started} to {report.finished}: "
        f"{report.requests} request(s), **{report.count('error')} error(s)**, {report.count('warning')} warning(s), "
        f"{report.count('info')} info(s).",
    ]
    for op in sorted(report.operations, key=lambda o: (o.worst, o.path, o.method)):
        statuses = ", ".join(f"{code}: {n}" for code, n in sorted(op.statuses.items()))
        title = f"`{op.operation}` " if op.operation else "unmatched "
        lines += ["", f"## {title}{op.method} {op.path}", "", f"{op.requests} request(s) ({statuses})."]
        if not op.findings:
            lines += ["", "No findings."]
            continue
        lines += [
            "",
            "| severity | kind | status | location | expected | observed | count | first seen | last seen |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for f in op.findings:
            observed = ", ".join(_text(v) for v in f.observed)
            cells = [f.severity, f.kind, str(f.status), _code(f.location), _code(f.expected), _cell(observed)]
            cells += [str(f.count), f.first_seen, f.last_seen]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _text(value: Any) -> str:
    return "null" if value is None else str(value).lower() if isinstance(value, bool) else str(value)


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").replace("`", "\\`")


def _code(text: str) -> str:
    """A code span in a table cell: backslashes stay literal; a pipe still needs its escape (GFM tables)."""
    if not text:
        return ""
    fence = "``" if "`" in text else "`"
    return fence + text.replace("|", "\\|").replace("\n", " ") + fence


def write_atomic(path: Path, data: bytes) -> None:
    """Write a file so that a reader sees the old or the new content, never half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o644)  # mkstemp makes 0600; a report is no secret (it holds none)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_severities(path: Path) -> list[str]:
    """The severity of every finding of a JSON report file; SettingsError naming the file when it is not one."""
    try:
        data = orjson.loads(path.read_bytes())
    except OSError as exc:
        raise SettingsError(f"{path}: cannot read the report: {exc.strerror or exc}") from None
    except orjson.JSONDecodeError as exc:
        raise SettingsError(f"{path}: not a JSON drift report: {exc}") from None
    operations = data.get("operations") if isinstance(data, dict) else None
    if not isinstance(operations, list):
        raise SettingsError(f"{path}: /operations: missing, not a drift report")
    found = []
    for i, op in enumerate(operations):
        findings = op.get("findings") if isinstance(op, dict) else None
        if not isinstance(findings, list):
            raise SettingsError(f"{path}: /operations/{i}/findings: missing or not a list")
        for j, finding in enumerate(findings):
            severity = finding.get("severity") if isinstance(finding, dict) else None
            if severity not in SEVERITIES:
                raise SettingsError(
                    f"{path}: /operations/{i}/findings/{j}/severity: not one of {', '.join(SEVERITIES)}"
                )
            found.append(str(severity))
    return found
