"""This module contains which parts of a request are credentials: they go upstream and appear nowhere else."""

from __future__ import annotations

from collections.abc import Iterable
from http.cookies import CookieError, SimpleCookie
from urllib.parse import parse_qsl

from mock_server.redact import SECRET_HEADER_NAMES, SECRET_PARAM_NAMES
from mock_server.specs import Spec


def credential_names(spec: Spec) -> tuple[frozenset[str], frozenset[str]]:
    """(header names, query parameter names) that carry credentials: the usual ones plus the spec's apiKey schemes."""
    headers, params = set(SECRET_HEADER_NAMES), set(SECRET_PARAM_NAMES)
    schemes = ((spec.document.get("components") or {}).get("securitySchemes")) or {}
    for scheme in schemes.values():
        if not isinstance(scheme, dict) or scheme.get("type") != "apiKey" or not scheme.get("name"):
            continue
        where = scheme.get("in")
        if where == "header":
            headers.add(str(scheme["name"]).lower())
        elif where == "query":
            params.add(str(scheme["name"]).lower())
    return frozenset(headers), frozenset(params)


def request_secrets(
    names: tuple[frozenset[str], frozenset[str]], headers: Iterable[tuple[str, str]], query: str
) -> tuple[str, ...]:
    """Every credential value of a request (header values, their token part, cookie values, query values)."""
    header_names, param_names = names
    found: list[str] = []
    for name, value in headers:
        lower = name.lower()
        if lower == "cookie":
            found += _cookie_values(value)
        if lower in header_names:
            found.append(value)
            scheme, _, token = value.partition(" ")
            if token and scheme.isalpha():
                found.append(token.strip())
    found += [value for name, value in parse_qsl(query, keep_blank_values=False) if name.lower() in param_names]
    return tuple(dict.fromkeys(v for v in found if v))


def _cookie_values(header: str) -> list[str]:
    cookie: SimpleCookie = SimpleCookie()
    try:
        cookie.load(header)
    except CookieError:
        return [part.partition("=")[2].strip() for part in header.split(";")]
    return [morsel.value for morsel in cookie.values()]
