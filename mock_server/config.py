"""This module contains the shape check of mock-server.toml: a typo in a section or key is an error naming it and
the known ones, never silently ignored (a misspelt `[auth.plandoket]` would otherwise leave auth wide open)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from mock_server.errors import SettingsError

SECTIONS = ("serve", "auth", "admin", "specs", "faults", "rate_limits")
"""Every top-level key mock-server.toml may have. `specs` (a list of globs), `faults` and `rate_limits` (arrays of
tables) are checked by the code that reads them; the others here."""
SERVE_KEYS = ("host", "port")
ADMIN_KEYS = ("token",)
AUTH_KEYS = ("tokens", "apikeys", "credentials", "scopes", "feature_flags")


def check_config(config: Mapping[str, Any], path: Path) -> None:
    """SettingsError (`file: [section] key: reason; known: ...`) for an unknown section or key, or a value of the
    wrong type, in the sections whose shape is known here."""
    _known(path, "", config, SECTIONS, "section")
    for section, keys in (("serve", SERVE_KEYS), ("admin", ADMIN_KEYS)):
        if section in config:
            _known(path, section, _table(path, section, config[section]), keys, "key")
    serve = config.get("serve") or {}
    if "host" in serve and not isinstance(serve["host"], str):
        raise SettingsError(f'{path}: [serve] host: must be a string such as "127.0.0.1"')
    if "port" in serve and (not isinstance(serve["port"], int) or not 1 <= serve["port"] <= 65535):
        raise SettingsError(f"{path}: [serve] port: must be an integer 1..65535, got {serve['port']!r}")
    admin = config.get("admin") or {}
    if "token" in admin and not (isinstance(admin["token"], str) and admin["token"]):
        raise SettingsError(f"{path}: [admin] token: must be a non-empty string")
    for api, table in _table(path, "auth", config.get("auth", {})).items():
        _known(path, f"auth.{api}", _table(path, f"auth.{api}", table), AUTH_KEYS, "key")


def check_auth_apis(auth_apis: Iterable[str], known_apis: Iterable[str], path: Path) -> None:
    """SettingsError for an `[auth.<api>]` table whose API is not one of the specs'."""
    known = sorted(known_apis)
    for api in auth_apis:
        if api not in known:
            raise SettingsError(f"{path}: [auth.{api}]: unknown API {api!r}; known APIs: {', '.join(known)}")


def _table(path: Path, name: str, value: Any) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise SettingsError(f"{path}: {name}: must be a table ([{name}])")
    return value


def _known(path: Path, section: str, table: Mapping[str, Any], known: tuple[str, ...], what: str) -> None:
    unknown = [key for key in table if key not in known]
    if unknown:
        where = f"[{section}] {unknown[0]}" if section else f"[{unknown[0]}]"
        raise SettingsError(f"{path}: {where}: unknown {what}; known {what}s: {', '.join(known)}")
