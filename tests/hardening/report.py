"""This module contains the pytest plugin that prints the hardening figures in the terminal summary, whatever -q or -s
say: fuzz counts (requests per API, status histogram), concurrent writes checked, writes surviving the kill. They
travel from xdist workers as report properties; tests/conftest.py registers the plugin, because the xdist
controller never imports tests/hardening/conftest.py."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

FUZZ_PROPERTY = "fuzz_counts"
FIGURE_PROPERTY = "hardening_figure"
"""A one-line figure (str) for the summary, recorded with record_property."""
_counts: dict[str, Counter[int]] = {}
_operations: Counter[str] = Counter()
_figures: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when != "teardown":
        return
    for name, value in report.user_properties:
        if name == FIGURE_PROPERTY:
            _figures.append(str(value))
        if name == FUZZ_PROPERTY:
            _counts.setdefault(value["api"], Counter()).update({int(k): v for k, v in value["statuses"].items()})
            _operations[value["api"]] += 1


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _counts and not _figures:
        return
    terminalreporter.section("hardening figures (issue 7)")
    for figure in _figures:
        terminalreporter.write_line(figure)
    for api, statuses in sorted(_counts.items()):
        histogram = ", ".join(f"{status}: {n}" for status, n in sorted(statuses.items()))
        server_errors = sum(n for status, n in statuses.items() if status >= 500)
        terminalreporter.write_line(
            f"fuzz {api:<12} {sum(statuses.values()):>6} requests over {_operations[api]} "
            f"operation(s), {server_errors} 5xx  [{histogram}]"
        )
