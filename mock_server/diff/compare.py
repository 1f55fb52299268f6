"""This module contains the comparison: both sides normalized, paired operation by operation, every rule run."""

from __future__ import annotations

from collections.abc import Iterator

from mock_server.diff import rules as _rules  # noqa: F401  (registers the rules)
from mock_server.diff.findings import LEVELS, RULES, Finding, Hit, Rule, Subject
from mock_server.diff.normalize import Api
from mock_server.diff.pairs import DocumentPair, OperationPair, SchemaPair, walk_schemas
from mock_server.types import Document


def diff_documents(old: Document, new: Document, old_file: str, new_file: str) -> list[Finding]:
    """Every finding between two OpenAPI documents, most severe first, then in document order.

    Example:
        findings = diff_documents(yaml.safe_load(a), yaml.safe_load(b), "old.yaml", "new.yaml")
    """
    return diff_apis(Api.from_document(old, old_file), Api.from_document(new, new_file))


def diff_apis(old: Api, new: Api) -> list[Finding]:
    """Every finding between two normalized documents."""
    findings = [_finding(r, hit, "*", old, new) for r in _of("document") for hit in r.check(DocumentPair(old, new))]
    for key, old_op in old.operations.items():
        new_op = new.operations.get(key)
        if new_op is None:
            continue
        pair = OperationPair(old_op, new_op, old, new)
        for r in _of("operation"):
            findings.extend(_finding(r, hit, new_op.label, old, new) for hit in r.check(pair))
        for position in schema_pairs(pair):
            for r in _of("schema"):
                findings.extend(_finding(r, hit, new_op.label, old, new) for hit in r.check(position))
    return sorted(findings, key=lambda f: -LEVELS.index(f.level))


def schema_pairs(pair: OperationPair) -> Iterator[SchemaPair]:
    """Every schema position of an operation present in both sides: parameters, request and response bodies,
    response headers."""
    for old_param, new_param in pair.parameters():
        if old_param and new_param:
            context = f"parameter {new_param.name} ({new_param.location})"
            yield from walk_schemas("parameter", context, old_param.schema, new_param.schema)
    old_body, new_body = pair.old.request_body, pair.new.request_body
    if old_body and new_body:
        for media, old_media in old_body.content.items():
            if media in new_body.content:
                context = f"request body {old_media.name}"
                yield from walk_schemas("request-body", context, old_media.schema, new_body.content[media].schema)
    for old_response, new_response in pair.responses():
        for media, old_media in old_response.content.items():
            if media in new_response.content:
                context = f"response {new_response.status} {old_media.name}"
                yield from walk_schemas("response-body", context, old_media.schema, new_response.content[media].schema)
        for name, old_header in old_response.headers.items():
            if name in new_response.headers:
                new_header = new_response.headers[name]
                context = f"response {new_response.status} header {new_header.name}"
                yield from walk_schemas("response-header", context, old_header.schema, new_header.schema)


def _of(subject: Subject) -> list[Rule]:
    return [r for r in RULES.values() if r.subject == subject]


def _finding(r: Rule, hit: Hit, operation: str, old: Api, new: Api) -> Finding:
    return Finding(
        id=r.id,
        level=r.level,
        area=r.area,
        operation=hit.operation or operation,
        file=old.file if hit.in_old else new.file,
        location=hit.location,
        message=hit.message,
    )
