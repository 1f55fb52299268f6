"""This module contains the Collector: Schemathesis' event stream turned into a Report of masked Failure values."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mock_server.contract.curl import SentRequest, curl_command
from mock_server.contract.options import ContractOptions
from mock_server.contract.report import Failure, Report
from mock_server.redact import redact_text, secret_variants

if TYPE_CHECKING:
    from schemathesis.core.failures import Failure as CheckFailure
    from schemathesis.core.transport import Response
    from schemathesis.engine.events import EngineEvent
    from schemathesis.engine.recorder import CheckNode, ScenarioRecorder

AUTH_REJECTIONS = frozenset({401, 403})
REPORTED_PHASES = ("examples", "coverage", "fuzzing", "stateful")
"""The phases that send generated requests (probing, schema analysis and auth bootstrap are preparation)."""
WRONG_CREDENTIAL_SCENARIOS = frozenset({"invalid_auth", "generated_auth"})
"""Schemathesis' AuthScenario values of an ignored_auth failure where a wrong credential was accepted."""


def permissive_mock_note(api: str, target: str, kinds: frozenset[str]) -> str:
    """One line: why the wrong-credential probe means nothing against this mock, and what makes it meaningful."""
    key = "tokens" if "bearer" in kinds or not kinds else "apikeys"
    return (
        f"ignored_auth not checked with a wrong credential: {target} is mock-server, which accepts any {api} "
        f'credential unless mock-server.toml lists them ([auth.{api}] {key} = ["..."]; pass one of them)'
    )


class Masker:
    """Masks known secret values (raw, URL- and JSON-encoded) where they stand as whole tokens in any text."""

    def __init__(self, secrets: tuple[str, ...]) -> None:
        self._secrets = tuple(dict.fromkeys(v for s in secrets if s for v in secret_variants(s)))

    def __call__(self, text: str) -> str:
        return redact_text(text, self._secrets)


def describe_network_error(exc: BaseException) -> str:
    """A short reason for a failed connection (the first line of the exception, or its known cause)."""
    text = str(exc) or type(exc).__name__
    for marker in ("Connection refused", "Name or service not known", "timed out", "Temporary failure"):
        if marker.lower() in text.lower():
            return marker.lower()
    return text.splitlines()[0][:200]


@dataclass
class _Entry:
    check: str
    failure: CheckFailure
    curl: str
    response: Response | None


@dataclass
class Collector:
    """Turns the engine's event stream into a Report."""

    mask: Masker
    secured: frozenset[str]
    references: Mapping[str, str] = field(default_factory=dict)
    """Secret -> what a reproducing curl prints instead (options.shell_references)."""
    secured_kinds: frozenset[str] = frozenset()
    """The kinds of the spec's security schemes: `bearer`, `apikey`."""
    target_is_mock: Callable[[], bool] = lambda: False
    """Whether the target is a mock-server (asked only once a wrong credential got through): accepting one is its
    default there."""
    requests: int = 0
    phases: list[str] = field(default_factory=list)
    interrupted: bool = False
    _is_mock: bool | None = None
    status_counts: dict[int, int] = field(default_factory=dict)
    per_operation: dict[str, dict[int, int]] = field(default_factory=dict)
    entries: list[_Entry] = field(default_factory=list)
    extra: list[Failure] = field(default_factory=list)
    unreachable: str | None = None
    on_response: Callable[[Any, Response], None] | None = None
    """Called with every (case, response) of the run (the drift report of mock_server.drift listens here)."""

    def handle(self, event: EngineEvent) -> None:
        from schemathesis.engine import StopReason, events

        if isinstance(event, (events.ScenarioFinished, events.FuzzScenarioFinished)):
            self._scenario(event.recorder)
        elif isinstance(event, events.PhaseStarted):
            if event.phase.name.value in REPORTED_PHASES and event.phase.name.value not in self.phases:
                self.phases.append(event.phase.name.value)
        elif isinstance(event, events.Interrupted):
            self.interrupted = True
        elif isinstance(event, events.NonFatalError):
            if _is_network_error(event.value):
                self.unreachable = (
                    self.unreachable or f"the server stopped answering: {describe_network_error(event.value)}"
                )
                return
            self.extra.append(
                Failure(
                    operation=self.mask(event.label),
                    title=event.info.title,
                    message=self.mask(event.info.message),
                    severity="high",
                    check="error",
                )
            )
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
                if self.on_response is not None and node is not None:
                    self.on_response(node.value, interaction.response)
                status = interaction.response.status_code
                self.status_counts[status] = self.status_counts.get(status, 0) + 1
                counts = self.per_operation.setdefault(label, {})
                counts[status] = counts.get(status, 0) + 1
        for case_id, checks in recorder.checks.items():
            for check in checks:
                if check.status == Status.FAILURE and check.failure_info is not None:
                    failure = check.failure_info.failure
                    response = recorder.find_response(case_id=failure.case_id or case_id)
                    self._add(check.name, failure, self._curl(recorder, check, case_id), response)

    def _curl(self, recorder: ScenarioRecorder, check: CheckNode, case_id: str) -> str:
        """The curl(s) of the requests a failure needs, from what was really sent, credentials as references."""
        assert check.failure_info is not None
        ids = [step.case_id for step in check.failure_info.steps] or [check.failure_info.failure.case_id or case_id]
        requests = [recorder.interactions[i].request for i in ids if i in recorder.interactions]
        if not requests:  # Schemathesis' own sample has credentials masked by name ([Filtered])
            return self.mask(check.failure_info.code_sample)
        return "\n".join(
            curl_command(
                SentRequest(r.method, r.uri, {k: v[0] for k, v in r.headers.items() if v}, r.body), self.references
            )
            for r in requests
        )

    def _add(self, check: str, failure: CheckFailure, curl: str, response: Response | None) -> None:
        for entry in self.entries:
            if entry.check == check and entry.failure == failure:
                if curl and len(curl) < len(entry.curl):  # keep the smallest reproduction
                    entry.failure, entry.curl, entry.response = failure, curl, response
                return
        self.entries.append(_Entry(check, failure, curl, response))

    def report(
        self, options: ContractOptions, target: str, operations: tuple[str, ...], seed: int | None, duration: float
    ) -> Report:
        kept = [entry for entry in self.entries if not self._mock_default(entry)]
        notes = [permissive_mock_note(options.api, target, self.secured_kinds)] if len(kept) < len(self.entries) else []
        failures = [self._convert(entry) for entry in kept] + self.extra + self._coverage_failures()
        return Report(
            api=options.api,
            target=target,
            mode=options.mode,
            operations=operations,
            requests=self.requests,
            failures=tuple(failures),
            seed=seed,
            duration_s=duration,
            unreachable=self.unreachable,
            status_counts=dict(self.status_counts),
            notes=tuple(notes),
            phases=tuple(self.phases),
            operations_run=tuple(label for label in operations if label in self.per_operation),
        )

    def _mock_default(self, entry: _Entry) -> bool:
        """A mock-server accepting a wrong credential does what it is configured to (any credential by default);
        one accepting none at all, or any other server accepting a wrong one, is still reported."""
        scenario = str(getattr(entry.failure, "scenario", ""))
        if entry.check != "ignored_auth" or scenario not in WRONG_CREDENTIAL_SCENARIOS:
            return False
        if self._is_mock is None:
            self._is_mock = self.target_is_mock()
        return self._is_mock

    def _convert(self, entry: _Entry) -> Failure:
        failure = entry.failure
        expected, got = describe(failure, entry.response)
        return Failure(
            operation=failure.operation or "(run)",
            title=failure.title,
            message=self.mask(failure.message),
            severity=str(failure.severity),
            check=entry.check,
            code=failure.code,
            expected=self.mask(expected),
            got=self.mask(got),
            curl=entry.curl,  # built with references in place of the credentials
        )

    def _coverage_failures(self) -> list[Failure]:
        """A run whose every answer is an auth rejection proves nothing: Schemathesis only warns about it."""
        found = []
        for label in sorted(self.secured):
            counts = self.per_operation.get(label, {})
            if counts and set(counts) <= AUTH_REJECTIONS:
                found.append(
                    Failure(
                        operation=label,
                        title="Every request was rejected as unauthenticated",
                        severity="high",
                        check="missing_auth",
                        message="No response to this operation was checked against its schema.",
                        expected="2xx answers to requests with the configured credentials (--token / --apikey or "
                        "MOCK_SERVER_<API>_TOKEN / _APIKEY)",
                        got=", ".join(f"{n} x {status}" for status, n in sorted(counts.items())),
                    )
                )
        if self.requests and not any(200 <= status < 300 for status in self.status_counts):
            found.append(
                Failure(
                    operation="(run)",
                    title="No request got a 2xx answer",
                    severity="high",
                    check="no_success",
                    message="No success response was checked against the spec, so the run proves nothing.",
                    expected="at least one 2xx response",
                    got=", ".join(f"{n} x {status}" for status, n in sorted(self.status_counts.items())),
                )
            )
        return found


def describe(failure: CheckFailure, response: Response | None) -> tuple[str, str]:
    """(expected, got) of a Schemathesis failure, in one line each."""
    from schemathesis.core.failures import reason_phrase

    status = f"{response.status_code} {reason_phrase(response.status_code)}" if response is not None else "no answer"
    if response is not None and response.status_code >= 400 and (excerpt := _excerpt(response)):
        status += f": {excerpt}"  # a rejection usually says why (e.g. the parameter it did not like)
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
            "" if response is None or "allow" in {k.lower() for k in response.headers} else " without Allow"
        )
    return first, status


def _excerpt(response: Response) -> str:
    """The reason in an error body (problem+json `detail`/`title`), else the body's start, on one line."""
    try:
        body = json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        body = None
    if isinstance(body, dict) and isinstance(reason := body.get("detail") or body.get("title"), str):
        text = reason
    else:
        text = response.content[:300].decode("utf-8", errors="replace")
    text = " ".join(text.split())
    return text if len(text) <= 160 else text[:157] + "..."


def _describe_schema_error(failure: Any, first: str, response: Response | None) -> tuple[str, str]:
    """A JSON Schema violation: the rule (and where the spec states it) against the value (and where it is)."""
    where = next(
        (
            line.strip().rstrip(":")[len("Schema at ") :]
            for line in failure.message.splitlines()
            if line.strip().startswith("Schema at ")
        ),
        "",
    )
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
        return (
            f"{first.removesuffix(' is a required property')} present (required{by})",
            f"no such property at {pointer}",
        )
    shown = value if len(value) <= 100 else value[:97] + "..."
    if keyword in schema:
        return f"{json.dumps({keyword: schema[keyword]}, ensure_ascii=False)[:200]}{at}", f"{shown} at {pointer}"
    return f"{first}{at}", f"{shown} at {pointer}"


def _is_network_error(exc: BaseException) -> bool:
    """A refused or failed connection (ConnectTimeout included); a slow answer (ReadTimeout) is a finding instead."""
    import requests

    return isinstance(exc, requests.ConnectionError)
