"""Exposure and secret hygiene (issue 7; issue 9 point 9).

Nothing here binds a non-loopback address: the refusal is checked before binding, the token-protected admin runs on
127.0.0.2 (a loopback alias). The planted-secret run covers the mock itself (journal, stdout, stderr at debug
level); the contract command's reports are checked by tests/contract/test_broken_servers.py.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient

from mock_server import cli
from mock_server.app import create_app
from mock_server.errors import SettingsError
from mock_server.settings import Settings, is_loopback
from tests.hardening.server import ServerProcess, start_server

ADMIN_TOKEN = "planted-admin-" + secrets.token_hex(8)


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "127.255.255.254", "::1", "[::1]", "localhost"])
def test_exposure_loopback_hosts_need_no_token(host: str) -> None:
    assert is_loopback(host)
    assert cli.settings_from_args(cli.build_parser().parse_args(["serve", "--host", host])).host == host


@pytest.mark.parametrize(
    "host",
    [
        "0.0.0.0",
        "::",
        "10.0.0.1",
        "192.168.1.10",
        "128.0.0.1",
        "126.255.255.255",
        "::ffff:192.168.1.10",
        "fe80::1",
        "mock.example.com",
        "127.0.0.1.nip.io",
    ],
)
def test_exposure_other_hosts_refused_without_admin_token(host: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MOCK_SERVER_ADMIN_TOKEN", raising=False)
    assert not is_loopback(host)
    with pytest.raises(SettingsError, match="--admin-token"):
        cli.settings_from_args(cli.build_parser().parse_args(["serve", "--host", host]))
    settings = cli.settings_from_args(cli.build_parser().parse_args(["serve", "--host", host, "--admin-token", "t"]))
    assert settings.admin_token == "t"
    monkeypatch.setenv("MOCK_SERVER_ADMIN_TOKEN", "from-env")
    assert cli.settings_from_args(cli.build_parser().parse_args(["serve", "--host", host])).admin_token == "from-env"


def test_exposure_banner_says_the_admin_token_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    cli._print_banner(Settings(host="0.0.0.0", admin_token=ADMIN_TOKEN), ("eguma",), reload=False)
    out = capsys.readouterr().out
    assert "admin token required" in out and ADMIN_TOKEN not in out


def test_exposure_admin_endpoints_require_the_token_in_process() -> None:
    app = create_app(Settings.for_tests(admin_token=ADMIN_TOKEN))
    with TestClient(app) as client:
        for path in ("/__admin/apis", "/__admin/requests"):
            assert client.get(path).status_code == 401
            assert client.get(path, headers={"Authorization": "Bearer wrong"}).status_code == 401
            assert client.get(path, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}).status_code == 200
            assert client.get(path, headers={"X-Admin-Token": ADMIN_TOKEN}).status_code == 200
        assert client.post("/__admin/reset").status_code == 401
        assert client.delete("/__admin/requests").status_code == 401
        assert client.get("/printlounge/api/order/").status_code == 200  # the mocked APIs need no admin token


@pytest.mark.slow
def test_exposure_token_protected_server_on_a_loopback_alias(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOCK_SERVER_ADMIN_TOKEN", ADMIN_TOKEN)  # from the environment: not visible in `ps`
    server = start_server(
        "--api", "eguma", host="127.0.0.2", workdir=tmp_path, ready_headers={"X-Admin-Token": ADMIN_TOKEN}
    )
    try:
        assert httpx.get(f"{server.origin}/__admin/apis", trust_env=False).status_code == 401
        assert (
            httpx.get(
                f"{server.origin}/__admin/requests", trust_env=False, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}
            ).status_code
            == 200
        )
    finally:
        server.stop()
    assert "admin token required" in server.output()
    assert ADMIN_TOKEN not in server.output()


# --- planted secrets ---------------------------------------------------------------------------------------------

TOKEN = "planted-token-" + secrets.token_hex(8)
APIKEY = "planted-apikey-" + secrets.token_hex(8)
WRONG = "planted-wrong-" + secrets.token_hex(8)
SECRETS = (TOKEN, APIKEY, WRONG, ADMIN_TOKEN)
CONFIG = f"""
[auth.plandocket]
tokens = ["{TOKEN}"]
[auth.mittwald]
tokens = ["{TOKEN}"]
[auth.eguma]
apikeys = ["{APIKEY}"]
"""


@pytest.fixture(scope="module")
def secret_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    workdir = tmp_path_factory.mktemp("secrets")
    (workdir / "mock-server.toml").write_text(CONFIG)
    server = start_server(
        "--log-level",
        "debug",
        "--admin-token",
        ADMIN_TOKEN,
        "--state",
        str(workdir / "s.sqlite"),
        workdir=workdir,
        ready_headers={"X-Admin-Token": ADMIN_TOKEN},
    )
    try:
        yield server
    finally:
        server.stop()


def _requests_with_secrets() -> list[tuple[str, str, dict[str, str], dict[str, str]]]:
    """(method, path, query, headers) hitting every API with the secrets in headers and in the query."""
    bearer, wrong = {"Authorization": f"Bearer {TOKEN}"}, {"Authorization": f"Bearer {WRONG}"}
    planted_query = {"token": TOKEN, "access_token": TOKEN, "api_key": APIKEY}
    calls = []
    for path in ("/plandocket/api/v1/service-orders", "/plandocket/api/v1/service-orders/1", "/mittwald/v2/orders/"):
        calls += [
            ("GET", path, {}, bearer),
            ("GET", path, {}, wrong),
            ("GET", path, {}, {"x-access-token": TOKEN}),
            ("GET", path, planted_query, bearer),
            ("GET", path, {"limit": "x"}, bearer),
        ]
    eguma = "/eguma/v1/ticketing/orders.json"
    calls += [
        ("GET", eguma, {"apikey": APIKEY}, {}),
        ("GET", eguma, {"apikey": WRONG}, {}),
        ("GET", eguma, {"apikey": APIKEY, "order_number": "x", **planted_query}, {}),
        ("GET", eguma, {"apikey": APIKEY, "updated_at_after": APIKEY}, {}),
        ("GET", eguma, {}, {"Authorization": f"Bearer {APIKEY}", "Cookie": f"session={TOKEN}"}),
    ]
    for path in ("/printlounge/api/order/", "/printlounge/api/cart/NOPE", "/printlounge/api/order/NOPE"):
        calls += [("GET", path, {"apikey": APIKEY}, bearer), ("GET", path, {}, {"X-Api-Key": APIKEY})]
    calls += [
        ("GET", "/__admin/requests", {"token": ADMIN_TOKEN}, {}),
        ("GET", "/__admin/apis", {}, {"Authorization": f"Bearer {WRONG}"}),
        ("GET", "/nowhere", {"apikey": APIKEY}, bearer),
    ]
    return calls


@pytest.mark.slow
def test_exposure_planted_secrets_reach_no_output_or_journal(secret_server: ServerProcess) -> None:
    statuses = []
    with httpx.Client(base_url=secret_server.origin, trust_env=False) as http:
        for method, path, query, headers in _requests_with_secrets():
            statuses.append(http.request(method, path, params=query, headers=headers).status_code)
        code = http.get("/printlounge/api/order/").json()[0]["orderCode"]
        statuses.append(
            http.patch(
                f"/printlounge/api/order/{code}", json={"order_status": 5}, headers={"Authorization": f"Bearer {TOKEN}"}
            ).status_code
        )
        journal = http.get("/__admin/requests", headers={"X-Admin-Token": ADMIN_TOKEN}).text
    assert 200 in statuses and 401 in statuses and 400 in statuses and max(statuses) < 500
    assert "[Filtered]" in journal and "apikey=" in journal
    secret_server.stop()
    output = secret_server.output()
    assert "DEBUG" in output, "the server should have logged at debug level"
    for secret in SECRETS:
        assert secret not in journal, secret
        assert secret not in output, secret
    for file in secret_server.stdout.parent.iterdir():
        if file.is_file():
            data = file.read_bytes()
            assert not any(s.encode() in data for s in SECRETS if file.suffix != ".toml"), file
