"""This module contains seeding: records put into a resource at run time, checked exactly as fixture files are.

The /__admin/apis/{api}/resources/{resource} endpoints and the pytest plugin's `seed()` go through here. A seed is
checked against the resource schema (hidden fields included), the API's response views, keys, unique fields, links
and the vendor's business rules, with the records placed where they will be served; only then is the store changed.
Problems are reported on the seeded records (index in the given list, JSON pointer). Records elsewhere that a seed
leaves inconsistent (a PlanDocket order whose items were seeded after it) are served as they are.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mock_server.dataset import Dataset, check_dataset
from mock_server.errors import PROBLEM_MEDIA_TYPE, problem_body
from mock_server.model import ApiModel
from mock_server.store import Store
from mock_server.types import Record

SEED_FILE = "seed"
_LOCATION = re.compile(r"^(?P<resource>\S+) record (?P<index>\d+): (?P<pointer>.*)$")


@dataclass(frozen=True, slots=True)
class SeedProblem:
    """One problem of one seeded record: its index in the given list, the JSON pointer and why."""

    index: int
    pointer: str
    message: str

    def __str__(self) -> str:
        return f"record {self.index}: {self.pointer or '/'}: {self.message}"


class SeedError(ValueError):
    """Records that break the spec or a business rule; nothing was changed."""

    def __init__(self, problems: list[SeedProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


class UnknownTarget(LookupError):
    """An API, resource or record key that does not exist (a 404 in the admin API)."""

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class Seeder:
    """Seeding over the mounted APIs' models and the store that serves them."""

    models: Mapping[str, ApiModel]
    store: Store

    def records(self, api: str, resource: str) -> list[Record]:
        """The resource's current records (writes and seeds included)."""
        self._resource(api, resource)
        return self.store.records(api, resource)

    def seed(self, api: str, resource: str, records: Any, *, replace: bool = True) -> int:
        """Replace the resource's records (replace=True) or add them, replacing those with the same key; return
        how many records the resource holds afterwards. SeedError (nothing changed) when a record is invalid."""
        model = self._resource(api, resource)
        new = _as_records(records)
        current = self.store.records(api, resource)
        combined, positions = (list(new), list(range(len(new)))) if replace else _merge(model, resource, current, new)
        problems = self._check(model, resource, combined, positions)
        if problems:
            raise SeedError(problems)
        self.store.set_records(api, resource, combined)
        return len(combined)

    def delete(self, api: str, resource: str, key: str) -> None:
        """Remove the record whose key is `key` (as written in a URL); UnknownTarget when there is none."""
        model = self._resource(api, resource)
        field = model.resources[resource].key
        current = self.store.records(api, resource)
        kept = [r for r in current if not _same_key(r.get(field), key)]
        if len(kept) == len(current):
            raise UnknownTarget(f"{api} has no {resource} record with {field} {key!r}")
        self.store.set_records(api, resource, kept)

    def _resource(self, api: str, resource: str) -> ApiModel:
        model = self.models.get(api)
        if model is None:
            raise UnknownTarget(f"unknown API {api!r}; mounted: {', '.join(self.models) or 'none'}")
        if resource not in model.resources:
            raise UnknownTarget(f"{api} has no resource {resource!r}; resources: {', '.join(model.resources)}")
        return model

    def _check(self, model: ApiModel, resource: str, combined: list[Record], positions: list[int]) -> list[SeedProblem]:
        resources = {
            name: combined if name == resource else self.store.records(model.name, name) for name in model.resources
        }
        given = {pos: index for index, pos in enumerate(positions)}
        problems = []
        for problem in check_dataset(Dataset(api=model.name, resources=resources), model, SEED_FILE):
            where = _LOCATION.match(problem.pointer)
            if where is None or where["resource"] != resource or int(where["index"]) not in given:
                continue  # a problem of a record this seed did not give
            problems.append(SeedProblem(given[int(where["index"])], where["pointer"], problem.message))
        return problems


def _as_records(records: Any) -> list[Record]:
    """A deep copy of a list of JSON objects (the caller keeps its own); SeedError for anything else."""
    if isinstance(records, dict):
        records = [records]
    if not isinstance(records, list):
        raise SeedError([SeedProblem(0, "", "expected a JSON array of records (or one record object)")])
    problems = [
        SeedProblem(i, "", "a record must be a JSON object") for i, r in enumerate(records) if not isinstance(r, dict)
    ]
    if problems:
        raise SeedError(problems)
    return copy.deepcopy(records)


def _merge(model: ApiModel, resource: str, current: list[Record], new: list[Record]) -> tuple[list[Record], list[int]]:
    """The current records with each new one replacing the record of the same key, or appended; and the position
    of each new record. Two new records with the same key both stay, so the key check reports the second."""
    field = model.resources[resource].key
    combined = list(current)
    index = {_hashable(r.get(field)): pos for pos, r in enumerate(current)}
    positions = []
    for record in new:
        pos = index.pop(_hashable(record.get(field)), None)
        if pos is None:
            pos = len(combined)
            combined.append(record)
        else:
            combined[pos] = record
        positions.append(pos)
    return combined, positions


def _same_key(value: Any, key: str) -> bool:
    return value is not None and not isinstance(value, bool) and str(value) == key


def _hashable(value: Any) -> Any:
    return value if isinstance(value, str | int | float | bool | None) else repr(value)


# -- the admin endpoints ---------------------------------------------------------------------------------------------

Handler = Callable[[Request], Awaitable[Response]]
RESOURCE_PATH = "/__admin/apis/{api}/resources/{resource}"


def seeding_routes(seeder: Seeder, guard: Callable[[Handler], Handler]) -> list[Route]:
    """GET/PUT/POST /__admin/apis/{api}/resources/{resource} and DELETE .../{key}, each behind the admin guard."""

    async def read(request: Request) -> Response:
        api, resource = request.path_params["api"], request.path_params["resource"]
        return _json(seeder.records(api, resource))

    async def write(request: Request) -> Response:
        api, resource = request.path_params["api"], request.path_params["resource"]
        seeder.records(api, resource)  # an unknown api or resource is a 404 before the body is looked at
        try:
            body = orjson.loads(await request.body())
        except orjson.JSONDecodeError as exc:
            return _problem(400, f"the body is not valid JSON: {exc}")
        if request.method == "PUT" and not isinstance(body, list):
            return _problem(400, "PUT takes a JSON array of records (POST adds one record or an array)")
        count = seeder.seed(api, resource, body, replace=request.method == "PUT")
        return _json({"api": api, "resource": resource, "records": count})

    async def delete(request: Request) -> Response:
        params = request.path_params
        seeder.delete(params["api"], params["resource"], params["key"])
        return Response(status_code=204)

    def answer(handler: Handler) -> Handler:
        async def wrapped(request: Request) -> Response:
            try:
                return await handler(request)
            except UnknownTarget as exc:
                return _problem(404, str(exc))
            except SeedError as exc:
                errors = [{"index": p.index, "pointer": p.pointer, "message": p.message} for p in exc.problems]
                return _problem(400, str(exc), errors=errors)

        return guard(wrapped)

    return [
        Route(RESOURCE_PATH, answer(read), methods=["GET"]),
        Route(RESOURCE_PATH, answer(write), methods=["PUT", "POST"]),
        Route(RESOURCE_PATH + "/{key}", answer(delete), methods=["DELETE"]),
    ]


def _json(value: Any) -> Response:
    return Response(orjson.dumps(value), media_type="application/json")


def _problem(status: int, detail: str, **ext: Any) -> Response:
    return Response(problem_body(status, detail, **ext), status_code=status, media_type=PROBLEM_MEDIA_TYPE)
