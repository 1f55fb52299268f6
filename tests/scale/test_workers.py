"""`serve --workers 2` behaves as one mock under concurrent clients: no acknowledged write lost, none seen out of
order by the client that waited for its acknowledgement, one journal, one reset, a killed worker replaced."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import orjson
import pytest

from .conftest import ROOT_DIR

FIXTURE = orjson.loads((ROOT_DIR / "fixtures" / "printlounge.json").read_bytes())["resources"]["orders"]
CODES = [order["order_code"] for order in FIXTURE]
PRISTINE = {order["order_code"]: order["order_status"] for order in FIXTURE}


@dataclass(frozen=True)
class Server:
    base: str
    process: subprocess.Popen[bytes]
    state: Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


_CLIENT = httpx.Client(limits=httpx.Limits(max_keepalive_connections=0), timeout=20)
"""No keep-alive: a new connection per request, so the kernel may hand each one to either worker."""


def _call(method: str, url: str, **kwargs: object) -> httpx.Response:
    return _CLIENT.request(method, url, **kwargs)  # type: ignore[arg-type]


def _worker(response: httpx.Response) -> str:
    return response.headers["x-mock-worker"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    state = tmp_path_factory.mktemp("workers") / "state.db"
    yield from _serve(["--state", str(state)], state)


def _serve(extra: list[str], state: Path, stdout: int | None = subprocess.DEVNULL) -> Iterator[Server]:
    port = _free_port()
    argv = [sys.executable, "-m", "mock_server", "serve", "--api", "printlounge", "--port", str(port)]
    process = subprocess.Popen(
        [*argv, "--workers", "2", *extra, "--quiet"],
        cwd=ROOT_DIR,
        stdout=stdout,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}/printlounge/api/order"
    deadline = time.monotonic() + 90
    workers: set[str] = set()
    while len(workers) < 2:  # both workers up
        assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
        assert time.monotonic() < deadline, "the workers did not answer in time"
        try:
            workers.add(_worker(_call("GET", f"{base}/{CODES[0]}")))
        except httpx.TransportError:
            time.sleep(0.2)
    try:
        yield Server(base, process, state)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _status(server: Server, code: str) -> tuple[int, str]:
    response = _call("GET", f"{server.base}/{code}")
    assert response.status_code == 200, response.text
    return response.json()["order_status"], _worker(response)


def _set(server: Server, code: str, status: int) -> str:
    response = _call("PATCH", f"{server.base}/{code}", json={"order_status": status})
    assert response.status_code == 200, response.text
    assert response.json()["order_status"] == status
    return _worker(response)


def test_concurrent_clients_see_their_acknowledged_writes_in_order(server: Server) -> None:
    rounds, clients = 8, 4
    failures: list[str] = []
    answered: set[str] = set()
    lock = threading.Lock()

    def client(code: str, offset: int) -> None:
        for step in range(rounds):
            value = 1000 + offset * 100 + step
            writer = _set(server, code, value)
            for _ in range(2):  # after the acknowledgement, every read, on whichever worker, has this value
                seen, reader = _status(server, code)
                with lock:
                    answered.update((writer, reader))
                    if seen != value:
                        failures.append(f"{code}: wrote {value} on {writer}, read {seen} on {reader}")

    threads = [threading.Thread(target=client, args=(CODES[i], i)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len(answered) == 2, "both workers answered"
    for i in range(clients):  # no acknowledged write lost
        assert {_status(server, CODES[i])[0] for _ in range(6)} == {1000 + i * 100 + rounds - 1}


def test_a_write_on_one_worker_is_seen_by_the_other(server: Server) -> None:
    code = CODES[10]
    crossed = 0
    for value in range(2000, 2020):
        writer = _set(server, code, value)
        seen, reader = _status(server, code)
        assert seen == value
        crossed += reader != writer
    assert crossed > 0, "no read landed on the other worker"


def test_the_journal_lists_the_requests_of_every_worker(server: Server) -> None:
    admin = server.base.split("/printlounge")[0] + "/__admin/requests"
    assert _call("DELETE", admin).status_code == 204
    workers = {_status(server, CODES[20])[1] for _ in range(30)}
    assert len(workers) == 2
    for _ in range(5):  # any worker answers the journal with all 30
        listed = _call("GET", admin, params={"api": "printlounge"}).json()
        assert listed["total"] == 30
        assert {entry["path"] for entry in listed["requests"]} == {f"/printlounge/api/order/{CODES[20]}"}
        assert [e["seq"] for e in listed["requests"]] == sorted(e["seq"] for e in listed["requests"])


def test_reset_resets_every_worker(server: Server) -> None:
    code = CODES[30]
    _set(server, code, 4242)
    admin = server.base.split("/printlounge")[0] + "/__admin/reset"
    assert _call("POST", admin).status_code == 200
    answers = [_status(server, code) for _ in range(20)]
    assert {seen for seen, _ in answers} == {PRISTINE[code]}
    assert len({worker for _, worker in answers}) == 2
    _set(server, code, 4343)  # writes after a reset are shared again
    assert {_status(server, code)[0] for _ in range(10)} == {4343}


def test_a_killed_worker_is_replaced_and_the_writes_survive(server: Server) -> None:
    code = CODES[40]
    _set(server, code, 5151)
    victim = _status(server, code)[1]
    os.kill(int(victim), signal.SIGKILL)
    deadline = time.monotonic() + 60
    workers: set[str] = set()
    while len(workers - {victim}) < 2:
        assert time.monotonic() < deadline, f"no replacement worker (saw {workers})"
        try:
            seen, worker = _status(server, code)
        except httpx.TransportError:
            time.sleep(0.2)
            continue
        assert seen == 5151
        workers.add(worker)
    assert server.process.poll() is None


def test_without_state_the_workers_share_a_temporary_file_removed_at_exit(tmp_path: Path) -> None:
    serving = _serve([], tmp_path, stdout=subprocess.PIPE)
    server = next(serving)
    code = CODES[45]
    crossed = 0
    for value in range(6000, 6010):
        writer = _set(server, code, value)
        seen, reader = _status(server, code)
        assert seen == value
        crossed += reader != writer
    assert crossed > 0, "no read landed on the other worker"
    next(serving, None)  # stops the server (SIGTERM)
    assert server.process.stdout is not None
    banner = server.process.stdout.read().decode()
    shared = re.search(r"writes persisted in (\S+)/state\.db", banner)
    assert shared is not None, banner
    assert not Path(shared[1]).exists()
