"""This module contains `mock-server drift check`: gate a CI job on the findings of a drift report."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from mock_server.drift.report import SEVERITIES, read_severities
from mock_server.errors import SettingsError

HELP = "work with drift reports (check: exit 1 when a finding at a level or above exists)"


def configure_parser(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="drift_command", metavar="ACTION", parser_class=type(parser))
    check = actions.add_parser("check", help="exit 1 when the report has a finding at --fail-on or above")
    check.add_argument("report", type=Path, metavar="REPORT", help="a JSON drift report (proxy --report)")
    check.add_argument(
        "--fail-on", choices=SEVERITIES, default="error", help="lowest severity that fails (default error)"
    )


def command(args: argparse.Namespace) -> int:
    if getattr(args, "drift_command", None) != "check":
        raise SettingsError("drift needs an action: mock-server drift check REPORT [--fail-on error|warning|info]")
    counts = Counter(read_severities(args.report))
    failing = SEVERITIES[: SEVERITIES.index(args.fail_on) + 1]
    found = sum(counts[s] for s in failing)
    summary = ", ".join(f"{counts[s]} {s}(s)" for s in SEVERITIES)
    verdict = f"fails (--fail-on {args.fail_on})" if found else f"passes (--fail-on {args.fail_on})"
    sys.stdout.write(f"{args.report}: {summary}: {verdict}\n")
    return 1 if found else 0
