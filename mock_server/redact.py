"""This module contains secret masking for everything mock-server writes: journal, logs, contract reports.

A credential is masked where it stands: the value of a credential header or query parameter, or a whole token of
text equal to a known secret. It is never cut out of another word: with the token `t`, `Authorization` and
`http://` stay as they are.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from urllib.parse import quote, quote_plus, unquote_plus, urlsplit, urlunsplit

MASK = "[Filtered]"
SECRET_PARAM_NAMES = frozenset(
    {
        "apikey",
        "api_key",
        "api-key",
        "token",
        "access_token",
        "access-token",
        "x-access-token",
        "admin_token",
        "password",
        "secret",
        "client_secret",
        "authorization",
    }
)
SECRET_HEADER_NAMES = frozenset(
    {"authorization", "x-access-token", "x-admin-token", "cookie", "proxy-authorization", "x-api-key", "apikey"}
)
SECRET_HEADER_KEYS = frozenset(name.encode() for name in SECRET_HEADER_NAMES)
"""The same names as ASGI header keys (lower-case bytes)."""

_INNER = r"[\w~%-]"
"""Characters that continue a word or a token; `.` and `'` continue one only between two of them (`e.g.`, `don't`)."""


def is_secret_name(name: str) -> bool:
    """Exact credential names only: a filter such as PlanDocket's `event_key` stays readable."""
    return name.lower() in SECRET_PARAM_NAMES


_SECRET_NAME_HINT = re.compile("|".join(re.escape(name) for name in SECRET_PARAM_NAMES) + "|[%+]", re.IGNORECASE)
"""Matches every query string that may carry a credential parameter (names can also come percent- or +-encoded)."""


def redact_query(query: str) -> str:
    """A query string with the values of credential parameters masked (other parameters unchanged)."""
    return mask_query(query)[0]


def mask_query(query: str, secrets: Iterable[str] = ()) -> tuple[str, list[str]]:
    """The query string with credential parameter values masked, and those values (to mask them elsewhere too).

    A value of another parameter is masked too where it holds one of `secrets` as a whole token (a credential from
    a header pasted into a filter); the query comes back unchanged when nothing was masked.
    """
    known = [s for s in secrets if s]
    if not query or (_SECRET_NAME_HINT.search(query) is None and not _mentions(query, known)):
        return query, []
    found: list[str] = []
    segments: list[str] = []
    for segment in query.split("&"):  # segment by segment: what is not masked stays exactly as the client sent it
        raw_name, equals, raw_value = segment.partition("=")
        name = unquote_plus(raw_name, errors="replace")
        if is_secret_name(name):
            found.append(unquote_plus(raw_value, errors="replace"))
            segments.append(f"{raw_name}={MASK}")
            continue
        if equals and known:
            value = unquote_plus(raw_value, errors="replace")
            redacted = redact_text(value, known)
            if redacted != value:
                segment = f"{raw_name}={quote_plus(redacted, safe='[]')}"
        segments.append(segment)
    return "&".join(segments), found


def redact_text(text: str, secrets: Iterable[str]) -> str:
    """Replace each whole-token occurrence of a known secret value by MASK (longest first)."""
    return replace_secrets(text, dict.fromkeys(secrets, MASK))


def replace_secrets(text: str, replacements: Mapping[str, str]) -> str:
    """Replace each whole-token occurrence of a secret by its replacement: a token is bounded by the text's ends or
    by characters that cannot continue a word (space, quotes, `=`, `&`, `/`, `:`, ...)."""
    present = tuple(sorted((s for s in replacements if s and s in text), key=len, reverse=True))
    if not present:  # the common case, and cheap: no secret occurs at all
        return text
    return _token_pattern(present).sub(lambda match: replacements[match.group(0)], text)


@lru_cache(maxsize=256)
def _token_pattern(secrets: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(s) for s in secrets)
    return re.compile(rf"(?<!{_INNER})(?<!{_INNER}[.'])(?:{alternatives})(?!{_INNER})(?![.']{_INNER})")


def _mentions(text: str, secrets: Iterable[str]) -> bool:
    return any(variant in text for s in secrets for variant in secret_variants(s))


@lru_cache(maxsize=1024)
def secret_variants(secret: str) -> tuple[str, ...]:
    """The spellings a secret takes in what is written: raw, percent-encoded, form-encoded, inside a JSON string."""
    return tuple(dict.fromkeys((secret, quote(secret, safe=""), quote_plus(secret), json.dumps(secret)[1:-1])))


def mask_url_password(url: str) -> str:
    """The URL with the password of its userinfo (`https://user:secret@host`) masked."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:{MASK}@{host}"))


def decoded_query_value(raw: str) -> str:
    """A form-encoded query value as text."""
    return unquote_plus(raw, errors="replace")
