"""This module contains run_contract: Schemathesis' engine driven against the in-process mock or a real server."""

from __future__ import annotations

import copy
import dataclasses
import logging
import os
import random
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

from mock_server.contract.collect import Collector, Masker, describe_network_error
from mock_server.contract.options import (
    READ_ONLY_METHODS,
    ContractOptions,
    Credentials,
    credential_variables,
    shell_references,
)
from mock_server.contract.report import Report
from mock_server.errors import PROBLEM_TYPE_BASE, SettingsError
from mock_server.redact import MASK, SECRET_HEADER_NAMES, SECRET_PARAM_NAMES, mask_url_password
from mock_server.settings import DEFAULT_HOST, DEFAULT_PORT
from mock_server.specs import Spec, looks_like_path
from mock_server.specs import find_spec as find_named_spec

if TYPE_CHECKING:
    from schemathesis.engine.events import EngineEvent
    from schemathesis.schemas import BaseSchema

    from mock_server.app import MockApp
    from mock_server.drift.contract_drift import ContractDrift

# Schemathesis masks every name containing "key", "auth", "session", ... which turns PlanDocket's `event_key` filter
# into `event_key=[Filtered]` in reproducing curls. Mask the credentials, by exact name, and nothing else.
SANITIZED_NAMES = sorted(SECRET_PARAM_NAMES | SECRET_HEADER_NAMES)
# Schemathesis replaces an empty marker list by its defaults; this marker only matches names already listed.
SANITIZED_MARKERS = ["authorization"]


class Display(Protocol):
    """A live display of a run (contract.progress.RunProgress): a context manager fed every engine event."""

    def __enter__(self) -> Any: ...
    def __exit__(self, *exc: object) -> None: ...
    def handle(self, event: EngineEvent) -> None: ...


def run_contract(options: ContractOptions, progress: Callable[[int], Display | None] | None = None) -> Report:
    """Check one API against its spec and collect every violation.

    A KeyboardInterrupt (Ctrl-C; `contract` turns SIGTERM into one) ends the run early: the Report then has
    `interrupted` set and counts what had run.

    Args:
        options: the API, the target (None: the in-process mock), credentials and limits.
        progress: given the number of operations, a live display of the run, or None for none.

    Example:
        report = run_contract(ContractOptions(api="printlounge", max_examples=10))
        assert report.exit_code == 0, render_text(report)
    """
    spec = find_spec(options)
    credentials = options.credentials
    if options.in_process:
        credentials = credentials.fill(Credentials.generate())
    else:
        _require_credentials(options, spec)
    references = shell_references(options, credentials)
    masker = Masker((*options.secrets(), *credentials.values(), *references))
    with _masked_logs(masker), _scratch_hypothesis_home():
        return _run(options, spec, credentials, masker, references, progress)


def _run(
    options: ContractOptions,
    spec: Spec,
    credentials: Credentials,
    masker: Masker,
    references: dict[str, str],
    progress: Callable[[int], Display | None] | None,
) -> Report:
    import schemathesis
    from schemathesis.config import SchemathesisConfig
    from schemathesis.core.result import Ok
    from schemathesis.engine import from_schema

    app: MockApp | None = None
    if options.in_process:
        app = _mock_app(options, spec, credentials)
        base_url = f"http://{DEFAULT_HOST}:{DEFAULT_PORT}{app.runtime.base_path(spec.name)}"
        target = "in-process mock"
    else:
        assert options.base_url is not None
        base_url = options.base_url
        target = mask_url_password(base_url)
        if reason := _unreachable(base_url):
            unreachable = f"cannot reach {target}: {masker(reason)}"
            return Report(options.api, target, options.mode, operations=(), requests=0, unreachable=unreachable)

    config = SchemathesisConfig.from_dict(schemathesis_config(options, spec, credentials, base_url))
    schema = schemathesis.openapi.from_dict(copy.deepcopy(spec.document), config=config)
    if app is not None:
        schema.app = app
    selected: BaseSchema = schema.include(method=list(READ_ONLY_METHODS)) if options.read_only else schema
    operations = tuple(result.ok().label for result in selected.get_all_operations() if isinstance(result, Ok))
    collector = Collector(
        masker,
        secured=secured_operations(spec) & set(operations),
        references=references,
        secured_kinds=scheme_kinds(spec),
        target_is_mock=lambda: app is None and is_mock_server(base_url, spec.name),
    )
    drift = _drift(options, spec, credentials)
    if drift is not None:
        collector.on_response = drift.observe
    display = progress(len(operations)) if progress is not None else None
    started = time.perf_counter()
    try:
        with _quiet_mock() if app is not None else nullcontext(), display or nullcontext():
            for event in from_schema(selected).execute():
                collector.handle(event)
                if display is not None:
                    display.handle(event)
    except KeyboardInterrupt:  # between the engine's events, outside its own handling: the same as inside it
        collector.interrupted = True
    if drift is not None:
        drift.write()
    report = collector.report(options, target, operations, config.seed, time.perf_counter() - started)
    return dataclasses.replace(report, interrupted="SIGINT") if collector.interrupted else report


def _drift(options: ContractOptions, spec: Spec, credentials: Credentials) -> ContractDrift | None:
    """The drift report of this run (--drift-report), checked writable before anything is sent."""
    if options.drift_report is None:
        return None
    from mock_server.drift.contract_drift import ContractDrift

    secrets = (*options.secrets(), *credentials.values())
    drift = ContractDrift(spec, options.base_url, options.drift_report, options.drift_markdown, secrets)
    drift.check_writable()
    return drift


def find_spec(options: ContractOptions) -> Spec:
    """The spec options.api names (an API of options.spec_dir, or a spec file's path); SettingsError naming the
    known APIs otherwise."""
    if not looks_like_path(options.api) and not options.spec_dir.is_dir():
        what = "not a directory" if options.spec_dir.exists() else "no such directory"
        raise SettingsError(f"{options.spec_dir}: {what} (the spec directory; give another with --spec-dir)")
    return find_named_spec(options.api, [options.spec_dir])


def schemathesis_config(
    options: ContractOptions, spec: Spec, credentials: Credentials, base_url: str
) -> dict[str, Any]:
    """The Schemathesis configuration (the schemathesis.toml keys) of one run."""
    auth = {name: entry for name, scheme in security_schemes(spec).items() if (entry := credentials.for_scheme(scheme))}
    phases: dict[str, Any] = {}
    if options.read_only:
        # The coverage phase probes each path with undeclared methods (PUT, POST, DELETE, ...): keep the safe one.
        phases["coverage"] = {"unexpected-methods": ["OPTIONS"]}
    config: dict[str, Any] = {
        "base-url": base_url,
        "workers": options.workers,
        "generation": {
            "mode": options.mode,
            "max-examples": options.max_examples,
            # no example database or crash cache: nothing of the run is written except the JUnit file
            "database": "none",
        },
        "cache": {"enabled": False},
        "phases": phases,
        "output": {
            "sanitization": {
                "keys-to-sanitize": SANITIZED_NAMES,
                "sensitive-markers": SANITIZED_MARKERS,
                "replacement": MASK,
            }
        },
    }
    config["seed"] = options.seed if options.seed is not None else random.randrange(2**32)  # short enough to retype
    if auth:
        config["auth"] = {"openapi": auth}
    if options.headers:
        config["headers"] = dict(options.headers)
    return config


def _require_credentials(options: ContractOptions, spec: Spec) -> None:
    """A real server checked without credentials answers 401 to everything: say so up front."""
    schemes = security_schemes(spec)
    if not secured_operations(spec) or any(options.credentials.for_scheme(s) for s in schemes.values()):
        return
    carriers = {str(s.get("name", "")).lower() for s in schemes.values() if s.get("in") == "header"} | {"authorization"}
    if carriers & {name.lower() for name in options.headers}:
        return
    token_var, apikey_var = credential_variables(spec.name)
    raise SettingsError(
        f"{spec.name} requires credentials: give --token or --apikey, or set {token_var} or {apikey_var}"
    )


def _mock_app(options: ContractOptions, spec: Spec, credentials: Credentials) -> MockApp:
    """The mock of one API, answering only this run's credentials and leaving the judging of responses to
    Schemathesis (connexion's own response validation would turn a bad body into a 500)."""
    from mock_server.app import create_app
    from mock_server.auth import ApiAuth, AuthConfig
    from mock_server.settings import Settings

    auth = AuthConfig(apis={spec.name: ApiAuth(credentials=frozenset(credentials.values()))})
    settings = Settings(spec_paths=(spec.path,), apis=(spec.name,), validate_responses=False, auth=auth)
    return create_app(settings)


@contextmanager
def _scratch_hypothesis_home() -> Iterator[None]:
    """Hypothesis caches the constants of local source files in ./.hypothesis; a contract run writes nothing to
    the working directory but the JUnit file it was asked for."""
    from hypothesis.configuration import set_hypothesis_home_dir

    if os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
        yield
        return
    with tempfile.TemporaryDirectory(prefix="mock-server-contract-") as scratch:
        set_hypothesis_home_dir(scratch)
        try:
            yield
        finally:
            set_hypothesis_home_dir(None)


@contextmanager
def _quiet_mock() -> Iterator[None]:
    """Connexion logs every 4xx/5xx it renders; in a contract run they are the expected answers (the report has
    the violations), so keep them off the console."""
    logger = logging.getLogger("connexion.middleware.exceptions")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


@contextmanager
def _masked_logs(mask: Masker) -> Iterator[None]:
    """Mask the run's secrets in every log record created meanwhile: at DEBUG/INFO, urllib3 and httpx log request
    URLs, e-guma's `apikey` included, wherever an embedding program sends its logs."""
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        message = record.getMessage()
        masked = mask(message)
        if masked != message:
            record.msg, record.args = masked, None
        return record

    logging.setLogRecordFactory(factory)
    try:
        yield
    finally:
        logging.setLogRecordFactory(previous)


def is_mock_server(base_url: str, api: str) -> bool:
    """Whether base_url is served by a mock-server: its admin API lists this API at that URL, or answers with
    mock-server's own problem type (an admin token is set)."""
    import httpx

    parts = urlsplit(base_url)
    try:
        response = httpx.get(f"{parts.scheme}://{parts.netloc}/__admin/apis", timeout=5.0)
        body = response.json()
    except (httpx.HTTPError, ValueError):
        return False
    if response.status_code == 200 and isinstance(body, list):
        return any(
            isinstance(entry, dict)
            and entry.get("name") == api
            and str(entry.get("base_url", "")).rstrip("/") == base_url.rstrip("/")
            for entry in body
        )
    return isinstance(body, dict) and str(body.get("type", "")).startswith(PROBLEM_TYPE_BASE)


def scheme_kinds(spec: Spec) -> frozenset[str]:
    """`bearer` and/or `apikey`: the kinds of credential the spec's security schemes take."""
    kinds = set()
    for scheme in security_schemes(spec).values():
        kind = str(scheme.get("type", "")).lower()
        kinds.add("bearer" if kind == "http" else kind)
    return frozenset(kinds)


def _unreachable(base_url: str) -> str | None:
    """Why nothing answers at base_url, or None when something does (any status will do)."""
    import httpx

    try:
        httpx.get(base_url, timeout=10.0)
    except httpx.TransportError as exc:
        return describe_network_error(exc)
    return None


def security_schemes(spec: Spec) -> dict[str, dict[str, Any]]:
    """The spec's securitySchemes by name."""
    components = spec.document.get("components") or {}
    schemes = components.get("securitySchemes") or {}
    return {str(name): scheme for name, scheme in schemes.items() if isinstance(scheme, dict)}


def secured_operations(spec: Spec) -> frozenset[str]:
    """Labels (`GET /path`) of the operations that require credentials."""
    default: list[Any] = spec.document.get("security") or []
    secured = set()
    for path, method, operation in spec.operations():
        requirements: list[Any] = operation.get("security", default) or []
        if any(requirements):
            secured.add(f"{method.upper()} {path}")
    return frozenset(secured)
