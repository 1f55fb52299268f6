"""The schema check itself: what conforms gives no finding, and the tricky corners of OpenAPI 3.0 schemas."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from starlette.testclient import TestClient

from mock_server.drift.check import check_value
from mock_server.drift.recorder import DriftRecorder
from mock_server.specs import HTTP_METHODS
from tests.conftest import APIKEY, AUTH
from tests.drift.stand_in import spec_named

APIS = ["eguma", "mittwald", "plandocket", "printlounge"]


def _examples(name: str) -> list[tuple[str, str, str, str, Any]]:
    """(method, path, status, media type, value) of every response example of a spec."""
    found = []
    for path, item in spec_named(name).resolved["paths"].items():
        for method in HTTP_METHODS:
            for status, response in ((item.get(method) or {}).get("responses") or {}).items():
                for media_type, media in (response.get("content") or {}).items():
                    values = [e["value"] for e in (media.get("examples") or {}).values() if "value" in e]
                    values += [media["example"]] if "example" in media else []
                    found += [(method, path, str(status), media_type, value) for value in values]
    return found


@pytest.mark.parametrize("api", APIS)
def test_every_example_of_our_specs_conforms(api: str) -> None:
    spec = spec_named(api)
    recorder = DriftRecorder(spec)
    examples = _examples(api)
    assert examples
    for method, path, status, media_type, value in examples:
        headers = {"content-type": media_type}
        recorder.observe(method, path, int(status), headers, orjson.dumps(value), template=path)
    found = [(f.operation, f.status, f.kind, f.location) for f in recorder.report().findings]
    assert [f for f in found if f[2] not in ("never_seen", "missing_header")] == []


def test_mock_answers_conform(client: TestClient) -> None:
    """The mock's own answers (from the committed fixtures) give no error or warning: no false alarms."""
    requests = {
        "eguma": (f"/eguma/v1/ticketing/orders.json?apikey={APIKEY}", {}),
        "mittwald": ("/mittwald/v2/orders/", AUTH["mittwald"]),
        "plandocket": ("/plandocket/api/v1/service-orders?include=items,participant", AUTH["plandocket"]),
        "printlounge": ("/printlounge/api/order/?limit=5", {}),
    }
    for api, (url, headers) in requests.items():
        recorder = DriftRecorder(spec_named(api))
        response = client.get(url, headers=headers)
        assert response.status_code == 200
        recorder.observe(
            "GET", url.split("?")[0].removeprefix(f"/{api}"), 200, response.headers.items(), response.content
        )
        serious = [(f.kind, f.location) for f in recorder.report().findings if f.severity != "info"]
        assert serious == [], api


def _document(schema: dict[str, Any]) -> dict[str, Any]:
    return {"components": {"schemas": {"S": schema, "Name": {"type": "string", "minLength": 1}}}}


def _kinds(schema: dict[str, Any], value: Any) -> list[tuple[str, str, str]]:
    visit = check_value(_document(schema), {"$ref": "#/components/schemas/S"}, "", value)
    return [(o.kind, o.location, o.schema) for o in visit.observations]


def test_allof_members_document_properties_together() -> None:
    schema = {"allOf": [{"properties": {"a": {"type": "integer"}}, "required": ["a"]}, {"properties": {"b": {}}}]}
    assert _kinds(schema, {"a": 1, "b": 2}) == []
    assert _kinds(schema, {"b": 2, "c": 3}) == [
        ("missing_required", "/a", "/components/schemas/S/allOf/0"),
        ("undocumented_property", "/c", "/components/schemas/S/allOf/0"),
    ]


def test_anyof_picks_the_branch_of_the_same_kind_of_value() -> None:
    schema = {
        "anyOf": [{"type": "object", "properties": {"p": {"type": "string"}}}, {"nullable": True, "enum": [None]}]
    }
    assert _kinds(schema, None) == []
    assert _kinds(schema, {"p": None}) == [("type_mismatch", "/p", "/components/schemas/S/anyOf/0/properties/p")]


def test_maps_take_star_and_closed_schemas_still_report() -> None:
    schema = {"type": "object", "additionalProperties": {"$ref": "#/components/schemas/Name"}}
    assert _kinds(schema, {"1": "x", "2": 3}) == [("type_mismatch", "/*", "/components/schemas/Name")]
    closed = {"type": "object", "properties": {"a": {}}, "additionalProperties": False}
    assert _kinds(closed, {"a": 1, "z/~": 2}) == [("undocumented_property", "/z~1~0", "/components/schemas/S")]


def test_integers_and_numbers() -> None:
    assert _kinds({"type": "integer"}, 3.0) == []  # JSON Schema: 3.0 is an integer
    assert _kinds({"type": "integer"}, 3.5)[0][0] == "type_mismatch"
    assert _kinds({"type": "number"}, 3) == []
    assert _kinds({"type": "integer"}, True)[0][0] == "type_mismatch"
    assert _kinds({"type": "integer", "format": "int32"}, 2**40)[0][0] == "format_mismatch"
    assert _kinds({"enum": [1, 2]}, True)[0][0] == "enum_value"  # true is not 1


@pytest.mark.parametrize(
    ("fmt", "good", "bad"),
    [
        ("date-time", "2026-03-01T12:00:00Z", "2026-03-01T12:00:00"),
        ("date", "2026-03-01", "2026-02-30"),
        ("uuid", "0b805b90-ad5d-4cef-a02c-bb63e5c794b3", "0b805b90"),
        ("email", "a@example.com", "a@"),
    ],
)
def test_formats(fmt: str, good: str, bad: str) -> None:
    assert _kinds({"type": "string", "format": fmt}, good) == []
    assert _kinds({"type": "string", "format": fmt}, bad) == [("format_mismatch", "", "/components/schemas/S")]
