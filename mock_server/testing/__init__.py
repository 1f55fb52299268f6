"""This module contains MockServer: a real mock-server on 127.0.0.1 and a free port, run in a background thread,
and the handle tests drive it with (url, reset, seed, records, requests, client, fault).

The pytest plugin (mock_server.pytest_plugin) starts one per test session; other harnesses can too:

    with MockServer.start(Settings()) as server:
        server.seed("eguma", "orders", [order])
        httpx.get(server.url("eguma") + "/v1/ticketing/orders.json", params={"apikey": "k"})
"""

from __future__ import annotations

import socket
import threading
import time
from typing import TYPE_CHECKING, Any

from mock_server.testing.exchanges import Exchange, Exchanges, explain, refusals

if TYPE_CHECKING:
    import httpx
    import uvicorn

    from mock_server.app import Runtime
    from mock_server.settings import Settings

__all__ = ["Exchange", "Exchanges", "MockServer", "explain", "refusals"]
START_TIMEOUT_S = 30.0


class MockServer:
    """A running mock and the test-facing handle to it. The handle talks to the server over HTTP (the admin API),
    so it sees exactly what clients see."""

    def __init__(self, server: uvicorn.Server, thread: threading.Thread, runtime: Runtime) -> None:
        self._server = server
        self._thread = thread
        self.runtime = runtime
        self.exchanges = Exchanges(runtime)
        host, port = server.servers[0].sockets[0].getsockname()[:2]
        self.origin = f"http://{host}:{port}"
        import httpx

        # a mock on loopback: a proxy from HTTP_PROXY & co. must not sit in between
        self._admin = httpx.Client(base_url=self.origin, timeout=30.0, trust_env=False)
        self._clients: list[httpx.Client] = []

    @classmethod
    def start(cls, settings: Settings) -> MockServer:
        """Load everything (MockServerError on a bad spec or fixture), bind 127.0.0.1 on a free port and serve in a
        daemon thread; returns once the server accepts connections."""
        import uvicorn

        from mock_server.app import build_runtime, create_app

        runtime = build_runtime(settings)
        app = create_app(settings, runtime)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="auto")
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="mock-server", daemon=True)
        thread.start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                sock.close()
                raise RuntimeError("the mock server did not start (see the log above)")
            time.sleep(0.01)
        return cls(server, thread, runtime)

    def stop(self) -> None:
        for client in self._clients:
            client.close()
        self._admin.close()
        self._server.should_exit = True
        self._thread.join(timeout=10)

    def __enter__(self) -> MockServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- the handle ------------------------------------------------------------------------------------------------
    def url(self, api: str) -> str:
        """The API's base URL, e.g. http://127.0.0.1:54321/eguma (no trailing slash)."""
        self._api(api)
        return self.origin + self.runtime.base_path(api)

    def reset(self) -> None:
        """Back to the configured data (writes and seeds dropped), journal and recorded requests empty."""
        self._call("POST", "/__admin/reset")
        self._call("DELETE", "/__admin/requests")

    def seed(self, api: str, resource: str, records: list[dict[str, Any]], *, replace: bool = True) -> None:
        """Put records into a resource: replace=True replaces its records, False adds them and replaces those with
        the same key. ValueError naming the record's index and JSON pointer when one is invalid (nothing changed)."""
        self._call("PUT" if replace else "POST", self._resource_path(api, resource), json=records)

    def records(self, api: str, resource: str) -> list[dict[str, Any]]:
        """The resource's current records, writes included."""
        records: list[dict[str, Any]] = self._call("GET", self._resource_path(api, resource)).json()
        return records

    def requests(self, api: str | None = None) -> list[dict[str, Any]]:
        """What clients sent, oldest first: method, path, query (dict of lists), headers (credentials masked), body
        (parsed JSON, text or None), status, operation_id, and detail (the mock's message for a 4xx)."""
        if api is not None:
            self._api(api)
        return [e.as_dict() for e in self.settled_exchanges(api)]

    def settled_exchanges(self, api: str | None = None) -> list[Exchange]:
        """The journal as Exchange values, read after a round trip to the server: a request whose answer the client
        already has is journaled once its handler returns, in the server's thread."""
        self._call("GET", "/__admin/requests", params={"limit": 0})
        return self.exchanges.read(api)

    def client(self, api: str, **kwargs: Any) -> httpx.Client:
        """An httpx.Client bound to url(api) (closed when the server stops; no proxy from the environment unless
        trust_env=True); kwargs go to httpx.Client."""
        import httpx

        kwargs.setdefault("trust_env", False)
        client = httpx.Client(base_url=self.url(api), **kwargs)
        self._clients.append(client)
        return client

    def fault(
        self,
        api: str,
        kind: str,
        *,
        operation: str | None = None,
        rate: float = 1.0,
        times: int | None = None,
        seed: int | None = None,
    ) -> dict[str, Any]:
        """Add a fault rule (POST /__admin/faults): `kind` is reset, close, timeout, truncate, malformed, slow or
        code=NNN; `operation` an operationId; `times` only the next N matching requests. reset() removes it.
        ValueError naming the field when the rule is invalid."""
        self._api(api)
        rule: dict[str, Any] = {"api": api, "kind": kind, "operation": operation, "rate": rate, "times": times}
        if seed is not None:
            rule["seed"] = seed
        created: dict[str, Any] = self._call("POST", "/__admin/faults", json=rule).json()["faults"][0]
        return created

    # --- helpers ---------------------------------------------------------------------------------------------------
    def _api(self, api: str) -> None:
        if api not in self.runtime.models:
            raise ValueError(f"unknown API {api!r}; mounted: {', '.join(self.runtime.models)}")

    def _resource_path(self, api: str, resource: str) -> str:
        self._api(api)
        return f"/__admin/apis/{api}/resources/{resource}"

    def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        response = self._admin.request(method, path, **kwargs)
        if response.status_code >= 400:
            try:
                detail = response.json().get("detail")
            except ValueError:
                detail = response.text
            raise ValueError(f"{method} {path}: {detail}")
        return response
