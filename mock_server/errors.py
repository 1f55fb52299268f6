"""This module contains the error tree and the problem types of request errors.

MockServerError              start-up and command errors: the CLI prints them and exits 2
├── SettingsError            bad command line or config file
├── SpecError                a spec that cannot be loaded or used
├── FixtureError             a fixture file that breaks its spec or a business rule
├── StateError               a --state file that is not a usable SQLite state file
└── ProblemError             a request error rendered as application/problem+json (RFC 7807)
"""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import orjson
from connexion.exceptions import ProblemException


class MockServerError(Exception):
    """Root of every error mock-server raises on purpose."""


class SettingsError(MockServerError):
    """A bad command-line option or config file."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem found in a file: where and why."""

    file: str
    pointer: str
    message: str
    warning: bool = False
    """House style rather than breakage (`validate`: reported, exit 0; an error with --strict)."""

    def __str__(self) -> str:
        return f"{self.file}: {self.pointer or '/'}: {'warning: ' if self.warning else ''}{self.message}"


class ProblemListError(MockServerError):
    """An error carrying every problem found, one line each."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class SpecError(ProblemListError):
    """A spec file that is invalid or that the mock cannot use."""


class FixtureError(ProblemListError):
    """A fixture file whose records break the spec or a business rule."""


class StateError(ProblemListError):
    """A state file (--state) that cannot be opened or read."""


PROBLEM_TYPE_BASE = "https://mock-server.local/problems/"


@dataclass(frozen=True, slots=True)
class ProblemType:
    """A kind of request error: a stable `type` slug, a title and a status."""

    slug: str
    title: str
    status: int

    @property
    def uri(self) -> str:
        return PROBLEM_TYPE_BASE + self.slug


BAD_REQUEST = ProblemType("bad-request", "Bad Request", 400)
UNAUTHORIZED = ProblemType("unauthorized", "Unauthorized", 401)
FORBIDDEN = ProblemType("forbidden", "Forbidden", 403)
NOT_FOUND = ProblemType("not-found", "Not Found", 404)
METHOD_NOT_ALLOWED = ProblemType("method-not-allowed", "Method Not Allowed", 405)
PAYLOAD_TOO_LARGE = ProblemType("payload-too-large", "Payload Too Large", 413)
UNSUPPORTED_MEDIA_TYPE = ProblemType("unsupported-media-type", "Unsupported Media Type", 415)
INTERNAL = ProblemType("internal-error", "Internal Server Error", 500)
PROBLEM_TYPES = {
    kind.status: kind
    for kind in (
        BAD_REQUEST,
        UNAUTHORIZED,
        FORBIDDEN,
        NOT_FOUND,
        METHOD_NOT_ALLOWED,
        PAYLOAD_TOO_LARGE,
        UNSUPPORTED_MEDIA_TYPE,
        INTERNAL,
    )
}
PROBLEM_MEDIA_TYPE = "application/problem+json"


def problem_type(status: int) -> ProblemType:
    """The problem type of a status: the named ones above, else one whose slug is the status phrase."""
    known = PROBLEM_TYPES.get(status)
    if known is not None:
        return known
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    return ProblemType(phrase.lower().replace(" ", "-").replace("'", ""), phrase, status)


def problem_body(
    status: int, detail: str, title: str | None = None, *, kind: ProblemType | None = None, **ext: Any
) -> bytes:
    """The one error body of every 4xx/5xx the mock produces: compact application/problem+json (RFC 7807) whose
    `type` is under PROBLEM_TYPE_BASE."""
    kind = kind or problem_type(status)
    return orjson.dumps({"type": kind.uri, "title": title or kind.title, "status": status, "detail": detail, **ext})


class ProblemError(ProblemException, MockServerError):  # type: ignore[misc]
    """A request error; connexion's exception middleware renders it as problem+json."""

    def __init__(self, kind: ProblemType, detail: str, **ext: Any) -> None:
        # connexion's initializer, named: mypy resolves super() past the untyped base to BaseException
        ProblemException.__init__(
            self, status=kind.status, title=kind.title, detail=detail, type=kind.uri, ext=ext or None
        )
        self.kind = kind
