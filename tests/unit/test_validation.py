"""Parameter validation says exactly what connexion's own validator says, with validators compiled once."""

from __future__ import annotations

from typing import Any

import pytest
from connexion.validators import ParameterValidator

from mock_server.validation import NamedParameterValidator, _schema_error

LIMIT = {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}}
STATUS = {"name": "status", "in": "query", "required": True, "schema": {"type": "string", "enum": ["new", "done"]}}
NOTE = {"name": "note", "in": "query", "schema": {"type": "string", "nullable": True, "maxLength": 3}}
DAY = {"name": "day", "in": "query", "schema": {"type": "string", "format": "date"}}
CASES: list[tuple[dict[str, Any], Any]] = [
    (LIMIT, 5),
    (LIMIT, 0),
    (LIMIT, 101),
    (LIMIT, "x"),
    (LIMIT, None),
    (STATUS, None),
    (STATUS, "old"),
    (STATUS, "new"),
    (NOTE, None),
    (NOTE, "long"),
    (DAY, "2024-02-30"),
    (DAY, "2024-02-29"),
]


@pytest.mark.parametrize(("param", "value"), CASES)
def test_messages_are_connexions_own(param: dict[str, Any], value: Any) -> None:
    assert _schema_error("query", value, param) == ParameterValidator.validate_parameter("query", value, param)


def test_a_parameter_is_validated_the_same_on_every_call() -> None:
    first = [NamedParameterValidator.validate_parameter("query", v, LIMIT) for v in (0, 5, 0)]
    assert first[0] == first[2] == "query parameter 'limit': 0 is less than the minimum of 1"
    assert first[1] is None
