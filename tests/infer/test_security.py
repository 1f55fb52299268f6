"""Every declared security scheme of a plain spec is emulated: missing credentials get 401, any credential passes."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest

from tests.infer.helpers import petstore, serve

BASIC = base64.b64encode(b"user:secret").decode()
SCHEMES: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    ("bearer", {"type": "http", "scheme": "bearer"}, {"headers": {"Authorization": "Bearer t-1"}}),
    ("basic", {"type": "http", "scheme": "basic"}, {"headers": {"Authorization": f"Basic {BASIC}"}}),
    ("apikey-header", {"type": "apiKey", "in": "header", "name": "X-API-Key"}, {"headers": {"X-API-Key": "k-1"}}),
    ("apikey-query", {"type": "apiKey", "in": "query", "name": "api_key"}, {"params": {"api_key": "k-1"}}),
    ("apikey-cookie", {"type": "apiKey", "in": "cookie", "name": "session"}, {"cookies": {"session": "s-1"}}),
    (
        "oauth2",
        {"type": "oauth2", "flows": {"clientCredentials": {"tokenUrl": "https://example.com/token", "scopes": {}}}},
        {"headers": {"Authorization": "Bearer t-1"}},
    ),
    (
        "openIdConnect",
        {"type": "openIdConnect", "openIdConnectUrl": "https://example.com/.well-known/openid-configuration"},
        {"headers": {"Authorization": "Bearer t-1"}},
    ),
]


@pytest.mark.parametrize(("name", "scheme", "credentials"), SCHEMES, ids=[s[0] for s in SCHEMES])
def test_each_scheme_needs_its_credentials(
    tmp_path: Path, name: str, scheme: dict[str, Any], credentials: dict[str, Any]
) -> None:
    doc = petstore()
    doc["components"]["securitySchemes"] = {"auth": scheme}
    doc["security"] = [{"auth": []}]
    client = serve(tmp_path, doc)
    denied = client.get("/petstore/pets")
    assert denied.status_code == 401
    assert denied.headers["content-type"].startswith("application/problem+json")
    cookies = credentials.get("cookies")
    if cookies:
        client.cookies.update(cookies)
    kwargs = {k: v for k, v in credentials.items() if k != "cookies"}
    assert client.get("/petstore/pets", **kwargs).status_code == 200


def test_an_operation_with_empty_security_is_public(tmp_path: Path) -> None:
    doc = petstore()
    doc["components"]["securitySchemes"] = {"auth": SCHEMES[0][1]}
    doc["security"] = [{"auth": []}]
    doc["paths"]["/pets"]["get"]["security"] = []
    client = serve(tmp_path, doc)
    assert client.get("/petstore/pets").status_code == 200
    assert client.get("/petstore/pets/1").status_code == 401
