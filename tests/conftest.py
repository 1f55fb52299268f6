"""Shared fixtures: one in-process app per session (response validation on), a fresh store per test."""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings
from starlette.testclient import TestClient

from mock_server.app import MockApp, create_app
from mock_server.settings import Settings

# The fuzz counts' terminal summary: registered here because the xdist controller loads only this conftest.
pytest_plugins = ["tests.hardening.report"]

settings.register_profile("dev", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

# Generated datasets (serve --seed/--count) are cached in a directory of the test run, never the user's.
if "MOCK_SERVER_CACHE_DIR" not in os.environ:
    os.environ["MOCK_SERVER_CACHE_DIR"] = tempfile.mkdtemp(prefix="mock-server-test-cache-")
    atexit.register(shutil.rmtree, os.environ["MOCK_SERVER_CACHE_DIR"], ignore_errors=True)

# connexion logs every 4xx it renders at WARNING: expected in these tests, noise in the output
logging.getLogger("connexion.middleware.exceptions").setLevel(logging.ERROR)

TOKEN = "test-token-123"
APIKEY = "test-apikey-123"
AUTH = {
    "plandocket": {"Authorization": f"Bearer {TOKEN}"},
    "mittwald": {"Authorization": f"Bearer {TOKEN}"},
    "printlounge": {},
}


@pytest.fixture(scope="session")
def app() -> MockApp:
    """The committed fixtures served with response validation on: a response that breaks its spec is a 500."""
    return create_app(Settings.for_tests())


@pytest.fixture
def client(app: MockApp) -> Iterator[TestClient]:
    app.runtime.store.reset()
    app.runtime.journal.clear()
    with TestClient(app, raise_server_exceptions=True) as test_client:
        yield test_client
