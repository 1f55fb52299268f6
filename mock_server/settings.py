"""This module contains the Settings value: the only place where defaults live."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from datetime import datetime
from importlib.resources import files
from pathlib import Path

from mock_server.auth import AuthConfig
from mock_server.faults.rules import ResilienceConfig

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BUNDLED_DIR = Path(str(files("mock_server"))) / "_bundled"
"""Where a built wheel carries the top-level specs/ and fixtures/ (setup.py copies them at build time)."""


def _data_dir(name: str) -> Path:
    """The bundled copy of specs/ or fixtures/ in an installed wheel, else the checkout's own (editable installs)."""
    bundled = BUNDLED_DIR / name
    return bundled if bundled.is_dir() else PROJECT_ROOT / name


DEFAULT_SPEC_DIR = _data_dir("specs")
"""The four vendor specs."""
DEFAULT_FIXTURES_DIR = _data_dir("fixtures")
DEFAULT_FIXTURES_OUT = Path("fixtures") if DEFAULT_FIXTURES_DIR.is_relative_to(BUNDLED_DIR) else DEFAULT_FIXTURES_DIR
"""Where `fixtures generate` writes: the checkout's fixtures/, or ./fixtures when installed (never into the package)."""
DEFAULT_REFERENCE_DATE = datetime(2026, 1, 1)
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
DEFAULT_JOURNAL_SIZE = 10_000
MAX_BODY_BYTES = 1024 * 1024
DEFAULT_FAULT_TIMEOUT_S = 30.0
DEFAULT_FAULT_SLOW_MS = 5000


@dataclass(frozen=True)
class Settings:
    """Everything `serve` (and the in-process app of tests and contract runs) is configured by."""

    spec_dir: Path = DEFAULT_SPEC_DIR
    spec_paths: tuple[Path, ...] = ()
    """Spec files and directories of specs to serve; empty means every spec in spec_dir."""
    fixtures_dir: Path = DEFAULT_FIXTURES_DIR
    generate_missing_fixtures: bool = False
    """An API without a file in fixtures_dir gets generated data (seed 42, 50 records) instead of an error."""
    apis: tuple[str, ...] = ()
    """API names to mount; empty means every spec of spec_paths (or spec_dir)."""
    root: bool = False
    """Serve the single selected API at / instead of /<name>."""
    seed: int | None = None
    count: int | None = None
    """With seed or count set, fixtures are generated in memory instead of loaded from fixtures_dir."""
    locale: str | None = None
    """Faker locale of generated data (--locale); None: each spec's x-mock-api.locale, else en_US."""
    reference_date: datetime = DEFAULT_REFERENCE_DATE
    dataset_cache: bool = True
    """Generated data (--seed/--count) is kept in the user's cache directory and reused (mock_server.cache)."""
    state_file: Path | None = None
    latency_ms: tuple[int, int] = (0, 0)
    validate_responses: bool = False
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    admin_token: str | None = None
    auth: AuthConfig = field(default_factory=AuthConfig)
    journal_size: int = DEFAULT_JOURNAL_SIZE
    max_body_bytes: int = MAX_BODY_BYTES
    resilience: ResilienceConfig = field(default_factory=ResilienceConfig)
    """The configured `[[faults]]` and `[[rate_limits]]` rules."""
    fault_timeout_s: float = DEFAULT_FAULT_TIMEOUT_S
    """How long fault=timeout keeps a request unanswered before closing the connection."""
    fault_slow_ms: int = DEFAULT_FAULT_SLOW_MS
    """How long fault=slow takes to send a body."""

    @property
    def spec_sources(self) -> tuple[Path, ...]:
        """The spec files and directories to load: spec_paths, or spec_dir."""
        return self.spec_paths or (self.spec_dir,)

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
