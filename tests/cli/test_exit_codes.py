"""Exit codes of the real console script (issue 9 point 8): `validate` and `fixtures check` exit 1 on problems and 2
on usage errors; `serve` exits 2 on a bad config, spec, fixture or state file, one `file: pointer: reason` line per
problem, before it binds the port. (Exit 0 on clean input: tests/unit/test_lint.py and the fixture tests.)"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from pathlib import Path

import orjson
import pytest

from mock_server.errors import SettingsError
from mock_server.journal import Journal
from mock_server.settings import DEFAULT_FIXTURES_DIR, DEFAULT_SPEC_DIR
from tests.clients.live_server import free_port, loopback_env
from tests.hardening.server import command, port_is_free

PROBLEM_LINE = re.compile(r"^\S[^:]*: (\w+ record \d+: )?/\S*: .+$")
"""`file: pointer: reason` (fixture problems name the record too: `file: orders record N: pointer: reason`)."""


def _run(*args: str, cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*command(), *args], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=loopback_env()
    )


def _serve_refused(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run `serve` on a free port, watching that port the whole time: it must exit 2 and never accept."""
    port = free_port()
    proc = subprocess.Popen(
        [*command(), "serve", "--port", str(port), *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=loopback_env(),
    )
    try:
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline:
            assert port_is_free(port), "serve bound the port although its input is bad"
            time.sleep(0.02)
        stdout, stderr = proc.communicate(timeout=5)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 2, (proc.returncode, stdout, stderr)
    assert port_is_free(port)
    assert "Traceback" not in stderr
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)


def _copy_specs(tmp_path: Path) -> Path:
    specs = tmp_path / "specs"
    shutil.copytree(DEFAULT_SPEC_DIR, specs)
    return specs


def _copy_fixtures(tmp_path: Path) -> Path:
    fixtures = tmp_path / "fixtures"
    shutil.copytree(DEFAULT_FIXTURES_DIR, fixtures)
    return fixtures


@pytest.mark.slow
def test_exit_codes_validate_problems_usage(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n"
        "      responses: {'200': {description: ok}}\n"
    )
    assert _run("validate", str(broken), cwd=tmp_path).returncode == 0  # house style only: warnings
    result = _run("validate", "--strict", str(broken), cwd=tmp_path)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines and all(line.startswith((f"{broken}: ", "broken.yaml: ")) for line in lines), lines
    assert _run("validate", str(tmp_path / "missing.yaml"), cwd=tmp_path).returncode == 2
    (tmp_path / "junk.yaml").write_text("a: [unclosed\n")
    assert _run("validate", str(tmp_path / "junk.yaml"), cwd=tmp_path).returncode == 2
    assert _run("validate", "--no-such-option", cwd=tmp_path).returncode == 2


@pytest.mark.slow
def test_exit_codes_fixtures_check_problems_usage(tmp_path: Path) -> None:
    fixtures = _copy_fixtures(tmp_path)
    data = orjson.loads((fixtures / "eguma.json").read_bytes())
    data["resources"][next(iter(data["resources"]))][0] = {"not": "an order"}
    (fixtures / "eguma.json").write_bytes(orjson.dumps(data))
    result = _run("fixtures", "check", str(fixtures), cwd=tmp_path)
    assert result.returncode == 1
    assert any("eguma.json" in line for line in result.stdout.splitlines())
    assert _run("fixtures", "check", str(tmp_path / "missing"), cwd=tmp_path).returncode == 2


@pytest.mark.slow
def test_exit_codes_serve_bad_config_exits_2_before_binding(tmp_path: Path) -> None:
    (tmp_path / "mock-server.toml").write_text("[auth.plandocket]\ntokens = 'not a list'\n")
    result = _serve_refused(cwd=tmp_path)
    assert "mock-server.toml" in result.stderr and "tokens" in result.stderr
    (tmp_path / "bad.toml").write_text("this is = = not toml\n")
    result = _serve_refused("--config", str(tmp_path / "bad.toml"), cwd=tmp_path)
    assert "bad.toml" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    clean = tmp_path / "clean"
    clean.mkdir()
    result = _serve_refused("--journal-size", "-5", cwd=clean)
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.endswith("argument --journal-size: expected a positive integer, got '-5'")


def test_exit_codes_journal_size_below_one_is_a_settings_error() -> None:
    with pytest.raises(SettingsError, match="journal size"):
        Journal(0)


@pytest.mark.slow
def test_exit_codes_serve_bad_spec_exits_2_with_a_line_per_problem(tmp_path: Path) -> None:
    specs = _copy_specs(tmp_path)
    (specs / "eguma.yaml").write_text("openapi: 3.0.3\ninfo: [unclosed\n")
    (specs / "mittwald.yaml").write_text("- just a list\n")
    result = _serve_refused("--spec-dir", str(specs), cwd=tmp_path)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2, lines
    assert lines[0].startswith(f"{specs / 'eguma.yaml'}: ") and lines[1].startswith(f"{specs / 'mittwald.yaml'}: ")
    assert all(PROBLEM_LINE.match(line) for line in lines), lines


@pytest.mark.slow
def test_exit_codes_serve_bad_fixture_exits_2_with_a_line_per_problem(tmp_path: Path) -> None:
    fixtures = _copy_fixtures(tmp_path)
    data = orjson.loads((fixtures / "printlounge.json").read_bytes())
    orders = data["resources"]["orders"]
    orders[0]["order_status"] = "sixty-one"
    orders[1]["id"] = orders[2]["id"]
    (fixtures / "printlounge.json").write_bytes(orjson.dumps(data))
    (fixtures / "eguma.json").write_text("{not json")
    result = _serve_refused("--fixtures", str(fixtures), cwd=tmp_path)
    lines = result.stderr.strip().splitlines()
    assert all(PROBLEM_LINE.match(line) for line in lines), lines
    assert any(line.startswith(f"{fixtures / 'eguma.json'}: ") for line in lines)
    assert any("printlounge.json" in line and "/order_status" in line for line in lines)
    assert any("printlounge.json" in line and "/id" in line for line in lines)


@pytest.mark.slow
@pytest.mark.parametrize("content", [b"this is not an SQLite database" * 100, b""], ids=["garbage", "empty-dir"])
def test_exit_codes_serve_bad_state_file_exits_2(tmp_path: Path, content: bytes) -> None:
    state = tmp_path / "state.sqlite"
    if content:
        state.write_bytes(content)
    else:
        state = tmp_path / "no-such-dir" / "state.sqlite"
    result = _serve_refused("--state", str(state), cwd=tmp_path)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{state}: "), lines


@pytest.mark.slow
@pytest.mark.parametrize("host", ["0.0.0.0", "::"])
def test_exit_codes_serve_non_loopback_without_admin_token_exits_2(tmp_path: Path, host: str) -> None:
    result = _serve_refused("--host", host, cwd=tmp_path)
    assert "--admin-token" in result.stderr and len(result.stderr.strip().splitlines()) == 1
