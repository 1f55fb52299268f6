"""Stand-in upstreams for the drift tests: tiny ASGI apps that answer like a vendor that deviates from our spec."""

from __future__ import annotations

import asyncio
import copy
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson

from mock_server.drift.operations import load_api_spec
from mock_server.drift.proxy import DriftProxy, Outputs, ProxyConfig
from mock_server.drift.recorder import DriftRecorder
from mock_server.specs import Spec

APIKEY = "SECRET-apikey-4711"
TOKEN = "SECRET-token-0815"
COOKIE = "SECRET-cookie-42"
SECRETS = (APIKEY, TOKEN, COOKIE)


@dataclass
class StandIn:
    """An upstream answering every request with one status, headers and body; it remembers what it received."""

    status: int
    body: bytes
    headers: list[tuple[str, str]] = field(default_factory=lambda: [("content-type", "application/json")])
    received: list[dict[str, Any]] = field(default_factory=list)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        assert scope["type"] == "http"
        message = await receive()
        self.received.append(
            {
                "method": scope["method"],
                "path": scope["path"],
                "raw_path": scope.get("raw_path"),
                "query": scope["query_string"].decode(),
                "headers": {k.decode(): v.decode() for k, v in scope["headers"]},
                "body": message.get("body", b""),
            }
        )
        headers = [(k.encode(), v.encode()) for k, v in self.headers]
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        await send({"type": "http.response.body", "body": self.body})


def example(spec: Spec, path: str, status: str = "200", name: str = "default") -> Any:
    """A deep copy of a named response example of the spec's GET operation at path."""
    media = spec.resolved["paths"][path]["get"]["responses"][status]["content"]["application/json"]
    return copy.deepcopy(media["examples"][name]["value"])


@dataclass(frozen=True)
class Request:
    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


def run_proxy(
    spec: Spec,
    upstream: Callable[..., Any],
    requests: Sequence[Request],
    *,
    upstream_url: str = "http://vendor.test/base",
    outputs: Outputs | None = None,
    keep_examples: bool = False,
    allow_writes: bool = False,
) -> tuple[DriftRecorder, list[httpx.Response]]:
    """Send requests through an in-process proxy (at /API) to an in-process upstream; outputs written at stop."""
    recorder = DriftRecorder(spec, upstream="http://vendor.test:80", keep_examples=keep_examples)
    config = ProxyConfig(
        upstream=upstream_url, prefix=f"/{spec.name}", allow_writes=allow_writes, outputs=outputs or Outputs()
    )
    proxy = DriftProxy(recorder, config, transport=httpx.ASGITransport(app=upstream))

    async def go() -> list[httpx.Response]:
        await proxy.start()
        try:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=proxy), base_url="http://proxy") as client:
                return [
                    await client.request(r.method, r.url, headers=r.headers, content=r.body or None) for r in requests
                ]
        finally:
            await proxy.stop()

    return recorder, asyncio.run(go())


def outputs_in(directory: Path) -> Outputs:
    return Outputs(directory / "drift.json", directory / "drift.md", directory / "proposed.yaml")


def read_outputs(outputs: Outputs) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in (outputs.report, outputs.markdown, outputs.propose) if p)


def json_body(value: Any) -> bytes:
    return orjson.dumps(value)


@functools.cache
def spec_named(name: str) -> Spec:
    """A bundled spec, loaded once per test session (tests copy what they change)."""
    return load_api_spec(name)
