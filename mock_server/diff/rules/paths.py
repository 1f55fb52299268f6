"""This module contains the rules of area `paths`: paths and operations removed, added, deprecated, renamed."""

from __future__ import annotations

from collections.abc import Iterator

from mock_server.diff.findings import Hit, rule
from mock_server.diff.normalize import Api, Operation, escape
from mock_server.diff.pairs import DocumentPair, OperationPair
from mock_server.diff.rules.show import show


def _by_path(api: Api) -> dict[str, list[Operation]]:
    out: dict[str, list[Operation]] = {}
    for (key, _), op in api.operations.items():
        out.setdefault(key, []).append(op)
    return out


def _methods(ops: list[Operation]) -> str:
    return f"{'|'.join(op.method.upper() for op in ops)} {ops[0].path}"


@rule("path-removed", "error", "paths", "a path is removed: every call to it fails", "document")
def path_removed(pair: DocumentPair) -> Iterator[Hit]:
    new = _by_path(pair.new)
    for key, ops in _by_path(pair.old).items():
        if key not in new:
            yield Hit(f"path {ops[0].path} removed", f"/paths/{escape(ops[0].path)}", True, _methods(ops))


@rule("path-added", "info", "paths", "a path is added", "document")
def path_added(pair: DocumentPair) -> Iterator[Hit]:
    old = _by_path(pair.old)
    for key, ops in _by_path(pair.new).items():
        if key not in old:
            yield Hit(f"path {ops[0].path} added", f"/paths/{escape(ops[0].path)}", False, _methods(ops))


@rule("operation-removed", "error", "paths", "an operation of a path that stays is removed", "document")
def operation_removed(pair: DocumentPair) -> Iterator[Hit]:
    new_paths = _by_path(pair.new)
    for key, op in pair.old.operations.items():
        if key[0] in new_paths and key not in pair.new.operations:
            yield Hit(f"operation {op.label} removed", op.pointer, True, op.label)


@rule("operation-added", "info", "paths", "an operation is added to a path that exists", "document")
def operation_added(pair: DocumentPair) -> Iterator[Hit]:
    old_paths = _by_path(pair.old)
    for key, op in pair.new.operations.items():
        if key[0] in old_paths and key not in pair.old.operations:
            yield Hit(f"operation {op.label} added", op.pointer, False, op.label)


@rule("operation-deprecated", "warning", "paths", "an operation is marked deprecated", "operation")
def operation_deprecated(pair: OperationPair) -> Iterator[Hit]:
    if pair.new.raw.get("deprecated") is True and pair.old.raw.get("deprecated") is not True:
        yield Hit("operation deprecated (was not)", f"{pair.new.pointer}/deprecated")


@rule("operation-undeprecated", "info", "paths", "an operation is no longer deprecated", "operation")
def operation_undeprecated(pair: OperationPair) -> Iterator[Hit]:
    if pair.old.raw.get("deprecated") is True and pair.new.raw.get("deprecated") is not True:
        yield Hit("operation no longer deprecated (was deprecated)", pair.new.pointer)


@rule(
    "operation-id-changed",
    "warning",
    "paths",
    "the operationId changes: generated clients rename the method",
    "operation",
)
def operation_id_changed(pair: OperationPair) -> Iterator[Hit]:
    old, new = pair.old.raw.get("operationId"), pair.new.raw.get("operationId")
    if old is not None and old != new:
        yield Hit(f"operationId changed from {show(old)} to {show(new)}", f"{pair.new.pointer}/operationId")


@rule("operation-description-changed", "info", "paths", "an operation's summary or description changes", "operation")
def operation_description_changed(pair: OperationPair) -> Iterator[Hit]:
    for key in ("summary", "description"):
        old, new = pair.old.raw.get(key), pair.new.raw.get(key)
        if old != new:
            yield Hit(f"{key} changed from {show(old)} to {show(new)}", f"{pair.new.pointer}/{key}")
