"""Fixtures of the scale tests: the four vendor models, parsed once."""

from __future__ import annotations

from pathlib import Path

import pytest

from mock_server.model import ApiModel
from mock_server.specs import Spec

ROOT_DIR = Path(__file__).resolve().parents[2]
SPECS = ROOT_DIR / "specs"
VENDORS = ("plandocket", "eguma", "printlounge", "mittwald")


@pytest.fixture(scope="session")
def models() -> dict[str, ApiModel]:
    return {name: ApiModel.from_spec(Spec.from_file(SPECS / f"{name}.yaml")) for name in VENDORS}


@pytest.fixture(autouse=True)
def _own_cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets an empty dataset cache of its own (never the user's)."""
    directory = tmp_path / "cache"
    monkeypatch.setenv("MOCK_SERVER_CACHE_DIR", str(directory))
    return directory
