"""This module contains create_app: the runtime (specs, models, store, journal) and the ASGI app around connexion.

Request flow, outermost first:
    CORS -> MockApp (admin routes, body limit, trailing-slash aliases, latency, journal)
         -> connexion (routing -> security -> request validation) -> handlers.Endpoint -> store
"""

from __future__ import annotations

import asyncio
import dataclasses
import http
import logging
import random
import time
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from connexion.exceptions import BadRequestProblem, ProblemException
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from connexion.resolver import Resolution, Resolver
from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware

from mock_server.admin import admin_app
from mock_server.auth import security_map
from mock_server.collection import Records
from mock_server.connexion_app import ConnexionApp, URIParser
from mock_server.errors import (
    INTERNAL,
    PAYLOAD_TOO_LARGE,
    PROBLEM_MEDIA_TYPE,
    Problem,
    ProblemError,
    SpecError,
    problem_body,
    problem_type,
)
from mock_server.faults.middleware import STATE_KEY as FAULT_STATE_KEY
from mock_server.faults.middleware import FaultMiddleware
from mock_server.faults.state import Resilience
from mock_server.handlers import Endpoint
from mock_server.journal import MAX_BODY_BYTES as MAX_JOURNAL_BODY_BYTES
from mock_server.journal import Bodies, Journal, capture
from mock_server.model import ApiModel
from mock_server.redact import SECRET_HEADER_KEYS, mask_query, redact_text
from mock_server.settings import Settings
from mock_server.specs import load_specs
from mock_server.state import StateFile
from mock_server.store import Store
from mock_server.validation import VALIDATORS, RouteTable, clip

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

log = logging.getLogger("mock_server")
access_log = logging.getLogger("mock_server.access")
EXPOSED_HEADERS = ["X-Pagination-Limit", "X-Pagination-Skip", "X-Pagination-Page", "X-Pagination-TotalCount"]
EXPOSED_HEADERS += ["Retry-After", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"]  # rate limits
MAX_DETAIL_CHARS = 500
"""Problem details echo the offending value; a 100 KB query value is cut, not echoed whole."""
ALIAS_CACHE_SIZE = 4096
"""Request paths whose alias decision (serve as is, or with/without the trailing slash) is remembered."""
MAX_ALIAS_CACHED_CHARS = 512
MIN_SECRET_CHARS = 8
"""Shorter credential values are not masked outside their own parameter: masking "x" would garble every path."""


@dataclass
class Runtime:
    """What a running mock holds: settings, API models by name (mount order), the store and the journal."""

    settings: Settings
    models: dict[str, ApiModel]
    store: Store
    journal: Journal
    state: StateFile | None = None
    """The --state file, checkpointed on a clean stop."""
    operation_ids: dict[str, str] = field(default_factory=dict)
    """The spec's operationId (or "METHOD path") of each operation by the id connexion routes it by."""
    endpoints: dict[str, Endpoint] = field(default_factory=dict)
    """The Endpoint of each operation by the id connexion routes it by (for its declared error shapes)."""
    resilience: Resilience = field(default_factory=Resilience)
    """The active fault rules and rate limits (mock_server.faults)."""

    def base_path(self, name: str) -> str:
        return "" if self.settings.root else f"/{name}"


def load_models(settings: Settings) -> dict[str, ApiModel]:
    """Every selected spec (settings.spec_sources) parsed into an ApiModel; SpecError listing every problem of every
    file, two specs of the same name included."""
    if not settings.spec_paths and not settings.spec_dir.is_dir():
        raise SpecError([Problem(str(settings.spec_dir), "", "spec directory does not exist")])
    problems: list[Problem] = []
    models: dict[str, ApiModel] = {}
    for spec in load_specs(settings.spec_sources).values():
        if settings.apis and spec.name not in settings.apis:
            continue
        try:
            models[spec.name] = ApiModel.from_spec(spec)
        except SpecError as exc:
            problems += exc.problems
    unknown = [a for a in settings.apis if a not in models]
    if unknown and not problems:
        where = ", ".join(str(p) for p in settings.spec_sources)
        problems.append(Problem(where, "", f"no spec for API(s) {', '.join(unknown)}"))
    if problems:
        raise SpecError(problems)
    return models


def load_records(settings: Settings, models: dict[str, ApiModel]) -> dict[str, dict[str, Records]]:
    """Fixture records per API: generated in memory with --seed/--count, else loaded (and checked) from files; held
    compactly (each API's dicts are dropped before the next API loads)."""
    from mock_server.cache import cached_records
    from mock_server.dataset import default_count, generate_dataset, is_generic, load_dataset
    from mock_server.errors import FixtureError

    records: dict[str, dict[str, Records]] = {}
    problems: list[Problem] = []
    for name, model in models.items():
        missing = not (settings.fixtures_dir / f"{name}.json").is_file()
        if settings.locale is not None:  # --locale: generated data in another locale
            model = dataclasses.replace(model, locale=settings.locale)
        if settings.seed is not None or settings.count is not None:
            seed = 42 if settings.seed is None else settings.seed
            count = default_count(model) if settings.count is None else settings.count
            if settings.dataset_cache:
                records[name] = cached_records(model, seed=seed, count=count, reference_date=settings.reference_date)
                continue
            dataset = generate_dataset(model, seed=seed, count=count, reference_date=settings.reference_date)
        elif missing and (settings.generate_missing_fixtures or is_generic(model)):
            # a spec without vendor rules (a plain spec) and without a fixture file is served from generated data
            dataset = generate_dataset(
                model, seed=42, count=default_count(model), reference_date=settings.reference_date
            )
        else:
            try:
                dataset = load_dataset(settings.fixtures_dir / f"{name}.json", model)
            except FixtureError as exc:
                problems += exc.problems
                continue
        records[name] = {resource: Records(recs) for resource, recs in dataset.resources.items()}
        del dataset
    if problems:
        raise FixtureError(problems)
    return records


def build_runtime(
    settings: Settings,
    *,
    open_state: Callable[[Path], StateFile] = StateFile,
    new_journal: Callable[[int], Journal] = Journal,
) -> Runtime:
    """Load and check everything a server needs; raises MockServerError before anything binds a port.

    `open_state` and `new_journal` make the state file and the journal (serve --workers shares both between its
    processes: mock_server.workers)."""
    models = load_models(settings)
    records = load_records(settings, models)
    state = open_state(settings.state_file) if settings.state_file else None
    store = Store(models, records, state)
    journal = new_journal(settings.journal_size)
    resilience = Resilience.build(settings.resilience, models)
    return Runtime(settings=settings, models=models, store=store, journal=journal, state=state, resilience=resilience)


class _EndpointResolver(Resolver):  # type: ignore[misc]
    """Routes every operation to its Endpoint; the resolved id is unique per method and path (connexion keys
    per-operation state by it)."""

    def __init__(self, runtime: Runtime, model: ApiModel) -> None:
        super().__init__()
        self.runtime = runtime
        self.model = model

    def resolve(self, operation: Any) -> Resolution:
        op_id = operation.operation_id or f"{operation.method.upper()} {operation.path}"
        endpoint = Endpoint.build(
            self.model,
            self.model.operations[op_id],
            self.runtime.store,
            self.runtime.settings.auth.for_api(self.model.name),
            seed=42 if self.runtime.settings.seed is None else self.runtime.settings.seed,
        )

        async def handle(**params: Any) -> Any:
            return await endpoint(**params)

        routed_id = f"{self.model.name}:{operation.method.upper()} {operation.path}"
        self.runtime.operation_ids[routed_id] = op_id
        self.runtime.endpoints[routed_id] = endpoint
        return Resolution(handle, routed_id)


def _bad_request(request: ConnexionRequest, exc: BadRequestProblem) -> ConnexionResponse:
    """Connexion's 400 details embed whole schema dumps; keep the first line, which names the parameter."""
    detail = clip((exc.detail or "Bad request").splitlines()[0].strip(), MAX_DETAIL_CHARS)
    return _problem_response(400, exc.title or "Bad Request", detail)


def _routing_error(routes: RouteTable) -> Callable[[ConnexionRequest, HTTPException], ConnexionResponse]:
    """Connexion's router answers a bare "Not Found" / "Method Not Allowed" (with the Allow header of only one of the
    path's operations); say which path or parameter missed and which methods the path has."""

    def handle(request: ConnexionRequest, exc: HTTPException) -> ConnexionResponse:
        method, path = str(request.scope.get("method", "")), str(request.scope.get("path", ""))
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            detail = routes.explain_method(method, path)
            headers["Allow"] = ", ".join(routes.allowed(path))
        elif exc.status_code == 404:
            detail = routes.explain_not_found(method, path)
        else:
            detail = clip(str(exc.detail), MAX_DETAIL_CHARS)
        return _problem_response(exc.status_code, http.HTTPStatus(exc.status_code).phrase, detail, headers)

    return handle


def _problem_response(status: int, title: str, detail: str, headers: dict[str, str] | None = None) -> ConnexionResponse:
    return ConnexionResponse(
        status_code=status,
        body=problem_body(status, detail, title),
        content_type=PROBLEM_MEDIA_TYPE,
        headers=headers or {},
    )


def _connexion_problem(request: ConnexionRequest, exc: ProblemException) -> ConnexionResponse:
    """Connexion's own problems (401 from security, 415, ...) and ours (ProblemError), in the one error format."""
    status = int(exc.status or 500)
    if status >= 500:
        log.error("%r", exc)
    kind = exc.kind if isinstance(exc, ProblemError) else problem_type(status)
    detail = clip(str(exc.detail or kind.title), MAX_DETAIL_CHARS)
    return ConnexionResponse(
        status_code=status,
        body=problem_body(status, detail, str(exc.title or kind.title), kind=kind, **dict(exc.ext or {})),
        content_type=PROBLEM_MEDIA_TYPE,
        headers=dict(exc.headers or {}),
    )


def _declared_error(
    runtime: Runtime, handler: Callable[[ConnexionRequest, Any], ConnexionResponse]
) -> Callable[[ConnexionRequest, Any], ConnexionResponse]:
    """A 4xx in the shape its operation declares for that status where that is JSON and not problem+json (a plain
    spec's Error object; the vendor specs declare problem+json, so theirs are unchanged), else `handler`'s."""

    def handle(request: ConnexionRequest, exc: Any) -> ConnexionResponse:
        response = handler(request, exc)
        routing = (request.scope.get("extensions") or {}).get("connexion_routing") or {}
        endpoint = runtime.endpoints.get(str(routing.get("operation_id", "")))
        if endpoint is None or not 400 <= response.status_code < 500:
            return response
        detail = orjson.loads(response.body).get("detail", "") if response.body else ""
        declared = endpoint.declared_error(response.status_code, str(detail))
        if declared is None:
            return response
        return ConnexionResponse(
            status_code=response.status_code, body=declared[1], content_type=declared[0], headers=response.headers
        )

    return handle


def _unhandled(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    log.error("unhandled error in %s %s", request.scope.get("method"), request.scope.get("path"), exc_info=exc)
    return _problem_response(INTERNAL.status, INTERNAL.title, "The mock failed to answer this request; see its log")


def create_app(settings: Settings, runtime: Runtime | None = None) -> MockApp:
    """Build the ASGI app serving every selected API.

    Args:
        settings: what to serve and how.
        runtime: an already built runtime (the CLI builds it first to fail before binding a port).

    Example:
        app = create_app(Settings.for_tests())
        client = TestClient(app)
    """
    runtime = runtime or build_runtime(settings)
    routes = route_table(runtime)
    inner = ConnexionApp(__name__)
    for name, model in runtime.models.items():
        inner.add_api(
            model.spec.document,
            base_path=runtime.base_path(name),
            name=name,
            resolver=_EndpointResolver(runtime, model),
            strict_validation=True,
            validate_responses=settings.validate_responses,
            security_map=security_map(settings.auth.for_api(name)),
            validator_map=VALIDATORS,
            uri_parser_class=URIParser,
        )
    inner.add_error_handler(BadRequestProblem, _declared_error(runtime, _bad_request))
    inner.add_error_handler(ProblemException, _declared_error(runtime, _connexion_problem))
    inner.add_error_handler(Exception, _unhandled)
    inner.add_error_handler(HTTPException, _routing_error(routes))
    return MockApp(FaultMiddleware(inner, runtime), runtime, routes)


def route_table(runtime: Runtime) -> RouteTable:
    """The declared paths of every mounted API under its base path."""
    return RouteTable.from_documents({runtime.base_path(n): m.spec.resolved for n, m in runtime.models.items()})


class MockApp:
    """The outer ASGI app: admin endpoints, request journal, body limit, slash aliases, latency and CORS."""

    def __init__(self, inner: ASGIApp, runtime: Runtime, routes: RouteTable | None = None) -> None:
        self.runtime = runtime
        self.connexion_app = inner
        self._admin = admin_app(runtime)
        self._routes = routes or route_table(runtime)
        self._alias_targets: dict[str, str] = {}
        self._operation_ids = runtime.operation_ids
        self._app: ASGIApp = _Cors(
            # any origin, echoed (not "*") so fetch(..., {credentials: "include"}) and axios withCredentials work
            self._dispatch,
            allow_origin_regex=".*",
            allow_credentials=True,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=EXPOSED_HEADERS,
            max_age=600,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.connexion_app(scope, self._on_shutdown(receive), send)
            return
        await self._app(scope, receive, send)

    def _on_shutdown(self, receive: Receive) -> Receive:
        """The lifespan's receive: on shutdown the --state file's write-ahead log is checkpointed into the .db."""
        state = self.runtime.state

        async def receive_lifespan() -> Message:
            message = await receive()
            if message["type"] == "lifespan.shutdown" and state is not None:
                state.checkpoint()
            return message

        return receive_lifespan

    async def _dispatch(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.connexion_app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        path: str = scope["path"]
        if scope["method"] in ("GET", "HEAD") and (path == "/__admin" or path.startswith("/__admin/")):
            # admin reads are not access-logged either: the inspector polls them every second
            await self._admin(scope, receive, send)
            return
        requested = scope  # the journal shows what the client called, before any alias rewrite
        if not isinstance(scope.get("state"), dict):
            scope["state"] = {}  # where the fault middleware notes the fault it played, for the journal
        exchange = _Exchange()
        responded = False

        async def send_and_record(message: Message) -> None:
            nonlocal status, responded
            if message["type"] == "http.response.start":
                status, responded = message["status"], True
                exchange.response_headers = message.get("headers") or ()
            elif message["type"] == "http.response.body":
                exchange.add_response_body(message.get("body", b""))
            await send(message)

        try:
            if path == "/__admin" or path.startswith("/__admin/"):
                exchange.journaled = False  # the journal shows the APIs' traffic, not its own reads and resets
                await self._admin(scope, receive, send_and_record)
                return
            scope, receive, too_large, body = await _limit_body(scope, receive, self.runtime.settings.max_body_bytes)
            exchange.request_body = body
            if too_large:
                await _problem(
                    send_and_record,
                    PAYLOAD_TOO_LARGE.status,
                    PAYLOAD_TOO_LARGE.title,
                    f"Request body exceeds {self.runtime.settings.max_body_bytes} bytes",
                )
                return
            malformed = _malformed_content_type(scope)
            if malformed is not None:  # connexion would fail on it with a 500
                await _problem(send_and_record, 415, "Unsupported Media Type", malformed)
                return
            scope = self._alias(scope)
            low, high = self.runtime.settings.latency_ms
            if high > 0:
                await asyncio.sleep(random.uniform(low, high) / 1000)
            exchange.routed = scope  # connexion's router notes the matched operation in this scope
            await self.connexion_app(scope, receive, send_and_record)
        finally:
            fault = requested["state"].get(FAULT_STATE_KEY)
            if fault is not None:
                exchange.fault = str(fault)
                if not responded:
                    status = 0  # reset, close, timeout: no answer at all, not a 500
            self._record(requested, status, started, exchange)

    def _alias(self, scope: Scope) -> Scope:
        """Answer a declared path with or without its trailing slash (mittwald's SDK calls /v2/orders, the docs
        /v2/orders/) instead of connexion's 307 redirect, which browsers won't follow for a CORS preflight."""
        path: str = scope["path"]
        target = self._alias_targets.get(path)
        if target is None:
            target = self._alias_target(path)
            if len(path) <= MAX_ALIAS_CACHED_CHARS:  # hostile 100 KB paths are answered but not remembered
                if len(self._alias_targets) >= ALIAS_CACHE_SIZE:
                    self._alias_targets.clear()
                self._alias_targets[path] = target
        return scope if target == path else {**scope, "path": target, "raw_path": target.encode()}

    def _alias_target(self, path: str) -> str:
        if self._routes.find(path) is not None:
            return path
        other = path[:-1] if path.endswith("/") else path + "/"
        return path if self._routes.find(other) is None else other

    def _record(self, scope: Scope, status: int, started: float, exchange: _Exchange | None = None) -> None:
        path: str = scope.get("path", "")
        api = path.split("/", 2)[1] if path.count("/") >= 1 else None
        if self.runtime.settings.root:
            api = next(iter(self.runtime.models), None)
        if api not in self.runtime.models:
            api = None
        query, query_secrets = mask_query(scope.get("query_string", b"").decode("latin-1"))
        carried = _carried_secrets(scope, query_secrets, self.runtime.settings.admin_token)
        if carried:  # a credential also pasted into a filter or the path is masked there too
            query, path = mask_query(query, carried)[0], redact_text(path, carried)  # whole values/tokens only
        duration = round((time.perf_counter() - started) * 1000, 3)
        method = scope.get("method", "")
        if exchange is None or exchange.journaled:
            exchange = exchange or _Exchange()
            self.runtime.journal.add(
                time=time.time(),
                api=api,
                method=method,
                path=path,
                query=query,
                status=status,
                duration_ms=duration,
                operation_id=self._operation_ids.get(exchange.routed_operation() or ""),
                request_headers=scope.get("headers") or (),
                response_headers=exchange.response_headers,
                bodies=exchange.bodies(carried, status),
                fault=exchange.fault,
            )
        if access_log.isEnabledFor(logging.INFO):
            access_log.info("%s %s%s %d %.1fms", method, path, f"?{query}" if query else "", status, duration)


class _Exchange:
    """What MockApp notes of one request for the journal, as cheaply as it can: references, not copies; the response
    body only up to the journal's cut."""

    __slots__ = ("_chunks", "_size", "fault", "journaled", "request_body", "response_headers", "routed")

    def __init__(self) -> None:
        self.journaled = True
        self.fault: str | None = None
        self.request_body = b""
        self.response_headers: Sequence[tuple[bytes, bytes]] = ()
        self.routed: Scope | None = None
        self._chunks: list[bytes] = []
        self._size = 0

    def add_response_body(self, chunk: bytes) -> None:
        if self._size < MAX_JOURNAL_BODY_BYTES:
            self._chunks.append(chunk)
        self._size += len(chunk)

    def routed_operation(self) -> str | None:
        """The id connexion's router resolved for this request (None when no operation matched)."""
        routing = ((self.routed or {}).get("extensions") or {}).get("connexion_routing") or {}
        operation: str | None = routing.get("operation_id")
        return operation

    def bodies(self, secrets: Sequence[str], status: int) -> Bodies:
        """The bodies to journal; a credential the request carries is masked in them too where it can appear: in the
        request body, and in the response to a write (which echoes the record) or an error (which echoes input).
        The answers of reads come from the data, not the request, and are not searched (they are the bulk)."""
        request, request_size = capture(self.request_body)
        response = capture(self._chunks[0] if len(self._chunks) == 1 else b"".join(self._chunks))[0]
        if secrets and (request or status >= 400):
            request, response = _masked_body(request, secrets), _masked_body(response, secrets)
        return Bodies(request, request_size, response, self._size)


def _masked_body(body: bytes, secrets: Sequence[str]) -> bytes:
    if body and any(secret.encode() in body for secret in secrets):
        return redact_text(body.decode("utf-8", errors="replace"), secrets).encode()
    return body


class _Cors(CORSMiddleware):
    """starlette's CORS middleware with a short path for requests without an Origin header (every non-browser
    client): those get only what starlette gives them too, `Vary: Origin`."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or any(name == b"origin" for name, _ in scope["headers"]):
            await super().__call__(scope, receive, send)
            return

        async def send_with_vary(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"vary"]
                varies = [v for k, v in message.get("headers", []) if k.lower() == b"vary"]
                message["headers"] = [*headers, (b"vary", b", ".join([*varies, b"Origin"]))]
            await send(message)

        await self.app(scope, receive, send_with_vary)


def _carried_secrets(scope: Scope, query_secrets: list[str], admin_token: str | None) -> list[str]:
    """The credential values a request carries (credential headers and query parameters) and the admin token."""
    values = [admin_token or "", *query_secrets]
    for name, value in scope.get("headers") or []:
        if name.lower() in SECRET_HEADER_KEYS:
            text = value.decode("latin-1").strip()
            values += [text, text.rpartition(" ")[2]]  # "Bearer <token>": the token alone too
    return [v for v in values if len(v) >= MIN_SECRET_CHARS]


def _malformed_content_type(scope: Scope) -> str | None:
    """Why the request's Content-Type is not a media type (type/subtype), or None."""
    for name, value in scope.get("headers") or []:
        if name.lower() == b"content-type":
            media = value.decode("latin-1").split(";")[0].strip()
            if media and media.count("/") != 1:
                return f"Content-Type {clip(media, MAX_DETAIL_CHARS)!r} is not a media type (type/subtype)"
    return None


async def _limit_body(scope: Scope, receive: Receive, limit: int) -> tuple[Scope, Receive, bool, bytes]:
    """Read the body up front (writes are small) so an oversized one gets 413 before anything parses it; the scope
    then carries the body's true Content-Length (connexion would fail on a malformed one). Returns the scope, the
    receive to pass on, whether the body is too large, and the body read (for the journal)."""
    headers: list[tuple[bytes, bytes]] = scope.get("headers") or []
    length = next((v for k, v in headers if k.lower() == b"content-length"), None)
    if length is not None and length.isdigit() and int(length) > limit:
        return scope, receive, True, b""
    if scope.get("method") not in ("POST", "PUT", "PATCH", "DELETE"):
        # No operation without a write method reads a body; connexion would still parse one by its Content-Type
        # (a bare `multipart/form-data` on a GET is a 400 "Missing boundary"), so drop the header - unless it is
        # JSON, which some specs declare as a required header parameter of their GETs (VTEX).
        if any(k.lower() == b"content-type" and b"json" not in v.lower() for k, v in headers):
            scope = {**scope, "headers": [(k, v) for k, v in headers if k.lower() != b"content-type"]}
        return scope, receive, False, b""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return scope, receive, False, b""
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return scope, receive, True, b""
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    kept = [(k, v) for k, v in scope.get("headers") or [] if k.lower() not in (b"content-length", b"transfer-encoding")]
    scope = {**scope, "headers": [*kept, (b"content-length", str(len(body)).encode())]}
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return scope, replay, False, body


async def _problem(send: Send, status: int, title: str, detail: str) -> None:
    body = problem_body(status, detail, title)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", PROBLEM_MEDIA_TYPE.encode()), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
