"""This module contains inference: a plain OpenAPI document's resources, actions and query semantics as the
x-mock-api / x-mock annotations the engine reads (docs/inference.md).

    names.py       name variants (petId ~ pet_id), singulars, field lookups
    document.py    pointers that follow $refs, media types, operations with their merged parameters
    resources.py   path pairs -> resources: record schema, key field, parent
    queries.py     a list's shape and its query semantics (filters, search, sort, paging)
    annotate.py    complete_spec / infer: the completed document and what is not emulated
    command.py     `mock-server infer SPEC`
"""

from __future__ import annotations

from mock_server.infer.annotate import Inference, complete_spec, infer

__all__ = ["Inference", "complete_spec", "infer"]
