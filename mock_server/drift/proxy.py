"""This module contains the drift proxy: an ASGI reverse proxy that forwards to the upstream and feeds a recorder.

The upstream's answer goes back unchanged (plus `X-Mock-Server-Drift: <findings in this exchange>`). Writes are
refused (403) unless allowed; an upstream that fails gets the client a 502 naming its host. Report files are written
atomically every few seconds and when the server stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import dataclasses
import hmac
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson

from mock_server.drift.credentials import credential_names, request_secrets
from mock_server.drift.propose import proposed_spec
from mock_server.drift.recorder import DriftRecorder, Entry
from mock_server.drift.report import Report, render_json, render_markdown, write_atomic
from mock_server.errors import BAD_REQUEST, FORBIDDEN, NOT_FOUND, UNAUTHORIZED, ProblemType

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

BAD_GATEWAY = ProblemType("bad-gateway", "Bad Gateway", 502)
READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade", "host"}
)
DRIFT_HEADER = "x-mock-server-drift"
ADMIN_PATH = "/__admin/drift"
FLUSH_SECONDS = 10.0
_DECODED = frozenset({"", "identity", "gzip", "deflate", "x-gzip"})
logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Outputs:
    """The files a run writes (any of them may be absent)."""

    report: Path | None = None
    markdown: Path | None = None
    propose: Path | None = None


@dataclass(frozen=True, slots=True)
class ProxyConfig:
    upstream: str
    prefix: str = ""
    """`/API`, or empty to forward everything (--root)."""
    allow_writes: bool = False
    timeout: float = 30.0
    outputs: Outputs = Outputs()
    flush_seconds: float = FLUSH_SECONDS
    admin_token: str | None = None
    """With a token, GET /__admin/drift (the live report) needs it in X-Admin-Token."""


def upstream_origin(url: str) -> str:
    """Scheme, host and port of a URL: nothing else of it (no credentials, path or query) goes into a report."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    host = f"[{parts.hostname}]" if parts.hostname and ":" in parts.hostname else parts.hostname
    return f"{parts.scheme}://{host}:{port}"


def write_outputs(recorder: DriftRecorder, outputs: Outputs) -> None:
    """Write the report, the Markdown summary and the proposed spec as of now (each file atomically)."""
    _write(recorder.report(), recorder.spec.path, recorder.entries, outputs)


def _write(report: Report, spec_path: Path, entries: list[Entry], outputs: Outputs) -> None:
    if outputs.report:
        write_atomic(outputs.report, render_json(report))
    if outputs.markdown:
        write_atomic(outputs.markdown, render_markdown(report).encode())
    if outputs.propose:
        write_atomic(outputs.propose, proposed_spec(spec_path, entries).encode())


def _snapshot(recorder: DriftRecorder) -> tuple[Report, Path, list[Entry]]:
    """Copies of what the writer needs, taken in the event loop, so a thread can render them while traffic goes on."""
    entries = [
        dataclasses.replace(e, observed=list(e.observed), shape=copy.deepcopy(e.shape), media_types=set(e.media_types))
        for e in recorder.entries
    ]
    return recorder.report(), recorder.spec.path, entries


class DriftProxy:
    """The ASGI app of `mock-server proxy`."""

    def __init__(
        self, recorder: DriftRecorder, config: ProxyConfig, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.recorder = recorder
        self.config = config
        self._transport = transport
        self._client: httpx.AsyncClient | None = None
        self._flusher: asyncio.Task[None] | None = None
        self._written_at = -1
        self._names = credential_names(recorder.spec)
        parts = urlsplit(config.upstream)
        self._upstream_host = parts.hostname or config.upstream
        self._upstream_port = parts.port
        self._upstream_base = config.upstream.split("?", 1)[0].rstrip("/")

    async def start(self) -> None:
        self._client = httpx.AsyncClient(
            transport=self._transport, timeout=self.config.timeout, follow_redirects=False, trust_env=False
        )
        if any(dataclasses.astuple(self.config.outputs)):
            self._flusher = asyncio.create_task(self._flush_periodically())

    async def stop(self) -> None:
        if self._flusher is not None:
            self._flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flusher
        if self._client is not None:
            await self._client.aclose()
        try:
            write_outputs(self.recorder, self.config.outputs)
        except OSError as exc:
            logger.error("cannot write the drift report: %s", exc.strerror or exc)

    async def _flush_periodically(self) -> None:
        while True:
            await asyncio.sleep(self.config.flush_seconds)
            if self._written_at == self.recorder.requests:
                continue
            self._written_at = self.recorder.requests
            try:
                await asyncio.to_thread(_write, *_snapshot(self.recorder), self.config.outputs)
            except OSError as exc:
                logger.warning("cannot write the drift report: %s", exc.strerror or exc)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http":
            await self._http(scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await self.start()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.stop()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = str(scope["method"]).upper()
        path = str(scope["path"])
        prefix = self.config.prefix
        if path == ADMIN_PATH:
            await self._admin(scope, send)
            return
        if prefix and path != prefix and not path.startswith(prefix + "/"):
            await _problem(send, NOT_FOUND, f"this proxy forwards {prefix}/... only")
            return
        if method not in READ_ONLY_METHODS and not self.config.allow_writes:
            detail = f"{method} is not forwarded: the proxy is read-only (GET, HEAD, OPTIONS) unless --allow-writes"
            await _problem(send, FORBIDDEN, detail)
            return
        rest = path[len(prefix) :] or "/"
        body = await _read_body(receive)
        query = bytes(scope.get("query_string") or b"").decode("latin-1")
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope.get("headers") or []]
        forwarded = [(k, v) for k, v in headers if k.lower() not in HOP_BY_HOP and k.lower() != "content-length"]
        raw_path = scope.get("raw_path")  # forwarded as it came, percent-encoding included (path is decoded)
        raw_rest = (bytes(raw_path).decode("latin-1")[len(prefix) :] or "/") if raw_path else rest
        url = self._upstream_base + raw_rest + (f"?{query}" if query else "")
        if self._client is None:  # served without lifespan events (a bare ASGI server)
            await self.start()
        assert self._client is not None
        try:
            request = self._client.build_request(method, url, headers=forwarded, content=body or None)
            response = await self._client.send(request, stream=True)
            try:
                raw = b"".join([chunk async for chunk in response.aiter_raw()])
            finally:
                await response.aclose()
        except httpx.InvalidURL:
            await _problem(send, BAD_REQUEST, "the request's path or query cannot be forwarded as a URL")
            return
        except httpx.TimeoutException:
            await _problem(
                send, BAD_GATEWAY, f"upstream {self._host()} did not answer within {self.config.timeout:g} s"
            )
            return
        except httpx.ConnectError:
            await _problem(send, BAD_GATEWAY, f"upstream {self._host()} refused the connection or is unreachable")
            return
        except httpx.HTTPError:
            await _problem(send, BAD_GATEWAY, f"upstream {self._host()} broke the connection")
            return
        secrets = request_secrets(self._names, headers, query)
        decoded = _decoded(response, raw)
        try:
            found = self.recorder.observe(
                method, rest, response.status_code, response.headers.multi_items(), decoded, secrets=secrets
            )
        except Exception as exc:  # a bug in the check must not cost the client the upstream's answer
            logger.error("drift: a %s response could not be checked (%s)", method, type(exc).__name__)
            found = 0
        # the body goes back as it came (still encoded); its length is what we send, except for HEAD, whose
        # Content-Length is the upstream's statement about the GET body
        replaced = {DRIFT_HEADER} if method == "HEAD" else {DRIFT_HEADER, "content-length"}
        out_headers = [
            (k.lower().encode("latin-1"), v.encode("latin-1"))
            for k, v in response.headers.multi_items()
            if k.lower() not in HOP_BY_HOP and k.lower() not in replaced
        ]
        if method != "HEAD":
            out_headers.append((b"content-length", str(len(raw)).encode()))
        out_headers.append((DRIFT_HEADER.encode(), str(found).encode()))
        await send({"type": "http.response.start", "status": response.status_code, "headers": out_headers})
        await send({"type": "http.response.body", "body": b"" if method == "HEAD" else raw})

    async def _admin(self, scope: Scope, send: Send) -> None:
        token = self.config.admin_token
        given = next((v for k, v in scope.get("headers") or [] if k.lower() == b"x-admin-token"), b"")
        if token and not hmac.compare_digest(given, token.encode()):
            await _problem(send, UNAUTHORIZED, "GET /__admin/drift needs the admin token in X-Admin-Token")
            return
        body = render_json(self.recorder.report())
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    def _host(self) -> str:
        return f"{self._upstream_host}:{self._upstream_port}" if self._upstream_port else self._upstream_host


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    return b"".join(chunks)


def _decoded(response: httpx.Response, raw: bytes) -> bytes | None:
    """The body as the client reads it after decoding; None when we can't decode it (then the body is not checked)."""
    encoding = response.headers.get("content-encoding", "").strip().lower()
    if encoding not in _DECODED:
        return None
    try:
        return httpx.Response(response.status_code, headers=response.headers, content=raw).content
    except httpx.DecodingError:
        return None


async def _problem(send: Send, kind: ProblemType, detail: str) -> None:
    body = orjson.dumps({"type": kind.uri, "title": kind.title, "status": kind.status, "detail": detail})
    headers = [(b"content-type", b"application/problem+json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": kind.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
