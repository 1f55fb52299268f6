"""This module contains the Settings value: the only place where defaults live."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from mock_server.auth import AuthConfig

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SPEC_DIR = PROJECT_ROOT / "specs"
DEFAULT_FIXTURES_DIR = PROJECT_ROOT / "fixtures"
DEFAULT_REFERENCE_DATE = datetime(2026, 1, 1)
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
DEFAULT_JOURNAL_SIZE = 10_000
MAX_BODY_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Settings:
    """Everything `serve` (and the in-process app of tests and contract runs) is configured by."""

    spec_dir: Path = DEFAULT_SPEC_DIR
    fixtures_dir: Path = DEFAULT_FIXTURES_DIR
    apis: tuple[str, ...] = ()
    """API names to mount; empty means every spec in spec_dir."""
    root: bool = False
    """Serve the single selected API at / instead of /<name>."""
    seed: int | None = None
    count: int | None = None
    """With seed or count set, fixtures are generated in memory instead of loaded from fixtures_dir."""
    reference_date: datetime = DEFAULT_REFERENCE_DATE
    state_file: Path | None = None
    latency_ms: tuple[int, int] = (0, 0)
    validate_responses: bool = False
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    admin_token: str | None = None
    auth: AuthConfig = field(default_factory=AuthConfig)
    journal_size: int = DEFAULT_JOURNAL_SIZE
    max_body_bytes: int = MAX_BODY_BYTES

    @classmethod
    def for_tests(cls, **overrides: object) -> Settings:
        """Settings for the test suite: response validation on, everything else default."""
        values: dict[str, object] = {"validate_responses": True}
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
