"""This module contains the counters behind unique keys: integers and numbered codes count up, as in a real database.

Ids grow with creation time, and a counter never repeats, so 100,000 orders fit a 'SO-######' template without retries.
"""

from __future__ import annotations

import random
import re

from mock_server.generate.namespace import Maker
from mock_server.generate.schema import INTEGER_RANGE, bounds
from mock_server.types import Schema


def make_counter(schema: Schema, kind: str, rng: random.Random) -> Maker | None:
    """A counter for a unique integer or a unique numbered template (one run of '#'); None for anything else.

    The start is drawn from `rng` at once, so call this once per compiled field.
    """
    state = [0]
    rnd = rng.random
    if kind == "integer":
        low, _ = bounds(schema, INTEGER_RANGE)
        state[0] = int(low) + rng.randrange(1000, 9000)

        def count() -> int:
            state[0] += 1 + int(rnd() * 3)
            return state[0]

        return count
    hint = schema.get("x-faker")
    if not isinstance(hint, dict) or hint.get("provider") not in ("numerify", "bothify"):
        return None
    text = (hint.get("args") or {}).get("text")
    numbered = re.fullmatch(r"([^#%?!@]*)(#+)([^#%?!@]*)", text) if isinstance(text, str) else None
    if numbered is None:
        return None
    head, digits, tail = numbered.groups()
    width = len(digits)
    state[0] = rng.randrange(1, max(2, min(1000, 10**width // 100)))

    def number() -> str:
        state[0] += 1
        return f"{head}{state[0]:0{width}d}{tail}"

    return number
