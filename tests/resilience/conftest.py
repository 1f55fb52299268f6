"""Shared fixtures: one app with short fault timings, served by real uvicorn servers in threads (httptools on uvloop,
as `serve` runs, and h11 on asyncio); every test starts with the configured rules, fresh data and an empty journal."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mock_server.app import MockApp, create_app
from mock_server.settings import Settings
from tests.resilience.server import Served, serve

FAULT_TIMEOUT_S = 1.0
FAULT_SLOW_MS = 800
PRINTLOUNGE_LIST = "/printlounge/api/order/"
"""printlounge documents no auth: every request reaches the handler."""


@pytest.fixture(scope="package")
def fault_app() -> MockApp:
    return create_app(Settings.for_tests(fault_timeout_s=FAULT_TIMEOUT_S, fault_slow_ms=FAULT_SLOW_MS))


@pytest.fixture(scope="package")
def served(fault_app: MockApp) -> Iterator[Served]:
    with serve(fault_app, http="httptools", loop="uvloop") as server:
        yield server


@pytest.fixture(scope="package")
def served_h11(fault_app: MockApp) -> Iterator[Served]:
    with serve(fault_app, http="h11", loop="asyncio") as server:
        yield server


@pytest.fixture(autouse=True)
def _clean(fault_app: MockApp) -> None:
    runtime = fault_app.runtime
    runtime.resilience.reset()
    runtime.store.reset()
    runtime.journal.clear()
