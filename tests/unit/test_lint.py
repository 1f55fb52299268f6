"""`mock-server validate`: each lint rule has a small broken spec that fails with the right message."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import orjson
import pytest
import yaml

from mock_server.cli import main
from mock_server.lint import validate_spec_file
from mock_server.settings import DEFAULT_FIXTURES_DIR, DEFAULT_SPEC_DIR

BASE: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "tiny", "version": "1"},
    "paths": {
        "/orders/{id}": {
            "get": {
                "operationId": "getOrder",
                "summary": "One order",
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                "responses": {
                    "200": {
                        "description": "the order",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/Order"},
                                "examples": {"default": {"value": {"id": 1, "total": 12.5}}},
                            }
                        },
                    }
                },
            }
        }
    },
    "components": {
        "schemas": {
            "Order": {
                "type": "object",
                "required": ["id"],
                "properties": {"id": {"type": "integer"}, "total": {"type": "number"}},
            }
        }
    },
}
OP = ("paths", "/orders/{id}", "get")


def _write(tmp_path: Path, spec: dict[str, Any]) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


def _broken(edit: Any) -> dict[str, Any]:
    spec = copy.deepcopy(BASE)
    edit(spec["paths"]["/orders/{id}"]["get"], spec)
    return spec


CASES = {
    "no operationId": (
        lambda op, s: op.pop("operationId"),
        "/paths/~1orders~1{id}/get",
        "operation has no operationId",
    ),
    "no summary": (lambda op, s: op.pop("summary"), "/paths/~1orders~1{id}/get", "operation has no summary"),
    "no schema": (
        lambda op, s: op["responses"]["200"]["content"]["application/json"].pop("schema"),
        "/paths/~1orders~1{id}/get/responses/200/content/application~1json",
        "2xx response has no schema",
    ),
    "no example": (
        lambda op, s: op["responses"]["200"]["content"]["application/json"].pop("examples"),
        "/paths/~1orders~1{id}/get/responses/200/content/application~1json",
        "2xx response has no example",
    ),
    "bad example": (
        lambda op, s: op["responses"]["200"]["content"]["application/json"]["examples"]["default"].update(
            value={"id": "one"}
        ),
        "/paths/~1orders~1{id}/get/responses/200/content/application~1json/examples/default/value/id",
        "example does not match its schema",
    ),
    "dangling $ref": (
        lambda op, s: op["responses"]["200"]["content"]["application/json"]["schema"].update(
            {"$ref": "#/components/schemas/Nope"}
        ),
        "/paths/~1orders~1{id}/get/responses/200/content/application~1json/schema/$ref",
        "'#/components/schemas/Nope' does not resolve",
    ),
    "invalid structure": (
        lambda op, s: op["responses"]["200"].pop("description"),
        "/paths/~1orders~1{id}/get/responses/200",
        "'description' is a required property",
    ),
    "invalid type": (  # issue 12 point 5: not "'$ref' is a required property" (the Reference branch of the oneOf)
        lambda op, s: op["parameters"][0]["schema"].update(type="strng"),
        "/paths/~1orders~1{id}/get/parameters/0/schema/type",
        "invalid type 'strng'",
    ),
    "invalid regex in a component": (  # the validator reports it relative to the schema: anchored, no dump
        lambda op, s: s["components"]["schemas"]["Order"]["properties"]["total"].update(pattern="[unclosed"),
        "/components/schemas/Order/properties/total/pattern",
        "'[unclosed' is not a 'regex'",
    ),
    "invalid type in a component": (
        lambda op, s: s["components"]["schemas"]["Order"]["properties"]["total"].update(type="nummber"),
        "/components/schemas/Order/properties/total/type",
        "invalid type 'nummber'",
    ),
}


def test_validate_accepts_the_base_spec(tmp_path: Path) -> None:
    assert validate_spec_file(_write(tmp_path, BASE)) == []


@pytest.mark.parametrize("case", sorted(CASES))
def test_validate_reports_each_rule_with_file_pointer_and_reason(tmp_path: Path, case: str) -> None:
    edit, pointer, message = CASES[case]
    path = _write(tmp_path, _broken(edit))
    problems = validate_spec_file(path)
    lines = [str(p) for p in problems]
    assert any(p.pointer == pointer and message in p.message for p in problems), lines
    assert all(line.startswith(f"{path}: /") for line in lines)
    assert all(len(line) < 300 for line in lines), lines  # no document or schema dumps


def test_validate_passes_all_four_real_specs_strictly_and_their_fixtures(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--strict"]) == 0
    out = capsys.readouterr().out
    assert [line.split(":")[0].rsplit("/", 1)[-1] for line in out.splitlines()] == [
        "eguma.yaml",
        "eguma.json",
        "mittwald.yaml",
        "mittwald.json",
        "plandocket.yaml",
        "plandocket.json",
        "printlounge.yaml",
        "printlounge.json",
    ]
    assert all(line.endswith(": OK") for line in out.splitlines())


def test_validate_unresolvable_ref_is_one_short_line_with_the_ref_and_its_pointer(tmp_path: Path) -> None:
    edit, pointer, _ = CASES["dangling $ref"]
    problems = validate_spec_file(_write(tmp_path, _broken(edit)))
    assert [(p.pointer, p.message) for p in problems] == [
        (pointer, "$ref '#/components/schemas/Nope' does not resolve")
    ]
    assert all(len(str(p)) < 300 for p in problems)


def test_validate_house_style_is_a_warning_and_an_error_with_strict(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = _broken(lambda op, s: op.pop("summary"))
    spec["paths"]["/orders/{id}"]["get"]["responses"]["200"]["content"]["application/json"].pop("examples")
    path = _write(tmp_path, spec)
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert f"{path}: /paths/~1orders~1{{id}}/get: warning: operation has no summary" in out
    assert any(line.endswith("warning: 2xx response has no example") for line in out), out
    assert main(["validate", "--strict", str(path)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert f"{path}: /paths/~1orders~1{{id}}/get: operation has no summary" in out
    assert not any("warning" in line for line in out)


ALLOWED = {
    "a 204 without a body": lambda op, s: s["paths"]["/orders/{id}"].update(
        delete={
            "operationId": "deleteOrder",
            "summary": "Delete an order",
            "parameters": op["parameters"],
            "responses": {"204": {"description": "deleted"}},
        }
    ),
    "parameters on the path item": lambda op, s: s["paths"]["/orders/{id}"].update(parameters=op.pop("parameters")),
    "an allOf response schema": lambda op, s: op["responses"]["200"]["content"]["application/json"].update(
        schema={"allOf": [{"$ref": "#/components/schemas/Order"}, {"properties": {"note": {"type": "string"}}}]},
        examples={"default": {"value": {"id": 1, "note": "x"}}},
    ),
}


@pytest.mark.parametrize("case", sorted(ALLOWED))
def test_validate_what_openapi_allows_is_no_problem_even_strictly(tmp_path: Path, case: str) -> None:
    assert [str(p) for p in validate_spec_file(_write(tmp_path, _broken(ALLOWED[case])))] == []


def test_validate_checks_the_fixture_file_serve_would_load(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fixtures = tmp_path / "fixtures"
    fixtures.mkdir()
    data = orjson.loads((DEFAULT_FIXTURES_DIR / "eguma.json").read_bytes())
    data["resources"][next(iter(data["resources"]))][0] = {"not": "an order"}
    (fixtures / "eguma.json").write_bytes(orjson.dumps(data))
    spec = DEFAULT_SPEC_DIR / "eguma.yaml"
    assert main(["validate", "--fixtures", str(fixtures), str(spec)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].endswith("eguma.yaml: OK")
    assert len(out) > 1 and all(line.startswith(f"{fixtures / 'eguma.json'}: ") for line in out[1:]), out


def test_validate_exit_codes_problems_1_usage_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = _write(tmp_path, _broken(CASES["no summary"][0]))
    assert main(["validate", "--strict", str(broken)]) == 1
    assert "operation has no summary" in capsys.readouterr().out
    assert main(["validate", str(tmp_path / "missing.yaml")]) == 2
    not_yaml = tmp_path / "bad.yaml"
    not_yaml.write_text("openapi: [unclosed")
    assert main(["validate", str(not_yaml)]) == 2
    assert "not valid YAML/JSON" in capsys.readouterr().err
    assert main(["validate", str(DEFAULT_SPEC_DIR / "eguma.yaml")]) == 0


def test_cli_help_lists_every_command_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for command in ("serve", "validate", "fixtures", "contract"):
        assert any(line.strip().startswith(command + " ") for line in out.splitlines()), out
