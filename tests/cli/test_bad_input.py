"""Bad input and a bad environment, per command (issue 12 points 4, 5, 6, 7): never a traceback, one sentence or one
`file: pointer: reason` line per problem, exit 2 for usage/config/environment and 1 for problems found.

The table runs `main()` in-process (an exception escaping it is the traceback a user would see); the commands fail
before `serve` would start uvicorn."""

from __future__ import annotations

import logging
import shutil
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from mock_server.cli import main
from mock_server.settings import DEFAULT_FIXTURES_DIR, DEFAULT_SPEC_DIR


@dataclass(frozen=True)
class Case:
    args: list[str]
    """Arguments after `mock-server`; {tmp} is the test's directory."""
    exit: int
    says: str
    """A substring of the output that names the problem."""
    setup: Callable[[Path], None] = lambda tmp: None
    max_chars: int = 300
    """No output line is longer: no document dumps, no schema dumps."""


def _specs(tmp: Path) -> Path:
    specs = tmp / "specs"
    if not specs.exists():
        shutil.copytree(DEFAULT_SPEC_DIR, specs)
    return specs


def _dangling_ref(tmp: Path) -> None:
    spec = _specs(tmp) / "eguma.yaml"
    text = spec.read_text()
    target = "$ref: '#/components/schemas/Order'"
    assert target in text
    spec.write_text(text.replace(target, "$ref: '#/components/schemas/Nope'", 1))


def _bad_type(tmp: Path) -> None:
    spec = _specs(tmp) / "eguma.yaml"
    spec.write_text(spec.read_text().replace("type: string", "type: strng", 1))


def _config(text: str) -> Callable[[Path], None]:
    def write(tmp: Path) -> None:
        (tmp / "mock-server.toml").write_text(text)

    return write


def _file(tmp: Path) -> None:
    (tmp / "a-file").write_text("not a directory\n")


def _partial_fixtures(tmp: Path) -> None:
    (tmp / "fx").mkdir()
    shutil.copy(DEFAULT_FIXTURES_DIR / "eguma.json", tmp / "fx")


REF = "$ref '#/components/schemas/Nope' does not resolve"
TYPE = "invalid type 'strng'"
CASES: dict[str, Case] = {
    # serve
    "serve: spec with an unresolvable $ref": Case(["serve", "--spec-dir", "{tmp}/specs"], 2, REF, _dangling_ref),
    "serve: spec with type strng": Case(["serve", "--spec-dir", "{tmp}/specs"], 2, TYPE, _bad_type),
    "serve: no such spec directory": Case(["serve", "--spec-dir", "{tmp}/nope"], 2, "nope"),
    "serve: config section typo": Case(
        ["serve"], 2, "[server]: unknown section; known sections: serve", _config("[server]\nport = 8001\n")
    ),
    "serve: config API typo": Case(
        ["serve"],
        2,
        "[auth.plandoket]: unknown API 'plandoket'; known APIs: eguma",
        _config("[auth.plandoket]\ntokens = ['t']\n"),
    ),
    "serve: config API typo with --api": Case(
        ["serve", "--api", "eguma"], 2, "unknown API 'plandoket'", _config("[auth.plandoket]\ntokens = ['t']\n")
    ),
    "serve: config key typo": Case(
        ["serve"], 2, "[serve] prot: unknown key; known keys: host, port", _config("[serve]\nprot = 8001\n")
    ),
    "serve: config auth key typo": Case(
        ["serve"], 2, "[auth.eguma] apikey: unknown key", _config("[auth.eguma]\napikey = ['k']\n")
    ),
    "serve: config port out of range": Case(["serve"], 2, "[serve] port", _config("[serve]\nport = 99999\n")),
    # validate
    "validate: unresolvable $ref": Case(["validate", "{tmp}/specs/eguma.yaml"], 1, REF, _dangling_ref),
    "validate: type strng": Case(["validate", "{tmp}/specs/eguma.yaml"], 1, TYPE, _bad_type),
    "validate: no such file": Case(["validate", "{tmp}/nope.yaml"], 2, "nope.yaml"),
    "validate: not YAML": Case(["validate", "{tmp}/a-file"], 2, "a-file", _file),
    "validate: no such fixtures directory": Case(
        ["validate", "--fixtures", "{tmp}/nope"], 2, "nope: no such directory"
    ),
    "serve: no such fixtures directory": Case(["serve", "--fixtures", "{tmp}/nope"], 2, "No such file or directory"),
    "serve: state file in no directory": Case(
        ["serve", "--state", "{tmp}/no/state.db"], 2, "cannot use as a state file"
    ),
    "serve: address not of this machine": Case(
        ["serve", "--host", "10.255.255.1", "--admin-token", "t-12345678"], 2, "10.255.255.1:8000: Cannot assign"
    ),
    "fixtures generate: --out cannot be created": Case(
        ["fixtures", "generate", "--api", "eguma", "--count", "1", "--out", "{tmp}/a-file/sub"], 2, "a-file/sub", _file
    ),
    # fixtures generate
    "fixtures generate: --out is a file": Case(["fixtures", "generate", "--out", "{tmp}/a-file"], 2, "a-file", _file),
    "fixtures generate: no such spec directory": Case(
        ["fixtures", "generate", "--spec-dir", "{tmp}/nope", "--out", "{tmp}/out"], 2, "nope"
    ),
    "fixtures generate: unknown --api": Case(["fixtures", "generate", "--api", "nope", "--out", "{tmp}/o"], 2, "nope"),
    "fixtures generate: spec with an unresolvable $ref": Case(
        ["fixtures", "generate", "--spec-dir", "{tmp}/specs", "--out", "{tmp}/out"], 2, "Nope", _dangling_ref
    ),
    # fixtures check
    "fixtures check: no such spec directory": Case(["fixtures", "check", "--spec-dir", "{tmp}/nope"], 2, "nope"),
    "fixtures check: no such directory": Case(["fixtures", "check", "{tmp}/nope"], 2, "nope"),
    "fixtures check: an API file missing": Case(
        ["fixtures", "check", "fx"], 1, "mittwald.json: /: missing: serve --fixtures", _partial_fixtures
    ),
}


@pytest.fixture
def access_logger() -> Iterator[None]:
    """`serve` configures the access logger of this process: give the next test back what it had."""
    logger = logging.getLogger("mock_server.access")
    saved = (logger.propagate, logger.level, list(logger.handlers))
    yield
    logger.propagate, logger.level, logger.handlers[:] = saved[0], saved[1], saved[2]


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_is_one_line_per_problem_and_the_right_exit_code(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], access_logger: None
) -> None:
    case = CASES[name]
    monkeypatch.chdir(tmp_path)
    case.setup(tmp_path)
    assert main([arg.replace("{tmp}", str(tmp_path)) for arg in case.args]) == case.exit
    out, err = capsys.readouterr()
    text = out + err
    assert case.says in text, text
    assert "Traceback" not in text
    problems = [line for line in text.splitlines() if case.says in line]
    assert problems and all(len(line) <= case.max_chars for line in text.splitlines()), text
    if case.exit == 2:
        assert len(err.strip().splitlines()) >= 1 and not any(line.startswith(" ") for line in err.splitlines()), err


def test_bad_input_port_in_use_is_one_line_before_any_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], access_logger: None
) -> None:
    monkeypatch.chdir(tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["serve", "--port", str(port)]) == 2
    out, err = capsys.readouterr()
    assert out == ""  # no banner: nothing promises a URL that does not answer
    assert err.strip().splitlines() == [
        f"mock-server: cannot listen on 127.0.0.1:{port}: already in use; pick another with --port"
    ]
