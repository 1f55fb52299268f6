"""This module contains the rules of area `request-body` that look at the body as a whole (its properties'
changes are in schema.py): a body required, removed, a media type removed or added."""

from __future__ import annotations

from collections.abc import Iterator

from mock_server.diff.findings import Hit, rule
from mock_server.diff.pairs import OperationPair


@rule(
    "request-body-added-required",
    "error",
    "request-body",
    "an operation without a body now requires one",
    "operation",
)
def body_added_required(pair: OperationPair) -> Iterator[Hit]:
    old, new = pair.old.request_body, pair.new.request_body
    if old is None and new is not None and new.required:
        yield Hit("request body added, required", new.pointer)


@rule("request-body-added-optional", "info", "request-body", "an optional request body is added", "operation")
def body_added_optional(pair: OperationPair) -> Iterator[Hit]:
    old, new = pair.old.request_body, pair.new.request_body
    if old is None and new is not None and not new.required:
        yield Hit("request body added, optional", new.pointer)


@rule("request-body-made-required", "error", "request-body", "an optional request body becomes required", "operation")
def body_made_required(pair: OperationPair) -> Iterator[Hit]:
    old, new = pair.old.request_body, pair.new.request_body
    if old is not None and new is not None and new.required and not old.required:
        yield Hit("request body now required (was optional)", f"{new.pointer}/required")


@rule(
    "request-body-removed",
    "warning",
    "request-body",
    "the request body is removed: what clients send is ignored or rejected",
    "operation",
)
def body_removed(pair: OperationPair) -> Iterator[Hit]:
    old, new = pair.old.request_body, pair.new.request_body
    if old is not None and new is None:
        yield Hit("request body removed", old.pointer, True)


@rule(
    "request-media-type-removed",
    "error",
    "request-body",
    "a request media type is removed: clients sending it get 415",
    "operation",
)
def media_type_removed(pair: OperationPair) -> Iterator[Hit]:
    old, new = pair.old.request_body, pair.new.request_body
    if old is not None and new is not None:
        for media, content in old.content.items():
            if media not in new.content:
                yield Hit(f"request media type {content.name} removed", content.pointer, True)


@rule("request-media-type-added", "info", "request-body", "a request media type is added", "operation")
def media_type_added(pair: OperationPair) -> Iterator[Hit]:
    old, new = pair.old.request_body, pair.new.request_body
    if old is not None and new is not None:
        for media, content in new.content.items():
            if media not in old.content:
                yield Hit(f"request media type {content.name} added", content.pointer)
