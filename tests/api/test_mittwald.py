"""mittwald v2 orders through HTTP: status/template filters, limit/skip/page and the X-Pagination-* headers."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from mock_server.app import MockApp
from tests.conftest import AUTH

BASE = "/mittwald/v2/orders/"
H = AUTH["mittwald"]


def _records(app: MockApp) -> list[dict[str, Any]]:
    return app.runtime.store.collection("mittwald", "orders").records


def _get(client: TestClient, params: Any = None) -> tuple[list[dict[str, Any]], dict[str, str]]:
    response = client.get(BASE, params=params, headers=H)
    assert response.status_code == 200, response.text
    return response.json(), {k: v for k, v in response.headers.items() if k.startswith("x-pagination")}


def test_status_filters_take_repeated_keys(client: TestClient, app: MockApp) -> None:
    wanted = {"NEW", "CONFIRMED"}
    body, headers = _get(client, [("includesStatus", "NEW"), ("includesStatus", "CONFIRMED")])
    expected = {r["orderId"] for r in _records(app) if r["status"] in wanted}
    assert {o["orderId"] for o in body} == expected and expected
    assert headers["x-pagination-totalcount"] == str(len(expected))
    body, _ = _get(client, [("excludesStatus", "NEW"), ("excludesStatus", "EXECUTED")])
    assert {o["orderId"] for o in body} == {
        r["orderId"] for r in _records(app) if r["status"] not in {"NEW", "EXECUTED"}
    }


def test_template_names_match_any_item(client: TestClient, app: MockApp) -> None:
    name = _records(app)[0]["items"][0]["articleTemplateName"]
    body, _ = _get(client, {"templateNames": name})
    assert {o["orderId"] for o in body} == {
        r["orderId"] for r in _records(app) if any(i.get("articleTemplateName") == name for i in r["items"])
    }


@pytest.mark.parametrize(
    "params,skip,page",
    [
        ({"limit": 4}, 0, 1),
        ({"limit": 4, "skip": 8}, 8, 3),
        ({"limit": 4, "page": 2}, 4, 2),
        ({"limit": 4, "skip": 1, "page": 3}, 8, 3),
    ],
)
def test_paging_headers_agree_with_the_body(
    client: TestClient, app: MockApp, params: dict[str, int], skip: int, page: int
) -> None:
    everything, _ = _get(client, {"limit": 1000})
    body, headers = _get(client, {**params, "includesStatus": ["NEW", "CONFIRMED", "EXECUTED"]})
    filtered = [o for o in everything if o["status"] in {"NEW", "CONFIRMED", "EXECUTED"}]
    assert [o["orderId"] for o in body] == [o["orderId"] for o in filtered[skip : skip + 4]]
    assert headers == {
        "x-pagination-limit": "4",
        "x-pagination-skip": str(skip),
        "x-pagination-page": str(page),
        "x-pagination-totalcount": str(len(filtered)),
    }


def test_default_order_is_newest_first(client: TestClient) -> None:
    body, headers = _get(client)
    dates = [o.get("orderDate") for o in body]
    assert dates == sorted(dates, key=lambda d: (d is not None, d or ""), reverse=True)
    assert headers["x-pagination-limit"] == "1000"


@pytest.mark.parametrize("path", ["/mittwald/v2/orders/", "/mittwald/v2/orders"])
@pytest.mark.parametrize("headers", [{"Authorization": "Bearer t"}, {"x-access-token": "t"}])
def test_sdk_and_docs_spellings_and_auth_headers_all_work(
    client: TestClient, path: str, headers: dict[str, str]
) -> None:
    response = client.get(path, headers=headers, follow_redirects=False)
    assert response.status_code == 200


def test_no_token_is_401_and_bad_status_is_400(client: TestClient) -> None:
    assert client.get(BASE).status_code == 401
    response = client.get(BASE, params={"includesStatus": "SHIPPED"}, headers=H)
    assert response.status_code == 400 and "includesStatus" in response.json()["detail"]
