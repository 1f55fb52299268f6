"""This module contains the Faker side of generation: pools of provider values and seeded streams, one per seed.

Faker is slow per call, so every provider (and argument set) fills a pool once per seed and each value is then a pick
of the generator's own seeded random.Random. Each pool and stream is seeded from its own key, so its values don't
depend on which other fields a spec has.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import orjson
from faker import Faker

from mock_server.types import Schema

POOL_SIZE = 256
"""Values drawn from Faker per provider (and argument set) and seed."""


class FakerPools:
    """The Faker pools and streams of one locale and seed.

    Example:
        pools = FakerPools("de_DE", seed=42)
        cities = pools.pool("city", {}, str)
    """

    def __init__(self, locale: str, seed: int) -> None:
        self.locale = locale
        self.seed = seed
        self._faker = Faker(locale)
        self._pools: dict[str, list[Any]] = {}
        self._plain: dict[str, list[Any]] = {}
        self._streams: dict[str, Faker] = {}

    def pool(self, provider: str, args: dict[str, Any], coerce: Callable[[Any], Any]) -> list[Any]:
        """POOL_SIZE values of `provider(**args)`, coerced; ValueError for an unknown provider or bad arguments.

        The pool is filled on first use, and later uses share it whatever their `coerce`.
        """
        key = _pool_key(provider, args)
        if key not in self._pools:
            try:
                method = getattr(self._faker, provider)
            except AttributeError:
                raise ValueError(f"x-faker: unknown Faker provider {provider!r}") from None
            self._faker.seed_instance(_derive_seed(self.seed, key))
            try:
                self._pools[key] = [coerce(method(**args)) for _ in range(POOL_SIZE)]
            except (TypeError, ValueError) as exc:
                raise ValueError(f"x-faker: {provider}({_pool_key('', args)[1:]}) failed: {exc}") from None
        return self._pools[key]

    def plain(self, provider: str) -> list[Any]:
        """The pool of a provider without arguments, as JSON values."""
        pool = self._plain.get(provider)
        if pool is None:
            pool = self._plain[provider] = self.pool(provider, {}, to_json)
        return pool

    def stream(self, provider: str, args: dict[str, Any]) -> Faker:
        """A Faker of its own for `provider(**args)`, for unique fields that a pool would soon exhaust."""
        key = "stream:" + _pool_key(provider, args)
        if key not in self._streams:
            stream = Faker(self.locale)
            stream.seed_instance(_derive_seed(self.seed, key))
            if not hasattr(stream, provider):
                raise ValueError(f"x-faker: unknown Faker provider {provider!r}")
            self._streams[key] = stream
        return self._streams[key]


def fit_length(pool: list[Any], schema: Schema) -> list[Any]:
    """The pool's values within the schema's minLength/maxLength; if none fit, every value repeated or cut to fit."""
    low, high = schema.get("minLength"), schema.get("maxLength")
    if low is None and high is None:
        return pool
    low, high = int(low or 0), int(high if high is not None else 10**9)
    fitting = [v for v in pool if not isinstance(v, str) or low <= len(v) <= high]
    if fitting:
        return fitting
    return [(v * (low // max(len(v), 1) + 1))[:high] if isinstance(v, str) else v for v in pool]


def to_json(value: Any) -> Any:
    """A Faker value as JSON: dates as ISO strings, decimals as floats, UUIDs as strings, sets sorted into lists."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, tuple | set | frozenset):
        return sorted(value) if isinstance(value, set | frozenset) else list(value)
    return value


def _pool_key(provider: str, args: dict[str, Any]) -> str:
    return provider + ":" + orjson.dumps(args, option=orjson.OPT_SORT_KEYS, default=str).decode()


def _derive_seed(seed: int, key: str) -> int:
    # Each pool has its own seed, so a pool's values don't depend on which other fields a spec has.
    return int.from_bytes(hashlib.sha256(f"{seed}\0{key}".encode()).digest()[:8], "big")
