"""This package contains the diff rules, one module per area; importing it registers them all in findings.RULES."""

from __future__ import annotations

import importlib

MODULES = ("paths", "parameters", "request_body", "responses", "headers", "security", "schema", "mock")
for _module in MODULES:
    importlib.import_module(f"{__name__}.{_module}")
