"""This module contains the corpus probe: which GET operations of a spec can be called (their parameters filled),
the requests that call them, whether an answer is a 2xx valid against the declared schema, and a create -> read ->
list -> delete round trip per CRUD resource. The corpus test and bench/corpus.py share it; it talks to any
httpx-style client (an in-process TestClient or an httpx.Client on a real server).

Parameter values: a stored record's key where the mock has one (the `keys` callback), else the parameter's or its
schema's example, default or first enum value, else a value generated from its schema.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import jsonschema_rs

from mock_server.infer.document import Op, json_media, kind, operations, properties
from mock_server.model import ApiModel
from mock_server.sample import Sampler
from mock_server.specs import to_json_schema

CREDENTIAL = "corpus-probe-credential"
Keys = Callable[[Op], dict[str, Any]]
"""Known path parameter values for an operation (a stored record's key and its parent's), {} when none."""


class Client(Protocol):
    def request(self, method: str, url: str, **kwargs: Any) -> Any: ...


@dataclass(frozen=True)
class Call:
    """One request for an operation."""

    op: Op
    url: str
    params: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)

    def send(self, client: Client, base: str, method: str = "GET", body: Any = None, media: str = "") -> Any:
        """Send the call; a JSON `body` goes with Content-Type `media` (the operation's body media type)."""
        headers = dict(self.headers)
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        kwargs: dict[str, Any] = {"params": self.params, "headers": headers}
        if body is not None:
            headers = {k: v for k, v in headers.items() if k.lower() != "content-type"}
            kwargs["headers"] = {**headers, "Content-Type": media or "application/json"}
            kwargs["content"] = json.dumps(body).encode()
        return client.request(method, base + self.url, **kwargs)


@dataclass(frozen=True)
class Verdict:
    """What one answer was: ok (a 2xx valid against its declared schema) or why not."""

    label: str
    ok: bool
    reason: str = ""


class Probe:
    """The probe for one API model (the spec as the mock reads it)."""

    def __init__(self, model: ApiModel) -> None:
        self.model = model
        self.document = model.spec.document
        self.resolved = model.spec.resolved
        self._sampler = Sampler(model, seed=7)
        self._validators: dict[int, Any] = {}

    # -- GET operations ---------------------------------------------------------------------------------------------

    def gets(self, keys: Keys | None = None) -> tuple[list[Call], list[str]]:
        """A call for every GET whose required parameters can be filled, and the labels of those that can't."""
        calls: list[Call] = []
        skipped: list[str] = []
        for op in operations(self.document, self.resolved):
            if op.method != "get":
                continue
            call = self.call(op, (keys or (lambda _: {}))(op))
            if call is None:
                skipped.append(op.label)
            else:
                calls.append(call)
        return calls, skipped

    def call(self, op: Op, known: dict[str, Any]) -> Call | None:
        url = op.path
        params: dict[str, Any] = {}
        headers: dict[str, str] = {"Accept": _accept(op)}
        cookies: dict[str, str] = {}
        for param in op.parameters:
            where, name = param.get("in"), str(param["name"])
            if where != "path" and not param.get("required"):
                continue
            value = known[name] if name in known else self.value(param, f"{op.label}:{name}")
            if value is _NONE:
                return None
            if where == "path":
                url = url.replace("{" + name + "}", _text(value))
            elif where == "query":
                params[name] = value if isinstance(value, list) else _text(value)
            elif where == "header":
                headers[name] = _text(value)
            elif where == "cookie":
                cookies[name] = _text(value)
        self._credentials(op, params, headers, cookies)
        return Call(op, url, params, headers, cookies)

    def value(self, param: dict[str, Any], name: str) -> Any:
        """The parameter's example, else its schema's example / default / first enum value, else a generated value."""
        raw = param.get("schema")
        schema: dict[str, Any] = raw if isinstance(raw, dict) else {}
        if "example" in param:
            return param["example"]
        for example in (param.get("examples") or {}).values():
            if isinstance(example, dict) and "value" in example:
                return example["value"]
        for keyword in ("example", "default"):
            if keyword in schema:
                return schema[keyword]
        if schema.get("enum"):
            return schema["enum"][0]
        try:
            return self._sampler.maker(schema, name)()
        except Exception:  # a schema the generator can't satisfy: the operation is not callable
            return _NONE

    def _credentials(self, op: Op, params: dict[str, Any], headers: dict[str, str], cookies: dict[str, str]) -> None:
        requirements = op.resolved.get("security", self.resolved.get("security")) or []
        schemes = (self.resolved.get("components") or {}).get("securitySchemes") or {}
        requirement = next((r for r in requirements if isinstance(r, dict)), {})
        for name in requirement:
            scheme = schemes.get(name) or {}
            kind_, where = scheme.get("type"), scheme.get("in")
            if kind_ == "apiKey" and where == "query":
                params[scheme["name"]] = CREDENTIAL
            elif kind_ == "apiKey" and where == "cookie":
                cookies[scheme["name"]] = CREDENTIAL
            elif kind_ == "apiKey":
                headers[scheme.get("name", "X-API-Key")] = CREDENTIAL
            elif kind_ == "http" and str(scheme.get("scheme", "")).lower() == "basic":
                headers["Authorization"] = "Basic " + base64.b64encode(f"probe:{CREDENTIAL}".encode()).decode()
            else:
                headers["Authorization"] = f"Bearer {CREDENTIAL}"

    # -- answers -----------------------------------------------------------------------------------------------------

    def judge(self, op: Op, response: Any) -> Verdict:
        """Whether the answer is a 2xx whose body is valid against the schema declared for its status and type."""
        status = int(response.status_code)
        if not 200 <= status < 300:
            return Verdict(op.label, False, f"status {status}: {response.text[:200]}")
        responses = op.resolved.get("responses") or {}
        declared = responses.get(str(status)) or responses.get("2XX") or responses.get("default")
        if not isinstance(declared, dict):
            return Verdict(op.label, False, f"status {status} is not declared")
        content = declared.get("content") or {}
        if not content:
            return Verdict(op.label, True)
        media_type = str(response.headers.get("content-type", "")).split(";")[0].strip()
        media = content.get(media_type) or (content.get(json_media(content) or "") if "json" in media_type else None)
        media = media if media is not None else content.get("*/*")
        if media is None:
            return Verdict(op.label, False, f"content type {media_type!r} is not declared for {status}")
        schema = media.get("schema") if isinstance(media, dict) else None
        if not isinstance(schema, dict) or "json" not in media_type:
            return Verdict(op.label, True)
        try:
            body = json.loads(response.content)
        except ValueError:
            return Verdict(op.label, False, "the body is not JSON")
        validator = self._validator(schema)
        error = next(iter(validator.iter_errors(body)), None)
        if error is not None:
            where = "/" + "/".join(str(p) for p in error.instance_path)
            return Verdict(op.label, False, f"body invalid at {where}: {error.message[:160]}")
        return Verdict(op.label, True)

    def _validator(self, schema: dict[str, Any]) -> Any:
        found = self._validators.get(id(schema))
        if found is None:
            found = self._validators[id(schema)] = jsonschema_rs.Draft4Validator(
                to_json_schema(schema), validate_formats=False
            )
        return found

    # -- round trips -------------------------------------------------------------------------------------------------

    def crud_pairs(self) -> list[tuple[Op, Op, Op | None, Op | None]]:
        """(create, read, list, delete) for every collection with POST and item path with GET (the corpus' CRUD)."""
        ops = list(operations(self.document, self.resolved))
        at = {(op.path, op.method): op for op in ops}
        pairs = []
        seen = set()
        for op in ops:
            if op.method != "post":
                continue
            item = next((p for (p, m) in at if m == "get" and _is_item_of(p, op.path)), None)
            if item is None or op.path in seen:
                continue
            seen.add(op.path)
            pairs.append((op, at[(item, "get")], at.get((op.path, "get")), at.get((item, "delete"))))
        return pairs

    def round_trip(
        self,
        client: Client,
        base: str,
        pair: tuple[Op, Op, Op | None, Op | None],
        keys: Keys | None = None,
    ) -> Verdict:
        """create -> read (the created record) -> list (it appears) -> delete -> read 404, each answer a 2xx valid
        against its declared schema; a nested create uses a parent key from `keys` (of the list operation)."""
        create, read, listing, delete = pair
        label = f"{create.label} -> {read.label}"
        payload = self._body(create)
        if payload is _NONE:
            return Verdict(label, False, "no JSON request body to send")
        payload = _marked(payload, create)
        call = self.call(create, (keys or (lambda _: {}))(listing) if listing is not None else {})
        if call is None:
            return Verdict(label, False, "create parameters cannot be filled")
        media = body[1] if (body := create.body_schema()) is not None else ""
        created = call.send(client, base, "POST", payload, media)
        if not (answer := self.judge(create, created)).ok:
            return Verdict(label, False, f"create: {answer.reason}")
        item_param = read.path.rsplit("{", 1)[-1].rstrip("}/")
        record = _record(created)
        key = _key_of(record, item_param, created.headers.get("location"))
        if key is None:
            return Verdict(label, False, "create: the answer names no key")
        known = {**_path_values(call, create), item_param: key}
        read_call = self.call(read, known)
        if read_call is None:
            return Verdict(label, False, "read parameters cannot be filled")
        got = read_call.send(client, base)
        if not (answer := self.judge(read, got)).ok:
            return Verdict(label, False, f"read: {answer.reason}")
        if not _same(record, _record(got), payload):
            return Verdict(label, False, "read: not the created record")
        if listing is not None:
            list_call = self.call(listing, known)
            if list_call is not None:
                list_call = Call(listing, list_call.url, {**list_call.params, **_wide(listing)}, list_call.headers)
                listed = list_call.send(client, base)
                if not (answer := self.judge(listing, listed)).ok:
                    return Verdict(label, False, f"list: {answer.reason}")
                if key not in json.dumps(_records(listed)):
                    return Verdict(label, False, "list: the created record is not listed")
        if delete is not None:
            delete_call = self.call(delete, known)
            if delete_call is None:
                return Verdict(label, False, "delete parameters cannot be filled")
            if not (answer := self.judge(delete, delete_call.send(client, base, "DELETE"))).ok:
                return Verdict(label, False, f"delete: {answer.reason}")
            if read_call.send(client, base).status_code != 404:
                return Verdict(label, False, "read after delete is not 404")
        return Verdict(label, True)

    def _body(self, op: Op) -> Any:
        body = op.body_schema()
        if body is None or "json" not in body[1]:
            return _NONE
        _, _, schema = body
        media = ((op.resolved.get("requestBody") or {}).get("content") or {}).get(body[1]) or {}
        if media.get("example") is not None:
            return media["example"]
        for example in (media.get("examples") or {}).values():
            if isinstance(example, dict) and example.get("value") is not None:
                return example["value"]
        try:
            value = self._sampler.maker(_writable(schema), f"{op.label}:body")()
        except Exception:
            return _NONE
        return value


_NONE = object()


def _accept(op: Op) -> str:
    found = op.success()
    content = (found[1].get("content") or {}) if found else {}
    return json_media(content) or next(iter(content), "application/json")


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


def _writable(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema without its readOnly properties (what a client sends)."""
    props = properties(schema)
    if not props or kind(schema) != "object":
        return schema
    kept = {k: v for k, v in props.items() if not v.get("readOnly")}
    required = [r for r in schema.get("required") or [] if r in kept]
    out = {**{k: v for k, v in schema.items() if k not in ("allOf", "anyOf", "oneOf")}, "properties": kept}
    out["type"] = "object"
    if required:
        out["required"] = required
    else:
        out.pop("required", None)
    return out


def _is_item_of(item: str, collection: str) -> bool:
    head, _, tail = item.rstrip("/").rpartition("/")
    return head == collection.rstrip("/") and tail.startswith("{") and tail.endswith("}")


def _record(response: Any) -> Any:
    try:
        body = response.json()
    except ValueError:
        return None
    if isinstance(body, dict) and len(body) == 1 and isinstance(next(iter(body.values())), dict):
        return next(iter(body.values()))  # {"data": {...}}
    return body


def _records(response: Any) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _key_of(record: Any, param: str, location: str | None) -> str | None:
    if location:
        return location.rstrip("/").rsplit("/", 1)[-1]
    if not isinstance(record, dict):
        return None
    by_name = {str(name).lower(): value for name, value in record.items()}
    for name in (param, "id", "uuid", "key"):
        if by_name.get(name.lower()) is not None:
            return str(by_name[name.lower()])
    return None


def _path_values(call: Call, op: Op) -> dict[str, Any]:
    """The path parameter values a call used (the parent's key of a nested create)."""
    values: dict[str, Any] = {}
    template, actual = op.path.strip("/").split("/"), call.url.strip("/").split("/")
    for part, value in zip(template, actual, strict=False):
        if part.startswith("{") and part.endswith("}"):
            values[part[1:-1]] = value
    return values


MARK = "probe-3f9c"
"""The value a round trip writes into one free-text field of the create body, to recognise its record later."""


def _marked(payload: Any, op: Op) -> Any:
    """The payload with MARK in its first free-text string property (no enum, format, pattern or short maxLength),
    so an answer that merely repeats the spec's example is not taken for the created record."""
    body = op.body_schema()
    if not isinstance(payload, dict) or body is None:
        return payload
    for name, sub in properties(body[2]).items():
        free = not any(k in sub for k in ("enum", "format", "pattern", "readOnly")) and sub.get("maxLength", 99) >= 12
        if kind(sub) == "string" and free:
            return {**payload, name: MARK}
    return payload


def _same(created: Any, read: Any, sent: Any) -> bool:
    """The read record is the created one: every field the create answered reads the same, and the marked field
    (if any) holds what was sent."""
    if not isinstance(created, dict) or not isinstance(read, dict):
        return created == read and created is not None
    marked = [k for k, v in sent.items() if v == MARK] if isinstance(sent, dict) else []
    if any(read.get(k) != MARK for k in marked if k in read or k in created):
        return False
    return all(read.get(k) == v for k, v in created.items() if k in read)


def _wide(op: Op) -> dict[str, Any]:
    """Paging parameters opened wide, so a new record is on the first page."""
    out: dict[str, Any] = {}
    for param in op.params("query"):
        name = str(param["name"])
        schema = param.get("schema") or {}
        if name.lower() in ("limit", "per_page", "page_size", "pagesize", "size", "max_results", "count"):
            out[name] = str(min(int(schema.get("maximum", 1000)), 1000))
    return out


def store_keys(model: ApiModel, records: Callable[[str], list[dict[str, Any]]]) -> Keys:
    """Known path values from the mock's stored records: the first record's key (and its parent's key) for a
    read, the first child's parent key for a nested list. `records(resource)` gives a resource's records."""
    by_place = {(op.path, op.method): op for op in model.operations.values()}

    def keys(op: Op) -> dict[str, Any]:
        mock = by_place.get((op.path, op.method))
        if mock is None or not mock.resource or mock.resource not in model.resources:
            return {}
        stored = records(mock.resource)
        if not stored:
            return {}
        record = stored[0]
        known: dict[str, Any] = {}
        if mock.lookup is not None and record.get(mock.lookup.field) is not None:
            known[mock.lookup.param] = record[mock.lookup.field]
        if mock.parent is not None and record.get(mock.parent.field) is not None:
            known[mock.parent.param] = record[mock.parent.field]
        return known

    return keys
