"""This module contains `mock-server validate`: openapi-spec-validator plus the lint rules it does not cover."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema_rs
from jsonschema import Draft4Validator
from jsonschema.exceptions import best_match
from openapi_spec_validator import OpenAPIV30SpecValidator, OpenAPIV31SpecValidator
from openapi_spec_validator.schemas import schema_v30, schema_v31
from referencing.exceptions import Unresolvable

from mock_server.errors import Problem, SpecError
from mock_server.model import ApiModel
from mock_server.specs import Spec, resolve_pointer, resolve_refs, to_json_schema
from mock_server.types import Document


def validate_spec_file(path: Path) -> list[Problem]:
    """Every problem in one spec file; SpecError only when the file can't be read or parsed at all."""
    spec = Spec.from_file(path)
    file = str(path)
    problems = list(_structure_problems(spec.document, file))
    broken_refs = list(_ref_problems(spec.document, file))
    problems += broken_refs
    if broken_refs:  # everything below needs the references resolved
        return problems
    problems += _operation_problems(spec, file)
    problems += _example_problems(spec, file)
    if "x-mock-api" in spec.document:
        try:
            ApiModel.from_spec(spec)
        except SpecError as exc:
            problems += exc.problems
    return problems


def _structure_problems(document: Document, file: str) -> Iterator[Problem]:
    """The OpenAPI 3.0 schema first (jsonschema keeps sub-errors, so a failed `oneOf` names the real cause), then
    openapi-spec-validator's semantic checks (duplicate operationIds, undeclared path parameters...)."""
    version = str(document.get("openapi", ""))
    validator_cls: type[OpenAPIV30SpecValidator | OpenAPIV31SpecValidator]
    if version.startswith("3.1"):
        schema, validator_cls = schema_v31, OpenAPIV31SpecValidator
    else:
        schema, validator_cls = schema_v30, OpenAPIV30SpecValidator
    structural = list(Draft4Validator(dict(schema)).iter_errors(document))
    for err in structural:
        best = best_match(err.context) if err.context else err
        yield Problem(file, _pointer(list(best.absolute_path)), _short(best.message))
    if structural:
        return
    try:
        for err in validator_cls(document).iter_errors():
            yield Problem(file, _pointer(list(err.absolute_path)), _short(err.message))
    except Unresolvable as exc:
        yield Problem(file, "", f"unresolvable reference: {exc}")


def _ref_problems(document: Document, file: str) -> Iterator[Problem]:
    for pointer, ref in _walk_refs(document, []):
        try:
            resolve_pointer(document, ref)
        except (KeyError, IndexError, ValueError):
            yield Problem(file, pointer, f"$ref {ref!r} does not resolve")


def _walk_refs(node: Any, path: list[str | int]) -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield _pointer([*path, "$ref"]), node["$ref"]
        for key, value in node.items():
            yield from _walk_refs(value, [*path, key])
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk_refs(value, [*path, i])


def _operation_problems(spec: Spec, file: str) -> Iterator[Problem]:
    for path, method, op in spec.operations():
        base = ["paths", path, method]
        for required in ("operationId", "summary"):
            if not op.get(required):
                yield Problem(file, _pointer(base), f"operation has no {required}")
        resolved = resolve_refs(op, spec.document)
        for status, response in (resolved.get("responses") or {}).items():
            if not str(status).startswith("2"):
                continue
            content = response.get("content") or {}
            if not content:
                yield Problem(file, _pointer([*base, "responses", status]), "2xx response has no content schema")
            for media_type, media in content.items():
                where = [*base, "responses", status, "content", media_type]
                if not media.get("schema"):
                    yield Problem(file, _pointer(where), "2xx response has no schema")
                if "example" not in media and not media.get("examples"):
                    yield Problem(file, _pointer(where), "2xx response has no example")


def _example_problems(spec: Spec, file: str) -> Iterator[Problem]:
    """Every media-type example (responses and request bodies) must validate against its schema."""
    for path, method, op in spec.operations():
        resolved = resolve_refs(op, spec.document)
        places: list[tuple[list[str | int], dict[str, Any]]] = []
        for status, response in (resolved.get("responses") or {}).items():
            for media_type, media in (response.get("content") or {}).items():
                places.append((["paths", path, method, "responses", status, "content", media_type], media))
        for media_type, media in ((resolved.get("requestBody") or {}).get("content") or {}).items():
            places.append((["paths", path, method, "requestBody", "content", media_type], media))
        for where, media in places:
            schema = media.get("schema")
            if not isinstance(schema, dict):
                continue
            validator = jsonschema_rs.Draft4Validator(to_json_schema(schema))
            examples: list[tuple[list[str | int], Any]] = []
            if "example" in media:
                examples.append(([*where, "example"], media["example"]))
            for name, example in (media.get("examples") or {}).items():
                if isinstance(example, dict) and "value" in example:
                    examples.append(([*where, "examples", name, "value"], example["value"]))
            for ex_where, value in examples:
                for err in validator.iter_errors(value):
                    yield Problem(
                        file,
                        _pointer([*ex_where, *err.instance_path]),
                        f"example does not match its schema: {err.message[:200]}",
                    )


def _short(message: str) -> str:
    line = message.splitlines()[0]
    return line if len(line) <= 200 else line[:197] + "..."


def _pointer(parts: list[Any]) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)
