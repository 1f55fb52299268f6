"""This module contains Resilience: the active fault rules of a running mock (configured and added at run time),
with each rule's own seeded random draws, so the same request sequence and seed give the same faults."""

from __future__ import annotations

import random
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mock_server.errors import SettingsError
from mock_server.faults.kinds import Fault
from mock_server.faults.ratelimit import RateLimiter
from mock_server.faults.rules import FaultRule, RateLimitRule, ResilienceConfig, RuleError
from mock_server.model import ApiModel


@dataclass
class _ActiveFault:
    id: int
    rule: FaultRule
    draws: random.Random
    remaining: int | None
    matched: int = 0
    fired: int = 0

    def to_json(self) -> dict[str, Any]:
        return fault_json(self.id, self.rule, self.remaining, self.matched, self.fired)


def fault_json(id: int, rule: FaultRule, remaining: int | None, matched: int, fired: int) -> dict[str, Any]:
    """How /__admin/faults lists one active rule: its id, the rule, and its counters."""
    return {"id": id, **rule.to_json(), "remaining": remaining, "matched": matched, "fired": fired}


@dataclass(eq=False)
class Resilience:
    """The run-time fault rules and rate limiter; `reset()` goes back to the configured rules, counters at zero."""

    config: ResilienceConfig = field(default_factory=ResilienceConfig)
    models: Mapping[str, ApiModel] = field(default_factory=dict)
    limiter: RateLimiter = field(default_factory=RateLimiter)
    _faults: list[_ActiveFault] = field(default_factory=list)
    _next_id: int = 1
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def build(cls, config: ResilienceConfig, models: Mapping[str, ApiModel]) -> Resilience:
        """The configured rules checked against the mounted APIs; SettingsError naming the rule and key."""
        try:
            for i, rule in enumerate(config.faults):
                check_target(rule, models, f"faults[{i}]")
            for i, limit in enumerate(config.rate_limits):
                check_target(limit, models, f"rate_limits[{i}]")
        except RuleError as exc:
            raise SettingsError(f"config: {exc}") from None
        resilience = cls(config=config, models=models)
        resilience.reset()
        return resilience

    def reset(self) -> None:
        with self._lock:
            self._faults.clear()
            self._next_id = 1
        for rule in self.config.faults:
            self.add_fault(rule)
        self.limiter.reset(self.config.rate_limits)

    # --- faults ------------------------------------------------------------------------------------------------
    def add_fault(self, rule: FaultRule) -> dict[str, Any]:
        with self._lock:
            active = _ActiveFault(self._next_id, rule, random.Random(rule.seed), rule.times)
            self._next_id += 1
            self._faults.append(active)
            return active.to_json()

    def faults(self) -> list[dict[str, Any]]:
        with self._lock:
            return [f.to_json() for f in self._faults]

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    @property
    def engaged(self) -> bool:
        """Whether any fault rule or rate limit is active (read without the lock: a rule added while a request is
        in flight may apply from the next request on)."""
        return bool(self._faults) or self.limiter.engaged

    def pick(self, api: str | None, operation: str | None) -> Fault | None:
        """The fault for one request: the first matching rule (in the order added) whose draw falls under its rate.
        Each rule draws from its own seeded generator once per request it considers."""
        if api is None:
            return None
        with self._lock:
            for active in self._faults:
                rule = active.rule
                if rule.api != api or (rule.operation is not None and rule.operation != operation):
                    continue
                if active.remaining == 0:
                    continue
                active.matched += 1
                if active.remaining is not None:
                    active.remaining -= 1
                if active.draws.random() < rule.rate:
                    active.fired += 1
                    return rule.fault
        return None


def check_target(rule: FaultRule | RateLimitRule, models: Mapping[str, ApiModel], where: str) -> None:
    """RuleError unless the rule's API is mounted and its operation (if any) is one of that API's operationIds."""
    model = models.get(rule.api)
    if model is None:
        raise RuleError(f"{where}.api: no mounted API {rule.api!r}; mounted: {', '.join(models) or 'none'}")
    if rule.operation is not None and rule.operation not in model.operations:
        raise RuleError(
            f"{where}.operation: {rule.api} has no operation {rule.operation!r}; "
            f"operations: {', '.join(sorted(model.operations))}"
        )
