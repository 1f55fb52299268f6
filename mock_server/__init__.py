"""mock-server: spec-driven mocks and contract checks for four vendor order APIs."""

from __future__ import annotations

import warnings

# connexion imports starlette.testclient eagerly, which warns about httpx on every start: not actionable for users.
warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")

__version__ = "0.1.0"
__all__ = ["__version__"]
