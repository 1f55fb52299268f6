"""This module contains what drift knows of single JSON values: type names, formats, masking and example hashes."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

import orjson

from mock_server.redact import MASK

JSON_TYPES = ("null", "boolean", "integer", "number", "string", "array", "object")


def type_name(value: Any) -> str:
    """The JSON type name of a parsed JSON value (an integral float counts as integer, as in JSON Schema)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "integer" if value.is_integer() else "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def matches_type(value: Any, declared: str) -> bool:
    """Whether a non-null value has the declared OpenAPI type (unknown type names match everything)."""
    actual = type_name(value)
    if declared == "number":
        return actual in ("integer", "number")
    return actual == declared or declared not in JSON_TYPES


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_BYTE = re.compile(r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$")


def _is_date(text: str) -> bool:
    if not _DATE.match(text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _is_date_time(text: str) -> bool:
    if not _DATE_TIME.match(text):
        return False
    try:
        datetime.fromisoformat(text.replace("z", "Z").replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _is_uri(text: str) -> bool:
    parts = urlsplit(text)
    return bool(parts.scheme) and bool(parts.netloc or parts.path)


def _is_ip(version: int) -> Callable[[str], bool]:
    def check(text: str) -> bool:
        try:
            return ipaddress.ip_address(text).version == version
        except ValueError:
            return False

    return check


STRING_FORMATS: dict[str, Callable[[str], bool]] = {
    "date-time": _is_date_time,
    "date": _is_date,
    "uuid": lambda text: bool(_UUID.match(text)),
    "email": lambda text: bool(_EMAIL.match(text)),
    "uri": _is_uri,
    "ipv4": _is_ip(4),
    "ipv6": _is_ip(6),
    "byte": lambda text: bool(_BYTE.match(text)),
}
INTEGER_FORMATS = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}
INFERRED_FORMATS = ("date-time", "date", "uuid", "email")
"""The formats a proposal infers from observed strings (the others are too easily matched by accident)."""


def breaks_format(value: Any, fmt: str) -> bool:
    """Whether the value breaks a format we know; unknown formats (and float/double) are never broken."""
    if isinstance(value, str) and fmt in STRING_FORMATS:
        return not STRING_FORMATS[fmt](value)
    if type_name(value) == "integer" and fmt in INTEGER_FORMATS:
        low, high = INTEGER_FORMATS[fmt]
        return not low <= int(value) <= high
    return False


def infer_format(text: str) -> str | None:
    """The first of INFERRED_FORMATS the string satisfies."""
    return next((fmt for fmt in INFERRED_FORMATS if STRING_FORMATS[fmt](text)), None)


_PATTERNS: dict[str, re.Pattern[str] | None] = {}


def breaks_pattern(text: str, pattern: str) -> bool:
    """Whether a string breaks an ECMA pattern (read as a Python regex; one that doesn't compile is never broken)."""
    if pattern not in _PATTERNS:
        try:
            _PATTERNS[pattern] = re.compile(pattern)
        except re.error:
            _PATTERNS[pattern] = None
    compiled = _PATTERNS[pattern]
    return compiled is not None and compiled.search(text) is None


# Personal data and credentials that --keep-examples still masks, matched inside a string (the rest stays readable).
_SENSITIVE = [
    re.compile(r"[^@\s\"'<>(),;:]+@[^@\s\"'<>(),;:]+\.[A-Za-z]{2,}"),  # e-mail address
    re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b"),  # IBAN
    re.compile(r"(?<![\w-])(?:\d[ -]?){12,18}\d(?![\w-])"),  # card number (13-19 digits)
    re.compile(r"(?<![\w+-])(?:\+|00|0)\d[\d ()./-]{5,}\d(?![\w-])"),  # phone number
    re.compile(r"\beyJ[\w-]+\.[\w-]+\.[\w-]*"),  # JWT
    re.compile(r"(?i)\b(?:bearer|basic|token)\s+\S+"),  # a credential with its scheme
]
_WORD = re.compile(r"[\w./+=~-]{20,}")


def _mask_token(match: re.Match[str]) -> str:
    """A long word with upper case, lower case and digits is taken for a token (hex ids and UUIDs are not)."""
    word = match.group(0)
    mixed = any(c.isupper() for c in word) and any(c.islower() for c in word) and any(c.isdigit() for c in word)
    return MASK if mixed else word


def replace_secrets(text: str, secrets: Iterable[str]) -> str:
    """The string with every known secret value replaced by MASK (longest first)."""
    for secret in sorted({s for s in secrets if len(s) >= 3}, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


def mask_text(text: str, secrets: Iterable[str] = ()) -> str:
    """The string with known secrets and anything that looks like personal data or a token replaced by MASK."""
    text = replace_secrets(text, secrets)
    for pattern in _SENSITIVE:
        text = pattern.sub(MASK, text)
    return _WORD.sub(_mask_token, text)


def mask_value(value: Any, secrets: Iterable[str] = ()) -> Any:
    """A JSON value with every string (object keys included) passed through mask_text."""
    known = tuple(secrets)
    if isinstance(value, str):
        return mask_text(value, known)
    if isinstance(value, list):
        return [mask_value(v, known) for v in value]
    if isinstance(value, dict):
        return {mask_text(str(k), known): mask_value(v, known) for k, v in value.items()}
    return value


def looks_sensitive(text: str) -> bool:
    """Whether masking would change the string: such a string is never used as a name in any output."""
    return mask_text(text) != text


def example_of(value: Any, key: bytes, *, keep: bool, secrets: Iterable[str] = ()) -> dict[str, Any]:
    """`{"type", "hash"}` of a value (HMAC-SHA-256 under the run's key, 8 hex digits); with keep, its masked value."""
    canonical = orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    digest = hmac.new(key, canonical, hashlib.sha256).hexdigest()[:8]
    example: dict[str, Any] = {"type": type_name(value), "hash": f"sha256:{digest}"}
    if keep:
        example["value"] = mask_value(value, secrets)
    return example
