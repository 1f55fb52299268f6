"""mock-server: spec-driven mocks and contract checks for four vendor order APIs."""

from __future__ import annotations

import warnings
from importlib import metadata

# connexion imports starlette.testclient eagerly, which warns about httpx on every start: not actionable for users.
warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")

try:
    __version__ = metadata.version("mock-server")
except metadata.PackageNotFoundError:  # imported from a checkout that was never installed
    __version__ = "0.0.0+unknown"
__all__ = ["__version__"]
