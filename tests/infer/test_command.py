"""`mock-server infer SPEC`: the spec with the inferred annotations as YAML, and what is not emulated."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from mock_server.cli import main
from mock_server.infer import infer
from tests.infer.helpers import petstore, query

SOURCE = """\
# Our pet shop (this comment is kept)
openapi: 3.0.3
info: {title: Pets, version: "1"}
paths:
  /pets:
    get:
      parameters:
        - {name: species, in: query, schema: {type: string}}
        - {name: fields, in: query, schema: {type: string}}  # nothing emulates this one
      responses:
        "200":
          description: pets
          content:
            application/json:
              schema: {type: array, items: {$ref: '#/components/schemas/Pet'}}
  /pets/{petId}:
    get:
      parameters: [{name: petId, in: path, required: true, schema: {type: integer}}]
      responses:
        "200":
          description: a pet
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Pet'}
  /health:
    get:
      responses: {"204": {description: up}}
components:
  schemas:
    Pet:
      type: object
      properties:
        id: {type: integer}
        species: {type: string}
"""


def test_infer_prints_the_annotated_spec_and_what_is_not_emulated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "pets.yaml"
    spec.write_text(SOURCE, encoding="utf-8")
    assert main(["infer", str(spec)]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("# Our pet shop (this comment is kept)\n")
    assert "# nothing emulates this one" in out
    document = yaml.safe_load(out)
    assert document["x-mock-api"] == {
        "name": "pets",
        "resources": {"pets": {"schema": "#/components/schemas/Pet", "key": "id"}},
    }
    assert document["paths"]["/pets"]["get"]["x-mock"] == {
        "resource": "pets",
        "action": "list",
        "filters": [{"param": "species", "field": "species", "op": "eq"}],
    }
    assert document["paths"]["/health"]["get"]["x-mock"] == {"action": "respond"}
    tail = out[out.index("# Not emulated") :]
    assert "#   GET /pets: query parameter 'fields': no rule matched" in tail
    assert "#   GET /health: outside any resource" in tail
    assert err.strip() == f"{spec}: 1 resources, 3 operations annotated, 2 not emulated"


def test_the_saved_output_is_complete_and_serves_the_same(tmp_path: Path) -> None:
    spec = tmp_path / "pets.yaml"
    spec.write_text(SOURCE, encoding="utf-8")
    saved = tmp_path / "annotated.yaml"
    assert main(["infer", str(spec), "--out", str(saved)]) == 0
    annotated = yaml.safe_load(saved.read_text(encoding="utf-8"))
    again = infer(annotated, "pets")
    assert not again.changed  # nothing left to infer: a team can refine and commit it
    assert again.document == annotated


def test_explicit_annotations_win_and_a_partly_annotated_spec_is_completed() -> None:
    doc = petstore([query("species")])
    mine = {"resource": "animals", "action": "list", "filters": [{"param": "species", "field": "kind"}]}
    doc["x-mock-api"] = {"name": "zoo", "resources": {"animals": {"schema": "#/components/schemas/Pet", "key": "id"}}}
    doc["paths"]["/pets"]["get"]["x-mock"] = mine
    inference = infer(doc, "zoo")
    assert inference.document["paths"]["/pets"]["get"]["x-mock"] == mine  # kept as written
    assert inference.document["x-mock-api"]["resources"] == doc["x-mock-api"]["resources"]  # no inferred twin
    assert inference.document["paths"]["/pets/{petId}"]["get"]["x-mock"] == {
        "resource": "animals",  # the other operations of the pair join the explicit resource
        "action": "read",
        "lookup": {"param": "petId", "field": "id"},
    }


def test_the_vendor_specs_are_left_exactly_as_they_are() -> None:
    from mock_server.infer import complete_spec
    from mock_server.settings import DEFAULT_SPEC_DIR
    from mock_server.specs import Spec

    for path in sorted(DEFAULT_SPEC_DIR.glob("*.yaml")):
        spec = Spec.from_file(path)
        assert complete_spec(spec) is spec, path.name


def test_a_missing_file_is_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["infer", str(tmp_path / "nope.yaml")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "nope.yaml" in err[0] and "cannot read file" in err[0]
