"""This module contains the namespace that compiled schemas are evaluated in, and the writing of expressions over it.

A schema compiles to a Python expression over names bound here. A record's expressions nest into one dict display that
is evaluated once per record, so a plain field costs an inline random pick, not a call.
"""

from __future__ import annotations

import copy
import math
import random
from bisect import bisect
from collections.abc import Callable, Sequence
from itertools import accumulate
from typing import Any

Maker = Callable[[], Any]
"""A compiled schema: each call returns a new value."""


class Namespace:
    """The names an expression reads: `rnd` (the generator's random draw), `bisect` and each bound value.

    Example:
        ns = Namespace(random.Random(42))
        make = ns.function(ns.pick(["a", "b"], None))
    """

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._names: dict[str, Any] = {"rnd": rng.random, "bisect": bisect}

    def function(self, expr: str) -> Maker:
        """A function that evaluates `expr` anew on each call."""
        maker: Maker = eval(f"lambda: {expr}", self._names)  # the text holds only reprs and bound names
        return maker

    def bind(self, value: Any) -> str:
        """A new name that reads `value`."""
        name = f"_{len(self._names)}"
        self._names[name] = value
        return name

    def call(self, maker: Maker) -> str:
        """An expression that calls `maker`."""
        return f"{self.bind(maker)}()"

    def literal(self, value: Any) -> str:
        """An expression for `value`: its repr where that is exact, else a fresh deep copy."""
        if value is None or isinstance(value, bool | int | str) or (isinstance(value, float) and math.isfinite(value)):
            return repr(value)
        return f"{self.bind(copy.deepcopy)}({self.bind(value)})"

    def pick(self, values: list[Any], weights: Sequence[float] | None) -> str:
        """An expression for one of `values`, optionally weighted; ValueError for no values or unusable weights."""
        if not values:
            raise ValueError("empty value list (x-mock-values or enum)")
        if weights is None and len(values) == 1:
            return self.literal(values[0])
        if weights is None:
            pick = f"{self.bind(values)}[int(rnd() * {len(values)})]"
        elif len(weights) != len(values) or sum(weights) <= 0:
            raise ValueError("x-mock-weights must give one positive weight per value")
        else:
            cumulative = list(accumulate(float(w) for w in weights))
            pick = (
                f"{self.bind(values)}[min(bisect({self.bind(cumulative)}, rnd() * {cumulative[-1]!r}), "
                f"{len(values) - 1})]"
            )
        if all(v is None or isinstance(v, bool | int | float | str) for v in values):
            return pick
        return f"{self.bind(copy.deepcopy)}({pick})"
