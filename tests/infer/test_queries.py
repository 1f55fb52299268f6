"""Query semantics and list shapes inferred from parameter names and the list response."""

from __future__ import annotations

from typing import Any

import pytest

from tests.infer.helpers import inferred, mock, petstore, query, ref

ARRAY = {"type": "array", "items": {"type": "string"}}
INT = {"type": "integer"}


def list_mock(params: list[dict[str, Any]], list_schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return mock(inferred(petstore(params, list_schema)), "/pets", "get")


def filters(params: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return list(list_mock(params).get("filters", []))


def test_a_parameter_named_like_a_field_is_an_equality_filter_any_of_for_an_array() -> None:
    assert filters([query("name"), query("Species"), query("age", INT)]) == [
        {"param": "name", "field": "name", "op": "eq"},
        {"param": "Species", "field": "species", "op": "eq"},  # a case variant
        {"param": "age", "field": "age", "op": "eq"},
    ]
    assert filters([query("species", ARRAY)]) == [{"param": "species", "field": "species", "op": "in"}]
    assert filters([query("tags", ARRAY)]) == [{"param": "tags", "field": "tags[]", "op": "any_in"}]
    assert filters([query("tag", {"type": "string"})]) == []  # no field `tag`: singulars only for array params


def test_case_and_underscore_variants_match() -> None:
    assert filters([query("createdAt")]) == [{"param": "createdAt", "field": "created_at", "op": "eq"}]


@pytest.mark.parametrize(
    ("param", "field", "op"),
    [
        ("age_gte", "age", "gte"),
        ("age_lte", "age", "lte"),
        ("age_gt", "age", "gt"),
        ("age_lt", "age", "lt"),
        ("age[gte]", "age", "gte"),
        ("min_age", "age", "gte"),
        ("maxAge", "age", "lte"),
        ("age_min", "age", "gte"),
        ("created_after", "created_at", "gt"),
        ("createdBefore", "created_at", "lt"),
        ("createdFrom", "created_at", "gte"),
        ("created_at_to", "created_at", "lte"),
        ("since", "created_at", "gte"),
    ],
)
def test_range_suffixes_and_prefixes(param: str, field: str, op: str) -> None:
    assert filters([query(param)]) == [{"param": param, "field": field, "op": op}]


def test_words_that_merely_end_like_a_range_are_not_ranges() -> None:
    inference = inferred(petstore([query("photo"), query("minute")]))
    assert "filters" not in mock(inference, "/pets", "get")
    assert any("query parameter 'photo': no rule matched" in note for note in inference.notes)
    assert any("query parameter 'minute': no rule matched" in note for note in inference.notes)


@pytest.mark.parametrize("name", ["q", "search", "query"])
def test_search_is_a_substring_match_over_the_string_fields(name: str) -> None:
    assert filters([query(name)]) == [{"param": name, "fields": ["name", "species", "created_at"], "op": "contains"}]


@pytest.mark.parametrize(
    ("params", "paging"),
    [
        (
            [query("limit", INT), query("offset", INT)],
            {"style": "offset", "skip_param": "offset", "limit_param": "limit"},
        ),
        (
            [query("per_page", INT), query("page", INT)],
            {"style": "offset", "page_param": "page", "limit_param": "per_page"},
        ),
        (
            [query("pageSize", INT), query("skip", INT)],
            {"style": "offset", "skip_param": "skip", "limit_param": "pageSize"},
        ),
        ([query("max_results", INT)], {"style": "offset", "limit_param": "max_results"}),
        ([query("limit", INT), query("cursor")], {"style": "cursor", "cursor_param": "cursor", "limit_param": "limit"}),
        (
            [query("size", INT), query("starting_after")],
            {"style": "cursor", "cursor_param": "starting_after", "limit_param": "size"},
        ),
        ([query("page_token")], {"style": "cursor", "cursor_param": "page_token"}),
    ],
)
def test_paging_parameter_names(params: list[dict[str, Any]], paging: dict[str, Any]) -> None:
    assert list_mock(params)["paging"] == {**paging, "default_limit": 20}


def test_the_limit_parameter_gives_the_default_and_maximum() -> None:
    limit = query("limit", {"type": "integer", "default": 10, "maximum": 50})
    assert list_mock([limit])["paging"] == {
        "style": "offset",
        "limit_param": "limit",
        "max_limit": 50,
        "default_limit": 10,
    }


def test_sort_with_a_direction_parameter() -> None:
    sort = query("sort_by", {"type": "string", "enum": ["name", "createdAt"]})
    direction = query("order", {"type": "string", "enum": ["ASC", "DESC"], "default": "DESC"})
    assert list_mock([sort, direction])["sort"] == {
        "default": "id",
        "param": "sort_by",
        "fields": {"createdAt": "created_at"},
        "direction_param": "order",
        "directions": {"ASC": "asc", "DESC": "desc"},
        "default_direction": "desc",
    }


def test_sort_with_a_minus_prefix() -> None:
    assert list_mock([query("sort")])["sort"] == {"default": "id", "param": "sort", "prefix_desc": True}
    enum = query("orderBy", {"type": "string", "enum": ["name", "-name", "-created_at"], "default": "-created_at"})
    assert list_mock([enum])["sort"] == {
        "default": "created_at",
        "default_direction": "desc",
        "param": "orderBy",
        "prefix_desc": True,
    }


def test_order_naming_fields_is_the_sort_parameter() -> None:
    order = query("order", {"type": "string", "enum": ["name", "age"]})
    assert list_mock([order])["sort"] == {"default": "id", "param": "order"}


def test_a_bare_array_list_has_no_envelope() -> None:
    assert "envelope" not in list_mock([query("limit", INT)])


def test_an_envelope_with_one_array_a_total_and_a_next_cursor() -> None:
    envelope = {
        "type": "object",
        "properties": {
            "results": {"type": "array", "items": ref("Pet")},
            "totalCount": INT,
            "next_cursor": {"type": "string", "nullable": True},
            "links": {"type": "object"},
        },
    }
    cursor = [query("limit", INT), query("after")]
    assert list_mock(cursor, envelope)["envelope"] == {"data": "results", "total": "totalCount", "next": "next_cursor"}
    # offset paging: `next` holds the next page's URL; without paging there is no next page
    offset = [query("limit", INT), query("offset", INT)]
    assert list_mock(offset, envelope)["envelope"] == {"data": "results", "total": "totalCount", "next": "next_cursor"}
    assert list_mock([], envelope)["envelope"] == {"data": "results", "total": "totalCount"}


def test_of_several_arrays_the_well_named_one_holds_the_records() -> None:
    envelope = {"type": "object", "properties": {"warnings": ARRAY, "items": {"type": "array", "items": ref("Pet")}}}
    assert list_mock([], envelope)["envelope"] == {"data": "items"}


def test_a_list_response_without_an_array_is_answered_as_declared() -> None:
    inference = inferred(petstore([], {"type": "object", "properties": {"count": INT}}))
    assert mock(inference, "/pets", "get") == {"action": "respond"}
    assert any("holds no JSON list" in note for note in inference.notes)


def test_unmatched_parameters_are_listed_as_not_emulated() -> None:
    inference = inferred(petstore([query("fields"), query("name")]))
    assert mock(inference, "/pets", "get")["filters"] == [{"param": "name", "field": "name", "op": "eq"}]
    assert [n for n in inference.notes if "fields" in n] == [
        "GET /pets: query parameter 'fields': no rule matched (validated as declared, otherwise ignored)"
    ]
