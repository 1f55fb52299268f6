"""The pieces of `mock-server contract` that need no server: credentials, configuration, masking, report forms."""

from __future__ import annotations

import re
import shlex
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from schemathesis.config import SchemathesisConfig
from schemathesis.core.output.sanitization import is_sensitive_key

from mock_server.cli import main
from mock_server.contract.curl import SentRequest, curl_command
from mock_server.contract.options import ContractOptions, Credentials, parse_headers, shell_references
from mock_server.contract.report import Failure, Report, render_text, write_junit, write_junit_placeholder
from mock_server.contract.runner import find_spec, schemathesis_config, secured_operations
from mock_server.errors import SettingsError

BEARER = {"type": "http", "scheme": "bearer"}
QUERY_KEY = {"type": "apiKey", "in": "query", "name": "apikey"}


def test_credentials_resolve_prefers_flags_then_env() -> None:
    env = {"MOCK_SERVER_EGUMA_TOKEN": "env-token", "MOCK_SERVER_EGUMA_APIKEY": "env-key"}
    assert Credentials.resolve("eguma", None, "flag-key", env) == Credentials(token="env-token", apikey="flag-key")
    assert Credentials.resolve("mittwald", None, None, env) == Credentials()


def test_credentials_for_scheme_fills_bearer_and_apikey() -> None:
    both = Credentials(token="t", apikey="k")
    assert both.for_scheme(BEARER) == {"bearer": "t"}
    assert both.for_scheme(QUERY_KEY) == {"api_key": "k"}
    assert Credentials(token="t").for_scheme(QUERY_KEY) == {"api_key": "t"}  # mittwald's x-access-token
    assert Credentials().for_scheme(BEARER) is None


def test_options_secrets_cover_secret_headers_and_bearer_values() -> None:
    options = ContractOptions(
        api="plandocket",
        base_url="https://user:p%40ss@example.test",
        credentials=Credentials(token="tok"),
        headers={"Authorization": "Bearer hdr", "X-Trace": "visible"},
    )
    assert set(options.secrets()) >= {"tok", "Bearer hdr", "hdr", "p@ss"}
    assert "visible" not in options.secrets()


def test_parse_headers_rejects_a_header_without_colon() -> None:
    assert parse_headers(["X-One: 1", "X-Two:2"]) == {"X-One": "1", "X-Two": "2"}
    with pytest.raises(SettingsError):
        parse_headers(["Authorization Bearer x"])


def test_schemathesis_config_of_real_server_is_positive_and_read_only() -> None:
    options = ContractOptions(api="plandocket", base_url="http://127.0.0.1:9", credentials=Credentials(token="t"))
    raw = schemathesis_config(options, find_spec(options), options.credentials, "http://127.0.0.1:9")
    assert raw["generation"]["mode"] == "positive"
    assert raw["phases"]["coverage"]["unexpected-methods"] == ["OPTIONS"]
    assert raw["auth"] == {"openapi": {"bearerAuth": {"bearer": "t"}}}
    SchemathesisConfig.from_dict(raw)  # valid for Schemathesis


def test_schemathesis_config_of_mock_sends_both_modes_and_all_methods() -> None:
    options = ContractOptions(api="printlounge")
    raw = schemathesis_config(options, find_spec(options), Credentials(), "http://127.0.0.1:8000/printlounge")
    assert raw["generation"]["mode"] == "all"
    assert raw["phases"] == {}
    assert "auth" not in raw


def test_schemathesis_config_masks_credentials_only() -> None:
    options = ContractOptions(api="eguma")
    sanitization = schemathesis_config(options, find_spec(options), Credentials(), "http://x")["output"]["sanitization"]

    def masked(name: str) -> bool:
        return is_sensitive_key(name, sanitization["keys-to-sanitize"], sanitization["sensitive-markers"])

    assert all(masked(n) for n in ("Authorization", "x-access-token", "apikey", "X-Admin-Token", "token"))
    assert not any(masked(n) for n in ("event_key", "auth_micropayment", "order_number", "keyword"))


def test_secured_operations_follow_the_specs() -> None:
    assert secured_operations(find_spec(ContractOptions(api="printlounge"))) == frozenset()
    assert secured_operations(find_spec(ContractOptions(api="eguma"))) == {"GET /v1/ticketing/orders.json"}


REPORT = Report(
    api="printlounge",
    target="http://127.0.0.1:9",
    mode="positive",
    operations=("GET /api/order/", "GET /api/order/{orderCode}"),
    requests=42,
    failures=(
        Failure(
            operation="GET /api/order/{orderCode}",
            title="Undocumented Content-Type",
            message="Received: text/html",
            severity="medium",
            check="content_type_conformance",
            code="ST105",
            expected="Content-Type application/json",
            got="Content-Type text/html",
            curl="curl -X GET http://127.0.0.1:9/api/order/MY4720",
        ),
    ),
    seed=7,
    status_counts={200: 40, 404: 2},
)


def test_render_text_lists_check_expected_got_curl_then_counts() -> None:
    text = render_text(REPORT)
    assert "GET /api/order/{orderCode}\n  content_type_conformance: Undocumented Content-Type [ST105]\n" in text
    assert "    expected: Content-Type application/json\n    got:      Content-Type text/html\n" in text
    assert "      curl -X GET http://127.0.0.1:9/api/order/MY4720\n" in text
    assert "--seed 7" in text
    assert text.splitlines()[-1] == "contract printlounge: 2 operations, 42 requests, 1 failure"
    assert REPORT.exit_code == 1


def test_write_junit_has_a_case_per_operation(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "junit.xml"
    write_junit(REPORT, path)
    suite = ET.parse(path).getroot()
    assert (suite.get("tests"), suite.get("failures")) == ("2", "1")
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    assert set(cases) == set(REPORT.operations)
    failure = cases["GET /api/order/{orderCode}"].find("failure")
    assert failure is not None and failure.get("type") == "content_type_conformance"
    assert "curl -X GET" in (failure.text or "")


def test_unreachable_report_exits_2_with_one_line() -> None:
    report = Report(api="eguma", target="x", mode="positive", operations=(), requests=0, unreachable="cannot reach x")
    assert report.exit_code == 2
    assert render_text(report) == "contract eguma: cannot reach x\n"


BAD_INPUTS = [
    (["plandocket", "--junit", "/proc/x.xml"], "--junit /proc/x.xml: cannot write the report"),
    (["plandocket", "--junit", "{tmp}"], "cannot write the report: Is a directory"),
    (["plandocket", "--spec-dir", "{tmp}/missing"], "missing: no such directory"),
    (["plandocket", "--spec-dir", "{tmp}/file.txt"], "file.txt: not a directory"),
    (["plandocket", "--spec-dir", "{tmp}/empty"], "unknown API 'plandocket'; known: none"),
    (["bad", "--spec-dir", "{tmp}/broken"], "bad.yaml: /: not valid YAML/JSON"),
    (["nope"], "unknown API 'nope'; known: eguma, mittwald, plandocket, printlounge"),
    (["{tmp}/nope.yaml"], "no such spec file"),
    (["eguma", "--base-url", "ftp://example.test"], "--base-url must be an absolute http(s) URL"),
    (["eguma", "--header", "Authorization Bearer x"], "--header must look like 'Name: value'"),
]


@pytest.mark.parametrize(("argv", "reason"), BAD_INPUTS, ids=[" ".join(a) for a, _ in BAD_INPUTS])
def test_contract_bad_input_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: list[str], reason: str
) -> None:
    (tmp_path / "file.txt").write_text("x", encoding="utf-8")
    (tmp_path / "empty").mkdir()
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "bad.yaml").write_text("openapi: [\n", encoding="utf-8")
    code = main(["contract", *(arg.replace("{tmp}", str(tmp_path)) for arg in argv)])
    out, err = capsys.readouterr()
    assert code == 2, out + err
    assert out == ""
    assert len(err.splitlines()) == 1 and reason in err, err
    assert "Traceback" not in err


def test_contract_unknown_api_leaves_no_report(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["contract", "nope", "--junit", str(tmp_path / "junit.xml")]) == 2
    assert not (tmp_path / "junit.xml").exists()


INTERRUPTED = Report(
    api="plandocket",
    target="in-process mock",
    mode="all",
    operations=("GET /api/v1/service-orders", "GET /api/v1/service-orders/{id}"),
    requests=12,
    phases=("examples",),
    operations_run=("GET /api/v1/service-orders",),
    interrupted="SIGTERM",
)


def test_interrupted_report_exits_143_and_its_junit_is_no_pass(tmp_path: Path) -> None:
    assert INTERRUPTED.exit_code == 143
    assert render_text(INTERRUPTED).splitlines()[-1] == (
        "contract plandocket: interrupted by SIGTERM after 12 requests to 1 of 2 operations (phases started: "
        "examples); the run is incomplete, 0 failures so far"
    )
    write_junit(INTERRUPTED, tmp_path / "junit.xml")
    suite = ET.parse(tmp_path / "junit.xml").getroot()
    assert (suite.get("errors"), suite.get("skipped")) == ("1", "1")
    assert suite.find("testcase[@name='GET /api/v1/service-orders/{id}']/skipped") is not None


def test_junit_placeholder_is_an_error_until_the_run_finishes(tmp_path: Path) -> None:
    path = tmp_path / "junit.xml"
    write_junit_placeholder("plandocket", path)
    suite = ET.parse(path).getroot()
    assert suite.get("errors") == "1" and suite.find("testcase/error") is not None
    write_junit(REPORT, path)
    assert ET.parse(path).getroot().get("errors") == "0"
    assert [p.name for p in tmp_path.iterdir()] == ["junit.xml"]  # no scratch file left beside it


@pytest.mark.contract
def test_progress_on_a_terminal_shows_phases_and_operations() -> None:
    import io

    from rich.console import Console

    from mock_server.contract.progress import RunProgress
    from mock_server.contract.runner import run_contract

    screen = io.StringIO()
    options = ContractOptions(api="printlounge", max_examples=2, seed=3)
    report = run_contract(options, progress=lambda n: RunProgress(n, Console(file=screen, force_terminal=True)))
    assert report.exit_code == 0
    drawn = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", screen.getvalue())  # the text without terminal control codes
    for phase in ("examples", "coverage", "fuzzing"):
        assert phase in drawn
    assert any(label in drawn for label in report.operations), drawn[-2000:]
    assert f"{len(report.operations)}/{len(report.operations)}" in drawn  # operations done out of all
    assert "probing" not in drawn  # Schemathesis' preparation is no phase of the user's
    assert RunProgress.for_stream(3, io.StringIO()) is None  # not a terminal: nothing is drawn


REFERENCES = {"t": "$MOCK_SERVER_MITTWALD_TOKEN", "k/y+z": "$MOCK_SERVER_EGUMA_APIKEY", "hdr": "<the --header X value>"}


@pytest.mark.parametrize(
    ("request_", "curl"),
    [
        (
            SentRequest("GET", "http://127.0.0.1:8000/mittwald/v2/orders/", {"Authorization": "Bearer t"}),
            'curl -X GET -H "Authorization: Bearer $MOCK_SERVER_MITTWALD_TOKEN" http://127.0.0.1:8000/mittwald/v2/orders/',
        ),
        (  # a secret URL encoding changes goes to --url-query, which curl encodes itself
            SentRequest("GET", "http://h/eguma/orders.json?apikey=k%2Fy%2Bz&last_name=M%C3%BCller", {}),
            "curl -X GET --url-query \"apikey=$MOCK_SERVER_EGUMA_APIKEY\" 'http://h/eguma/orders.json?last_name=M%C3%BCller'",
        ),
        (
            SentRequest("GET", "http://h/x?token=t&status=tt", {"User-Agent": "schemathesis/4", "X": "hdr"}),
            'curl -X GET -H "X: <the --header X value>" "http://h/x?token=$MOCK_SERVER_MITTWALD_TOKEN&status=tt"',
        ),
        (
            SentRequest("PATCH", "http://h/x", {}, b'{"note": "it\'s t"}'),
            'curl -X PATCH -d \'{"note": "it\'"\'"\'s \'"$MOCK_SERVER_MITTWALD_TOKEN"\'"}\' http://h/x',
        ),
    ],
)
def test_curl_command_puts_references_where_the_credentials_stood(request_: SentRequest, curl: str) -> None:
    assert curl_command(request_, REFERENCES) == curl
    assert shlex.split(curl)[0] == "curl"  # one well-formed shell command


def test_shell_references_name_the_variable_or_the_flag() -> None:
    from_env = Credentials.resolve("mittwald", None, None, {"MOCK_SERVER_MITTWALD_TOKEN": "a"})
    from_flag = Credentials.resolve("eguma", None, "b", {})
    assert shell_references(ContractOptions(api="mittwald"), from_env) == {"a": "$MOCK_SERVER_MITTWALD_TOKEN"}
    assert shell_references(ContractOptions(api="eguma"), from_flag) == {
        "b": "${MOCK_SERVER_EGUMA_APIKEY:?set it to the --apikey value}"
    }


def test_report_interrupted_before_the_run_is_one_line() -> None:
    report = Report(api="eguma", target="x", mode="", operations=(), requests=0, interrupted="SIGINT")
    assert report.exit_code == 130
    assert render_text(report) == "contract eguma: interrupted by SIGINT before the run started, 0 failures so far\n"


def test_contract_spec_path_reads_the_credential_variables_of_its_api(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`contract ./some/file.yaml` names and reads MOCK_SERVER_<API>_* of the spec's API, not of the path typed."""
    spec = tmp_path / "vendor copy.yaml"
    spec.write_text((Path(__file__).parents[2] / "specs" / "eguma.yaml").read_text(encoding="utf-8"))
    monkeypatch.delenv("MOCK_SERVER_EGUMA_APIKEY", raising=False)
    monkeypatch.delenv("MOCK_SERVER_EGUMA_TOKEN", raising=False)
    code = main(["contract", str(spec), "--base-url", "http://127.0.0.1:9"])
    err = capsys.readouterr().err
    assert code == 2
    assert "MOCK_SERVER_EGUMA_APIKEY" in err, err

    monkeypatch.setenv("MOCK_SERVER_EGUMA_APIKEY", "from-the-environment")
    code = main(["contract", str(spec), "--base-url", "http://127.0.0.1:9"])
    err = capsys.readouterr().err
    assert code == 2
    assert "requires credentials" not in err and "cannot reach" in err, err
