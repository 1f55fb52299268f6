"""Every spec against the in-process mock (and against the real endpoint when its variables are set).

The mock answers only the credentials of this module, so Schemathesis' auth check passes for the right reason, and
each test asserts that requests got through: an all-401 run proves nothing and Schemathesis would let it pass.
Real endpoints: set MOCK_SERVER_<API>_URL plus MOCK_SERVER_<API>_TOKEN (plandocket, mittwald) or
MOCK_SERVER_<API>_APIKEY (eguma); those runs are read-only and send only data the spec allows.
"""

from __future__ import annotations

import copy
import logging
import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from mock_server.app import MockApp, create_app
from mock_server.auth import ApiAuth, AuthConfig
from mock_server.cli import main
from mock_server.contract.options import READ_ONLY_METHODS, ContractOptions, Credentials
from mock_server.contract.runner import find_spec, schemathesis_config, security_schemes
from mock_server.settings import Settings

APIS = ("plandocket", "eguma", "printlounge", "mittwald")
CREDENTIALS = Credentials(token="contract-suite-token", apikey="contract-suite-apikey")
MAX_EXAMPLES = 10
SEED = 20260101
AUTH_REJECTIONS = {401, 403}


def _mock_app() -> MockApp:
    restricted = ApiAuth(credentials=frozenset(CREDENTIALS.values()))
    # response validation off: Schemathesis judges the responses (connexion would turn a bad body into a 500)
    return create_app(
        Settings.for_tests(validate_responses=False, auth=AuthConfig(apis=dict.fromkeys(APIS, restricted)))
    )


def _config(options: ContractOptions, base_url: str, credentials: Credentials) -> SchemathesisConfig:
    return SchemathesisConfig.from_dict(schemathesis_config(options, find_spec(options), credentials, base_url))


APP = _mock_app()
MOCK = schemathesis.pytest.parametrize(
    **{
        api: schemathesis.openapi.from_asgi(
            f"/{api}/openapi.json",
            APP,
            config=_config(
                ContractOptions(api=api, max_examples=MAX_EXAMPLES, seed=SEED),
                f"http://127.0.0.1:8000/{api}",
                CREDENTIALS,
            ),
        )
        for api in APIS
    }
)


@pytest.fixture
def answers() -> Iterator[dict[str, Counter[int]]]:
    """Status codes per operation; after the test, every operation must have got past authentication, and each
    one that needs no record id must have had a 2xx answer."""
    seen: dict[str, Counter[int]] = {}
    yield seen
    assert seen, "no request was sent"
    for label, counts in seen.items():
        assert not set(counts) <= AUTH_REJECTIONS, f"{label}: every answer was an auth rejection {dict(counts)}"
        if "{" not in label:
            assert any(200 <= status < 300 for status in counts), f"{label}: no 2xx answer among {dict(counts)}"


def _call_and_validate(case: schemathesis.Case, answers: dict[str, Counter[int]], **kwargs: Any) -> None:
    response = case.call(**kwargs)
    answers.setdefault(case.operation.label, Counter())[response.status_code] += 1
    case.validate_response(response)


@pytest.mark.contract
@MOCK
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
def test_mock_conforms_to_spec(case: schemathesis.Case, answers: dict[str, Counter[int]]) -> None:
    _call_and_validate(case, answers)


def _response_links() -> list[Any]:
    """One param (api, source operationId, target operationId, parameters) per link whose values come from the
    response body (links that need the request, e.g. PATCH -> GET, are left to the stateful phase)."""
    found = []
    for api in APIS:
        for _, _, operation in find_spec(ContractOptions(api=api)).operations():
            for response in (operation.get("responses") or {}).values():
                for name, link in (response.get("links") or {}).items():
                    parameters = link.get("parameters") or {}
                    if all(str(v).startswith("$response.body#") for v in parameters.values()):
                        source, target = operation["operationId"], link["operationId"]
                        found.append(pytest.param(api, source, target, parameters, id=f"{api}-{name}"))
    return found


@pytest.mark.contract
@pytest.mark.parametrize(("api", "source", "target", "parameters"), _response_links())
def test_mock_follows_spec_links(api: str, source: str, target: str, parameters: dict[str, str]) -> None:
    # Deterministic stateful check: a record the list shows is served by the linked operation, and both answers
    # conform. (Random ids rarely hit a fixture record, and the spec examples' ids are not fixture ids.)
    schema = schemathesis.openapi.from_asgi(
        f"/{api}/openapi.json",
        APP,
        config=_config(ContractOptions(api=api, seed=SEED), f"http://127.0.0.1:8000/{api}", CREDENTIALS),
    )
    headers, query = _sent_credentials(api)
    listing = schema.find_operation_by_id(source).Case(headers=headers, query=query)
    listed = listing.call()
    listing.validate_response(listed)
    assert listed.status_code == 200, listed.text
    body = listed.json()
    values = {name: _pointer(body, expression.partition("#")[2]) for name, expression in parameters.items()}
    follow = schema.find_operation_by_id(target).Case(path_parameters=values, headers=headers, query=query)
    followed = follow.call()
    follow.validate_response(followed)
    assert followed.status_code == 200, followed.text


def _sent_credentials(api: str) -> tuple[dict[str, str], dict[str, str]]:
    """Headers and query parameters carrying this module's credentials (hand-built cases get no configured auth)."""
    headers: dict[str, str] = {}
    query: dict[str, str] = {}
    for scheme in security_schemes(find_spec(ContractOptions(api=api))).values():
        entry = CREDENTIALS.for_scheme(scheme) or {}
        if "bearer" in entry:
            headers["Authorization"] = f"Bearer {entry['bearer']}"
        elif "api_key" in entry:
            (query if scheme.get("in") == "query" else headers)[scheme["name"]] = entry["api_key"]
    return headers, query


def _pointer(document: Any, pointer: str) -> Any:
    for part in pointer.strip("/").split("/"):
        document = document[int(part)] if isinstance(document, list) else document[part]
    return document


@pytest.mark.contract
@pytest.mark.parametrize("api", APIS)
def test_contract_command_checks_mock(capsys: pytest.CaptureFixture[str], api: str) -> None:
    code = main(["contract", api, "--max-examples", str(MAX_EXAMPLES), "--seed", str(SEED)])
    out, err = capsys.readouterr()
    assert code == 0, out + err
    assert err == ""  # no progress display when stderr is not a terminal
    assert out.splitlines()[-1].startswith(f"contract {api}: ")
    assert out.splitlines()[-1].endswith(" 0 failures")


@pytest.mark.contract
def test_contract_mock_run_masks_planted_credentials(
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    planted = "planted-eguma-apikey-0c9f"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MOCK_SERVER_EGUMA_APIKEY", planted)
    caplog.set_level(logging.DEBUG)  # the mock's access log and connexion's then show every request
    code = main(["contract", "eguma", "--max-examples", "3", "--seed", str(SEED), "--junit", "junit.xml"])
    out, err = capsys.readouterr()
    assert code == 0, out + err
    assert "apikey=" in caplog.text  # the requests were logged...
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert [p.name for p in files] == ["junit.xml"]  # nothing else is written
    written = [p.read_text(encoding="utf-8", errors="replace") for p in files]
    assert not any(planted in text for text in (out, err, caplog.text, *written))  # ...with the key masked


def _credential_variable(api: str) -> str | None:
    """The variable holding the credential an API needs: a token for bearer schemes, else an api key."""
    schemes = security_schemes(find_spec(ContractOptions(api=api)))
    kinds = {str(s.get("type", "")).lower() for s in schemes.values()}
    if "http" in kinds:
        return f"MOCK_SERVER_{api.upper()}_TOKEN"
    if "apikey" in kinds:
        return f"MOCK_SERVER_{api.upper()}_APIKEY"
    return None


def _real_schema(api: str) -> Any:
    """The spec aimed at MOCK_SERVER_<API>_URL, read-only and with positive data; None unless configured."""
    if _missing_variables(api):
        return None
    credentials = Credentials.resolve(api, None, None, os.environ)
    base_url = os.environ[f"MOCK_SERVER_{api.upper()}_URL"].rstrip("/")
    options = ContractOptions(api=api, base_url=base_url, credentials=credentials, max_examples=MAX_EXAMPLES)
    schema = schemathesis.openapi.from_dict(
        copy.deepcopy(find_spec(options).document), config=_config(options, base_url, credentials)
    )
    return schema.include(method=list(READ_ONLY_METHODS))


def _missing_variables(api: str) -> list[str]:
    secret = _credential_variable(api)
    needed = [f"MOCK_SERVER_{api.upper()}_URL", *([secret] if secret else [])]
    return [name for name in needed if not os.environ.get(name)]


# Built at import (no request is sent then); schemathesis' lazy from_fixture loader breaks on pytest 9 (_nodeid).
REAL = {api: schema for api in APIS if (schema := _real_schema(api)) is not None}

if REAL:

    @pytest.mark.contract
    @schemathesis.pytest.parametrize(**REAL)
    @settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
    def test_real_endpoint_conforms_to_spec(case: schemathesis.Case, answers: dict[str, Counter[int]]) -> None:
        _call_and_validate(case, answers, timeout=30)


@pytest.mark.contract
@pytest.mark.parametrize("api", [api for api in APIS if api not in REAL])
def test_real_endpoint_is_configured(api: str) -> None:
    pytest.skip(f"set {' and '.join(_missing_variables(api))} to check the real {api} endpoint")
