"""This module contains Store: every API's collections, the joins between them, writes and reset."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from mock_server.collection import Collection, View
from mock_server.model import ApiModel, Join
from mock_server.state import StateFile
from mock_server.types import Record

log = logging.getLogger("mock_server")


class Store:
    """The records the mock serves: pristine fixture records plus the writes made since (optionally persisted)."""

    def __init__(
        self,
        models: Mapping[str, ApiModel],
        records: Mapping[str, Mapping[str, list[Record]]],
        state: StateFile | None = None,
    ) -> None:
        self._models = dict(models)
        self._pristine = {
            api: {res: list(recs) for res, recs in resources.items()} for api, resources in records.items()
        }
        self._state = state
        self._collections: dict[str, dict[str, Collection]] = {}
        self.orphaned_writes = 0
        self._build()
        if state is not None:
            self._apply_state(state)

    def _build(self) -> None:
        self._collections = {
            api: {
                name: Collection(resource, list(self._pristine.get(api, {}).get(name, [])))
                for name, resource in model.resources.items()
            }
            for api, model in self._models.items()
        }

    def _apply_state(self, state: StateFile) -> None:
        for api, resource, key, record in state.load():
            coll = self._collections.get(api, {}).get(resource)
            pos = coll.by_key.get(key) if coll is not None else None
            if coll is None or pos is None:
                self.orphaned_writes += 1
                continue
            coll.replace(pos, record)

    def collection(self, api: str, resource: str) -> Collection:
        return self._collections[api][resource]

    def counts(self, api: str) -> dict[str, int]:
        return {name: len(coll) for name, coll in self._collections[api].items()}

    def joined(self, api: str, join: Join, record: Record) -> Any:
        """The related record(s) an include embeds: many -> list, else the first match or None."""
        target = self._collections[api][join.resource]
        value = record.get(join.local)
        positions = sorted(target.match_value(join.foreign, value)) if value is not None else []
        related = [target.public(target.records[p]) for p in positions]
        if join.many:
            return related
        return related[0] if related else None

    def encode(self, api: str, resource: str, positions: list[int], view: View) -> list[bytes]:
        """The JSON bytes of the records at these positions, shaped by the view (joins resolved in this API)."""
        coll = self._collections[api][resource]
        return coll.encoded(positions, view, lambda j, r: self.joined(api, j, r))

    def write(self, api: str, resource: str, pos: int, record: Record) -> None:
        """Replace a record: persisted first (when a state file is set), then served."""
        coll = self._collections[api][resource]
        if self._state is not None:
            self._state.save(api, resource, record[coll.resource.key], record)
        coll.replace(pos, record)
        for other in self._collections[api].values():  # views embedding this record through a join
            if other is not coll:
                other.clear_views()

    def reset(self) -> None:
        """Drop every write (also from the state file) and serve the fixtures again."""
        if self._state is not None:
            self._state.clear()
        self._build()
        log.info("store reset to fixtures")
