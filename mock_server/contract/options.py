"""This module contains what a contract run is configured by: the target, the credentials and the run's limits."""

from __future__ import annotations

import base64
import os
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from mock_server.errors import SettingsError
from mock_server.redact import SECRET_HEADER_NAMES
from mock_server.settings import DEFAULT_SPEC_DIR

READ_ONLY_METHODS = ("GET", "HEAD", "OPTIONS")
DEFAULT_MAX_EXAMPLES = 50


@dataclass(frozen=True, slots=True)
class Credentials:
    """The credentials a run sends: a token for bearer schemes, an api key for apiKey schemes."""

    token: str | None = None
    apikey: str | None = None
    token_source: str = field(default="", compare=False)
    """Where the token came from: `--token`, the variable's name (MOCK_SERVER_<API>_TOKEN), or "" (generated)."""
    apikey_source: str = field(default="", compare=False)

    @classmethod
    def resolve(cls, api: str, token: str | None, apikey: str | None, environ: Mapping[str, str]) -> Credentials:
        """Flags first, then MOCK_SERVER_<API>_TOKEN / MOCK_SERVER_<API>_APIKEY (so CI keeps them off the command
        line, where `ps` and shell history show them)."""
        token_var, apikey_var = credential_variables(api)
        return cls(
            token=token or environ.get(token_var) or None,
            apikey=apikey or environ.get(apikey_var) or None,
            token_source="--token" if token else token_var,
            apikey_source="--apikey" if apikey else apikey_var,
        )

    @classmethod
    def generate(cls) -> Credentials:
        """Fresh random credentials for a run against the in-process mock."""
        return cls(token=f"contract-{secrets.token_urlsafe(16)}", apikey=f"contract-{secrets.token_urlsafe(16)}")

    def fill(self, other: Credentials) -> Credentials:
        """These credentials, with the missing ones taken from `other`."""
        return Credentials(
            token=self.token or other.token,
            apikey=self.apikey or other.apikey,
            token_source=self.token_source if self.token else other.token_source,
            apikey_source=self.apikey_source if self.apikey else other.apikey_source,
        )

    def for_scheme(self, scheme: Mapping[str, object]) -> dict[str, str] | None:
        """Schemathesis' auth entry for one OpenAPI security scheme, or None if no credential fits it."""
        kind = str(scheme.get("type", "")).lower()
        http = str(scheme.get("scheme", "")).lower() if kind == "http" else ""
        if http == "bearer" or kind in ("oauth2", "openidconnect"):  # the mock takes oauth2/OIDC tokens as bearer
            value = self.token or self.apikey
            return {"bearer": value} if value else None
        if http == "basic":  # --token user:password, or a key sent as the user name with no password
            value = self.token or self.apikey
            if not value:
                return None
            user, _, password = value.partition(":")
            return {"username": user, "password": password}
        if kind == "apikey":
            value = self.apikey or self.token
            return {"api_key": value} if value else None
        return None

    def values(self) -> tuple[str, ...]:
        return tuple(v for v in (self.token, self.apikey) if v)


@dataclass(frozen=True, slots=True)
class ContractOptions:
    """One `mock-server contract` run."""

    api: str
    base_url: str | None = None
    """None checks the in-process mock; otherwise the server at this URL (the spec's paths are appended)."""
    credentials: Credentials = field(default_factory=Credentials)
    headers: Mapping[str, str] = field(default_factory=dict)
    allow_writes: bool = False
    negative: bool = False
    max_examples: int = DEFAULT_MAX_EXAMPLES
    seed: int | None = None
    workers: int = 1
    junit: Path | None = None
    spec_dir: Path = DEFAULT_SPEC_DIR
    drift_report: Path | None = None
    """Also write a drift report (mock_server.drift) from every response of the run."""
    drift_markdown: Path | None = None

    @property
    def in_process(self) -> bool:
        return self.base_url is None

    @property
    def read_only(self) -> bool:
        """Real servers get only GET, HEAD and OPTIONS unless writes are allowed; the mock is ours to change."""
        return not self.in_process and not self.allow_writes

    @property
    def mode(self) -> str:
        """Schemathesis' generation mode: the mock must reject exactly what the spec forbids, so it gets both."""
        return "all" if self.in_process or self.negative else "positive"

    def secrets(self) -> tuple[str, ...]:
        """Every secret value this run knows of, for masking whatever it writes."""
        found = [*self.credentials.values()]
        found += [v for k, v in self.headers.items() if k.lower() in SECRET_HEADER_NAMES]
        for header_value in list(found):  # "Bearer X" given as a header: X alone is secret too
            scheme, _, rest = header_value.partition(" ")
            if rest and scheme.lower() in ("bearer", "token", "basic"):
                found.append(rest)
        if admin := os.environ.get("MOCK_SERVER_ADMIN_TOKEN"):
            found.append(admin)
        if self.base_url and (userinfo := urlsplit(self.base_url).password):
            found.append(unquote(userinfo))
        return tuple(dict.fromkeys(s for s in found if s))


def credential_variables(api: str) -> tuple[str, str]:
    """The environment variables of an API's token and api key."""
    prefix = "MOCK_SERVER_" + re.sub(r"[^A-Z0-9]+", "_", api.upper()).strip("_") + "_"
    return prefix + "TOKEN", prefix + "APIKEY"


def shell_references(options: ContractOptions, sent: Credentials) -> dict[str, str]:
    """What a reproducing curl prints instead of each secret the run sent: a shell reference to the variable it
    was read from (`$MOCK_SERVER_EGUMA_APIKEY`), else one that names the flag it came from, else a placeholder."""
    token_var, apikey_var = credential_variables(options.api)
    references: dict[str, str] = {}
    for value, source, variable, flag in (
        (sent.token, sent.token_source, token_var, "--token"),
        (sent.apikey, sent.apikey_source, apikey_var, "--apikey"),
    ):
        if not value or value in references:
            continue
        if source == variable:
            references[value] = f"${variable}"
        elif source == flag:
            references[value] = f"${{{variable}:?set it to the {flag} value}}"
        else:  # generated for the in-process mock: `mock-server serve` accepts any credential by default
            references[value] = f"${{{variable}:-any-credential}}"
    for name, header_value in options.headers.items():
        if name.lower() in SECRET_HEADER_NAMES:
            scheme, _, rest = header_value.partition(" ")
            secret = rest if rest and scheme.lower() in ("bearer", "token", "basic") else header_value
            references.setdefault(secret, f"<the --header {name} value>")
    if admin := os.environ.get("MOCK_SERVER_ADMIN_TOKEN"):
        references.setdefault(admin, "$MOCK_SERVER_ADMIN_TOKEN")
    if options.base_url and (parts := urlsplit(options.base_url)).password:
        password = unquote(parts.password)
        references.setdefault(password, "<the password of --base-url>")
        basic = base64.b64encode(f"{unquote(parts.username or '')}:{password}".encode()).decode()
        references.setdefault(basic, "<the base64 user:password of --base-url>")
    return references


def parse_headers(values: Sequence[str]) -> dict[str, str]:
    """`Name: value` strings as a dict; SettingsError naming the bad one."""
    headers: dict[str, str] = {}
    for raw in values:
        name, sep, value = raw.partition(":")
        if not sep or not name.strip() or any(c.isspace() for c in name.strip()):
            # never echo the value: a malformed header is often a credential with a typo
            raise SettingsError(
                "--header must look like 'Name: value' (a header name without spaces, a colon, the value)"
            )
        headers[name.strip()] = value.strip()
    return headers


def check_base_url(url: str) -> str:
    """The URL without a trailing slash; SettingsError unless it is an absolute http(s) URL."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SettingsError(
            f"--base-url must be an absolute http(s) URL, got {parts.scheme or 'no'} scheme "
            f"and {'a' if parts.hostname else 'no'} host"
        )
    return url.rstrip("/")
