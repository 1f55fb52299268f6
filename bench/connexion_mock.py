"""This module contains `connexion run SPEC --mock=all` with the two things it needs to answer these specs at all.

1. Connexion's MockResolver returns `(example, status)` without a content type. Every operation of our specs
   declares two media types (`application/json`, and `application/problem+json` for errors), so as shipped every
   mock response is a 500 ("Multiple response content types are defined ..."). The patch adds the header.
2. Without a check function for a security scheme, connexion answers every secured request with 401. The
   documented environment variables BEARERINFO_FUNC / APIKEYINFO_FUNC point at `accept_credential` below.

Everything else is connexion's own CLI with its defaults: AsyncApp, uvicorn with its access log, no strict
validation, and uvicorn's reloader (`connexion run` passes reload=True), so the server is a child process that
imports this module again, which is why the patch is applied at import time.

    python bench/connexion_mock.py SPEC --port N   ==   connexion run SPEC --mock=all --port N  (+ the above)
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def accept_credential(credential: str, required_scopes: object = None) -> dict[str, Any] | None:
    """Any non-empty credential, like mock-server without a config file; None means 401."""
    return {"sub": "bench"} if credential and credential.strip() else None


def _patch_mock_resolver() -> None:
    from connexion.mock import MockResolver

    shipped = MockResolver.mock_operation
    if getattr(shipped, "patched", False):
        return

    def mock_operation(self: MockResolver, operation: Any, *args: Any, **kwargs: Any) -> Any:
        body, status = shipped(self, operation, *args, **kwargs)
        return body, status, {"Content-Type": "application/json"}

    mock_operation.patched = True  # type: ignore[attr-defined]
    MockResolver.mock_operation = mock_operation


_patch_mock_resolver()  # also in uvicorn's reload worker, which imports this file as __mp_main__


def main(argv: list[str]) -> None:
    import connexion.cli

    os.environ.setdefault("BEARERINFO_FUNC", "connexion_mock.accept_credential")
    os.environ.setdefault("APIKEYINFO_FUNC", "connexion_mock.accept_credential")
    spec, *rest = argv
    # connexion's CLI builds the app in a uvicorn factory that re-reads sys.argv; the second positional argument
    # is the directory it puts on sys.path, which makes this module importable for the *INFO_FUNC variables.
    sys.argv = ["connexion", "run", spec, str(HERE), "--mock=all", *rest]
    connexion.cli.main(sys.argv[1:])


if __name__ == "__main__":
    main(sys.argv[1:])
