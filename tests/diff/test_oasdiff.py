"""Where oasdiff (the reference Go tool) is installed, our error/warning split agrees with its `breaking` output
on the same pairs."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from mock_server.diff import diff_documents
from tests.diff.specs import GET, ORDER, drop, put, spec

OASDIFF = shutil.which("oasdiff")
PAIRS = {
    "response-property-removed": (drop(f"{ORDER}/properties/total"), "error"),
    "request-parameter-added-required": (
        put(f"{GET}/parameters/2", {"name": "q", "in": "query", "required": True, "schema": {"type": "string"}}),
        "error",
    ),
    "response-property-added": (put(f"{ORDER}/properties/note", {"type": "string"}), None),
}
_OASDIFF_LEVELS = {3: "error", 2: "warning"}


def _worst(levels: list[str]) -> str | None:
    return next((level for level in ("error", "warning") if level in levels), None)


@pytest.mark.skipif(OASDIFF is None, reason="oasdiff is not on PATH (a Go binary; install it to compare with it)")
@pytest.mark.parametrize("name", PAIRS)
def test_error_warning_split_agrees_with_oasdiff(tmp_path: Path, name: str) -> None:
    mutation, expected = PAIRS[name]
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    old.write_text(yaml.safe_dump(spec()), encoding="utf-8")
    new.write_text(yaml.safe_dump(spec(mutation)), encoding="utf-8")
    done = subprocess.run(
        [str(OASDIFF), "breaking", str(old), str(new), "--format", "json"], capture_output=True, text=True, check=True
    )
    theirs: list[dict[str, Any]] = json.loads(done.stdout or "[]")
    ours = diff_documents(spec(), spec(mutation), "old", "new")
    assert _worst([f.level for f in ours]) == expected
    assert _worst([_OASDIFF_LEVELS.get(int(c.get("level", 1)), "info") for c in theirs]) == expected
