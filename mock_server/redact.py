"""This module contains secret masking for everything mock-server writes: journal, logs, contract reports."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode

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


def is_secret_name(name: str) -> bool:
    """Exact credential names only: a filter such as PlanDocket's `event_key` stays readable."""
    return name.lower() in SECRET_PARAM_NAMES


def redact_query(query: str) -> str:
    """A query string with the values of credential parameters masked (other parameters unchanged)."""
    if not query:
        return query
    pairs = parse_qsl(query, keep_blank_values=True, errors="replace")
    if not any(is_secret_name(k) for k, _ in pairs):
        return query
    return urlencode([(k, MASK if is_secret_name(k) else v) for k, v in pairs], safe="[]")


def redact_text(text: str, secrets: Iterable[str]) -> str:
    """Replace every literal occurrence of known secret values (longest first)."""
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text
