"""This module contains the results of a contract run as values (Failure, Report) and their text and JUnit forms.

Every string that reaches a Report has already been masked (see collect.Masker, curl.py); rendering adds no data.
"""

from __future__ import annotations

import os
import signal
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

EXIT_OK = 0
EXIT_VIOLATIONS = 1
EXIT_UNUSABLE = 2


@dataclass(frozen=True, slots=True)
class Failure:
    """One violation of the spec found by one check on one operation."""

    operation: str
    """The operation's label, e.g. `GET /api/order/`."""
    title: str
    message: str
    severity: str
    check: str = ""
    """The Schemathesis check that found it (`response_schema_conformance`, ...) or one of ours."""
    code: str = ""
    """Schemathesis' stable failure code (ST108, ...), empty for ours."""
    expected: str = ""
    got: str = ""
    curl: str = ""
    """Command(s) that reproduce the failing request, credentials masked."""


@dataclass(frozen=True, slots=True)
class Report:
    """Everything a contract run found: counts and failures."""

    api: str
    target: str
    mode: str
    operations: tuple[str, ...]
    """Labels of the operations checked, e.g. `GET /api/order/`."""
    requests: int
    failures: tuple[Failure, ...] = ()
    seed: int | None = None
    duration_s: float = 0.0
    unreachable: str | None = None
    """Why the server could not be reached; the counts then mean nothing."""
    status_counts: dict[int, int] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    """One line each: a check that could not mean anything against this target, and what setting makes it."""
    phases: tuple[str, ...] = ()
    """The Schemathesis phases that started (examples, coverage, fuzzing, stateful)."""
    operations_run: tuple[str, ...] = ()
    """The operations that got at least one request."""
    interrupted: str | None = None
    """The signal that stopped the run early (SIGINT, SIGTERM): the counts are of an incomplete run."""

    @property
    def exit_code(self) -> int:
        if self.interrupted is not None:
            return 128 + signal.Signals[self.interrupted].value  # 130, 143: what a shell reports for the signal
        if self.unreachable is not None:
            return EXIT_UNUSABLE
        return EXIT_VIOLATIONS if self.failures else EXIT_OK

    @property
    def interruption(self) -> str:
        """What had run when the signal came, in one line."""
        if not self.operations:
            return f"interrupted by {self.interrupted} before the run started"
        phases = f" (phases started: {', '.join(self.phases)})" if self.phases else ""
        return (
            f"interrupted by {self.interrupted} after {self.requests} requests to {len(self.operations_run)} of "
            f"{len(self.operations)} operations{phases}; the run is incomplete"
        )

    @property
    def summary(self) -> str:
        noun = "failure" if len(self.failures) == 1 else "failures"
        if self.interrupted is not None:
            return f"contract {self.api}: {self.interruption}, {len(self.failures)} {noun} so far"
        return (
            f"contract {self.api}: {len(self.operations)} operations, {self.requests} requests, "
            f"{len(self.failures)} {noun}"
        )

    def by_operation(self) -> dict[str, list[Failure]]:
        grouped: dict[str, list[Failure]] = {}
        for failure in self.failures:
            grouped.setdefault(failure.operation, []).append(failure)
        return grouped


def render_text(report: Report) -> str:
    """The console form: per failing operation the check, expected vs got and a curl; then the counts."""
    if report.unreachable is not None and report.interrupted is None:
        return f"contract {report.api}: {report.unreachable}\n"
    if report.interrupted is not None and not report.operations:
        return report.summary + "\n"
    lines: list[str] = []
    for operation, failures in report.by_operation().items():
        lines.append(operation)
        for failure in failures:
            code = f" [{failure.code}]" if failure.code else ""
            lines.append(f"  {failure.check}: {failure.title}{code}")
            lines += _labelled("expected", failure.expected)
            lines += _labelled("got", failure.got)
            if failure.curl:
                lines.append("    reproduce:")
                lines += [f"      {line}" for line in failure.curl.splitlines()]
        lines.append("")
    statuses = ", ".join(f"{status}: {n}" for status, n in sorted(report.status_counts.items()))
    seed = f"seed {report.seed} (--seed {report.seed} repeats the run)" if report.seed is not None else "no seed"
    lines.append(
        f"{report.target}; {report.mode} mode; {seed}; {report.duration_s:.1f} s; "
        f"responses by status: {statuses or 'none'}"
    )
    lines += [f"note: {note}" for note in report.notes]
    lines.append(report.summary)
    return "\n".join(lines) + "\n"


def _labelled(label: str, text: str) -> list[str]:
    if not text:
        return []
    first, *rest = text.splitlines() or [""]
    head = f"{label}:".ljust(len("expected: "))
    return [f"    {head}{first}", *(f"    {' ' * len(head)}{line}" for line in rest)]


def write_junit(report: Report, path: Path) -> None:
    """A JUnit XML file: one test case per operation, one <failure> per violation; an interrupted run has an
    <error> test case and its unreached operations are <skipped>, so it never reads as a pass."""
    grouped = report.by_operation()
    names = [*report.operations, *sorted(set(grouped) - set(report.operations))]
    errors = [
        (name, kind, message)
        for name, kind, message in (
            ("reachability", "unreachable", report.unreachable),
            ("interrupted", "interrupted", report.interruption if report.interrupted else None),
        )
        if message is not None
    ]
    suite = ET.Element(
        "testsuite",
        name=f"contract {report.api}",
        tests=str(len(names) + len(errors)),
        failures=str(len(report.failures)),
        errors=str(len(errors)),
        skipped=str(len(_unreached(report, names))),
        time=f"{report.duration_s:.3f}",
    )
    properties = ET.SubElement(suite, "properties")
    for name, value in (
        ("target", report.target),
        ("mode", report.mode),
        ("requests", str(report.requests)),
        ("seed", "" if report.seed is None else str(report.seed)),
    ):
        ET.SubElement(properties, "property", name=name, value=value)
    for name, kind, message in errors:
        case = ET.SubElement(suite, "testcase", classname=report.api, name=name)
        ET.SubElement(case, "error", message=message, type=kind)
    unreached = _unreached(report, names)
    for operation in names:
        case = ET.SubElement(suite, "testcase", classname=report.api, name=operation)
        if operation in unreached:
            ET.SubElement(case, "skipped", message=f"not run: {report.interruption}")
        for failure in grouped.get(operation, []):
            element = ET.SubElement(case, "failure", type=failure.check, message=failure.title)
            element.text = "\n".join(
                part
                for part in (
                    f"severity: {failure.severity}",
                    f"expected: {failure.expected}",
                    f"got: {failure.got}",
                    failure.message,
                    f"reproduce:\n{failure.curl}" if failure.curl else "",
                )
                if part
            )
    for note in report.notes:
        ET.SubElement(suite, "system-out").text = f"note: {note}"
    _write_atomically(path, ET.tostring(suite, encoding="utf-8", xml_declaration=True))


def write_junit_placeholder(api: str, path: Path) -> None:
    """The report of a run that has not finished: an <error> test case. Written before the run, it checks that
    the path is writable, and a run killed outright (SIGKILL, power loss) leaves no report that reads as a pass."""
    suite = ET.Element("testsuite", name=f"contract {api}", tests="1", failures="0", errors="1", time="0")
    case = ET.SubElement(suite, "testcase", classname=api, name="run")
    ET.SubElement(case, "error", type="incomplete", message="the contract run did not finish")
    _write_atomically(path, ET.tostring(suite, encoding="utf-8", xml_declaration=True))


def _unreached(report: Report, names: list[str]) -> set[str]:
    if report.interrupted is None:
        return set()
    return set(names) - set(report.operations_run) - set(report.by_operation())


def _write_atomically(path: Path, data: bytes) -> None:
    """Write a new file beside `path` and rename it over: a reader never sees half a report."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, scratch = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(scratch, path)
    except BaseException:
        Path(scratch).unlink(missing_ok=True)
        raise
