"""This module contains the streamed fixture writer: `fixtures generate` at any count in flat memory.

Each record is encoded as it is finished and appended to a spool file of its resource; the fixture file is then
assembled from the spools. The bytes are those of `dump_dataset(generate_dataset(...))`: orjson's 2-space layout of
a record nested three levels deep is its own layout with every line indented by six spaces (JSON strings hold no
raw newline).
"""

from __future__ import annotations

import os
import tempfile
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import orjson

from mock_server.dataset import can_stream, generate_dataset, stream_dataset, write_dataset
from mock_server.model import ApiModel
from mock_server.settings import DEFAULT_REFERENCE_DATE
from mock_server.types import Record

__all__ = ["write_generated"]

_INDENT = b"      "  # a record's depth in the file: document -> resources -> resource -> [record]


def write_generated(
    model: ApiModel,
    out_dir: Path,
    *,
    seed: int = 42,
    count: int = 50,
    reference_date: datetime = DEFAULT_REFERENCE_DATE,
) -> Path:
    """Generate the API's fixtures and write `out_dir/<api>.json` atomically; return its path.

    Streams (memory independent of `count`) where the model allows it (dataset.can_stream: the vendor APIs); a plain
    spec is generated in memory as before. Either way the file's bytes are those `dump_dataset` gives.
    """
    if not can_stream(model):
        return write_dataset(generate_dataset(model, seed=seed, count=count, reference_date=reference_date), out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{model.name}.json"
    partial = path.with_name(f".{path.name}.partial")
    with tempfile.TemporaryDirectory(dir=out_dir, prefix=f".{model.name}.spool.") as spool_dir:
        spools = {name: _Spool(Path(spool_dir) / f"{index}.json") for index, name in enumerate(model.resources)}
        try:

            def sink(resource: str, record: Record) -> None:
                spools[resource].add(record)

            meta = stream_dataset(model, sink, seed=seed, count=count, reference_date=reference_date)
        finally:
            for spool in spools.values():
                spool.close()
        with partial.open("wb") as out:
            _assemble(out, model.name, meta, spools)
    os.replace(partial, path)
    return path


class _Spool:
    """The encoded records of one resource, in order, in a file of their own."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        self._file: IO[bytes] | None = path.open("wb")

    def add(self, record: Record) -> None:
        assert self._file is not None
        if self.count:
            self._file.write(b",\n")
        self._file.write(_INDENT + orjson.dumps(record, option=orjson.OPT_INDENT_2).replace(b"\n", b"\n" + _INDENT))
        self.count += 1

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def _assemble(out: IO[bytes], api: str, meta: dict[str, Any], spools: dict[str, _Spool]) -> None:
    head: dict[str, Any] = {"api": api}
    if "generator" in meta:
        head["generator"] = meta["generator"]
    header = orjson.dumps(head, option=orjson.OPT_INDENT_2)
    out.write(header[: -len(b"\n}")] + b',\n  "resources": {')
    for index, (name, spool) in enumerate(spools.items()):
        out.write((b",\n" if index else b"\n") + b"    " + orjson.dumps(name) + b": [")
        if spool.count:
            out.write(b"\n")
            with spool.path.open("rb") as source:
                while chunk := source.read(1 << 20):
                    out.write(chunk)
            out.write(b"\n    ")
        out.write(b"]")
    out.write(b"\n  }\n}\n" if spools else b"}\n}\n")
