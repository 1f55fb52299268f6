"""Concurrent writes lose nothing (issue 7; issue 9 point 7): 60 clients interleave PATCH/PUT and GETs on printlounge
orders, shared and their own, against a real `mock-server serve`; then every acknowledged write is checked, and the
request journal must account for every request sent."""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from mock_server.cli import build_parser, settings_from_args
from mock_server.journal import Journal
from mock_server.settings import DEFAULT_JOURNAL_SIZE, Settings
from tests.hardening.report import FIGURE_PROPERTY
from tests.hardening.server import ServerProcess, start_server

CLIENTS = 60
OPERATIONS_PER_CLIENT = 16
HOT_ORDERS = 3
"""Orders every client writes to, so writes to one order really overlap."""
OWN_ORDERS = 15
"""Orders written exactly once each, by one client."""
BASE = "/printlounge/api"


@dataclass(frozen=True)
class Write:
    order: str
    value: int
    started: float
    ended: float


@dataclass
class Run:
    """What the clients sent and what the server acknowledged."""

    requests: Counter[tuple[str, str, str, int]] = field(default_factory=Counter)
    writes: list[Write] = field(default_factory=list)
    reads: dict[str, set[int]] = field(default_factory=dict)
    statuses: Counter[int] = field(default_factory=Counter)
    initial: dict[str, int] = field(default_factory=dict)
    journal: list[dict[str, Any]] = field(default_factory=list)
    """GET /__admin/requests?api=printlounge right after the workload."""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    process = start_server("--api", "printlounge", workdir=tmp_path_factory.mktemp("concurrency"))
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture(scope="module")
def run(server: ServerProcess) -> Run:
    """Reset the server, drive the workload once for every test of this module, then read the journal."""
    with httpx.Client(base_url=server.origin, trust_env=False) as admin:
        assert admin.post("/__admin/reset").status_code == 200
        orders = [o["orderCode"] for o in admin.get(f"{BASE}/order/", params={"limit": 100}).json()]
        initial = {code: admin.get(f"{BASE}/order/{code}").json()["order_status"] for code in orders}
        assert admin.delete("/__admin/requests").status_code == 204
        assert len(orders) >= HOT_ORDERS + OWN_ORDERS
        result = asyncio.run(_drive(server.origin, orders))
        result.initial = initial
        result.journal = admin.get("/__admin/requests", params={"api": "printlounge"}).json()["requests"]
    return result


async def _drive(origin: str, orders: list[str]) -> Run:
    run = Run()
    hot, own = orders[:HOT_ORDERS], orders[HOT_ORDERS : HOT_ORDERS + OWN_ORDERS]
    values = iter(range(100_000, 10_000_000))
    start = asyncio.Event()

    async def client(number: int) -> None:
        rng = random.Random(number)
        limits = httpx.Limits(max_connections=1)
        async with httpx.AsyncClient(base_url=origin, trust_env=False, limits=limits, timeout=30) as http:
            await start.wait()
            for step in range(OPERATIONS_PER_CLIENT):
                if number < OWN_ORDERS and step == 0:
                    await _write(http, run, own[number], next(values), rng)
                elif rng.random() < 0.4:
                    await _write(http, run, rng.choice(hot), next(values), rng)
                else:
                    await _read(http, run, rng.choice(hot + own), rng)

    tasks = [asyncio.create_task(client(n)) for n in range(CLIENTS)]
    await asyncio.sleep(0.2)  # every client connected and waiting: the first requests land together
    start.set()
    await asyncio.gather(*tasks)
    return run


async def _write(http: httpx.AsyncClient, run: Run, order: str, value: int, rng: random.Random) -> None:
    method = rng.choice(["PATCH", "PUT"])
    body = {"order_status": value if rng.random() < 0.5 else str(value)}
    started = time.monotonic()
    response = await http.request(method, f"{BASE}/order/{order}", json=body)
    ended = time.monotonic()
    _log(run, response)
    if response.status_code == 200:
        assert response.json() == {"order_code": order, "order_status": value}
        run.writes.append(Write(order, value, started, ended))


async def _read(http: httpx.AsyncClient, run: Run, order: str, rng: random.Random) -> None:
    kind = rng.choice(["status", "cart", "list"])
    if kind == "list":
        response = await http.get(f"{BASE}/order/", params={"limit": 100})
    else:
        response = await http.get(f"{BASE}/{'order' if kind == 'status' else 'cart'}/{order}")
    _log(run, response)
    if response.status_code != 200:
        return
    if kind == "list":
        seen = next((o["orderStatus"] for o in response.json() if o["orderCode"] == order), None)
    else:
        seen = response.json()["order_status"]
    if seen is not None:
        run.reads.setdefault(order, set()).add(seen)


def _log(run: Run, response: httpx.Response) -> None:
    request = response.request
    run.requests[(request.method, request.url.path, request.url.query.decode(), response.status_code)] += 1
    run.statuses[response.status_code] += 1


def _final(server: ServerProcess, order: str) -> tuple[int, int, int]:
    """The order's status as the status, cart and list views show it."""
    with httpx.Client(base_url=server.origin, trust_env=False) as http:
        status = http.get(f"{BASE}/order/{order}").json()["order_status"]
        cart = http.get(f"{BASE}/cart/{order}").json()["order_status"]
        listed = next(
            o["orderStatus"]
            for o in http.get(f"{BASE}/order/", params={"limit": 100}).json()
            if o["orderCode"] == order
        )
    return status, cart, listed


@pytest.mark.slow
def test_concurrency_no_5xx_and_every_write_acknowledged(run: Run) -> None:
    assert sum(run.statuses.values()) == CLIENTS * OPERATIONS_PER_CLIENT
    assert set(run.statuses) == {200}, run.statuses
    assert len(run.writes) > CLIENTS * OPERATIONS_PER_CLIENT * 0.3


@pytest.mark.slow
def test_concurrency_final_status_is_the_last_acknowledged_write(run: Run, server: ServerProcess) -> None:
    """Linearizability of each order's status: the final value comes from a write that no other acknowledged write
    to that order started after (when writes don't overlap, exactly the last one), in every view."""
    by_order: dict[str, list[Write]] = {}
    for write in run.writes:
        by_order.setdefault(write.order, []).append(write)
    for order, writes in by_order.items():
        candidates = {w.value for w in writes if not any(other.started > w.ended for other in writes)}
        status, cart, listed = _final(server, order)
        assert status == cart == listed, (order, status, cart, listed)
        assert status in candidates, (order, status, sorted(candidates))


@pytest.mark.slow
def test_concurrency_single_writer_orders_keep_their_write(run: Run, server: ServerProcess) -> None:
    counts = Counter(w.order for w in run.writes)
    single = [w for w in run.writes if counts[w.order] == 1]
    assert len(single) == OWN_ORDERS
    for write in single:
        assert _final(server, write.order) == (write.value, write.value, write.value)


@pytest.mark.slow
def test_concurrency_reads_only_see_written_values(run: Run) -> None:
    written: dict[str, set[int]] = {}
    for write in run.writes:
        written.setdefault(write.order, set()).add(write.value)
    for order, seen in run.reads.items():
        assert seen <= written.get(order, set()) | {run.initial[order]}, order


@pytest.mark.slow
def test_concurrency_journal_accounts_for_every_request(run: Run, record_property: Any) -> None:
    recorded = Counter((e["method"], e["path"], e["query"], e["status"]) for e in run.journal)
    assert recorded == run.requests
    orders = len({w.order for w in run.writes})
    record_property(
        FIGURE_PROPERTY,
        f"concurrency: {CLIENTS} clients, {sum(run.requests.values())} requests, "
        f"{len(run.writes)} acknowledged writes on {orders} orders checked, "
        f"journal {len(run.journal)}/{sum(run.requests.values())}",
    )


def test_journal_keeps_the_last_10000_requests_by_default() -> None:
    assert Settings().journal_size == DEFAULT_JOURNAL_SIZE == 10_000
    journal = Journal(Settings().journal_size)
    for n in range(10_001):
        journal.add(time=0.0, api="printlounge", method="GET", path=f"/{n}", query="", status=200, duration_ms=0.0)
    entries = journal.entries()
    assert len(entries) == 10_000 and entries[0]["path"] == "/1" and journal.total == 10_001


def test_journal_size_setting_raises_the_limit() -> None:
    args = build_parser().parse_args(["serve", "--journal-size", "25000"])
    settings: Any = settings_from_args(args)
    assert settings.journal_size == 25_000
    journal = Journal(settings.journal_size)
    for n in range(20_000):
        journal.add(time=0.0, api=None, method="GET", path=f"/{n}", query="", status=200, duration_ms=0.0)
    assert len(journal.entries()) == 20_000
