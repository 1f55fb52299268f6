"""This module contains the rules of area `security`: which credentials an operation takes, and how they are sent.

`security` is a list of alternatives (any one will do), each naming schemes that are all needed, with scopes.
"""

from __future__ import annotations

from collections.abc import Iterator

from mock_server.diff.findings import Hit, rule
from mock_server.diff.normalize import escape, plain
from mock_server.diff.pairs import DocumentPair, OperationPair
from mock_server.diff.rules.show import show

Alternative = frozenset[tuple[str, frozenset[str]]]
_SCHEME_KEYS = ("type", "scheme", "in", "name", "bearerFormat", "flows", "openIdConnectUrl")


def _anonymous(alternatives: tuple[Alternative, ...]) -> bool:
    return not alternatives or frozenset() in alternatives


def _schemes(alternative: Alternative) -> frozenset[str]:
    return frozenset(name for name, _ in alternative)


def _show(alternative: Alternative) -> str:
    return " + ".join(sorted(_schemes(alternative))) or "none"


def _authenticated(pair: OperationPair) -> tuple[tuple[Alternative, ...], tuple[Alternative, ...]] | None:
    """Both sides' alternatives when both demand credentials; None otherwise."""
    old, new = pair.old.security, pair.new.security
    return None if _anonymous(old) or _anonymous(new) else (old, new)


def _pointer(pair: OperationPair, api_default: bool) -> str:
    return "/security" if api_default else f"{pair.new.pointer}/security"


@rule(
    "security-requirement-added",
    "error",
    "security",
    "an operation callable without credentials now requires them",
    "operation",
)
def requirement_added(pair: OperationPair) -> Iterator[Hit]:
    if _anonymous(pair.old.security) and not _anonymous(pair.new.security):
        now = " or ".join(_show(a) for a in pair.new.security)
        yield Hit(f"credentials now required ({now}; were none)", _pointer(pair, "security" not in pair.new.raw))


@rule("security-requirement-removed", "info", "security", "an operation no longer requires credentials", "operation")
def requirement_removed(pair: OperationPair) -> Iterator[Hit]:
    if not _anonymous(pair.old.security) and _anonymous(pair.new.security):
        was = " or ".join(_show(a) for a in pair.old.security)
        yield Hit(f"credentials no longer required (were {was})", pair.new.pointer)


@rule(
    "security-alternative-removed",
    "error",
    "security",
    "a way to authenticate is removed (or needs another scheme as well): clients using it get 401",
    "operation",
)
def alternative_removed(pair: OperationPair) -> Iterator[Hit]:
    sides = _authenticated(pair)
    if sides:
        new_sets = {_schemes(a) for a in sides[1]}
        for alternative in sides[0]:
            if _schemes(alternative) not in new_sets:
                now = " or ".join(_show(a) for a in sides[1])
                where = _pointer(pair, "security" not in pair.new.raw)
                yield Hit(f"authentication {_show(alternative)} no longer accepted (now {now})", where)


@rule("security-alternative-added", "info", "security", "a further way to authenticate is added", "operation")
def alternative_added(pair: OperationPair) -> Iterator[Hit]:
    sides = _authenticated(pair)
    if sides:
        old_sets = {_schemes(a) for a in sides[0]}
        for alternative in sides[1]:
            if _schemes(alternative) not in old_sets:
                yield Hit(f"authentication {_show(alternative)} added", _pointer(pair, "security" not in pair.new.raw))


@rule(
    "security-scope-added",
    "error",
    "security",
    "a scope is added to a security requirement: tokens without it get 403",
    "operation",
)
def scope_added(pair: OperationPair) -> Iterator[Hit]:
    sides = _authenticated(pair)
    if sides:
        old_by_schemes = {_schemes(a): dict(a) for a in sides[0]}
        for alternative in sides[1]:
            old = old_by_schemes.get(_schemes(alternative), {})
            for name, scopes in sorted(alternative):
                added = scopes - old.get(name, scopes)
                if added:
                    was = ", ".join(sorted(old[name])) or "none"
                    yield Hit(
                        f"scheme {name}: scope(s) {', '.join(sorted(added))} now required (were {was})",
                        _pointer(pair, "security" not in pair.new.raw),
                    )


@rule(
    "security-scheme-changed",
    "error",
    "security",
    "a security scheme changes how credentials are sent (type, scheme, in, name, flows)",
    "document",
)
def scheme_changed(pair: DocumentPair) -> Iterator[Hit]:
    for name, old in pair.old.security_schemes.items():
        new = pair.new.security_schemes.get(name)
        if new is None:
            continue
        for key in _SCHEME_KEYS:
            if plain(old.get(key)) != plain(new.get(key)):
                yield Hit(
                    f"security scheme {name}: {key} changed from {show(old.get(key))} to {show(new.get(key))}",
                    f"/components/securitySchemes/{escape(name)}",
                )
