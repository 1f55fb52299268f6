"""This module contains the fault and rate-limit rules of `mock-server.toml` (`[[faults]]`, `[[rate_limits]]`) and of
`POST /__admin/faults` / `POST /__admin/rate-limits`: parsed and checked here, with errors naming the key."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mock_server.faults.kinds import Fault, FaultKindError, parse_fault

FAULT_KEYS = ("api", "operation", "kind", "rate", "times", "seed")
RATE_LIMIT_KEYS = ("api", "operation", "requests", "per", "key")
LIMIT_KEYS = ("credential", "client")
DEFAULT_SEED = 0
"""Rules without a seed are deterministic too: the same request sequence gives the same faults on every run."""
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h)?")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


class RuleError(ValueError):
    """A rule that cannot be used; the message starts with the key that is wrong (`faults[0].rate: ...`)."""


@dataclass(frozen=True, slots=True)
class FaultRule:
    """Play `fault` on requests to `api` (only `operation`, an operationId, if given) with probability `rate`."""

    api: str
    fault: Fault
    operation: str | None = None
    rate: float = 1.0
    times: int | None = None
    """Only the next `times` matching requests are considered (each still drawn with `rate`); None: no end."""
    seed: int = DEFAULT_SEED

    def to_json(self) -> dict[str, Any]:
        return {
            "api": self.api,
            "operation": self.operation,
            "kind": str(self.fault),
            "rate": self.rate,
            "times": self.times,
            "seed": self.seed,
        }


@dataclass(frozen=True, slots=True)
class RateLimitRule:
    """At most `requests` requests per `per_s` seconds to `api` (or its `operation`), counted per `key`."""

    api: str
    requests: int
    per_s: float
    operation: str | None = None
    key: str = "client"
    """`client` (the peer address) or `credential` (the token or API key sent; the address when none is sent)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "api": self.api,
            "operation": self.operation,
            "requests": self.requests,
            "per": _format_duration(self.per_s),
            "per_seconds": self.per_s,
            "key": self.key,
        }


@dataclass(frozen=True, slots=True)
class ResilienceConfig:
    """The configured rules: what `POST /__admin/reset` goes back to."""

    faults: tuple[FaultRule, ...] = ()
    rate_limits: tuple[RateLimitRule, ...] = ()

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ResilienceConfig:
        """From a parsed mock-server.toml (its `faults` and `rate_limits` arrays of tables); RuleError."""
        return cls(
            faults=tuple(parse_fault_rule(t, f"faults[{i}]") for i, t in enumerate(_tables(config, "faults"))),
            rate_limits=tuple(
                parse_rate_limit(t, f"rate_limits[{i}]") for i, t in enumerate(_tables(config, "rate_limits"))
            ),
        )


def parse_fault_rule(table: Any, where: str = "fault") -> FaultRule:
    """One `[[faults]]` table or admin JSON object as a FaultRule; RuleError naming the key."""
    values = _mapping(table, where, FAULT_KEYS)
    kind = values.get("kind")
    if not isinstance(kind, str):
        raise RuleError(f'{where}.kind: required, a string such as "reset" or "code=503"')
    try:
        fault = parse_fault(kind)
    except FaultKindError as exc:
        raise RuleError(f"{where}.kind: {exc}") from None
    rate = values.get("rate", 1.0)
    if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 <= rate <= 1:
        raise RuleError(f"{where}.rate: must be a number from 0 to 1, got {rate!r}")
    times = values.get("times")
    if times is not None and (isinstance(times, bool) or not isinstance(times, int) or times < 1):
        raise RuleError(f"{where}.times: must be a positive integer, got {times!r}")
    seed = values.get("seed", DEFAULT_SEED)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise RuleError(f"{where}.seed: must be an integer, got {seed!r}")
    return FaultRule(
        api=_api(values, where),
        operation=_operation(values, where),
        fault=fault,
        rate=float(rate),
        times=times,
        seed=seed,
    )


def parse_rate_limit(table: Any, where: str = "rate_limit") -> RateLimitRule:
    """One `[[rate_limits]]` table or admin JSON object as a RateLimitRule; RuleError naming the key."""
    values = _mapping(table, where, RATE_LIMIT_KEYS)
    requests = values.get("requests")
    if isinstance(requests, bool) or not isinstance(requests, int) or requests < 1:
        raise RuleError(f"{where}.requests: required, a positive integer, got {requests!r}")
    if "per" not in values:
        raise RuleError(f'{where}.per: required, a duration such as "60s", "500ms", "1m" or "1h"')
    per = parse_duration(values["per"])
    if per is None:
        raise RuleError(
            f'{where}.per: must be a positive duration such as "60s", "500ms", "1m" or "1h", got {values["per"]!r}'
        )
    key = values.get("key", "client")
    if key not in LIMIT_KEYS:
        raise RuleError(f"{where}.key: must be one of {', '.join(LIMIT_KEYS)}, got {key!r}")
    return RateLimitRule(
        api=_api(values, where), operation=_operation(values, where), requests=requests, per_s=per, key=key
    )


def parse_duration(value: Any) -> float | None:
    """Seconds from `"60s"`, `"500ms"`, `"1m"`, `"1h"` or a number of seconds; None when not a positive duration."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str) and (match := _DURATION.fullmatch(value.strip())):
        seconds = float(match.group(1)) * _UNITS[match.group(2) or "s"]
    else:
        return None
    return seconds if math.isfinite(seconds) and seconds > 0 else None


def _format_duration(seconds: float) -> str:
    return f"{seconds:g}s" if seconds >= 1 else f"{seconds * 1000:g}ms"


def _tables(config: Mapping[str, Any], key: str) -> list[Any]:
    tables = config.get(key, [])
    if not isinstance(tables, list):
        raise RuleError(f"{key}: must be an array of tables ([[{key}]])")
    return tables


def _mapping(table: Any, where: str, keys: tuple[str, ...]) -> Mapping[str, Any]:
    if not isinstance(table, Mapping):
        raise RuleError(f"{where}: must be a table (an object) with the keys {', '.join(keys)}")
    unknown = sorted(str(k) for k in table if k not in keys)
    if unknown:
        raise RuleError(f"{where}.{unknown[0]}: unknown key; the keys are {', '.join(keys)}")
    return table


def _api(values: Mapping[str, Any], where: str) -> str:
    api = values.get("api")
    if not isinstance(api, str) or not api:
        raise RuleError(f"{where}.api: required, the name of a mounted API")
    return api


def _operation(values: Mapping[str, Any], where: str) -> str | None:
    operation = values.get("operation")
    if operation is not None and (not isinstance(operation, str) or not operation):
        raise RuleError(f"{where}.operation: must be an operationId (a string), got {operation!r}")
    return operation
