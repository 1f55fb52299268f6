"""Hardening suite plumbing: the fuzz counts travel from the xdist workers in report properties and are printed in
the terminal summary, whatever -s or -q say."""

from __future__ import annotations

from typing import Any

import pytest

FUZZ_PROPERTY = "fuzz_stats"
_RESULTS: list[dict[str, Any]] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call":
        _RESULTS.extend(value for name, value in report.user_properties if name == FUZZ_PROPERTY)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _RESULTS:
        return
    terminalreporter.section("fuzz counts (issue 7)")
    for result in sorted(_RESULTS, key=lambda r: r["api"]):
        statuses = {int(k): v for k, v in result["statuses"].items()}
        histogram = ", ".join(f"{status}: {n}" for status, n in sorted(statuses.items()))
        server_errors = sum(n for status, n in statuses.items() if status >= 500)
        terminalreporter.write_line(f"{result['api']:<12} {result['requests']:>6} requests, {server_errors} 5xx "
                                    f"[{histogram}]")
