"""`serve --reload` (issue 12 point 9): a spec edit and a fixture edit restart the server with the new files, and
every restarted worker prints the per-API lines again."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from mock_server.settings import DEFAULT_FIXTURES_DIR, DEFAULT_SPEC_DIR
from tests.hardening.server import running_server


def _apis(http: httpx.Client, origin: str) -> list[dict[str, Any]] | None:
    try:
        apis: list[dict[str, Any]] = http.get(f"{origin}/__admin/apis").json()
    except (httpx.TransportError, ValueError):
        return None  # restarting
    return apis


def _title(http: httpx.Client, origin: str) -> str | None:
    apis = _apis(http, origin)
    return None if apis is None else str(apis[0]["title"])


def _records(http: httpx.Client, origin: str) -> int | None:
    apis = _apis(http, origin)
    return None if apis is None else int(apis[0]["records"]["orders"])


@pytest.mark.slow
def test_reload_restarts_on_spec_and_fixture_edits_and_prints_the_api_lines_again(tmp_path: Path) -> None:
    specs, fixtures = tmp_path / "specs", tmp_path / "fixtures"
    specs.mkdir()
    fixtures.mkdir()
    shutil.copy(DEFAULT_SPEC_DIR / "eguma.yaml", specs)
    shutil.copy(DEFAULT_FIXTURES_DIR / "eguma.json", fixtures)
    spec = specs / "eguma.yaml"
    old_title = "e-guma Ticketing Orders API"
    assert f"title: {old_title}" in spec.read_text()
    with (
        running_server("--spec-dir", str(specs), "--fixtures", str(fixtures), "--reload", workdir=tmp_path) as server,
        httpx.Client(trust_env=False, timeout=5) as http,
    ):
        assert _title(http, server.origin) == old_title
        spec.write_text(spec.read_text().replace(f"title: {old_title}", "title: Reloaded e-guma", 1))
        deadline = time.monotonic() + 30
        while _title(http, server.origin) != "Reloaded e-guma":
            assert time.monotonic() < deadline, server.output()
            time.sleep(0.2)
        banner = f"eguma        {server.origin}/eguma  docs {server.origin}/eguma/ui/"
        deadline = time.monotonic() + 5
        while server.output().splitlines().count(banner) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert server.output().splitlines().count(banner) == 2, server.output()
        data = orjson.loads((fixtures / "eguma.json").read_bytes())
        orders = data["resources"]["orders"]
        orders.pop()
        (fixtures / "eguma.json").write_bytes(orjson.dumps(data, option=orjson.OPT_INDENT_2))
        deadline = time.monotonic() + 30
        while _records(http, server.origin) != len(orders):
            assert time.monotonic() < deadline, server.output()
            time.sleep(0.2)
