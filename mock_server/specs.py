"""This module contains spec discovery and loading, $ref resolution and OAS 3.0 -> JSON Schema conversion."""

from __future__ import annotations

import copy
import glob
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import orjson
import yaml

from mock_server.convert import to_openapi30
from mock_server.errors import Problem, SettingsError, SpecError
from mock_server.types import Document, Schema

SPEC_SUFFIXES = (".yaml", ".yml", ".json")
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# Keywords of the OpenAPI 3.0 schema object that JSON Schema validators don't know or must not see.
_OAS_ONLY_KEYWORDS = frozenset(
    {"nullable", "discriminator", "readOnly", "writeOnly", "xml", "externalDocs", "example", "deprecated"}
)


@dataclass(frozen=True)
class Spec:
    """One loaded OpenAPI document."""

    path: Path
    document: Document
    name: str = field(default="")

    @classmethod
    def from_file(cls, path: Path) -> Spec:
        """Load a YAML or JSON spec (OpenAPI 3.1 and Swagger 2.0 converted to 3.0); raise SpecError naming the file
        if it can't be parsed or converted."""
        document = to_openapi30(load_document(path), str(path))
        return cls(path=path, document=document, name=api_name(path, document))

    @cached_property
    def resolved(self) -> Document:
        """A copy of the document with every local $ref inlined; a recursive one is cut where it recurs (into
        {RECURSIVE_REF: ref}, which generation leaves out and record checks accept)."""
        resolved: Document = resolve_refs(self.document, self.document, bounded=True)
        return resolved

    def operations(self) -> list[tuple[str, str, dict[str, Any]]]:
        """Every (path, method, operation) of the raw document, in document order."""
        out = []
        for path, item in (self.document.get("paths") or {}).items():
            if not isinstance(item, dict):
                continue
            for method in HTTP_METHODS:
                if isinstance(item.get(method), dict):
                    out.append((path, method, item[method]))
        return out


def load_document(path: Path) -> Document:
    """Parse a YAML/JSON file into a dict; SpecError (file: /: reason) when that fails."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError([Problem(str(path), "", f"cannot read file: {exc.strerror or exc}")]) from None
    try:
        data = orjson.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (yaml.YAMLError, orjson.JSONDecodeError) as exc:
        raise SpecError([Problem(str(path), "", f"not valid YAML/JSON: {_one_line(str(exc))}")]) from None
    if not isinstance(data, dict):
        raise SpecError([Problem(str(path), "", "not an OpenAPI document (top level is not a mapping)")])
    return data


def discover_specs(spec_dir: Path) -> list[Path]:
    """The spec files in a directory, sorted by name."""
    return sorted(p for p in spec_dir.iterdir() if p.suffix in SPEC_SUFFIXES and p.is_file())


def api_name(path: Path, document: Document) -> str:
    """An API's name (mount prefix, fixture file name, the name `contract` and the admin API take):
    `x-mock-api.name` where present, else the file stem lower-cased with every run of other characters than
    a-z0-9 replaced by `-` (`Pet Store.v2.yaml` -> `pet-store-v2`)."""
    api = document.get("x-mock-api")
    name = api.get("name") if isinstance(api, dict) else None
    if name:
        return str(name)
    return _NOT_NAME.sub("-", path.stem.lower()).strip("-") or "api"


_NOT_NAME = re.compile("[^a-z0-9]+")


def spec_files(paths: Iterable[Path]) -> list[Path]:
    """The spec files that paths name: files as given, directories expanded to their spec files (sorted), each
    file once; SpecError naming every path that is neither."""
    files: list[Path] = []
    problems: list[Problem] = []
    for path in paths:
        if path.is_dir():
            files += discover_specs(path)
        elif path.is_file():
            files.append(path)
        else:
            problems.append(Problem(str(path), "", "no such spec file or directory"))
    if problems:
        raise SpecError(problems)
    seen: set[Path] = set()
    unique = []
    for file in files:
        if file.resolve() not in seen:
            seen.add(file.resolve())
            unique.append(file)
    return unique


def load_specs(paths: Sequence[Path]) -> dict[str, Spec]:
    """Every spec the paths name, by API name; SpecError listing unreadable files and names given twice."""
    problems: list[Problem] = []
    specs: dict[str, Spec] = {}
    for path in spec_files(paths):
        try:
            spec = Spec.from_file(path)
        except SpecError as exc:
            problems += exc.problems
            continue
        if spec.name in specs:
            other = specs[spec.name].path
            problems.append(
                Problem(str(path), "", f"two specs are named {spec.name!r}: {other} and {path} (set x-mock-api.name)")
            )
            continue
        specs[spec.name] = spec
    if problems:
        raise SpecError(problems)
    return specs


def looks_like_path(value: str) -> bool:
    """True when a command-line value names a spec file or directory rather than an API name."""
    return "/" in value or "\\" in value or value.endswith(SPEC_SUFFIXES)


def find_spec(name_or_path: str, spec_dirs: Sequence[Path]) -> Spec:
    """The spec a command-line argument names: a spec file's path, or the name of an API in spec_dirs;
    SettingsError naming the known APIs otherwise."""
    if looks_like_path(name_or_path):
        path = Path(name_or_path)
        if not path.is_file():
            raise SettingsError(f"no such spec file: {name_or_path}")
        return Spec.from_file(path)
    specs = load_specs(spec_dirs)
    if name_or_path not in specs:
        known = ", ".join(sorted(specs)) or "none"
        raise SettingsError(f"unknown API {name_or_path!r}; known: {known} (or give a spec file's path)")
    return specs[name_or_path]


def resolve_pointer(document: Document, ref: str) -> Any:
    """Follow a local JSON pointer ('#/components/schemas/X'); KeyError if it points nowhere."""
    if not ref.startswith("#"):
        raise KeyError(f"only local references are supported: {ref}")
    node: Any = document
    for raw in ref[1:].split("/")[1:]:
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, list):
            node = node[int(part)]
        elif isinstance(node, dict):
            node = node[part]
        else:
            raise KeyError(ref)
    return node


RECURSIVE_REF = "x-recursive-ref"
"""Marks where a bounded resolution cut a recursive $ref (a tree of categories): {RECURSIVE_REF: ref}."""


def resolve_refs(node: Any, document: Document, _seen: tuple[str, ...] = (), *, bounded: bool = False) -> Any:
    """Return a deep copy of node with every local $ref replaced by its target; a recursive one raises KeyError,
    or with `bounded` is cut into {RECURSIVE_REF: ref} where it recurs."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            if ref in _seen:
                if bounded:
                    return {RECURSIVE_REF: ref}
                raise KeyError(f"recursive reference {ref}")
            return resolve_refs(resolve_pointer(document, ref), document, (*_seen, ref), bounded=bounded)
        return {k: resolve_refs(v, document, _seen, bounded=bounded) for k, v in node.items()}
    if isinstance(node, list):
        return [resolve_refs(v, document, _seen, bounded=bounded) for v in node]
    return node


def to_json_schema(schema: Schema) -> Schema:
    """Convert a resolved OpenAPI 3.0 schema to plain JSON Schema (nullable -> a null branch, x- keys dropped)."""
    converted: Schema = _convert(copy.deepcopy(schema))
    return converted


def _convert(node: Any) -> Any:
    if isinstance(node, list):
        return [_convert(v) for v in node]
    if not isinstance(node, dict):
        return node
    nullable = node.get("nullable") is True
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key.startswith("x-") or key in _OAS_ONLY_KEYWORDS:
            continue
        if key in ("properties", "patternProperties"):
            out[key] = {name: _convert(sub) for name, sub in value.items()}
        elif key in ("items", "additionalProperties", "not") and isinstance(value, dict):
            out[key] = _convert(value)
        elif key in ("allOf", "anyOf", "oneOf"):
            out[key] = [_convert(v) for v in value]
        else:
            out[key] = value
    if nullable:
        if "enum" in out and None not in out["enum"]:
            out["enum"] = [*out["enum"], None]
        return {"anyOf": [out, {"type": "null"}]}
    return out


def _one_line(text: str) -> str:
    return " ".join(text.split())


def config_spec_paths(config_file: Path, patterns: object) -> tuple[Path, ...]:
    """The spec files a project file lists (`specs = ["apis/*.yaml"]`, globs relative to the file), in the order
    given; SettingsError when the value is not a list of strings or a pattern matches no spec file."""
    if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
        raise SettingsError(f'{config_file}: specs must be a list of paths or globs, e.g. specs = ["apis/*.yaml"]')
    base = config_file.parent
    paths: list[Path] = []
    for pattern in patterns:
        matches = [Path(m) for m in sorted(glob.glob(str(base / pattern), recursive=True))]
        matches = [m for m in matches if m.is_dir() or (m.is_file() and m.suffix in SPEC_SUFFIXES)]
        if not matches:
            raise SettingsError(f"{config_file}: specs: {pattern!r} matches no spec file or directory")
        paths += matches
    return tuple(paths)
