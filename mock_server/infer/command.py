"""This module contains `mock-server infer SPEC`: the spec with its inferred x-mock-api / x-mock annotations, as
YAML, and what the mock does not emulate (as YAML comments at the end; a one-line summary on stderr).

An OpenAPI 3.0 file keeps its own layout and comments (ruamel round trip); a Swagger 2.0 or OpenAPI 3.1 file is
printed as the OpenAPI 3.0 document the mock serves, since the inferred pointers name places in that document.
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path
from typing import Any

from mock_server.errors import Problem, SpecError
from mock_server.infer.annotate import infer
from mock_server.specs import Spec
from mock_server.types import Document

HELP = "print a spec with the inferred x-mock annotations (and what is not emulated)"


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Infer resources, actions and query semantics of an OpenAPI spec and print it with the x-mock-api / x-mock "
        "annotations the mock uses, as YAML. Explicit annotations are kept; what is not emulated is listed at the end."
    )
    parser.add_argument("spec", type=Path, metavar="SPEC", help="an OpenAPI 3.0 / 3.1 or Swagger 2.0 file")
    parser.add_argument("--out", type=Path, default=None, metavar="FILE", help="write to FILE instead of stdout")


def command(args: argparse.Namespace) -> int:
    text, summary = render(args.spec)
    if args.out is not None:
        try:
            args.out.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise SpecError([Problem(str(args.out), "", f"cannot write file: {exc.strerror or exc}")]) from None
    else:
        sys.stdout.write(text)
    sys.stderr.write(summary + "\n")
    return 0


def render(path: Path) -> tuple[str, str]:
    """(the annotated spec as YAML with the not-emulated list as comments, a one-line summary)."""
    spec = Spec.from_file(path)
    try:
        inference = infer(spec.document, spec.name, spec.resolved)
    except (KeyError, IndexError, ValueError) as exc:
        raise SpecError([Problem(str(path), "", f"cannot infer annotations: {exc}")]) from None
    from mock_server.model import ApiModel

    ApiModel.from_spec(spec)  # what serve would refuse is refused here too, with the same messages
    body = _dump(path, spec.document, inference.document)
    notes = "".join(f"#   {note}\n" for note in inference.notes)
    if notes:
        body += "# Not emulated (answered as declared, or validated and otherwise ignored):\n" + notes
    api = inference.document.get("x-mock-api") or {}
    ops = sum(
        1
        for item in (inference.document.get("paths") or {}).values()
        if isinstance(item, dict)
        for op in item.values()
        if isinstance(op, dict) and isinstance(op.get("x-mock"), dict)
    )
    summary = (
        f"{path}: {len(api.get('resources') or {})} resources, {ops} operations annotated, "
        f"{len(inference.notes)} not emulated"
    )
    return body, summary


def _dump(path: Path, original: Document, completed: Document) -> str:
    from ruamel.yaml import YAML

    yaml = YAML()
    yaml.width = 120
    yaml.indent(mapping=2, sequence=4, offset=2)
    document: Any = completed  # JSON, Swagger 2.0, OpenAPI 3.1: the 3.0 document the pointers name, block style
    if path.suffix != ".json":
        written = yaml.load(path.read_text(encoding="utf-8"))
        if isinstance(written, dict) and str(written.get("openapi", "")).startswith("3.0"):
            _merge(written, original, completed)  # the file as written, its comments kept
            document = written
    text = _text(yaml, document)
    if document is not completed and not _parses(text):  # a round-trip quirk: print the plain document instead
        text = _text(yaml, completed)
    return text


def _text(yaml: Any, document: Any) -> str:
    out = io.StringIO()
    yaml.dump(document, out)
    return out.getvalue()


def _parses(text: str) -> bool:
    import yaml as pyyaml

    try:
        pyyaml.safe_load(text)
    except pyyaml.YAMLError:
        return False
    return True


def _merge(document: Any, original: Document, completed: Document) -> None:
    """Add the inferred annotations to the round-trip document (its layout and comments kept)."""
    if original.get("x-mock-api") != completed.get("x-mock-api"):
        if "x-mock-api" in document:
            document["x-mock-api"] = completed["x-mock-api"]
        else:
            document.insert(_after_info(document), "x-mock-api", completed["x-mock-api"])
    for path, item in (completed.get("paths") or {}).items():
        for method, op in item.items():
            before = ((original.get("paths") or {}).get(path) or {}).get(method)
            if isinstance(op, dict) and isinstance(before, dict) and "x-mock" in op and "x-mock" not in before:
                document["paths"][path][method]["x-mock"] = op["x-mock"]


def _after_info(document: Any) -> int:
    keys = list(document)
    return keys.index("info") + 1 if "info" in keys else len(keys)
