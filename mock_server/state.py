"""This module contains StateFile: writes persisted in SQLite (WAL, synchronous=FULL) so a restart keeps them.

A write is acknowledged only after its transaction is committed, so a crash (even SIGKILL) keeps every write the
client saw succeed. A clean stop (the ASGI lifespan shutdown, the end of `serve`) checkpoints the write-ahead log, so
the .db file alone then holds every write.

Each `records` row is the last state of one record, with its kind: `write` (a new version of a fixture record),
`insert` (a record created through the API) or `delete` (a fixture record deleted; no data). Files written before
`kind` existed hold only writes: the column is added with that default when such a file is opened.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any, Literal

import orjson

from mock_server.errors import Problem, StateError
from mock_server.types import Record

_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    api TEXT NOT NULL,
    resource TEXT NOT NULL,
    record_key TEXT NOT NULL,
    data BLOB NOT NULL,
    kind TEXT NOT NULL DEFAULT 'write',
    PRIMARY KEY (api, resource, record_key)
);
CREATE TABLE IF NOT EXISTS seeded (
    api TEXT NOT NULL,
    resource TEXT NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (api, resource)
)
"""
Kind = Literal["write", "insert", "delete"]
KINDS = ("write", "insert", "delete")


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
            self._db.executescript(_SCHEMA)
            columns = {row[1] for row in self._db.execute("PRAGMA table_info(records)")}
            if "kind" not in columns:  # a state file of an earlier version: every row is a write
                self._db.execute("ALTER TABLE records ADD COLUMN kind TEXT NOT NULL DEFAULT 'write'")
        except sqlite3.Error as exc:
            raise StateError([Problem(str(path), "", f"cannot use as a state file: {exc}")]) from None

    def load(self) -> list[tuple[str, str, Any, Record]]:
        """Every persisted write of kind `write`; StateError naming the file when it can't be read."""
        return [
            (api, res, key, record)
            for kind, api, res, key, record in self.load_all()
            if kind == "write" and record is not None
        ]

    def load_all(self) -> list[tuple[Kind, str, str, Any, Record | None]]:
        """Every persisted row (kind, api, resource, key, record or None for a delete), oldest change first;
        StateError naming the file when it can't be read (not ours, corrupted)."""
        try:
            with self._lock:
                rows = self._db.execute(
                    "SELECT kind, api, resource, record_key, data FROM records ORDER BY rowid"
                ).fetchall()
            out: list[tuple[Kind, str, str, Any, Record | None]] = []
            for kind, api, res, key, data in rows:
                if kind not in KINDS:
                    raise ValueError(f"unknown row kind {kind!r}")
                out.append((kind, api, res, orjson.loads(key), None if kind == "delete" else orjson.loads(data)))
            return out
        except (sqlite3.Error, ValueError) as exc:  # ValueError: orjson's JSONDecodeError
            problem = Problem(str(self.path), "/records", f"cannot read the persisted writes: {exc}")
            raise StateError([problem]) from None

    def save(self, api: str, resource: str, key: Any, record: Record, kind: Kind = "write") -> None:
        """Persist the last state of one record; returns only after the commit is durable."""
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO records (api, resource, record_key, data, kind) VALUES (?, ?, ?, ?, ?)",
                (api, resource, orjson.dumps(key).decode(), orjson.dumps(record), kind),
            )

    def delete(self, api: str, resource: str, key: Any, *, base: bool) -> None:
        """Persist a delete: a tombstone for a record of the base data (fixtures or seeded records); a record
        inserted through the API just loses its row."""
        encoded_key = orjson.dumps(key).decode()
        with self._lock:
            if base:
                self._db.execute(
                    "INSERT OR REPLACE INTO records (api, resource, record_key, data, kind) VALUES (?, ?, ?, ?, ?)",
                    (api, resource, encoded_key, b"null", "delete"),
                )
            else:
                self._db.execute(
                    "DELETE FROM records WHERE api = ? AND resource = ? AND record_key = ?",
                    (api, resource, encoded_key),
                )

    def load_seeded(self) -> list[tuple[str, str, list[Record]]]:
        """Every resource whose records were set whole by seeding (applied before the per-record writes)."""
        try:
            with self._lock:
                rows = self._db.execute("SELECT api, resource, data FROM seeded ORDER BY rowid").fetchall()
            return [(api, res, orjson.loads(data)) for api, res, data in rows]
        except (sqlite3.Error, ValueError) as exc:
            problem = Problem(str(self.path), "/seeded", f"cannot read the persisted seeded records: {exc}")
            raise StateError([problem]) from None

    def save_seeded(self, api: str, resource: str, records: list[Record]) -> None:
        """Persist a resource's whole record list (seeding); the resource's earlier per-record writes are part of it
        and are dropped, in one durable transaction."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute("DELETE FROM records WHERE api = ? AND resource = ?", (api, resource))
                self._db.execute(
                    "INSERT OR REPLACE INTO seeded (api, resource, data) VALUES (?, ?, ?)",
                    (api, resource, orjson.dumps(records)),
                )
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def clear(self) -> None:
        with self._lock:
            self._db.execute("DELETE FROM records")
            self._db.execute("DELETE FROM seeded")

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
