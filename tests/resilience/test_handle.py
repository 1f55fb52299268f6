"""The test handle (mock_server.testing.MockServer, what the pytest plugin's fixtures yield) adds faults with
fault(api, kind, *, operation, rate, times); reset() removes them."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import httpx
import pytest

from mock_server.settings import Settings
from mock_server.testing import MockServer
from tests.resilience.conftest import PRINTLOUNGE_LIST


@pytest.fixture(scope="module")
def handle() -> Iterator[MockServer]:
    with MockServer.start(Settings(apis=("printlounge",))) as server:
        yield server


def test_fault_applies_to_the_next_times_requests(handle: MockServer) -> None:
    handle.reset()
    rule = handle.fault("printlounge", "malformed", operation="listOrders", times=1)
    assert (rule["kind"], rule["operation"], rule["times"]) == ("malformed", "listOrders", 1)
    with httpx.Client(base_url=handle.origin, trust_env=False) as http:
        first, second = http.get(PRINTLOUNGE_LIST), http.get(PRINTLOUNGE_LIST)
    with pytest.raises(json.JSONDecodeError):
        json.loads(first.content)
    assert isinstance(second.json(), list)


def test_reset_fault_through_the_handle_resets_the_socket(handle: MockServer) -> None:
    handle.reset()
    handle.fault("printlounge", "reset")
    host, port = handle.origin.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(f"GET {PRINTLOUNGE_LIST} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        with pytest.raises(ConnectionResetError):
            sock.recv(1024)
    handle.reset()
    with httpx.Client(base_url=handle.origin, trust_env=False) as http:
        assert http.get(PRINTLOUNGE_LIST).status_code == 200  # reset() removed the fault


def test_bad_fault_names_what_is_wrong(handle: MockServer) -> None:
    with pytest.raises(ValueError, match="fault.rate: must be a number from 0 to 1"):
        handle.fault("printlounge", "reset", rate=2.0)
    with pytest.raises(ValueError, match="unknown API 'nope'"):
        handle.fault("nope", "reset")
