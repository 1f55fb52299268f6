"""This module contains Sampler: values generated from any schema by the fixture generator, the same for the same
seed. It answers what has no stored record: the bodies of operations outside any resource, a declared error shape,
the server-side fields of a created record.
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Callable
from datetime import datetime
from typing import Any

from mock_server.generate.compiler import Compiler
from mock_server.generate.pools import FakerPools
from mock_server.generate.stamps import HISTORY
from mock_server.model import ApiModel, Resource
from mock_server.settings import DEFAULT_REFERENCE_DATE
from mock_server.types import Schema

_SLOT = "_sample"


class Sampler:
    """Makers of values for the schemas of one API; each maker has its own seeded random, so what it yields depends
    only on the seed, its name and how often it was called, not on which other makers ran.

    Example:
        make = Sampler(model, seed=42).maker({"type": "object", "properties": {"ok": {"type": "boolean"}}}, "health")
        body = make()
    """

    def __init__(self, model: ApiModel, seed: int = 42, reference_date: datetime = DEFAULT_REFERENCE_DATE) -> None:
        self._model = model
        self._seed = seed
        self._clock = [reference_date - HISTORY / 2]
        self._pools = FakerPools(model.locale, seed)

    def maker(self, schema: Schema, name: str) -> Callable[[], Any]:
        """A maker of values valid against the (resolved) schema; SpecError if the schema can't be generated."""
        rng = random.Random(zlib.crc32(f"{self._seed}:{name}".encode()))
        holder = ApiModel(
            name=self._model.name,
            spec=self._model.spec,
            locale=self._model.locale,
            currency=self._model.currency,
            resources={_SLOT: Resource(name=_SLOT, schema_ref="#", schema={}, key="")},
            operations={},
        )
        maker: Callable[[], Any] = Compiler(holder, rng, self._pools, self._clock).field(schema, _SLOT, name)
        return maker
