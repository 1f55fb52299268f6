"""This module contains how rule messages show values: short, JSON-like, one line."""

from __future__ import annotations

import json
from typing import Any

from mock_server.diff.normalize import plain

_MAX = 60


def show(value: Any) -> str:
    """A value for a one-line message: `"abc"`, `3`, `[1, 2]`, `none` for a missing one; long values shortened."""
    if value is None:
        return "none"
    text = json.dumps(plain(value), ensure_ascii=False, sort_keys=True, default=str)
    return text if len(text) <= _MAX else text[: _MAX - 3] + "..."


def show_set(values: Any) -> str:
    """Values of an enum difference: `"a", "b"`."""
    return ", ".join(show(v) for v in values)


def show_change(old: Any, new: Any) -> str:
    """What differs between two values, by dotted key: `limit changed from 20 to 50; style removed (was "keyset")`."""
    parts = []
    for key, was, now in _differences(plain(old), plain(new), ""):
        name = f"{key} " if key else ""
        if was is _MISSING:
            parts.append(f"{name}added: {show(now)}")
        elif now is _MISSING:
            parts.append(f"{name}removed (was {show(was)})")
        else:
            parts.append(f"{name}changed from {show(was)} to {show(now)}")
    return "; ".join(parts[:3]) + (f"; and {len(parts) - 3} more" if len(parts) > 3 else "")


_MISSING = object()


def _differences(old: Any, new: Any, prefix: str) -> list[tuple[str, Any, Any]]:
    if isinstance(old, dict) and isinstance(new, dict):
        out = []
        for key in dict.fromkeys([*old, *new]):
            path = f"{prefix}.{key}" if prefix else str(key)
            out += _differences(old.get(key, _MISSING), new.get(key, _MISSING), path)
        return out
    return [] if old == new else [(prefix, old, new)]
