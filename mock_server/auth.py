"""This module contains credential checking: connexion security handlers built from an AuthConfig.

By default any non-empty credential is accepted. A config file can restrict each API to listed credentials, give
credentials scopes (a missing required scope is 403) and switch feature flags off (403).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from connexion.exceptions import OAuthScopeProblem
from connexion.security import ApiKeySecurityHandler, BasicSecurityHandler, BearerSecurityHandler

TokenInfo = dict[str, Any]


@dataclass(frozen=True)
class ApiAuth:
    """The credential rules of one API."""

    credentials: frozenset[str] | None = None
    """Accepted credentials; None accepts any non-empty one."""
    scopes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Scopes per credential; a credential not listed has every scope."""
    feature_flags: Mapping[str, bool] = field(default_factory=dict)
    """Feature flags; a flag not listed is on."""

    def check(self, credential: str | None) -> TokenInfo | None:
        """token_info for an accepted credential, None (-> 401) otherwise."""
        if not credential or not credential.strip():
            return None
        if self.credentials is not None and credential not in self.credentials:
            return None
        return {"sub": "mock-user", "credential": credential}

    def missing_scopes(self, credential: str | None, required: tuple[str, ...]) -> list[str]:
        """The required scopes this credential lacks."""
        if credential is None or credential not in self.scopes:
            return []
        granted = set(self.scopes[credential])
        return [s for s in required if s not in granted]

    def flag_enabled(self, flag: str) -> bool:
        return self.feature_flags.get(flag, True)


@dataclass(frozen=True)
class AuthConfig:
    """ApiAuth per API name; APIs not configured accept any non-empty credential."""

    apis: Mapping[str, ApiAuth] = field(default_factory=dict)

    def for_api(self, name: str) -> ApiAuth:
        return self.apis.get(name, ApiAuth())

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> AuthConfig:
        """Build from the `[auth.<api>]` tables of mock-server.toml; ValueError on a bad shape."""
        apis: dict[str, ApiAuth] = {}
        for name, raw in data.items():
            if not isinstance(raw, dict):
                raise ValueError(f"auth.{name} must be a table")
            unknown = set(raw) - {"credentials", "tokens", "apikeys", "scopes", "feature_flags"}
            if unknown:
                raise ValueError(f"auth.{name}: unknown keys {sorted(unknown)}")
            creds: list[str] | None = None
            for key in ("credentials", "tokens", "apikeys"):
                if key in raw:
                    if not isinstance(raw[key], list) or not all(isinstance(c, str) and c for c in raw[key]):
                        raise ValueError(f"auth.{name}.{key} must be a list of non-empty strings")
                    creds = [*(creds or []), *raw[key]]
            scopes = raw.get("scopes", {})
            flags = raw.get("feature_flags", {})
            if not isinstance(scopes, dict) or not all(isinstance(v, list) for v in scopes.values()):
                raise ValueError(f"auth.{name}.scopes must map credentials to lists of scopes")
            if not isinstance(flags, dict) or not all(isinstance(v, bool) for v in flags.values()):
                raise ValueError(f"auth.{name}.feature_flags must map flag names to true/false")
            apis[name] = ApiAuth(
                credentials=frozenset(creds) if creds is not None else None,
                scopes={k: tuple(v) for k, v in scopes.items()},
                feature_flags=dict(flags),
            )
        return cls(apis=apis)


def security_map(auth: ApiAuth) -> dict[str, type]:
    """Connexion security handlers (by scheme type) that check credentials against `auth`: http bearer, http basic
    (the credential is `user:password`, or the user name alone when the password is empty), apiKey in a header, the
    query or a cookie, and oauth2 / openIdConnect as bearer tokens (the scopes a config file grants a token are
    checked against the operation's; missing: 403)."""

    def check_bearer(token: str) -> TokenInfo | None:
        return auth.check(token)

    def check_apikey(apikey: str, required_scopes: object = None) -> TokenInfo | None:
        return auth.check(apikey)

    def check_basic(username: str, password: str) -> TokenInfo | None:
        # user:password, or (no password) the user name alone: an API key sent as the basic user (Stripe-style)
        return auth.check(f"{username}:{password}" if password else username)

    def check_oauth(required_scopes: list[str]) -> Callable[[str], TokenInfo | None]:
        def check(token: str) -> TokenInfo | None:
            info = auth.check(token)
            missing = auth.missing_scopes(token, tuple(required_scopes or ()))
            if info is not None and missing:
                raise OAuthScopeProblem(token_scopes=list(auth.scopes.get(token, ())), required_scopes=missing)
            return info

        return check

    bearer = _handler(BearerSecurityHandler, check_bearer)
    return {
        "bearer": bearer,
        "apiKey": _handler(ApiKeySecurityHandler, check_apikey, get_cookie_value=staticmethod(cookie_value)),
        "basic": _handler(BasicSecurityHandler, check_basic),
        "oauth2": _scoped_handler(check_oauth),
        "openIdConnect": _scoped_handler(check_oauth),
    }


def _handler(base: type, check: Callable[..., TokenInfo | None], **members: Any) -> type:
    def _resolve_func(self: object, security_scheme: object) -> Callable[..., TokenInfo | None]:
        return check

    return type(f"Mock{base.__name__}", (base,), {"_resolve_func": _resolve_func, **members})


def cookie_value(cookies: str | None, name: str) -> str | None:
    """The value of one cookie of a Cookie header, None if absent. connexion parses the header with SimpleCookie,
    which raises on any pair it finds malformed (a 500); pairs are read one by one here and malformed ones skipped."""
    for pair in (cookies or "").split(";"):
        key, sep, value = pair.strip().partition("=")
        if sep and key.strip() == name:
            return value.strip().strip('"')
    return None


def _scoped_handler(make_check: Callable[[list[str]], Callable[[str], TokenInfo | None]]) -> type:
    """A bearer handler whose check also knows the scopes the operation's security requirement names."""

    def get_fn(self: BearerSecurityHandler, security_scheme: object, required_scopes: list[str]) -> Any:
        return self._get_verify_func(make_check(required_scopes))

    return type("MockOAuthBearerHandler", (BearerSecurityHandler,), {"get_fn": get_fn})
