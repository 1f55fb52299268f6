"""Hand-written hostile requests (issue 7): each gets a clear 4xx, the server stays up, the next request works.

In process, requests go straight to the ASGI app (no client cleans them up first: a 100 KB query, raw header
values). Bytes no HTTP client sends (raw 0xFF and NUL in the request line, bare CR in headers, smuggling framing)
go over a socket to a real `mock-server serve`.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import pytest
from starlette.testclient import TestClient

from mock_server.app import MockApp
from mock_server.settings import DEFAULT_SPEC_DIR, MAX_BODY_BYTES
from mock_server.specs import Spec, discover_specs, resolve_refs
from tests.conftest import APIKEY, TOKEN
from tests.hardening.server import ServerProcess, http_bytes, raw_request, start_server

LIST = "/printlounge/api/order/"
BEARER = (b"authorization", f"Bearer {TOKEN}".encode())
JSON = (b"content-type", b"application/json")


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def detail(self) -> str:
        problem = json.loads(self.body)
        assert self.headers.get("content-type", "").startswith("application/problem+json"), self.body[:300]
        detail: str = problem["detail"]
        return detail


@dataclass(frozen=True)
class Hostile:
    """One hostile request to the ASGI app and what must come back."""

    method: str
    path: bytes
    query: bytes = b""
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    body: bytes = b""
    status: int = 400
    mentions: str = ""
    """A piece of the problem detail (case-insensitive): the parameter or part that was wrong."""


Headers = list[tuple[bytes, bytes]]


def call_asgi(
    app: MockApp,
    method: str,
    path: bytes,
    query: bytes = b"",
    headers: Headers | None = None,
    body: bytes = b"",
    chunk: int = 65536,
) -> Answer:
    """One request straight to the ASGI app, decoded the way uvicorn decodes it (percent-escapes as UTF-8 with
    replacement), the body in chunks without a Content-Length unless one is given."""
    messages = [
        {"type": "http.request", "body": body[i : i + chunk], "more_body": i + chunk < len(body)}
        for i in range(0, len(body), chunk)
    ] or [{"type": "http.request", "body": b"", "more_body": False}]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": unquote(path.decode("latin-1")),
        "raw_path": path,
        "root_path": "",
        "query_string": query,
        "headers": [(b"host", b"testserver"), *(headers or [])],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    answer_headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in start.get("headers", [])}
    return Answer(start["status"], answer_headers, b"".join(m.get("body", b"") for m in sent[1:]))


DEEP = b"[" * 100_000 + b"]" * 100_000
NESTED_IN_OBJECT = b'{"order_status": 1, "x": ' + b"[" * 1000 + b"]" * 1000 + b"}"
OVERSIZED = b'{"order_status": "1", "x": "' + b"a" * MAX_BODY_BYTES + b'"}'
CASES = {
    "100 KB query value": Hostile("GET", LIST.encode(), b"orderStatus=" + b"1" * 100_000, mentions="orderStatus"),
    "100 KB of unknown parameters": Hostile("GET", LIST.encode(), b"a=1&" * 25_000, mentions="unknown query"),
    "5000-digit integer": Hostile("GET", LIST.encode(), b"limit=" + b"9" * 5000, mentions="limit"),
    "invalid UTF-8 in query": Hostile("GET", LIST.encode(), b"orderStatus=%FF%FE", mentions="orderStatus"),
    "invalid UTF-8 in query name": Hostile("GET", LIST.encode(), b"%FF%FE=1", mentions="unknown query"),
    "bad percent-encoding in query": Hostile("GET", LIST.encode(), b"orderStatus=%zz", mentions="orderStatus"),
    "lone percent in query": Hostile("GET", LIST.encode(), b"orderStatus=%", mentions="orderStatus"),
    "NUL in query": Hostile("GET", LIST.encode(), b"orderStatus=1%00", mentions="orderStatus"),
    "invalid UTF-8 in path": Hostile("GET", b"/printlounge/api/order/%FF%FE", status=404, mentions="record with"),
    "bad percent-encoding in path": Hostile("GET", b"/printlounge/api/cart/%zz", status=404, mentions="record with"),
    "NUL in path": Hostile("GET", b"/printlounge/api/order/A%00B", status=404, mentions="record with"),
    "dot segments in path": Hostile("GET", b"/printlounge/api/cart/../order/X", status=404, mentions="no operation"),
    "dot segments escaping the mount": Hostile(
        "GET", b"/printlounge/../../etc/passwd", status=404, mentions="no operation"
    ),
    "encoded slashes in a path parameter": Hostile(
        "GET", b"/printlounge/api/cart/..%2F..%2Fetc%2Fpasswd", status=404, mentions="no operation"
    ),
    "non-integer id": Hostile(
        "GET", b"/plandocket/api/v1/service-orders/1%2E5", headers=[BEARER], status=404, mentions="path parameter 'id'"
    ),
    "id beyond 64 bits": Hostile(
        "GET",
        b"/plandocket/api/v1/service-orders/" + str(2**70).encode(),
        headers=[BEARER],
        status=400,
        mentions="int64",
    ),
    "body integer beyond 64 bits": Hostile(
        "PATCH",
        b"/printlounge/api/order/X",
        headers=[JSON],
        body=b'{"order_status": 1180591620717411303424}',
        mentions="order_status",
    ),
    "body digits beyond 64 bits": Hostile(
        "PUT",
        b"/printlounge/api/order/X",
        headers=[JSON],
        body=b'{"order_status": "99999999999999999999999"}',
        mentions="order_status",
    ),
    "repeated single-valued parameter": Hostile("GET", LIST.encode(), b"limit=1&limit=2", mentions="limit"),
    "repeated api key": Hostile(
        "GET", b"/eguma/v1/ticketing/orders.json", f"apikey={APIKEY}&apikey=other".encode(), mentions="apikey"
    ),
    "PATCH body over 1 MiB": Hostile(
        "PATCH", b"/printlounge/api/order/X", headers=[JSON], body=OVERSIZED, status=413, mentions="exceeds"
    ),
    "PUT body over 1 MiB, Content-Length given": Hostile(
        "PUT",
        b"/printlounge/api/order/X",
        headers=[JSON, (b"content-length", str(len(OVERSIZED)).encode())],
        body=OVERSIZED,
        status=413,
        mentions="exceeds",
    ),
    "malformed JSON": Hostile(
        "PATCH", b"/printlounge/api/order/X", headers=[JSON], body=b'{"order_status": ', mentions="not valid JSON"
    ),
    "invalid UTF-8 in JSON": Hostile(
        "PATCH",
        b"/printlounge/api/order/X",
        headers=[JSON],
        body=b'{"order_status": "\xff"}',
        mentions="not valid JSON",
    ),
    "100k levels of [": Hostile("PUT", b"/printlounge/api/order/X", headers=[JSON], body=DEEP, mentions="body"),
    "1000 levels inside a valid object": Hostile(
        "PATCH", b"/printlounge/api/order/X", headers=[JSON], body=NESTED_IN_OBJECT, mentions="nested deeper"
    ),
    "JSON array instead of object": Hostile(
        "PATCH", b"/printlounge/api/order/X", headers=[JSON], body=b"[1]", mentions="request body"
    ),
    "text/plain body": Hostile(
        "PATCH",
        b"/printlounge/api/order/X",
        headers=[(b"content-type", b"text/plain")],
        body=b"order_status=1",
        status=415,
        mentions="content-type",
    ),
    "XML body": Hostile(
        "PUT",
        b"/printlounge/api/order/X",
        headers=[(b"content-type", b"application/xml")],
        body=b"<order_status>1</order_status>",
        status=415,
        mentions="content-type",
    ),
    "form body": Hostile(
        "PATCH",
        b"/printlounge/api/order/X",
        headers=[(b"content-type", b"application/x-www-form-urlencoded")],
        body=b"order_status=1",
        status=415,
        mentions="content-type",
    ),
    "multipart body": Hostile(
        "PATCH",
        b"/printlounge/api/order/X",
        headers=[(b"content-type", b"multipart/form-data; boundary=x")],
        body=b"--x\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n--x--\r\n",
        status=415,
        mentions="content-type",
    ),
    "bogus charset": Hostile(
        "PATCH",
        b"/printlounge/api/order/X",
        headers=[(b"content-type", b"application/json; charset=no-such-charset")],
        body=b'{"order_status": "1"}',
        status=404,
        mentions="record with",
    ),
    "malformed Content-Length": Hostile(
        "PATCH",
        b"/printlounge/api/order/X",
        headers=[JSON, (b"content-length", b"abc")],
        body=b'{"order_status": "1"}',
        status=404,
        mentions="record with",
    ),
    "GET with a multipart Content-Type": Hostile(
        "GET",
        b"/printlounge/api/order/X",
        headers=[(b"content-type", b"multipart/form-data")],
        status=404,
        mentions="record with",
    ),
    "unknown method": Hostile("FOO", LIST.encode(), status=405, mentions="allowed: GET"),
    "WebDAV method": Hostile("PROPFIND", b"/printlounge/api/order/X", status=405, mentions="allowed: GET"),
    "DELETE": Hostile("DELETE", b"/printlounge/api/order/X", status=405, mentions="PATCH, PUT"),
    "POST": Hostile("POST", LIST.encode(), headers=[JSON], body=b"{}", status=405, mentions="allowed: GET"),
    "TRACE": Hostile("TRACE", b"/mittwald/v2/orders/", status=405, mentions="allowed: GET"),
    "CRLF in a header value": Hostile(
        "GET", LIST.encode(), headers=[(b"prefer", b"example=x\r\nSet-Cookie: a=1")], mentions="example"
    ),
    "CRLF in a path parameter": Hostile(
        "GET", b"/printlounge/api/order/X%0D%0ASet-Cookie:%20a=1", status=404, mentions="no operation matches"
    ),
    "undocumented Prefer code": Hostile(
        "GET", LIST.encode(), headers=[(b"prefer", b"code=" + b"9" * 40)], mentions="Prefer"
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_hostile_request_gets_clear_4xx_in_process(app: MockApp, client: TestClient, case: Hostile) -> None:
    answer = call_asgi(app, case.method, case.path, case.query, case.headers, case.body)
    assert answer.status == case.status, answer.body[:500]
    assert case.mentions.lower() in answer.detail.lower()
    assert len(answer.body) < 2000, "a problem echoes at most a clipped piece of the input"
    assert "set-cookie" not in answer.headers
    if case.status == 405:
        assert "GET" in answer.headers["allow"]
    assert client.get(LIST, params={"limit": 1}).status_code == 200


@pytest.mark.parametrize(
    ("value", "status"),
    [
        (0, 200),
        ("0", 200),
        ("000000007", 200),
        (2**31 - 1, 200),
        ("999999999", 200),
        (2**31, 400),
        (-1, 400),
        ("1234567890", 400),
        (" 1", 400),
        ("１", 400),
        ("1.0", 400),
        (1.5, 400),
        (True, 400),
        (None, 400),
        ([], 400),
    ],
)
def test_hostile_edge_status_values_on_a_real_order(client: TestClient, app: MockApp, value: Any, status: int) -> None:
    """Bodies at and just past the edges of `order_status`, on an order that exists (so the write path runs)."""
    code = app.runtime.store.collection("printlounge", "orders").records[0]["order_code"]
    response = client.patch(f"/printlounge/api/order/{code}", json={"order_status": value})
    assert response.status_code == status, response.text
    if status == 200:
        assert response.json() == {"order_code": code, "order_status": int(value)}
        assert client.get(f"/printlounge/api/order/{code}").json()["order_status"] == int(value)
    else:
        assert "order_status" in response.json()["detail"]


def test_hostile_admin_limit_with_a_non_ascii_digit_is_400(app: MockApp) -> None:
    answer = call_asgi(app, "GET", b"/__admin/requests", b"limit=%C2%B2")
    assert answer.status == 400


def test_hostile_array_parameter_may_repeat(client: TestClient) -> None:
    response = client.get(
        "/mittwald/v2/orders/?includesStatus=NEW&includesStatus=CONFIRMED", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert response.status_code == 200


def _integer_parameters() -> list[Any]:
    found = []
    for path in discover_specs(DEFAULT_SPEC_DIR):
        spec = Spec.from_file(path)
        for template, _, operation in spec.operations():
            for raw in operation.get("parameters") or []:
                param = resolve_refs(raw, spec.document)
                schema = param.get("schema") or {}
                if param.get("in") == "query" and schema.get("type") == "integer":
                    found.append(
                        pytest.param(spec.name, template, param["name"], schema, id=f"{spec.name}-{param['name']}")
                    )
    return found


@pytest.mark.parametrize(("api", "template", "name", "schema"), _integer_parameters())
def test_hostile_integer_beyond_64_bits_never_fails_the_server(
    app: MockApp, api: str, template: str, name: str, schema: dict[str, Any]
) -> None:
    """2**64 is a 400 naming the parameter wherever the spec bounds it (maximum, int32/int64 format); where the spec
    allows any integer, the answer is the spec's (an empty or full page), never a 5xx."""
    headers = {"plandocket": [BEARER], "mittwald": [BEARER]}.get(api, [])
    query = f"{name}={2**64}" + (f"&apikey={APIKEY}" if api == "eguma" else "")
    answer = call_asgi(app, "GET", f"/{api}{template}".encode(), query.encode(), headers)
    if "maximum" in schema or schema.get("format") in ("int32", "int64"):
        assert answer.status == 400 and name in answer.detail
    else:
        assert answer.status < 500, answer.body[:300]


# --- over a socket, against a real server ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    process = start_server("--api", "printlounge", "--log-level", "info", workdir=tmp_path_factory.mktemp("hostile"))
    try:
        yield process
    finally:
        process.stop()


RAW_CASES = {
    "100 KB query string": (http_bytes(b"GET", LIST.encode() + b"?orderStatus=" + b"1" * 100_000), 400),
    "raw 0xFF in the query": (http_bytes(b"GET", LIST.encode() + b"?orderStatus=\xff\xfe"), 400),
    "raw 0xFF in the path": (http_bytes(b"GET", b"/printlounge/api/order/\xff\xfe"), 400),
    "percent-encoded 0xFF in the path": (http_bytes(b"GET", b"/printlounge/api/order/%FF%FE"), 404),
    "bad percent-encoding in the path": (http_bytes(b"GET", b"/printlounge/api/order/%zz%"), 404),
    "raw NUL in the path": (http_bytes(b"GET", b"/printlounge/api/order/A\x00B"), 400),
    "raw NUL in the query": (http_bytes(b"GET", LIST.encode() + b"?orderStatus=1\x00"), 400),
    "encoded NUL in the path": (http_bytes(b"GET", b"/printlounge/api/order/A%00B"), 404),
    "dot segments": (http_bytes(b"GET", b"/printlounge/api/cart/../../../etc/passwd"), 404),
    "encoded slashes": (http_bytes(b"GET", b"/printlounge/api/cart/..%2F..%2F..%2Fetc%2Fpasswd"), 404),
    "unknown method token": (http_bytes(b"FOO", LIST.encode()), 400),
    "WebDAV method": (http_bytes(b"PROPFIND", LIST.encode()), 405),
    "bare CR in a header (injection)": (http_bytes(b"GET", LIST.encode(), [b"Prefer: x=1\rSet-Cookie: a=1"]), 400),
    "LF-only line in the head (injection)": (http_bytes(b"GET", LIST.encode(), [b"X-A: 1\nSet-Cookie: a=1"]), 400),
    "NUL in a header": (http_bytes(b"GET", LIST.encode(), [b"X-A: 1\x002"]), 400),
    "Content-Length and chunked (smuggling)": (
        http_bytes(
            b"PATCH",
            b"/printlounge/api/order/X",
            [b"Content-Type: application/json", b"Content-Length: 4", b"Transfer-Encoding: chunked"],
            b"2\r\n{}\r\n0\r\n\r\n",
        ),
        400,
    ),
    "malformed Content-Length": (
        http_bytes(
            b"PATCH", b"/printlounge/api/order/X", [b"Content-Type: application/json", b"Content-Length: abc"], b"{}"
        ),
        400,
    ),
    "2 MiB body, Content-Length": (
        http_bytes(
            b"PATCH", b"/printlounge/api/order/X", [b"Content-Type: application/json"], b" " * (2 * MAX_BODY_BYTES)
        ),
        413,
    ),
    "2 MiB body, chunked": (
        http_bytes(
            b"PUT",
            b"/printlounge/api/order/X",
            [b"Content-Type: application/json", b"Transfer-Encoding: chunked"],
            (b"100000\r\n" + b" " * 0x100000 + b"\r\n") * 2 + b"0\r\n\r\n",
        ),
        413,
    ),
    "invalid UTF-8 JSON body": (
        http_bytes(
            b"PATCH", b"/printlounge/api/order/X", [b"Content-Type: application/json"], b'{"order_status": "\xff"}'
        ),
        400,
    ),
    "100k levels of [": (
        http_bytes(b"PATCH", b"/printlounge/api/order/X", [b"Content-Type: application/json"], DEEP),
        400,
    ),
    "TLS handshake on the plain port": (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 64, 400),
}


@pytest.mark.slow
@pytest.mark.parametrize(("data", "status"), RAW_CASES.values(), ids=RAW_CASES.keys())
def test_hostile_bytes_get_clear_4xx_from_real_server(server: ServerProcess, data: bytes, status: int) -> None:
    got, answer = raw_request(server.port, data)
    assert got == status, answer[:300]
    head = answer.split(b"\r\n\r\n", 1)[0].lower()
    assert b"set-cookie" not in head
    assert server.alive()
    normal, _ = raw_request(server.port, http_bytes(b"GET", LIST.encode() + b"?limit=1"))
    assert normal == 200


@pytest.mark.slow
def test_hostile_run_leaves_no_traceback_and_a_full_journal(server: ServerProcess) -> None:
    raw_request(server.port, http_bytes(b"GET", LIST.encode() + b"?orderStatus=%FF"))
    status, answer = raw_request(server.port, http_bytes(b"GET", b"/__admin/requests?limit=1"))
    assert status == 200 and b"orderStatus=%FF" in answer
    assert "Traceback" not in server.output()
    assert "Exception" not in server.output()


def test_hostile_case_list_covers_the_issue() -> None:
    """The issue's list, each item at least once (a guard against silently dropping a case)."""
    names = " ".join([*CASES, *RAW_CASES]).lower()
    for item in (
        "100 kb",
        "utf-8",
        "percent",
        "nul",
        "dot segments",
        "encoded slashes",
        "64 bits",
        "repeated",
        "1 mib",
        "malformed json",
        "levels of [",
        "text/plain",
        "method",
        "injection",
    ):
        assert item in names, item
