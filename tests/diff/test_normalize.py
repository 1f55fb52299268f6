"""Refactors are no change: $refs and allOf resolved, keys and lists reordered, nullability spelled another way,
path parameters renamed; the bundled specs against themselves (and reordered) give no finding."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from mock_server.diff import diff_documents
from mock_server.errors import SpecError
from mock_server.settings import DEFAULT_SPEC_DIR
from mock_server.specs import discover_specs
from tests.diff.specs import BODY, GET, ORDER, both, drop, put, spec

BUNDLED = discover_specs(DEFAULT_SPEC_DIR)
_ORDER_INLINE = spec()["components"]["schemas"]["Order"]
_ITEMS = f"{GET}/responses/200/content/application~1json/schema/items"


def _reversed(node: Any, lists: bool) -> Any:
    if isinstance(node, dict):
        return {k: _reversed(v, lists) for k, v in reversed(node.items())}
    if isinstance(node, list):
        items = [_reversed(v, lists) for v in node]
        return items[::-1] if lists else items
    return node


def test_moving_a_schema_into_components_is_no_change() -> None:
    inline = spec(put(_ITEMS, _ORDER_INLINE), drop(ORDER))
    in_components = spec()
    assert diff_documents(inline, in_components, "a", "b") == []
    assert diff_documents(in_components, inline, "a", "b") == []


def test_reordering_keys_parameters_and_enums_is_no_change() -> None:
    reordered = _reversed(spec(), lists=True)
    assert list(reordered["paths"]["/orders"]["get"]["parameters"][0]) == ["schema", "in", "name"]
    assert diff_documents(spec(), reordered, "a", "b") == []


@pytest.mark.parametrize("path", BUNDLED, ids=[p.stem for p in BUNDLED])
def test_bundled_spec_against_itself_and_reordered_gives_no_finding(path: Path) -> None:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert diff_documents(document, document, str(path), str(path)) == []
    assert diff_documents(document, _reversed(document, lists=False), str(path), str(path)) == []


def test_bundled_specs_are_the_four_vendors() -> None:
    assert [p.stem for p in BUNDLED] == ["eguma", "mittwald", "plandocket", "printlounge"]


def test_all_of_is_merged_before_comparing() -> None:
    split = {
        "allOf": [
            {"type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}}},
            {"required": ["status"], "properties": {"status": {"type": "string", "enum": ["new", "done"]}}},
            {"properties": {"total": {"type": "number"}, "created": {"type": "string", "format": "date-time"}}},
        ]
    }
    assert diff_documents(spec(), spec(put(ORDER, split)), "a", "b") == []
    removed = diff_documents(spec(), spec(put(ORDER, split), drop(f"{ORDER}/allOf/2/properties/total")), "a", "b")
    assert [f.id for f in removed] == ["response-property-removed"]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ({"type": "string", "nullable": True}, {"type": ["string", "null"]}),  # OpenAPI 3.0 and 3.1
        ({"type": "string", "nullable": True}, {"anyOf": [{"type": "string"}, {"type": "null"}]}),
        ({"type": "string", "enum": ["x"], "nullable": True}, {"type": "string", "enum": ["x", None]}),
    ],
    ids=["type-list", "any-of-null", "enum-null"],
)
def test_nullable_spelled_another_way_is_no_change(old: dict[str, Any], new: dict[str, Any]) -> None:
    note = f"{BODY}/properties/note"
    assert diff_documents(spec(put(note, old)), spec(put(note, new)), "a", "b") == []
    assert diff_documents(spec(put(note, new)), spec(put(note, old)), "a", "b") == []


def test_exclusive_bounds_of_3_0_and_3_1_are_one_thing() -> None:
    limit = f"{GET}/parameters/1/schema"
    old = spec(put(limit, {"type": "integer", "minimum": 0, "exclusiveMinimum": True, "exclusiveMaximum": False}))
    assert diff_documents(old, spec(put(limit, {"type": "integer", "exclusiveMinimum": 0})), "a", "b") == []
    raised = diff_documents(old, spec(put(limit, {"type": "integer", "exclusiveMinimum": 1})), "a", "b")
    assert [(f.id, f.message) for f in raised] == [
        ("request-parameter-bounds-narrowed", "parameter limit (query): exclusiveMinimum raised from 0 to 1")
    ]


def test_renaming_a_path_parameter_is_no_change() -> None:
    param = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
    detail: dict[str, Any] = {"parameters": [param], "get": {"responses": {"200": {"description": "One."}}}}
    renamed = {**detail, "parameters": [{**param, "name": "orderId"}]}
    old = spec(put("/paths/~1orders~1{id}", detail))
    new = spec(put("/paths/~1orders~1{orderId}", renamed))
    assert diff_documents(old, new, "a", "b") == []
    # a real change to that parameter is still found, against the new name
    retyped = both(
        put("/paths/~1orders~1{orderId}", renamed), put("/paths/~1orders~1{orderId}/parameters/0/schema/type", "string")
    )
    findings = diff_documents(old, spec(retyped), "a", "b")
    assert [(f.id, f.operation) for f in findings] == [("request-parameter-type-changed", "GET /orders/{orderId}")]


def test_recursive_schema_is_compared_without_looping() -> None:
    tree = {"type": "object", "properties": {"children": {"type": "array", "items": {"$ref": f"#{ORDER}"}}}}
    old = spec(put(f"{ORDER}/properties/tree", tree))
    assert diff_documents(old, old, "a", "b") == []
    findings = diff_documents(
        old, spec(put(f"{ORDER}/properties/tree", tree), drop(f"{ORDER}/properties/total")), "a", "b"
    )
    assert {f.id for f in findings} == {"response-property-removed"}


_ODD = [
    put("/paths", []),
    put(GET, "not an operation"),
    put(f"{GET}/parameters", {"name": "status"}),
    put(f"{GET}/parameters/0", "status"),
    put(f"{GET}/responses", ["200"]),
    put(f"{GET}/responses/200/content", "application/json"),
    put(f"{GET}/responses/200/headers/X-Total", {"schema": "integer"}),
    put(ORDER, {"type": "object", "properties": ["id"], "required": True}),
    put(f"{ORDER}/properties/status/enum", "new"),
    put(f"{GET}/parameters/1/schema/maximum", "ten"),
    put(f"{BODY}/allOf", [{"properties": {"x": {"type": "string"}}}, "oops"]),
    put("/security", {"bearer": []}),
    put(f"{GET}/x-mock", ["list"]),
    put(f"{GET}/x-mock/includes/joins", ["items"]),
    put(f"{GET}/x-mock/filters", {"param": "status"}),
    put("/x-mock-api", {"name": 3, "resources": ["orders"]}),
    put("/components/securitySchemes", []),
]


@pytest.mark.parametrize("oddity", _ODD)
def test_odd_shapes_do_not_crash_the_diff(oddity: Any) -> None:
    """A spec `validate` would reject still diffs (each side is compared as far as it makes sense)."""
    assert isinstance(diff_documents(spec(), spec(oddity), "a", "b"), list)
    assert isinstance(diff_documents(spec(oddity), spec(), "a", "b"), list)


def test_external_ref_is_a_clear_spec_error() -> None:
    with pytest.raises(SpecError) as caught:
        diff_documents(spec(), spec(put(_ITEMS, {"$ref": "order.yaml#/Order"})), "a", "b.yaml")
    assert (
        str(caught.value) == f"b.yaml: {_ITEMS}: $ref 'order.yaml#/Order': only local references (#/...) are supported"
    )
