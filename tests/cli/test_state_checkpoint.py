"""`serve --state` on a clean stop (issue 12 point 10): the write-ahead log is checkpointed, so the .db file alone,
copied without its -wal, holds every acknowledged write."""

from __future__ import annotations

import shutil
import signal
import sqlite3
from pathlib import Path

import httpx
import orjson
import pytest

from tests.hardening.server import start_server


@pytest.mark.slow
def test_state_clean_stop_leaves_every_write_in_the_db_file_alone(tmp_path: Path) -> None:
    state = tmp_path / "state.db"
    server = start_server("--api", "printlounge", "--state", str(state), workdir=tmp_path)
    try:
        base = f"{server.origin}/printlounge/api/order"
        with httpx.Client(trust_env=False, timeout=10) as http:
            codes = [o["orderCode"] for o in http.get(f"{base}/", params={"limit": 3}).json()]
            for i, code in enumerate(codes):
                assert http.patch(f"{base}/{code}", json={"order_status": str(4700 + i)}).status_code == 200
        server.proc.send_signal(signal.SIGINT)
        assert server.proc.wait(timeout=15) == 0, server.output()
    finally:
        server.stop()
    copy = tmp_path / "copy" / "state.db"
    copy.parent.mkdir()
    shutil.copyfile(state, copy)  # the .db only: no state.db-wal beside it
    db = sqlite3.connect(copy)
    try:
        rows = db.execute("SELECT record_key, data FROM records WHERE api = 'printlounge'").fetchall()
    finally:
        db.close()
    saved = sorted(orjson.loads(data)["order_status"] for _, data in rows)
    assert saved == [4700, 4701, 4702], saved
