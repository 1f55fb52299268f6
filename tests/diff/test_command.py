"""`mock-server diff` on the command line: exit codes and --fail-on, the four formats, git:REV:PATH and --base
against a git repository the test creates, and usage errors as one line with exit 2."""

from __future__ import annotations

import json
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import yaml

from mock_server.cli import main
from tests.diff.specs import GET, ORDER, drop, put, spec

WARNING_ONLY = put(f"{GET}/deprecated", True)
INFO_ONLY = put(f"{ORDER}/properties/note", {"type": "string"})
ERROR = drop(f"{ORDER}/properties/total")


def _write(path: Path, document: dict[str, Any]) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return str(path)


def _diff(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["diff", *args])
    out, err = capsys.readouterr()
    return code, out, err


def _git(repo: Path, *args: str) -> None:
    identity = ["-c", "user.name=test", "-c", "user.email=test@example.invalid", "-c", "commit.gpgsign=false"]
    subprocess.run(["git", *identity, *args], cwd=repo, check=True, capture_output=True)


@pytest.fixture
def pair(tmp_path: Path) -> Any:
    def make(*mutations: Any) -> tuple[str, str]:
        return _write(tmp_path / "old.yaml", spec()), _write(tmp_path / "new.yaml", spec(*mutations))

    return make


def test_no_change_exits_0(pair: Any, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _diff(capsys, *pair())
    assert code == 0
    assert out == "0 errors, 0 warnings, 0 info in 1 spec; passes (--fail-on error)\n"


def test_an_error_exits_1_with_one_line_per_finding(pair: Any, capsys: pytest.CaptureFixture[str]) -> None:
    old, new = pair(ERROR, WARNING_ONLY)
    code, out, _ = _diff(capsys, old, new)
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == (
        f"{old}: {ORDER}/properties/total: error response-property-removed: GET /orders: "
        'response 200 application/json property [].total ("number") removed'
    )
    assert lines[1].startswith(f"{new}: {GET}/deprecated: warning operation-deprecated: GET /orders: ")
    assert lines[-1] == "1 error, 1 warning, 0 info in 1 spec; fails (--fail-on error)"


@pytest.mark.parametrize(
    ("mutation", "fail_on", "code"),
    [
        (WARNING_ONLY, None, 0),
        (WARNING_ONLY, "warning", 1),
        (WARNING_ONLY, "error", 0),
        (INFO_ONLY, "warning", 0),
        (INFO_ONLY, "info", 1),
        (ERROR, "info", 1),
    ],
)
def test_fail_on_level(
    pair: Any, capsys: pytest.CaptureFixture[str], mutation: Any, fail_on: str | None, code: int
) -> None:
    option = ["--fail-on", fail_on] if fail_on else []
    assert _diff(capsys, *pair(mutation), *option)[0] == code


def test_json_report(pair: Any, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _diff(capsys, *pair(ERROR), "--format", "json")
    report = json.loads(out)
    assert code == 1 and report["failed"] is True and report["counts"] == {"error": 1, "warning": 0, "info": 0}
    (finding,) = report["comparisons"][0]["findings"]
    assert finding["id"] == "response-property-removed"
    assert set(finding) == {"id", "level", "area", "operation", "file", "location", "message"}


def test_markdown_report(pair: Any, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _diff(
        capsys, *pair(ERROR, put(f"{ORDER}/properties/id/description", "a | b")), "--format", "markdown"
    )
    assert code == 1
    assert "| level | rule | operation | location | change |" in out
    assert "| error | `response-property-removed` | `GET /orders` |" in out
    assert "a \\| b" in out  # a pipe in a message does not break the table
    assert "No change a client notices." in _diff(capsys, *pair(), "--format", "markdown")[1]


def test_junit_report(pair: Any, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _diff(capsys, *pair(ERROR, WARNING_ONLY), "--format", "junit")
    suite = ET.fromstring(out).find("testsuite")
    assert code == 1 and suite is not None and suite.get("failures") == "1"
    failure = suite.find("testcase/failure")
    assert failure is not None and "response-property-removed" in (failure.text or "")
    assert "operation-deprecated" not in (failure.text or "")  # below --fail-on: in system-out only


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    _git(tmp_path, "init", "-q", "-b", "main")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_git_revision_side(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write(repo / "api" / "shop.yaml", spec())
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "v1")
    _write(repo / "api" / "shop.yaml", spec(ERROR))
    code, out, _ = _diff(capsys, "git:HEAD:api/shop.yaml", "api/shop.yaml")
    assert code == 1
    assert out.startswith(f"git:HEAD:api/shop.yaml: {ORDER}/properties/total: error response-property-removed:")
    assert _diff(capsys, "git:HEAD:api/shop.yaml", "git:HEAD:./api/shop.yaml")[0] == 0


def test_base_compares_every_changed_spec(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "mock-server.toml").write_text('specs = ["apis/*.yaml"]\n', encoding="utf-8")
    for name in ("changed", "same", "deleted"):
        _write(repo / "apis" / f"{name}.yaml", spec())
    _write(repo / "other" / "unlisted.yaml", spec())
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "v1")
    _write(repo / "apis" / "changed.yaml", spec(ERROR))
    _write(repo / "apis" / "added.yaml", spec())
    _write(repo / "other" / "unlisted.yaml", spec(ERROR))
    (repo / "apis" / "deleted.yaml").unlink()
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "v2")
    _write(repo / "apis" / "untracked.yaml", spec())  # not added to git: compared all the same

    code, out, _ = _diff(capsys, "--base", "HEAD~1", "--format", "json")
    report = json.loads(out)
    compared = {c["new"]: [f["id"] for f in c["findings"]] for c in report["comparisons"]}
    assert code == 1
    assert compared == {
        "apis/added.yaml": ["path-added"],
        "apis/changed.yaml": ["response-property-removed"],
        "apis/deleted.yaml": ["path-removed", "mock-api-name-changed", "mock-api-resource-changed"],
        "apis/untracked.yaml": ["path-added"],
    }
    (repo / "apis" / "untracked.yaml").unlink()
    assert _diff(capsys, "--base", "HEAD")[1] == "no spec changed since HEAD\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.yaml", "missing.yaml"], "missing.yaml: /: cannot read file: No such file or directory"),
        (
            ["git:no-such-rev:api.yaml", "api.yaml"],
            "mock-server: git:no-such-rev:api.yaml: invalid object name 'no-such-rev'.",
        ),
        (
            ["git:HEAD:nothing.yaml", "api.yaml"],
            "mock-server: git:HEAD:nothing.yaml: path 'nothing.yaml' does not exist in 'HEAD'",
        ),
        (
            ["git:HEAD", "api.yaml"],
            "mock-server: git:HEAD: expected git:REV:PATH, e.g. git:origin/main:specs/eguma.yaml",
        ),
        (["--base", "no-such-rev"], "mock-server: unknown revision 'no-such-rev'"),
        (["api.yaml"], "mock-server: give OLD and NEW (spec files or git:REV:PATH), or --base REV"),
        (["api.yaml", "api.yaml", "--base", "HEAD"], "mock-server: give either OLD NEW or --base REV, not both"),
        (["list.yaml", "api.yaml"], "list.yaml: /: not an OpenAPI document (top level is not a mapping)"),
        (["broken.yaml", "api.yaml"], "broken.yaml: /paths/~1x/get/responses/200: $ref '#/nowhere' points nowhere"),
    ],
    ids=["unreadable", "unknown-rev", "not-at-rev", "no-path", "base-rev", "one-side", "both", "list", "bad-ref"],
)
def test_usage_error_is_one_line_exit_2(
    repo: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    _write(repo / "api.yaml", spec())
    (repo / "list.yaml").write_text("- 1\n", encoding="utf-8")
    _write(
        repo / "broken.yaml",
        {"openapi": "3.0.3", "paths": {"/x": {"get": {"responses": {"200": {"$ref": "#/nowhere"}}}}}},
    )
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "v1")
    code, out, err = _diff(capsys, *args)
    assert code == 2 and out == ""
    assert err.splitlines() == [message]
    assert "Traceback" not in err


def test_base_takes_the_bundled_specs_without_a_config(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("mock_server.diff.command.DEFAULT_SPEC_DIR", repo / "specs")
    _write(repo / "specs" / "shop.yaml", spec())
    _write(repo / "specs" / "nested" / "other.yaml", spec())  # not directly in specs/: not a bundled spec
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "v1")
    _write(repo / "specs" / "shop.yaml", spec(WARNING_ONLY))
    _write(repo / "specs" / "nested" / "other.yaml", spec(ERROR))
    (repo / "sub").mkdir()
    monkeypatch.chdir(repo / "sub")  # paths are reported from where the command runs
    code, out, _ = _diff(capsys, "--base", "HEAD", "--fail-on", "warning")
    assert code == 1
    assert out.splitlines()[0].startswith(f"../specs/shop.yaml: {GET}/deprecated: warning operation-deprecated:")
    assert "other.yaml" not in out


def test_bad_config_is_one_line_exit_2(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _git(repo, "commit", "-q", "--allow-empty", "-m", "v1")
    (repo / "mock-server.toml").write_text("specs = 'apis/*.yaml'\n", encoding="utf-8")
    code, out, err = _diff(capsys, "--base", "HEAD")
    assert (code, out) == (2, "")
    assert (
        err == 'mock-server: mock-server.toml: specs must be a list of paths or globs, e.g. specs = ["apis/*.yaml"]\n'
    )


def test_base_outside_a_repository_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))  # git must not find a repository above
    monkeypatch.chdir(tmp_path)
    code, out, err = _diff(capsys, "--base", "HEAD")
    assert (code, out) == (2, "")
    assert err.startswith("mock-server: --base needs a git repository: not a git repository") and err.count("\n") == 1
