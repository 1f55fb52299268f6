"""Generated records for a plain spec: valid, realistic by property name, deterministic, examples used, keys unique,
children pointing at existing parents."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import jsonschema_rs
import yaml
from faker.providers.address.de_DE import Provider as GermanAddresses

from mock_server.dataset import default_count, dump_dataset, generate_dataset, record_schema
from mock_server.model import ApiModel
from mock_server.specs import Spec
from tests.infer.helpers import PET, petstore, ref

PERSON = {
    "type": "object",
    "required": ["id", "email"],
    "properties": {
        "id": {"type": "string", "format": "uuid"},
        "full_name": {"type": "string"},
        "email": {"type": "string"},
        "phone": {"type": "string", "maxLength": 30},
        "city": {"type": "string"},
        "website": {"type": "string"},
        "createdAt": {"type": "string"},
        "price": {"type": "number"},
        "password": {"type": "string", "writeOnly": True},
        "code": {"type": "string", "pattern": "^[A-Z]{3}-[0-9]{4}$"},
        "rank": {"type": "integer", "minimum": 3, "maximum": 7},
        "nickname": {"type": "string", "nullable": True},
        "kind": {"oneOf": [{"type": "string", "enum": ["a", "b"]}, {"type": "integer"}]},
        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
        "address": {"allOf": [{"type": "object", "properties": {"street": {"type": "string"}}}]},
    },
}


def model_of(tmp_path: Path, doc: dict[str, Any], name: str = "people") -> ApiModel:
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return ApiModel.from_spec(Spec.from_file(path))


def people(**api: Any) -> dict[str, Any]:
    doc = petstore()
    doc["components"]["schemas"] = {"Pet": PERSON, "NewPet": PERSON}
    if api:
        doc["x-mock-api"] = {"name": "people", **api}
    return doc


def test_records_are_valid_and_realistic_by_property_name(tmp_path: Path) -> None:
    model = model_of(tmp_path, people())
    records = generate_dataset(model, count=default_count(model)).resources["pets"]
    assert len(records) == 20
    validator = jsonschema_rs.validator_for(record_schema(model, "pets"), validate_formats=True)
    for record in records:
        assert validator.is_valid(record), list(validator.iter_errors(record))[:1]
        assert "@" in record["email"] and " " in record["full_name"]
        assert record["website"].startswith("http")
        datetime.fromisoformat(record["createdAt"].replace("Z", "+00:00"))  # a timestamp, by its name
        assert "password" not in record  # writeOnly: never in a response
    assert len({r["id"] for r in records}) == 20
    assert len({r["city"] for r in records}) > 5


def test_the_same_seed_gives_the_same_bytes_another_seed_other_records(tmp_path: Path) -> None:
    model = model_of(tmp_path, people())
    first = dump_dataset(generate_dataset(model, seed=7, count=20))
    assert dump_dataset(generate_dataset(model, seed=7, count=20)) == first
    assert dump_dataset(generate_dataset(model, seed=8, count=20)) != first


def test_the_locale_comes_from_x_mock_api(tmp_path: Path) -> None:
    model = model_of(tmp_path, people(locale="de_DE"))
    cities = {r["city"] for r in generate_dataset(model, count=20).resources["pets"]}
    assert cities <= set(GermanAddresses.cities)


def test_the_specs_own_examples_become_records(tmp_path: Path) -> None:
    doc = petstore()
    doc["components"]["schemas"]["Pet"] = {**PET, "example": {"id": 1, "name": "Doggie", "species": "dog"}}
    listed = doc["paths"]["/pets"]["get"]["responses"]["200"]["content"]["application/json"]
    listed["example"] = [{"id": 2, "name": "Kitty", "species": "cat"}, {"id": "bad", "name": "not a pet"}]
    records = generate_dataset(model_of(tmp_path, doc, "pets"), count=20).resources["pets"]
    assert records[:2] == [{"id": 1, "name": "Doggie", "species": "dog"}, {"id": 2, "name": "Kitty", "species": "cat"}]
    assert len(records) == 20 and {"id": "bad", "name": "not a pet"} not in records  # an invalid example is skipped


def test_recursive_schemas_are_bounded(tmp_path: Path) -> None:
    doc = petstore()
    node = {
        "type": "object",
        "properties": {"id": {"type": "integer"}, "children": {"type": "array", "items": ref("Pet")}},
    }
    doc["components"]["schemas"]["Pet"] = node
    model = model_of(tmp_path, doc, "tree")
    records = generate_dataset(model, count=5).resources["pets"]
    assert len(records) == 5 and all(isinstance(r["id"], int) for r in records)


def test_locale_setting_overrides_the_spec(tmp_path: Path) -> None:
    from mock_server.app import load_models, load_records
    from mock_server.settings import Settings

    spec_dir = tmp_path / "specs"
    spec_dir.mkdir()
    (spec_dir / "people.yaml").write_text(yaml.safe_dump(people(locale="en_US")), encoding="utf-8")
    settings = Settings.for_tests(spec_dir=spec_dir, locale="de_DE")
    records = load_records(settings, load_models(settings))["people"]["pets"]
    assert len(records) == 20 and {r["city"] for r in records} <= set(GermanAddresses.cities)


def test_patterns_with_alternation_anchors_lookaheads_and_negated_classes(tmp_path: Path) -> None:
    import random
    import re

    from mock_server.generate.pattern import compile_pattern

    for pattern in (r"^\d{1,13}$|^\d{1,13}\.\d{1,5}$", r"^(?!\s)(.*)(\S)$", r"^(?=.*[a-z])[a-z0-9]{5}$", r"^\D\W\S$"):
        make = compile_pattern(pattern)
        rng = random.Random(3)
        assert all(re.search(pattern, make(rng)) for _ in range(200)), pattern


def test_generated_bytes_do_not_depend_on_the_hash_seed(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    path = tmp_path / "people.yaml"
    path.write_text(yaml.safe_dump(people()), encoding="utf-8")
    script = (
        "import sys, hashlib; from pathlib import Path; from mock_server.specs import Spec; "
        "from mock_server.model import ApiModel; from mock_server.dataset import generate_dataset, dump_dataset; "
        "m = ApiModel.from_spec(Spec.from_file(Path(sys.argv[1]))); "
        "print(hashlib.sha256(dump_dataset(generate_dataset(m, count=20))).hexdigest())"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", script, str(path)],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2")
    }
    assert len(digests) == 1
