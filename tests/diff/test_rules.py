"""Each rule of `mock-server diff` against a pair of small specs: OLD is the base spec (or a mutation of it), NEW a
mutation; the pair must give exactly that rule, at the level the issue gives it, located where the file has it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mock_server.diff import RULES, diff_documents
from mock_server.diff.findings import AREAS
from mock_server.specs import resolve_pointer
from tests.diff.specs import BODY, GET, HEADERS, ORDER, POST, Mutation, both, drop, put, spec

_Q = {"name": "q", "in": "query", "schema": {"type": "string"}}
_JSON_BODY = {"content": {"application/json": {"schema": {"type": "object"}}}}
_FORM = f"{POST}/requestBody/content/application~1x-www-form-urlencoded"
_CSV = f"{GET}/responses/200/content/text~1csv"
_TWO_WAYS = [{"bearer": ["read"]}, {"apikey": []}]


def case(rule: str, level: str, new: Mutation, old: Mutation | None = None) -> Any:
    return pytest.param(rule, level, new, old, id=rule)


def nothing(doc: dict[str, Any]) -> None:
    """The base spec unchanged."""


CASES = [
    # paths
    case("path-removed", "error", drop("/paths/~1orders")),
    case("path-added", "info", put("/paths/~1items", {"get": {"responses": {"200": {"description": "Ok."}}}})),
    case("operation-removed", "error", drop(POST)),
    case("operation-added", "info", put("/paths/~1orders/delete", {"responses": {"204": {"description": "Gone."}}})),
    case("operation-deprecated", "warning", put(f"{GET}/deprecated", True)),
    case("operation-undeprecated", "info", nothing, put(f"{GET}/deprecated", True)),
    case("operation-id-changed", "warning", put(f"{GET}/operationId", "getOrders")),
    case("operation-description-changed", "info", put(f"{GET}/summary", "All orders")),
    # parameters
    case("request-parameter-removed", "warning", drop(f"{GET}/parameters/0")),
    case("request-parameter-added-required", "error", put(f"{GET}/parameters/2", {**_Q, "required": True})),
    case("request-parameter-added-optional", "info", put(f"{GET}/parameters/2", _Q)),
    case("request-parameter-made-required", "error", put(f"{GET}/parameters/1/required", True)),
    case("request-parameter-made-optional", "info", nothing, put(f"{GET}/parameters/1/required", True)),
    case("request-parameter-type-changed", "error", put(f"{GET}/parameters/1/schema/type", "number")),
    case("request-parameter-format-changed", "error", put(f"{GET}/parameters/1/schema/format", "int32")),
    case("request-parameter-enum-narrowed", "error", put(f"{GET}/parameters/0/schema/enum", ["new"])),
    case("request-parameter-enum-widened", "info", put(f"{GET}/parameters/0/schema/enum", ["new", "done", "gone"])),
    case("request-parameter-bounds-narrowed", "error", put(f"{GET}/parameters/1/schema/maximum", 50)),
    case("request-parameter-bounds-widened", "info", drop(f"{GET}/parameters/1/schema/maximum")),
    case("request-parameter-pattern-added", "error", put(f"{GET}/parameters/0/schema/pattern", "^[a-z]+$")),
    case(
        "request-parameter-pattern-changed",
        "error",
        put(f"{GET}/parameters/0/schema/pattern", "^[a-z]{1,8}$"),
        put(f"{GET}/parameters/0/schema/pattern", "^[a-z]+$"),
    ),
    case("request-parameter-pattern-removed", "info", nothing, put(f"{GET}/parameters/0/schema/pattern", "^[a-z]+$")),
    case("request-parameter-default-changed", "warning", put(f"{GET}/parameters/1/schema/default", 50)),
    case("request-parameter-serialization-changed", "error", put(f"{GET}/parameters/0/explode", False)),
    case("request-parameter-description-changed", "info", put(f"{GET}/parameters/0/description", "Order status")),
    # request body
    case("request-body-added-required", "error", put(f"{GET}/requestBody", {**_JSON_BODY, "required": True})),
    case("request-body-added-optional", "info", put(f"{GET}/requestBody", _JSON_BODY)),
    case("request-body-made-required", "error", nothing, put(f"{POST}/requestBody/required", False)),
    case("request-body-removed", "warning", drop(f"{POST}/requestBody")),
    case("request-media-type-removed", "error", nothing, put(_FORM, {"schema": {"type": "object"}})),
    case("request-media-type-added", "info", put(_FORM, {"schema": {"type": "object"}})),
    case("request-property-type-changed", "error", put(f"{BODY}/properties/kind/type", "integer")),
    case("request-property-format-changed", "error", put(f"{BODY}/properties/name/format", "email")),
    case("request-property-enum-narrowed", "error", put(f"{BODY}/properties/kind/enum", ["a"])),
    case("request-property-enum-widened", "info", put(f"{BODY}/properties/kind/enum", ["a", "b", "c"])),
    case("request-property-bounds-narrowed", "error", put(f"{BODY}/properties/name/maxLength", 20)),
    case("request-property-bounds-widened", "info", put(f"{BODY}/properties/name/maxLength", 100)),
    case("request-property-pattern-added", "error", put(f"{BODY}/properties/name/pattern", "^\\w+$")),
    case(
        "request-property-pattern-changed",
        "error",
        put(f"{BODY}/properties/name/pattern", "^\\w{2,}$"),
        put(f"{BODY}/properties/name/pattern", "^\\w+$"),
    ),
    case("request-property-pattern-removed", "info", nothing, put(f"{BODY}/properties/name/pattern", "^\\w+$")),
    case("request-property-default-changed", "warning", put(f"{BODY}/properties/kind/default", "b")),
    case(
        "request-property-added-required",
        "error",
        both(put(f"{BODY}/properties/code", {"type": "string"}), put(f"{BODY}/required", ["name", "code"])),
    ),
    case("request-property-added-optional", "info", put(f"{BODY}/properties/code", {"type": "string"})),
    case("request-property-made-required", "error", put(f"{BODY}/required", ["name", "note"])),
    case("request-property-removed", "warning", drop(f"{BODY}/properties/note")),
    case("request-property-nullable-removed", "error", drop(f"{BODY}/properties/note/nullable")),
    # responses
    case("response-success-status-removed", "error", drop(f"{GET}/responses/200")),
    case("response-status-removed", "info", drop(f"{GET}/responses/404")),
    case("response-status-added", "info", put(f"{GET}/responses/400", {"description": "Bad."})),
    case("response-media-type-removed", "error", nothing, put(_CSV, {"schema": {"type": "string"}})),
    case("response-media-type-added", "info", put(_CSV, {"schema": {"type": "string"}})),
    case("response-property-removed", "error", drop(f"{ORDER}/properties/total")),
    case("response-property-made-optional", "error", put(f"{ORDER}/required", ["id"])),
    case("response-property-made-nullable", "error", put(f"{ORDER}/properties/total/nullable", True)),
    case("response-property-type-changed", "error", put(f"{ORDER}/properties/total/type", "string")),
    case("response-property-format-changed", "warning", put(f"{ORDER}/properties/created/format", "date")),
    case("response-property-added", "info", put(f"{ORDER}/properties/note", {"type": "string"})),
    case("response-enum-value-added", "warning", put(f"{ORDER}/properties/status/enum", ["new", "done", "gone"])),
    case("response-enum-value-removed", "info", put(f"{ORDER}/properties/status/enum", ["new"])),
    # headers
    case("required-response-header-removed", "error", drop(f"{HEADERS}/X-Total")),
    case("response-header-removed", "info", drop(f"{HEADERS}/X-Trace")),
    case("response-header-added", "info", put(f"{HEADERS}/X-Next", {"schema": {"type": "string"}})),
    case("response-header-made-optional", "error", drop(f"{HEADERS}/X-Total/required")),
    case("response-header-type-changed", "error", put(f"{HEADERS}/X-Total/schema/type", "string")),
    # schema
    case("schema-description-changed", "info", put(f"{ORDER}/properties/total/description", "Gross, in EUR")),
    case(
        "schema-variant-changed",
        "warning",
        put(f"{ORDER}/properties/total", {"oneOf": [{"type": "number"}, {"type": "string"}]}),
        put(f"{ORDER}/properties/total", {"oneOf": [{"type": "number"}, {"type": "integer"}]}),
    ),
    # security
    case("security-requirement-added", "error", nothing, put(f"{POST}/security", [])),
    case("security-requirement-removed", "info", put(f"{POST}/security", [])),
    case("security-alternative-removed", "error", nothing, put("/security", _TWO_WAYS)),
    case("security-alternative-added", "info", put("/security", _TWO_WAYS)),
    case("security-scope-added", "error", put("/security/0/bearer", ["read", "write"])),
    case("security-scheme-changed", "error", put("/components/securitySchemes/apikey/in", "query")),
    # mock
    case("mock-filter-removed", "warning", drop(f"{GET}/x-mock/filters/0")),
    case("mock-filter-changed", "warning", put(f"{GET}/x-mock/filters/0/field", "state")),
    case("mock-sort-changed", "warning", put(f"{GET}/x-mock/sort/default", "created")),
    case("mock-paging-changed", "warning", put(f"{GET}/x-mock/paging/default_limit", 50)),
    case("mock-include-changed", "warning", drop(f"{GET}/x-mock/includes/joins/items")),
    case("mock-resource-changed", "warning", put(f"{GET}/x-mock/resource", "archive")),
    case(
        "mock-shape-changed",
        "warning",
        put(f"{GET}/x-mock/envelope", {"data": "items"}),
        put(f"{GET}/x-mock/envelope", {"data": "data"}),
    ),
    case("mock-api-name-changed", "warning", put("/x-mock-api/name", "store")),
    case("mock-api-resource-changed", "warning", put("/x-mock-api/resources/orders/key", "code")),
]


@pytest.mark.parametrize(("rule", "level", "new", "old"), CASES)
def test_rule_finds_its_change(rule: str, level: str, new: Mutation, old: Mutation | None) -> None:
    old_doc, new_doc = spec(old or nothing), spec(new)
    findings = diff_documents(old_doc, new_doc, "old.yaml", "new.yaml")
    assert {f.id for f in findings} == {rule}
    assert len({(f.operation, f.location, f.message) for f in findings}) == len(findings)  # nothing twice
    finding = findings[0]
    assert (finding.level, RULES[rule].level) == (level, level)
    assert finding.area == RULES[rule].area
    assert finding.operation and finding.message
    # the location is a real JSON pointer of the side the finding names (NEW, or OLD for a removal)
    resolve_pointer(old_doc if finding.file == "old.yaml" else new_doc, f"#{finding.location}")


def test_every_rule_has_a_test_pair() -> None:
    tested = [p.values[0] for p in CASES]
    assert sorted(tested) == sorted(RULES)
    assert len(RULES) >= 40


def test_rule_ids_are_kebab_case_with_a_known_area() -> None:
    for rule in RULES.values():
        assert rule.id.replace("-", "").isalpha() and rule.id == rule.id.lower(), rule.id
        assert rule.area in AREAS and rule.what


def test_removals_point_into_old_and_the_rest_into_new() -> None:
    findings = diff_documents(spec(), spec(drop(f"{ORDER}/properties/total")), "old.yaml", "new.yaml")
    assert [(f.file, f.location) for f in findings] == [("old.yaml", f"{ORDER}/properties/total")]
    findings = diff_documents(spec(), spec(put(f"{ORDER}/properties/total/type", "string")), "old.yaml", "new.yaml")
    assert [(f.file, f.location) for f in findings] == [("new.yaml", f"{ORDER}/properties/total")]


def test_message_names_both_values() -> None:
    findings = diff_documents(spec(), spec(put(f"{ORDER}/properties/total/type", "string")), "a", "b")
    assert (
        findings[0].message == 'response 200 application/json property [].total: type changed from "number" to "string"'
    )
    assert findings[0].operation == "GET /orders"


_SYMMETRIC = {  # a change either way is the same kind of change
    "operation-id-changed",
    "operation-description-changed",
    "request-parameter-type-changed",
    "request-parameter-pattern-changed",
    "request-parameter-default-changed",
    "request-parameter-serialization-changed",
    "request-parameter-description-changed",
    "request-property-type-changed",
    "request-property-pattern-changed",
    "request-property-default-changed",
    "response-property-type-changed",
    "response-property-format-changed",
    "response-header-type-changed",
    "schema-description-changed",
    "schema-variant-changed",
    "security-scheme-changed",
    "mock-filter-changed",
    "mock-sort-changed",
    "mock-paging-changed",
    "mock-resource-changed",
    "mock-shape-changed",
    "mock-api-name-changed",
    "mock-api-resource-changed",
}


@pytest.mark.parametrize(("rule", "level", "new", "old"), [c for c in CASES if c.values[0] not in _SYMMETRIC])
def test_rule_is_directed(rule: str, level: str, new: Mutation, old: Mutation | None) -> None:
    """The same pair the other way round is another change (a removal becomes an addition, a narrowing a
    widening) or none a client notices (a request that accepts more), never this one."""
    findings = diff_documents(spec(new), spec(old or nothing), "new.yaml", "old.yaml")
    assert rule not in {f.id for f in findings}


def test_docs_list_every_rule_with_its_level_and_area() -> None:
    text = (Path(__file__).parents[2] / "docs" / "diff.md").read_text(encoding="utf-8")
    rows = {line.split("|")[1].strip(" `"): line for line in text.splitlines() if line.startswith("| `")}
    assert sorted(rows) == sorted(RULES)
    for rule in RULES.values():
        assert f"| {rule.level} | {rule.area} |" in rows[rule.id], rule.id
