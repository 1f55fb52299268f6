"""Tests of the schema-driven generator: hints, patterns, bounds, keys, clock, locale, and spec-validity."""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mock_server.dataset import generate_dataset, record_schema
from mock_server.errors import SpecError
from mock_server.generate import HISTORY, Generator, parse_timestamp, timestamp_format
from mock_server.model import ApiModel
from mock_server.specs import Spec

SPEC_DIR = Path(__file__).resolve().parents[2] / "specs"
APIS = ("plandocket", "eguma", "printlounge", "mittwald")
REFERENCE = datetime(2026, 1, 1)


@cache
def _model(api: str) -> ApiModel:
    return ApiModel.from_spec(Spec.from_file(SPEC_DIR / f"{api}.yaml"))


def _tiny(
    properties: dict[str, Any],
    *,
    key: str = "id",
    unique: tuple[str, ...] = (),
    hidden: dict[str, Any] | None = None,
    locale: str = "de_DE",
) -> ApiModel:
    """A one-resource model around an inline schema."""
    properties = {key: {"type": "integer"}, **properties}
    document = {
        "openapi": "3.0.3",
        "info": {"title": "tiny", "version": "1"},
        "paths": {},
        "components": {"schemas": {"Thing": {"type": "object", "properties": properties}}},
        "x-mock-api": {
            "name": "tiny",
            "locale": locale,
            "resources": {
                "things": {
                    "schema": "#/components/schemas/Thing",
                    "key": key,
                    "unique": list(unique),
                    "hidden": hidden or {},
                }
            },
        },
    }
    return ApiModel.from_spec(Spec(path=Path("tiny.yaml"), document=document, name="tiny"))


def _values(model: ApiModel, field: str, count: int = 200, seed: int = 1) -> list[Any]:
    gen = Generator(model, seed, REFERENCE)
    out = []
    for index in range(count):
        gen.begin_record(index, count)
        out.append(gen.record("things")[field])
    return out


def test_generator_same_seed_same_records() -> None:
    model = _tiny({"name": {"type": "string", "x-faker": "last_name"}, "n": {"type": "integer"}})
    assert _values(model, "name", seed=5) == _values(model, "name", seed=5)
    assert _values(model, "n", seed=5) != _values(model, "n", seed=6)


def test_generator_local_datetime_pattern_gives_timestamps() -> None:
    pattern = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$"
    values = _values(_tiny({"at": {"type": "string", "pattern": pattern}}), "at")
    assert all(re.match(pattern, v) and parse_timestamp(v) is not None for v in values)


def test_generator_space_datetime_pattern_gives_timestamps() -> None:
    pattern = r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$"
    values = _values(_tiny({"at": {"type": "string", "pattern": pattern}}), "at")
    assert all(re.match(pattern, v) and parse_timestamp(v) is not None for v in values)


@pytest.mark.parametrize(
    "pattern",
    [r"^\d+$", r"^[0-9]{7}$", r"^[A-Z]{2}\d{4}$", r"^(ab|cd)+-x?$", r"^[^0-9]{3}\.$", r"^[a-f0-9]{24}$", r"^SO-\d{6}$"],
)
def test_generator_patterns_match(pattern: str) -> None:
    values = _values(_tiny({"code": {"type": "string", "pattern": pattern}}), "code")
    assert all(re.search(pattern, v) for v in values)
    assert len(set(values)) > 1 or pattern == r"^[^0-9]{3}\.$"


def test_generator_unsupported_pattern_is_a_spec_error() -> None:
    with pytest.raises(SpecError, match=r"field /code: pattern .*unsupported"):
        Generator(_tiny({"code": {"type": "string", "pattern": r"^(?P<x>a)$"}}), 1, REFERENCE)  # a named group


def test_generator_unknown_faker_provider_is_a_spec_error() -> None:
    with pytest.raises(SpecError, match="field /name: x-faker: unknown Faker provider 'no_such_provider'"):
        Generator(_tiny({"name": {"type": "string", "x-faker": "no_such_provider"}}), 1, REFERENCE)


def test_generator_x_mock_weights_set_proportions() -> None:
    model = _tiny({"status": {"type": "string", "x-mock-values": ["a", "b"], "x-mock-weights": [9, 1]}})
    counts = Counter(_values(model, "status", count=2000))
    assert set(counts) == {"a", "b"}
    assert 0.85 < counts["a"] / 2000 < 0.95


def test_generator_enum_values_only() -> None:
    values = _values(_tiny({"kind": {"type": "integer", "enum": [1, 2, 101]}}), "kind")
    assert set(values) == {1, 2, 101}


def test_generator_nullable_is_sometimes_null() -> None:
    values = _values(_tiny({"note": {"type": "string", "nullable": True}}), "note", count=500)
    assert 0 < values.count(None) < 200
    assert all(isinstance(v, str) for v in values if v is not None)


def test_generator_bounds_and_lengths_respected() -> None:
    model = _tiny(
        {
            "n": {"type": "integer", "minimum": 3, "maximum": 5},
            "x": {"type": "number", "minimum": 0.5, "maximum": 1},
            "s": {"type": "string", "minLength": 8, "maxLength": 12},
            "tags": {"type": "array", "minItems": 2, "maxItems": 3, "items": {"type": "string"}},
        }
    )
    gen = Generator(model, 3, REFERENCE)
    for _ in range(200):
        record = gen.record("things")
        assert 3 <= record["n"] <= 5 and 0.5 <= record["x"] <= 1 and 8 <= len(record["s"]) <= 12
        assert 2 <= len(record["tags"]) <= 3


def test_generator_faker_templates_are_native_and_match() -> None:
    model = _tiny(
        {
            "a": {"type": "string", "x-faker": {"provider": "numerify", "args": {"text": "10#####"}}},
            "b": {"type": "string", "x-faker": {"provider": "bothify", "args": {"text": "??####", "letters": "ABC"}}},
            "c": {"type": "string", "x-faker": {"provider": "hexify", "args": {"text": "^^^^^^^^"}}},
            "d": {"type": "integer", "x-faker": {"provider": "pyint", "args": {"min_value": 1, "max_value": 5}}},
            "e": {"type": "string", "x-faker": "uuid4"},
        }
    )
    gen = Generator(model, 9, REFERENCE)
    for _ in range(200):
        record = gen.record("things")
        assert re.fullmatch(r"10\d{5}", record["a"]) and re.fullmatch(r"[ABC]{2}\d{4}", record["b"])
        assert re.fullmatch(r"[0-9a-f]{8}", record["c"]) and 1 <= record["d"] <= 5
        assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", record["e"])


def test_generator_keys_and_unique_fields_never_repeat() -> None:
    model = _tiny(
        {"code": {"type": "string", "x-faker": {"provider": "bothify", "args": {"text": "?#"}}}}, unique=("code",)
    )
    gen = Generator(model, 1, REFERENCE)
    records = [gen.record("things") for _ in range(200)]  # 260 possible codes
    ids = [r["id"] for r in records]
    assert ids == sorted(ids) and len(set(ids)) == 200
    assert len({r["code"] for r in records}) == 200


def test_generator_unique_numbered_template_counts_up() -> None:
    model = _tiny(
        {"number": {"type": "string", "x-faker": {"provider": "numerify", "args": {"text": "SO-##"}}}},
        unique=("number",),
    )
    numbers = _values(model, "number", count=150)  # more than the 100 the template has room for
    assert len(set(numbers)) == 150 and all(n.startswith("SO-") for n in numbers)
    assert [int(n[3:]) for n in numbers] == sorted(int(n[3:]) for n in numbers)


def test_generator_exhausted_unique_field_is_a_spec_error() -> None:
    model = _tiny({"code": {"type": "string", "x-mock-values": ["a", "b"]}}, unique=("code",))
    gen = Generator(model, 1, REFERENCE)
    gen.record("things")
    gen.record("things")
    with pytest.raises(SpecError, match="no unique value left"):
        gen.record("things")


def test_generator_hidden_fields_are_generated() -> None:
    model = _tiny({}, hidden={"internal": {"type": "string", "pattern": "^[A-Z]{6}$"}})
    assert all(re.fullmatch("[A-Z]{6}", v) for v in _values(model, "internal"))


def test_generator_map_with_key_pattern_uses_positions() -> None:
    model = _tiny(
        {
            "items": {
                "type": "object",
                "x-key-pattern": "^[1-9][0-9]*$",
                "additionalProperties": {"type": "object", "properties": {"q": {"type": "integer"}}},
            }
        }
    )
    for items in _values(model, "items"):
        assert list(items) == [str(i) for i in range(1, len(items) + 1)]


def test_generator_timestamps_lie_before_the_reference_date() -> None:
    values = _values(_tiny({"at": {"type": "string", "format": "date-time"}}), "at", count=300)
    moments = [parse_timestamp(v) for v in values]
    assert all(m is not None and REFERENCE - HISTORY <= m < REFERENCE for m in moments)
    assert all(v.endswith("Z") for v in values)


def test_generator_anchor_rises_with_the_record_index() -> None:
    gen = Generator(_tiny({}), 1, REFERENCE)
    anchors = []
    for index in range(100):
        gen.begin_record(index, 100)
        anchors.append(gen.anchor)
    assert anchors == sorted(anchors) and anchors[0] >= REFERENCE - HISTORY and anchors[-1] < REFERENCE


def test_generator_reference_date_shifts_timestamps() -> None:
    model = _tiny({"at": {"type": "string", "x-mock-format": "%Y-%m-%d %H:%M:%S"}})
    early, late = Generator(model, 4, REFERENCE), Generator(model, 4, REFERENCE + timedelta(days=30))
    for index in range(20):
        early.begin_record(index, 20)
        late.begin_record(index, 20)
        first, second = parse_timestamp(early.record("things")["at"]), parse_timestamp(late.record("things")["at"])
        assert first is not None and second is not None and second - first == timedelta(days=30)


def test_timestamp_format_reads_hints_formats_and_patterns() -> None:
    assert timestamp_format({"type": "string", "format": "date-time"}) == "%Y-%m-%dT%H:%M:%SZ"
    assert timestamp_format({"type": "string", "x-mock-format": "%d.%m.%Y"}) == "%d.%m.%Y"
    assert timestamp_format({"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"}) == "%Y-%m-%d"
    assert timestamp_format({"type": "string", "pattern": r"^\d+$"}) is None
    assert timestamp_format({"type": "string", "pattern": ".*"}) is None


def test_generator_falls_back_to_documented_example_values() -> None:
    # printlounge documents `printshop: 0` and `serviceprovider_status: ''`: unhinted fields take those values.
    dataset = generate_dataset(_model("printlounge"), seed=3, count=20)
    carts = dataset.resources["orders"]
    assert {cart["printshop"] for cart in carts} == {0}
    assert {cart["serviceprovider_status"] for cart in carts} == {""}


@pytest.mark.parametrize("api", APIS)
@settings(max_examples=15, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32), count=st.integers(min_value=1, max_value=6))
def test_generator_records_validate_against_spec(api: str, seed: int, count: int) -> None:
    model = _model(api)
    dataset = generate_dataset(model, seed=seed, count=count)
    assert len(dataset.resources[next(iter(model.resources))]) == count
    for resource, records in dataset.resources.items():
        validator = jsonschema_rs.Draft4Validator(record_schema(model, resource), validate_formats=True)
        for record in records:
            assert validator.is_valid(record), [e.message for e in validator.iter_errors(record)]


def test_generator_eguma_is_swiss() -> None:
    orders = generate_dataset(_model("eguma"), seed=11, count=60).resources["orders"]
    customers = [order["customer"] for order in orders if order["customer"] is not None]
    assert {order["currency"] for order in orders} == {"CHF"}
    assert {order["language"] for order in orders} <= {"de", "fr", "it", "en"}
    assert all(re.fullmatch(r"\d{4}", customer["zip"]) for customer in customers)
    assert all(re.fullmatch(r"(\+41 |0)\d{2} \d{3} \d{2} \d{2}", customer["phone"]) for customer in customers)
    assert {customer["country"] for customer in customers} == {"CH"}


@pytest.mark.parametrize("api", ["plandocket", "printlounge", "mittwald"])
def test_generator_german_apis_are_de_de_and_euro(api: str) -> None:
    assert (_model(api).locale, _model(api).currency) == ("de_DE", "EUR")


def test_generator_plandocket_orders_are_in_euro() -> None:
    orders = generate_dataset(_model("plandocket"), seed=2, count=30).resources["service_orders"]
    assert {order["currency"] for order in orders} == {"EUR"}


def test_generator_printlounge_zips_are_german() -> None:
    carts = generate_dataset(_model("printlounge"), seed=8, count=30).resources["orders"]
    assert all(10000 <= cart["invoice_address_zip"] <= 99999 for cart in carts)
