"""This module contains the report formats of a diff: text (one line per finding), JSON, Markdown (the pull-request
summary) and JUnit XML."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from mock_server.diff.findings import Comparison, Finding, Level, at_least, count


@dataclass(frozen=True, slots=True)
class Report:
    """What was compared, and the level from which a finding fails the run."""

    comparisons: tuple[Comparison, ...]
    fail_on: Level
    base: str | None = None

    @property
    def findings(self) -> list[Finding]:
        return [f for c in self.comparisons for f in c.findings]

    @property
    def failed(self) -> bool:
        return any(at_least(f.level, self.fail_on) for f in self.findings)


def _counts(findings: Sequence[Finding]) -> str:
    return ", ".join(f"{n} {level}{'s' if n != 1 and level != 'info' else ''}" for level, n in count(findings).items())


def _nothing(report: Report) -> str:
    return f"no spec changed since {report.base}" if report.base else "nothing compared"


def _summary(report: Report) -> str:
    if not report.comparisons:
        return _nothing(report)
    verdict = "fails" if report.failed else "passes"
    specs = f"{len(report.comparisons)} spec{'s' if len(report.comparisons) != 1 else ''}"
    since = f" changed since {report.base}" if report.base else ""
    return f"{_counts(report.findings)} in {specs}{since}; {verdict} (--fail-on {report.fail_on})"


def render_text(report: Report) -> str:
    """One `file: pointer: level id: operation: message` line per finding, then a summary line."""
    lines = [str(f) for f in report.findings]
    return "\n".join([*lines, _summary(report)]) + "\n"


def render_json(report: Report) -> str:
    """The whole report as one JSON document."""
    document = {
        "fail_on": report.fail_on,
        "failed": report.failed,
        "base": report.base,
        "counts": count(report.findings),
        "comparisons": [
            {"old": c.old, "new": c.new, "counts": count(c.findings), "findings": [f.to_dict() for f in c.findings]}
            for c in report.comparisons
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace("\n", " ")


def _code(text: str) -> str:
    return f"`{_cell(text)}`" if text and "`" not in text else _cell(text)


def _where(finding: Finding, comparison: Comparison) -> str:
    """The location; marked `old:` when it points into OLD (a removal)."""
    where = _code(finding.location or "/")
    return where if finding.file == comparison.new else f"old: {where}"


def render_markdown(report: Report) -> str:
    """A Markdown summary: counts, then a table of findings per spec."""
    out = ["### mock-server diff", "", f"**{_summary(report)}**", ""]
    for c in report.comparisons:
        out += [f"#### {_code(c.new)}", "", f"compared with {_code(c.old)}: {_counts(c.findings)}", ""]
        if c.findings:
            out += ["| level | rule | operation | location | change |", "|---|---|---|---|---|"]
            out += [
                f"| {f.level} | {_code(f.id)} | {_code(f.operation)} | {_where(f, c)} | {_cell(f.message)} |"
                for f in c.findings
            ]
            out.append("")
        else:
            out += ["No change a client notices.", ""]
    return "\n".join(out).rstrip("\n") + "\n"


def render_junit(report: Report) -> str:
    """JUnit XML: one test case per compared spec, failed when it has a finding at the --fail-on level or above."""
    failures = [c for c in report.comparisons if any(at_least(f.level, report.fail_on) for f in c.findings)]
    attrs = {"name": "mock-server diff", "tests": str(len(report.comparisons)), "failures": str(len(failures))}
    suites = ET.Element("testsuites", attrs)
    suite = ET.SubElement(suites, "testsuite", attrs)
    for c in report.comparisons:
        case = ET.SubElement(suite, "testcase", {"classname": "mock-server diff", "name": c.new})
        failing = [f for f in c.findings if at_least(f.level, report.fail_on)]
        if failing:
            failure = ET.SubElement(
                case, "failure", {"type": report.fail_on, "message": f"{len(failing)} at {report.fail_on} or above"}
            )
            failure.text = "\n".join(map(str, failing))
        if c.findings:
            ET.SubElement(case, "system-out").text = "\n".join(map(str, c.findings))
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


FORMATS: dict[str, Callable[[Report], str]] = {
    "text": render_text,
    "json": render_json,
    "markdown": render_markdown,
    "junit": render_junit,
}
