"""One error format everywhere (issue 12 point 14): every 4xx/5xx the mock itself produces, whoever raised it
(connexion's security and media-type checks, the router, request validation, the handlers, the body limit, the admin
app), is compact application/problem+json whose `type` lies under the one base."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from starlette.testclient import TestClient

from mock_server.app import create_app
from mock_server.errors import PROBLEM_TYPE_BASE
from mock_server.settings import Settings
from tests.conftest import AUTH

PD = "/plandocket/api/v1/service-orders"
JSON = {"content-type": "application/json"}
CASES: dict[str, tuple[str, str, dict[str, Any], int]] = {
    "security: no token (connexion)": ("GET", PD, {}, 401),
    "request validation: unknown parameter": ("GET", f"{PD}?bogus=1", {"headers": AUTH["plandocket"]}, 400),
    "router: no such path": ("GET", "/plandocket/nope", {}, 404),
    "router: method not allowed": ("DELETE", "/eguma/v1/ticketing/orders.json?apikey=k", {}, 405),
    "media type (connexion)": (
        "PATCH",
        "/printlounge/api/order/abc",
        {"content": b"x", "headers": {"content-type": "text/plain"}},
        415,
    ),
    "body not JSON": ("PATCH", "/printlounge/api/order/abc", {"content": b"{bad", "headers": JSON}, 400),
    "body too large": ("PATCH", "/printlounge/api/order/abc", {"content": b"x" * (2 << 20), "headers": JSON}, 413),
    "handler: no such record": ("GET", f"{PD}/999999", {"headers": AUTH["plandocket"]}, 404),
    "scenario: undocumented Prefer code": (
        "GET",
        f"{PD}/1",
        {"headers": {**AUTH["plandocket"], "Prefer": "code=418"}},
        400,
    ),
    "admin: no such endpoint": ("GET", "/__admin/nope", {}, 404),
    "admin: bad limit": ("GET", "/__admin/requests?limit=x", {}, 400),
    "admin: cross-origin write": ("POST", "/__admin/reset", {"headers": {"origin": "http://evil.test"}}, 403),
}


@pytest.mark.parametrize("case", list(CASES))
def test_error_format_every_mock_error_is_compact_problem_json_with_one_type_base(
    client: TestClient, case: str
) -> None:
    method, url, kwargs, status = CASES[case]
    response = client.request(method, url, **kwargs)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = orjson.loads(response.content)
    assert body["type"].startswith(PROBLEM_TYPE_BASE) and body["type"] != PROBLEM_TYPE_BASE, body
    assert body["status"] == status and body["title"] and body["detail"], body
    assert response.content == orjson.dumps(body), "not compact JSON"


def test_error_format_admin_token_refusal_is_the_same_format() -> None:
    client = TestClient(create_app(Settings.for_tests(admin_token="s3cret-admin")))
    response = client.get("/__admin/apis")
    assert response.status_code == 401 and response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == PROBLEM_TYPE_BASE + "unauthorized"


def test_error_format_a_handler_crash_is_a_problem_500_not_a_bare_text(monkeypatch: pytest.MonkeyPatch) -> None:
    app = create_app(Settings.for_tests(apis=("printlounge",)))

    def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("planted")

    from mock_server.handlers import Endpoint

    monkeypatch.setattr(Endpoint, "__call__", crash)
    response = TestClient(app, raise_server_exceptions=False).get("/printlounge/api/order/?limit=1")
    assert response.status_code == 500 and response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == PROBLEM_TYPE_BASE + "internal-error"
    assert "planted" not in response.text
