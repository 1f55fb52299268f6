"""This module contains the command line: parse, call one function, map errors to exit codes.

Exit codes: 0 ok, 1 problems found (validate, fixtures check, contract), 2 usage or start-up errors.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import gc
import logging
import os
import socket
import sys
import tomllib
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mock_server import __version__
from mock_server.auth import AuthConfig
from mock_server.contract import positive_int
from mock_server.errors import MockServerError, Problem, ProblemListError, SettingsError
from mock_server.settings import (
    DEFAULT_FAULT_SLOW_MS,
    DEFAULT_FAULT_TIMEOUT_S,
    DEFAULT_FIXTURES_DIR,
    DEFAULT_FIXTURES_OUT,
    DEFAULT_HOST,
    DEFAULT_JOURNAL_SIZE,
    DEFAULT_PORT,
    DEFAULT_REFERENCE_DATE,
    DEFAULT_SPEC_DIR,
    Settings,
    is_loopback,
)

if TYPE_CHECKING:
    from mock_server.model import ApiModel

DEFAULT_CONFIG = Path("mock-server.toml")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # usage errors exit 2 with one line (argparse's default too)
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="mock-server",
        description="Spec-driven mocks, contract checks, drift reports and spec diffs for any OpenAPI spec; "
        "the PlanDocket, e-guma, printlounge and mittwald order APIs are bundled.",
    )
    parser.add_argument("--version", action="version", version=f"mock-server {__version__}")
    parser.add_argument("--verbose", action="store_true", help="show tracebacks for start-up errors")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    serve = commands.add_parser("serve", help="serve the vendor APIs from fixtures (default 127.0.0.1:8000)")
    serve.add_argument("--host", default=None, help=f"address to bind (default {DEFAULT_HOST})")
    serve.add_argument("--port", type=_port, default=None, help=f"port (default {DEFAULT_PORT})")
    serve.add_argument("--api", action="append", default=[], metavar="NAME", help="serve only this API (repeatable)")
    serve.add_argument("--root", action="store_true", help="with exactly one --api: serve it at / instead of /NAME")
    serve.add_argument(
        "specs",
        nargs="*",
        type=Path,
        metavar="SPEC_OR_DIR",
        help="spec files (YAML/JSON) or directories of specs to serve "
        "(default: mock-server.toml's specs, else the four bundled vendor APIs)",
    )
    serve.add_argument(
        "--spec-dir", type=Path, action="append", default=[], dest="spec_dirs", help="same as a SPEC_OR_DIR argument"
    )
    serve.add_argument("--bundled", action="store_true", help="serve the four bundled vendor APIs beside your specs")
    serve.add_argument(
        "--fixtures",
        type=Path,
        default=None,
        metavar="DIR",
        help="directory of <api>.json fixture files (default: the bundled ones; an API of your own without one "
        "gets generated data)",
    )
    serve.add_argument("--seed", type=int, default=None, help="generate fixtures in memory with this seed")
    serve.add_argument("--count", type=int, default=None, help="generate this many orders per API in memory")
    serve.add_argument(
        "--locale", type=_locale, default=None, help="Faker locale of generated data (default: the spec's, else en_US)"
    )
    serve.add_argument("--reference-date", type=_date, default=None, help="anchor of generated timestamps")
    serve.add_argument(
        "--no-cache",
        dest="dataset_cache",
        action="store_false",
        help="generate --seed/--count data afresh instead of reusing the user's cache of generated data",
    )
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
    serve.add_argument(
        "--fault-timeout",
        type=_seconds,
        default=DEFAULT_FAULT_TIMEOUT_S,
        metavar="S",
        help=f"how long fault=timeout leaves a request unanswered (default {DEFAULT_FAULT_TIMEOUT_S:g} s)",
    )
    serve.add_argument(
        "--fault-slow",
        type=positive_int,
        default=DEFAULT_FAULT_SLOW_MS,
        metavar="MS",
        help=f"how long fault=slow takes to send a body (default {DEFAULT_FAULT_SLOW_MS} ms)",
    )
    serve.add_argument("--log-level", default="warning", choices=["debug", "info", "warning", "error"])
    serve.add_argument("--quiet", action="store_true", help="no access line per request")
    serve.add_argument("--reload", action="store_true", help="restart when specs, fixtures or code change")
    serve.add_argument(
        "--workers",
        type=_workers,
        default=None,
        metavar="N",
        help="serve with N processes on the port, sharing state and journal (SQLite; see --state)",
    )

    validate = commands.add_parser(
        "validate", help="validate specs (OpenAPI structure, examples, $refs, x-mock) and the fixtures serve would load"
    )
    validate.add_argument(
        "files", nargs="*", type=Path, help="spec files or directories (default: the four bundled vendor specs)"
    )
    validate.add_argument(
        "--strict", action="store_true", help="house-style warnings (summary, 2xx example...) are errors too"
    )
    validate.add_argument(
        "--fixtures",
        type=Path,
        default=DEFAULT_FIXTURES_DIR,
        metavar="DIR",
        help="also check the <api>.json fixture file serve would load from DIR (default fixtures/)",
    )

    fixtures = commands.add_parser("fixtures", help="generate or check fixture files")
    fixture_commands = fixtures.add_subparsers(dest="fixtures_command", metavar="ACTION", parser_class=_Parser)
    generate = fixture_commands.add_parser("generate", help="write fixtures/<api>.json from the specs")
    generate.add_argument("--seed", type=int, default=42)
    generate.add_argument("--count", type=int, default=50, help="orders per API")
    generate.add_argument(
        "--api", action="append", default=[], metavar="NAME|SPEC", help="only this API (name or spec file; repeatable)"
    )
    generate.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_FIXTURES_OUT,
        help="directory (default: fixtures/; never the installed package)",
    )
    generate.add_argument("--reference-date", type=_date, default=None)
    generate.add_argument("--spec-dir", type=Path, default=DEFAULT_SPEC_DIR)
    check = fixture_commands.add_parser("check", help="check fixture files against the specs and business rules")
    check.add_argument("dir", nargs="?", type=Path, default=DEFAULT_FIXTURES_DIR)
    check.add_argument("--spec-dir", type=Path, default=DEFAULT_SPEC_DIR)
    check.add_argument(
        "--api", action="append", default=[], metavar="NAME|SPEC", help="check only this API (name or spec file)"
    )

    from mock_server import contract

    contract.configure_parser(
        commands.add_parser(
            "contract", help="check an API (the in-process mock or a real endpoint) against its spec with Schemathesis"
        )
    )
    for name, module in _plugin_commands():
        module.configure_parser(commands.add_parser(name, help=module.HELP))
    return parser


def _locale(value: str) -> str:
    """A Faker locale (de_DE, en_US, ...); argparse turns the ValueError into a usage error (exit 2)."""
    from faker.config import AVAILABLE_LOCALES

    if value not in AVAILABLE_LOCALES:
        raise ValueError(value)
    return value


_locale.__name__ = "locale"  # argparse names the type in its message: "invalid locale value: 'xx'"


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
    except KeyboardInterrupt:  # Ctrl-C while loading or generating data: one line, the shell's 128 + SIGINT
        print(f"mock-server {args.command}: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:  # the environment (a file, a directory, a port): one sentence, not a traceback
        if args.verbose:
            raise
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"mock-server: {where}{exc.strerror or exc}", file=sys.stderr)
        return 2


def validate(args: argparse.Namespace) -> int:
    from mock_server.lint import validate_spec_file

    sources = args.files or [DEFAULT_SPEC_DIR]  # a directory stands for its specs
    files: list[Path] = [_relative(f) for p in sources for f in (_spec_files(p) if p.is_dir() else [p])]
    missing = [f for f in files if not f.is_file()]
    if missing:
        raise SettingsError(f"no such file: {', '.join(map(str, missing))}")
    if args.fixtures != DEFAULT_FIXTURES_DIR and not args.fixtures.is_dir():
        raise SettingsError(f"--fixtures {args.fixtures}: no such directory")
    found = 0
    for path in files:  # a file that can't be parsed at all raises SpecError: exit 2
        problems = validate_spec_file(path)
        found += _report(path, problems, strict=args.strict)
        if not any(not p.warning for p in problems):
            found += _check_fixture_of(path, args.fixtures)
    return 1 if found else 0


def _check_fixture_of(spec_path: Path, fixtures_dir: Path) -> int:
    """Check the fixture file `serve --fixtures DIR` would load for this spec, when it has one; problems found."""
    from mock_server.dataset import load_dataset
    from mock_server.errors import FixtureError
    from mock_server.model import ApiModel
    from mock_server.specs import Spec

    spec = Spec.from_file(spec_path)
    fixture = fixtures_dir / f"{spec.name}.json"
    if "x-mock-api" not in spec.document or not fixture.is_file():
        return 0
    try:
        load_dataset(fixture, ApiModel.from_spec(spec))  # the spec's schemas and every business rule
        problems: list[Problem] = []
    except FixtureError as exc:
        problems = exc.problems
    return _report(_relative(fixture), problems)


def _spec_files(spec_dir: Path) -> list[Path]:
    """The specs of a directory; SettingsError (one sentence) when it does not exist."""
    from mock_server.specs import discover_specs

    if not spec_dir.is_dir():
        raise SettingsError(f"{spec_dir}: spec directory does not exist")
    return discover_specs(spec_dir)


def fixtures(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from mock_server.dataset import load_dataset
    from mock_server.errors import FixtureError
    from mock_server.progress import progress_bar
    from mock_server.streaming import write_generated

    if args.fixtures_command is None:
        parser.parse_args(["fixtures", "--help"])
        return 2
    try:
        models = _fixture_models(args.spec_dir, args.api)
    except (MockServerError, KeyboardInterrupt, OSError):
        raise
    except Exception as exc:  # a spec the loaders choke on: say what `validate` says about it
        if args.verbose:
            raise
        raise _spec_failure(_spec_files(args.spec_dir), exc) from None
    if args.fixtures_command == "generate":
        if args.out.exists() and not args.out.is_dir():
            raise SettingsError(f"--out {args.out}: not a directory (fixtures are written as DIR/<api>.json)")
        args.out.mkdir(parents=True, exist_ok=True)
        for name in models:
            with progress_bar(sys.stderr):
                written = write_generated(  # streamed: memory flat in --count, bytes as dump_dataset's
                    models[name],
                    args.out,
                    seed=args.seed,
                    count=args.count,
                    reference_date=args.reference_date or DEFAULT_REFERENCE_DATE,
                )
            print(f"wrote {written}", flush=True)
        return 0
    if not args.dir.is_dir():
        raise SettingsError(f"no such directory: {args.dir}")
    found = 0
    for name, model in models.items():
        path = args.dir / f"{name}.json"
        if not path.exists():
            hint = f"serve --fixtures DIR needs a file per API (fixtures generate --api {name} --out DIR)"
            found += _report(path, [Problem(str(path), "", f"missing: {hint}")])
            continue
        try:
            load_dataset(path, model)  # checks the spec schemas and every business rule
            problems: list[Problem] = []
        except FixtureError as exc:
            problems = exc.problems
        found += _report(path, problems)
    return 1 if found else 0


def _fixture_models(spec_dir: Path, selected: list[str]) -> dict[str, ApiModel]:
    """The models `fixtures generate/check` work on: every spec of spec_dir, or the --api values (an API name of
    spec_dir or a spec file's path)."""
    from mock_server.model import ApiModel
    from mock_server.specs import find_spec, load_specs

    if not selected:
        return {name: ApiModel.from_spec(spec) for name, spec in load_specs(_spec_files(spec_dir)).items()}
    models = {}
    for value in selected:
        model = ApiModel.from_spec(find_spec(value, [spec_dir]))
        models[model.name] = model
    return models


RELOAD_PATTERNS = ["*.py", "*.yaml", "*.yml", "*.json"]
"""Files whose change restarts `serve --reload`: code, specs and fixtures."""


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    settings = settings_from_args(args)
    _configure_logging(args)
    _check_port_free(settings.host, settings.port)  # before any URL is printed
    if args.workers is not None:
        if args.reload:
            raise SettingsError("--workers and --reload cannot be combined")
        from mock_server.workers import serve_workers

        return serve_workers(args, settings)
    if args.reload:
        os.environ["MOCK_SERVER_ARGV"] = "\x1f".join(sys.argv[1:] if args.reload else [])
        print("serve --reload: restarting when a spec, fixture or code file changes", flush=True)
        uvicorn.run(
            "mock_server.cli:reload_factory",
            factory=True,
            reload=True,
            host=settings.host,
            port=settings.port,
            access_log=False,
            log_level=args.log_level,
            reload_dirs=[
                *(str(p if p.is_dir() else p.parent) for p in settings.spec_sources),
                str(settings.fixtures_dir),
                str(Path(__file__).parent),
            ],
            reload_includes=RELOAD_PATTERNS,
        )
        return 0
    app = _build_app(args, settings, reload=False)
    try:
        uvicorn.run(
            app,
            host=settings.host,
            port=settings.port,
            access_log=False,
            log_level=args.log_level,
            timeout_graceful_shutdown=3,
        )
    finally:
        if app.runtime.state is not None:
            app.runtime.state.close()  # checkpoints the write-ahead log: the .db alone holds every write
    return 0


def reload_factory() -> Any:
    """uvicorn --reload imports the app by name in each new worker: rebuild it from the original command line and
    print the per-API lines again (a changed spec may have changed them)."""
    args = build_parser().parse_args(os.environ.get("MOCK_SERVER_ARGV", "serve").split("\x1f"))
    _configure_logging(args)
    return _build_app(args, settings_from_args(args), reload=True)


def _build_app(args: argparse.Namespace, settings: Settings, *, reload: bool) -> Any:
    """Load and check every spec and fixture (before the port is bound), build the app, print the banner."""
    from mock_server.app import build_runtime, create_app
    from mock_server.config import check_auth_apis
    from mock_server.progress import progress_bar

    generating = settings.seed is not None or settings.count is not None
    try:
        with progress_bar(sys.stderr) if generating else contextlib.nullcontext():
            runtime = build_runtime(settings)  # every spec/fixture problem surfaces here
        app = create_app(settings, runtime)
    except (MockServerError, KeyboardInterrupt, OSError):
        raise
    except Exception as exc:  # a spec the loaders choke on: say what `validate` says about it
        if args.verbose:
            raise
        raise _spec_failure(_served_spec_files(settings), exc) from None
    if settings.auth.apis:
        config = _config_path(args.config)
        known = set(runtime.models) if not settings.apis else _all_api_names(settings)
        check_auth_apis(settings.auth.apis, known, config or DEFAULT_CONFIG)
    gc.freeze()  # the loaded records live as long as the process: keep the collector from rescanning them
    _print_banner(settings, tuple(runtime.models), reload=reload, config=_config_path(args.config))
    if runtime.store.orphaned_writes:
        print(
            f"warning: {runtime.store.orphaned_writes} write(s) in {settings.state_file} match no fixture record "
            "and are not served",
            file=sys.stderr,
        )
    return app


def _spec_failure(paths: list[Path], exc: Exception) -> MockServerError:
    """For specs the loaders choke on: the problems `validate` finds in them, or one sentence naming the failure."""
    from mock_server.lint import validate_spec_file

    problems: list[Problem] = []
    for path in paths:
        with contextlib.suppress(MockServerError):
            problems += [p for p in validate_spec_file(path) if not p.warning]
    if problems:
        return ProblemListError(problems)
    detail = " ".join(str(exc).split())
    return SettingsError(
        f"the specs cannot be used: {type(exc).__name__}: {detail[:300]} (run `mock-server validate`, "
        "or serve with --verbose for the traceback)"
    )


def _all_api_names(settings: Settings) -> set[str]:
    """The API names of every spec, also those --api did not select."""
    from mock_server.specs import Spec

    names = set()
    for path in _served_spec_files(settings):
        with contextlib.suppress(MockServerError):
            names.add(Spec.from_file(path).name)
    return names


def _served_spec_files(settings: Settings) -> list[Path]:
    """The spec files `serve` loads: every spec of its directories, and the files it was given."""
    sources: tuple[Path, ...] = getattr(settings, "spec_sources", (settings.spec_dir,))
    return [path for source in sources for path in (_spec_files(source) if source.is_dir() else [source])]


def _check_port_free(host: str, port: int) -> None:
    """SettingsError naming host and port when nothing can listen there (in use, not an address of this machine)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            sock.bind((host.strip("[]"), port))
        except OSError as exc:
            reason = "already in use" if exc.errno == errno.EADDRINUSE else (exc.strerror or str(exc))
            hint = "; pick another with --port" if exc.errno == errno.EADDRINUSE else ""
            raise SettingsError(f"cannot listen on {host}:{port}: {reason}{hint}") from None


def _configure_logging(args: argparse.Namespace) -> None:
    """Log lines at --log-level on stderr; one access line per request on stdout unless --quiet."""
    logging.basicConfig(level=args.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    access = logging.getLogger("mock_server.access")
    access.propagate = False
    access.handlers.clear()
    if args.quiet:
        access.setLevel(logging.CRITICAL + 1)
        return
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(message)s"))
    access.addHandler(handler)
    access.setLevel(logging.INFO)


def settings_from_args(args: argparse.Namespace) -> Settings:
    """Settings from serve's options and the config file; SettingsError on any inconsistency."""
    config = _read_config(args.config)
    config_path = _config_path(args.config)
    if config_path is not None:
        from mock_server.config import check_config

        check_config(config, config_path)
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
    from mock_server.faults.rules import ResilienceConfig, RuleError

    try:
        resilience = ResilienceConfig.from_config(config)
    except RuleError as exc:
        raise SettingsError(f"{config_path or DEFAULT_CONFIG}: {exc}") from None
    return Settings(
        spec_paths=_serve_spec_paths(args, config),
        fixtures_dir=args.fixtures or DEFAULT_FIXTURES_DIR,
        generate_missing_fixtures=args.fixtures is None,
        apis=tuple(args.api),
        root=args.root,
        seed=args.seed,
        count=args.count,
        locale=args.locale,
        dataset_cache=args.dataset_cache,
        reference_date=args.reference_date or DEFAULT_REFERENCE_DATE,
        state_file=args.state,
        latency_ms=args.latency or (0, 0),
        validate_responses=args.validate_responses,
        host=host,
        port=args.port or _port(str(config.get("serve", {}).get("port", DEFAULT_PORT))),
        admin_token=admin_token,
        auth=auth,
        journal_size=args.journal_size,
        resilience=resilience,
        fault_timeout_s=args.fault_timeout,
        fault_slow_ms=args.fault_slow,
    )


def _config_path(given: Path | None) -> Path | None:
    """The config file serve reads: --config, else ./mock-server.toml if there is one."""
    if given is not None:
        return given
    return DEFAULT_CONFIG if DEFAULT_CONFIG.is_file() else None


def _serve_spec_paths(args: argparse.Namespace, config: dict[str, Any]) -> tuple[Path, ...]:
    """The specs serve loads: SPEC_OR_DIR arguments and --spec-dir, else mock-server.toml's `specs`, else none (the
    bundled ones); --bundled adds the bundled vendor APIs."""
    from mock_server.specs import config_spec_paths

    paths = (*args.specs, *args.spec_dirs)
    if not paths and "specs" in config:
        paths = config_spec_paths(args.config or DEFAULT_CONFIG, config["specs"])
    if args.bundled and paths:
        paths = (*paths, DEFAULT_SPEC_DIR)
    return tuple(paths)


def _read_config(path: Path | None) -> dict[str, Any]:
    path = _config_path(path)
    if path is None:
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SettingsError(f"{path}: cannot read config: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}: not valid TOML: {exc}") from None


def _print_banner(settings: Settings, apis: Sequence[str], *, reload: bool, config: Path | None = None) -> None:
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    origin = f"http://{host}:{settings.port}"
    for name in apis:
        base = origin if settings.root else f"{origin}/{name}"
        print(f"{name:<12} {base}  docs {base}/ui/", flush=True)
    print(f"{'config':<12} " + (f"{config}" if config else f"none (no ./{DEFAULT_CONFIG}; --config FILE)"), flush=True)
    state = f"writes persisted in {settings.state_file}" if settings.state_file else "writes kept in memory"
    admin = "admin token required" if settings.admin_token else "no admin token (loopback only)"
    print(
        f"admin        {origin}/__admin/apis  ({admin}); {state}; Ctrl-C stops"
        + (" (reloading on change)" if reload else ""),
        flush=True,
    )


def _report(path: Path, problems: list[Problem], *, strict: bool = False) -> int:
    """Print one line per problem, or `path: OK`; return the number of problems that count (warnings only with
    strict, and then printed as errors)."""
    if strict:
        problems = [Problem(p.file, p.pointer, p.message) for p in problems]
    for problem in problems:
        print(problem)
    counted = sum(not p.warning for p in problems)
    if not counted:
        print(f"{path}: OK" + (f" ({len(problems)} warning(s))" if problems else ""))
    return counted


def _relative(path: Path) -> Path:
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


def _workers(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= 64:
        raise argparse.ArgumentTypeError(f"must be a number of processes from 1 to 64, got {value!r}")
    return int(value)


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


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, got {value!r}")
    return seconds


def _latency(value: str) -> tuple[int, int]:
    low, _, high = value.partition("-")
    try:
        lo, hi = int(low), int(high or low)
    except ValueError:
        raise argparse.ArgumentTypeError(f"latency must be MS or MIN-MAX in milliseconds, got {value!r}") from None
    if lo < 0 or hi < lo:
        raise argparse.ArgumentTypeError(f"latency range must satisfy 0 <= MIN <= MAX, got {value!r}")
    return lo, hi
