"""This module contains `mock-server contract`: Schemathesis checks of the mock or of a real endpoint against a spec.

    options.py   ContractOptions, Credentials (flags, then MOCK_SERVER_<API>_TOKEN / _APIKEY)
    runner.py    run_contract(options) -> Report: the target, Schemathesis' configuration and engine
    collect.py   Collector: the engine's events -> masked Failure values; expected vs got per failure
    curl.py      reproducing curls from the requests sent, credentials as shell references ($MOCK_SERVER_...)
    report.py    Failure, Report, the console text and the JUnit file
    progress.py  the live progress on a terminal (rich)

Exit codes: 0 conforms, 1 violations found, 2 usage error or unreachable server, 130 / 143 interrupted by
SIGINT / SIGTERM.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from mock_server.contract.options import (
    DEFAULT_MAX_EXAMPLES,
    ContractOptions,
    Credentials,
    check_base_url,
    parse_headers,
)
from mock_server.contract.report import (
    EXIT_UNUSABLE,
    Failure,
    Report,
    render_text,
    write_junit,
    write_junit_placeholder,
)
from mock_server.errors import SettingsError
from mock_server.redact import mask_url_password
from mock_server.settings import DEFAULT_SPEC_DIR

__all__ = ["ContractOptions", "Credentials", "Failure", "Report", "command", "configure_parser", "run_contract"]


def configure_parser(parser: argparse.ArgumentParser) -> None:
    """Add the options of `mock-server contract`."""
    parser.description = (
        "Check an API against its spec with Schemathesis. Without --base-url the in-process mock is checked "
        "(positive and negative data); with it, the server at that URL (the spec's paths are appended), positive "
        "data only and read-only (GET, HEAD, OPTIONS) unless --negative / --allow-writes. Credentials default to "
        "MOCK_SERVER_<API>_TOKEN and MOCK_SERVER_<API>_APIKEY. Exit 0 conforms, 1 violations, 2 usage error or "
        "unreachable server."
    )
    parser.add_argument("api", help="API name: plandocket, eguma, printlounge or mittwald")
    parser.add_argument("--base-url", metavar="URL", help="check this server instead of the in-process mock")
    parser.add_argument("--token", help="bearer token / access token (default env MOCK_SERVER_<API>_TOKEN)")
    parser.add_argument("--apikey", help="api key, e.g. e-guma's `apikey` (default env MOCK_SERVER_<API>_APIKEY)")
    parser.add_argument(
        "--header",
        action="append",
        default=[],
        metavar="'NAME: VALUE'",
        help="extra header sent with every request (repeatable)",
    )
    parser.add_argument(
        "--allow-writes",
        action="store_true",
        help="with --base-url: also send PUT/PATCH/POST/DELETE (default: GET, HEAD, OPTIONS only)",
    )
    parser.add_argument(
        "--negative",
        action="store_true",
        help="with --base-url: also send data the spec forbids (the mock always gets both)",
    )
    parser.add_argument(
        "--max-examples",
        type=positive_int,
        default=DEFAULT_MAX_EXAMPLES,
        metavar="N",
        help=f"generated cases per operation and phase (default {DEFAULT_MAX_EXAMPLES})",
    )
    parser.add_argument("--seed", type=int, default=None, help="seed of the data generation (default random)")
    parser.add_argument("--workers", type=positive_int, default=1, metavar="N", help="concurrent workers (default 1)")
    parser.add_argument("--junit", metavar="PATH", help="also write a JUnit XML report here")
    parser.add_argument(
        "--drift-report", type=Path, metavar="FILE", help="also write a drift report (JSON) from every response"
    )
    parser.add_argument("--drift-markdown", type=Path, metavar="FILE", help="and its Markdown summary")
    parser.add_argument(
        "--spec-dir", type=Path, default=DEFAULT_SPEC_DIR, metavar="DIR", help="where the API specs are"
    )


def command(args: argparse.Namespace) -> int:
    """Run `mock-server contract` from parsed arguments; SettingsError (exit 2) on bad usage. SIGINT and SIGTERM
    end the run early with exit 130 / 143, a line saying what had run, and a JUnit report with an error."""
    stopped: list[str] = []  # the signal's name, once one came
    with _signals_interrupt(stopped):
        try:
            return _command(args, stopped)
        except KeyboardInterrupt:  # before the engine ran (imports, loading the spec): nothing had run
            target = mask_url_password(args.base_url) if args.base_url else "in-process mock"
            report = Report(args.api, target, "", (), 0, interrupted=(stopped or ["SIGINT"])[0])
            return _finish(report, _junit_path(args))


def _command(args: argparse.Namespace, stopped: list[str]) -> int:
    from mock_server.contract.progress import RunProgress
    from mock_server.contract.runner import find_spec, run_contract

    options = ContractOptions(
        api=args.api,
        base_url=check_base_url(args.base_url) if args.base_url else None,
        credentials=Credentials.resolve(_api_name(args.api), args.token, args.apikey, os.environ),
        headers=parse_headers(args.header),
        allow_writes=args.allow_writes,
        negative=args.negative,
        max_examples=args.max_examples,
        seed=args.seed,
        workers=args.workers,
        junit=_junit_path(args),
        spec_dir=args.spec_dir,
        drift_report=getattr(args, "drift_report", None),
        drift_markdown=getattr(args, "drift_markdown", None),
    )
    if options.drift_markdown is not None and options.drift_report is None:
        raise SettingsError("--drift-markdown needs --drift-report FILE")
    if options.junit is not None:
        find_spec(options)  # a typo in the API name is reported before a report file is touched
        _check_writable(options.junit)
    report = run_contract(options, progress=lambda operations: RunProgress.for_stream(operations, sys.stderr))
    if stopped:  # also when a part of the engine swallowed the KeyboardInterrupt: a signalled run is never green
        report = dataclasses.replace(report, interrupted=stopped[0])
    return _finish(report, options.junit)


def _api_name(name_or_path: str) -> str:
    """The API name an argument stands for: a spec path's API name (x-mock-api.name or its file stem), else itself;
    it names the credential variables (MOCK_SERVER_<API>_TOKEN), whichever way the API was given."""
    from mock_server.specs import Spec, looks_like_path

    if looks_like_path(name_or_path) and Path(name_or_path).is_file():
        return Spec.from_file(Path(name_or_path)).name
    return name_or_path


def _finish(report: Report, junit: Path | None) -> int:
    """Write the JUnit file and the console text; the exit code."""
    with _signals_ignored():  # a second Ctrl-C must not leave half a report
        if junit is not None:
            write_junit(report, junit)
        stream = sys.stderr if report.exit_code == EXIT_UNUSABLE or report.interrupted else sys.stdout
        stream.write(render_text(report))
        stream.flush()
    return report.exit_code


def _junit_path(args: argparse.Namespace) -> Path | None:
    return Path(args.junit) if getattr(args, "junit", None) else None


def _check_writable(path: Path) -> None:
    """Fail before the run, not after it, when the JUnit report cannot be written; leave an error report there
    until the run has finished (a run killed outright leaves no report that reads as a pass)."""
    try:
        write_junit_placeholder("contract", path)
    except OSError as exc:
        raise SettingsError(f"--junit {path}: cannot write the report: {exc.strerror or exc}") from None


@contextmanager
def _signals_interrupt(stopped: list[str]) -> Iterator[None]:
    """SIGINT and SIGTERM both raise KeyboardInterrupt (Schemathesis' engine stops cleanly on one); remember which."""
    if not _main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        name = signal.Signals(signum).name
        stopped.append(name)
        raise KeyboardInterrupt

    # a SIGINT ignored from the start (a background job of a script, nohup) stays ignored, as Python itself does
    wanted = [sig for sig in (signal.SIGINT, signal.SIGTERM) if signal.getsignal(sig) is not signal.SIG_IGN]
    previous = {sig: signal.signal(sig, interrupt) for sig in wanted}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextmanager
def _signals_ignored() -> Iterator[None]:
    if not _main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


def __getattr__(name: str) -> object:
    # run_contract imports Schemathesis (slow); `mock-server --help` only needs the parser
    if name == "run_contract":
        from mock_server.contract.runner import run_contract

        return run_contract
    raise AttributeError(name)


def positive_int(value: str) -> int:
    """argparse type: a whole number of at least 1."""
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value!r}")
    return number
