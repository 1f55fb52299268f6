"""Schemathesis negative mode and coverage phase against every operation of the in-process mock (issue 7).

Volume: MOCK_SERVER_FUZZ_EXAMPLES generated requests per API (CI sets 2000 in .ci/run); a small default locally.
Each API's tests share an xdist group, so `-n 2 --dist loadgroup` spreads the four APIs over both cores, and each
API ends with a volume test that checks and reports its counts (printed by tests/hardening/conftest.py).
"""

from __future__ import annotations

import json
import math
import os
from collections import Counter
from typing import Any

import pytest
import schemathesis
from schemathesis.config import SchemathesisConfig

from mock_server.app import MockApp
from mock_server.settings import DEFAULT_SPEC_DIR
from mock_server.specs import Spec, resolve_refs
from tests.conftest import APIKEY, TOKEN
from tests.hardening.conftest import FUZZ_PROPERTY

EXAMPLES = int(os.environ.get("MOCK_SERVER_FUZZ_EXAMPLES") or 60)
"""Generated requests per API in the fuzzing phase; the coverage phase adds its boundary cases on top."""
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
STATUSES: dict[str, Counter[int]] = {}
"""Status histogram per API, filled by the fuzz tests of this worker and read by the volume tests."""


def _schema(api: str) -> Any:
    path = DEFAULT_SPEC_DIR / f"{api}.yaml"
    spec = Spec.from_file(path)
    schemes = (spec.document.get("components") or {}).get("securitySchemes") or {}
    operations = [op for _, _, op in spec.operations()]
    per_operation = math.ceil(EXAMPLES / max(1, sum(_negatable(spec, op) for op in operations)))
    # Negative mode has nothing to vary in a lookup by an unconstrained string, and Schemathesis would skip the
    # operation, coverage phase included; fuzz those with valid input instead (on top of the volume).
    positive_only = [{"include-operation-id": op["operationId"],
                      "phases": {"fuzzing": {"generation": {"mode": "positive", "max-examples": per_operation}}}}
                     for op in operations if not _negatable(spec, op)]
    auth = {name: CREDENTIALS[name] for name in schemes if name in CREDENTIALS}
    config = SchemathesisConfig.from_dict({
        "seed": SEED,
        **({"auth": {"openapi": auth}} if auth else {}),
        "phases": {
            "examples": {"enabled": False},
            "stateful": {"enabled": False},
            # Boundary values on both sides of every constraint, unexpected methods and repeated parameters.
            "coverage": {"enabled": True, "generate-duplicate-query-parameters": True, "generation": {"mode": "all"}},
            "fuzzing": {"enabled": True, "generation": {"mode": "negative", "max-examples": per_operation}},
        },
        "operations": positive_only,
    })
    return schemathesis.openapi.from_path(path, config=config)


def _negatable(spec: Spec, operation: dict[str, Any]) -> bool:
    """Whether negative mode can generate anything for an operation: Schemathesis skips one whose only input is an
    unconstrained string path parameter (printlounge's lookups by order code)."""
    if operation.get("requestBody"):
        return True
    for raw in operation.get("parameters") or []:
        param = resolve_refs(raw, spec.document)
        schema = param.get("schema") or {}
        if param.get("in") != "path" or set(schema) - {"type", "description", "example"} or schema.get("type") != "string":
            return True
    return False


def _send(app: MockApp, api: str, case: schemathesis.Case) -> None:
    """Call the in-process mock; no 5xx, and every rejection a problem whose detail names what was wrong."""
    response = case.call(app=app, base_url=f"http://testserver/{api}")
    status = response.status_code
    STATUSES.setdefault(api, Counter())[status] += 1
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


def _check_volume(api: str, record_property: Any) -> None:
    statuses = STATUSES.get(api)
    if not statuses:
        pytest.skip(f"the {api} fuzz test did not run in this process")
    record_property(FUZZ_PROPERTY, {"api": api, "requests": sum(statuses.values()), "statuses": dict(statuses)})
    assert sum(statuses.values()) >= EXAMPLES
    assert not [s for s in statuses if s >= 500]
    assert any(200 <= s < 300 for s in statuses), f"no {api} request was accepted: is auth set up? {statuses}"


def _header(response: Any, name: str) -> str:
    values = next((v for k, v in response.headers.items() if k.lower() == name), [])
    return str(values[0]) if values else ""


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


plandocket = _schema("plandocket")
eguma = _schema("eguma")
printlounge = _schema("printlounge")
mittwald = _schema("mittwald")


@pytest.mark.fuzz
@pytest.mark.xdist_group("fuzz-plandocket")
@plandocket.parametrize()
def test_fuzz_plandocket_rejects_bad_input_with_named_4xx(case: schemathesis.Case, app: MockApp) -> None:
    _send(app, "plandocket", case)


@pytest.mark.fuzz
@pytest.mark.xdist_group("fuzz-plandocket")
def test_fuzz_plandocket_volume_reached(record_property: Any) -> None:
    _check_volume("plandocket", record_property)


@pytest.mark.fuzz
@pytest.mark.xdist_group("fuzz-eguma")
@eguma.parametrize()
def test_fuzz_eguma_rejects_bad_input_with_named_4xx(case: schemathesis.Case, app: MockApp) -> None:
    _send(app, "eguma", case)


@pytest.mark.fuzz
@pytest.mark.xdist_group("fuzz-eguma")
def test_fuzz_eguma_volume_reached(record_property: Any) -> None:
    _check_volume("eguma", record_property)


@pytest.mark.fuzz
@pytest.mark.xdist_group("fuzz-printlounge")
@printlounge.parametrize()
def test_fuzz_printlounge_rejects_bad_input_with_named_4xx(case: schemathesis.Case, app: MockApp) -> None:
    _send(app, "printlounge", case)


@pytest.mark.fuzz
@pytest.mark.xdist_group("fuzz-printlounge")
def test_fuzz_printlounge_volume_reached(record_property: Any, app: MockApp) -> None:
    app.runtime.store.reset()  # the fuzzed PUT/PATCH bodies changed orders of the shared app
    _check_volume("printlounge", record_property)


@pytest.mark.fuzz
@pytest.mark.xdist_group("fuzz-mittwald")
@mittwald.parametrize()
def test_fuzz_mittwald_rejects_bad_input_with_named_4xx(case: schemathesis.Case, app: MockApp) -> None:
    _send(app, "mittwald", case)


@pytest.mark.fuzz
@pytest.mark.xdist_group("fuzz-mittwald")
def test_fuzz_mittwald_volume_reached(record_property: Any) -> None:
    _check_volume("mittwald", record_property)
