"""This module contains the one generic handler every operation of every API is routed to.

It is the only module that sees connexion request objects: it decodes the request into values, asks the store,
and shapes the response bytes and headers.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson
from connexion.context import request
from starlette.responses import Response

from mock_server.auth import ApiAuth
from mock_server.collection import View
from mock_server.errors import BAD_REQUEST, FORBIDDEN, NOT_FOUND, ProblemError
from mock_server.model import ApiModel, Operation
from mock_server.query import Page, Query
from mock_server.scenarios import Preferences, pick_response
from mock_server.store import Store
from mock_server.types import Record

JSON = "application/json"


@dataclass(frozen=True)
class Endpoint:
    """One operation bound to what it needs at request time; built once at start-up."""

    api: ApiModel
    op: Operation
    store: Store
    auth: ApiAuth
    responses: dict[str, Any]
    base_view: View

    @classmethod
    def build(cls, api: ApiModel, op: Operation, store: Store, auth: ApiAuth) -> Endpoint:
        resolved = api.spec.resolved["paths"][op.path][op.method]
        join_names = tuple(op.includes.joins) if op.includes else ()
        view = View(properties=op.item_properties, rename=tuple(op.rename.items()), join_names=join_names)
        return cls(api=api, op=op, store=store, auth=auth, responses=resolved.get("responses") or {}, base_view=view)

    async def __call__(self, **params: Any) -> Response:
        self._authorize(params.get("token_info"))
        prefs = Preferences.from_header(request.headers.get("prefer"))
        if prefs.active:
            return self._canned(prefs)
        if self.op.action == "list":
            return self._list(params)
        pos = self._lookup(params)
        if self.op.action == "update":
            pos = self._update(pos, params.get("body"))
        (body,) = self.store.encode(self.api.name, self.op.resource, [pos], self._view(params))
        return Response(self._envelope(body), 200, media_type=JSON)

    # --- steps ---------------------------------------------------------------------------------------------------
    def _authorize(self, token_info: dict[str, Any] | None) -> None:
        credential = (token_info or {}).get("credential")
        missing = self.auth.missing_scopes(credential, self.op.required_scopes)
        if missing:
            raise ProblemError(FORBIDDEN, f"The token lacks the required scope(s): {', '.join(missing)}")
        flag = self.op.feature_flag
        if flag and not self.auth.flag_enabled(flag):
            raise ProblemError(FORBIDDEN, f"The feature flag {flag!r} is not enabled for this tenant")

    def _view(self, params: dict[str, Any]) -> View:
        includes = self.op.includes
        if includes is None or not params.get(includes.param):
            return self.base_view
        requested = params[includes.param]
        names = requested if isinstance(requested, list) else str(requested).split(",")
        joins = tuple(includes.joins[n] for n in includes.joins if n in names)
        return View(self.base_view.properties, self.base_view.rename, joins, self.base_view.join_names)

    def _list(self, params: dict[str, Any]) -> Response:
        page = self.store.collection(self.api.name, self.op.resource).run(Query.from_params(self.op, params))
        view = self._view(params)
        items = b",".join(self.store.encode(self.api.name, self.op.resource, page.positions, view))
        return Response(self._envelope(b"[" + items + b"]"), 200, self._paging_headers(page), media_type=JSON)

    def _paging_headers(self, page: Page) -> dict[str, str]:
        paging = self.op.paging
        if paging is None or not paging.headers:
            return {}
        values = {"limit": page.limit, "skip": page.skip, "page": page.page_number, "total": page.total}
        return {name: str(values[what]) for what, name in paging.headers.items() if what in values}

    def _lookup(self, params: dict[str, Any]) -> int:
        lookup = self.op.lookup
        assert lookup is not None  # model guarantees it for read/update
        value = params.get(lookup.param)
        pos = self.store.collection(self.api.name, self.op.resource).find(lookup.field, value)
        if pos is None:
            raise ProblemError(NOT_FOUND, f"No {self.op.resource} record with {lookup.field} {value!r}")
        return pos

    def _update(self, pos: int, body: Any) -> int:
        update = self.op.update
        assert update is not None
        if not isinstance(body, dict):
            raise ProblemError(
                BAD_REQUEST, "The request body must be a JSON object sent with Content-Type: application/json"
            )
        coll = self.store.collection(self.api.name, self.op.resource)
        old = coll.records[pos]
        new: Record = dict(old)
        properties = coll.resource.schema.get("properties") or {}
        for body_field, record_field in update.fields.items():
            if body_field in body:
                new[record_field] = _coerce(body[body_field], properties.get(record_field) or {}, body_field)
        for record_field, fmt in update.touch.items():
            new[record_field] = _newer_timestamp(old.get(record_field), fmt)
        self.store.write(self.api.name, self.op.resource, pos, new)
        return pos

    def _envelope(self, body: bytes) -> bytes:
        envelope = self.op.envelope
        if envelope is None:
            return body
        meta = {
            k: v.replace("{hex12}", secrets.token_hex(6)) if isinstance(v, str) else v for k, v in envelope.meta.items()
        }
        return b'{"' + envelope.data.encode() + b'":' + body + b',"meta":' + orjson.dumps(meta) + b"}"

    def _canned(self, prefs: Preferences) -> Response:
        canned = pick_response(self.responses, prefs)
        headers: dict[str, str] = {}
        if 200 <= canned.status < 300 and isinstance(canned.body, list) and self.op.paging:
            headers |= self._paging_headers(
                Page(positions=[], total=len(canned.body), limit=self.op.paging.default_limit, skip=0)
            )
        return Response(orjson.dumps(canned.body), canned.status, headers, media_type=canned.media_type)


def _coerce(value: Any, schema: dict[str, Any], name: str) -> Any:
    """A request value converted to the stored field's type (printlounge sends "137" for an integer status)."""
    if schema.get("type") == "integer" and isinstance(value, str):
        if not value.isdigit():
            raise ProblemError(BAD_REQUEST, f"{name} must be an integer or a string of digits, got {value!r}")
        return int(value)
    return value


def _newer_timestamp(previous: Any, fmt: str) -> str:
    """Now in the field's format, and never older than the previous value (fixtures may lie in the future)."""
    now = datetime.now().replace(microsecond=0)
    if isinstance(previous, str):
        try:
            before = datetime.strptime(previous, fmt)
        except ValueError:
            before = None
        if before is not None and before >= now:
            now = before + timedelta(seconds=1)
    return now.strftime(fmt)
