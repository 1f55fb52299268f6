"""This module contains what the processes of `serve --workers N` share: the state file and the request journal.

SharedState is the --state file (SQLite, WAL) plus a `changes` table that SQLite triggers fill in the same
transaction as every write: a row per record written, inserted, tombstoned or removed, a resource seeded, or a reset.
Before each request a worker asks `PRAGMA data_version` (a few microseconds; it changes only when another
connection committed) and, when it changed, applies the changes after the last sequence number it has seen. A write
is acknowledged only after its commit, so the next request to any worker sees it.

SharedJournal keeps every worker's journal entries in one SQLite table of its own (synchronous=OFF: the journal is
not durable state), so /__admin/requests on any worker lists the requests of all.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson

from mock_server.journal import Journal, JournalEntry, JournalQuery
from mock_server.state import StateFile
from mock_server.store import Store

__all__ = ["SharedJournal", "SharedState", "drop_change_log"]

_CHANGES = """
CREATE TABLE IF NOT EXISTS changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    api TEXT,
    resource TEXT,
    record_key TEXT,
    data BLOB
);
CREATE TRIGGER IF NOT EXISTS changes_put AFTER INSERT ON records BEGIN
    INSERT INTO changes (kind, api, resource, record_key, data)
    VALUES (NEW.kind, NEW.api, NEW.resource, NEW.record_key, NEW.data);
END;
CREATE TRIGGER IF NOT EXISTS changes_gone AFTER DELETE ON records BEGIN
    INSERT INTO changes (kind, api, resource, record_key) VALUES ('remove', OLD.api, OLD.resource, OLD.record_key);
END;
CREATE TRIGGER IF NOT EXISTS changes_seeded AFTER INSERT ON seeded BEGIN
    INSERT INTO changes (kind, api, resource, data) VALUES ('seeded', NEW.api, NEW.resource, NEW.data);
END;
"""
_DROP = """
DROP TRIGGER IF EXISTS changes_put;
DROP TRIGGER IF EXISTS changes_gone;
DROP TRIGGER IF EXISTS changes_seeded;
DROP TABLE IF EXISTS changes;
"""


class SharedState(StateFile):
    """The state file of one worker, with the change log every worker applies (see the module docstring)."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        with self._lock:
            self._db.executescript(_CHANGES)
            # Rows up to here are in what Store loads at start-up; a later row is applied again (idempotent).
            self._seen = self._db.execute("SELECT coalesce(max(seq), 0) FROM changes").fetchone()[0]
            self._version = self._data_version()
        self._replaying = False

    def clear(self) -> None:
        """Drop every write, and log a reset the other workers follow (not again while following one)."""
        if self._replaying:
            return
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute("DELETE FROM records")
                self._db.execute("DELETE FROM seeded")
                self._db.execute("INSERT INTO changes (kind) VALUES ('reset')")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def sync(self, store: Store, on_reset: Callable[[], None] = lambda: None) -> int:
        """Apply what other workers committed since the last call; the number of changes applied (0 when nothing
        changed: one PRAGMA)."""
        with self._lock:
            version = self._data_version()
            if version == self._version:
                return 0
            self._version = version
            rows = self._db.execute(
                "SELECT seq, kind, api, resource, record_key, data FROM changes WHERE seq > ? ORDER BY seq",
                (self._seen,),
            ).fetchall()
        if not rows:
            return 0
        self._seen = rows[-1][0]
        resets = [index for index, row in enumerate(rows) if row[1] == "reset"]
        if resets:  # a reset makes every earlier change moot
            rows = rows[resets[-1] :]
            with self._following():
                store.reset()
            on_reset()
        for _, kind, api, resource, key, data in rows:
            if kind == "reset":
                continue
            if kind == "seeded":
                store.apply_seeded(api, resource, orjson.loads(data))
            else:
                record = None if kind in ("delete", "remove") else orjson.loads(data)
                store.apply_persisted(kind, api, resource, orjson.loads(key), record)
        return len(rows)

    @contextlib.contextmanager
    def _following(self) -> Iterator[None]:
        self._replaying = True
        try:
            yield
        finally:
            self._replaying = False

    def _data_version(self) -> int:
        version: int = self._db.execute("PRAGMA data_version").fetchone()[0]
        return version


def drop_change_log(path: Path) -> None:
    """Remove the change log and its triggers from a --state file (when the last worker has stopped), so a later
    single-process serve keeps no log."""
    with contextlib.closing(sqlite3.connect(str(path), isolation_level=None)) as db:
        db.executescript(_DROP)
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


_JOURNAL = """
CREATE TABLE IF NOT EXISTS journal (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    api TEXT,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    status INTEGER NOT NULL,
    operation_id TEXT,
    data BLOB NOT NULL
)
"""
_TRIM_EVERY = 256


class SharedJournal(Journal):
    """The journal of every worker: entries are written to a shared SQLite table and read from it."""

    def __init__(self, size: int, path: Path) -> None:
        super().__init__(size)
        self._size = size
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=10)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.execute(_JOURNAL)
        self._db_lock = threading.Lock()
        self._added = 0

    def add(self, **fields: Any) -> JournalEntry:
        entry = super().add(**fields)
        row = entry.to_dict()
        with self._db_lock:
            self._db.execute(
                "INSERT INTO journal (api, method, path, status, operation_id, data) VALUES (?, ?, ?, ?, ?, ?)",
                (entry.api, entry.method, entry.path, entry.status, entry.operation_id, orjson.dumps(row)),
            )
            self._added += 1
            if self._added % _TRIM_EVERY == 0:
                self._db.execute("DELETE FROM journal WHERE seq <= (SELECT max(seq) FROM journal) - ?", (self._size,))
        return entry

    def search(self, query: JournalQuery | None = None, limit: int | None = None) -> tuple[int, list[dict[str, Any]]]:
        query = query or JournalQuery()
        with self._db_lock:
            rows = self._db.execute(
                "SELECT seq, api, method, path, status, operation_id, data FROM journal ORDER BY seq DESC LIMIT ?",
                (self._size,),
            ).fetchall()
        items = []
        for seq, api, method, path, status, operation_id, data in reversed(rows):
            if (
                (query.api is None or api == query.api)
                and (query.method is None or method == query.method)
                and (query.path is None or query.path in path)
                and (query.status is None or status == query.status)
                and (query.operation is None or operation_id == query.operation)
            ):
                items.append((seq, data))
        total = len(items)
        if limit is not None:
            items = items[-limit:] if limit else []
        return total, [{**orjson.loads(data), "seq": seq} for seq, data in items]

    def clear(self) -> None:
        super().clear()
        with self._db_lock:
            self._db.execute("DELETE FROM journal")

    @property
    def total(self) -> int:
        with self._db_lock:
            seq: int = self._db.execute("SELECT coalesce(max(seq), 0) FROM journal").fetchone()[0]
        return seq
