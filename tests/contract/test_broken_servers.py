"""`mock-server contract --base-url` against vendor look-alikes on 127.0.0.1, each broken in one typical way."""

from __future__ import annotations

import logging
import os
import re
import socket
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from mock_server.cli import main
from tests.contract.servers import APIKEY, TOKEN, Violation, serve_vendor

pytestmark = pytest.mark.contract

# Few generated cases: the coverage phase already sends every boundary value of every parameter.
FAST = ("--max-examples", "3", "--seed", "7")
CREDENTIALS = ("--token", TOKEN, "--apikey", APIKEY)


def _contract(capsys: pytest.CaptureFixture[str], api: str, base_url: str, *extra: str) -> tuple[int, str, str]:
    code = main(["contract", api, "--base-url", base_url, *FAST, *extra])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("api", "violation", "check", "evidence"),
    [
        ("plandocket", Violation.WRONG_TYPE, "response_schema_conformance", '{"type": "number"}'),
        ("eguma", Violation.MISSING_FIELD, "response_schema_conformance", '"order_number" present'),
        ("mittwald", Violation.OUTSIDE_ENUM, "response_schema_conformance", '"PENDING" at /0/status'),
        ("mittwald", Violation.MISSING_HEADER, "response_headers_conformance", "X-Pagination-TotalCount"),
        ("mittwald", Violation.WRONG_HEADER, "response_headers_conformance", "x-pagination-limit: all"),
        ("printlounge", Violation.SERVER_ERROR, "not_a_server_error", "500 Internal Server Error"),
        ("printlounge", Violation.WRONG_CONTENT_TYPE, "content_type_conformance", "Content-Type text/html"),
        ("eguma", Violation.FORBIDDEN_NULL, "response_schema_conformance", "null at /0/currency"),
        ("plandocket", Violation.IGNORED_AUTH, "ignored_auth", "got:      200 OK"),
    ],
    ids=lambda value: str(value),
)
def test_contract_reports_planted_violation(
    capsys: pytest.CaptureFixture[str], api: str, violation: Violation, check: str, evidence: str
) -> None:
    with serve_vendor(api, violation) as server:
        code, out, _ = _contract(capsys, api, server.base_url, *CREDENTIALS)
    assert code == 1, out
    assert f"  {check}: " in out
    assert evidence in out
    assert "reproduce:\n      curl -X GET" in out
    assert re.search(rf"^contract {api}: \d+ operations, \d+ requests, [1-9]\d* failures?$", out, re.M), out


@pytest.mark.parametrize("api", ["plandocket", "eguma", "mittwald", "printlounge"])
def test_contract_conforming_server_passes(capsys: pytest.CaptureFixture[str], api: str) -> None:
    # a path prefix in front of the spec's paths, as for the mock's own http://127.0.0.1:8000/<api>
    with serve_vendor(api, prefix="/vendor") as server:
        code, out, err = _contract(capsys, api, server.base_url, *CREDENTIALS)
    assert code == 0, out + err
    assert re.search(rf"^contract {api}: [1-9]\d* operations, [1-9]\d* requests, 0 failures$", out, re.M), out
    assert "200: " in out


def test_contract_fails_when_every_request_is_rejected(capsys: pytest.CaptureFixture[str]) -> None:
    # Schemathesis alone passes such a run with a warning: nothing was checked against the spec
    with serve_vendor("plandocket") as server:
        code, out, _ = _contract(capsys, "plandocket", server.base_url, "--token", "not-the-token")
    assert code == 1, out
    assert "  missing_auth: Every request was rejected as unauthenticated" in out
    assert "  no_success: No request got a 2xx answer" in out


def test_contract_read_only_sends_no_writes(capsys: pytest.CaptureFixture[str]) -> None:
    # --negative: the coverage phase then also probes undeclared methods
    with serve_vendor("printlounge") as server:
        _contract(capsys, "printlounge", server.base_url, "--negative")
    assert "GET" in server.methods
    assert set(server.methods) <= {"GET", "HEAD", "OPTIONS"}, sorted(set(server.methods))


def test_contract_allow_writes_sends_put_and_patch(capsys: pytest.CaptureFixture[str]) -> None:
    with serve_vendor("printlounge") as server:
        code, out, _ = _contract(capsys, "printlounge", server.base_url, "--allow-writes")
    assert {"PUT", "PATCH"} <= set(server.methods)
    assert code == 0, out
    assert "contract printlounge: 5 operations" in out


def test_contract_masks_planted_secrets_everywhere(
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    admin = "planted-admin-token-93c1"
    caplog.set_level(logging.DEBUG)  # urllib3 logs every request URL, e-guma's apikey included
    monkeypatch.chdir(tmp_path)  # anything the run writes by default lands here
    monkeypatch.setenv("MOCK_SERVER_ADMIN_TOKEN", admin)
    junit = tmp_path / "reports" / "contract.xml"
    outputs = []
    # the servers echo the credentials into their bodies, which the failure messages quote
    with serve_vendor("eguma", Violation.MISSING_FIELD, echo=True) as eguma:
        outputs.append(
            _contract(
                capsys,
                "eguma",
                eguma.base_url,
                "--apikey",
                APIKEY,
                "--junit",
                str(junit),
                "--header",
                f"X-Admin-Token: {admin}",
            )
        )
    eguma_junit = junit.read_text(encoding="utf-8")
    with serve_vendor("plandocket", Violation.WRONG_TYPE, echo=True) as plandocket:
        outputs.append(_contract(capsys, "plandocket", plandocket.base_url, "--token", TOKEN, "--junit", str(junit)))
    assert [code for code, _, _ in outputs] == [1, 1]
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert [p.relative_to(tmp_path).as_posix() for p in files] == ["reports/contract.xml"]  # nothing else written
    written = [p.read_text(encoding="utf-8", errors="replace") for p in files]
    texts = [out for _, out, _ in outputs] + [err for _, _, err in outputs] + written + [eguma_junit, caplog.text]
    assert "apikey=%5BFiltered%5D" in caplog.text or "apikey=[Filtered]" in caplog.text
    for secret in (TOKEN, APIKEY, admin):
        assert not any(secret in text for text in texts), secret
    # the reproducing curls name where each credential comes from instead of it
    assert 'apikey=${MOCK_SERVER_EGUMA_APIKEY:?set it to the --apikey value}"' in outputs[0][1]
    assert '-H "X-Admin-Token: <the --header X-Admin-Token value>"' in outputs[0][1]
    assert '-H "Authorization: Bearer ${MOCK_SERVER_PLANDOCKET_TOKEN:?set it to the --token value}"' in outputs[1][1]
    assert ET.fromstring(eguma_junit).find("testcase/failure").get("type") == "response_schema_conformance"


def test_contract_curl_keeps_event_key_readable(capsys: pytest.CaptureFixture[str]) -> None:
    with serve_vendor("plandocket", Violation.SERVER_ERROR) as server:
        code, out, _ = _contract(capsys, "plandocket", server.base_url, "--token", TOKEN)
    assert code == 1
    curls = [line for line in out.splitlines() if line.strip().startswith("curl ")]
    assert any(re.search(r"[?&]event_key=(?!%5BFiltered)[^&' ]+", c) for c in curls), curls
    assert all('-H "Authorization: Bearer ${MOCK_SERVER_PLANDOCKET_TOKEN:?' in c for c in curls), curls
    assert not any("[Filtered]" in c for c in curls), curls


def test_contract_reads_credentials_from_env(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MOCK_SERVER_EGUMA_APIKEY", APIKEY)
    monkeypatch.setenv("MOCK_SERVER_MITTWALD_TOKEN", TOKEN)
    for api in ("eguma", "mittwald"):
        with serve_vendor(api) as server:
            code, out, err = _contract(capsys, api, server.base_url)
        assert code == 0, out + err
        assert "401: " in out  # the auth check's deliberate calls without credentials; the others got through


def test_contract_without_credentials_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MOCK_SERVER_PLANDOCKET_TOKEN", raising=False)
    monkeypatch.delenv("MOCK_SERVER_PLANDOCKET_APIKEY", raising=False)
    with serve_vendor("plandocket") as server:
        code, _, err = _contract(capsys, "plandocket", server.base_url)
    assert code == 2
    assert "MOCK_SERVER_PLANDOCKET_TOKEN" in err
    assert server.methods == []


def test_contract_unreachable_url_exits_2() -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = subprocess.run(
        [sys.executable, "-m", "mock_server", "contract", "printlounge", "--base-url", f"http://127.0.0.1:{port}"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"contract printlounge: cannot reach http://127.0.0.1:{port}: connection refused"
    ]


def test_contract_bad_header_is_a_usage_error_without_echo(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["contract", "plandocket", "--base-url", "http://127.0.0.1:9", "--header", f"Authorization {TOKEN}"])
    _, err = capsys.readouterr()
    assert code == 2
    assert "--header must look like 'Name: value'" in err
    assert TOKEN not in err


SHORT_CREDENTIALS = ["t", "e", "ed"]


@pytest.mark.parametrize("secret", SHORT_CREDENTIALS)
def test_contract_short_credentials_mask_nothing_but_the_credential(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, secret: str
) -> None:
    # `t`, `e`, `ed` occur in nearly every word of a report; only where they stand as the credential do they go
    monkeypatch.setenv("MOCK_SERVER_MITTWALD_TOKEN", secret)
    junit = tmp_path / "mittwald.xml"
    with serve_vendor("mittwald", Violation.OUTSIDE_ENUM, token=secret) as server:
        code, out, err = _contract(capsys, "mittwald", server.base_url, "--junit", str(junit))
    assert code == 1, out + err
    written = junit.read_text(encoding="utf-8")
    for text in (out, err, written):
        assert "[Filtered]" not in text
    for word in ("Authorization", "http://127.0.0.1", "mittwald", "expected", "response_schema_conformance"):
        assert word in out + written
    assert '-H "Authorization: Bearer $MOCK_SERVER_MITTWALD_TOKEN" ' in out
    assert f"Bearer {secret}" not in out + written


@pytest.mark.parametrize("secret", SHORT_CREDENTIALS)
def test_contract_short_credentials_in_query_and_header_flags(
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture, secret: str
) -> None:
    caplog.set_level(logging.DEBUG)  # urllib3 logs each request URL, the apikey in it
    with serve_vendor("eguma", Violation.MISSING_FIELD, apikey=secret) as server:
        code, out, _ = _contract(capsys, "eguma", server.base_url, "--apikey", secret)
    assert code == 1, out
    assert "[Filtered]" not in out
    logged = [r.getMessage() for r in caplog.records if "/v1/ticketing/orders.json" in r.getMessage()]
    assert any("apikey=[Filtered]" in line for line in logged), logged  # (wrong keys of the probes stay visible)
    assert not any(re.search(rf"apikey={secret}\b", line) for line in logged), logged
    assert "/v1/ticketing/orders.json?apikey=${MOCK_SERVER_EGUMA_APIKEY:?set it to the --apikey value}" in out
    assert f"apikey={secret}" not in out
    assert "required by /components/schemas/Order" in out


def test_contract_curl_runs_as_printed(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOCK_SERVER_PLANDOCKET_TOKEN", TOKEN)
    with serve_vendor("plandocket", Violation.SERVER_ERROR) as server:
        code, out, _ = _contract(capsys, "plandocket", server.base_url)
        assert code == 1, out
        curl = next(line.strip() for line in out.splitlines() if line.strip().startswith("curl "))
        assert "$MOCK_SERVER_PLANDOCKET_TOKEN" in curl and TOKEN not in curl
        sent = subprocess.run(
            ["bash", "-c", curl + " -s -o /dev/null -w '%{http_code}'"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
            env={"PATH": os.environ["PATH"], "MOCK_SERVER_PLANDOCKET_TOKEN": TOKEN},
        )
    assert sent.stdout == "500", sent.stderr  # the credential got through, and the failure is reproduced


def test_contract_vendor_accepting_any_credential_is_reported(capsys: pytest.CaptureFixture[str]) -> None:
    # what mock-server does by default, done by a server that is not mock-server: a real finding
    with serve_vendor("plandocket", Violation.ANY_CREDENTIAL) as server:
        code, out, _ = _contract(capsys, "plandocket", server.base_url, "--token", TOKEN)
    assert code == 1, out
    assert "  ignored_auth: API accepts invalid authentication [ST401]" in out
    assert "note: " not in out
