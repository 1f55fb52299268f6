"""Schemathesis negative mode and coverage phase against every operation of the in-process mock (issue 7).

Volume: MOCK_SERVER_FUZZ_EXAMPLES generated requests per API (CI sets 2000 in .ci/run); a small default locally.
Schemathesis makes one pytest item per operation, so xdist spreads the operations over both cores. Each item checks
its own share of the volume and hands its counts to the terminal summary (tests/hardening/report.py).
"""

from __future__ import annotations

import json
import math
import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from schemathesis.config import SchemathesisConfig

from mock_server.app import MockApp
from mock_server.settings import DEFAULT_SPEC_DIR
from mock_server.specs import Spec, resolve_refs
from tests.conftest import APIKEY, TOKEN
from tests.hardening.report import FUZZ_PROPERTY

EXAMPLES = int(os.environ.get("MOCK_SERVER_FUZZ_EXAMPLES") or 60)
"""Generated requests per API in the fuzzing phase; the coverage phase adds its boundary cases on top."""
POSITIVE_EXAMPLES = 100
"""At most this many valid-input requests for each operation negative mode can't vary (on top of the volume)."""
SEED = 20260101
CREDENTIALS = {"bearerAuth": {"bearer": TOKEN}, "accessToken": {"api_key": TOKEN}, "apikey": {"api_key": APIKEY}}
"""Credentials by security scheme name; each spec gets the schemes it declares."""
SUBJECTS = {
    401: ("token", "authorization", "apikey", "credential"),
    403: ("scope", "flag"),
    404: ("record with", "path parameter", "no operation matches"),
    405: ("method",),
    413: ("exceeds",),
    415: ("content-type", "content type"),
}
"""What a problem detail must talk about for each rejection status (a 400 must name a parameter or the body)."""


@dataclass(frozen=True)
class Plan:
    """How one API is fuzzed: its schema and the fuzzing-phase volume per negatable operation."""

    schema: Any
    per_operation: int
    negatable: frozenset[str]
    """Labels ("GET /path") of the operations negative mode can vary."""


@dataclass
class ItemCounts:
    """What the running item sent: the API, the status histogram, and whether a check failed."""

    api: str | None = None
    statuses: Counter[int] = field(default_factory=Counter)
    failed: bool = False


def _plan(api: str) -> Plan:
    path = DEFAULT_SPEC_DIR / f"{api}.yaml"
    spec = Spec.from_file(path)
    schemes = (spec.document.get("components") or {}).get("securitySchemes") or {}
    auth = {name: CREDENTIALS[name] for name in schemes if name in CREDENTIALS}
    operations = {f"{method.upper()} {p}": op for p, method, op in spec.operations()}
    negatable = frozenset(label for label, op in operations.items() if _negatable(spec, op))
    per_operation = math.ceil(EXAMPLES / max(1, len(negatable)))
    # Negative mode has nothing to vary in a lookup by an unconstrained string, and Schemathesis would skip the
    # operation, coverage phase included; fuzz those with valid input instead (on top of the volume).
    positive_only = [
        {
            "include-operation-id": op["operationId"],
            "phases": {
                "fuzzing": {"generation": {"mode": "positive", "max-examples": min(POSITIVE_EXAMPLES, per_operation)}}
            },
        }
        for label, op in operations.items()
        if label not in negatable
    ]
    config = SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            **({"auth": {"openapi": auth}} if auth else {}),
            "phases": {
                "examples": {"enabled": False},
                "stateful": {"enabled": False},
                # Boundary values on both sides of every constraint, unexpected methods and repeated parameters.
                "coverage": {
                    "enabled": True,
                    "generate-duplicate-query-parameters": True,
                    "generation": {"mode": "all"},
                },
                "fuzzing": {"enabled": True, "generation": {"mode": "negative", "max-examples": per_operation}},
            },
            "operations": positive_only,
        }
    )
    return Plan(schemathesis.openapi.from_path(path, config=config), per_operation, negatable)


def _negatable(spec: Spec, operation: dict[str, Any]) -> bool:
    """Whether negative mode can generate anything: a body, a query/header parameter or a constrained path one."""
    if operation.get("requestBody"):
        return True
    for raw in operation.get("parameters") or []:
        param = resolve_refs(raw, spec.document)
        schema = param.get("schema") or {}
        if param.get("in") != "path" or schema.get("type") != "string" or set(schema) - {"type", "description"}:
            return True
    return False


PLANS = {api: _plan(api) for api in ("plandocket", "eguma", "printlounge", "mittwald")}
_current = [ItemCounts()]


@pytest.fixture(autouse=True)
def _item_counts(request: pytest.FixtureRequest, app: MockApp) -> Iterator[None]:
    """Counts the item's requests, reports them and checks the volume (autouse: Hypothesis only objects to
    function-scoped fixtures the test function takes)."""
    counts = _current[0] = ItemCounts()
    yield
    if counts.api is None:
        return
    operation = request.node.name.partition("[")[2].rstrip("]")
    request.node.user_properties.append(
        (FUZZ_PROPERTY, {"api": counts.api, "operation": operation, "statuses": dict(counts.statuses)})
    )
    app.runtime.store.reset()  # fuzzed PUT/PATCH bodies changed orders of the shared app
    app.runtime.journal.clear()
    plan = PLANS[counts.api]
    if not counts.failed and operation in plan.negatable:
        sent = sum(counts.statuses.values())
        assert sent >= plan.per_operation, f"{operation}: {sent} requests, wanted {plan.per_operation}"
        assert counts.statuses[401] < sent, f"{operation}: every request was refused as unauthorized; auth setup?"


def _send(app: MockApp, api: str, case: schemathesis.Case) -> None:
    """Call the in-process mock; no 5xx, and every rejection a problem whose detail names what was wrong."""
    counts = _current[0]
    counts.api = api
    response = case.call(app=app, base_url=f"http://testserver/{api}")
    counts.statuses[response.status_code] += 1
    try:
        _check(case, response)
    except AssertionError:
        counts.failed = True
        raise


def _check(case: schemathesis.Case, response: Any) -> None:
    status = response.status_code
    where = f"{case.method} {case.formatted_path} query={case.query!r} -> {status} {response.text[:500]}"
    assert status < 500, where
    if status < 400:
        return
    assert _header(response, "content-type").startswith("application/problem+json"), where
    body = _json(response.text)
    detail = body.get("detail") if isinstance(body, dict) else None
    assert isinstance(detail, str) and detail.strip(), f"problem without a detail: {where}"
    if status == 400:
        names = {p.name for p in case.operation.iter_parameters()} | set(case.query or {}) | {"body"}
        named = [n for n in names if n.lower() in detail.lower() or repr(n) in detail]
        assert named, f"400 detail names no parameter: {where}"
    else:
        assert any(s in detail.lower() for s in SUBJECTS.get(status, ())), f"vague {status} detail: {where}"
    if status == 405:
        assert _header(response, "allow"), f"405 without an Allow header: {where}"


def _header(response: Any, name: str) -> str:
    values = next((v for k, v in response.headers.items() if k.lower() == name), [])
    return str(values[0]) if values else ""


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


@pytest.mark.fuzz
@PLANS["plandocket"].schema.parametrize()
def test_fuzz_plandocket_rejects_bad_input_with_named_4xx(case: schemathesis.Case, app: MockApp) -> None:
    _send(app, "plandocket", case)


@pytest.mark.fuzz
@PLANS["eguma"].schema.parametrize()
def test_fuzz_eguma_rejects_bad_input_with_named_4xx(case: schemathesis.Case, app: MockApp) -> None:
    _send(app, "eguma", case)


@pytest.mark.fuzz
@PLANS["printlounge"].schema.parametrize()
def test_fuzz_printlounge_rejects_bad_input_with_named_4xx(case: schemathesis.Case, app: MockApp) -> None:
    _send(app, "printlounge", case)


@pytest.mark.fuzz
@PLANS["mittwald"].schema.parametrize()
def test_fuzz_mittwald_rejects_bad_input_with_named_4xx(case: schemathesis.Case, app: MockApp) -> None:
    _send(app, "mittwald", case)
