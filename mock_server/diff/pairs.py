"""This module contains what the rules look at: the two sides of a document, an operation or a schema position."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from mock_server.diff.normalize import ORIGIN, Api, Operation, Parameter, Response
from mock_server.types import Schema

Where = Literal["parameter", "request-body", "response-body", "response-header"]


@dataclass(frozen=True, slots=True)
class DocumentPair:
    old: Api
    new: Api


@dataclass(frozen=True, slots=True)
class OperationPair:
    """One operation present in both sides."""

    old: Operation
    new: Operation
    old_api: Api
    new_api: Api

    def parameters(self) -> Iterator[tuple[Parameter | None, Parameter | None]]:
        """(old, new) per parameter key; one side is None for a removed or added parameter."""
        for key in dict.fromkeys([*self.old.parameters, *self.new.parameters]):
            yield self.old.parameters.get(key), self.new.parameters.get(key)

    def responses(self) -> Iterator[tuple[Response, Response]]:
        """(old, new) per status present in both."""
        for status, old in self.old.responses.items():
            if status in self.new.responses:
                yield old, self.new.responses[status]


@dataclass(frozen=True, slots=True)
class SchemaPair:
    """One position in a request or response schema, in both sides: `path` names it (`customer.email`, `items[]`)."""

    where: Where
    context: str
    path: str
    old: Schema
    new: Schema

    @property
    def request(self) -> bool:
        return self.where in ("parameter", "request-body")

    @property
    def subject(self) -> str:
        """How a message names this position: `response 200 application/json property customer.email`."""
        return f"{self.context} property {self.path}" if self.path else self.context

    def child(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def properties(self, schema: Schema) -> dict[str, Schema]:
        """The schema's properties a client sees on this side: no readOnly ones in requests, no writeOnly ones
        in responses."""
        hidden = "readOnly" if self.request else "writeOnly"
        props = schema.get("properties")
        if not isinstance(props, dict):
            return {}
        return {k: v for k, v in props.items() if isinstance(v, dict) and not v.get(hidden)}


def origin(schema: Schema) -> str:
    """The pointer of a resolved schema in its file."""
    return str(schema.get(ORIGIN, ""))


def walk_schemas(where: Where, context: str, old: Schema, new: Schema, path: str = "") -> Iterator[SchemaPair]:
    """Every position present in both schemas: the root, common properties, array items, additionalProperties."""
    pair = SchemaPair(where, context, path, old, new)
    yield pair
    if "$ref" in old or "$ref" in new:  # a recursion marker: compared by name only, not entered again
        return
    old_props, new_props = pair.properties(old), pair.properties(new)
    for name in old_props:
        if name in new_props:
            yield from walk_schemas(where, context, old_props[name], new_props[name], pair.child(name))
    if isinstance(old.get("items"), dict) and isinstance(new.get("items"), dict):
        yield from walk_schemas(where, context, old["items"], new["items"], f"{path}[]")
    old_extra, new_extra = old.get("additionalProperties"), new.get("additionalProperties")
    if isinstance(old_extra, dict) and isinstance(new_extra, dict):
        yield from walk_schemas(where, context, old_extra, new_extra, f"{path}{{}}")
