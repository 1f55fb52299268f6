"""This module contains run_contract: Schemathesis' engine driven against the in-process mock or a real server."""

from __future__ import annotations

import copy
import logging
import os
import random
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import TYPE_CHECKING, Any

from mock_server.contract.collect import Collector, Masker, describe_network_error
from mock_server.contract.options import READ_ONLY_METHODS, ContractOptions, Credentials
from mock_server.contract.report import Report
from mock_server.errors import SettingsError
from mock_server.redact import MASK, SECRET_HEADER_NAMES, SECRET_PARAM_NAMES
from mock_server.settings import DEFAULT_HOST, DEFAULT_PORT
from mock_server.specs import Spec, discover_specs

if TYPE_CHECKING:
    from schemathesis.schemas import BaseSchema

    from mock_server.app import MockApp

# Schemathesis masks every name containing "key", "auth", "session", ... which turns PlanDocket's `event_key` filter
# into `event_key=[Filtered]` in reproducing curls. Mask the credentials, by exact name, and nothing else.
SANITIZED_NAMES = sorted(SECRET_PARAM_NAMES | SECRET_HEADER_NAMES)
# Schemathesis replaces an empty marker list by its defaults; this marker only matches names already listed.
SANITIZED_MARKERS = ["authorization"]


def run_contract(options: ContractOptions) -> Report:
    """Check one API against its spec and collect every violation.

    Args:
        options: the API, the target (None: the in-process mock), credentials and limits.

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
    masker = Masker((*options.secrets(), *credentials.values()))
    with _masked_logs(masker), _scratch_hypothesis_home():
        return _run(options, spec, credentials, masker)


def _run(options: ContractOptions, spec: Spec, credentials: Credentials, masker: Masker) -> Report:
    import schemathesis
    from schemathesis.config import SchemathesisConfig
    from schemathesis.core.result import Ok
    from schemathesis.engine import from_schema

    app: MockApp | None = None
    if options.in_process:
        app = _mock_app(options, credentials)
        base_url = f"http://{DEFAULT_HOST}:{DEFAULT_PORT}{app.runtime.base_path(options.api)}"
        target = "in-process mock"
    else:
        assert options.base_url is not None
        base_url = options.base_url
        target = masker(base_url)
        if reason := _unreachable(base_url):
            unreachable = masker(f"cannot reach {base_url}: {reason}")
            return Report(options.api, target, options.mode, operations=(), requests=0, unreachable=unreachable)

    config = SchemathesisConfig.from_dict(schemathesis_config(options, spec, credentials, base_url))
    schema = schemathesis.openapi.from_dict(copy.deepcopy(spec.document), config=config)
    if app is not None:
        schema.app = app
    selected: BaseSchema = schema.include(method=list(READ_ONLY_METHODS)) if options.read_only else schema
    operations = tuple(result.ok().label for result in selected.get_all_operations() if isinstance(result, Ok))
    collector = Collector(masker, secured=secured_operations(spec) & set(operations))
    started = time.perf_counter()
    with _quiet_mock() if app is not None else nullcontext():
        for event in from_schema(selected).execute():
            collector.handle(event)
    return collector.report(options, target, operations, config.seed, time.perf_counter() - started)


def find_spec(options: ContractOptions) -> Spec:
    """The spec of options.api; SettingsError naming the known APIs otherwise."""
    specs = {s.name: s for s in (Spec.from_file(p) for p in discover_specs(options.spec_dir))}
    if options.api not in specs:
        raise SettingsError(f"unknown API {options.api!r}; known: {', '.join(sorted(specs))}")
    return specs[options.api]


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
    prefix = f"MOCK_SERVER_{options.api.upper()}"
    raise SettingsError(
        f"{options.api} requires credentials: give --token or --apikey, or set {prefix}_TOKEN or {prefix}_APIKEY"
    )


def _mock_app(options: ContractOptions, credentials: Credentials) -> MockApp:
    """The mock of one API, answering only this run's credentials and leaving the judging of responses to
    Schemathesis (connexion's own response validation would turn a bad body into a 500)."""
    from mock_server.app import create_app
    from mock_server.auth import ApiAuth, AuthConfig
    from mock_server.settings import Settings

    auth = AuthConfig(apis={options.api: ApiAuth(credentials=frozenset(credentials.values()))})
    return create_app(Settings(spec_dir=options.spec_dir, apis=(options.api,), validate_responses=False, auth=auth))


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
