"""This module contains the rules of area `headers`: response headers removed, added, made optional (their
schemas' changes are in schema.py)."""

from __future__ import annotations

from collections.abc import Iterator

from mock_server.diff.findings import Hit, rule
from mock_server.diff.pairs import OperationPair


@rule("required-response-header-removed", "error", "headers", "a required response header is removed", "operation")
def required_header_removed(pair: OperationPair) -> Iterator[Hit]:
    for old, new in pair.responses():
        for key, header in old.headers.items():
            if header.required and key not in new.headers:
                yield Hit(f"response {new.status} header {header.name} (required) removed", header.pointer, True)


@rule("response-header-removed", "info", "headers", "an optional response header is removed", "operation")
def optional_header_removed(pair: OperationPair) -> Iterator[Hit]:
    for old, new in pair.responses():
        for key, header in old.headers.items():
            if not header.required and key not in new.headers:
                yield Hit(f"response {new.status} header {header.name} (optional) removed", header.pointer, True)


@rule("response-header-added", "info", "headers", "a response header is added", "operation")
def header_added(pair: OperationPair) -> Iterator[Hit]:
    for old, new in pair.responses():
        for key, header in new.headers.items():
            if key not in old.headers:
                yield Hit(f"response {new.status} header {header.name} added", header.pointer)


@rule(
    "response-header-made-optional",
    "error",
    "headers",
    "a required response header becomes optional: clients reading it may find none",
    "operation",
)
def header_made_optional(pair: OperationPair) -> Iterator[Hit]:
    for old, new in pair.responses():
        for key, header in new.headers.items():
            if key in old.headers and old.headers[key].required and not header.required:
                yield Hit(f"response {new.status} header {header.name}: now optional (was required)", header.pointer)
