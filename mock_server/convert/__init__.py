"""This package converts the OpenAPI versions connexion 3.3 and the engine don't read into OpenAPI 3.0, at load time.

    oas31.py     OpenAPI 3.1 -> 3.0.3: type lists with null, const, examples arrays, numeric exclusive bounds,
                 $ref siblings; refuses, in one line naming it, a construct 3.0 cannot express
    swagger2.py  Swagger 2.0 -> OpenAPI 3.0.3: definitions, body/formData parameters, produces/consumes, response
                 schemas, securityDefinitions, host/basePath
    schemas.py   walking every schema of a document

Everything downstream (the model, connexion, validation, generation) then sees OpenAPI 3.0.
"""

from __future__ import annotations

from typing import Any

from mock_server.convert.oas31 import from_oas31
from mock_server.convert.swagger2 import from_swagger2
from mock_server.errors import Problem, SpecError
from mock_server.types import Document

__all__ = ["from_oas31", "from_swagger2", "plain_media_types", "to_openapi30"]


def to_openapi30(document: Document, file: str) -> Document:
    """The document as OpenAPI 3.0: 3.0 documents unchanged (the same object), 3.1 and Swagger 2.0 converted;
    SpecError (file: pointer: reason) for what can't be converted honestly."""
    if str(document.get("swagger", "")).startswith("2."):
        return plain_media_types(from_swagger2(document, file))
    version = str(document.get("openapi", ""))
    if version.startswith("3.1"):
        return plain_media_types(from_oas31(document, file))
    if version and not version.startswith("3.0"):
        raise SpecError(
            [Problem(file, "/openapi", f"OpenAPI {version} is not supported (3.0, 3.1 and Swagger 2.0 are)")]
        )
    return plain_media_types(document)


def plain_media_types(document: Document) -> Document:
    """The document with media type parameters dropped from content keys (`application/json; charset=utf-8` ->
    `application/json`) where that names no other declared type: connexion 3.3 compares a response's bare media
    type with the declared keys verbatim, so a declared parameter fails every response. The same object when no key
    has parameters."""
    if not _has_parameters(document):
        return document
    stripped: Document = _strip(document)
    return stripped


def _has_parameters(node: Any) -> bool:
    if isinstance(node, list):
        return any(_has_parameters(v) for v in node)
    if not isinstance(node, dict):
        return False
    content = node.get("content")
    if isinstance(content, dict) and any(";" in str(k) for k in content):
        return True
    return any(_has_parameters(v) for k, v in node.items() if not _is_data(k))


def _strip(node: Any) -> Any:
    if isinstance(node, list):
        return [_strip(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key == "content" and isinstance(value, dict):
            plain = [str(k).split(";")[0].strip() for k in value]
            unique = len(set(plain)) == len(plain)
            out[key] = {(p if unique else k): _strip(v) for p, (k, v) in zip(plain, value.items(), strict=True)}
        elif _is_data(key):
            out[key] = value
        else:
            out[key] = _strip(value)
    return out


def _is_data(key: Any) -> bool:
    return key in ("example", "examples", "default", "enum") or str(key).startswith("x-")
