"""The readings the specs take where the vendor docs are silent (issue 2's list and issue 9, points 1-4)."""

from __future__ import annotations

from typing import Any

import pytest

from mock_server.settings import DEFAULT_SPEC_DIR
from mock_server.specs import Spec


def _spec(name: str) -> Spec:
    return Spec.from_file(DEFAULT_SPEC_DIR / f"{name}.yaml")


def _params(spec: Spec, path: str, method: str = "get") -> dict[str, dict[str, Any]]:
    op = spec.resolved["paths"][path][method]
    return {p["name"]: p for p in op.get("parameters", [])}


def _walk(node: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if isinstance(node, dict):
        out.append(node)
        for value in node.values():
            out += _walk(value)
    elif isinstance(node, list):
        for value in node:
            out += _walk(value)
    return out


def test_plandocket_participant_id_is_an_integer_parameter() -> None:
    params = _params(_spec("plandocket"), "/api/v1/service-orders")
    assert params["participant_id"]["schema"]["type"] == "integer"


def test_plandocket_documented_value_sets_are_enums_with_defaults() -> None:
    params = _params(_spec("plandocket"), "/api/v1/service-orders")
    assert params["sort"]["schema"]["enum"] == ["order_number", "total", "status", "submitted_at", "created_at"]
    assert params["order"]["schema"] == {**params["order"]["schema"], "enum": ["ASC", "DESC"], "default": "DESC"}
    assert params["include"]["schema"]["items"]["enum"] == ["items", "participant"]
    assert (params["include"]["style"], params["include"]["explode"]) == ("form", False)


@pytest.mark.parametrize("name", ["updated_at_after", "updated_at_before"])
def test_eguma_date_parameters_carry_the_response_date_pattern(name: str) -> None:
    spec = _spec("eguma")
    pattern = _params(spec, "/v1/ticketing/orders.json")[name]["schema"]["pattern"]
    assert pattern.startswith("^") and pattern.endswith("$")
    response_dates = [
        node["pattern"]
        for node in _walk(spec.resolved["components"]["schemas"]["Order"]["properties"]["updated_at"])
        if "pattern" in node
    ]
    assert response_dates == [pattern]


def test_plandocket_inferred_shapes_require_nothing_and_stay_open() -> None:
    schemas = _spec("plandocket").resolved["components"]["schemas"]
    for name in ("ServiceOrderItem", "Participant"):
        assert schemas[name]["x-inferred"] is True
        for node in _walk(schemas[name]):
            assert "required" not in node or node.get("type") != "object"
            assert node.get("additionalProperties") is not False


def test_plandocket_status_vocabulary_is_an_extension_not_an_enum() -> None:
    status = _spec("plandocket").resolved["components"]["schemas"]["ServiceOrder"]["properties"]["status"]
    assert "enum" not in status
    assert set(status["x-mock-values"]) >= {"draft", "submitted", "confirmed", "cancelled"}


def test_documented_value_sets_stay_enums() -> None:
    eguma = _spec("eguma").resolved["components"]["schemas"]
    assert eguma["Order"]["properties"]["status"]["enum"] == ["completed", "cancelled"]
    assert eguma["Order"]["properties"]["location"]["enum"] == ["web", "local"]
    assert eguma["Customer"]["properties"]["title"]["enum"] == ["Mr", "Mrs", "Company"]
    order = _spec("mittwald").resolved["components"]["schemas"]["Order"]["properties"]
    assert order["status"]["enum"] == ["NEW", "CONFIRMED", "REJECTED", "ABORTED", "EXECUTED"]
    assert order["type"]["enum"] == ["NEW_ORDER", "CONTRACT_CHANGE"]


def test_eguma_apikey_is_a_query_security_scheme_with_an_optional_parameter() -> None:
    spec = _spec("eguma")
    scheme = spec.resolved["components"]["securitySchemes"]["apikey"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "query", "apikey")
    assert spec.resolved["security"] == [{"apikey": []}]
    assert _params(spec, "/v1/ticketing/orders.json")["apikey"].get("required", False) is False


def test_no_spec_forbids_additional_properties() -> None:
    for name in ("plandocket", "eguma", "printlounge", "mittwald"):
        assert all(node.get("additionalProperties") is not False for node in _walk(_spec(name).document)), name


def test_paging_parameters_carry_their_natural_bounds() -> None:
    printlounge = _params(_spec("printlounge"), "/api/order/")
    assert printlounge["limit"]["schema"]["minimum"] == 1 and printlounge["lastSeenId"]["schema"]["minimum"] == 0
    mittwald = _params(_spec("mittwald"), "/v2/orders/")
    assert mittwald["limit"]["schema"]["minimum"] == 1 and mittwald["page"]["schema"]["minimum"] == 1
    assert mittwald["skip"]["schema"]["minimum"] == 0
    for name in ("includesStatus", "excludesStatus"):
        assert mittwald[name]["schema"]["items"]["enum"] == ["NEW", "CONFIRMED", "REJECTED", "ABORTED", "EXECUTED"]


def test_servers_carry_only_the_vendor_host() -> None:
    servers = {n: _spec(n).document["servers"][0] for n in ("plandocket", "eguma", "printlounge", "mittwald")}
    assert servers["plandocket"]["url"] == "https://{tenant}.plandocket.com"
    assert "tenant" in servers["plandocket"]["variables"]
    assert servers["eguma"]["url"] == "https://api.e-guma.ch"
    assert servers["mittwald"]["url"] == "https://api.mittwald.de"
