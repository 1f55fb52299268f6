"""This module contains the operation lookup of drift: method + request path -> the spec's operation."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mock_server.drift.check import escape
from mock_server.settings import DEFAULT_SPEC_DIR
from mock_server.specs import HTTP_METHODS, Spec, discover_specs, find_spec, looks_like_path


@dataclass(frozen=True, slots=True)
class Operation:
    """One operation of a spec, with the pointer of its node in the document."""

    operation_id: str
    method: str
    """Upper case, as in the report."""
    path: str
    """The spec's path template."""
    pointer: str
    node: dict[str, Any]


@dataclass(frozen=True)
class OperationIndex:
    """Every operation of a spec, matched by method and concrete path (literal segments beat templated ones)."""

    operations: tuple[Operation, ...]
    _patterns: tuple[tuple[re.Pattern[str], Operation], ...]

    @classmethod
    def from_spec(cls, spec: Spec) -> OperationIndex:
        found: list[tuple[int, re.Pattern[str], Operation]] = []
        for template, item in (spec.document.get("paths") or {}).items():
            if not isinstance(item, dict):
                continue
            for method in HTTP_METHODS:
                node = item.get(method)
                if not isinstance(node, dict):
                    continue
                op = Operation(
                    operation_id=str(node.get("operationId") or f"{method.upper()} {template}"),
                    method=method.upper(),
                    path=str(template),
                    pointer=f"/paths/{escape(str(template))}/{method}",
                    node=node,
                )
                literal = sum(1 for part in str(template).split("/") if part and "{" not in part)
                found.append((-literal, _template_regex(str(template)), op))
        found.sort(key=lambda entry: entry[0])
        return cls(tuple(op for _, _, op in found), tuple((rx, op) for _, rx, op in found))

    def match(self, method: str, path: str) -> Operation | None:
        """The operation for a request; HEAD falls back to GET when the spec declares no HEAD."""
        method = method.upper()
        for wanted in (method, "GET") if method == "HEAD" else (method,):
            for regex, op in self._patterns:
                if op.method == wanted and regex.match(path):
                    return op
        return None

    def by_template(self, method: str, template: str) -> Operation | None:
        return next((op for op in self.operations if op.method == method.upper() and op.path == template), None)


def _template_regex(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}/]+\})", template.rstrip("/"))
    body = "".join("[^/]+" if part.startswith("{") else re.escape(part) for part in parts)
    return re.compile(f"^{body}/?$")


def load_api_spec(name_or_path: str, spec_dir: Path = DEFAULT_SPEC_DIR) -> Spec:
    """A spec file by its path, or an API of spec_dir by name (SettingsError naming the known APIs otherwise)."""
    if not looks_like_path(name_or_path) and spec_dir.is_dir():
        for candidate in discover_specs(spec_dir):  # the usual case, a file named after its API: load only that one
            if candidate.stem == name_or_path and (spec := Spec.from_file(candidate)).name == name_or_path:
                return spec
    return find_spec(name_or_path, [spec_dir])
