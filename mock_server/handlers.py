"""This module contains the one generic handler every operation of every API is routed to.

It is the only module that sees connexion request objects: it decodes the request into values, asks the store,
and shapes the response bytes and headers.
"""

from __future__ import annotations

import copy
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

import jsonschema_rs
import orjson
from connexion.context import request
from starlette.responses import Response

from mock_server.auth import ApiAuth
from mock_server.collection import Collection, View, field_value
from mock_server.errors import (
    BAD_REQUEST,
    FORBIDDEN,
    INTERNAL,
    NOT_FOUND,
    UNSUPPORTED_MEDIA_TYPE,
    ProblemError,
    ProblemType,
    SpecError,
)
from mock_server.generate.schema import merge_all_of, non_null, type_of
from mock_server.model import ApiModel, Filter, Operation, response_schema, schema_properties
from mock_server.query import InvalidCursor, Page, Query, encode_cursor
from mock_server.sample import Sampler
from mock_server.scenarios import Preferences, pick_response
from mock_server.specs import to_json_schema
from mock_server.store import Store
from mock_server.types import Record, Schema

JSON = "application/json"
CONFLICT = ProblemType("conflict", "Conflict", 409)
INT_RANGE = (-(2**63), 2**64 - 1)
"""The integers orjson encodes."""
WRITE_ACTIONS = frozenset({"create", "replace", "patch", "delete"})
KEY_ATTEMPTS = 100
"""Generated keys tried before a create gives up on a schema whose keys are (nearly) used up."""


@dataclass(frozen=True)
class Endpoint:
    """One operation bound to what it needs at request time; built once at start-up."""

    api: ApiModel
    op: Operation
    store: Store
    auth: ApiAuth
    responses: dict[str, Any]
    base_view: View
    seed: int = 42
    shows_record: bool = True
    answer_required: tuple[tuple[str, Schema], ...] = ()
    """Required properties of a single-record answer (not the vendors' read/update), filled in where missing."""
    """The answer of a record action is the record's view (an object response); else the declared body."""
    request_body: Schema = field(default_factory=dict)
    _cache: dict[str, Any] = field(default_factory=dict, compare=False)
    """Lazily built: generated bodies (the same for the same seed), makers, the record validator."""

    @classmethod
    def build(cls, api: ApiModel, op: Operation, store: Store, auth: ApiAuth, *, seed: int = 42) -> Endpoint:
        resolved = api.spec.resolved["paths"][op.path][op.method]
        join_names = tuple(op.includes.joins) if op.includes else ()
        view = View(properties=op.item_properties, rename=tuple(op.rename.items()), join_names=join_names)
        body_content = (resolved.get("requestBody") or {}).get("content") or {}
        body_schema = (_json_media(body_content) or {}).get("schema") or {}
        answer_schema = merge_all_of(response_schema(resolved, str(op.status)))
        if op.envelope is not None and op.envelope.data:
            answer_schema = merge_all_of(schema_properties(answer_schema).get(op.envelope.data) or {})
        if op.action == "list" and type_of(answer_schema) == "array":
            answer_schema = merge_all_of(answer_schema.get("items") or {})
        shows_record = bool(op.item_properties) or type_of(answer_schema) == "object"
        if not op.item_properties and op.resource and type_of(answer_schema) == "object":
            # a free-form object answer: the whole record
            view = View(properties=tuple(schema_properties(api.resources[op.resource].schema)), join_names=join_names)
        required = set(answer_schema.get("required") or []) if op.action in WRITE_ACTIONS else set()
        answer_props = schema_properties(answer_schema)
        return cls(
            api=api,
            op=op,
            store=store,
            auth=auth,
            responses=resolved.get("responses") or {},
            base_view=view,
            seed=seed,
            shows_record=shows_record,
            answer_required=tuple((n, answer_props[n]) for n in answer_props if n in required),
            request_body=body_schema if isinstance(body_schema, dict) else {},
        )

    async def __call__(self, **params: Any) -> Response:
        self._authorize(params.get("token_info"))
        prefs = Preferences.from_header(request.headers.get("prefer"))
        if prefs.active:
            return self._canned(prefs)
        try:
            return self._act(params)
        except _Answer as answer:
            return answer.response

    def _act(self, params: dict[str, Any]) -> Response:
        action = self.op.action
        if action == "respond":
            return self._respond()
        if action == "list":
            return self._list(params)
        if action == "create":
            return self._create(params)
        pos = self._lookup(params)
        if action == "update":
            pos = self._update(pos, params.get("body"))
        elif action in ("replace", "patch"):
            pos = self._rewrite(pos, params.get("body"))
        elif action == "delete":
            return self._delete(pos)
        return self._answer(pos, params, self.op.status)

    # --- steps ---------------------------------------------------------------------------------------------------
    def _authorize(self, token_info: dict[str, Any] | None) -> None:
        credential = (token_info or {}).get("credential")
        missing = self.auth.missing_scopes(credential, self.op.required_scopes)
        if missing:
            raise ProblemError(FORBIDDEN, f"The token lacks the required scope(s): {', '.join(missing)}")
        flag = self.op.feature_flag
        if flag and not self.auth.flag_enabled(flag):
            raise ProblemError(FORBIDDEN, f"The feature flag {flag!r} is not enabled for this tenant")

    @property
    def _coll(self) -> Collection:
        return self.store.collection(self.api.name, self.op.resource)

    def _view(self, params: dict[str, Any]) -> View:
        includes = self.op.includes
        if includes is None or not params.get(includes.param):
            return self.base_view
        requested = params[includes.param]
        names = requested if isinstance(requested, list) else str(requested).split(",")
        joins = tuple(includes.joins[n] for n in includes.joins if n in names)
        return View(self.base_view.properties, self.base_view.rename, joins, self.base_view.join_names)

    def _list(self, params: dict[str, Any]) -> Response:
        try:
            query = Query.from_params(self.op, params)
            scope = self._parent_scope(params)
            if scope is not None:
                query = Query(**{**_fields(query), "filters": (*query.filters, scope)})
            page = self._coll.run(query)
        except InvalidCursor as exc:
            raise ProblemError(BAD_REQUEST, f"Invalid cursor: {exc}") from None
        view = self._view(params)
        items = b",".join(self.store.encode(self.api.name, self.op.resource, page.positions, view))
        body = self._envelope(b"[" + items + b"]", page, self._next(page, query))
        return Response(body, self.op.status, self._paging_headers(page), media_type=self._media_type(self.op.status))

    def _paging_headers(self, page: Page) -> dict[str, str]:
        paging = self.op.paging
        if paging is None or not paging.headers:
            return {}
        values = {"limit": page.limit, "skip": page.skip, "page": page.page_number, "total": page.total}
        # no limit header for a page without one (`per_page=all` where the schema allows it)
        return {name: str(values[what]) for what, name in paging.headers.items() if values.get(what) is not None}

    def _next(self, page: Page, query: Query) -> str | None:
        """The next page's cursor (cursor paging) or URL (offset, keyset), None on the last page."""
        paging = self.op.paging
        if paging is None or not page.positions or not (page.more or page.skip + len(page.positions) < page.total):
            return None
        last = page.positions[-1]
        if paging.style == "cursor":
            return encode_cursor(*self._coll.cursor_after(last, query)) if page.more else None
        if paging.style == "keyset" and paging.after_param:
            after = self._coll.cursor_after(last, query)[0]
            return str(request.url.include_query_params(**{paging.after_param: after}))
        if paging.page_param:
            return str(request.url.include_query_params(**{paging.page_param: page.page_number + 1}))
        if paging.skip_param:
            return str(request.url.include_query_params(**{paging.skip_param: page.skip + len(page.positions)}))
        return None

    # --- one record ----------------------------------------------------------------------------------------------
    def _parent_scope(self, params: dict[str, Any]) -> tuple[Filter, Any] | None:
        """The (filter, value) that scopes the operation to its parent, or None; 404 when the parent doesn't
        exist."""
        parent = self.op.parent
        if parent is None:
            return None
        resource = self._coll.resource
        field_schema = schema_properties(resource.schema).get(parent.field) or resource.hidden.get(parent.field)
        value = _coerce_to(params.get(parent.param), field_schema)
        link = resource.parent
        parents = self.store.collection(self.api.name, link.resource) if link is not None else None
        if link is not None and parents is not None and parents.find(parents.resource.key, value) is None:
            self._not_found(f"No {link.resource} record with key {params.get(parent.param)!r}")
        return Filter(param=parent.param, field=parent.field), value

    def _lookup(self, params: dict[str, Any]) -> int:
        lookup = self.op.lookup
        assert lookup is not None  # model guarantees it for keyed actions
        scope = self._parent_scope(params)
        value = params.get(lookup.param)
        coll = self._coll
        pos = coll.find(lookup.field, value)
        if pos is not None and scope is not None and field_value(coll.records[pos], scope[0].field) != scope[1]:
            pos = None  # a record of another parent
        if pos is None:
            self._not_found(f"No {self.op.resource} record with {lookup.field} {value!r}")
        assert pos is not None
        return pos

    def _not_found(self, detail: str) -> None:
        """404: the operation's declared 404 body where it declares a JSON one (not problem+json), else that of its
        `default` response when it declares no 404, else a problem."""
        declared = self.declared_error(404, detail)
        if declared is None:
            raise ProblemError(NOT_FOUND, detail)
        raise _Answer(Response(declared[1], 404, media_type=declared[0]))

    def declared_error(self, status: int, detail: str) -> tuple[str, bytes] | None:
        """(media type, body) of an error in the shape the operation declares for its status (else for `default`,
        when the status is not declared): the example, else a generated body, with its integer status members
        (code, status) set to the status and its message members (message, detail, error) to `detail`; None where
        no JSON shape other than problem+json is declared (the usual problem body is the answer then)."""
        name = str(status) if str(status) in self.responses else "default"
        try:
            declared = self._declared_body(name)
        except ProblemError:  # a declared schema the generator cannot fill: the usual problem body
            return None
        if declared is None:
            return None
        schema = (_json_media((self.responses.get(name) or {}).get("content") or {}) or {}).get("schema") or {}
        body = _with_message(_with_status(orjson.loads(declared[1]), schema, status), schema, detail)
        return declared[0], orjson.dumps(body)

    def _answer(self, pos: int, params: dict[str, Any], status: int, headers: dict[str, str] | None = None) -> Response:
        media_type = self._media_type(status)
        if media_type is None:
            return Response(None, status, headers)
        if not self.shows_record:  # a write answered with something else (true, a message): the declared body
            declared = self._declared_body(str(status), problem_ok=True)
            if declared is not None:
                return Response(declared[1], status, headers, media_type=declared[0])
        (body,) = self.store.encode(self.api.name, self.op.resource, [pos], self._view(params))
        if self.answer_required:
            body = self._completed(body, params.get("body"))
        return Response(self._envelope(body), status, headers, media_type=media_type)

    def _completed(self, body: bytes, sent: Any) -> bytes:
        """The view with the properties the answer requires but the record lacks (vtex answers a create with an
        `Href` no record has): what the request sent for them where it sent the same kind of value, else generated
        from the answer's schema."""
        view = orjson.loads(body)
        missing = [(name, sub) for name, sub in self.answer_required if name not in view]
        if not missing or not isinstance(view, dict):
            return body
        data = self.op.envelope.data if self.op.envelope is not None else None
        if data and isinstance(sent, dict) and isinstance(sent.get(data), dict):
            sent = sent[data]
        sent = sent if isinstance(sent, dict) else {}
        declared = self._request_properties()
        for name, sub in missing:
            if name in sent and name in declared and _fits(sent[name], sub):
                view[name] = sent[name]
            else:
                view[name] = self._make(sub, f"{self.op.operation_id}/answer/{name}")
        return orjson.dumps(view)

    def _update(self, pos: int, body: Any) -> int:
        update = self.op.update
        assert update is not None
        body = _object_body(body)
        coll = self._coll
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

    def _incoming(self, body: Any) -> dict[str, Any]:
        """The request body as record fields: a JSON object, unwrapped where it comes in the response's envelope
        ({"article": {...}}), without members the record schema does not declare (no view would show them) unless
        it declares additionalProperties; 400 for an integer the store cannot hold."""
        fields: dict[str, Any] = _object_body(body)
        data = self.op.envelope.data if self.op.envelope is not None else None
        wrapped = data in schema_properties(self.request_body) or set(fields) == {data}
        if data and wrapped and isinstance(fields.get(data), dict):
            fields = dict(fields[data])
        resource = self._coll.resource
        record_props = schema_properties(resource.schema)
        sent = self._request_properties()
        # a member the request types differently (hubspot's associations: a list sent, a map stored) is another
        # representation of it: the record keeps its own (generated where it needs one)
        fields = {
            k: v
            for k, v in fields.items()
            if k not in sent or k not in record_props or _same_kind(sent[k], record_props[k])
        }
        if resource.schema.get("additionalProperties") in (None, False):
            known = {*schema_properties(resource.schema), *resource.hidden}
            if resource.parent is not None:
                known.add(resource.parent.field)
            fields = {k: v for k, v in fields.items() if k in known}
        where = _out_of_range(fields, "")
        if where is not None:
            raise ProblemError(BAD_REQUEST, f"The request body holds an integer beyond 64 bits at {where or '/'}")
        return fields

    def _request_properties(self) -> dict[str, Schema]:
        """The request body schema's properties, inside the response's envelope where the body comes in one
        (worked out on the first write, then kept: the schema does not change)."""
        cached: dict[str, Schema] | None = self._cache.get("request_properties")
        if cached is None:
            props = schema_properties(self.request_body)
            data = self.op.envelope.data if self.op.envelope is not None else None
            if data and set(props) == {data}:
                props = schema_properties(merge_all_of(props[data]))
            cached = self._cache["request_properties"] = props
        return cached

    def _create(self, params: dict[str, Any]) -> Response:
        body = self._incoming(params.get("body"))
        coll = self._coll
        resource = coll.resource
        props = schema_properties(resource.schema)
        # readOnly properties are the server's (OpenAPI: not sent, or ignored when sent): generated below
        record: Record = {
            k: copy.deepcopy(v) for k, v in body.items() if (props.get(k) or {}).get("readOnly") is not True
        }
        scope = self._parent_scope(params)
        if scope is not None:
            record[scope[0].field] = scope[1]
        if record.get(resource.key) is None:
            record[resource.key] = self._new_key()
        elif coll.find(resource.key, record[resource.key]) is not None:
            raise ProblemError(
                CONFLICT, f"A {self.op.resource} record with {resource.key} {record[resource.key]!r} exists"
            )
        declared = self._request_properties()
        required = set(resource.schema.get("required") or [])
        for name, sub in props.items():
            server_side = sub.get("readOnly") is True or (name in required and name not in declared)
            if name not in record and server_side:
                record[name] = self._make(sub, f"{self.op.operation_id}/{name}")
        self._validate(record)
        pos = self.store.insert(self.api.name, self.op.resource, record)
        headers = {}
        if self.op.create is not None and self.op.create.location:
            headers["Location"] = f"{request.url.path.rstrip('/')}/{quote(str(record[resource.key]), safe='')}"
        return self._answer(pos, params, self.op.status, headers)

    def _new_key(self) -> Any:
        coll = self._coll
        key = coll.resource.key
        schema = schema_properties(coll.resource.schema).get(key) or {}
        kind = schema.get("type")
        if kind == "integer" or (kind is None and all(isinstance(k, int) for k in coll.keys[:1])):
            return max((k for k in coll.keys if isinstance(k, int)), default=0) + 1
        if schema.get("format") == "uuid":
            return str(uuid.uuid4())
        if "pattern" in schema or "enum" in schema or "format" in schema:
            for _ in range(KEY_ATTEMPTS):
                value = self._make(schema, f"{self.op.operation_id}/{key}")
                if coll.find(key, value) is None:
                    return value
        return secrets.token_hex(6)

    def _rewrite(self, pos: int, body: Any) -> int:
        """replace (the body is the new record) or patch (a JSON merge patch onto it); key, parent field and
        read-only or server-side fields are kept."""
        body = self._incoming(body)
        coll = self._coll
        resource = coll.resource
        old = coll.records[pos]
        if self.op.action == "patch":
            new = _merge_patch(old, body)
        else:
            declared = self._request_properties()
            new = copy.deepcopy(body)
            for name, sub in schema_properties(resource.schema).items():
                kept = (
                    sub.get("readOnly") is True
                    or (declared and name not in declared)
                    or (name in declared and not _same_kind(declared[name], sub))  # sent in another representation
                )
                if kept and name in old and name not in new:
                    new[name] = old[name]
            for name in resource.hidden:
                if name in old and name not in new:
                    new[name] = old[name]
        kept_fields = [resource.key, *([resource.parent.field] if resource.parent else [])]
        if self.op.parent is not None:
            kept_fields.append(self.op.parent.field)
        for name in kept_fields:
            if name in old:
                new[name] = old[name]
        self._validate(new)
        self.store.write(self.api.name, self.op.resource, pos, new)
        return pos

    def _delete(self, pos: int) -> Response:
        answer = self._answer(pos, {}, self.op.status)  # the deleted record's view, made while it is there
        self.store.delete(self.api.name, self.op.resource, pos)
        return answer

    def _validate(self, record: Record) -> None:
        """400 naming the first field where the record breaks its resource schema; nothing is stored then."""
        validator = self._cache.get("validator")
        if validator is None:
            from mock_server.dataset import record_schema

            schema = record_schema(self.api, self.op.resource)
            validator = self._cache["validator"] = jsonschema_rs.Draft4Validator(schema, validate_formats=True)
        error = next(iter(validator.iter_errors(record)), None)
        if error is not None:
            path = [str(p) for p in error.instance_path]
            if isinstance(error.kind, jsonschema_rs.ValidationErrorKind.Required):
                path.append(str(error.kind.property))  # name the missing field itself
            where = "/" + "/".join(path)
            raise ProblemError(
                BAD_REQUEST, f"The {self.op.resource} record would be invalid at {where}: {error.message}"
            )

    # --- generated bodies ----------------------------------------------------------------------------------------
    def _respond(self) -> Response:
        status = self.op.status
        declared = self._declared_body(str(status), problem_ok=True) or self._declared_text(str(status))
        if declared is None:
            return Response(None, status)
        return Response(declared[1], status, media_type=declared[0])

    def _declared_text(self, status: str) -> tuple[str, bytes] | None:
        """(media type, body) of a response declared only in other types (text/plain, text/html, binary): its
        string example, else a generated string (empty bytes for binary), once per endpoint."""
        key = f"text:{status}"
        if key not in self._cache:
            self._cache[key] = self._text_body(status)
        cached: tuple[str, bytes] | None = self._cache[key]
        return cached

    def _text_body(self, status: str) -> tuple[str, bytes] | None:
        content = (self.responses.get(status) or {}).get("content") or {}
        media_type = next(iter(content), None)
        if media_type is None or media_type in ("*/*", "application/*"):
            return None
        media = content[media_type] or {}
        schema = media.get("schema") or {}
        example = media.get("example", schema.get("example") if isinstance(schema, dict) else None)
        if isinstance(example, str):
            return media_type, example.encode()
        if not isinstance(schema, dict) or schema.get("format") == "binary" or type_of(schema) != "string":
            return media_type, b""
        value = self._make(schema, f"{self.op.operation_id}/{status}/text")
        return media_type, str(value).encode()

    def _declared_body(self, status: str, *, problem_ok: bool = False) -> tuple[str, bytes] | None:
        """(media type, body) of a declared response: its example, else a body generated from its schema (once per
        endpoint, the same for the same seed); None when it declares no JSON content (or, unless problem_ok, when it
        declares problem+json: the usual problem body is then its shape)."""
        key = f"body:{status}"
        if key in self._cache:
            cached: tuple[str, bytes] | None = self._cache[key]
            return cached
        content = (self.responses.get(status) or {}).get("content") or {}
        found: tuple[str, bytes] | None = None
        if problem_ok or "application/problem+json" not in content:
            media_type = _json_type(content)
            media = _json_media(content) or {}
            if media_type is not None and ("schema" in media or "example" in media or media.get("examples")):
                found = (media_type, orjson.dumps(self._example_or_sample(media, status)))
        self._cache[key] = found
        return found

    def _example_or_sample(self, media: dict[str, Any], status: str) -> Any:
        if "example" in media:
            return media["example"]
        examples = [e["value"] for e in (media.get("examples") or {}).values() if isinstance(e, dict) and "value" in e]
        if examples:
            return examples[0]
        return self._make(media.get("schema") or {}, f"{self.op.operation_id}/{status}")

    def _make(self, schema: Schema, name: str) -> Any:
        makers: dict[str, Callable[[], Any]] = self._cache.setdefault("makers", {})
        maker = makers.get(name)
        if maker is None:
            sampler: Sampler | None = self._cache.get("sampler")
            if sampler is None:
                sampler = self._cache["sampler"] = Sampler(self.api, self.seed)
            try:
                maker = makers[name] = sampler.maker(schema, name)
            except SpecError as exc:
                raise ProblemError(INTERNAL, f"Cannot generate a value for {name}: {exc.problems[0].message}") from None
        return maker()

    def _media_type(self, status: int) -> str | None:
        """The JSON media type the response of this status declares; None when it declares no content. Operations
        that declare none for their 2xx answer application/json (the vendor specs always declare one)."""
        content = (self.responses.get(str(status)) or {}).get("content")
        if content is None:
            return JSON if self.op.action in ("list", "read", "update") else None
        return _json_type(content) or JSON

    def _envelope(self, body: bytes, page: Page | None = None, next_value: str | None = None) -> bytes:
        envelope = self.op.envelope
        if envelope is None or envelope.data is None:
            return body
        out = b'{"' + envelope.data.encode() + b'":' + body
        if envelope.meta:
            meta = {
                k: v.replace("{hex12}", secrets.token_hex(6)) if isinstance(v, str) else v
                for k, v in envelope.meta.items()
            }
            out += b',"meta":' + orjson.dumps(meta)
        if page is not None and envelope.total:
            out += b"," + orjson.dumps(envelope.total) + b":" + str(page.total).encode()
        if page is not None and envelope.next:
            out += b"," + orjson.dumps(envelope.next) + b":" + orjson.dumps(next_value)
        return out + b"}"

    def _canned(self, prefs: Preferences) -> Response:
        canned = pick_response(self.responses, prefs)
        headers: dict[str, str] = {}
        if 200 <= canned.status < 300 and isinstance(canned.body, list) and self.op.paging:
            headers |= self._paging_headers(
                Page(positions=[], total=len(canned.body), limit=self.op.paging.default_limit, skip=0)
            )
        return Response(orjson.dumps(canned.body), canned.status, headers, media_type=canned.media_type)


class _Answer(Exception):
    """A finished response raised from deep inside a step (the declared 404 shape)."""

    def __init__(self, response: Response) -> None:
        super().__init__("answer")
        self.response = response


STATUS_MEMBERS = ("code", "status", "statusCode", "status_code")
MESSAGE_MEMBERS = ("message", "detail", "error_description", "error")


def _with_message(body: Any, schema: Schema, detail: str) -> Any:
    """An error body whose plain string message members say what was wrong (clipped to their maxLength)."""
    if not isinstance(body, dict) or not detail:
        return body
    props = schema_properties(merge_all_of(schema))
    out = dict(body)
    for name in MESSAGE_MEMBERS:
        sub = props.get(name) or {}
        plain = sub.get("type") == "string" and not any(k in sub for k in ("enum", "pattern", "format"))
        if plain and name in out and len(detail) >= sub.get("minLength", 0):
            out[name] = detail[: sub.get("maxLength", len(detail))]
    return out


def _fits(value: Any, schema: Schema) -> bool:
    """Whether a value is valid against a (resolved OpenAPI) schema."""
    return bool(jsonschema_rs.Draft4Validator(to_json_schema(schema)).is_valid(value))


def _same_kind(one: Schema, other: Schema) -> bool:
    """Whether two schemas describe the same kind of JSON value, arrays by their items too (ids sent, objects
    stored are two kinds); an untyped schema is any kind."""
    one, other = non_null(one), non_null(other)
    kinds = [
        type_of(schema) if any(k in schema for k in ("type", "properties", "items", "additionalProperties")) else None
        for schema in (one, other)
    ]
    if None in kinds or {"integer", "number"} >= set(kinds):
        return True
    if kinds[0] != kinds[1]:
        return False
    return kinds[0] != "array" or _same_kind(one.get("items") or {}, other.get("items") or {})


def _with_status(body: Any, schema: Schema, status: int) -> Any:
    """An error body whose integer status members (code, status, ...) hold `status` where their schema allows it."""
    if not isinstance(body, dict):
        return body
    props = schema_properties(merge_all_of(schema))
    out = dict(body)
    for name in STATUS_MEMBERS:
        sub = props.get(name) or {}
        allowed = "enum" not in sub and sub.get("minimum", status) <= status <= sub.get("maximum", status)
        if isinstance(out.get(name), int) and sub.get("type") == "integer" and allowed:
            out[name] = status
    return out


def _fields(query: Query) -> dict[str, Any]:
    return {name: getattr(query, name) for name in Query.__dataclass_fields__}


def _json_type(content: dict[str, Any]) -> str | None:
    """The declared media type a JSON body is answered with: application/json, another JSON type, or
    application/json for a wildcard (*/*, application/*); None when only other types are declared."""
    if JSON in content:
        return JSON
    declared = next((m for m in content if "json" in m), None)
    if declared is None and any(m in ("*/*", "application/*") for m in content):
        return JSON
    return declared


def _json_media(content: dict[str, Any]) -> dict[str, Any] | None:
    media_type = _json_type(content)
    if media_type is None:
        return None
    media = content.get(media_type) or content.get("*/*") or content.get("application/*")
    return media if isinstance(media, dict) else {}


def _object_body(body: Any) -> dict[str, Any]:
    if isinstance(body, bytes | str):
        raise ProblemError(
            UNSUPPORTED_MEDIA_TYPE, "The mock stores JSON and form bodies; send Content-Type: application/json"
        )
    if not isinstance(body, dict):
        raise ProblemError(
            BAD_REQUEST, "The request body must be a JSON object sent with Content-Type: application/json"
        )
    return body


def _out_of_range(node: Any, where: str) -> str | None:
    """The pointer of the first integer the store cannot encode (beyond 64 bits), or None."""
    if isinstance(node, int) and not isinstance(node, bool):
        return where if not INT_RANGE[0] <= node <= INT_RANGE[1] else None
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in items:
        found = _out_of_range(value, f"{where}/{key}")
        if found is not None:
            return found
    return None


def _merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396 JSON merge patch."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = dict(target) if isinstance(target, dict) else {}
    for name, value in patch.items():
        if value is None:
            out.pop(name, None)
        else:
            out[name] = _merge_patch(out.get(name), value)
    return out


def _coerce_to(value: Any, schema: Schema | None) -> Any:
    """A path value converted to the type of the record field it is compared with."""
    kind = (schema or {}).get("type")
    if kind == "integer" and isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    if kind == "string" and isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


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
