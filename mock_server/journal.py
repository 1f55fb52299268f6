"""This module contains the request journal: the last N requests, what was sent and what came back, secrets masked,
for /__admin/requests.

Recording is cheap: an entry keeps references to what the request already holds (the header list, the body bytes the
body limit read, the response chunks); headers are masked and bodies decoded only when the journal is read.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

from mock_server.errors import SettingsError
from mock_server.redact import MASK, SECRET_HEADER_KEYS

MAX_TEXT_CHARS = 2048
"""A journal entry keeps at most this much of a path or query, so hostile 100 KB URLs can't fill memory."""
MAX_BODY_BYTES = 64 * 1024
"""A request or response body is kept up to this many bytes; a longer one is shown cut, with its full size."""
MAX_TOTAL_BODY_BYTES = 64 * 1024 * 1024
"""All bodies the journal keeps together; beyond it the oldest entries lose their bodies (their other fields stay)."""

Headers = Sequence[tuple[bytes, bytes]]


@dataclass(slots=True)
class Bodies:
    """The request and response bodies of one entry (at most MAX_BODY_BYTES each) and their full sizes; dropped
    when the journal's body budget needs the room."""

    request: bytes = b""
    request_size: int = 0
    response: bytes = b""
    response_size: int = 0
    dropped: bool = False

    @property
    def kept(self) -> int:
        return 0 if self.dropped else len(self.request) + len(self.response)


@dataclass(frozen=True, slots=True)
class JournalEntry:
    seq: int
    time: float
    """Seconds since the epoch; shown as an ISO 8601 UTC timestamp (formatted when read, not per request)."""
    api: str | None
    method: str
    path: str
    query: str
    status: int
    duration_ms: float
    operation_id: str | None = None
    """The spec's operationId of the matched operation (None when no operation matched)."""
    request_headers: Headers = ()
    response_headers: Headers = ()
    bodies: Bodies = field(default_factory=Bodies)
    fault: str | None = None
    """The fault the mock played on this request (`reset`, `code=503`, ...), if any; a transport fault that sent no
    response (reset, close, timeout) has status 0."""

    def to_dict(self, bodies: Bodies | None = None) -> dict[str, Any]:
        """The entry as /__admin/requests shows it: credentials masked, JSON bodies parsed, long bodies cut.
        `bodies`: a snapshot of the entry's bodies taken under the journal's lock (default: the live ones)."""
        bodies = bodies or self.bodies
        response_type = _header(self.response_headers, b"content-type")
        response_body = _body(bodies.response, bodies.response_size, response_type, bodies.dropped)
        error = None
        if self.status == 400 and isinstance(response_body, dict):
            error = response_body.get("detail")
        return {
            "seq": self.seq,
            "time": datetime.fromtimestamp(self.time, UTC).isoformat(timespec="milliseconds"),
            "api": self.api,
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "status": self.status,
            "duration_ms": self.duration_ms,
            "operation_id": self.operation_id,
            "headers": _masked(self.request_headers),
            "body": _body(
                bodies.request, bodies.request_size, _header(self.request_headers, b"content-type"), bodies.dropped
            ),
            "response": {"status": self.status, "headers": _masked(self.response_headers), "body": response_body},
            "error": error,
            "fault": self.fault,
        }

    def matches(self, query: JournalQuery) -> bool:
        return (
            (query.api is None or self.api == query.api)
            and (query.method is None or self.method == query.method)
            and (query.path is None or query.path in self.path)
            and (query.status is None or self.status == query.status)
            and (query.operation is None or self.operation_id == query.operation)
        )


@dataclass(frozen=True, slots=True)
class JournalQuery:
    """A filter over the journal; None matches everything."""

    api: str | None = None
    method: str | None = None
    """Upper case: GET, POST..."""
    path: str | None = None
    """A substring of the path."""
    status: int | None = None
    operation: str | None = None
    """The spec's operationId."""


class Journal:
    """A bounded, thread-safe ring of JournalEntry values (at most `size` entries, MAX_TOTAL_BODY_BYTES of bodies)."""

    def __init__(self, size: int) -> None:
        if size < 1:
            raise SettingsError(f"the journal size must be at least 1, got {size}")
        self._entries: deque[JournalEntry] = deque(maxlen=size)
        self._with_bodies: deque[Bodies] = deque()
        self._body_bytes = 0
        self._lock = threading.Lock()
        self._seq = 0

    def add(self, **fields: Any) -> JournalEntry:
        for name in ("path", "query"):
            text = fields.get(name)
            if isinstance(text, str) and len(text) > MAX_TEXT_CHARS:
                fields[name] = f"{text[:MAX_TEXT_CHARS]}...(+{len(text) - MAX_TEXT_CHARS} characters)"
        bodies: Bodies | None = fields.get("bodies")
        with self._lock:
            self._seq += 1
            entry = JournalEntry(seq=self._seq, **fields)
            if len(self._entries) == self._entries.maxlen:  # the append pushes the oldest entry out
                pushed_out = self._entries[0].bodies
                if self._with_bodies and self._with_bodies[0] is pushed_out:
                    self._with_bodies.popleft()
                self._drop(pushed_out)
            self._entries.append(entry)
            if bodies is not None and bodies.kept:
                self._with_bodies.append(bodies)
                self._body_bytes += bodies.kept
                while self._body_bytes > MAX_TOTAL_BODY_BYTES and self._with_bodies:
                    self._drop(self._with_bodies.popleft())
            return entry

    def _drop(self, bodies: Bodies) -> None:
        self._body_bytes -= bodies.kept
        bodies.request = bodies.response = b""
        bodies.dropped = True

    def search(self, query: JournalQuery | None = None, limit: int | None = None) -> tuple[int, list[dict[str, Any]]]:
        """The number of entries matching the query, and the last `limit` of them (oldest first)."""
        query = query or JournalQuery()
        with self._lock:
            items = [e for e in self._entries if e.matches(query)]
            total = len(items)
            if limit is not None:
                items = items[-limit:] if limit else []
            snapshots = [dataclasses.replace(e.bodies) for e in items]  # a body dropped meanwhile stays consistent
        return total, [e.to_dict(bodies) for e, bodies in zip(items, snapshots, strict=True)]

    def entries(self, limit: int | None = None, api: str | None = None) -> list[dict[str, Any]]:
        """The last `limit` entries (of one API), oldest first."""
        return self.search(JournalQuery(api=api), limit)[1]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._with_bodies.clear()
            self._body_bytes = 0

    @property
    def body_bytes(self) -> int:
        """The bytes of bodies kept right now (at most MAX_TOTAL_BODY_BYTES)."""
        return self._body_bytes

    @property
    def total(self) -> int:
        """Requests recorded since the start (also those the ring no longer holds)."""
        return self._seq


def capture(body: bytes) -> tuple[bytes, int]:
    """What an entry keeps of a body: at most MAX_BODY_BYTES of it (a slice only when longer), and its size."""
    return (body if len(body) <= MAX_BODY_BYTES else body[:MAX_BODY_BYTES]), len(body)


def _header(headers: Headers, name: bytes) -> str:
    for key, value in headers:
        if key.lower() == name:
            return value.decode("latin-1")
    return ""


def _masked(headers: Headers) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in headers:
        name = key.decode("latin-1").lower()
        text = MASK if key.lower() in SECRET_HEADER_KEYS else value.decode("latin-1")
        out[name] = f"{out[name]}, {text}" if name in out else text
    return out


def _body(data: bytes, size: int, content_type: str, dropped: bool) -> Any:
    """None for no body, the parsed value of a whole JSON body, else the text (cut bodies say where and of what)."""
    if size == 0:
        return None
    if dropped:
        return f"({size} bytes, dropped: the journal keeps {MAX_TOTAL_BODY_BYTES // (1024 * 1024)} MiB of bodies)"
    text = data.decode("utf-8", errors="replace")
    if size > len(data):
        return f"{text}...(cut at {len(data)} of {size} bytes)"
    if "json" in content_type:
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            return text
    return text
