"""This module contains the compiling of `x-faker` hints: cheap providers imitated inline with the generator's own
random, unique fields drawn from a seeded stream, and the rest picked from a pool.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from functools import partial
from itertools import groupby
from typing import Any

from mock_server.generate.namespace import Namespace
from mock_server.generate.pools import FakerPools, fit_length, to_json
from mock_server.types import Schema

FORMAT_PROVIDERS = {"email": "email", "uri": "url", "url": "url", "hostname": "domain_name", "ipv4": "ipv4"}
"""The Faker provider for each string format that has one."""

_COERCE: dict[str, Callable[[Any], Any]] = {
    "integer": lambda v: int(v),
    "number": lambda v: round(float(v), 2),
    "string": lambda v: v if isinstance(v, str) else str(to_json(v)),
    "boolean": lambda v: bool(v),
}
_TEMPLATE_PROVIDERS = {"numerify": "#%", "bothify": "#%?", "lexify": "?", "hexify": "^"}
_TEMPLATE_DEFAULTS = {"numerify": "###", "bothify": "## ??", "lexify": "????", "hexify": "^^^^"}


def compile_faker(ns: Namespace, pools: FakerPools, schema: Schema, kind: str, unique: bool) -> str:
    """An expression for a field with an `x-faker` hint; ValueError for a malformed hint or an unknown provider."""
    hint = schema["x-faker"]
    provider, args = (hint, {}) if isinstance(hint, str) else (hint.get("provider"), hint.get("args") or {})
    if not isinstance(provider, str) or not isinstance(args, dict):
        raise ValueError(f"x-faker must be a provider name or {{provider, args}}, not {hint!r}")
    coerce = _COERCE.get(kind, to_json)
    native = _native(ns, provider, args)
    if native is not None:
        return native if kind not in ("integer", "number") else f"{ns.bind(coerce)}({native})"
    if unique:
        method = getattr(pools.stream(provider, args), provider)
        return f"{ns.bind(coerce)}({ns.call(partial(method, **args))})"
    return ns.pick(fit_length(pools.pool(provider, args, coerce), schema), None)


def compile_uuid(ns: Namespace) -> str:
    """An expression for a random version 4 UUID string."""
    return f"{ns.bind(_uuid4)}({ns.bind(ns.rng.getrandbits)}(128))"


def _native(ns: Namespace, provider: str, args: dict[str, Any]) -> str | None:
    """An inline expression for the providers that are cheap to imitate with our own random.Random (no pool)."""
    if provider in _TEMPLATE_PROVIDERS:
        marks, text = _TEMPLATE_PROVIDERS[provider], args.get("text", _TEMPLATE_DEFAULTS[provider])
        if set(args) - {"text", "letters", "upper"} or not isinstance(text, str) or set(text) & set("!@"):
            return None  # Faker's optional-digit marks stay with Faker
        return _template(ns, text, marks, str(args.get("letters", string.ascii_letters)), bool(args.get("upper")))
    if provider == "uuid4" and not args:
        return compile_uuid(ns)
    bounds = {"pyint": ("min_value", "max_value", 0, 9999), "random_int": ("min", "max", 0, 9999)}.get(provider)
    if bounds is not None and set(args) <= {bounds[0], bounds[1]}:
        low, high = int(args.get(bounds[0], bounds[2])), int(args.get(bounds[1], bounds[3]))
        return f"({low} + int(rnd() * {high - low + 1}))"
    if provider == "pyfloat" and {"min_value", "max_value"} <= set(args) <= {
        "min_value",
        "max_value",
        "right_digits",
    }:
        low_f, high_f, digits = float(args["min_value"]), float(args["max_value"]), int(args.get("right_digits", 2))
        return f"min(max(round({low_f!r} + rnd() * {high_f - low_f!r}, {digits}), {low_f!r}), {high_f!r})"
    return None


def _template(ns: Namespace, text: str, marks: str, letters: str, upper: bool) -> str:
    # An inline expression; a run of digits or hex digits is one random number (a ticket number is one call).
    parts: list[str] = []
    for mark, group in groupby(text):
        size = len(list(group))
        if mark not in marks:
            parts.append(repr(mark * size))
        elif mark == "#":  # in chunks a float's 53 bits cover
            parts += [f"('%0{n}d' % int(rnd() * {10**n}))" for n in [15] * (size // 15) + [size % 15] if n]
        elif mark == "^":
            parts.append(f"('%0{size}{'X' if upper else 'x'}' % {ns.bind(ns.rng.getrandbits)}({4 * size}))")
        else:
            alphabet = ns.bind("123456789" if mark == "%" else letters)
            count = 9 if mark == "%" else len(letters)
            parts += [f"{alphabet}[int(rnd() * {count})]"] * size
    return " + ".join(parts) if parts else "''"


def _uuid4(bits: int) -> str:
    # Version 4 and the RFC 4122 variant, as uuid.UUID(int=bits, version=4) sets them, without its overhead.
    bits = (bits & ~(0xF000 << 64) | (4 << 76)) & ~(0xC000 << 48) | (0x8000 << 48)
    text = f"{bits:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
