"""mittwald's own JS SDK (@mittwald/api-client, pinned in package.json) lists orders from a real `mock-server serve`.

The SDK is used unchanged: it sends its token as `x-access-token`, calls `/v2/orders` without the documented trailing
slash and encodes arrays as repeated keys. Only its base URL points at the mock.
"""

from __future__ import annotations

import fcntl
import json
import shutil
import subprocess
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.clients.live_server import LiveServer, loopback_env, run_live_server

pytestmark = pytest.mark.slow

CLIENTS_DIR = Path(__file__).parent
SCRIPT = CLIENTS_DIR / "mittwald_sdk.mjs"
TOKEN = "sdk-test-token"
LIMIT = 5


def _installed() -> bool:
    """node_modules holds exactly what package-lock.json pins (npm keeps a copy of the tree it installed)."""
    hidden = CLIENTS_DIR / "node_modules" / ".package-lock.json"
    if not hidden.is_file():
        return False
    wanted = json.loads((CLIENTS_DIR / "package-lock.json").read_text())["packages"]
    wanted.pop("", None)
    return bool(json.loads(hidden.read_text())["packages"] == wanted)


@pytest.fixture(scope="session")
def node() -> str:
    """The node binary, with tests/clients/node_modules installed from the lock file (once, `npm ci`).

    Every pytest-xdist worker has its own session, so the install is serialised with a lock file: two `npm ci` in
    one directory at once delete each other's files (seen in CI as ENOENT under node_modules).
    """
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("node and npm are not installed: mittwald's JS SDK (@mittwald/api-client) needs Node.js >= 18")
    with open(CLIENTS_DIR / ".npm-install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not _installed():
            _npm_ci(npm)
    return node


def _npm_ci(npm: str) -> None:
    result = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=CLIENTS_DIR,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(
            f"`npm ci` in {CLIENTS_DIR} failed (exit {result.returncode}); CI needs the npm registry:\n"
            f"{result.stdout[-2000:]}{result.stderr[-4000:]}"
        )


@pytest.fixture(scope="module")
def live() -> Iterator[LiveServer]:
    with run_live_server("--validate-responses") as server:
        yield server


@pytest.fixture(scope="module")
def mock_answer(live: LiveServer) -> tuple[list[str], httpx.Response]:
    """The two most common statuses in the mock's data and the mock's own HTTP answer for the SDK's query."""
    with httpx.Client(base_url=live.origin, headers={"Authorization": f"Bearer {TOKEN}"}, trust_env=False) as http:
        everything = http.get("/mittwald/v2/orders/", params={"limit": 1000})
        assert everything.status_code == 200, everything.text
        counts = Counter(order["status"] for order in everything.json())
        assert counts, "the mock serves no mittwald orders (fixtures/mittwald.json empty?): nothing to filter"
        statuses = sorted(status for status, _ in counts.most_common(2))
        answer = http.get("/mittwald/v2/orders/", params=[*(("includesStatus", s) for s in statuses), ("limit", LIMIT)])
    assert answer.status_code == 200, answer.text
    return statuses, answer


@pytest.fixture(scope="module")
def sdk_result(node: str, live: LiveServer, mock_answer: tuple[list[str], httpx.Response]) -> dict[str, Any]:
    """What mittwald_sdk.mjs printed after listing orders through the SDK."""
    statuses, _ = mock_answer
    result = subprocess.run(
        [node, str(SCRIPT), live.url("/mittwald/"), TOKEN, ",".join(statuses), str(LIMIT)],
        cwd=CLIENTS_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=loopback_env(),
    )
    assert result.returncode == 0, f"node {SCRIPT.name} failed:\n{result.stdout}\n{result.stderr}"
    parsed: dict[str, Any] = json.loads(result.stdout)
    return parsed


def test_mittwald_sdk_list_answers_200_with_pagination_headers(sdk_result: dict[str, Any]) -> None:
    assert sdk_result["status"] == 200
    headers = sdk_result["headers"]
    assert headers["x-pagination-limit"] == str(LIMIT)
    assert headers["x-pagination-skip"] == "0"
    assert float(headers["x-pagination-page"]) == 1
    assert int(headers["x-pagination-totalcount"]) >= sdk_result["count"] > 0


def test_mittwald_sdk_list_honours_status_filter_like_http_api(
    sdk_result: dict[str, Any], mock_answer: tuple[list[str], httpx.Response]
) -> None:
    statuses, answer = mock_answer
    assert set(sdk_result["statuses"]) <= set(statuses)
    assert sdk_result["firstStatus"] in statuses
    assert sdk_result["count"] == len(answer.json())
    assert sdk_result["orderNumbers"] == [order["orderNumber"] for order in answer.json()]
    assert sdk_result["headers"]["x-pagination-totalcount"] == answer.headers["X-Pagination-TotalCount"]


def test_mittwald_sdk_request_uses_sdk_wire_format(
    sdk_result: dict[str, Any], mock_answer: tuple[list[str], httpx.Response]
) -> None:
    # What makes this a test of the SDK as shipped: no slash, repeated keys, x-access-token rather than Authorization.
    statuses, _ = mock_answer
    query = "&".join(f"includesStatus={s}" for s in statuses)
    assert sdk_result["sent"]["path"] == f"/mittwald/v2/orders?{query}&limit={LIMIT}"
    assert "x-access-token" in sdk_result["sent"]["headerNames"]
    assert "authorization" not in sdk_result["sent"]["headerNames"]


def test_mittwald_sdk_without_token_gets_401(sdk_result: dict[str, Any]) -> None:
    assert sdk_result["unauthenticatedStatus"] == 401
