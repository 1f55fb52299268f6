"""The request journal as a frontend developer debugs with it (issue 12 point 13): what was sent (headers with
credentials masked, body) and what came back (status, headers, body), the matched operation, the validation message
of a 400; /__admin/requests filters by api, method, path, status and operation, `total` counts the matches, and
/__admin calls are not journaled. Bodies are cut at a documented size and the whole journal stays bounded."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from starlette.testclient import TestClient

from mock_server import journal as journal_module
from mock_server.journal import MAX_BODY_BYTES, Bodies, Journal, JournalQuery
from tests.conftest import APIKEY, AUTH, TOKEN

PD = "/plandocket/api/v1/service-orders"
EGUMA = "/eguma/v1/ticketing/orders.json"


def _journal(client: TestClient, **params: Any) -> dict[str, Any]:
    response = client.get("/__admin/requests", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _order_code(client: TestClient) -> str:
    """A printlounge order code (the lookup is left out of the journal)."""
    code: str = client.get("/printlounge/api/order/", params={"limit": 1}).json()[0]["orderCode"]
    client.delete("/__admin/requests")
    return code


def _service_order_ids(client: TestClient) -> list[int]:
    """Two PlanDocket ids (the lookup is left out of the journal)."""
    ids = [o["id"] for o in client.get(PD, headers=AUTH["plandocket"]).json()["data"][:2]]
    client.delete("/__admin/requests")
    return ids


def test_journal_entry_holds_request_and_response_with_credentials_masked(client: TestClient) -> None:
    first = _service_order_ids(client)[0]
    client.get(f"{PD}/{first}", headers={**AUTH["plandocket"], "X-Trace": "t-1"})
    entry = _journal(client)["requests"][-1]
    assert entry["operation_id"] == "getServiceOrder" and entry["status"] == 200
    assert entry["headers"]["authorization"] == "[Filtered]" and entry["headers"]["x-trace"] == "t-1"
    assert entry["body"] is None
    response = entry["response"]
    assert response["status"] == 200 and response["headers"]["content-type"] == "application/json"
    assert response["body"]["data"]["id"] == first
    assert TOKEN not in str(entry)
    assert entry["error"] is None


def test_journal_entry_holds_the_request_body_of_a_write(client: TestClient) -> None:
    code = _order_code(client)
    assert client.patch(f"/printlounge/api/order/{code}", json={"order_status": "4711"}).status_code == 200
    entry = _journal(client)["requests"][-1]
    assert (entry["method"], entry["operation_id"]) == ("PATCH", "updateOrderStatus")
    assert entry["body"] == {"order_status": "4711"}
    assert entry["response"]["body"]["order_status"] == 4711


def test_journal_entry_of_a_400_holds_the_validation_message(client: TestClient) -> None:
    client.get(EGUMA, params={"apikey": APIKEY, "updated_at_after": "yesterday"})
    entry = _journal(client)["requests"][-1]
    assert entry["status"] == 400 and entry["operation_id"] == "listTicketOrders"
    assert "updated_at_after" in entry["error"], entry
    assert APIKEY not in str(entry)


def test_journal_entry_of_an_unmatched_path_has_no_operation(client: TestClient) -> None:
    client.get("/plandocket/nope", headers=AUTH["plandocket"])
    entry = _journal(client)["requests"][-1]
    assert entry["status"] == 404 and entry["operation_id"] is None


def test_journal_filters_and_total_counts_the_matches(client: TestClient) -> None:
    one, two = _service_order_ids(client)
    code = _order_code(client)
    client.patch(f"/printlounge/api/order/{code}", json={"order_status": "4711"})
    client.get(EGUMA, params={"apikey": APIKEY})
    client.get(EGUMA, params={"apikey": APIKEY, "bogus": "1"})
    client.get(f"{PD}/{one}", headers=AUTH["plandocket"])
    client.get(f"{PD}/{two}", headers=AUTH["plandocket"])
    assert _journal(client)["total"] == 5

    def paths(**params: Any) -> tuple[int, list[str]]:
        found = _journal(client, **params)
        return found["total"], [e["path"] for e in found["requests"]]

    assert paths(api="eguma") == (2, [EGUMA, EGUMA])
    assert paths(method="patch") == (1, [f"/printlounge/api/order/{code}"])
    assert paths(path="service-orders/") == (2, [f"{PD}/{one}", f"{PD}/{two}"])
    assert paths(status=400) == (1, [EGUMA])
    assert paths(operation="getServiceOrder", limit=1) == (2, [f"{PD}/{two}"])
    assert paths(api="plandocket", status=200, path=f"/{two}") == (1, [f"{PD}/{two}"])
    assert paths(api="printlounge", method="DELETE") == (0, [])


@pytest.mark.parametrize(
    ("params", "says"),
    [
        ({"api": "plandoket"}, "unknown api 'plandoket'"),
        ({"status": "ok"}, "status must be a non-negative integer"),
        ({"methods": "GET"}, "unknown parameter(s) methods"),
    ],
)
def test_journal_bad_filter_is_a_400_that_says_why(client: TestClient, params: dict[str, str], says: str) -> None:
    response = client.get("/__admin/requests", params=params)
    assert response.status_code == 400 and says in response.json()["detail"], response.text


def test_journal_does_not_record_admin_calls(client: TestClient) -> None:
    client.get("/printlounge/api/order/", params={"limit": 1})
    client.get("/__admin/apis")
    client.get("/__admin/requests")
    client.post("/__admin/reset")
    found = _journal(client)
    assert found["total"] == 1 and [e["path"] for e in found["requests"]] == ["/printlounge/api/order/"]


def test_journal_cuts_long_bodies_at_the_documented_size(client: TestClient) -> None:
    response = client.get(EGUMA, params={"apikey": APIKEY})
    assert len(response.content) > MAX_BODY_BYTES  # the committed fixtures' page is about 85 KB
    body = _journal(client)["requests"][-1]["response"]["body"]
    assert isinstance(body, str) and body.endswith(f"...(cut at {MAX_BODY_BYTES} of {len(response.content)} bytes)")


def test_journal_keeps_a_bounded_total_of_bodies(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(journal_module, "MAX_TOTAL_BODY_BYTES", 1000)
    journal = Journal(100)
    for n in range(30):
        body = b'{"n": %d, "pad": "%s"}' % (n, b"x" * 80)
        journal.add(
            time=0.0,
            api="printlounge",
            method="GET",
            path=f"/{n}",
            query="",
            status=200,
            duration_ms=0.0,
            response_headers=[(b"content-type", b"application/json")],
            bodies=Bodies(response=body, response_size=len(body)),
        )
    assert journal.body_bytes <= 1000
    _, entries = journal.search(JournalQuery())
    assert len(entries) == 30  # every entry stays, the oldest without their bodies
    assert entries[-1]["response"]["body"]["n"] == 29
    assert entries[0]["response"]["body"].startswith("(")  # dropped, saying so


def test_journal_entries_pushed_out_of_the_ring_give_their_body_bytes_back() -> None:
    journal = Journal(3)
    for n in range(10):
        body = b"x" * 100
        journal.add(
            time=0.0,
            api=None,
            method="POST",
            path=f"/{n}",
            query="",
            status=201,
            duration_ms=0.0,
            bodies=Bodies(request=body, request_size=100),
        )
    assert journal.body_bytes == 300 and journal.total == 10


def test_journal_stays_bounded_and_consistent_under_concurrent_writers_and_readers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(journal_module, "MAX_TOTAL_BODY_BYTES", 50_000)
    journal = Journal(500)
    failures: list[BaseException] = []

    def write(worker: int) -> None:
        for n in range(400):
            body = b'{"w": %d, "n": %d, "pad": "%s"}' % (worker, n, b"x" * 200)
            journal.add(
                time=0.0,
                api="printlounge",
                method="POST",
                path=f"/{worker}/{n}",
                query="",
                status=201,
                duration_ms=0.0,
                request_headers=[(b"content-type", b"application/json")],
                bodies=Bodies(request=body, request_size=len(body)),
            )

    def read() -> None:
        try:
            for _ in range(40):
                total, entries = journal.search(JournalQuery(method="POST"), limit=100)
                assert total <= 500 and len(entries) <= 100
                for entry in entries:  # a body is either whole JSON or the note that it was dropped
                    assert isinstance(entry["body"], dict) or entry["body"].startswith("("), entry["body"]
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(4)] + [
        threading.Thread(target=read) for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures[0]
    assert journal.total == 1600 and journal.search()[0] == 500
    assert 0 < journal.body_bytes <= 50_000
