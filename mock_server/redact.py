"""This module contains secret masking for everything mock-server writes: journal, logs, contract reports."""

from __future__ import annotations

import re
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
SECRET_HEADER_KEYS = frozenset(name.encode() for name in SECRET_HEADER_NAMES)
"""The same names as ASGI header keys (lower-case bytes)."""


def is_secret_name(name: str) -> bool:
    """Exact credential names only: a filter such as PlanDocket's `event_key` stays readable."""
    return name.lower() in SECRET_PARAM_NAMES


_SECRET_NAME_HINT = re.compile("|".join(re.escape(name) for name in SECRET_PARAM_NAMES) + "|[%+]", re.IGNORECASE)
"""Matches every query string that may carry a credential parameter (names can also come percent- or +-encoded)."""


def redact_query(query: str) -> str:
    """A query string with the values of credential parameters masked (other parameters unchanged)."""
    return mask_query(query)[0]


def mask_query(query: str) -> tuple[str, list[str]]:
    """The query string with credential parameter values masked, and those values (to mask them elsewhere too)."""
    if not query or _SECRET_NAME_HINT.search(query) is None:
        return query, []
    pairs = parse_qsl(query, keep_blank_values=True, errors="replace")
    secrets = [v for k, v in pairs if is_secret_name(k)]
    if not secrets:
        return query, []
    return urlencode([(k, MASK if is_secret_name(k) else v) for k, v in pairs], safe="[]"), secrets


def redact_text(text: str, secrets: Iterable[str]) -> str:
    """Replace every literal occurrence of known secret values (longest first)."""
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text
