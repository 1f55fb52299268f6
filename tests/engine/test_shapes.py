"""Answers and bodies that are not plain records: request bodies in the response's envelope, answers that are not
the record (a boolean, a free-form object), wildcard and parameterised media types, client-chosen keys, bodies the
store cannot hold."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from tests.engine.conftest import Serve


@pytest.fixture
def client(serve: Serve) -> TestClient:
    return serve("blog.yaml")


def test_a_request_body_in_the_envelope_of_the_response_is_unwrapped(client: TestClient) -> None:
    response = client.post("/blog/articles", json={"article": {"slug": "hello", "title": "Hi", "junk": 1}})
    assert response.status_code == 201, response.text
    assert response.json() == {"article": {"slug": "hello", "title": "Hi"}}  # undeclared members are not stored
    listed = client.get("/blog/articles").json()
    assert listed["articlesCount"] == 6 and {"slug": "hello", "title": "Hi"} in listed["articles"]


def test_a_client_chosen_key_that_is_taken_is_a_409(client: TestClient) -> None:
    assert client.post("/blog/articles", json={"article": {"slug": "hello", "title": "A"}}).status_code == 201
    response = client.post("/blog/articles", json={"article": {"slug": "hello", "title": "B"}})
    assert response.status_code == 409
    assert client.get("/blog/articles/hello").json()["title"] == "A"


def test_a_free_form_object_answer_is_the_whole_record(client: TestClient) -> None:
    client.post("/blog/articles", json={"article": {"slug": "hello", "title": "Hi", "views": 3}})
    assert client.get("/blog/articles/hello").json() == {"slug": "hello", "title": "Hi", "views": 3}


def test_an_answer_that_is_not_the_record_is_the_declared_body(client: TestClient) -> None:
    client.post("/blog/articles", json={"article": {"slug": "hello", "title": "Hi"}})
    response = client.delete("/blog/articles/hello")
    assert (response.status_code, response.json()) == (200, True)
    assert client.get("/blog/articles/hello").status_code == 404


def test_media_type_parameters_and_wildcards(client: TestClient) -> None:
    assert client.get("/blog/articles").headers["content-type"] == "application/json"
    ping = client.get("/blog/ping")
    assert ping.status_code == 200 and ping.headers["content-type"] == "application/json"
    assert isinstance(ping.json()["pong"], bool)


def test_bodies_the_store_cannot_hold(client: TestClient) -> None:
    xml = client.post("/blog/articles", content=b"<article/>", headers={"Content-Type": "application/xml"})
    assert xml.status_code == 415
    huge = client.post("/blog/articles", json={"article": {"slug": "big", "title": "x", "views": 2**70}})
    assert huge.status_code == 400 and "/views" in huge.json()["detail"]
    assert client.get("/blog/articles/big").status_code == 404


def test_a_content_type_that_is_not_a_media_type_is_a_415(client: TestClient) -> None:
    client.post("/blog/articles", json={"article": {"slug": "hello", "title": "Hi"}})
    response = client.delete("/blog/articles/hello", headers={"Content-Type": "0"})
    assert response.status_code == 415 and "not a media type" in response.json()["detail"]
    assert client.get("/blog/articles/hello").status_code == 200


def test_keyset_paging_links_the_next_page_after_the_last_record(client: TestClient) -> None:
    everything = client.get("/blog/articles").json()
    assert everything["nextPage"] is None
    slugs = [a["slug"] for a in everything["articles"]]
    assert slugs == sorted(slugs)
    page = client.get("/blog/articles", params={"limit": 2}).json()
    seen = [a["slug"] for a in page["articles"]]
    while page["nextPage"] is not None:
        assert "after=" in page["nextPage"]
        page = client.get(page["nextPage"]).json()
        seen += [a["slug"] for a in page["articles"]]
    assert seen == slugs


def test_without_a_declared_404_the_default_response_shapes_it_with_the_status(client: TestClient) -> None:
    response = client.get("/blog/articles/missing")
    assert response.status_code == 404 and response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["code"] == 404 and isinstance(body["message"], str)


def test_a_write_answer_gets_the_required_properties_no_record_holds(client: TestClient) -> None:
    tags = [{"name": "news"}]
    client.post("/blog/articles", json={"article": {"slug": "hello", "title": "Hi", "views": 3, "tags": tags}})
    response = client.put("/blog/articles/hello", json={"title": "New", "views": ["a", "b"], "tags": ["x"]})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["slug"] == "hello" and isinstance(body["href"], str)
    # views sent as a list is another representation than the stored integer: the record keeps its own
    assert body["views"] == 3
    # so are tags sent as names and stored as objects
    assert client.get("/blog/articles/hello").json() == {"slug": "hello", "title": "New", "views": 3, "tags": tags}


def test_a_4xx_comes_in_the_error_shape_the_operation_declares(client: TestClient) -> None:
    client.post("/blog/articles", json={"article": {"slug": "hello", "title": "Hi"}})
    response = client.put("/blog/articles/hello", json={"title": 5})  # connexion's request validation
    assert response.status_code == 400 and response.headers["content-type"] == "application/json"
    assert response.json()["code"] == 400 and "title" in response.json()["message"]
    # an operation declaring no 400 answers the usual problem
    response = client.post("/blog/articles", json={"article": {"slug": "no", "title": 5}})
    assert response.status_code == 400 and response.headers["content-type"] == "application/problem+json"


def test_respond_answers_text_responses_in_their_own_media_type(client: TestClient) -> None:
    health = client.get("/blog/health")
    assert (health.status_code, health.text) == (200, "OK")
    assert health.headers["content-type"].startswith("text/plain")
    robots = client.get("/blog/robots.txt")
    assert robots.status_code == 200 and len(robots.text) >= 3
    assert client.get("/blog/robots.txt").text == robots.text


def test_a_required_answer_property_no_record_holds_echoes_what_was_sent(serve: Serve) -> None:
    client = serve("blog.yaml")
    client.post("/blog/articles", json={"article": {"slug": "hello", "title": "Hi"}})
    sent = client.put("/blog/articles/hello", json={"title": "New", "href": "https://example.com/hello"})
    assert sent.status_code == 200 and sent.json()["href"] == "https://example.com/hello"
