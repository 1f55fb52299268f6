"""This module contains Store: every API's collections, the joins between them, writes and reset."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from mock_server.collection import Collection, Records, View
from mock_server.model import ApiModel, Join, Resource
from mock_server.state import StateFile
from mock_server.types import Record

log = logging.getLogger("mock_server")


class Store:
    """The records the mock serves: pristine fixture records plus the writes made since (optionally persisted)."""

    def __init__(
        self,
        models: Mapping[str, ApiModel],
        records: Mapping[str, Mapping[str, list[Record] | Records]],
        state: StateFile | None = None,
    ) -> None:
        self._models = dict(models)
        self._pristine: dict[str, dict[str, Collection]] = {}
        """The fixture records per API and resource, held compactly (a Collection's records and keys) for reset."""
        for api, resources in records.items():
            model = self._models.get(api)
            self._pristine[api] = {
                res: Collection(model.resources[res], recs)
                for res, recs in resources.items()
                if model is not None and res in model.resources
            }
        self._state = state
        self._collections: dict[str, dict[str, Collection]] = {}
        self._base_keys: dict[tuple[str, str], set[Any]] = {}
        """Keys of the base data (fixtures, or the records seeding set) per (api, resource); built when needed."""
        self.orphaned_writes = 0
        self._build()
        if state is not None:
            self._apply_state(state)

    def _build(self) -> None:
        self._collections = {
            api: {name: self._pristine_collection(api, name, resource) for name, resource in model.resources.items()}
            for api, model in self._models.items()
        }

    def _pristine_collection(self, api: str, name: str, resource: Resource) -> Collection:
        pristine = self._pristine.get(api, {}).get(name)
        if pristine is None:
            return Collection(resource, [])
        return Collection(resource, pristine.records, pristine.known_keys())

    def _apply_state(self, state: StateFile) -> None:
        for api, resource, seeded in state.load_seeded():
            if resource in self._collections.get(api, {}):
                self._set_records(api, resource, seeded)
            else:
                self.orphaned_writes += len(seeded)
        for kind, api, resource, key, record in state.load_all():
            if not self.apply_persisted(kind, api, resource, key, record):
                self.orphaned_writes += kind == "write"  # a deleted record the fixtures no longer have is no loss

    def apply_persisted(self, kind: str, api: str, resource: str, key: Any, record: Record | None) -> bool:
        """Serve a change already persisted (a state file's row, or another worker's write): the record's new state
        (None: deleted), without persisting it again; False when no record of that key is there to change."""
        coll = self._collections.get(api, {}).get(resource)
        pos = coll.by_key.get(key) if coll is not None else None
        if coll is None or (pos is None and kind != "insert"):
            return False
        if record is None and pos is not None:
            coll.delete(pos)
        elif record is not None and pos is None:
            coll.insert(record)
        elif record is not None and pos is not None:
            coll.replace(pos, record)
        self._joins_changed(api, coll)
        return True

    def apply_seeded(self, api: str, resource: str, records: list[Record]) -> None:
        """Serve a resource's records set whole by seeding and already persisted (another worker's seeding)."""
        if resource in self._collections.get(api, {}):
            self._set_records(api, resource, records)

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
        key = record[coll.resource.key]
        if self._state is not None:
            self._state.save(api, resource, key, record, "write" if self._in_base(api, resource, key) else "insert")
        coll.replace(pos, record)
        self._joins_changed(api, coll)

    def insert(self, api: str, resource: str, record: Record) -> int:
        """Add a record (its key is new): persisted first (when a state file is set), then served; its position.
        Persisted as an insert even when a deleted fixture record had its key: replayed, it replaces the fixture
        record if that is there, else it is added."""
        coll = self._collections[api][resource]
        key = record[coll.resource.key]
        if self._state is not None:
            self._state.save(api, resource, key, record, "insert")
        pos = coll.insert(record)
        self._joins_changed(api, coll)
        return pos

    def delete(self, api: str, resource: str, pos: int) -> None:
        """Remove a record: persisted first (when a state file is set), then gone from lists, lookups and joins."""
        coll = self._collections[api][resource]
        key = coll.keys[pos]
        if self._state is not None:
            self._state.delete(api, resource, key, base=self._in_base(api, resource, key))
        coll.delete(pos)
        self._joins_changed(api, coll)

    def _joins_changed(self, api: str, coll: Collection) -> None:
        for other in self._collections[api].values():  # views embedding this record through a join
            if other is not coll:
                other.clear_views()

    def _in_base(self, api: str, resource: str, key: Any) -> bool:
        keys = self._base_keys.get((api, resource))
        if keys is None:
            pristine = self._pristine.get(api, {}).get(resource)
            keys = self._base_keys[(api, resource)] = set(pristine.keys if pristine is not None else ())
        return key in keys

    # --- seeding (mock_server.seeding checks the records before it calls these) --------------------------------
    def records(self, api: str, resource: str) -> list[Record]:
        """The resource's current records (writes and seeded records included), in store order."""
        return [record for _, record in self._collections[api][resource].live()]

    def set_records(self, api: str, resource: str, records: list[Record]) -> None:
        """Make these the resource's records: persisted first (when a state file is set), then served by every
        operation (a new collection, so every index and sort order is rebuilt)."""
        if self._state is not None:
            self._state.save_seeded(api, resource, records)
        self._set_records(api, resource, records)

    def _set_records(self, api: str, resource: str, records: list[Record]) -> None:
        collections = self._collections[api]
        collections[resource] = Collection(collections[resource].resource, list(records))
        self._base_keys[(api, resource)] = {r[collections[resource].resource.key] for r in records}
        for other in collections.values():  # views embedding these records through a join
            other.clear_views()

    def reset(self) -> None:
        """Drop every write (also from the state file) and serve the fixtures again."""
        if self._state is not None:
            self._state.clear()
        self._base_keys.clear()
        self._build()
        log.info("store reset to fixtures")
