"""This module contains from_oas31: an OpenAPI 3.1 document rewritten as OpenAPI 3.0.3, where that is honest.

Converted: `type` lists (with "null": nullable; several types: anyOf), `const` (a one-item enum), schema `examples`
arrays (the first becomes `example`), numeric `exclusiveMinimum`/`exclusiveMaximum` (the 3.0 boolean form),
`$ref` with sibling keywords (allOf of the reference and the siblings; descriptions are dropped), annotations 3.0
lacks (`$schema`, `$id`, `$comment`, `contentMediaType`, `license.identifier`, `info.summary`), webhooks beside
paths (the mock serves the paths; it sends no webhooks). Refused, in one line naming the construct: a document with
webhooks but no paths, and schema keywords 3.0 has no equivalent for (prefixItems, if/then/else, $dynamicRef, ...).
"""

from __future__ import annotations

from typing import Any

from mock_server.convert.schemas import walk_all
from mock_server.errors import Problem, SpecError
from mock_server.types import Document, Schema

TARGET_VERSION = "3.0.3"
UNSUPPORTED = (
    "prefixItems",
    "if",
    "then",
    "else",
    "dependentSchemas",
    "dependentRequired",
    "unevaluatedProperties",
    "unevaluatedItems",
    "$dynamicRef",
    "$dynamicAnchor",
    "$recursiveRef",
    "contains",
    "minContains",
    "maxContains",
    "propertyNames",
    "patternProperties",
    "$defs",
)
"""Schema keywords of 3.1 (JSON Schema 2020-12) that OpenAPI 3.0 cannot express."""
DROPPED = ("$schema", "$id", "$anchor", "$comment", "contentMediaType", "contentEncoding", "contentSchema", "nullable")
"""Annotations without effect on validation or generation, and `nullable`, which 3.1 does not know (a 3.0 habit a 3.1
validator ignores: null is allowed by a "null" type only): dropped."""
HARMLESS_REF_SIBLINGS = frozenset({"description", "summary", "title", "$comment", "deprecated"})
_TYPES = ("string", "number", "integer", "boolean", "array", "object")


def from_oas31(document: Document, file: str) -> Document:
    """The 3.1 document as 3.0.3; SpecError naming the first construct that can't be converted honestly."""
    paths = document.get("paths")
    if not paths and document.get("webhooks"):
        raise SpecError([Problem(file, "/webhooks", "an OpenAPI 3.1 document with webhooks only: nothing to serve")])
    problems: list[Problem] = []
    if isinstance((document.get("components") or {}).get("pathItems"), dict):
        problems.append(Problem(file, "/components/pathItems", "OpenAPI 3.1 pathItems components are not supported"))
    if document.get("jsonSchemaDialect") not in (None, "https://spec.openapis.org/oas/3.1/dialect/base"):
        problems.append(Problem(file, "/jsonSchemaDialect", "a JSON Schema dialect other than the OpenAPI 3.1 base"))

    def convert(schema: Schema, pointer: str) -> Schema:
        try:
            return convert_schema(schema)
        except ValueError as exc:
            problems.append(Problem(file, pointer, str(exc)))
            return schema

    out: Document = {k: v for k, v in document.items() if k not in ("webhooks", "jsonSchemaDialect")}
    out["openapi"] = TARGET_VERSION
    out["paths"] = paths or {}
    info = dict(out.get("info") or {})
    info.pop("summary", None)
    if isinstance(info.get("license"), dict):
        info["license"] = {k: v for k, v in info["license"].items() if k != "identifier"}
    out["info"] = info
    out = walk_all(out, convert, ("components/schemas",))
    if problems:
        raise SpecError(problems[:1])
    return out


def convert_schema(schema: Schema) -> Schema:
    """One 3.1 schema object (sub-schemas already converted) as 3.0; ValueError naming what 3.0 can't express."""
    for keyword in UNSUPPORTED:
        if keyword in schema:
            raise ValueError(f"the OpenAPI 3.1 schema keyword {keyword} has no OpenAPI 3.0 equivalent")
    out = {k: v for k, v in schema.items() if k not in DROPPED}
    if "$ref" in out and len(out) > 1:
        siblings = {k: v for k, v in out.items() if k != "$ref" and k not in HARMLESS_REF_SIBLINGS}
        if not siblings:
            return {"$ref": out["$ref"]}
        # 3.0 ignores $ref siblings; 3.1 applies them to the instance, as they do beside an allOf
        return {"allOf": [{"$ref": out["$ref"]}], **convert_schema(siblings)}
    if "const" in out:
        out["enum"] = [out.pop("const")]
    if isinstance(out.get("examples"), list):
        examples = out.pop("examples")
        if examples and "example" not in out:
            out["example"] = examples[0]
    for bound, inclusive in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        value = out.get(bound)
        if isinstance(value, int | float) and not isinstance(value, bool):
            out[inclusive] = value
            out[bound] = True
    kind = out.get("type")
    if isinstance(kind, list):
        out = _type_list(out, kind)
    elif kind == "null":
        out = _only_null(out)
    return out


def _type_list(schema: Schema, kinds: list[Any]) -> Schema:
    unknown = [k for k in kinds if k not in (*_TYPES, "null")]
    if unknown:
        raise ValueError(f"unknown type {unknown[0]!r}")
    real = [k for k in kinds if k != "null"]
    nullable = "null" in kinds
    out = {k: v for k, v in schema.items() if k != "type"}
    if not real:
        return _only_null(out)
    if len(real) == 1:
        out["type"] = real[0]
    else:  # type-specific keywords only apply to their type, in 3.1 as in each branch here
        outer = {k: v for k, v in out.items() if k in ("description", "title", "readOnly", "writeOnly")}
        inner = {k: v for k, v in out.items() if k not in outer}
        out = {"anyOf": [{"type": k, **inner} for k in real], **outer}
    # an enum without null forbids null in 3.1 whatever the type says; 3.0 needs null in the enum too
    if nullable and ("enum" not in out or None in out["enum"]):
        out["nullable"] = True
    return out


def _only_null(schema: Schema) -> Schema:
    out = {k: v for k, v in schema.items() if k != "type"}
    out["nullable"] = True
    out["enum"] = [None]
    return out
