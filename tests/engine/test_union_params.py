"""Parameters whose schema has no top-level type (oneOf/anyOf of scalar branches, no type at all, arrays of such
items) in the query, the path and headers: the values are coerced to the first type the whole schema accepts,
a value no branch accepts is a 400 saying what it must be, never a 500 (connexion 3.3 reads schema["type"])."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from mock_server.app import create_app
from mock_server.model import Operation, Paging
from mock_server.params import candidate_types, coerce_text, describe
from mock_server.query import Query
from mock_server.settings import Settings
from mock_server.validation import accepts
from tests.engine.conftest import Serve

ITEMS = "/unions/items"
LISTMONK = Path("/work/shared/corpus/specs/listmonk.yaml")


@pytest.fixture
def client(serve: Serve) -> TestClient:
    client = serve("unions.yaml", count=0)
    for key in range(1, 6):
        assert client.post(ITEMS, json={"id": key, "rank": key % 3}).status_code == 201
    return client


def _ids(client: TestClient, query: str, **headers: str) -> list[int]:
    response = client.get(f"{ITEMS}?{query}", headers=headers)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def _refused(client: TestClient, url: str, **headers: str) -> str:
    response = client.get(url, headers=headers)
    assert response.status_code == 400, response.text
    detail: str = response.json()["detail"]
    return detail


def test_an_integer_page_size_is_the_limit_and_all_means_no_limit(client: TestClient) -> None:
    assert _ids(client, "") == [1, 2]  # default_limit
    assert _ids(client, "per_page=3") == [1, 2, 3]
    assert _ids(client, "per_page=3&page=2") == [4, 5]
    assert _ids(client, "per_page=all") == [1, 2, 3, 4, 5]
    assert _ids(client, "per_page=all&page=2") == [1, 2, 3, 4, 5]  # one page holds everything
    assert _ids(client, "page=last") == [1, 2]  # a page the schema allows but that is no number: the first


def test_paging_headers_leave_out_the_limit_of_a_page_without_one(client: TestClient) -> None:
    assert client.get(f"{ITEMS}?per_page=3").headers["x-limit"] == "3"
    assert "x-limit" not in client.get(f"{ITEMS}?per_page=all").headers


@pytest.mark.parametrize(
    ("query", "detail"),
    [
        ("per_page=x", "query parameter 'per_page': must be an integer of at least 1 or \"all\", not 'x'"),
        ("per_page=0", "query parameter 'per_page': must be an integer of at least 1 or \"all\", not '0'"),
        ("rank=1.5", "query parameter 'rank': must be an integer or \"none\", not '1.5'"),
        ("score=x", "query parameter 'score': must be a number or true or false, not 'x'"),
        ("ids=1,x", "query parameter 'ids': each value must be an integer or \"none\", not 'x'"),
    ],
)
def test_a_query_value_no_branch_accepts_is_a_400_saying_what_it_must_be(
    client: TestClient, query: str, detail: str
) -> None:
    assert _refused(client, f"{ITEMS}?{query}") == detail


def test_the_handler_gets_the_coerced_values(client: TestClient) -> None:
    # the records' rank and id are integers: a filter value left a string would match none
    assert _ids(client, "rank=2") == [2, 5]
    assert _ids(client, "rank=none") == []
    assert _ids(client, "ids=1,3,none") == [1, 3]
    assert _ids(client, "ids=4&ids=5") == [4, 5]
    assert _ids(client, "score=1.5") == _ids(client, "score=true") == [1, 2]
    assert _ids(client, "note=5") == [1, 2]  # a schema without any type: the text, accepted


def test_a_union_path_parameter_is_coerced_and_checked(client: TestClient) -> None:
    assert client.get(f"{ITEMS}/2").json() == {"id": 2, "rank": 2}
    assert client.get(f"{ITEMS}/abc").status_code == 404  # the string branch accepts it; no such record
    detail = _refused(client, f"{ITEMS}/A-B")
    assert detail == "path parameter 'itemId': must be an integer or a string matching ^[a-z]+$, not 'A-B'"


@pytest.mark.parametrize(
    ("headers", "detail"),
    [
        ({"X-Trace": "-1"}, "header parameter 'X-Trace': must be an integer of at least 0 or \"off\", not '-1'"),
        ({"X-Ids": "1,b"}, "header parameter 'X-Ids': each value must be an integer or \"all\", not 'b'"),
        ({"X-Count": "x"}, "header parameter 'X-Count': 'x' is not of type 'integer'"),
        ({"Cookie": "session=x"}, "cookie parameter 'session': must be an integer or \"guest\", not 'x'"),
    ],
)
def test_a_header_or_cookie_value_no_branch_accepts_is_a_400(
    client: TestClient, headers: dict[str, str], detail: str
) -> None:
    assert _refused(client, ITEMS, **headers) == detail


@pytest.mark.parametrize(
    "headers",
    [{"X-Trace": "3"}, {"X-Trace": "off"}, {"X-Ids": "1,all"}, {"X-Count": "4"}, {"Cookie": "session=7"}],
)
def test_header_values_are_coerced_before_they_are_checked(client: TestClient, headers: dict[str, str]) -> None:
    # X-Count is a plain integer header: connexion checked its text, so it refused every value
    assert _ids(client, "", **headers) == [1, 2]


@pytest.mark.parametrize(
    ("schema", "text", "value"),
    [
        ({"oneOf": [{"type": "integer"}, {"type": "string", "enum": ["all"]}]}, "5", 5),
        ({"oneOf": [{"type": "integer"}, {"type": "string", "enum": ["all"]}]}, "all", "all"),
        ({"anyOf": [{"type": "string", "enum": ["1"]}, {"type": "integer", "minimum": 2}]}, "1", "1"),
        ({"anyOf": [{"type": "boolean"}, {"type": "number"}]}, "true", True),
        ({"anyOf": [{"type": "boolean"}, {"type": "number"}]}, "-2.5e1", -25.0),
        ({"allOf": [{"type": "integer"}, {"maximum": 3}]}, "7", "7"),  # refused as integer: kept for the message
        ({"enum": [1, 2, "many"]}, "2", 2),  # the types of enum values count
        ({"type": ["integer", "null"]}, "3", 3),
        ({}, "3", "3"),  # no type named anywhere: the text
    ],
)
def test_coercion_picks_the_first_type_the_whole_schema_accepts(schema: dict[str, Any], text: str, value: Any) -> None:
    coerced = coerce_text(text, schema, accepts)
    assert coerced == value and type(coerced) is type(value)


def test_candidate_types_are_in_integer_number_boolean_string_order() -> None:
    schema = {"anyOf": [{"type": "string"}, {"oneOf": [{"type": "boolean"}, {"type": "integer"}]}]}
    assert candidate_types(schema) == ["integer", "boolean", "string"]
    assert describe({"allOf": [{"type": "integer"}]}) is None  # only unions of branches are described


@pytest.mark.skipif(not LISTMONK.exists(), reason=f"the spec corpus is not on this machine ({LISTMONK})")
def test_listmonk_per_page_takes_an_integer_or_all() -> None:
    app = create_app(Settings.for_tests(spec_paths=(LISTMONK,)))
    with TestClient(app) as client:
        auth = {"Authorization": "token a:b"}
        for query in ("per_page=5", "per_page=all", ""):
            response = client.get(f"/listmonk/subscribers?{query}", headers=auth)
            assert response.status_code == 200, (query, response.text)
        response = client.get("/listmonk/subscribers?per_page=x", headers=auth)
        assert response.status_code == 400
        assert response.json()["detail"] == "query parameter 'per_page': must be an integer or \"all\", not 'x'"


def _query(params: dict[str, Any], **paging: Any) -> Query:
    settings: dict[str, Any] = {"style": "offset", "limit_param": "per_page", "default_limit": 10, **paging}
    return Query.from_params(
        Operation("listItems", "get", "/items", "items", "list", (), paging=Paging(**settings)), params
    )


@pytest.mark.parametrize(
    ("params", "paging", "window"),
    [
        ({"per_page": "all"}, {}, (None, 0)),  # no limit
        ({"per_page": "all"}, {"max_limit": 50}, (50, 0)),  # no limit, capped by the annotation's max_limit
        ({"per_page": "all", "page": 3}, {"page_param": "page"}, (None, 0)),
        ({"per_page": 5, "page": 3}, {"page_param": "page"}, (5, 10)),
        ({"per_page": 5, "page": "last"}, {"page_param": "page"}, (5, 0)),
        ({"per_page": 5, "skip": "none"}, {"skip_param": "skip"}, (5, 0)),
        ({"per_page": 5, "skip": 7}, {"skip_param": "skip"}, (5, 7)),
        ({}, {}, (10, 0)),
    ],
)
def test_query_takes_page_values_the_schema_allows_that_are_no_integers(
    params: dict[str, Any], paging: dict[str, Any], window: tuple[int | None, int]
) -> None:
    query = _query(params, **paging)
    assert (query.limit, query.skip) == window
