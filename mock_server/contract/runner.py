"""This module contains run_contract: Schemathesis' engine driven against the in-process mock or a real server."""

from __future__ import annotations

import copy
import json
import logging
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, quote_plus

from mock_server.contract.options import READ_ONLY_METHODS, ContractOptions, Credentials
from mock_server.contract.report import Failure, Report
from mock_server.errors import SettingsError
from mock_server.redact import MASK, SECRET_HEADER_NAMES, SECRET_PARAM_NAMES, redact_text
from mock_server.settings import DEFAULT_HOST, DEFAULT_PORT
from mock_server.specs import Spec, discover_specs

if TYPE_CHECKING:
    from schemathesis.core.failures import Failure as CheckFailure
    from schemathesis.core.transport import Response
    from schemathesis.engine.events import EngineEvent
    from schemathesis.engine.recorder import ScenarioRecorder

    from mock_server.app import MockApp

# Schemathesis masks every name containing "key", "auth", "session", ... which hides PlanDocket's `event_key` filter
# and printlounge's `auth_micropayment` in reproducing curls. Mask the credentials by exact name, nothing else.
SANITIZED_NAMES = sorted(SECRET_PARAM_NAMES | SECRET_HEADER_NAMES)
# Schemathesis replaces an empty marker list by its defaults; this marker only matches names already listed.
SANITIZED_MARKERS = ["authorization"]
AUTH_REJECTIONS = frozenset({401, 403})


def run_contract(options: ContractOptions) -> Report:
    """Check one API against its spec and collect every violation.

    Args:
        options: the API, the target (None: the in-process mock), credentials and limits.

    Example:
        report = run_contract(ContractOptions(api="printlounge", max_examples=10))
        assert report.exit_code == 0, render_text(report)
    """
    import schemathesis
    from schemathesis.config import SchemathesisConfig
    from schemathesis.engine import from_schema

    spec = find_spec(options)
    credentials = options.credentials
    app: MockApp | None = None
    if options.in_process:
        credentials = credentials.fill(Credentials.generate())
        app = _mock_app(options, credentials)
        base_url = f"http://{DEFAULT_HOST}:{DEFAULT_PORT}{app.runtime.base_path(options.api)}"
    else:
        assert options.base_url is not None
        base_url = options.base_url
        _require_credentials(options, spec)
    masker = _Masker((*options.secrets(), *credentials.values()))
    target = "in-process mock" if app is not None else masker(base_url)
    if app is None and (reason := _unreachable(base_url)):
        return Report(api=options.api, target=target, mode=options.mode, operations=(),
                      requests=0, unreachable=masker(f"cannot reach {base_url}: {reason}"))

    config = SchemathesisConfig.from_dict(schemathesis_config(options, spec, credentials, base_url))
    schema = schemathesis.openapi.from_dict(copy.deepcopy(spec.document), config=config)
    if app is not None:
        schema.app = app
    if options.read_only:
        schema = schema.include(method=list(READ_ONLY_METHODS))
    operations = tuple(result.ok().label for result in schema.get_all_operations() if result.ok() is not None)
    collector = _Collector(masker, secured=_secured_operations(spec, operations))
    started = time.perf_counter()
    with _quiet_mock() if app is not None else _nothing():
        for event in from_schema(schema).execute():
            collector.handle(event)
    return collector.report(options, target, operations, config.seed, time.perf_counter() - started)


def find_spec(options: ContractOptions) -> Spec:
    """The spec of options.api; SettingsError naming the known APIs otherwise."""
    specs = {s.name: s for s in (Spec.from_file(p) for p in discover_specs(options.spec_dir))}
    if options.api not in specs:
        raise SettingsError(f"unknown API {options.api!r}; known: {', '.join(sorted(specs))}")
    return specs[options.api]


def schemathesis_config(options: ContractOptions, spec: Spec, credentials: Credentials, base_url: str
                        ) -> dict[str, Any]:
    """The Schemathesis configuration (the schemathesis.toml keys) of one run."""
    schemes = (spec.document.get("components") or {}).get("securitySchemes") or {}
    auth = {name: entry for name, scheme in schemes.items() if (entry := credentials.for_scheme(scheme))}
    phases: dict[str, Any] = {}
    if options.read_only:
        # The coverage phase probes each path with undeclared methods (PUT, POST, DELETE, ...): keep the safe one.
        phases["coverage"] = {"unexpected-methods": ["OPTIONS"]}
    config: dict[str, Any] = {
        "base-url": base_url,
        "workers": options.workers,
        "generation": {"mode": options.mode, "max-examples": options.max_examples,
                       # no example database or crash cache: nothing of the run is written except the JUnit file
                       "database": "none"},
        "cache": {"enabled": False},
        "phases": phases,
        "output": {"sanitization": {"keys-to-sanitize": SANITIZED_NAMES, "sensitive-markers": SANITIZED_MARKERS,
                                    "replacement": MASK}},
    }
    config["seed"] = options.seed if options.seed is not None else random.randrange(2**32)  # short enough to retype
    if auth:
        config["auth"] = {"openapi": auth}
    if options.headers:
        config["headers"] = dict(options.headers)
    return config


def _require_credentials(options: ContractOptions, spec: Spec) -> None:
    """A real server checked without credentials answers 401 to everything: say so up front."""
    schemes = (spec.document.get("components") or {}).get("securitySchemes") or {}
    requirements = [r for _, _, op in spec.operations() for r in op.get("security", spec.document.get("security", []))]
    if not any(requirements) or any(options.credentials.for_scheme(s) for s in schemes.values()):
        return
    carriers = {str(s.get("name", "")).lower() for s in schemes.values() if s.get("in") == "header"} | {"authorization"}
    if carriers & {name.lower() for name in options.headers}:
        return
    prefix = f"MOCK_SERVER_{options.api.upper()}"
    raise SettingsError(f"{options.api} requires credentials: give --token or --apikey, or set {prefix}_TOKEN or "
                        f"{prefix}_APIKEY")


def _mock_app(options: ContractOptions, credentials: Credentials) -> MockApp:
    """The mock of one API, answering only this run's credentials and leaving the judging of responses to
    Schemathesis (connexion's own response validation would turn a bad body into a 500)."""
    from mock_server.app import create_app
    from mock_server.auth import ApiAuth, AuthConfig
    from mock_server.settings import Settings

    auth = AuthConfig(apis={options.api: ApiAuth(credentials=frozenset(credentials.values()))})
    return create_app(Settings(spec_dir=options.spec_dir, apis=(options.api,), validate_responses=False, auth=auth))


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
def _nothing() -> Iterator[None]:
    yield


def _unreachable(base_url: str) -> str | None:
    """Why nothing answers at base_url, or None when something does (any status will do)."""
    import httpx

    try:
        httpx.get(base_url, timeout=10.0)
    except httpx.TransportError as exc:
        return _reason(exc)
    return None


def _reason(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    for marker in ("Connection refused", "Name or service not known", "timed out", "Temporary failure"):
        if marker.lower() in text.lower():
            return marker.lower()
    return text.splitlines()[0][:200]


def _secured_operations(spec: Spec, labels: tuple[str, ...]) -> frozenset[str]:
    """Labels of the operations that require credentials."""
    secured = set()
    default = spec.document.get("security") or []
    for path, method, operation in spec.operations():
        label = f"{method.upper()} {path}"
        if label in labels and any(requirement for requirement in operation.get("security", default)):
            secured.add(label)
    return frozenset(secured)


class _Masker:
    """Masks known secret values (raw and URL-encoded) in any text."""

    def __init__(self, secrets: tuple[str, ...]) -> None:
        variants = {v for s in secrets for v in (s, quote(s, safe=""), quote_plus(s), json.dumps(s)[1:-1])}
        self._secrets = tuple(variants)

    def __call__(self, text: str) -> str:
        return redact_text(text, self._secrets)


@dataclass
class _Entry:
    check: str
    failure: CheckFailure
    curl: str
    response: Response | None


@dataclass
class _Collector:
    """Turns the engine's event stream into a Report."""

    mask: _Masker
    secured: frozenset[str]
    requests: int = 0
    status_counts: dict[int, int] = field(default_factory=dict)
    per_operation: dict[str, dict[int, int]] = field(default_factory=dict)
    entries: list[_Entry] = field(default_factory=list)
    extra: list[Failure] = field(default_factory=list)
    unreachable: str | None = None

    def handle(self, event: EngineEvent) -> None:
        from schemathesis.engine import StopReason, events

        if isinstance(event, (events.ScenarioFinished, events.FuzzScenarioFinished)):
            self._scenario(event.recorder)
        elif isinstance(event, events.NonFatalError):
            if _is_network_error(event.value):
                self.unreachable = self.unreachable or f"the server stopped answering: {_reason(event.value)}"
                return
            self.extra.append(Failure(operation=event.label, title=event.info.title, message=self.mask(
                event.info.message), severity="high", check="error"))
        elif isinstance(event, events.FatalError):
            raise event.exception
        elif isinstance(event, events.EngineFinished):
            if event.stop_reason == StopReason.SERVER_UNAVAILABLE:
                self.unreachable = self.unreachable or "the server stopped answering"
            for failure in event.failures:
                self._add("after_run", failure, "", None)

    def _scenario(self, recorder: ScenarioRecorder) -> None:
        from schemathesis.engine import Status

        for case_id, interaction in recorder.interactions.items():
            self.requests += 1
            node = recorder.cases.get(case_id)
            label = node.value.operation.label if node is not None else recorder.label
            if interaction.response is not None:
                status = interaction.response.status_code
                self.status_counts[status] = self.status_counts.get(status, 0) + 1
                counts = self.per_operation.setdefault(label, {})
                counts[status] = counts.get(status, 0) + 1
        for case_id, checks in recorder.checks.items():
            for check in checks:
                if check.status == Status.FAILURE and check.failure_info is not None:
                    failure = check.failure_info.failure
                    response = recorder.find_response(case_id=failure.case_id or case_id)
                    self._add(check.name, failure, check.failure_info.code_sample, response)

    def _add(self, check: str, failure: CheckFailure, curl: str, response: Response | None) -> None:
        for entry in self.entries:
            if entry.check == check and entry.failure == failure:
                if curl and len(curl) < len(entry.curl):  # keep the smallest reproduction
                    entry.failure, entry.curl, entry.response = failure, curl, response
                return
        self.entries.append(_Entry(check, failure, curl, response))

    def report(self, options: ContractOptions, target: str, operations: tuple[str, ...], seed: int | None,
               duration: float) -> Report:
        failures = [self._convert(entry) for entry in self.entries] + self.extra + self._coverage_failures()
        return Report(api=options.api, target=target, mode=options.mode, operations=operations,
                      requests=self.requests, failures=tuple(failures), seed=seed, duration_s=duration,
                      unreachable=self.unreachable, status_counts=dict(self.status_counts))

    def _convert(self, entry: _Entry) -> Failure:
        failure = entry.failure
        expected, got = describe(failure, entry.response)
        return Failure(operation=failure.operation or "(run)", title=failure.title, message=self.mask(failure.message),
                       severity=str(failure.severity), check=entry.check, code=failure.code,
                       expected=self.mask(expected), got=self.mask(got), curl=self.mask(entry.curl))

    def _coverage_failures(self) -> list[Failure]:
        """A run whose every answer is an auth rejection proves nothing: Schemathesis only warns about it."""
        found = []
        for label in sorted(self.secured):
            counts = self.per_operation.get(label, {})
            if counts and set(counts) <= AUTH_REJECTIONS:
                found.append(Failure(
                    operation=label, title="Every request was rejected as unauthenticated", severity="high",
                    check="missing_auth", message="No response to this operation was checked against its schema.",
                    expected="2xx answers to requests with the configured credentials (--token / --apikey or "
                             "MOCK_SERVER_<API>_TOKEN / _APIKEY)",
                    got=", ".join(f"{n} x {status}" for status, n in sorted(counts.items()))))
        if self.requests and not any(200 <= status < 300 for status in self.status_counts):
            found.append(Failure(
                operation="(run)", title="No request got a 2xx answer", severity="high", check="no_success",
                message="No success response was checked against the spec, so the run proves nothing.",
                expected="at least one 2xx response",
                got=", ".join(f"{n} x {status}" for status, n in sorted(self.status_counts.items()))))
        return found


def describe(failure: CheckFailure, response: Response | None) -> tuple[str, str]:
    """(expected, got) of a Schemathesis failure, in one line each."""
    from schemathesis.core.failures import reason_phrase

    status = f"{response.status_code} {reason_phrase(response.status_code)}" if response is not None else "no answer"
    first = next((line.strip() for line in failure.message.splitlines() if line.strip()), failure.title)
    if (defined := getattr(failure, "defined_status_codes", None)) is not None:
        return f"a documented status ({', '.join(map(str, defined))})", status
    if (missing := getattr(failure, "missing_headers", None)) is not None:
        return f"the response headers {', '.join(missing)}", f"{status} without them"
    if (types := getattr(failure, "defined_content_types", None)) is not None:
        return f"Content-Type {' or '.join(types)}", f"Content-Type {getattr(failure, 'content_type', '?')}"
    if hasattr(failure, "instance_path") and hasattr(failure, "instance"):
        return _describe_schema_error(failure, first, response)
    for name in ("allowed_statuses", "expected_statuses"):
        if (allowed := getattr(failure, name, None)) is not None:
            return f"one of {', '.join(map(str, allowed))}", status
    if type(failure).__name__ == "ServerError":
        return "no server error (5xx)", status
    if type(failure).__name__ == "IgnoredAuth":
        return "401 or 403 for a request without valid credentials", status
    if type(failure).__name__ == "UnsupportedMethodResponse":
        return "405 Method Not Allowed with an Allow header", status + (
            "" if response is None or "allow" in {k.lower() for k in response.headers} else " without Allow")
    return first, status


def _describe_schema_error(failure: Any, first: str, response: Response | None) -> tuple[str, str]:
    """A JSON Schema violation: the rule (and where the spec states it) against the value (and where it is)."""
    where = next((line.strip().rstrip(":")[len("Schema at "):] for line in failure.message.splitlines()
                  if line.strip().startswith("Schema at ")), "")
    value = json.dumps(failure.instance, ensure_ascii=False, default=str)
    keyword = str(failure.schema_path[-1]) if failure.schema_path else ""
    schema = getattr(failure, "schema", None) or {}
    at = f" ({where})" if where else ""
    by = f" by {where}" if where else ""
    if not failure.instance_path and response is not None and isinstance(failure.instance, str):
        # a response header: Schemathesis does not name it, its value does
        name = next((k for k, v in response.headers.items() if failure.instance in v), "header")
        rule = json.dumps({keyword: schema[keyword]}) if keyword in schema else first
        return f"{name}: {rule}{at}", f"{name}: {failure.instance} ({first})"
    pointer = "/" + "/".join(map(str, failure.instance_path))
    if keyword == "required":
        return f"{first.removesuffix(' is a required property')} present (required{by})", f"no such property at {pointer}"
    shown = value if len(value) <= 100 else value[:97] + "..."
    if keyword in schema:
        return f"{json.dumps({keyword: schema[keyword]}, ensure_ascii=False)[:200]}{at}", f"{shown} at {pointer}"
    return f"{first}{at}", f"{shown} at {pointer}"


def _is_network_error(exc: BaseException) -> bool:
    import requests

    return isinstance(exc, (requests.ConnectionError, requests.Timeout))
