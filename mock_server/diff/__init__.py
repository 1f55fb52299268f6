"""This package contains `mock-server diff`: which changes between two versions of a spec break its clients.

A pipeline of small modules: sides (load a file or a git revision) -> normalize ($ref, allOf, nullable) ->
compare (operation by operation, every rule of rules/) -> render (text, json, markdown, junit).
"""

from __future__ import annotations

from mock_server.diff.compare import diff_documents
from mock_server.diff.findings import RULES, Finding

__all__ = ["RULES", "Finding", "diff_documents"]
