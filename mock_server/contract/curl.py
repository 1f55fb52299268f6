"""This module contains reproducing curl commands built from the request a run really sent.

Each credential stays where it stands, replaced by a shell reference to where the run read it
(`-H "Authorization: Bearer $MOCK_SERVER_MITTWALD_TOKEN"`), so the command runs as printed once that variable is
set; nothing else in the command changes.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import unquote_plus

from mock_server.redact import redact_text, replace_secrets, secret_variants

# Headers the HTTP client adds on its own; a reproduction reads better without them (as in Schemathesis' curl).
_CLIENT_HEADERS = {
    "content-length": None,
    "transfer-encoding": None,
    "x-schemathesis-testcaseid": None,
    "connection": "keep-alive",
    "accept": "*/*",
    "user-agent": None,
    "accept-encoding": None,
}
_DOUBLE_QUOTED_SPECIALS = frozenset('"$`\\!')


@dataclass(frozen=True, slots=True)
class SentRequest:
    """One request as it went over the wire."""

    method: str
    url: str
    headers: Mapping[str, str]
    body: bytes | None = None


def curl_command(request: SentRequest, references: Mapping[str, str]) -> str:
    """A curl command that sends `request` again, each secret (a key of `references`) replaced by its reference:
    a shell expansion (`$VAR`, `${VAR:?...}`) or a placeholder in angle brackets."""
    words = ["curl", "-X", request.method]
    for name, value in request.headers.items():
        if _is_client_header(name, value):
            continue
        words += ["-H", _word(f"{name}: {value}" if value else f"{name};", references)]
    url, extra_query = _url(request.url, references)
    if request.body:
        body = request.body.decode("utf-8", errors="replace")
        json_safe = {s: r for s, r in references.items() if json.dumps(s)[1:-1] == s}
        words += ["-d", _word(body, json_safe)]
    for pair in extra_query:
        words += ["--url-query", pair]
    words.append(url)
    # a secret the request carried percent- or JSON-encoded where no reference fits is masked, never shown
    encoded = [v for s in references for v in secret_variants(s) if v != s]
    return redact_text(" ".join(words), encoded)


def _is_client_header(name: str, value: str) -> bool:
    lowered = name.lower()
    if lowered not in _CLIENT_HEADERS:
        return False
    default = _CLIENT_HEADERS[lowered]
    return default is None or value == default


def _url(url: str, references: Mapping[str, str]) -> tuple[str, list[str]]:
    """The quoted URL; a query value holding a secret that URL encoding changes moves to `--url-query`, which curl
    encodes itself (an expanded variable cannot be percent-encoded by the shell)."""
    base, sep, query = url.partition("?")
    if not sep:
        return _word(url, references), []
    fragment = ""
    if "#" in query:
        query, fragment = query.split("#", 1)
        fragment = "#" + fragment
    kept: list[str] = []
    moved: list[str] = []
    for part in query.split("&"):
        name, eq, raw = part.partition("=")
        value = unquote_plus(raw, errors="replace")
        if eq and value != raw and replace_secrets(value, references) != value:
            moved.append(_word(f"{unquote_plus(name)}={value}", references))
        else:
            kept.append(part)
    rebuilt = base + ("?" + "&".join(kept) if kept else "") + fragment
    return _word(rebuilt, references), moved


def _word(text: str, references: Mapping[str, str]) -> str:
    """One shell word: the text quoted, with each whole-token secret replaced by its reference."""
    marker = next(m for m in ("\x00", "\x01", "\ue000", "\ue001\ue002") if m not in text)  # one the text lacks
    marked = replace_secrets(text, {s: f"{marker}{r}{marker}" for s, r in references.items()})
    if marked == text:
        return _literal(text)
    parts = marked.split(marker)  # literal, reference, literal, reference, ..., literal
    if all(p.isprintable() and not (_DOUBLE_QUOTED_SPECIALS & set(p)) for p in parts[0::2]):
        # the readable form: "Authorization: Bearer $MOCK_SERVER_MITTWALD_TOKEN"
        return '"' + "".join(parts) + '"'
    pieces = []
    for index, part in enumerate(parts):
        if index % 2 and part.startswith("$"):
            pieces.append(f'"{part}"')
        elif part:
            pieces.append(_literal(part))
    return "".join(pieces)


def _literal(text: str) -> str:
    """Shell-quoted literal text; non-printable characters as ANSI-C escapes."""
    if text.isprintable():
        return shlex.quote(text)
    escaped = "".join(c if c.isprintable() and c not in "'\\" else _escape(c) for c in text)
    return f"$'{escaped}'"


def _escape(char: str) -> str:
    if char in "'\\":
        return "\\" + char
    return "".join(f"\\x{b:02x}" for b in char.encode("utf-8"))
