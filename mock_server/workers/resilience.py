"""This module contains the fault rules, rate limits and violations the processes of `serve --workers N` share.

They live in one SQLite file of their own (beside the shared journal; synchronous=OFF: none of it outlives the run):
the rules as rows (configured ones written by the parent before the workers start, added ones by whichever worker's
/__admin got them), each rate-limit window as a row counted in a `BEGIN IMMEDIATE` transaction per limited request,
each fault rule's `matched` counter taken with one `UPDATE ... RETURNING`. Before each request a worker calls `sync`:
`PRAGMA data_version`, and only when another connection committed, the rules' version (the rules are parsed again
only when it moved).

A seeded fault rule is deterministic across workers: its n-th considered request (in the order the shared counter
hands out) gets the n-th draw of `random.Random(seed)`, as it would in one process.
"""

from __future__ import annotations

import contextlib
import random
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import orjson

from mock_server.faults.kinds import Fault
from mock_server.faults.ratelimit import MAX_VIOLATIONS, ActiveLimit, RateLimiter, Violation, Window, advance
from mock_server.faults.rules import FaultRule, RateLimitRule, ResilienceConfig, parse_fault_rule, parse_rate_limit
from mock_server.faults.state import Resilience, fault_json
from mock_server.model import ApiModel

__all__ = ["SharedLimiter", "SharedResilience", "create_shared_resilience"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS fault_rules (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    rule BLOB NOT NULL,
    remaining INTEGER,
    matched INTEGER NOT NULL DEFAULT 0,
    fired INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS rate_limits (id INTEGER PRIMARY KEY AUTOINCREMENT, rule BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS windows (
    limit_id INTEGER NOT NULL,
    key TEXT NOT NULL,
    start REAL NOT NULL,
    count INTEGER NOT NULL,
    retry_at REAL,
    PRIMARY KEY (limit_id, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS violations (seq INTEGER PRIMARY KEY AUTOINCREMENT, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS rules_version (one INTEGER PRIMARY KEY CHECK (one = 1), version INTEGER NOT NULL);
INSERT OR IGNORE INTO rules_version VALUES (1, 0);
"""
_BUMP = "UPDATE rules_version SET version = version + 1"
_TRIM_EVERY = 256
"""Every this many new windows (or violations) a worker drops the ended windows (the oldest violations)."""


class _Db:
    """One worker's connection to the shared file; `write()` is one BEGIN IMMEDIATE transaction."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=10)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=OFF")
        self.conn.executescript(_SCHEMA)
        self.lock = threading.RLock()

    @contextlib.contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        with self.lock:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")

    def read(self, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
        with self.lock:
            return self.conn.execute(sql, params).fetchall()


def _fault_row(rule: FaultRule) -> bytes:
    return orjson.dumps(rule.to_json())


def _limit_row(rule: RateLimitRule) -> bytes:
    return orjson.dumps(
        {"api": rule.api, "operation": rule.operation, "requests": rule.requests, "per": rule.per_s, "key": rule.key}
    )


def _insert_fault(db: sqlite3.Connection, rule: FaultRule) -> int:
    cursor = db.execute("INSERT INTO fault_rules (rule, remaining) VALUES (?, ?)", (_fault_row(rule), rule.times))
    db.execute(_BUMP)
    return int(cursor.lastrowid or 0)


def _insert_limit(db: sqlite3.Connection, rule: RateLimitRule) -> int:
    cursor = db.execute("INSERT INTO rate_limits (rule) VALUES (?)", (_limit_row(rule),))
    db.execute(_BUMP)
    return int(cursor.lastrowid or 0)


def _replace_faults(conn: sqlite3.Connection, rules: Iterable[FaultRule]) -> None:
    conn.execute("DELETE FROM fault_rules")
    conn.execute("DELETE FROM sqlite_sequence WHERE name = 'fault_rules'")
    for rule in rules:
        _insert_fault(conn, rule)
    conn.execute(_BUMP)


def _replace_limits(conn: sqlite3.Connection, rules: Iterable[RateLimitRule]) -> None:
    """The limits replaced by `rules` (ids from 1), every window and violation dropped."""
    for table in ("rate_limits", "windows", "violations"):
        conn.execute(f"DELETE FROM {table}")  # the table names are the literals above
    conn.execute("DELETE FROM sqlite_sequence WHERE name IN ('rate_limits', 'violations')")
    for rule in rules:
        _insert_limit(conn, rule)
    conn.execute(_BUMP)


def _reset(db: _Db, config: ResilienceConfig) -> None:
    """Back to the configured rules (ids from 1), every counter, window and violation dropped: one transaction."""
    with db.write() as conn:
        _replace_faults(conn, config.faults)
        _replace_limits(conn, config.rate_limits)


def create_shared_resilience(path: Path, config: ResilienceConfig) -> None:
    """The shared file with the configured rules (the parent writes it before any worker starts)."""
    db = _Db(path)
    try:
        _reset(db, config)
    finally:
        db.conn.close()


class SharedLimiter(RateLimiter):
    """RateLimiter whose limits, windows and violations are rows of the shared file (the rule list is cached and
    refreshed by SharedResilience.sync)."""

    def __init__(self, db: _Db, clock: Callable[[], float] = time.monotonic) -> None:
        # time.monotonic is CLOCK_MONOTONIC: one clock for every process of the machine
        super().__init__(clock)
        self._db = db
        self._new_windows = 0
        self._new_violations = 0

    def load(self, rows: Iterable[tuple[int, bytes]]) -> None:
        self._limits = [ActiveLimit(id, parse_rate_limit(orjson.loads(rule))) for id, rule in rows]

    def reset(self, rules: Iterable[RateLimitRule] = ()) -> None:
        with self._db.write() as conn:
            _replace_limits(conn, rules)
        self.load(self._db.read("SELECT id, rule FROM rate_limits ORDER BY id"))

    def add(self, rule: RateLimitRule) -> dict[str, Any]:
        with self._db.write() as conn:
            id = _insert_limit(conn, rule)
        self._limits = [*self._limits, ActiveLimit(id, rule)]
        return {"id": id, **rule.to_json()}

    def limits(self) -> list[dict[str, Any]]:
        rows = self._db.read("SELECT id, rule FROM rate_limits ORDER BY id")
        return [{"id": id, **parse_rate_limit(orjson.loads(rule)).to_json()} for id, rule in rows]

    def clear(self) -> None:
        with self._db.write() as conn:
            conn.execute("DELETE FROM rate_limits")
            conn.execute("DELETE FROM windows")
            conn.execute(_BUMP)
        self._limits = []

    def violations(self) -> list[dict[str, Any]]:
        rows = self._db.read("SELECT data FROM violations ORDER BY seq DESC LIMIT ?", (MAX_VIOLATIONS,))
        return [orjson.loads(data) for (data,) in reversed(rows)]

    def clear_violations(self) -> None:
        with self._db.write() as conn:
            conn.execute("DELETE FROM violations")

    def _count(self, limit: ActiveLimit, key: str, now: float) -> tuple[Window, float | None]:
        rule = limit.rule
        with self._db.write() as conn:
            row = conn.execute(
                "SELECT start, count, retry_at FROM windows WHERE limit_id = ? AND key = ?", (limit.id, key)
            ).fetchone()
            before = Window(*row) if row else None
            window, early = advance(before, rule, now)
            # a limit another worker removed since this one's last sync keeps no window
            conn.execute(
                "INSERT OR REPLACE INTO windows SELECT ?, ?, ?, ?, ? "
                "WHERE EXISTS (SELECT 1 FROM rate_limits WHERE id = ?)",
                (limit.id, key, window.start, window.sent, window.retry_at, limit.id),
            )
            if before is None or before.start != window.start:
                self._new_windows += 1
                if self._new_windows % _TRIM_EVERY == 0:
                    conn.execute("DELETE FROM windows WHERE limit_id = ? AND start <= ?", (limit.id, now - rule.per_s))
        return window, early

    def _violated(self, violation: Violation) -> None:
        with self._db.write() as conn:
            conn.execute("INSERT INTO violations (data) VALUES (?)", (orjson.dumps(violation.to_json()),))
            self._new_violations += 1
            if self._new_violations % _TRIM_EVERY == 0:
                conn.execute(
                    "DELETE FROM violations WHERE seq <= (SELECT max(seq) FROM violations) - ?", (MAX_VIOLATIONS,)
                )


class SharedResilience(Resilience):
    """Resilience whose rules and counters are shared by every worker (see the module docstring)."""

    def __init__(self, path: Path, config: ResilienceConfig, models: Mapping[str, ApiModel]) -> None:
        db = _Db(path)
        super().__init__(config=config, models=models, limiter=SharedLimiter(db))
        self._db = db
        self._shared: list[tuple[int, FaultRule]] = []
        self._draws: dict[tuple[int, int], tuple[random.Random, int]] = {}
        """Per rule id and seed: its generator and how many draws it has given."""
        self._data_version = -1
        self._rules_version = -1
        self.sync()

    def sync(self) -> None:
        """Take up what other workers changed in the rules (one PRAGMA when nothing was committed)."""
        with self._db.lock:
            version = self._db.conn.execute("PRAGMA data_version").fetchone()[0]
            if version == self._data_version:
                return
            self._data_version = version
            rules_version = self._db.conn.execute("SELECT version FROM rules_version").fetchone()[0]
            if rules_version == self._rules_version:
                return
            self._rules_version = rules_version
            faults = self._db.conn.execute("SELECT id, rule FROM fault_rules ORDER BY id").fetchall()
            limits = self._db.conn.execute("SELECT id, rule FROM rate_limits ORDER BY id").fetchall()
        self._shared = [(id, parse_fault_rule(orjson.loads(rule))) for id, rule in faults]
        assert isinstance(self.limiter, SharedLimiter)
        self.limiter.load(limits)

    def reset(self) -> None:
        _reset(self._db, self.config)
        self._draws.clear()
        self._force_sync()

    def add_fault(self, rule: FaultRule) -> dict[str, Any]:
        with self._db.write() as conn:
            id = _insert_fault(conn, rule)
        self._shared = [*self._shared, (id, rule)]
        return fault_json(id, rule, rule.times, 0, 0)

    def faults(self) -> list[dict[str, Any]]:
        rows = self._db.read("SELECT id, rule, remaining, matched, fired FROM fault_rules ORDER BY id")
        return [fault_json(id, parse_fault_rule(orjson.loads(rule)), *counters) for id, rule, *counters in rows]

    def clear_faults(self) -> None:
        with self._db.write() as conn:
            conn.execute("DELETE FROM fault_rules")
            conn.execute(_BUMP)
        self._shared = []

    @property
    def engaged(self) -> bool:
        return bool(self._shared) or self.limiter.engaged

    def pick(self, api: str | None, operation: str | None) -> Fault | None:
        if api is None:
            return None
        for id, rule in self._shared:
            if rule.api != api or (rule.operation is not None and rule.operation != operation):
                continue
            with self._db.lock:
                row = self._db.conn.execute(
                    "UPDATE fault_rules SET matched = matched + 1, remaining = remaining - 1 "
                    "WHERE id = ? AND (remaining IS NULL OR remaining > 0) RETURNING matched",
                    (id,),
                ).fetchone()
            if row is None:  # used up (or removed by another worker)
                continue
            if self._draw(id, rule.seed, row[0]) < rule.rate:
                with self._db.lock:
                    self._db.conn.execute("UPDATE fault_rules SET fired = fired + 1 WHERE id = ?", (id,))
                return rule.fault
        return None

    def _draw(self, id: int, seed: int, n: int) -> float:
        """The n-th draw (from 1) of the rule's generator."""
        draws, given = self._draws.get((id, seed), (None, 0))
        if draws is None or given >= n:  # a new rule, or one of the same id and seed since a reset
            draws, given = random.Random(seed), 0
        while given < n - 1:
            draws.random()
            given += 1
        value = draws.random()
        self._draws[id, seed] = (draws, n)
        return value

    def _force_sync(self) -> None:
        self._data_version = self._rules_version = -1
        self.sync()
