"""Small vendor look-alike HTTP servers on 127.0.0.1, conforming or with one planted contract violation.

Each server answers with the examples of its spec (so a conforming server is right by construction) and checks
credentials like the vendor. A `Violation` changes exactly one thing about one response.
"""

from __future__ import annotations

import copy
import json
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import yaml

SPEC_DIR = Path(__file__).resolve().parents[2] / "specs"
TOKEN = "planted-token-5f1e9c"
APIKEY = "planted-apikey-77ab3d"


class Violation(StrEnum):
    """One typical way a vendor drifts from its spec."""

    NONE = "none"
    WRONG_TYPE = "wrong_type"  # plandocket: `total` is a string
    MISSING_FIELD = "missing_field"  # eguma: `order_number` left out
    OUTSIDE_ENUM = "outside_enum"  # mittwald: `status` is "PENDING"
    MISSING_HEADER = "missing_header"  # mittwald: no X-Pagination-TotalCount
    WRONG_HEADER = "wrong_header"  # mittwald: X-Pagination-Limit is "all"
    SERVER_ERROR = "server_error"  # printlounge: 500 when the list gets `statusPaid`; plandocket: with `event_key`
    WRONG_CONTENT_TYPE = "wrong_content_type"  # printlounge: order status served as text/html
    FORBIDDEN_NULL = "forbidden_null"  # eguma: `currency` is null
    IGNORED_AUTH = "ignored_auth"  # plandocket: any token or none is accepted
    ANY_CREDENTIAL = "any_credential"  # plandocket: no token is a 401, but any token at all is accepted


@dataclass(frozen=True, slots=True)
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"


Handler = Callable[[Request, dict[str, str]], Reply]


def _spec(name: str) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((SPEC_DIR / f"{name}.yaml").read_text(encoding="utf-8"))
    return document


def _example(document: dict[str, Any], path: str, method: str = "get") -> Any:
    content = document["paths"][path][method]["responses"]["200"]["content"]["application/json"]
    return copy.deepcopy(content["examples"]["default"]["value"])


def _problem(status: int, title: str) -> Reply:
    return Reply(
        status, {"type": "about:blank", "title": title, "status": status}, content_type="application/problem+json"
    )


NOT_FOUND = _problem(404, "Not Found")
UNAUTHORIZED = _problem(401, "Unauthorized")


class Vendor:
    """Routes of one vendor: (method, path regex) -> handler; credentials are checked first."""

    name: str
    methods: dict[str, tuple[str, ...]]  # spec path -> declared methods

    def __init__(self, violation: Violation, echo: bool = False) -> None:
        self.violation = violation
        self.echo = echo  # copy the credentials received into a string field (a careless vendor's debug aid)
        self.token, self.apikey = TOKEN, APIKEY  # the credentials it accepts
        self.document = _spec(self.name)
        self.routes: list[tuple[re.Pattern[str], str, Handler]] = []

    def bearer_ok(self, request: Request) -> bool:
        return request.headers.get("authorization") == f"Bearer {self.token}"

    def route(self, path: str, method: str, handler: Handler) -> None:
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(path))
        self.routes.append((re.compile(regex + r"\Z"), method.upper(), handler))

    def authorized(self, request: Request) -> bool:
        return True

    def dispatch(self, request: Request) -> Reply:
        matched = [(m, method, h) for regex, method, h in self.routes if (m := regex.match(request.path))]
        if not matched:
            return NOT_FOUND
        allowed = sorted({method for _, method, _ in matched} | {"OPTIONS"})
        if request.method == "OPTIONS":
            return Reply(204, None, {"Allow": ", ".join(allowed)})
        for match, method, handler in matched:
            if method == request.method:
                if not self.authorized(request):
                    return UNAUTHORIZED
                return handler(request, match.groupdict())
        return Reply(405, {"title": "Method Not Allowed"}, {"Allow": ", ".join(allowed)})


class PlanDocket(Vendor):
    name = "plandocket"

    def __init__(self, violation: Violation, echo: bool = False) -> None:
        super().__init__(violation, echo)
        self.orders = _example(self.document, "/api/v1/service-orders")["data"]
        if violation is Violation.WRONG_TYPE:
            for order in self.orders:
                order["total"] = f"{order['total']:.2f}"
        self.route("/api/v1/service-orders", "GET", self.list)
        self.route("/api/v1/service-orders/{id}", "GET", self.detail)

    def authorized(self, request: Request) -> bool:
        if self.violation is Violation.ANY_CREDENTIAL:
            return request.headers.get("authorization", "").startswith("Bearer ")
        return self.violation is Violation.IGNORED_AUTH or self.bearer_ok(request)

    def list(self, request: Request, params: dict[str, str]) -> Reply:
        if self.violation is Violation.SERVER_ERROR and "event_key" in request.query:
            return Reply(500, {"error": "event lookup failed"})
        orders = self.orders
        if self.echo:
            orders = [{**o, "notes": request.headers.get("authorization", "")} for o in orders]
        return Reply(200, {"data": orders, "meta": {"request_id": "req_1"}})

    def detail(self, request: Request, params: dict[str, str]) -> Reply:
        found = [o for o in self.orders if str(o["id"]) == params["id"]]
        return Reply(200, {"data": found[0], "meta": {"request_id": "req_2"}}) if found else NOT_FOUND


class Eguma(Vendor):
    name = "eguma"

    def __init__(self, violation: Violation, echo: bool = False) -> None:
        super().__init__(violation, echo)
        self.orders = _example(self.document, "/v1/ticketing/orders.json")
        for order in self.orders:
            if violation is Violation.MISSING_FIELD:
                del order["order_number"]
            if violation is Violation.FORBIDDEN_NULL:
                order["currency"] = None
        self.route("/v1/ticketing/orders.json", "GET", self.list)

    def authorized(self, request: Request) -> bool:
        return request.query.get("apikey") == [self.apikey]

    def list(self, request: Request, params: dict[str, str]) -> Reply:
        if self.echo:
            return Reply(200, [{**o, "note": f"apikey={request.query['apikey'][0]}"} for o in self.orders])
        return Reply(200, self.orders)


class Mittwald(Vendor):
    name = "mittwald"

    def __init__(self, violation: Violation, echo: bool = False) -> None:
        super().__init__(violation, echo)
        self.orders = _example(self.document, "/v2/orders/")
        if violation is Violation.OUTSIDE_ENUM:
            self.orders[0]["status"] = "PENDING"
        self.route("/v2/orders/", "GET", self.list)

    def authorized(self, request: Request) -> bool:
        return self.bearer_ok(request) or request.headers.get("x-access-token") == self.token

    def list(self, request: Request, params: dict[str, str]) -> Reply:
        limit = int(request.query.get("limit", ["1000"])[-1])
        skip = int(request.query.get("skip", ["0"])[-1])
        if "page" in request.query:
            skip = (int(request.query["page"][-1]) - 1) * limit
        page = self.orders[skip : skip + limit]
        headers = {
            "X-Pagination-Limit": str(limit),
            "X-Pagination-Skip": str(skip),
            "X-Pagination-Page": str(skip // limit + 1),
            "X-Pagination-TotalCount": str(len(self.orders)),
        }
        if self.violation is Violation.MISSING_HEADER:
            del headers["X-Pagination-TotalCount"]
        if self.violation is Violation.WRONG_HEADER:
            headers["X-Pagination-Limit"] = "all"
        return Reply(200, page, headers)


class Printlounge(Vendor):
    name = "printlounge"

    def __init__(self, violation: Violation, echo: bool = False) -> None:
        super().__init__(violation, echo)
        self.orders = _example(self.document, "/api/order/")
        self.cart = _example(self.document, "/api/cart/{orderCode}")
        self.status = {o["orderCode"]: o["orderStatus"] for o in self.orders}
        self.route("/api/order/", "GET", self.list)
        self.route("/api/cart/{orderCode}", "GET", self.get_cart)
        self.route("/api/order/{orderCode}", "GET", self.get_status)
        self.route("/api/order/{orderCode}", "PUT", self.set_status)
        self.route("/api/order/{orderCode}", "PATCH", self.set_status)

    def list(self, request: Request, params: dict[str, str]) -> Reply:
        if self.violation is Violation.SERVER_ERROR and "statusPaid" in request.query:
            return Reply(500, "Internal Server Error", content_type="text/plain")
        limit = int(request.query.get("limit", ["20"])[-1])
        return Reply(200, self.orders[:limit])

    def get_cart(self, request: Request, params: dict[str, str]) -> Reply:
        code = params["orderCode"]
        if code not in self.status:
            return NOT_FOUND
        return Reply(200, {**self.cart, "order_code": code, "order_status": self.status[code]})

    def get_status(self, request: Request, params: dict[str, str]) -> Reply:
        code = params["orderCode"]
        if code not in self.status:
            return NOT_FOUND
        body = {"order_code": code, "order_status": self.status[code]}
        if self.violation is Violation.WRONG_CONTENT_TYPE:
            return Reply(200, body, content_type="text/html")
        return Reply(200, body)

    def set_status(self, request: Request, params: dict[str, str]) -> Reply:
        code = params["orderCode"]
        try:
            value = int(json.loads(request.body)["order_status"])
        except (ValueError, KeyError, TypeError):
            return _problem(400, "Bad Request")
        if code not in self.status:
            return NOT_FOUND
        if not 0 <= value < 2**31:
            return _problem(400, "Bad Request")
        self.status[code] = value
        return Reply(200, {"order_code": code, "order_status": value})


VENDORS: dict[str, type[Vendor]] = {v.name: v for v in (PlanDocket, Eguma, Mittwald, Printlounge)}


@dataclass
class RunningServer:
    """A vendor server bound to a free loopback port; `methods` records every request method received."""

    base_url: str
    methods: list[str]


@contextmanager
def serve_vendor(
    api: str,
    violation: Violation = Violation.NONE,
    prefix: str = "",
    echo: bool = False,
    token: str = TOKEN,
    apikey: str = APIKEY,
) -> Iterator[RunningServer]:
    """Serve one vendor on 127.0.0.1 at `prefix` (e.g. "/shop") until the block ends, accepting these credentials."""
    vendor = VENDORS[api](violation, echo)
    vendor.token, vendor.apikey = token, apikey
    methods: list[str] = []
    lock = threading.Lock()

    class _Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out in separate writes

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def _handle(self) -> None:
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            with lock:
                methods.append(self.command)
            path = url.path
            reply = NOT_FOUND
            if path.startswith(prefix):
                request = Request(
                    method=self.command,
                    path=path[len(prefix) :],
                    query=parse_qs(url.query, keep_blank_values=True),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body,
                )
                with lock:
                    reply = vendor.dispatch(request)
            payload = (
                b""
                if reply.body is None
                else (reply.body.encode() if isinstance(reply.body, str) else json.dumps(reply.body).encode())
            )
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            if payload:
                self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        do_GET = do_HEAD = do_OPTIONS = do_PUT = do_PATCH = do_POST = do_DELETE = do_TRACE = _handle

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield RunningServer(base_url=f"http://127.0.0.1:{server.server_port}{prefix}", methods=methods)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
