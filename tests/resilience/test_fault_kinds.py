"""Each fault kind against a real uvicorn server, observed on a raw socket or with httpx: what a frontend's HTTP
client really gets."""

from __future__ import annotations

import errno
import json
import time

import httpx
import pytest
from starlette.testclient import TestClient

from mock_server.app import MockApp
from mock_server.faults.effects import NoTransportError
from tests.resilience.conftest import FAULT_SLOW_MS, FAULT_TIMEOUT_S, PRINTLOUNGE_LIST
from tests.resilience.server import Served, raw_exchange, raw_request

PROTOCOLS = ["served", "served_h11"]
"""httptools on uvloop (what `serve` runs) and h11 on asyncio."""


def _full(served: Served) -> httpx.Response:
    with httpx.Client(base_url=served.origin, trust_env=False) as http:
        return http.get(PRINTLOUNGE_LIST, headers={"Connection": "close"})


@pytest.mark.parametrize("server", PROTOCOLS)
def test_fault_reset_resets_the_connection_after_the_request(server: str, request: pytest.FixtureRequest) -> None:
    served: Served = request.getfixturevalue(server)
    result = raw_exchange(served, raw_request(PRINTLOUNGE_LIST, {"Prefer": "fault=reset"}))
    assert isinstance(result.error, ConnectionResetError), (result.error, result.data[:200])
    assert result.error.errno == errno.ECONNRESET
    assert result.data == b""


@pytest.mark.parametrize("server", PROTOCOLS)
def test_fault_close_closes_without_a_response(server: str, request: pytest.FixtureRequest) -> None:
    served: Served = request.getfixturevalue(server)
    result = raw_exchange(served, raw_request(PRINTLOUNGE_LIST, {"Prefer": "fault=close"}))
    assert result.error is None, result.error  # a clean FIN, not a reset
    assert result.data == b""  # not even a status line: no server-made 500 either
    assert result.elapsed_s < FAULT_TIMEOUT_S


def test_fault_timeout_answers_nothing_for_the_fault_timeout_then_closes(served: Served) -> None:
    result = raw_exchange(served, raw_request(PRINTLOUNGE_LIST, {"Prefer": "fault=timeout"}), timeout_s=10)
    assert result.error is None and result.data == b""
    assert FAULT_TIMEOUT_S - 0.05 <= result.elapsed_s < FAULT_TIMEOUT_S + 2


def test_fault_timeout_trips_a_client_timeout(served: Served) -> None:
    with httpx.Client(base_url=served.origin, trust_env=False, timeout=0.3) as http, pytest.raises(httpx.ReadTimeout):
        http.get(PRINTLOUNGE_LIST, headers={"Prefer": "fault=timeout"})


@pytest.mark.parametrize("server", PROTOCOLS)
def test_fault_truncate_sends_the_full_length_headers_and_half_the_body(
    server: str, request: pytest.FixtureRequest
) -> None:
    served: Served = request.getfixturevalue(server)
    full = _full(served)
    result = raw_exchange(served, raw_request(PRINTLOUNGE_LIST, {"Prefer": "fault=truncate"}))
    assert result.error is None
    assert result.head.startswith(b"HTTP/1.1 200 ")
    assert result.header("content-length") == str(len(full.content))
    assert result.header("content-type") == "application/json"
    assert result.body == full.content[: len(full.content) // 2]


def test_fault_truncate_is_an_incomplete_body_to_httpx(served: Served) -> None:
    with httpx.Client(base_url=served.origin, trust_env=False) as http, pytest.raises(httpx.RemoteProtocolError):
        http.get(PRINTLOUNGE_LIST, headers={"Prefer": "fault=truncate"})


def test_fault_malformed_is_a_200_whose_json_body_does_not_parse(served: Served) -> None:
    with httpx.Client(base_url=served.origin, trust_env=False) as http:
        response = http.get(PRINTLOUNGE_LIST, headers={"Prefer": "fault=malformed"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert int(response.headers["content-length"]) == len(response.content)
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)


def test_fault_slow_sends_the_whole_body_in_chunks_over_fault_slow(served: Served) -> None:
    full = _full(served)
    arrivals: list[tuple[float, int]] = []
    with httpx.Client(base_url=served.origin, trust_env=False) as http:
        sent = time.monotonic()
        with http.stream("GET", PRINTLOUNGE_LIST, headers={"Prefer": "fault=slow"}) as response:
            headers_after = time.monotonic() - sent
            body = b""
            for chunk in response.iter_raw():
                arrivals.append((time.monotonic() - sent, len(chunk)))
                body += chunk
    slow_s = FAULT_SLOW_MS / 1000
    assert response.status_code == 200 and body == full.content
    assert headers_after < slow_s / 2, "the headers come at once, only the body is slow"
    times = [at for at, _ in arrivals]
    assert len(arrivals) >= 5, arrivals
    assert times[-1] >= slow_s * 0.9, arrivals
    assert times[-1] < slow_s + 2
    gaps = sorted(b - a for a, b in zip(times, times[1:], strict=False))
    assert gaps[len(gaps) // 2] > slow_s / 20, f"the chunks arrive spread out, not in one burst: {arrivals}"


def test_fault_code_answers_the_documented_response_of_that_status(served: Served) -> None:
    auth = {"Authorization": "Bearer fault-test-token"}
    path = "/plandocket/api/v1/service-orders/1"
    with httpx.Client(base_url=served.origin, trust_env=False, headers=auth) as http:
        faulted = http.get(path, headers={"Prefer": "fault=code=404"})
        preferred = http.get(path, headers={"Prefer": "code=404"})
        undocumented = http.get(path, headers={"Prefer": "fault=code=418"})
    assert faulted.status_code == 404
    assert (faulted.headers["content-type"], faulted.json()) == (preferred.headers["content-type"], preferred.json())
    assert undocumented.status_code == 400
    assert "not a documented response" in undocumented.json()["detail"]


def test_fault_code_keeps_the_other_preferences(served: Served) -> None:
    path = "/plandocket/api/v1/service-orders/1"
    auth = {"Authorization": "Bearer fault-test-token"}
    with httpx.Client(base_url=served.origin, trust_env=False, headers=auth) as http:
        plain = http.get(path, headers={"Prefer": "example=cancelled"})
        with_fault = http.get(path, headers={"Prefer": "fault=malformed, example=cancelled"})
    assert plain.status_code == 200 and with_fault.status_code == 200
    assert with_fault.content != plain.content  # the fault wins over the example


@pytest.mark.parametrize("value", ["explode", "code=abc", "code=99", ""])
def test_unknown_fault_kind_is_a_400_listing_the_kinds(served: Served, value: str) -> None:
    with httpx.Client(base_url=served.origin, trust_env=False) as http:
        response = http.get(PRINTLOUNGE_LIST, headers={"Prefer": f"fault={value}"})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    detail = response.json()["detail"]
    assert all(kind in detail for kind in ("reset", "close", "timeout", "truncate", "malformed", "slow", "code=NNN"))


def test_transport_faults_come_before_auth(served: Served) -> None:
    """A frontend's retry logic must see the broken connection even on a call it would be refused."""
    result = raw_exchange(served, raw_request("/plandocket/api/v1/service-orders", {"Prefer": "fault=close"}))
    assert result.data == b"" and result.error is None


def test_server_keeps_serving_after_every_fault(served: Served) -> None:
    for kind in ("reset", "close", "truncate", "malformed"):
        raw_exchange(served, raw_request(PRINTLOUNGE_LIST, {"Prefer": f"fault={kind}"}))
    assert _full(served).status_code == 200


@pytest.mark.parametrize("kind", ["reset", "close", "timeout", "truncate"])
def test_in_process_clients_get_a_connection_error_for_transport_faults(fault_app: MockApp, kind: str) -> None:
    """TestClient has no socket to break: the fault is raised in the test instead of passing silently."""
    with pytest.raises(NoTransportError, match=f"fault={kind}"):
        TestClient(fault_app).get(PRINTLOUNGE_LIST, headers={"Prefer": f"fault={kind}"})


def test_fault_code_passes_the_other_preferences_on_and_wins_over_prefer_code(fault_app: MockApp) -> None:
    client = TestClient(fault_app)
    path = "/plandocket/api/v1/service-orders/1"
    auth = {"Authorization": "Bearer fault-test-token"}
    named = client.get(path, headers={**auth, "Prefer": "fault=code=404, example=nope"})
    assert named.status_code == 400 and "example=nope" in named.json()["detail"]  # the example reached the API
    client.post(
        "/__admin/faults", json={"api": "plandocket", "operation": "getServiceOrder", "kind": "code=404"}
    ).raise_for_status()
    assert client.get(path, headers={**auth, "Prefer": "code=200"}).status_code == 404


def test_the_journal_names_the_fault_and_a_transport_fault_is_no_500(served: Served) -> None:
    """A frontend developer reading the journal sees which fault was played; a reset sent no answer at all."""
    served.app.runtime.journal.clear()
    raw_exchange(served, raw_request(PRINTLOUNGE_LIST, {"Prefer": "fault=reset"}))
    raw_exchange(served, raw_request(PRINTLOUNGE_LIST, {"Prefer": "fault=malformed"}))
    deadline = time.monotonic() + 5
    while len(entries := served.app.runtime.journal.entries()) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)  # the journal entry of a reset is written when the server notices the closed connection
    by_fault = {e["fault"]: e for e in entries}
    assert by_fault["reset"]["status"] == 0, by_fault["reset"]
    assert by_fault["malformed"]["status"] == 200
    assert {e["path"] for e in entries} == {PRINTLOUNGE_LIST}
