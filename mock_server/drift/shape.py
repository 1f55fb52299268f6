"""This module contains Shape: a schema inferred from the values seen at one place, keeping types and formats only."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mock_server.drift.values import infer_format, looks_sensitive, type_name

MAX_NAMED_PROPERTIES = 50
"""An object with more keys than this (or with a key that looks like personal data) is taken for a map."""
_PLACEHOLDERS: dict[str, Any] = {
    "date-time": "2000-01-01T00:00:00Z",
    "date": "2000-01-01",
    "uuid": "00000000-0000-4000-8000-000000000000",
    "email": "user@example.com",
}


@dataclass
class Shape:
    """What was seen at one place: JSON types, the common string format, object members and array items."""

    types: set[str] = field(default_factory=set)
    string_formats: set[str | None] = field(default_factory=set)
    """The formats of the strings seen (None for a string of no inferred format)."""
    properties: dict[str, Shape] = field(default_factory=dict)
    entries: Shape | None = None
    """The values of a map (an object keyed by data, not by names)."""
    items: Shape | None = None

    def add(self, value: Any) -> None:
        """Merge one more value into the shape (no value is kept)."""
        kind = type_name(value)
        self.types.add(kind)
        if kind == "string":
            self._add_string(value)
        elif kind == "array":
            for item in value:
                self.items = self.items or Shape()
                self.items.add(item)
        elif kind == "object":
            self._add_object(value)

    def _add_string(self, text: str) -> None:
        if len(self.string_formats) <= 1:  # past two, no common format can come back
            self.string_formats.add(infer_format(text))

    def _add_object(self, value: dict[str, Any]) -> None:
        as_map = self.entries is not None or len(value) > MAX_NAMED_PROPERTIES or any(map(looks_sensitive, value))
        if as_map:
            self.entries = self.entries or Shape()
            for member in value.values():
                self.entries.add(member)
            return
        for name, member in value.items():
            self.properties.setdefault(name, Shape()).add(member)

    @property
    def nullable(self) -> bool:
        return "null" in self.types

    def to_schema(self) -> dict[str, Any]:
        """An OpenAPI 3.0 schema accepting every value seen (anyOf where several types were)."""
        kinds = [t for t in ("boolean", "integer", "number", "string", "array", "object") if t in self.types]
        if "number" in kinds and "integer" in kinds:
            kinds.remove("integer")
        branches = [self._schema_of(kind) for kind in kinds]
        if not branches:
            return {"nullable": True}
        schema: dict[str, Any] = branches[0] if len(branches) == 1 else {"anyOf": branches}
        if self.nullable:
            schema["nullable"] = True
        return schema

    def _schema_of(self, kind: str) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": kind}
        if kind == "string" and len(self.string_formats) == 1 and None not in self.string_formats:
            schema["format"] = next(iter(self.string_formats))
        elif kind == "array":
            schema["items"] = self.items.to_schema() if self.items else {}
        elif kind == "object":
            if self.properties:
                schema["properties"] = {name: shape.to_schema() for name, shape in self.properties.items()}
            if self.entries is not None:
                schema["additionalProperties"] = self.entries.to_schema()
        return schema

    def placeholder(self) -> Any:
        """A made-up value that fits to_schema() (an example for a proposed 2xx response; never a seen value)."""
        return placeholder_of(self.to_schema())


def placeholder_of(schema: dict[str, Any]) -> Any:
    """A made-up value valid against a schema built by Shape.to_schema()."""
    if "anyOf" in schema:
        return placeholder_of(schema["anyOf"][0])
    kind = schema.get("type")
    if kind is None:
        return None
    if kind == "string":
        return _PLACEHOLDERS.get(schema.get("format", ""), "string")
    if kind in ("integer", "number"):
        return 0
    if kind == "boolean":
        return False
    if kind == "array":
        return []
    return {name: placeholder_of(sub) for name, sub in (schema.get("properties") or {}).items()}
