"""This module contains the proposed spec patch: the spec file with what was observed applied, comments kept.

Each change is marked `x-observed: {count, first_seen, last_seen, kinds}` on the node it changed, so that `git diff`
shows the proposal and where it came from. No observed value goes into the file except enum values (masked).
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from mock_server.drift.recorder import Entry
from mock_server.drift.shape import Shape, placeholder_of
from mock_server.drift.values import looks_sensitive
from mock_server.errors import Problem, SpecError
from mock_server.redact import MASK

OBSERVED_NOTE = "Observed by mock-server drift; not in the vendor docs."
_WIDENING = ("type_mismatch",)


def proposed_spec(spec_path: Path, entries: Iterable[Entry]) -> str:
    """The text of the spec file with every error, warning and documentable info finding applied."""
    yaml = _yaml()
    try:
        document = yaml.load(spec_path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SpecError([Problem(str(spec_path), "", f"cannot read file: {exc.strerror or exc}")]) from None
    ordered = sorted(entries, key=lambda e: e.kind in _WIDENING)  # widening moves keys: after everything else
    for entry in ordered:
        node = _at(document, entry.schema)
        change = CHANGES.get(entry.kind)
        if isinstance(node, dict) and change is not None:
            change(node, entry)
    if spec_path.suffix == ".json":  # a JSON spec stays JSON (key order kept; JSON has no comments)
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    out = io.StringIO()
    yaml.dump(document, out)
    return out.getvalue()


def _yaml() -> YAML:
    yaml = YAML()  # round trip: comments, key order and quoting survive
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.representer.add_representer(
        type(None), lambda representer, _: representer.represent_scalar("tag:yaml.org,2002:null", "null")
    )
    return yaml


def _at(document: Any, pointer: str) -> Any:
    node = document
    for raw in pointer.split("/")[1:] if pointer else []:
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, list):
            node = node[int(part)] if part.isdigit() and int(part) < len(node) else None
        elif isinstance(node, dict):
            node = node.get(part, node.get(int(part)) if part.isdigit() else None)
        else:
            return None
    return node


def _mark(node: dict[str, Any], entry: Entry, **extra: Any) -> None:
    mark = node.get("x-observed")
    if isinstance(mark, dict) and isinstance(mark.get("kinds"), list):
        mark["count"] = int(mark.get("count", 0)) + entry.count
        mark["first_seen"] = min(str(mark.get("first_seen", entry.first_seen)), entry.first_seen)
        mark["last_seen"] = max(str(mark.get("last_seen", entry.last_seen)), entry.last_seen)
        if entry.kind not in mark["kinds"]:
            mark["kinds"].append(entry.kind)
        for key, value in extra.items():
            mark[key] = _commented(value)
        return
    mark = {"count": entry.count, "first_seen": entry.first_seen, "last_seen": entry.last_seen, "kinds": [entry.kind]}
    _append(node, "x-observed", _commented({**mark, **extra}))


def _commented(value: Any) -> Any:
    if isinstance(value, dict):
        return CommentedMap((k, _commented(v)) for k, v in value.items())
    if isinstance(value, list):
        return CommentedSeq(_commented(v) for v in value)
    return value


def _append(node: dict[str, Any], key: str, value: Any) -> None:
    """Add a key at the end of a mapping, keeping the blank line (a trailing comment) that ended it at the end."""
    trailing = _take_trailing(node) if isinstance(node, CommentedMap) else None
    node[key] = value
    if trailing is not None and not _put_trailing(node, trailing):
        _put_trailing_back(node, trailing)


def _take_trailing(node: Any) -> Any:
    """Remove and return the comment after the deepest last entry of a mapping or sequence (None if there is none)."""
    if isinstance(node, CommentedMap) and node:
        last = next(reversed(node))
        if isinstance(node[last], (CommentedMap, CommentedSeq)) and node[last]:
            return _take_trailing(node[last])
        slots = node.ca.items.get(last)
        if slots and len(slots) > 2 and slots[2] is not None:
            token, slots[2] = slots[2], None
            return token
    elif isinstance(node, CommentedSeq) and node:
        if isinstance(node[-1], (CommentedMap, CommentedSeq)) and node[-1]:
            return _take_trailing(node[-1])
        slots = node.ca.items.get(len(node) - 1)
        if slots and slots[0] is not None:
            token, slots[0] = slots[0], None
            return token
    return None


def _put_trailing(node: Any, token: Any) -> bool:
    if isinstance(node, CommentedMap) and node:
        last = next(reversed(node))
        if isinstance(node[last], (CommentedMap, CommentedSeq)):
            return _put_trailing(node[last], token)
        node.ca.items.setdefault(last, [None, None, None, None])[2] = token
        return True
    if isinstance(node, CommentedSeq) and node:
        if isinstance(node[-1], (CommentedMap, CommentedSeq)):
            return _put_trailing(node[-1], token)
        node.ca.items.setdefault(len(node) - 1, [None, None, None, None])[0] = token
        return True
    return False


def _put_trailing_back(node: dict[str, Any], token: Any) -> None:
    """The new value could not carry the comment (an empty mapping): leave it at the end of the mapping anyway."""
    if isinstance(node, CommentedMap):
        node.ca.items.setdefault(next(reversed(node)), [None, None, None, None])[2] = token


def _last_name(location: str) -> str:
    return location.rsplit("/", 1)[-1].replace("~1", "/").replace("~0", "~")


def _add_property(node: dict[str, Any], entry: Entry) -> None:
    name = _last_name(entry.location)
    if name == "*" or MASK in name or looks_sensitive(name):  # never a name that is data or a credential
        return
    if "properties" not in node:
        _append(node, "properties", CommentedMap())
    properties = node["properties"]
    if name in properties:
        return
    schema = _commented({"description": OBSERVED_NOTE, **entry.shape.to_schema()})
    _mark(schema, entry)
    _append(properties, name, schema)


def _drop_required(node: dict[str, Any], entry: Entry) -> None:
    required = node.get("required")
    name = _last_name(entry.location)
    if isinstance(required, list) and name in required:
        required.remove(name)
        if not required:
            del node["required"]
        _mark(node, entry)


def _widen_type(node: dict[str, Any], entry: Entry) -> None:
    if not entry.shape.types:  # a body that is not JSON at all: nothing a schema change would fix
        return
    if entry.shape.nullable and node.get("nullable") is not True:
        _append(node, "nullable", True)
    others = Shape(
        types=entry.shape.types - {"null"},
        string_formats=entry.shape.string_formats,
        properties=entry.shape.properties,
        entries=entry.shape.entries,
        items=entry.shape.items,
    )
    if others.types:
        if node.get("type") == "integer" and others.types <= {"integer", "number"}:
            node["type"] = "number"
            if node.get("format") in ("int32", "int64"):
                del node["format"]
        elif _widened_before(node):  # a shared schema seen with other types at another place: one more branch
            node["anyOf"].append(_commented(others.to_schema()))
        else:
            kept = {"description", "nullable", "x-observed"}
            original = CommentedMap((k, v) for k, v in node.items() if k not in kept)
            for key in list(original):
                del node[key]
            _append(node, "anyOf", CommentedSeq([original, _commented(others.to_schema())]))
    _mark(node, entry)


def _widened_before(node: dict[str, Any]) -> bool:
    mark = node.get("x-observed")
    kinds = mark.get("kinds") if isinstance(mark, dict) else None
    return isinstance(node.get("anyOf"), list) and isinstance(kinds, list) and "type_mismatch" in kinds


def _add_enum_values(node: dict[str, Any], entry: Entry) -> None:
    allowed = node.get("enum")
    if not isinstance(allowed, list):
        return
    before = len(allowed)
    for value in entry.observed:
        if value not in allowed and not (isinstance(value, str) and MASK in value):
            allowed.append(value)
    weights = node.get("x-mock-weights")
    if isinstance(weights, list) and len(weights) == before:
        weights.extend([1] * (len(allowed) - before))
    _mark(node, entry)


def _loosen_format(node: dict[str, Any], entry: Entry) -> None:
    keyword = "pattern" if entry.expected.startswith("pattern ") else "format"
    if keyword not in node:
        return
    formats = entry.shape.string_formats
    seen = next(iter(formats)) if len(formats) == 1 else None
    was = node[keyword]
    if keyword == "format" and seen is not None and seen != was:
        node["format"] = seen
    else:
        del node[keyword]
    _mark(node, entry, was={keyword: was})


def _media_content(entry: Entry) -> CommentedMap:
    content = CommentedMap()
    for media_type in sorted(entry.media_types):
        is_json = media_type == "application/json" or media_type.endswith("+json")
        schema = entry.shape.to_schema() if is_json and entry.shape.types else {"type": "string"}
        media: dict[str, Any] = {"schema": schema}
        if 200 <= entry.status < 300:  # mock-server validate wants an example on every 2xx: a made-up one
            media["example"] = placeholder_of(schema)
        content[media_type] = _commented(media)
    return content


def _declare_status(node: dict[str, Any], entry: Entry) -> None:
    code = str(entry.status)
    if code in node:
        return
    response = CommentedMap(description=OBSERVED_NOTE)
    content = _media_content(entry)
    if content:
        response["content"] = content
    _mark(response, entry)
    _append(node, code, response)


def _declare_content_type(node: dict[str, Any], entry: Entry) -> None:
    if "content" not in node:
        _append(node, "content", CommentedMap())
    content = node["content"]
    for media_type, media in _media_content(entry).items():
        if media_type not in content:
            _mark(media, entry)
            _append(content, media_type, media)


def _optional_header(node: dict[str, Any], entry: Entry) -> None:
    if "required" in node:
        node["required"] = False
    else:
        _append(node, "required", False)
    _mark(node, entry)


def _declare_header(node: dict[str, Any], entry: Entry) -> None:
    name = entry.location.removeprefix("header:")
    if "headers" not in node:
        _append(node, "headers", CommentedMap())
    headers = node["headers"]
    if any(str(existing).lower() == name for existing in headers):
        return
    header = _commented({"description": OBSERVED_NOTE, "schema": {"type": "string"}})
    _mark(header, entry)
    _append(headers, name, header)


CHANGES = {
    "undocumented_property": _add_property,
    "missing_required": _drop_required,
    "type_mismatch": _widen_type,
    "enum_value": _add_enum_values,
    "format_mismatch": _loosen_format,
    "undeclared_status": _declare_status,
    "undeclared_content_type": _declare_content_type,
    "missing_header": _optional_header,
    "undocumented_header": _declare_header,
}
"""Finding kind -> how the proposal changes the node the finding names (never_seen and unmatched_path: nothing)."""
