"""This module contains `mock-server validate`: openapi-spec-validator plus the lint rules it does not cover."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema_rs
from jsonschema import Draft4Validator
from jsonschema.exceptions import ValidationError
from openapi_spec_validator import OpenAPIV30SpecValidator, OpenAPIV31SpecValidator
from openapi_spec_validator.schemas import schema_v30, schema_v31
from referencing.exceptions import Unresolvable

from mock_server.errors import Problem, SpecError
from mock_server.model import ApiModel
from mock_server.specs import Spec, resolve_pointer, resolve_refs, to_json_schema
from mock_server.types import Document

BODILESS_STATUSES = frozenset({"204", "205", "304"})
"""Responses that have no body in HTTP: no content, schema or example is expected of them."""


def validate_spec_file(path: Path) -> list[Problem]:
    """Every problem in one spec file, house-style ones (summary, 2xx example...) flagged `warning`; SpecError only
    when the file can't be read or parsed at all."""
    spec = Spec.from_file(path)
    file = str(path)
    broken_refs = list(_ref_problems(spec.document, file))
    problems = list(_structure_problems(spec.document, file, semantic=not broken_refs))
    problems += broken_refs
    if broken_refs or problems:  # everything below needs a well-formed document with its references resolved
        return problems
    problems += _operation_problems(spec, file)
    if any(not p.warning for p in problems):
        return problems
    problems += _example_problems(spec, file)
    if "x-mock-api" in spec.document:
        try:
            ApiModel.from_spec(spec)
        except SpecError as exc:
            problems += exc.problems
        except Exception as exc:  # a model bug must not hide behind a traceback: name it on one line
            problems.append(Problem(file, "/x-mock-api", _short(f"cannot be mocked: {type(exc).__name__}: {exc}")))
    return problems


def _structure_problems(document: Document, file: str, *, semantic: bool) -> Iterator[Problem]:
    """The OpenAPI 3.0 schema first (jsonschema keeps sub-errors, so a failed `oneOf` names the real cause), then,
    when every $ref resolves, openapi-spec-validator's semantic checks (duplicate operationIds, undeclared path
    parameters...)."""
    version = str(document.get("openapi", ""))
    validator_cls: type[OpenAPIV30SpecValidator | OpenAPIV31SpecValidator]
    if version.startswith("3.1"):
        schema, validator_cls = schema_v31, OpenAPIV31SpecValidator
    else:
        schema, validator_cls = schema_v30, OpenAPIV30SpecValidator
    structural = list(Draft4Validator(dict(schema)).iter_errors(document))
    for err in structural:
        cause = _cause(err)
        yield Problem(file, _pointer(list(cause.absolute_path)), _explain(cause))
    if structural or not semantic:
        return
    try:
        anchor = ""  # openapi-spec-validator reports errors inside a schema relative to it: the last absolute pointer
        for err in validator_cls(document).iter_errors():
            pointer = _pointer(list(err.absolute_path))
            if _points_into(document, pointer):
                anchor = pointer
            elif anchor and _points_into(document, anchor + pointer):
                pointer = anchor + pointer
            yield Problem(file, pointer, _short(_undumped(err.message)))
    except Unresolvable as exc:  # a reference _ref_problems can't see (e.g. inside a remote document)
        yield Problem(file, "", _short(f"unresolvable reference {getattr(exc, 'ref', '')!r}"))


def _cause(err: ValidationError) -> ValidationError:
    """The error that names the real problem of a failed oneOf/anyOf: branches that only say "'$ref' is a required
    property" of an object without $ref are dropped (it was not meant as a Reference Object), then the deepest."""
    if not err.context:
        return err
    candidates = [c for c in err.context if not _not_a_reference(c)] or list(err.context)
    return _cause(max(candidates, key=lambda c: len(c.absolute_path)))


def _not_a_reference(err: ValidationError) -> bool:
    return (
        err.validator == "required"
        and "$ref" in (err.validator_value or [])
        and isinstance(err.instance, dict)
        and "$ref" not in err.instance
    )


def _explain(err: ValidationError) -> str:
    path = list(err.absolute_path)
    if err.validator == "enum" and path and path[-1] == "type":
        allowed = ", ".join(str(v) for v in err.validator_value or [])
        return _short(f"invalid type {err.instance!r}; a schema type is one of {allowed}")
    return _short(_undumped(err.message))


def _points_into(document: Document, pointer: str) -> bool:
    try:
        resolve_pointer(document, "#" + pointer)
    except (KeyError, IndexError, ValueError):
        return False
    return True


def _undumped(message: str) -> str:
    """A failed oneOf/anyOf's message without the dump of the whole instance it starts with."""
    for keyword in ("oneOf", "anyOf"):
        if f"'{keyword}'" in message and "is not valid under any of the" in message:
            return f"matches none of the {keyword} alternatives OpenAPI allows here"
    return message


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
    """House style (warnings; errors with --strict): every operation has an operationId and a summary, every 2xx
    response that has a body has a schema and an example. A 204 has no body; a recursive $ref is an error (the
    mock cannot inline it)."""
    for path, method, op in spec.operations():
        base = ["paths", path, method]
        for required in ("operationId", "summary"):
            if not op.get(required):
                yield Problem(file, _pointer(base), f"operation has no {required}", warning=True)
        try:
            resolved = resolve_refs(op, spec.document)
        except KeyError as exc:  # a recursive reference: OpenAPI allows it, the mock's $ref inlining does not
            yield Problem(file, _pointer(base), f"cannot be mocked: {exc.args[0] if exc.args else exc}")
            continue
        for status, response in (resolved.get("responses") or {}).items():
            if not str(status).startswith("2") or str(status) in BODILESS_STATUSES:
                continue
            content = response.get("content") or {}
            if not content:
                yield Problem(
                    file, _pointer([*base, "responses", status]), "2xx response has no content schema", warning=True
                )
            for media_type, media in content.items():
                where = [*base, "responses", status, "content", media_type]
                if not media.get("schema"):
                    yield Problem(file, _pointer(where), "2xx response has no schema", warning=True)
                if "example" not in media and not media.get("examples"):
                    yield Problem(file, _pointer(where), "2xx response has no example", warning=True)


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
