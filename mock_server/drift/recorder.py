"""This module contains DriftRecorder: it takes responses (status, headers, body) and accumulates merged findings."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from mock_server.drift.check import (
    MISSING,
    SEVERITY,
    Observation,
    Schemas,
    Visit,
    check_value,
    deref,
    escape,
    iter_headers,
)
from mock_server.drift.operations import Operation, OperationIndex
from mock_server.drift.report import Finding, OperationReport, Report, sort_findings
from mock_server.drift.shape import Shape
from mock_server.drift.values import example_of, mask_text, mask_value, replace_secrets
from mock_server.redact import SECRET_HEADER_NAMES
from mock_server.specs import Spec

MAX_OBSERVED = 20
"""Distinct observed types or values kept per finding."""
STANDARD_NON_STANDARD = frozenset({"retry-after", "link", "deprecation", "sunset", "warning"})
"""Headers beside `X-*` and `RateLimit-*` that a client may rely on and a spec should declare."""
OWN_HEADERS = frozenset({"x-mock-server-drift"})
_ID_SEGMENT = re.compile(r"^(?:\d+|[0-9a-fA-F-]{8,})$")

Headers = Mapping[str, str] | Iterable[tuple[str, str]]


def now_utc() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Entry:
    """The accumulator of one finding: what the report shows plus the inferred shape a proposal needs."""

    operation: Operation | None
    method: str
    path: str
    status: int
    kind: str
    location: str
    schema: str
    expected: str
    first_seen: str
    last_seen: str
    count: int = 0
    observed: list[Any] = field(default_factory=list)
    example: dict[str, Any] | None = None
    shape: Shape = field(default_factory=Shape)
    media_types: set[str] = field(default_factory=set)

    def finding(self) -> Finding:
        return Finding(
            operation=self.operation.operation_id if self.operation else "",
            method=self.method,
            path=self.path,
            status=self.status,
            kind=self.kind,
            location=self.location,
            expected=self.expected,
            observed=tuple(self.observed),
            count=self.count,
            first_seen=self.first_seen,
            last_seen=self.last_seen,
            severity=SEVERITY[self.kind],
            example=self.example,
            schema=self.schema,
        )


@dataclass
class _Responses:
    """What one operation answered with one status: how often, when, and the optional properties seen."""

    count: int = 0
    first_seen: str = ""
    last_seen: str = ""
    optional: dict[str, str] = field(default_factory=dict)
    seen: set[str] = field(default_factory=set)


@dataclass
class _OperationStats:
    operation: Operation | None
    method: str
    path: str
    statuses: dict[int, _Responses] = field(default_factory=dict)


class DriftRecorder:
    """Observes responses of one API and merges what deviates from its spec into findings."""

    def __init__(
        self,
        spec: Spec,
        *,
        upstream: str = "",
        keep_examples: bool = False,
        clock: Callable[[], datetime] = now_utc,
        hash_key: bytes | None = None,
    ) -> None:
        self.spec = spec
        self.upstream = upstream
        self.keep_examples = keep_examples
        self._clock = clock
        self._key = hash_key if hash_key is not None else os.urandom(16)
        self._index = OperationIndex.from_spec(spec)
        self._schemas = Schemas(spec.document)
        self._entries: dict[tuple[str, str, int, str, str], Entry] = {}
        self._operations: dict[tuple[str, str], _OperationStats] = {}
        self.started = iso(clock())
        self.requests = 0

    @property
    def entries(self) -> list[Entry]:
        """Every accumulated finding (never_seen excluded: it is only known at the end)."""
        return list(self._entries.values())

    def observe(
        self,
        method: str,
        path: str,
        status: int,
        headers: Headers,
        body: bytes | None,
        *,
        template: str | None = None,
        secrets: Iterable[str] = (),
    ) -> int:
        """Record one exchange; return how many deviations it showed. `path` is the request path the spec's
        paths are relative to (no query); `template`, when known, names the operation directly."""
        moment = iso(self._clock())
        self.requests += 1
        method = method.upper()
        operation = self._index.by_template(method, template) if template else self._index.match(method, path)
        header_map = _lower_headers(headers)
        known_secrets = tuple(secrets)
        if operation is None:
            shown = _mask_path(path, known_secrets)
            stats = self._stats(None, method, shown)
            self._count(stats, status, moment, Visit())
            observation = Observation("unmatched_path", "", "", "an operation of the spec", method)
            self._add(None, method, shown, status, observation, moment, known_secrets)
            return 1
        visit = self._check_response(operation, method, status, header_map, body)
        stats = self._stats(operation, operation.method, operation.path)
        self._count(stats, status, moment, visit)
        for observation in visit.observations:
            self._add(operation, operation.method, operation.path, status, observation, moment, known_secrets)
        return len(visit.observations)

    def _check_response(
        self, operation: Operation, method: str, status: int, headers: dict[str, str], body: bytes | None
    ) -> Visit:
        document = self.spec.document
        visit = Visit()
        responses = operation.node.get("responses") or {}
        key = _response_key(responses, status)
        media_type = headers.get("content-type", "").split(";")[0].strip().lower()
        has_body = bool(body) and method != "HEAD"
        parsed = _parse_json(body) if has_body and _is_json(media_type) else _NOT_JSON
        if key is None:
            declared = ", ".join(str(k) for k in responses) or "none"
            value = parsed if parsed is not _NOT_JSON else MISSING
            where = f"{operation.pointer}/responses"
            shown_media = media_type if has_body else ""
            obs = Observation("undeclared_status", "", where, f"statuses {declared}", status, value, shown_media)
            visit.observations.append(obs)
            return visit
        response, pointer = deref(document, responses[key], f"{operation.pointer}/responses/{escape(key)}")
        if not isinstance(response, dict):
            return visit
        self._check_headers(response, pointer, headers, visit)
        if not has_body:
            return visit
        content = response.get("content") or {}
        matched = _match_media(content, media_type or "application/json")
        if matched is None:
            value = parsed if parsed is not _NOT_JSON else MISSING
            shown = media_type or "(none)"
            expected = ", ".join(content) or "no body"
            visit.observations.append(
                Observation("undeclared_content_type", "", pointer, expected, shown, value, media_type)
            )
            return visit
        media, media_pointer = deref(document, content[matched], f"{pointer}/content/{escape(matched)}")
        schema = media.get("schema") if isinstance(media, dict) else None
        if schema is None or not _is_json(media_type or matched):  # a */* match is checked only when JSON came
            return visit
        if parsed is _NOT_JSON:
            parsed = _parse_json(body)
        if parsed is _NOT_JSON:
            visit.observations.append(
                Observation("type_mismatch", "", f"{media_pointer}/schema", "JSON", "invalid JSON")
            )
            return visit
        visit.extend(check_value(self._schemas, schema, f"{media_pointer}/schema", parsed))
        return visit

    def _check_headers(self, response: dict[str, Any], pointer: str, headers: dict[str, str], visit: Visit) -> None:
        declared = set()
        for name, header, where in iter_headers(self.spec.document, response, pointer):
            declared.add(name.lower())
            if isinstance(header, dict) and header.get("required") is True and name.lower() not in headers:
                visit.observations.append(Observation("missing_header", f"header:{name}", where, "required", "absent"))
        for name, value in headers.items():
            if name in declared or name in OWN_HEADERS or not _is_non_standard(name):
                continue
            shown = value if name not in SECRET_HEADER_NAMES else ""
            obs = Observation("undocumented_header", f"header:{name}", pointer, "not documented", "string", shown)
            visit.observations.append(obs)

    def _stats(self, operation: Operation | None, method: str, path: str) -> _OperationStats:
        key = (method, path)
        if key not in self._operations:
            self._operations[key] = _OperationStats(operation, method, path)
        return self._operations[key]

    def _count(self, stats: _OperationStats, status: int, moment: str, visit: Visit) -> None:
        seen = stats.statuses.setdefault(status, _Responses(first_seen=moment))
        seen.count += 1
        seen.last_seen = moment
        seen.optional.update(visit.optional)
        seen.seen |= visit.seen

    def _add(
        self,
        operation: Operation | None,
        method: str,
        path: str,
        status: int,
        obs: Observation,
        moment: str,
        secrets: tuple[str, ...],
    ) -> None:
        location = replace_secrets(obs.location, secrets)  # a body that echoes a credential as a member name
        key = (method, path, status, obs.kind, location)
        entry = self._entries.get(key)
        if entry is None:
            entry = Entry(operation, method, path, status, obs.kind, location, obs.schema, obs.expected, moment, moment)
            self._entries[key] = entry
            if obs.has_value and obs.kind not in ("undeclared_status", "undeclared_content_type"):
                entry.example = example_of(obs.value, self._key, keep=self.keep_examples, secrets=secrets)
        entry.count += 1
        entry.last_seen = moment
        observed = mask_value(obs.observed, secrets) if obs.kind == "enum_value" else obs.observed
        if observed not in entry.observed and len(entry.observed) < MAX_OBSERVED:
            entry.observed.append(observed)
        if obs.has_value:
            entry.shape.add(obs.value)
        if obs.media_type:
            entry.media_types.add(obs.media_type)

    def report(self, finished: datetime | None = None) -> Report:
        """The report as of now: merged findings plus the never_seen ones, per operation."""
        per_operation: dict[tuple[str, str], list[Finding]] = {key: [] for key in self._operations}
        for entry in self._entries.values():
            per_operation.setdefault((entry.method, entry.path), []).append(entry.finding())
        for key, stats in self._operations.items():
            per_operation[key] += _never_seen(stats)
        operations = []
        for key, stats in self._operations.items():
            operations.append(
                OperationReport(
                    operation=stats.operation.operation_id if stats.operation else "",
                    method=stats.method,
                    path=stats.path,
                    requests=sum(r.count for r in stats.statuses.values()),
                    statuses={str(code): r.count for code, r in sorted(stats.statuses.items())},
                    findings=sort_findings(per_operation[key]),
                )
            )
        return Report(
            api=self.spec.name,
            spec=_shown_path(self.spec.path),
            upstream=self.upstream,
            started=self.started,
            finished=iso(finished or self._clock()),
            requests=self.requests,
            operations=tuple(operations),
        )


def _shown_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _never_seen(stats: _OperationStats) -> list[Finding]:
    out = []
    for status, responses in sorted(stats.statuses.items()):
        for location, where in responses.optional.items():
            if location in responses.seen:
                continue
            out.append(
                Finding(
                    operation=stats.operation.operation_id if stats.operation else "",
                    method=stats.method,
                    path=stats.path,
                    status=status,
                    kind="never_seen",
                    location=location,
                    expected="optional, documented",
                    observed=(f"absent from {responses.count} response(s)",),
                    count=responses.count,
                    first_seen=responses.first_seen,
                    last_seen=responses.last_seen,
                    severity=SEVERITY["never_seen"],
                    example=None,
                    schema=where,
                )
            )
    return out


_NOT_JSON = object()


def _parse_json(body: bytes | None) -> Any:
    try:
        return orjson.loads(body or b"")
    except orjson.JSONDecodeError:
        return _NOT_JSON


def _is_json(media_type: str) -> bool:
    return media_type == "application/json" or media_type.endswith("+json")


def _response_key(responses: Mapping[str, Any], status: int) -> str | None:
    for key in (str(status), f"{str(status)[0]}XX", f"{str(status)[0]}xx", "default"):
        if key in responses:
            return key
    return next((k for k in responses if str(k) == str(status)), None)  # YAML may have made the key an int


def _match_media(content: Mapping[str, Any], media_type: str) -> str | None:
    main = media_type.split("/")[0]
    for candidate in (media_type, f"{main}/*", "*/*"):
        if candidate in content:
            return candidate
    return None


def _lower_headers(headers: Headers) -> dict[str, str]:
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    out: dict[str, str] = {}
    for name, value in pairs:
        out.setdefault(str(name).lower(), str(value))
    return out


def _is_non_standard(name: str) -> bool:
    return name.startswith(("x-", "ratelimit")) or name in STANDARD_NON_STANDARD


def _mask_path(path: str, secrets: tuple[str, ...]) -> str:
    segments = ["{id}" if _ID_SEGMENT.match(s) else mask_text(s, secrets) for s in path.split("/")]
    return "/".join(segments)
