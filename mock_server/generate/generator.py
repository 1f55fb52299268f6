"""This module contains the Generator: the records and field values of one API, deterministic for a given model,
seed and reference date, with a record clock that its timestamps follow.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from mock_server.errors import SpecError
from mock_server.generate.compiler import Compiler
from mock_server.generate.namespace import Maker
from mock_server.generate.pools import FakerPools
from mock_server.generate.schema import non_null, properties
from mock_server.generate.stamps import DATE_TIME_FORMAT, HISTORY, SPREAD, formatter, parse_timestamp, timestamp_format
from mock_server.model import ApiModel
from mock_server.settings import DEFAULT_REFERENCE_DATE
from mock_server.types import Record, Schema


class Generator:
    """Makes records of one API's resources; deterministic for a given model, seed and reference date.

    Example:
        gen = Generator(model, seed=42, reference_date=datetime(2026, 1, 1))
        gen.begin_record(0, 50)
        order = gen.record("orders")
    """

    def __init__(
        self,
        model: ApiModel,
        seed: int = 42,
        reference_date: datetime = DEFAULT_REFERENCE_DATE,
        extra_unique: dict[str, tuple[str, ...]] | None = None,
        weights: dict[str, dict[str, dict[Any, float]]] | None = None,
        by_name: bool = False,
    ) -> None:
        self.model = model
        self.seed = seed
        self.reference_date = (parse_timestamp(reference_date.isoformat()) or reference_date).replace(microsecond=0)
        self.rng = random.Random(seed)
        self._pools = FakerPools(model.locale, seed)
        self._clock = [self.reference_date - HISTORY]  # the current record's anchor, read by compiled timestamps
        self._compiler = Compiler(model, self.rng, self._pools, self._clock, extra_unique, weights, by_name)
        self._makers: dict[tuple[str, str], Maker] = {}
        self._formats: dict[tuple[str, str], Callable[[datetime], str]] = {}
        self._records = {name: self._compiler.record(name) for name in model.resources}
        if self._compiler.problems:
            raise SpecError(self._compiler.problems)

    # -- the record clock ------------------------------------------------------------------------------------------

    @property
    def anchor(self) -> datetime:
        """The moment the current record was created; its other timestamps follow it."""
        return self._clock[0]

    def begin_record(self, index: int, count: int) -> None:
        """Move the clock to record `index` of `count`: anchors rise with the index and stay before the reference."""
        usable = (HISTORY - SPREAD).total_seconds()
        offset = (index + self.rng.random()) * usable / max(count, 1)
        self._clock[0] = self.reference_date - HISTORY + timedelta(seconds=int(offset))

    def gap(self, low: timedelta, high: timedelta) -> timedelta:
        """A random duration between low and high, in whole seconds."""
        span = high - low
        return low + timedelta(0, int(self.rng.random() * (span.days * 86400 + span.seconds + 1)))

    # -- values ----------------------------------------------------------------------------------------------------

    def record(self, resource: str) -> Record:
        """A new record of the resource (its properties except includes joins, plus hidden fields); keys unique."""
        record: Record = self._records[resource]()
        return record

    def value(self, resource: str, path: str) -> Any:
        """A new non-null value for the field at `path` ('a/b', '*' for array items or map values)."""
        maker = self._makers.get((resource, path))
        if maker is None:
            maker = self._makers[(resource, path)] = self._compiler.field(
                self.schema_at(resource, path), resource, path
            )
        return maker()

    def stamp(self, resource: str, path: str, moment: datetime) -> str:
        """`moment` rendered in the timestamp format of the field at `path`."""
        render = self._formats.get((resource, path))
        if render is None:
            fmt = timestamp_format(self.schema_at(resource, path)) or DATE_TIME_FORMAT
            render = self._formats[(resource, path)] = formatter(fmt)
        return render(moment)

    def fake(self, provider: str) -> Any:
        """A value of a Faker provider (without arguments), picked from its pool."""
        pool = self._pools.plain(provider)
        return pool[int(self.rng.random() * len(pool))]

    def pick(self, values: Sequence[Any], weights: Sequence[float] | None = None) -> Any:
        """One of `values`, optionally weighted."""
        if weights is None:
            return values[int(self.rng.random() * len(values))]
        return self.rng.choices(values, weights)[0]

    def schema_at(self, resource: str, path: str) -> Schema:
        """The (resolved) schema of the field at `path` in the resource's records; KeyError if there is none."""
        res = self.model.resources[resource]
        parts = path.split("/")
        schema = res.hidden[parts[0]] if parts[0] in res.hidden else properties(res.schema)[parts[0]]
        for part in parts[1:]:
            schema = non_null(schema)
            schema = (
                schema["items"]
                if part == "*" and "items" in schema
                else (schema["additionalProperties"] if part == "*" else properties(schema)[part])
            )
        return non_null(schema)
