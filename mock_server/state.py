"""This module contains StateFile: writes persisted in SQLite (WAL, synchronous=FULL) so a restart keeps them.

A write is acknowledged only after its transaction is committed, so a crash (even SIGKILL) keeps every write the
client saw succeed. A clean stop (the ASGI lifespan shutdown, the end of `serve`) checkpoints the write-ahead log, so
the .db file alone then holds every write.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any

import orjson

from mock_server.errors import Problem, StateError
from mock_server.types import Record

_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    api TEXT NOT NULL,
    resource TEXT NOT NULL,
    record_key TEXT NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (api, resource, record_key)
)
"""


class StateFile:
    """The records changed by writes, keyed by (api, resource, record key)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._closed = False
        try:
            self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute(_SCHEMA)
        except sqlite3.Error as exc:
            raise StateError([Problem(str(path), "", f"cannot use as a state file: {exc}")]) from None

    def load(self) -> list[tuple[str, str, Any, Record]]:
        """Every persisted record; StateError naming the file when it can't be read (not ours, corrupted)."""
        try:
            with self._lock:
                rows = self._db.execute("SELECT api, resource, record_key, data FROM records ORDER BY rowid").fetchall()
            return [(api, res, orjson.loads(key), orjson.loads(data)) for api, res, key, data in rows]
        except (sqlite3.Error, ValueError) as exc:  # ValueError: orjson's JSONDecodeError
            problem = Problem(str(self.path), "/records", f"cannot read the persisted writes: {exc}")
            raise StateError([problem]) from None

    def save(self, api: str, resource: str, key: Any, record: Record) -> None:
        """Persist one record; returns only after the commit is durable."""
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO records (api, resource, record_key, data) VALUES (?, ?, ?, ?)",
                (api, resource, orjson.dumps(key).decode(), orjson.dumps(record)),
            )

    def clear(self) -> None:
        with self._lock:
            self._db.execute("DELETE FROM records")

    def checkpoint(self) -> None:
        """Move the write-ahead log into the database file, so the file alone (copied, backed up) holds every
        acknowledged write; the connection stays usable."""
        with self._lock:
            if not self._closed:
                self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def close(self) -> None:
        """Checkpoint and close (a clean stop); calling it again does nothing."""
        self.checkpoint()
        with self._lock:
            if not self._closed:
                self._closed = True
                self._db.close()
