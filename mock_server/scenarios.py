"""This module contains per-request scenario overrides decoded from the `Prefer` header (Prism-compatible).

Prefer: code=404          answer with the operation's documented 404 and its example
Prefer: example=cancelled answer with the named example of the success response
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mock_server.errors import BAD_REQUEST, ProblemError, problem_type


@dataclass(frozen=True, slots=True)
class Preferences:
    code: str | None = None
    example: str | None = None

    @classmethod
    def from_header(cls, header: str | None) -> Preferences:
        if not header:
            return cls()
        values: dict[str, str] = {}
        for part in header.replace(";", ",").split(","):
            name, _, value = part.strip().partition("=")
            if value:
                values[name.strip().lower()] = value.strip().strip('"')
        return cls(code=values.get("code"), example=values.get("example"))

    @property
    def active(self) -> bool:
        return self.code is not None or self.example is not None


@dataclass(frozen=True, slots=True)
class Canned:
    """A documented response picked by a Prefer header."""

    status: int
    media_type: str
    body: Any


def pick_response(responses: dict[str, Any], prefs: Preferences) -> Canned:
    """The documented response and example the preferences ask for; ProblemError (400) naming the choices."""
    documented = [str(s) for s in responses]
    if prefs.code is not None:
        status = prefs.code
        if status not in documented:
            raise ProblemError(
                BAD_REQUEST,
                f"Prefer: code={status} is not a documented response of this "
                f"operation; documented: {', '.join(documented)}",
            )
    else:
        status = next((s for s in documented if s.startswith("2")), "200")
    content = (responses.get(status) or {}).get("content") or {}
    media_type = "application/json" if "application/json" in content else next(iter(content), "application/json")
    media = content.get(media_type) or {}
    examples = {name: ex.get("value") for name, ex in (media.get("examples") or {}).items() if isinstance(ex, dict)}
    if prefs.example is not None:
        if prefs.example not in examples:
            raise ProblemError(
                BAD_REQUEST,
                f"Prefer: example={prefs.example} is not an example of the {status} "
                f"response; examples: {', '.join(examples) or 'none'}",
            )
        body = examples[prefs.example]
    elif "example" in media:
        body = media["example"]
    elif examples:
        body = next(iter(examples.values()))
    else:
        body = {"type": problem_type(int(status)).uri, "title": f"Mocked {status}", "status": int(status)}
    return Canned(status=int(status), media_type=media_type, body=body)
