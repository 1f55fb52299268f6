"""`serve --workers 2`: rate-limit counters, violations and the fault rules added at run time are shared, so the
workers limit and fault as one process would (issue 17 point 5)."""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mock_server.faults.effects import MALFORMED_BODY
from mock_server.faults.kinds import Fault
from mock_server.faults.ratelimit import Caller
from mock_server.faults.rules import FaultRule, RateLimitRule, ResilienceConfig
from mock_server.model import ApiModel
from mock_server.workers.resilience import SharedResilience, create_shared_resilience

from .test_workers import CODES, Server, _call, _serve, _worker


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    state = tmp_path_factory.mktemp("resilience") / "state.db"
    yield from _serve(["--state", str(state)], state)


def _admin(server: Server, path: str) -> str:
    return server.base.split("/printlounge")[0] + f"/__admin/{path}"


@pytest.fixture(autouse=True)
def _reset(server: Server) -> Iterator[None]:
    yield
    assert _call("POST", _admin(server, "reset")).status_code == 200


def _on_both(method: str, url: str) -> list[httpx.Response]:
    """The same call repeated until both workers answered it (the kernel may hand a run of connections to one)."""
    responses: list[httpx.Response] = []
    while len({_worker(r) for r in responses}) < 2:
        assert len(responses) < 60, "one worker answered every call"
        responses.append(_call(method, url))
    return responses


def _get(server: Server, code: str = CODES[0]) -> tuple[int, bytes, str]:
    response = _call("GET", f"{server.base}/{code}")
    return response.status_code, response.content, _worker(response)


def _gets_from_both(server: Server, at_least: int) -> list[tuple[int, bytes, str]]:
    """At least this many GETs, and more until both workers answered (the kernel may hand a run of connections to
    one worker, more so on a loaded machine)."""
    answers: list[tuple[int, bytes, str]] = []
    while len(answers) < at_least or len({worker for _, _, worker in answers}) < 2:
        assert len(answers) < 200, "one worker answered every request"
        answers.append(_get(server))
    return answers


def test_requests_over_the_limit_on_both_workers_get_429_as_one_process_would(server: Server) -> None:
    limit = {"api": "printlounge", "requests": 5, "per": "60s"}
    assert _call("POST", _admin(server, "rate-limits"), json=limit).status_code == 201
    answers = _gets_from_both(server, 30)
    # counted as one process would (counted per worker, each worker would answer its own first 5 with 200)
    assert [status for status, _, _ in answers] == [200] * 5 + [429] * (len(answers) - 5)
    # the 6th request got the 429; each one sent after it, before its Retry-After, is one violation
    for listing in _on_both("GET", _admin(server, "violations")):
        violations = listing.json()["violations"]
        assert len(violations) == len(answers) - 6
        assert {(v["api"], v["client"]) for v in violations} == {("printlounge", "127.0.0.1")}


def test_concurrent_clients_over_the_limit_get_exactly_its_number_of_answers(server: Server) -> None:
    limit = {"api": "printlounge", "requests": 15, "per": "60s"}
    assert _call("POST", _admin(server, "rate-limits"), json=limit).status_code == 201
    statuses: list[int] = []
    workers: set[str] = set()
    lock = threading.Lock()

    def client() -> None:
        for _ in range(10):
            status, _, worker = _get(server)
            with lock:
                statuses.append(status)
                workers.add(worker)

    threads = [threading.Thread(target=client) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] * 15 + [429] * 25
    assert len(workers) == 2


def test_a_rule_added_through_one_worker_is_listed_and_applied_by_the_other(server: Server) -> None:
    added = _call("POST", _admin(server, "faults"), json={"api": "printlounge", "kind": "malformed"})
    assert added.status_code == 201
    adder = _worker(added)
    answers = [_get(server) for _ in range(20)]
    assert {(status, body) for status, body, _ in answers} == {(200, MALFORMED_BODY)}
    assert any(worker != adder for _, _, worker in answers), "no request landed on the other worker"
    for listing in _on_both("GET", _admin(server, "faults")):  # one rule, counted once whichever worker played it
        faults = listing.json()["faults"]
        assert [(f["id"], f["kind"], f["matched"], f["fired"]) for f in faults] == [(1, "malformed", 20, 20)]


def test_a_seeded_rule_fires_on_the_same_requests_as_in_one_process(server: Server) -> None:
    rule = {"api": "printlounge", "kind": "malformed", "rate": 0.5, "seed": 42, "times": 16}
    assert _call("POST", _admin(server, "faults"), json=rule).status_code == 201
    draws = random.Random(42)
    expected = [draws.random() < 0.5 for _ in range(16)] + [False] * 4
    answers = [_get(server) for _ in range(20)]
    assert [body == MALFORMED_BODY for _, body, _ in answers] == expected
    assert len({worker for _, _, worker in answers}) == 2


def test_reset_on_one_worker_clears_rules_counters_and_violations_on_all(server: Server) -> None:
    limit = {"api": "printlounge", "requests": 1, "per": "60s"}
    assert _call("POST", _admin(server, "rate-limits"), json=limit).status_code == 201
    assert _call("POST", _admin(server, "faults"), json={"api": "printlounge", "kind": "slow", "rate": 0}).status_code
    assert [_get(server)[0] for _ in range(4)] == [200, 429, 429, 429]
    assert _call("POST", _admin(server, "reset")).status_code == 200
    for listing in _on_both("GET", _admin(server, "rate-limits")):
        assert listing.json() == {"rate_limits": []}
    for listing in _on_both("GET", _admin(server, "faults")):
        assert listing.json() == {"faults": []}
    for listing in _on_both("GET", _admin(server, "violations")):
        assert listing.json() == {"violations": []}
    answers = _gets_from_both(server, 20)
    assert {status for status, _, _ in answers} == {200}
    # the counters start over: a new limit gives each worker's next requests a fresh window
    assert _call("POST", _admin(server, "rate-limits"), json=limit).json()["rate_limits"][0]["id"] == 1
    assert [_get(server)[0] for _ in range(3)] == [200, 429, 429]


def test_two_processes_drawing_in_turn_fault_the_requests_one_would(
    tmp_path: Path, models: dict[str, ApiModel]
) -> None:
    """In-process: two SharedResilience on one file, requests alternating unevenly, against one Resilience."""
    rule = FaultRule(api="printlounge", fault=Fault("malformed"), rate=0.3, seed=7)
    config = ResilienceConfig(
        faults=(rule,), rate_limits=(RateLimitRule(api="printlounge", requests=3, per_s=60.0, key="credential"),)
    )
    path = tmp_path / "resilience.db"
    create_shared_resilience(path, config)
    workers = [SharedResilience(path, config, models) for _ in range(2)]
    pattern = [0, 0, 1, 0, 1, 1, 1, 0] * 5
    shared = [workers[w].pick("printlounge", None) for w in pattern]
    draws = random.Random(7)
    assert shared == [rule.fault if draws.random() < 0.3 else None for _ in pattern]
    caller = Caller("127.0.0.1", "token-a")
    limited = [workers[w].limiter.check("printlounge", None, caller) for w in pattern[:6]]
    assert [d.limited for d in limited if d] == [False] * 3 + [True] * 3
    other = workers[1].limiter.check("printlounge", None, Caller("127.0.0.1", "token-b"))
    assert other is not None and not other.limited  # counted per credential, across processes too
    # a replacement worker (uvicorn restarts one that died) takes up the rules and counters, resetting nothing
    replacement = SharedResilience(path, config, models)
    assert [(f["id"], f["matched"]) for f in replacement.faults()] == [(1, len(pattern))]
    again = replacement.limiter.check("printlounge", None, caller)
    assert again is not None and again.limited
