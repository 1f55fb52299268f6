"""This module contains RateLimiter: fixed windows per rule and key, the RateLimit-* and Retry-After headers, and
the violations of clients that send again before their Retry-After has passed."""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple

from mock_server.faults.rules import RateLimitRule

MAX_VIOLATIONS = 1000
MAX_WINDOWS = 10_000
"""Keys remembered per limit: past this, ended windows are dropped (a client sending a new token each time can't
fill memory)."""
_FINGERPRINT_KEY = secrets.token_bytes(16)
"""Credentials are shown as a keyed fingerprint: the same token reads the same within a run, and cannot be read back."""


@dataclass(frozen=True, slots=True)
class Caller:
    """Who sent a request, as a rate limit keys it."""

    client: str
    credential: str | None

    def key(self, kind: str) -> str:
        if kind == "credential" and self.credential:
            return "credential:" + self.credential
        return "client:" + self.client

    @property
    def masked_credential(self) -> str | None:
        if not self.credential:
            return None
        digest = hmac.new(_FINGERPRINT_KEY, self.credential.encode(), hashlib.sha256).hexdigest()
        return f"[Filtered] #{digest[:8]}"


@dataclass(frozen=True, slots=True)
class Decision:
    """What the limits say about one request: over the limit or not, and the headers of its answer."""

    limited: bool
    headers: tuple[tuple[str, str], ...]
    retry_after: int = 0


@dataclass(frozen=True, slots=True)
class Violation:
    time: float
    api: str
    operation: str | None
    client: str
    credential: str | None
    early_s: float
    """How long before its Retry-After had passed the client sent again."""

    def to_json(self) -> dict[str, Any]:
        return {
            "time": datetime.fromtimestamp(self.time, UTC).isoformat(timespec="milliseconds"),
            "api": self.api,
            "operation": self.operation,
            "client": self.client,
            "credential": self.credential,
            "early_seconds": round(self.early_s, 3),
        }


class Window(NamedTuple):
    """One key's fixed window of one limit (a NamedTuple: one is made per limited request, cheaper than a frozen
    dataclass)."""

    start: float
    sent: int = 0
    """Requests counted in the window."""
    retry_at: float | None = None
    """Set once a 429 told this key to come back at the window's end."""

    def ended(self, rule: RateLimitRule, now: float) -> bool:
        return now >= self.start + rule.per_s


def advance(window: Window | None, rule: RateLimitRule, now: float) -> tuple[Window, float | None]:
    """The window after one more request at `now` (a new one when there was none or it ended), and how early the
    request came when it was sent before its Retry-After had passed (a violation), else None."""
    if window is None or now >= window.start + rule.per_s:
        return Window(now, 1, None), None
    start, count, retry_at = window
    early = retry_at - now if retry_at is not None and now < retry_at else None
    count += 1
    return Window(start, count, start + rule.per_s if count > rule.requests else retry_at), early


@dataclass(eq=False)
class ActiveLimit:
    id: int
    rule: RateLimitRule
    windows: dict[str, Window] = field(default_factory=dict)

    def matches(self, api: str, operation: str | None) -> bool:
        return self.rule.api == api and (self.rule.operation is None or self.rule.operation == operation)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, **self.rule.to_json()}


class RateLimiter:
    """The active limits; thread-safe. `clock` is monotonic seconds (tests may pass their own)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._limits: list[ActiveLimit] = []
        self._violations: deque[Violation] = deque(maxlen=MAX_VIOLATIONS)
        self._next_id = 1
        self._lock = threading.Lock()

    def reset(self, rules: Iterable[RateLimitRule] = ()) -> None:
        with self._lock:
            self._limits.clear()
            self._violations.clear()
            self._next_id = 1
        for rule in rules:
            self.add(rule)

    def add(self, rule: RateLimitRule) -> dict[str, Any]:
        with self._lock:
            active = ActiveLimit(self._next_id, rule)
            self._next_id += 1
            self._limits.append(active)
            return active.to_json()

    @property
    def engaged(self) -> bool:
        return bool(self._limits)

    def limits(self) -> list[dict[str, Any]]:
        with self._lock:
            return [limit.to_json() for limit in self._limits]

    def clear(self) -> None:
        with self._lock:
            self._limits.clear()

    def violations(self) -> list[dict[str, Any]]:
        with self._lock:
            return [v.to_json() for v in self._violations]

    def clear_violations(self) -> None:
        with self._lock:
            self._violations.clear()

    def check(self, api: str | None, operation: str | None, caller: Caller) -> Decision | None:
        """Count one request against every matching limit; None when no limit applies to it."""
        if api is None:
            return None
        now = self._clock()
        with self._lock:
            matching = [limit for limit in self._limits if limit.matches(api, operation)]
            if not matching:
                return None
            counted = []
            for limit in matching:
                window, early = self._count(limit, caller.key(limit.rule.key), now)
                if early is not None:
                    self._violated(
                        Violation(time.time(), api, operation, caller.client, caller.masked_credential, early)
                    )
                counted.append((limit.rule, window))
        return decide(counted, now)

    def _count(self, limit: ActiveLimit, key: str, now: float) -> tuple[Window, float | None]:
        """One more request in `key`'s window of `limit` (see `advance`); called under the lock."""
        before = limit.windows.get(key)
        window, early = advance(before, limit.rule, now)
        if before is None and len(limit.windows) >= MAX_WINDOWS:
            limit.windows = {k: w for k, w in limit.windows.items() if not w.ended(limit.rule, now)}
            if len(limit.windows) >= MAX_WINDOWS:
                limit.windows.clear()
        limit.windows[key] = window
        return window, early

    def _violated(self, violation: Violation) -> None:
        self._violations.append(violation)


def decide(counted: list[tuple[RateLimitRule, Window]], now: float) -> Decision:
    """The answer to a request counted in these windows: limited when any is over its rule, headers of the tightest."""
    tightest: tuple[int, int, float] | None = None  # remaining, limit, reset in seconds
    retry_after = 0
    for rule, window in counted:
        reset_in = window.start + rule.per_s - now
        if window.sent > rule.requests:
            retry_after = max(retry_after, max(1, math.ceil(reset_in)))
        remaining = max(0, rule.requests - window.sent)
        if tightest is None or remaining < tightest[0]:
            tightest = (remaining, rule.requests, reset_in)
    assert tightest is not None
    remaining, requests, reset_in = tightest
    headers = [
        ("RateLimit-Limit", str(requests)),
        ("RateLimit-Remaining", str(remaining)),
        ("RateLimit-Reset", str(max(0, math.ceil(reset_in)))),
    ]
    if retry_after:
        headers.append(("Retry-After", str(retry_after)))
    return Decision(limited=retry_after > 0, headers=tuple(headers), retry_after=retry_after)
