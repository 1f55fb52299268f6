"""The vendors' documented client calls work against the in-process mock exactly as the docs write them, and each API
serves its Swagger UI and its spec.

The PlanDocket docs' curl, PHP, JS and Python examples all send `Content-Type: application/json` on a GET without a
body; e-guma's put the key in `?apikey=`; printlounge's PUT/PATCH send `{"order_status":"137"}` (a string of digits).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from connexion.json_schema import resolve_refs
from starlette.testclient import TestClient

APIS = ["plandocket", "eguma", "printlounge", "mittwald"]
SPEC_DIR = Path(__file__).resolve().parents[2] / "specs"
DOC_KEY = "YOUR_API_KEY"  # the placeholder the PlanDocket docs use; any non-empty token is accepted by default

# The headers each documented PlanDocket example sends with its GET (beside what the library adds on its own).
PLANDOCKET_DOC_CLIENTS = {
    "curl": {"User-Agent": "curl/8.5.0", "Accept": "*/*"},
    "php-curl": {"Accept": "*/*"},
    "js-fetch": {
        "Accept": "*/*",
        "Accept-Language": "*",
        "Sec-Fetch-Mode": "cors",
        "User-Agent": "node",
        "Accept-Encoding": "gzip, deflate",
    },
    "python-requests": {
        "User-Agent": "python-requests/2.32.3",
        "Accept": "*/*",
        "Accept-Encoding": "gzip, deflate",
        "Connection": "keep-alive",
    },
}
PLANDOCKET_DOC_HEADERS = {"Authorization": f"Bearer {DOC_KEY}", "Content-Type": "application/json"}


@pytest.mark.parametrize("library", PLANDOCKET_DOC_CLIENTS)
def test_plandocket_documented_get_with_json_content_type_answers_200(client: TestClient, library: str) -> None:
    headers = {**PLANDOCKET_DOC_CLIENTS[library], **PLANDOCKET_DOC_HEADERS}
    listed = client.get("/plandocket/api/v1/service-orders", headers=headers)
    assert listed.status_code == 200, listed.text
    orders = listed.json()["data"]
    assert orders, "the mock serves no PlanDocket orders (fixtures/plandocket.json empty?)"
    single = client.get(f"/plandocket/api/v1/service-orders/{orders[0]['id']}", headers=headers)
    assert single.status_code == 200, single.text
    assert single.json()["data"] == orders[0]


def test_eguma_documented_example_url_answers_200(client: TestClient) -> None:
    # The docs' example, verbatim: filter first, key last.
    response = client.get(
        "/eguma/v1/ticketing/orders.json?updated_at_after=2019-07-29T00:00:00&apikey=5bb668e394f2811f3ca4a9db"
    )
    assert response.status_code == 200, response.text
    orders = response.json()
    assert isinstance(orders, list)
    assert all(order["updated_at"] >= "2019-07-29T00:00:00" for order in orders)


def test_eguma_apikey_in_query_is_the_only_credential_needed(client: TestClient) -> None:
    assert client.get("/eguma/v1/ticketing/orders.json?apikey=5bb668e394f2811f3ca4a9db").status_code == 200
    assert client.get("/eguma/v1/ticketing/orders.json").status_code == 401


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_printlounge_documented_status_write_answers_integer_status(client: TestClient, method: str) -> None:
    orders = client.get("/printlounge/api/order/").json()
    assert orders, "the mock serves no printlounge orders (fixtures/printlounge.json empty?)"
    code = orders[0]["orderCode"]
    response = client.request(
        method,
        f"/printlounge/api/order/{code}",
        content=b'{"order_status":"137"}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"order_code": code, "order_status": 137}
    assert client.get(f"/printlounge/api/order/{code}").json() == {"order_code": code, "order_status": 137}


@pytest.mark.parametrize(
    ("api", "path", "headers"),
    [
        ("printlounge", "/api/order", {}),
        ("mittwald", "/v2/orders", {"Authorization": "Bearer t"}),
    ],
)
def test_list_answers_without_documented_trailing_slash(
    client: TestClient, api: str, path: str, headers: dict[str, str]
) -> None:
    # The docs write `/api/order/` and `/v2/orders/`; their examples and mittwald's SDK drop the slash. No redirect:
    # a browser won't follow one after a CORS preflight.
    without = client.get(f"/{api}{path}", headers=headers, follow_redirects=False)
    with_slash = client.get(f"/{api}{path}/", headers=headers, follow_redirects=False)
    assert without.status_code == with_slash.status_code == 200
    assert without.json() == with_slash.json()


@pytest.mark.parametrize("api", APIS)
def test_swagger_ui_serves_page_and_assets_from_the_mock(client: TestClient, api: str) -> None:
    page = client.get(f"/{api}/ui/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert f'url: "/{api}/openapi.json"' in page.text
    # Nothing from the network: the page and its scripts come from the mock, and the online validator is off.
    assert "validatorUrl: null" in page.text
    assert "http://" not in page.text and "https://" not in page.text
    for asset in ("swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js"):
        assert client.get(f"/{api}/ui/{asset}").status_code == 200


@pytest.mark.parametrize("api", APIS)
def test_openapi_json_is_the_spec_with_the_mock_as_server(client: TestClient, api: str) -> None:
    spec: dict[str, Any] = yaml.safe_load((SPEC_DIR / f"{api}.yaml").read_text(encoding="utf-8"))
    # connexion serves the spec with $refs inlined and `servers` pointing at the mount point.
    expected = json.loads(json.dumps({**resolve_refs(spec), "servers": [{"url": f"/{api}"}]}))
    response = client.get(f"/{api}/openapi.json")
    assert response.status_code == 200
    assert response.json() == expected
