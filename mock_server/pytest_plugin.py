"""This module contains the pytest plugin (entry point `pytest11: mock_server`): a real mock-server per test session.

Fixtures:
    mock_server_session  (session) one server on 127.0.0.1 and a free port; under pytest-xdist one per worker
    mock_server          (function) the same server, reset before the test (writes, seeds, journal dropped)

Configuration (ini key / option): mock_server_specs / --mock-server-spec PATH (repeatable; default the four
bundled vendor APIs), mock_server_seed / --mock-server-seed N, mock_server_count / --mock-server-count N (either
set: data generated in memory as `serve --seed/--count` does), mock_server_strict (or the marker
`@pytest.mark.mock_server(strict=True)`): a test fails at teardown when the mock refused one of its requests by the
spec (a request-validation 400, a no-such-route 404/405), naming the request, the nearest operation and the message.

Nothing is imported or started unless a test uses one of the fixtures: loading the plugin costs only this module.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from mock_server.settings import Settings
    from mock_server.testing import MockServer

SPECS = "mock_server_specs"
SEED = "mock_server_seed"
COUNT = "mock_server_count"
STRICT = "mock_server_strict"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mock-server", "mock-server (the mock_server fixtures)")
    group.addoption(
        "--mock-server-spec",
        action="append",
        default=[],
        dest=SPECS,
        metavar="PATH",
        help="spec file or directory the mock_server fixtures serve (repeatable; default: the bundled vendor APIs)",
    )
    group.addoption("--mock-server-seed", dest=SEED, default=None, metavar="N", help="generate data with this seed")
    group.addoption("--mock-server-count", dest=COUNT, default=None, metavar="N", help="generate N records per API")
    parser.addini(SPECS, "spec files or directories the mock_server fixtures serve", type="paths", default=[])
    parser.addini(SEED, "generate the mock's data in memory with this seed", default="")
    parser.addini(COUNT, "generate this many records per API in memory", default="")
    parser.addini(STRICT, "fail a test whose requests the mock refused by the spec", type="bool", default=False)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "mock_server(strict=True): fail at teardown when the mock refused one of the test's requests"
    )


@pytest.fixture(scope="session")
def mock_server_session(pytestconfig: pytest.Config) -> Iterator[MockServer]:
    """One real mock-server for the test session (per xdist worker), on 127.0.0.1 and a free port."""
    with warnings.catch_warnings():  # connexion's import-time deprecation warnings are not the client's to fix
        warnings.simplefilter("ignore")
        from mock_server.errors import MockServerError
        from mock_server.testing import MockServer

    try:
        server = MockServer.start(_settings(pytestconfig))
    except MockServerError as exc:
        raise pytest.UsageError(f"mock_server: {exc}") from None
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def mock_server(mock_server_session: MockServer, request: pytest.FixtureRequest) -> Iterator[MockServer]:
    """The session's mock-server with every write, seed and recorded request of earlier tests removed."""
    from mock_server.testing import explain, refusals

    mock_server_session.reset()
    yield mock_server_session
    if _strict(request):
        refused = refusals(mock_server_session.settled_exchanges())
        if refused:
            lines = "\n".join(f"  {explain(e)}" for e in refused)
            pytest.fail(f"mock_server (strict): the mock refused {len(refused)} request(s):\n{lines}", pytrace=False)


def _strict(request: pytest.FixtureRequest) -> bool:
    marker = request.node.get_closest_marker("mock_server")
    if marker is not None and "strict" in marker.kwargs:
        return bool(marker.kwargs["strict"])
    return bool(request.config.getini(STRICT))


def _settings(config: pytest.Config) -> Settings:
    """Settings from the options (paths relative to the invocation directory) or the ini keys (relative to the ini
    file); pytest.UsageError for a bad number."""
    from mock_server.settings import Settings

    given = [Path(config.invocation_params.dir, p) for p in config.getoption(SPECS)]
    paths = tuple(given or config.getini(SPECS))
    seed = _number(config, SEED)
    count = _number(config, COUNT)
    return Settings(spec_paths=paths, seed=seed, count=count, generate_missing_fixtures=bool(paths))


def _number(config: pytest.Config, name: str) -> int | None:
    raw = config.getoption(name) or config.getini(name)
    if raw in (None, ""):
        return None
    try:
        value = int(str(raw))
    except ValueError:
        raise pytest.UsageError(f"{name} must be a whole number, got {raw!r}") from None
    if value < 0:
        raise pytest.UsageError(f"{name} must be >= 0, got {raw!r}")
    return value
