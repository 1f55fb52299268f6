"""This package converts the OpenAPI versions connexion 3.3 and the engine don't read into OpenAPI 3.0, at load time.

    oas31.py     OpenAPI 3.1 -> 3.0.3: type lists with null, const, examples arrays, numeric exclusive bounds,
                 $ref siblings; refuses, in one line naming it, a construct 3.0 cannot express
    swagger2.py  Swagger 2.0 -> OpenAPI 3.0.3: definitions, body/formData parameters, produces/consumes, response
                 schemas, securityDefinitions, host/basePath
    schemas.py   walking every schema of a document

Everything downstream (the model, connexion, validation, generation) then sees OpenAPI 3.0.
"""

from __future__ import annotations

from mock_server.convert.oas31 import from_oas31
from mock_server.convert.swagger2 import from_swagger2
from mock_server.errors import Problem, SpecError
from mock_server.types import Document

__all__ = ["from_oas31", "from_swagger2", "to_openapi30"]


def to_openapi30(document: Document, file: str) -> Document:
    """The document as OpenAPI 3.0: 3.0 documents unchanged (the same object), 3.1 and Swagger 2.0 converted;
    SpecError (file: pointer: reason) for what can't be converted honestly."""
    if str(document.get("swagger", "")).startswith("2."):
        return from_swagger2(document, file)
    version = str(document.get("openapi", ""))
    if version.startswith("3.1"):
        return from_oas31(document, file)
    if version and not version.startswith("3.0"):
        raise SpecError(
            [Problem(file, "/openapi", f"OpenAPI {version} is not supported (3.0, 3.1 and Swagger 2.0 are)")]
        )
    return document
