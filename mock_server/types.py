"""This module contains the type aliases shared across the package."""

from __future__ import annotations

from typing import Any

JSON = Any
"""Any JSON value as parsed by the standard library."""
Record = dict[str, Any]
"""One stored record: the resource's detail object plus its hidden fields."""
Schema = dict[str, Any]
"""An OpenAPI 3.0 schema object (or a JSON Schema derived from one)."""
Document = dict[str, Any]
"""A whole OpenAPI document as loaded from YAML."""
