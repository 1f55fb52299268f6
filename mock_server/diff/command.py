"""This module contains `mock-server diff OLD NEW` / `mock-server diff --base REV`: load both sides, compare,
render, exit 1 when a finding at the --fail-on level or above exists."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mock_server.diff.compare import diff_documents
from mock_server.diff.findings import LEVELS, Comparison
from mock_server.diff.render import FORMATS, Report
from mock_server.diff.sides import Side, changed_sides, load_side
from mock_server.errors import SettingsError
from mock_server.settings import DEFAULT_SPEC_DIR

HELP = "compare two versions of a spec from a client's side: what breaks (error), what to check (warning)"
DEFAULT_CONFIG = Path("mock-server.toml")


def configure_parser(parser: argparse.ArgumentParser) -> None:
    """The options of `mock-server diff`."""
    parser.description = (
        "Compare two versions of an OpenAPI spec from a client's side. OLD and NEW are spec files or "
        "git:REV:PATH; --base REV compares every spec changed since REV. Exit 1 when a finding at the "
        "--fail-on level or above exists. The rules: docs/diff.md."
    )
    parser.add_argument("old", nargs="?", metavar="OLD", help="the old spec: a file or git:REV:PATH")
    parser.add_argument("new", nargs="?", metavar="NEW", help="the new spec: a file or git:REV:PATH")
    parser.add_argument(
        "--base",
        metavar="REV",
        help="compare every spec changed since REV (specs/, and the specs globs of mock-server.toml) with REV's",
    )
    parser.add_argument("--format", choices=tuple(FORMATS), default="text", help="report format (default text)")
    parser.add_argument(
        "--fail-on", choices=tuple(reversed(LEVELS)), default="error", help="exit 1 from this level up (default error)"
    )
    parser.add_argument(
        "--config", type=Path, default=None, help="config file with specs = [globs] (default ./mock-server.toml)"
    )


def command(args: argparse.Namespace) -> int:
    """Run the diff; 0 clean, 1 a finding at --fail-on or above, usage errors raise (exit 2)."""
    if args.base is not None and (args.old or args.new):
        raise SettingsError("give either OLD NEW or --base REV, not both")
    if args.base is None and not (args.old and args.new):
        raise SettingsError("give OLD and NEW (spec files or git:REV:PATH), or --base REV")
    if args.base is not None:
        config = args.config or (DEFAULT_CONFIG if DEFAULT_CONFIG.is_file() else None)
        pairs = changed_sides(args.base, DEFAULT_SPEC_DIR, config)
    else:
        pairs = [(load_side(args.old), load_side(args.new))]
    report = Report(tuple(_compare(old, new) for old, new in pairs), args.fail_on, args.base)
    sys.stdout.write(FORMATS[args.format](report))
    return 1 if report.failed else 0


def _compare(old: Side, new: Side) -> Comparison:
    findings = diff_documents(old.document, new.document, old.label, new.label)
    return Comparison(old.label, new.label, tuple(findings))
