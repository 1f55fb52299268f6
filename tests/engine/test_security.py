"""Every declared security scheme is emulated: missing credentials 401, any non-empty one accepted, a config file
restricts them (and oauth2 scopes) as for the vendor APIs."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from starlette.testclient import TestClient

from mock_server.auth import AuthConfig
from tests.engine.conftest import Serve


def _basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


CREDENTIALS: dict[str, Any] = {
    "bearer": lambda c: {"headers": _bearer(c)},
    "basic": lambda c: {"headers": _basic(*c.split(":"))},
    "header": lambda c: {"headers": {"X-API-Key": c}},
    "query": lambda c: {"params": {"api_key": c}},
    "cookie": lambda c: {"cookies": {"session": c}},
    "oauth": lambda c: {"headers": _bearer(c)},
    "oidc": lambda c: {"headers": _bearer(c)},
}


def _get(client: TestClient, path: str, credential: str | None) -> int:
    kwargs = CREDENTIALS[path](credential) if credential is not None else {}
    cookies = kwargs.pop("cookies", None)
    client.cookies.clear()
    if cookies:
        client.cookies.update(cookies)
    status: int = client.get(f"/secure/{path}", **kwargs).status_code
    return status


@pytest.mark.parametrize("scheme", list(CREDENTIALS))
def test_each_scheme_needs_its_credential(serve: Serve, scheme: str) -> None:
    client = serve("secure.yaml")
    response = client.get(f"/secure/{scheme}")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert _get(client, scheme, "dev:secret" if scheme == "basic" else "dev") == 200


def test_a_credential_in_the_wrong_place_is_401(serve: Serve) -> None:
    client = serve("secure.yaml")
    assert client.get("/secure/header", params={"X-API-Key": "dev"}).status_code == 401
    assert client.get("/secure/bearer", headers={"X-API-Key": "dev"}).status_code == 401
    assert client.get("/secure/basic", headers=_bearer("dev")).status_code == 401


def test_alternatives_accept_either_and_open_operations_need_nothing(serve: Serve) -> None:
    client = serve("secure.yaml")
    assert client.get("/secure/either", headers={"X-API-Key": "k"}).status_code == 200
    assert client.get("/secure/either", headers=_bearer("t")).status_code == 200
    assert client.get("/secure/either").status_code == 401
    assert client.get("/secure/open").status_code == 200


@pytest.mark.parametrize("scheme", list(CREDENTIALS))
def test_the_config_file_restricts_credentials(serve: Serve, scheme: str) -> None:
    auth = AuthConfig.from_mapping({"secure": {"credentials": ["good", "dev:good"]}})
    client = serve("secure.yaml", auth=auth)
    good, bad = ("dev:good", "dev:bad") if scheme == "basic" else ("good", "bad")
    assert _get(client, scheme, good) == 200
    assert _get(client, scheme, bad) == 401


def test_oauth2_scopes_granted_by_the_config_file_are_checked(serve: Serve) -> None:
    auth = AuthConfig.from_mapping(
        {"secure": {"tokens": ["reader", "nobody"], "scopes": {"reader": ["pets:read"], "nobody": []}}}
    )
    client = serve("secure.yaml", auth=auth)
    assert client.get("/secure/oauth", headers=_bearer("reader")).status_code == 200
    response = client.get("/secure/oauth", headers=_bearer("nobody"))
    assert response.status_code == 403
    assert "pets:read" in response.json()["detail"]


def test_basic_with_an_empty_password_checks_the_user_name_as_the_credential(serve: Serve) -> None:
    client = serve("secure.yaml", auth=AuthConfig.from_mapping({"secure": {"credentials": ["sk_live_1"]}}))
    assert client.get("/secure/basic", headers=_basic("sk_live_1", "")).status_code == 200
    assert client.get("/secure/basic", headers=_basic("sk_live_1", "guess")).status_code == 401
    assert client.get("/secure/basic", headers=_basic("", "")).status_code == 401


@pytest.mark.parametrize(
    ("scheme", "entry"),
    [
        ({"type": "http", "scheme": "basic"}, {"username": "user", "password": "pw"}),
        ({"type": "oauth2", "flows": {}}, {"bearer": "user:pw"}),
        ({"type": "openIdConnect", "openIdConnectUrl": "https://x"}, {"bearer": "user:pw"}),
    ],
)
def test_contract_runs_send_each_scheme_its_credential(scheme: dict[str, Any], entry: dict[str, str]) -> None:
    from mock_server.contract.options import Credentials

    assert Credentials(token="user:pw").for_scheme(scheme) == entry


def test_a_malformed_cookie_header_is_read_pair_by_pair(serve: Serve) -> None:
    client = serve("secure.yaml")
    assert client.get("/secure/cookie", headers={"Cookie": "a=b'c#d{; $&Yt=; session=k"}).status_code == 200
    assert client.get("/secure/cookie", headers={"Cookie": "GuNn=7'Fn#Hx{4; $&YtAlOuEc0+F67="}).status_code == 401
