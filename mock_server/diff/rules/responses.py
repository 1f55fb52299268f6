"""This module contains the rules of area `responses` that look at statuses and media types (the bodies'
property changes are in schema.py)."""

from __future__ import annotations

from collections.abc import Iterator

from mock_server.diff.findings import Hit, rule
from mock_server.diff.pairs import OperationPair


def _success(status: str) -> bool:
    return status.startswith("2")


@rule(
    "response-success-status-removed",
    "error",
    "responses",
    "a success (2xx) status is removed: clients handling it get something else",
    "operation",
)
def success_status_removed(pair: OperationPair) -> Iterator[Hit]:
    for status, response in pair.old.responses.items():
        if _success(status) and status not in pair.new.responses:
            yield Hit(f"response status {response.status} removed", response.pointer, True)


@rule("response-status-removed", "info", "responses", "a non-2xx status is no longer documented", "operation")
def status_removed(pair: OperationPair) -> Iterator[Hit]:
    for status, response in pair.old.responses.items():
        if not _success(status) and status not in pair.new.responses:
            yield Hit(f"response status {response.status} removed", response.pointer, True)


@rule("response-status-added", "info", "responses", "a response status is added", "operation")
def status_added(pair: OperationPair) -> Iterator[Hit]:
    for status, response in pair.new.responses.items():
        if status not in pair.old.responses:
            yield Hit(f"response status {response.status} added", response.pointer)


@rule(
    "response-media-type-removed",
    "error",
    "responses",
    "a response media type is removed: clients asking for it get 406 or another format",
    "operation",
)
def media_type_removed(pair: OperationPair) -> Iterator[Hit]:
    for old, new in pair.responses():
        for media, content in old.content.items():
            if media not in new.content:
                yield Hit(f"response {new.status} media type {content.name} removed", content.pointer, True)


@rule("response-media-type-added", "info", "responses", "a response media type is added", "operation")
def media_type_added(pair: OperationPair) -> Iterator[Hit]:
    for old, new in pair.responses():
        for media, content in new.content.items():
            if media not in old.content:
                yield Hit(f"response {new.status} media type {content.name} added", content.pointer)
