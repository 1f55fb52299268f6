"""This module contains the request journal: the last N requests, secrets masked, for /__admin/requests."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from mock_server.errors import SettingsError

MAX_TEXT_CHARS = 2048
"""A journal entry keeps at most this much of a path or query, so hostile 100 KB URLs can't fill memory."""


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


class Journal:
    """A bounded, thread-safe ring of JournalEntry values."""

    def __init__(self, size: int) -> None:
        if size < 1:
            raise SettingsError(f"the journal size must be at least 1, got {size}")
        self._entries: deque[JournalEntry] = deque(maxlen=size)
        self._lock = threading.Lock()
        self._seq = 0

    def add(self, **fields: Any) -> JournalEntry:
        for name in ("path", "query"):
            text = fields.get(name)
            if isinstance(text, str) and len(text) > MAX_TEXT_CHARS:
                fields[name] = f"{text[:MAX_TEXT_CHARS]}...(+{len(text) - MAX_TEXT_CHARS} characters)"
        with self._lock:
            self._seq += 1
            entry = JournalEntry(seq=self._seq, **fields)
            self._entries.append(entry)
            return entry

    def entries(self, limit: int | None = None, api: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            items = [e for e in self._entries if api is None or e.api == api]
        if limit is not None:
            items = items[-limit:]
        return [{**asdict(e), "time": _iso(e.time)} for e in items]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    @property
    def total(self) -> int:
        return self._seq


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="milliseconds")
