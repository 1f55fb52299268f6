"""Your own specs: serve SPEC_OR_DIR..., --spec-dir, --bundled, mock-server.toml `specs`, API names from the file
name, duplicate names, and the other commands taking a spec path where they take an API name."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from starlette.testclient import TestClient

from mock_server import cli
from mock_server.app import create_app, load_models
from mock_server.contract import ContractOptions, run_contract
from mock_server.errors import SettingsError, SpecError
from mock_server.settings import DEFAULT_SPEC_DIR, Settings
from mock_server.specs import Spec, api_name


def _own_spec(directory: Path, file_name: str, name: str | None = None) -> Path:
    """The e-guma spec saved under another file name, named `name` or (without one) after the file."""
    spec: dict[str, Any] = yaml.safe_load((DEFAULT_SPEC_DIR / "eguma.yaml").read_text(encoding="utf-8"))
    if name is None:
        del spec["x-mock-api"]["name"]
    else:
        spec["x-mock-api"]["name"] = name
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / file_name
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return path


def _settings(*argv: str) -> Settings:
    return cli.settings_from_args(cli.build_parser().parse_args(["serve", *argv]))


@pytest.mark.parametrize(
    "file_name,document,expected",
    [
        ("My Tickets.v1.yaml", {}, "my-tickets-v1"),
        ("__Pet_Store__.json", {}, "pet-store"),
        ("PETS.yml", {"x-mock-api": {"name": "petstore"}}, "petstore"),
    ],
)
def test_api_name_is_x_mock_api_name_else_the_slugged_file_stem(
    file_name: str, document: dict[str, Any], expected: str
) -> None:
    assert api_name(Path(file_name), document) == expected


def test_serve_files_and_directories_and_name_by_file(tmp_path: Path) -> None:
    own = _own_spec(tmp_path / "apis", "Tickets_V1.yaml")
    other = _own_spec(tmp_path / "more", "x.yaml", name="second")
    settings = _settings(str(own), "--spec-dir", str(tmp_path / "more"))
    assert settings.spec_paths == (own, tmp_path / "more")
    assert list(load_models(settings)) == ["tickets-v1", "second"]
    assert Spec.from_file(other).name == "second"


def test_an_own_spec_without_a_fixture_file_is_served_generated_data(tmp_path: Path) -> None:
    own = _own_spec(tmp_path, "tickets.yaml")
    with TestClient(create_app(_settings(str(own)))) as client:
        response = client.get("/tickets/v1/ticketing/orders.json", params={"apikey": "k"})
        assert response.status_code == 200, response.text
        records = client.get("/__admin/apis/tickets/resources/orders").json()
        assert len(response.json()) == len(records) > 0
        assert client.get("/eguma/v1/ticketing/orders.json", params={"apikey": "k"}).status_code == 404


def test_bundled_adds_the_four_vendor_apis(tmp_path: Path) -> None:
    own = _own_spec(tmp_path, "tickets.yaml")
    assert list(load_models(_settings(str(own), "--bundled"))) == [
        "tickets",
        "eguma",
        "mittwald",
        "plandocket",
        "printlounge",
    ]
    assert _settings().spec_paths == ()  # nothing given: the bundled specs (spec_dir)
    assert list(load_models(_settings())) == ["eguma", "mittwald", "plandocket", "printlounge"]


def test_two_specs_with_the_same_name_are_an_error_naming_both_files(tmp_path: Path) -> None:
    own = _own_spec(tmp_path, "copy.yaml", name="eguma")
    with pytest.raises(SpecError) as raised:
        load_models(_settings(str(own), "--bundled"))
    message = str(raised.value)
    assert "two specs are named 'eguma'" in message
    assert str(own) in message and str(DEFAULT_SPEC_DIR / "eguma.yaml") in message


def test_the_project_file_lists_specs_as_globs_relative_to_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = _own_spec(tmp_path / "apis", "a.yaml")
    second = _own_spec(tmp_path / "apis", "b.yaml")
    (tmp_path / "mock-server.toml").write_text('specs = ["apis/*.yaml"]\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert [p.resolve() for p in _settings().spec_paths] == [first.resolve(), second.resolve()]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    config = tmp_path / "mock-server.toml"
    assert [p.resolve() for p in _settings("--config", str(config)).spec_paths] == [first.resolve(), second.resolve()]
    assert _settings("--config", str(config), str(first)).spec_paths == (first,)  # arguments win


@pytest.mark.parametrize("value", ['["nothing/*.yaml"]', '"apis/*.yaml"'])
def test_a_bad_specs_entry_is_a_settings_error(tmp_path: Path, value: str) -> None:
    config = tmp_path / "mock-server.toml"
    config.write_text(f"specs = {value}\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="specs"):
        _settings("--config", str(config))


def test_validate_and_fixtures_take_spec_paths(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    own = _own_spec(tmp_path / "apis", "Tickets_V1.yaml")
    assert cli.main(["validate", str(tmp_path / "apis")]) == 0
    assert f"{own}: OK" in capsys.readouterr().out
    out = tmp_path / "fx"
    assert cli.main(["fixtures", "generate", "--api", str(own), "--count", "3", "--out", str(out)]) == 0
    assert (out / "tickets-v1.json").is_file()
    assert cli.main(["fixtures", "check", str(out), "--api", str(own)]) == 0
    assert cli.main(["fixtures", "generate", "--api", "nope", "--out", str(out)]) == 2
    assert "unknown API 'nope'" in capsys.readouterr().err


def test_contract_takes_a_spec_path(tmp_path: Path) -> None:
    own = _own_spec(tmp_path, "Tickets_V1.yaml")
    report = run_contract(ContractOptions(api=str(own), max_examples=3, seed=1))
    assert report.exit_code == 0
    assert report.requests > 0
