"""SharedState in process: two stores over one file, as two workers; every kind of change followed, in order."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from mock_server.dataset import load_dataset
from mock_server.model import ApiModel
from mock_server.store import Store
from mock_server.workers.shared import SharedJournal, SharedState, drop_change_log

from .conftest import ROOT_DIR
from .test_workers import _free_port


def _store(model: ApiModel, path: Path) -> tuple[Store, SharedState]:
    records = {"printlounge": load_dataset(ROOT_DIR / "fixtures" / "printlounge.json", model).resources}
    state = SharedState(path)
    return Store({"printlounge": model}, records, state), state


def _pos(store: Store, code: str) -> int:
    pos = store.collection("printlounge", "orders").find("order_code", code)
    assert pos is not None
    return pos


def _status(store: Store, code: str) -> object:
    coll = store.collection("printlounge", "orders")
    pos = coll.find("order_code", code)  # the lookup field of GET /api/order/{orderCode}
    return None if pos is None else coll.records[pos]["order_status"]


def test_writes_inserts_deletes_seeding_and_reset_reach_the_other_store(
    models: dict[str, ApiModel], tmp_path: Path
) -> None:
    model = models["printlounge"]
    path = tmp_path / "state.db"
    one, one_state = _store(model, path)
    two, two_state = _store(model, path)
    coll = one.collection("printlounge", "orders")
    first = coll.records[0]
    code = first["order_code"]
    assert two_state.sync(two) == 0  # nothing changed: nothing applied

    one.write("printlounge", "orders", _pos(one, code), {**first, "order_status": 999})
    assert _status(two, code) == first["order_status"]  # not before the sync
    assert two_state.sync(two) == 1
    assert _status(two, code) == 999

    new = {**first, "order_code": "NEW001", "id": 10**9, "order_status": 1}
    one.insert("printlounge", "orders", new)
    one.delete("printlounge", "orders", _pos(one, code))
    two_state.sync(two)
    assert _status(two, "NEW001") == 1 and _status(two, code) is None
    one.delete("printlounge", "orders", _pos(one, "NEW001"))  # an inserted record: its row is removed
    two_state.sync(two)
    assert _status(two, "NEW001") is None

    two.set_records("printlounge", "orders", [first])  # seeding on the other side, followed back
    one_state.sync(one)
    assert one.counts("printlounge") == {"orders": 1}

    resets: list[int] = []
    one.reset()
    two_state.sync(two, lambda: resets.append(1))
    assert resets == [1]
    assert two.counts("printlounge") == {"orders": len(one.records("printlounge", "orders"))} != {"orders": 1}
    assert _status(two, code) == first["order_status"]
    assert one_state.sync(one) == 0  # its own reset does not come back as a loop


def test_a_new_worker_starts_from_the_file_and_the_log_is_dropped_afterwards(
    models: dict[str, ApiModel], tmp_path: Path
) -> None:
    model = models["printlounge"]
    path = tmp_path / "state.db"
    one, _ = _store(model, path)
    coll = one.collection("printlounge", "orders")
    code = coll.records[3]["order_code"]
    one.write("printlounge", "orders", 3, {**coll.records[3], "order_status": 77})
    late, _ = _store(model, path)  # a restarted worker
    assert _status(late, code) == 77
    drop_change_log(path)
    import sqlite3

    tables = {row[0] for row in sqlite3.connect(path).execute("SELECT name FROM sqlite_master")}
    assert "changes" not in tables and "records" in tables


def test_the_shared_journal_holds_both_workers_entries_in_order(tmp_path: Path) -> None:
    path = tmp_path / "journal.db"
    one, two = SharedJournal(10, path), SharedJournal(10, path)
    for index in range(12):
        (one if index % 2 else two).add(
            time=0.0, api="printlounge", method="GET", path=f"/p/{index}", query="", status=200, duration_ms=1.0
        )
    total, entries = one.search()
    assert total == 10  # the ring's size
    assert [e["path"] for e in entries] == [f"/p/{i}" for i in range(2, 12)]
    assert two.search(limit=3)[1] == entries[-3:]
    two.clear()
    assert one.search() == (0, [])


def test_workers_option_errors_are_one_line() -> None:
    for argv, message in (
        (["--workers", "0"], "must be a number of processes from 1 to 64"),
        (["--workers", "2", "--reload"], "--workers and --reload cannot be combined"),
    ):
        result = subprocess.run(
            [sys.executable, "-m", "mock_server", "serve", "--port", str(_free_port()), *argv],
            cwd=ROOT_DIR,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 2
        assert message in result.stderr and "Traceback" not in result.stderr
