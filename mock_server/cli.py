"""This module contains the command line: parse, call one function, map errors to exit codes.

Exit codes: 0 ok, 1 problems found (validate, fixtures check, contract), 2 usage or start-up errors.
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import sys
import tomllib
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from mock_server import __version__
from mock_server.auth import AuthConfig
from mock_server.contract import positive_int
from mock_server.errors import MockServerError, Problem, ProblemListError, SettingsError
from mock_server.settings import (
    DEFAULT_FIXTURES_DIR,
    DEFAULT_HOST,
    DEFAULT_JOURNAL_SIZE,
    DEFAULT_PORT,
    DEFAULT_REFERENCE_DATE,
    DEFAULT_SPEC_DIR,
    Settings,
    is_loopback,
)

DEFAULT_CONFIG = Path("mock-server.toml")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # usage errors exit 2 with one line (argparse's default too)
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="mock-server",
        description="Spec-driven mocks and contract checks for the PlanDocket, "
        "e-guma, printlounge and mittwald order APIs.",
    )
    parser.add_argument("--version", action="version", version=f"mock-server {__version__}")
    parser.add_argument("--verbose", action="store_true", help="show tracebacks for start-up errors")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    serve = commands.add_parser("serve", help="serve the vendor APIs from fixtures (default 127.0.0.1:8000)")
    serve.add_argument("--host", default=None, help=f"address to bind (default {DEFAULT_HOST})")
    serve.add_argument("--port", type=_port, default=None, help=f"port (default {DEFAULT_PORT})")
    serve.add_argument("--api", action="append", default=[], metavar="NAME", help="serve only this API (repeatable)")
    serve.add_argument("--root", action="store_true", help="with exactly one --api: serve it at / instead of /NAME")
    serve.add_argument("--spec-dir", type=Path, default=DEFAULT_SPEC_DIR, help="directory of the OpenAPI specs")
    serve.add_argument(
        "--fixtures",
        type=Path,
        default=DEFAULT_FIXTURES_DIR,
        metavar="DIR",
        help="directory of <api>.json fixture files",
    )
    serve.add_argument("--seed", type=int, default=None, help="generate fixtures in memory with this seed")
    serve.add_argument("--count", type=int, default=None, help="generate this many orders per API in memory")
    serve.add_argument("--reference-date", type=_date, default=None, help="anchor of generated timestamps")
    serve.add_argument("--state", type=Path, default=None, metavar="FILE", help="persist writes in this SQLite file")
    serve.add_argument("--latency", type=_latency, default=None, metavar="MS|MIN-MAX", help="delay every response")
    serve.add_argument("--validate-responses", action="store_true", help="check every response against its spec")
    serve.add_argument(
        "--admin-token",
        default=None,
        help="token the /__admin endpoints require "
        "(mandatory when binding a non-loopback address; env MOCK_SERVER_ADMIN_TOKEN)",
    )
    serve.add_argument("--config", type=Path, default=None, help="config file (default ./mock-server.toml if present)")
    serve.add_argument(
        "--journal-size",
        type=positive_int,
        default=DEFAULT_JOURNAL_SIZE,
        help=f"requests kept in the journal (default {DEFAULT_JOURNAL_SIZE})",
    )
    serve.add_argument("--log-level", default="warning", choices=["debug", "info", "warning", "error"])
    serve.add_argument("--reload", action="store_true", help="restart when specs, fixtures or code change")

    validate = commands.add_parser("validate", help="validate specs: OpenAPI structure, examples, $refs, x-mock")
    validate.add_argument("files", nargs="*", type=Path, help="spec files (default: every spec in specs/)")

    fixtures = commands.add_parser("fixtures", help="generate or check fixture files")
    fixture_commands = fixtures.add_subparsers(dest="fixtures_command", metavar="ACTION", parser_class=_Parser)
    generate = fixture_commands.add_parser("generate", help="write fixtures/<api>.json from the specs")
    generate.add_argument("--seed", type=int, default=42)
    generate.add_argument("--count", type=int, default=50, help="orders per API")
    generate.add_argument("--api", action="append", default=[], metavar="NAME")
    generate.add_argument("--out", type=Path, default=DEFAULT_FIXTURES_DIR)
    generate.add_argument("--reference-date", type=_date, default=None)
    generate.add_argument("--spec-dir", type=Path, default=DEFAULT_SPEC_DIR)
    check = fixture_commands.add_parser("check", help="check fixture files against the specs and business rules")
    check.add_argument("dir", nargs="?", type=Path, default=DEFAULT_FIXTURES_DIR)
    check.add_argument("--spec-dir", type=Path, default=DEFAULT_SPEC_DIR)

    from mock_server import contract

    contract.configure_parser(
        commands.add_parser(
            "contract", help="check an API (the in-process mock or a real endpoint) against its spec with Schemathesis"
        )
    )
    for name, module in _plugin_commands():
        module.configure_parser(commands.add_parser(name, help=module.HELP))
    return parser


PLUGIN_COMMANDS: dict[str, str] = {
    # command name -> module with HELP: str, configure_parser(parser) and command(args) -> int.
    # Each capability beside the engine (diff, proxy/drift, infer, ...) registers here and lives in its own package.
    "diff": "mock_server.diff.command",
    "proxy": "mock_server.drift.proxy_command",
    "drift": "mock_server.drift.check_command",
    "infer": "mock_server.infer.command",
}


def _plugin_commands() -> list[tuple[str, Any]]:
    """The command modules of PLUGIN_COMMANDS that exist in this build (imported lazily: keep them light)."""
    import importlib

    found = []
    for name, module_name in PLUGIN_COMMANDS.items():
        try:
            found.append((name, importlib.import_module(module_name)))
        except ModuleNotFoundError as exc:
            if exc.name is None or not module_name.startswith(exc.name):
                raise
    return found


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `mock-server` and `python -m mock_server`."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        if args.command == "serve":
            return serve(args)
        if args.command == "validate":
            return validate(args)
        if args.command == "fixtures":
            return fixtures(args, parser)
        if args.command in PLUGIN_COMMANDS:
            return int(dict(_plugin_commands())[args.command].command(args))
        from mock_server import contract

        return contract.command(args)
    except BrokenPipeError:  # `mock-server validate | head`: the reader left; not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except ProblemListError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 2
    except MockServerError as exc:
        if args.verbose:
            raise
        print(f"mock-server: {exc}", file=sys.stderr)
        return 2


def validate(args: argparse.Namespace) -> int:
    from mock_server.lint import validate_spec_file
    from mock_server.specs import discover_specs

    files: list[Path] = args.files or [_relative(p) for p in discover_specs(DEFAULT_SPEC_DIR)]
    missing = [f for f in files if not f.is_file()]
    if missing:
        raise SettingsError(f"no such file: {', '.join(map(str, missing))}")
    # a file that can't be parsed at all raises SpecError: exit 2
    found = sum(_report(path, validate_spec_file(path)) for path in files)
    return 1 if found else 0


def fixtures(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from mock_server.dataset import generate_dataset, load_dataset, write_dataset
    from mock_server.errors import FixtureError
    from mock_server.model import ApiModel
    from mock_server.specs import Spec, discover_specs

    if args.fixtures_command is None:
        parser.parse_args(["fixtures", "--help"])
        return 2
    models = {m.name: m for m in (ApiModel.from_spec(Spec.from_file(p)) for p in discover_specs(args.spec_dir))}
    if args.fixtures_command == "generate":
        unknown = [a for a in args.api if a not in models]
        if unknown:
            raise SettingsError(f"unknown API(s) {', '.join(unknown)}; known: {', '.join(models)}")
        args.out.mkdir(parents=True, exist_ok=True)
        for name in args.api or list(models):
            dataset = generate_dataset(
                models[name],
                seed=args.seed,
                count=args.count,
                reference_date=args.reference_date or DEFAULT_REFERENCE_DATE,
            )
            print(f"wrote {write_dataset(dataset, args.out)}")
        return 0
    if not args.dir.is_dir():
        raise SettingsError(f"no such directory: {args.dir}")
    found = 0
    for name, model in models.items():
        path = args.dir / f"{name}.json"
        if not path.exists():
            continue
        try:
            load_dataset(path, model)  # checks the spec schemas and every business rule
            problems: list[Problem] = []
        except FixtureError as exc:
            problems = exc.problems
        found += _report(path, problems)
    return 1 if found else 0


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from mock_server.app import build_runtime, create_app

    settings = settings_from_args(args)
    logging.basicConfig(level=args.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    if args.reload:
        os.environ["MOCK_SERVER_ARGV"] = "\x1f".join(sys.argv[1:] if args.reload else [])
        _print_banner(settings, settings.apis or (), reload=True)
        uvicorn.run(
            "mock_server.cli:reload_factory",
            factory=True,
            reload=True,
            host=settings.host,
            port=settings.port,
            access_log=False,
            log_level=args.log_level,
            reload_dirs=[str(settings.spec_dir), str(settings.fixtures_dir), str(Path(__file__).parent)],
        )
        return 0
    runtime = build_runtime(settings)  # every spec/fixture problem surfaces here, before the port is bound
    gc.freeze()  # the loaded records live as long as the process: keep the collector from rescanning them
    app = create_app(settings, runtime)
    _print_banner(settings, tuple(runtime.models), reload=False)
    if runtime.store.orphaned_writes:
        print(
            f"warning: {runtime.store.orphaned_writes} write(s) in {settings.state_file} match no fixture record "
            "and are not served",
            file=sys.stderr,
        )
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        access_log=False,
        log_level=args.log_level,
        timeout_graceful_shutdown=3,
    )
    return 0


def reload_factory() -> Any:
    """uvicorn --reload imports the app by name: rebuild it from the original command line."""
    from mock_server.app import create_app

    args = build_parser().parse_args(os.environ.get("MOCK_SERVER_ARGV", "serve").split("\x1f"))
    return create_app(settings_from_args(args))


def settings_from_args(args: argparse.Namespace) -> Settings:
    """Settings from serve's options and the config file; SettingsError on any inconsistency."""
    config = _read_config(args.config)
    host = args.host or config.get("serve", {}).get("host", DEFAULT_HOST)
    admin_token = args.admin_token or os.environ.get("MOCK_SERVER_ADMIN_TOKEN") or config.get("admin", {}).get("token")
    if not is_loopback(host) and not admin_token:
        raise SettingsError(
            f"binding {host} exposes the mock beyond this machine: give --admin-token (or "
            "MOCK_SERVER_ADMIN_TOKEN) so the /__admin endpoints are protected"
        )
    if args.root and len(args.api) != 1:
        raise SettingsError("--root needs exactly one --api NAME")
    try:
        auth = AuthConfig.from_mapping(config.get("auth", {}))
    except ValueError as exc:
        raise SettingsError(f"{args.config or DEFAULT_CONFIG}: {exc}") from None
    if args.count is not None and args.count < 0:
        raise SettingsError("--count must be >= 0")
    return Settings(
        spec_dir=args.spec_dir,
        fixtures_dir=args.fixtures,
        apis=tuple(args.api),
        root=args.root,
        seed=args.seed,
        count=args.count,
        reference_date=args.reference_date or DEFAULT_REFERENCE_DATE,
        state_file=args.state,
        latency_ms=args.latency or (0, 0),
        validate_responses=args.validate_responses,
        host=host,
        port=args.port or _port(str(config.get("serve", {}).get("port", DEFAULT_PORT))),
        admin_token=admin_token,
        auth=auth,
        journal_size=args.journal_size,
    )


def _read_config(path: Path | None) -> dict[str, Any]:
    if path is None:
        if not DEFAULT_CONFIG.is_file():
            return {}
        path = DEFAULT_CONFIG
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SettingsError(f"{path}: cannot read config: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}: not valid TOML: {exc}") from None


def _print_banner(settings: Settings, apis: Sequence[str], *, reload: bool) -> None:
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    origin = f"http://{host}:{settings.port}"
    for name in apis:
        base = origin if settings.root else f"{origin}/{name}"
        print(f"{name:<12} {base}  docs {base}/ui/", flush=True)
    state = f"writes persisted in {settings.state_file}" if settings.state_file else "writes kept in memory"
    admin = "admin token required" if settings.admin_token else "no admin token (loopback only)"
    print(
        f"admin        {origin}/__admin/apis  ({admin}); {state}; Ctrl-C stops"
        + (" (reloading on change)" if reload else ""),
        flush=True,
    )


def _report(path: Path, problems: list[Problem]) -> int:
    """Print one line per problem, or `path: OK`; return the number of problems."""
    for problem in problems:
        print(problem)
    if not problems:
        print(f"{path}: OK")
    return len(problems)


def _relative(path: Path) -> Path:
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


def _port(value: str) -> int:
    port = positive_int(value)
    if port > 65535:
        raise argparse.ArgumentTypeError(f"a port is 1..65535, got {value}")
    return port


def _date(value: str) -> datetime:
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO date/time: {value!r}") from None


def _latency(value: str) -> tuple[int, int]:
    low, _, high = value.partition("-")
    try:
        lo, hi = int(low), int(high or low)
    except ValueError:
        raise argparse.ArgumentTypeError(f"latency must be MS or MIN-MAX in milliseconds, got {value!r}") from None
    if lo < 0 or hi < lo:
        raise argparse.ArgumentTypeError(f"latency range must satisfy 0 <= MIN <= MAX, got {value!r}")
    return lo, hi
