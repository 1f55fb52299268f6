"""Every spec against the in-process mock (and against the real endpoint when its variables are set).

The mock answers only the credentials of this module, so Schemathesis' auth check passes for the right reason, and
each test asserts that requests got through: an all-401 run proves nothing and Schemathesis would let it pass.
Real endpoints: set MOCK_SERVER_<API>_URL plus MOCK_SERVER_<API>_TOKEN (plandocket, mittwald) or
MOCK_SERVER_<API>_APIKEY (eguma); those runs are read-only and send only data the spec allows.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from mock_server.app import MockApp, create_app
from mock_server.auth import ApiAuth, AuthConfig
from mock_server.cli import main
from mock_server.contract.options import READ_ONLY_METHODS, ContractOptions, Credentials
from mock_server.contract.runner import find_spec, schemathesis_config
from mock_server.settings import Settings

APIS = ("plandocket", "eguma", "printlounge", "mittwald")
CREDENTIALS = Credentials(token="contract-suite-token", apikey="contract-suite-apikey")
MAX_EXAMPLES = 10
SEED = 20260101
AUTH_REJECTIONS = {401, 403}


def _mock_app() -> MockApp:
    restricted = ApiAuth(credentials=frozenset(CREDENTIALS.values()))
    # response validation off: Schemathesis judges the responses (connexion would turn a bad body into a 500)
    return create_app(Settings.for_tests(validate_responses=False,
                                         auth=AuthConfig(apis=dict.fromkeys(APIS, restricted))))


def _config(options: ContractOptions, base_url: str, credentials: Credentials) -> SchemathesisConfig:
    return SchemathesisConfig.from_dict(schemathesis_config(options, find_spec(options), credentials, base_url))


APP = _mock_app()
MOCK = schemathesis.pytest.parametrize(**{
    api: schemathesis.openapi.from_asgi(
        f"/{api}/openapi.json", APP,
        config=_config(ContractOptions(api=api, max_examples=MAX_EXAMPLES, seed=SEED), f"http://127.0.0.1:8000/{api}",
                       CREDENTIALS))
    for api in APIS
})


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


@pytest.mark.contract
@pytest.mark.parametrize("api", ["plandocket", "printlounge"])  # the specs with OpenAPI links
def test_mock_conforms_through_links(api: str) -> None:
    schema = schemathesis.openapi.from_asgi(
        f"/{api}/openapi.json", APP,
        config=_config(ContractOptions(api=api, seed=SEED), f"http://127.0.0.1:8000/{api}", CREDENTIALS))
    machine = schema.as_state_machine()
    seen: Counter[int] = Counter()

    class Machine(machine):  # type: ignore[misc,valid-type]
        def after_call(self, response: Any, case: schemathesis.Case) -> None:
            seen[response.status_code] += 1

    machine_settings = settings(max_examples=5, stateful_step_count=4, deadline=None,
                                suppress_health_check=list(HealthCheck))
    Machine.run(settings=machine_settings)
    assert any(200 <= status < 300 for status in seen), dict(seen)


@pytest.mark.contract
@pytest.mark.parametrize("api", APIS)
def test_contract_command_checks_mock(capsys: pytest.CaptureFixture[str], api: str) -> None:
    code = main(["contract", api, "--max-examples", "5", "--seed", str(SEED)])
    out, err = capsys.readouterr()
    assert code == 0, out + err
    assert out.splitlines()[-1].startswith(f"contract {api}: ")
    assert out.splitlines()[-1].endswith(" 0 failures")


def _credential_variable(api: str) -> str | None:
    """The variable holding the credential an API needs: a token for bearer schemes, else an api key."""
    spec = find_spec(ContractOptions(api=api))
    schemes = (spec.document.get("components") or {}).get("securitySchemes") or {}
    kinds = {str(s.get("type", "")).lower() for s in schemes.values()}
    if "http" in kinds:
        return f"MOCK_SERVER_{api.upper()}_TOKEN"
    if "apikey" in kinds:
        return f"MOCK_SERVER_{api.upper()}_APIKEY"
    return None


@pytest.fixture(params=APIS)
def real_schema(request: pytest.FixtureRequest) -> Any:
    """The spec aimed at MOCK_SERVER_<API>_URL: read-only, positive data; skipped unless the variables are set."""
    api: str = request.param
    url, secret = f"MOCK_SERVER_{api.upper()}_URL", _credential_variable(api)
    needed = [url, *([secret] if secret else [])]
    if not all(os.environ.get(name) for name in needed):
        pytest.skip(f"set {' and '.join(needed)} to check the real {api} endpoint")
    credentials = Credentials.resolve(api, None, None, os.environ)
    options = ContractOptions(api=api, base_url=os.environ[url].rstrip("/"), credentials=credentials,
                              max_examples=MAX_EXAMPLES)
    assert options.base_url is not None
    config = _config(options, options.base_url, credentials)
    schema = schemathesis.openapi.from_dict(find_spec(options).document, config=config)
    return schema.include(method=list(READ_ONLY_METHODS))


REAL = schemathesis.pytest.from_fixture("real_schema")


@pytest.mark.contract
@REAL.parametrize()
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
def test_real_endpoint_conforms_to_spec(case: schemathesis.Case, answers: dict[str, Counter[int]]) -> None:
    _call_and_validate(case, answers, timeout=30)
