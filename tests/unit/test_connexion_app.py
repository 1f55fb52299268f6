"""ConnexionApp: connexion's AsyncApp with each handler's decorator chain built once, every request's own values."""

from __future__ import annotations

from typing import Any

import pytest
from connexion.resolver import Resolution, Resolver
from starlette.testclient import TestClient

from mock_server import connexion_app
from mock_server.connexion_app import ConnexionApp

SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "echo", "version": "1"},
    "paths": {
        "/echo/{word}": {
            "patch": {
                "operationId": "echo",
                "parameters": [
                    {"name": "word", "in": "path", "required": True, "schema": {"type": "string"}},
                    {"name": "times", "in": "query", "schema": {"type": "integer", "default": 1}},
                ],
                "requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}},
                "responses": {"200": {"description": "echo"}},
            }
        }
    },
}


class _Echo(Resolver):  # type: ignore[misc]
    def resolve(self, operation: Any) -> Resolution:
        async def echo(word: str, times: int, body: dict[str, Any] | None = None) -> dict[str, Any]:
            return {"words": [word] * times, "body": body}

        return Resolution(echo, "echo")


def test_each_request_gets_its_own_parameters_through_a_chain_built_once(monkeypatch: pytest.MonkeyPatch) -> None:
    built = []
    decorate = connexion_app._DecorateOnce.decorate
    monkeypatch.setattr(
        connexion_app._DecorateOnce, "decorate", lambda self, fn: built.append(fn) or decorate(self, fn)
    )
    app = ConnexionApp(__name__)
    app.add_api(SPEC, resolver=_Echo(), strict_validation=True)
    client = TestClient(app)
    first = client.patch("/echo/hi", params={"times": 2}, json={"a": 1})
    second = client.patch("/echo/ho", json={"b": 2})
    invalid = client.patch("/echo/hu", params={"times": "x"}, json={})
    assert first.json() == {"words": ["hi", "hi"], "body": {"a": 1}}
    assert second.json() == {"words": ["ho"], "body": {"b": 2}}
    assert invalid.status_code == 400
    assert len(built) == 1
