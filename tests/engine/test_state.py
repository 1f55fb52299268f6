"""Inserts and deletes survive a restart with --state; files of the earlier format (no row kind) still load."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import orjson

from mock_server.state import StateFile
from tests.engine.conftest import Serve


def test_insert_update_and_delete_survive_a_restart(serve: Serve, tmp_path: Path) -> None:
    state = tmp_path / "state.db"
    client = serve("petstore.yaml", state_file=state)
    generated = [p["id"] for p in client.get("/petstore/pets").json()["items"]]
    created = client.post("/petstore/pets", json={"name": "Rex"}).json()
    client.patch(f"/petstore/pets/{created['id']}", json={"tag": "kept"})
    client.delete(f"/petstore/pets/{generated[0]}")
    short_lived = client.post("/petstore/pets", json={"name": "Tmp"}).json()
    client.delete(f"/petstore/pets/{short_lived['id']}")

    again = serve("petstore.yaml", state_file=state)
    ids = [p["id"] for p in again.get("/petstore/pets").json()["items"]]
    assert ids == [*generated[1:], created["id"]]
    assert again.get(f"/petstore/pets/{created['id']}").json()["tag"] == "kept"
    assert again.get(f"/petstore/pets/{generated[0]}").status_code == 404
    assert again.get(f"/petstore/pets/{short_lived['id']}").status_code == 404
    kinds = sorted(kind for kind, *_ in StateFile(state).load_all())
    assert kinds == ["delete", "insert"]  # the short-lived record left no row


def test_a_state_file_of_the_earlier_format_loads_as_writes(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    db.execute(
        "CREATE TABLE records (api TEXT NOT NULL, resource TEXT NOT NULL, record_key TEXT NOT NULL,"
        " data BLOB NOT NULL, PRIMARY KEY (api, resource, record_key))"
    )
    db.execute("INSERT INTO records VALUES ('eguma', 'orders', '1', ?)", (orjson.dumps({"id": 1}),))
    db.commit()
    db.close()
    state = StateFile(path)
    assert state.load_all() == [("write", "eguma", "orders", 1, {"id": 1})]
    assert state.load() == [("eguma", "orders", 1, {"id": 1})]


def test_reset_drops_inserts_and_restores_deletes(serve: Serve, tmp_path: Path) -> None:
    state = tmp_path / "state.db"
    client = serve("petstore.yaml", state_file=state)
    before = client.get("/petstore/pets").json()["items"]
    client.post("/petstore/pets", json={"name": "Rex"})
    client.delete(f"/petstore/pets/{before[0]['id']}")
    assert client.post("/__admin/reset").status_code in (200, 204)
    assert client.get("/petstore/pets").json()["items"] == before
    assert StateFile(state).load_all() == []


def test_a_deleted_record_created_again_with_its_key_survives_a_restart(serve: Serve, tmp_path: Path) -> None:
    state = tmp_path / "state.db"
    client = serve("blog.yaml", state_file=state)
    first = client.get("/blog/articles").json()["articles"][0]
    assert client.delete(f"/blog/articles/{first['slug']}").status_code == 200
    again = {"slug": first["slug"], "title": "Back"}
    assert client.post("/blog/articles", json={"article": again}).status_code == 201
    restarted = serve("blog.yaml", state_file=state)
    assert restarted.get(f"/blog/articles/{first['slug']}").json() == again
    assert restarted.get("/blog/articles").json()["articlesCount"] == 5
