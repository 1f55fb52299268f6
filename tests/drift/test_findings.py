"""Each finding kind against a stand-in upstream that deviates from one of our specs in exactly that way.

For every kind: the finding's fields, merging of two identical exchanges, no credential or raw value in any output
file, and the proposed spec passes `mock-server validate` and silences the finding (no error or warning on the same
traffic).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from mock_server.drift.check import SEVERITY
from mock_server.drift.operations import load_api_spec
from mock_server.drift.propose import proposed_spec
from mock_server.drift.proxy import Outputs
from mock_server.drift.recorder import DriftRecorder
from mock_server.drift.report import Finding
from mock_server.lint import validate_spec_file
from tests.drift.stand_in import (
    APIKEY,
    COOKIE,
    SECRETS,
    TOKEN,
    Request,
    StandIn,
    example,
    json_body,
    outputs_in,
    read_outputs,
    run_proxy,
    spec_named,
)

EGUMA_PATH = "/v1/ticketing/orders.json"
EGUMA_URL = f"/eguma{EGUMA_PATH}?apikey={APIKEY}&last_name=Thomet"
EGUMA_HEADERS = {"Authorization": f"Bearer {TOKEN}", "Cookie": f"session={COOKIE}"}
MITTWALD_PATH = "/v2/orders/"
MITTWALD_HEADERS = {"x-access-token": TOKEN}
PAGINATION = [
    ("content-type", "application/json"),
    ("X-Pagination-Limit", "1000"),
    ("X-Pagination-Skip", "0"),
    ("X-Pagination-Page", "1"),
    ("X-Pagination-TotalCount", "1"),
]


@dataclass(frozen=True)
class Case:
    kind: str
    api: str
    upstream: Callable[[], StandIn]
    expected: dict[str, Any]
    url: str = EGUMA_URL
    headers: dict[str, str] = field(default_factory=lambda: dict(EGUMA_HEADERS))
    raw: tuple[str, ...] = ()
    """Values the upstream sent that must appear in no output file."""


def _eguma(change: Callable[[list[Any]], None], status: int = 200, headers: list[tuple[str, str]] | None = None):
    def build() -> StandIn:
        body = example(spec_named("eguma"), EGUMA_PATH)
        change(body)
        return StandIn(status, json_body(body), headers or [("content-type", "application/json")])

    return build


def _mittwald(change: Callable[[list[Any]], None], headers: list[tuple[str, str]]):
    def build() -> StandIn:
        body = example(spec_named("mittwald"), MITTWALD_PATH)
        change(body)
        return StandIn(200, json_body(body), headers)

    return build


def _set(pointer: str, value: Any) -> Callable[[Any], None]:
    def change(body: Any) -> None:
        *parents, last = pointer.strip("/").split("/")
        node = body
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        node[last] = value

    return change


def _delete(pointer: str) -> Callable[[Any], None]:
    def change(body: Any) -> None:
        *parents, last = pointer.strip("/").split("/")
        node = body
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        del node[last]

    return change


def _each_order(change: Callable[[dict[str, Any]], None]) -> Callable[[list[Any]], None]:
    def apply(body: list[Any]) -> None:
        for order in body:
            change(order)

    return apply


CASES = [
    Case(
        "undocumented_property",
        "eguma",
        _eguma(_set("/0/loyalty_code", "RAW-loyalty-7781")),
        {"location": "/*/loyalty_code", "observed": ["string"], "expected": "not documented"},
        raw=("RAW-loyalty-7781",),
    ),
    Case(
        "missing_required",
        "eguma",
        _eguma(_delete("/0/currency")),
        {"location": "/*/currency", "observed": ["absent"], "expected": "required", "example": None},
    ),
    Case(
        "type_mismatch",
        "eguma",
        _eguma(_set("/0/discount_in_cents", "RAW-10.00")),
        {"location": "/*/discount_in_cents", "observed": ["string"], "expected": "type integer"},
        raw=("RAW-10.00",),
    ),
    Case(
        "type_mismatch",
        "eguma",
        _eguma(_set("/0/customer/phone", None)),
        {"location": "/*/customer/phone", "observed": ["null"], "expected": "type string"},
    ),
    Case(
        "enum_value",
        "eguma",
        _eguma(_set("/0/status", "refunded")),
        {"location": "/*/status", "observed": ["refunded"], "expected": "enum [completed, cancelled]"},
    ),
    Case(
        "format_mismatch",
        "eguma",
        _eguma(_set("/0/customer/email", "RAW-not-an-address")),
        {"location": "/*/customer/email", "observed": ["string"], "expected": "format email"},
        raw=("RAW-not-an-address",),
    ),
    Case(
        "format_mismatch",
        "eguma",
        _eguma(_set("/0/created_at", "2020-08-14T14:57:06+02:00")),
        {
            "location": "/*/created_at",
            "observed": ["string"],
            "expected": "pattern ^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}$",
        },
        raw=("2020-08-14T14:57:06+02:00",),
    ),
    Case(
        "undeclared_status",
        "eguma",
        lambda: StandIn(429, json_body({"message": "RAW-slow-down-detail", "retry": 3})),
        {"location": "", "observed": [429], "expected": "statuses 200, 400, 401, 403", "status": 429},
        raw=("RAW-slow-down-detail",),
    ),
    Case(
        "undeclared_content_type",
        "eguma",
        lambda: StandIn(200, b"id;name\nRAW-csv-line;x\n", [("content-type", "text/csv; charset=utf-8")]),
        {"location": "", "observed": ["text/csv"], "expected": "application/json"},
        raw=("RAW-csv-line",),
    ),
    Case(
        "missing_header",
        "mittwald",
        _mittwald(lambda body: None, [h for h in PAGINATION if h[0] != "X-Pagination-TotalCount"]),
        {"location": "header:X-Pagination-TotalCount", "observed": ["absent"], "expected": "required"},
        url="/mittwald/v2/orders/?limit=10",
        headers=dict(MITTWALD_HEADERS),
    ),
    Case(
        "undocumented_header",
        "eguma",
        _eguma(lambda body: None, headers=[("content-type", "application/json"), ("X-RateLimit-Remaining", "RAW-99")]),
        {"location": "header:x-ratelimit-remaining", "observed": ["string"], "expected": "not documented"},
        raw=("RAW-99",),
    ),
    Case(
        "never_seen",
        "mittwald",
        _mittwald(_each_order(lambda order: order.pop("dueDate", None)), PAGINATION),
        {"location": "/*/dueDate", "observed": ["absent from 2 response(s)"], "expected": "optional, documented"},
        url="/mittwald/v2/orders/",
        headers=dict(MITTWALD_HEADERS),
    ),
    Case(
        "unmatched_path",
        "eguma",
        lambda: StandIn(404, json_body({"error": "RAW-no-such-route"})),
        {"location": "", "observed": ["GET"], "operation": "", "path": "/v9/tickets/{id}", "status": 404},
        url=f"/eguma/v9/tickets/123?apikey={APIKEY}",
        raw=("RAW-no-such-route",),
    ),
]


def _find(findings: list[Finding], case: Case) -> Finding:
    matches = [f for f in findings if f.kind == case.kind and f.location == case.expected["location"]]
    assert len(matches) == 1, [(f.kind, f.location) for f in findings]
    return matches[0]


@pytest.mark.parametrize("case", CASES, ids=[f"{c.kind}-{c.expected['location'] or 'response'}" for c in CASES])
def test_finding_kind(case: Case, tmp_path: Path) -> None:
    spec = spec_named(case.api)
    upstream = case.upstream()
    outputs = outputs_in(tmp_path)
    requests = [Request("GET", case.url, case.headers)] * 2
    recorder, responses = run_proxy(spec, upstream, requests, outputs=outputs)

    finding = _find(recorder.report().findings, case)
    operations = {"eguma": ("listTicketOrders", EGUMA_PATH), "mittwald": ("order-list-orders", MITTWALD_PATH)}
    operation, path = operations[case.api]
    wanted = {
        "operation": operation,
        "method": "GET",
        "path": path,
        "status": upstream.status,
        "count": 2,
        **case.expected,
    }
    got = finding.to_json()
    assert {k: got[k] for k in wanted} == wanted
    severity = {"missing_required": "error", "type_mismatch": "error", "missing_header": "error"}
    severity |= dict.fromkeys(
        ("enum_value", "format_mismatch", "undeclared_status", "undeclared_content_type"), "warning"
    )
    assert finding.severity == severity.get(case.kind, "info")
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", finding.first_seen)
    assert finding.first_seen <= finding.last_seen
    if finding.example is not None:
        assert set(finding.example) == {"type", "hash"}
        assert re.fullmatch(r"sha256:[0-9a-f]{8}", finding.example["hash"])
    # every exchange went upstream with its credentials, and came back with the number of findings it showed
    assert len(upstream.received) == 2
    assert all(int(r.headers["x-mock-server-drift"]) >= 1 for r in responses if case.kind != "never_seen")

    written = read_outputs(outputs)
    assert case.kind in written
    for secret in (*SECRETS, *case.raw):
        assert secret not in written

    proposed = outputs.propose
    assert proposed is not None
    assert validate_spec_file(proposed) == []
    again, _ = run_proxy(load_api_spec(str(proposed)), case.upstream(), requests)
    left = [(f.kind, f.location) for f in again.report().findings]
    assert [(kind, location) for kind, location in left if SEVERITY[kind] != "info"] == []
    if case.kind not in ("never_seen", "unmatched_path"):  # what was seen is now documented; those two stay infos
        assert (case.kind, case.expected["location"]) not in left


def test_credentials_go_upstream_unchanged() -> None:
    spec = spec_named("eguma")
    upstream = _eguma(lambda body: None)()
    run_proxy(spec, upstream, [Request("GET", EGUMA_URL, EGUMA_HEADERS)])
    received = upstream.received[0]
    assert received["path"] == f"/base{EGUMA_PATH}"
    assert received["query"] == f"apikey={APIKEY}&last_name=Thomet"
    assert received["headers"]["authorization"] == f"Bearer {TOKEN}"
    assert received["headers"]["cookie"] == f"session={COOKIE}"


def test_keep_examples_keeps_values_but_masks_personal_data_and_credentials(tmp_path: Path) -> None:
    spec = spec_named("eguma")

    def deviate(body: list[Any]) -> None:
        body[0]["contact"] = "Call +41 79 123 45 67 or anna@example.ch"
        body[0]["iban"] = "CH93 0076 2011 6238 5295 7"
        body[0]["card"] = "4111 1111 1111 1111"
        body[0]["session"] = "sk_live_AbCdEf1234567890XyZ"
        body[0]["echo"] = f"key={APIKEY}"
        body[0]["seats"] = "Row 7, seat 12"

    outputs = outputs_in(tmp_path)
    recorder, _ = run_proxy(
        spec, _eguma(deviate)(), [Request("GET", EGUMA_URL, EGUMA_HEADERS)], outputs=outputs, keep_examples=True
    )
    examples = {f.location: f.example for f in recorder.report().findings if f.kind == "undocumented_property"}
    assert examples["/*/contact"]["value"] == "Call [Filtered] or [Filtered]"
    assert examples["/*/iban"]["value"] == "[Filtered]"
    assert examples["/*/card"]["value"] == "[Filtered]"
    assert examples["/*/session"]["value"] == "[Filtered]"
    assert examples["/*/echo"]["value"] == "key=[Filtered]"
    assert examples["/*/seats"]["value"] == "Row 7, seat 12"  # nothing else is garbled
    written = read_outputs(outputs)
    for raw in ("anna@example.ch", "123 45 67", "6238 5295", "4111 1111", "AbCdEf1234567890", APIKEY):
        assert raw not in written


def test_examples_correlate_without_the_value() -> None:
    spec = spec_named("eguma")

    def deviate(body: list[Any]) -> None:
        body[0]["code_a"] = "same-value"
        body[0]["code_b"] = "same-value"
        body[0]["code_c"] = "other-value"

    recorder, _ = run_proxy(spec, _eguma(deviate)(), [Request("GET", EGUMA_URL, EGUMA_HEADERS)])
    hashes = {f.location: f.example["hash"] for f in recorder.report().findings if f.example}
    assert hashes["/*/code_a"] == hashes["/*/code_b"] != hashes["/*/code_c"]


def test_findings_merge_per_kind_location_and_operation() -> None:
    spec = spec_named("eguma")

    def deviate(body: list[Any]) -> None:
        for order in body:
            order["status"] = "refunded"
        body.append({**body[0], "status": "on_hold"})

    recorder, responses = run_proxy(spec, _eguma(deviate)(), [Request("GET", EGUMA_URL, EGUMA_HEADERS)] * 3)
    enum = [f for f in recorder.report().findings if f.kind == "enum_value"]
    assert len(enum) == 1
    assert enum[0].count == 6  # two orders per response, three responses
    assert enum[0].observed == ("refunded", "on_hold")
    assert [r.headers["x-mock-server-drift"] for r in responses] == ["2", "2", "2"]


def test_printlounge_map_entries_and_integer_enum(tmp_path: Path) -> None:
    """printlounge's cartItems is a map keyed by position: its entries are `*`, and a new item type is an enum value."""
    spec = spec_named("printlounge")
    cart = spec.resolved["paths"]["/api/cart/{orderCode}"]["get"]["responses"]["200"]["content"]["application/json"]
    body = cart["examples"]["default"]["value"]
    first = next(iter(body["cartItems"]))
    body["cartItems"][first]["type"] = 55
    upstream = StandIn(200, json_body(body))
    outputs = outputs_in(tmp_path)
    recorder, _ = run_proxy(spec, upstream, [Request("GET", "/printlounge/api/cart/MY4720")], outputs=outputs)
    (finding,) = [f for f in recorder.report().findings if f.severity != "info"]
    assert (finding.kind, finding.location, finding.observed, finding.operation) == (
        "enum_value",
        "/cartItems/*/type",
        (55,),
        "getCart",
    )
    assert outputs.propose is not None and validate_spec_file(outputs.propose) == []
    again, _ = run_proxy(
        load_api_spec(str(outputs.propose)), upstream, [Request("GET", "/printlounge/api/cart/MY4720")]
    )
    assert [f for f in again.report().findings if f.severity != "info"] == []


def test_proposed_spec_keeps_comments_and_key_order(tmp_path: Path) -> None:
    spec = spec_named("eguma")
    outputs = Outputs(propose=tmp_path / "eguma.yaml")
    run_proxy(
        spec, _eguma(_set("/0/status", "refunded"))(), [Request("GET", EGUMA_URL, EGUMA_HEADERS)], outputs=outputs
    )
    original = spec.path.read_text(encoding="utf-8").splitlines()
    proposed = (tmp_path / "eguma.yaml").read_text(encoding="utf-8").splitlines()
    comment = "        # No sort order or sort parameter is documented: oldest-modified first is our choice."
    assert comment in original and comment in proposed
    added = [line for line in proposed if line not in original]
    removed = [line for line in original if line not in proposed]
    assert removed == ["          enum: [completed, cancelled]", "          x-mock-weights: [92, 8]"]
    assert added[:2] == ["          enum: [completed, cancelled, refunded]", "          x-mock-weights: [92, 8, 1]"]
    assert "          x-observed:" in added


def _mutate(value: Any) -> Any:
    """Every object: one member nulled, a number turned into a string, a string changed, one member left out, and a
    new member; recursively."""
    if isinstance(value, list):
        return [_mutate(v) for v in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for i, (name, member) in enumerate(value.items()):
        if i % 5 == 1:
            out[name] = None
        elif i % 5 == 2 and isinstance(member, (int, float)) and not isinstance(member, bool):
            out[name] = f"{member}x"
        elif i % 5 == 3 and isinstance(member, str):
            out[name] = f"{member}-new"
        elif i % 5 != 4:
            out[name] = _mutate(member)
    out["drift_extra"] = {"n": 1, "when": "2026-01-01T00:00:00Z"}
    return out


@pytest.mark.parametrize("api", ["eguma", "mittwald", "plandocket", "printlounge"])
def test_proposal_silences_many_deviations_at_once(api: str, tmp_path: Path) -> None:
    """Every response example of the spec, mutated in every object, as traffic: the proposal validates and makes the
    same traffic give no error or warning."""
    spec = spec_named(api)
    traffic = []
    for path, item in spec.resolved["paths"].items():
        for method, operation in item.items():
            for status, response in (operation.get("responses") or {}).items() if isinstance(operation, dict) else ():
                for media_type, media in (response.get("content") or {}).items():
                    for named in (media.get("examples") or {}).values():
                        body = json_body(_mutate(named["value"]))
                        traffic.append((method, path, int(status), {"content-type": media_type}, body))
    recorder = DriftRecorder(spec)
    for method, path, status, headers, body in traffic:
        recorder.observe(method, path, status, headers, body, template=path)
    assert len([f for f in recorder.report().findings if f.severity == "error"]) > 5
    proposed = tmp_path / f"{api}.yaml"
    proposed.write_text(proposed_spec(spec.path, recorder.entries), encoding="utf-8")
    assert [str(p) for p in validate_spec_file(proposed)] == []
    again = DriftRecorder(load_api_spec(str(proposed)))
    for method, path, status, headers, body in traffic:
        again.observe(method, path, status, headers, body, template=path)
    assert [(f.kind, f.location) for f in again.report().findings if f.severity != "info"] == []


def test_a_json_spec_gets_a_json_proposal(tmp_path: Path) -> None:
    source = tmp_path / "eguma.json"
    source.write_bytes(json_body(spec_named("eguma").document))
    spec = load_api_spec(str(source))
    outputs = Outputs(propose=tmp_path / "proposed.json")
    upstream = _eguma(_set("/0/status", "refunded"))()
    run_proxy(spec, upstream, [Request("GET", EGUMA_URL, EGUMA_HEADERS)], outputs=outputs)
    assert outputs.propose is not None
    proposed = json.loads(outputs.propose.read_text(encoding="utf-8"))
    status = proposed["components"]["schemas"]["Order"]["properties"]["status"]
    assert status["enum"] == ["completed", "cancelled", "refunded"]
    assert validate_spec_file(outputs.propose) == []


def test_a_credential_echoed_as_a_member_name_appears_nowhere(tmp_path: Path) -> None:
    def deviate(body: list[Any]) -> None:
        body[0][APIKEY] = {"granted": True}

    outputs = outputs_in(tmp_path)
    recorder, _ = run_proxy(spec_named("eguma"), _eguma(deviate)(), [Request("GET", EGUMA_URL)], outputs=outputs)
    assert [f.location for f in recorder.report().findings] == ["/*/[Filtered]"]
    assert APIKEY not in read_outputs(outputs)


def test_a_shared_schema_widened_at_two_places_gets_one_anyof(tmp_path: Path) -> None:
    """e-guma's Tag schema is used by order and order line tags: a number in one, a boolean in the other."""

    def deviate(body: list[Any]) -> None:
        body[0]["tags"] = [7]
        body[0]["order_lines"][0]["tags"] = [True]

    outputs = Outputs(propose=tmp_path / "eguma.yaml")
    upstream = _eguma(deviate)()
    run_proxy(spec_named("eguma"), upstream, [Request("GET", EGUMA_URL)], outputs=outputs)
    assert outputs.propose is not None
    tag = load_api_spec(str(outputs.propose)).document["components"]["schemas"]["Tag"]
    assert [branch.get("type") for branch in tag["anyOf"]] == ["string", "integer", "boolean"]
    assert validate_spec_file(outputs.propose) == []
    again, _ = run_proxy(load_api_spec(str(outputs.propose)), upstream, [Request("GET", EGUMA_URL)])
    assert [f for f in again.report().findings if f.severity != "info"] == []
