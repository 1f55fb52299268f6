"""This module contains the stack's ceiling (issue 9, point 11): a Connexion AsyncApp on mock-server's specs and URLs
whose every operation answers a constant, pre-encoded body.

Routing, security (any non-empty credential, as mock-server's default) and strict request validation run exactly
as in mock-server; response validation is off (mock-server's default). What is left out is everything mock-server
does on top: the query engine, encoding, the journal, CORS. No Connexion app on one core can be faster than this.

The body of an operation is the one `bench/run.py` captured from mock-server for the benchmarked request
(`--bodies FILE`, so both answer the same bytes), else the spec's 2xx example, list examples padded to 20 rows.

    python bench/ceiling_app.py --port 8001 [--bodies bench/out/bodies.json] [--spec-dir specs]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import connexion
import orjson
import uvicorn
import yaml
from connexion.resolver import Resolution, Resolver
from connexion.security import ApiKeySecurityHandler, BearerSecurityHandler
from starlette.responses import Response

SPEC_DIR = Path(__file__).resolve().parent.parent / "specs"
LIST_ROWS = 20


def accept_credential(credential: str, required_scopes: object = None) -> dict[str, Any] | None:
    """Any non-empty credential, like mock-server without a config file; None means 401."""
    return {"sub": "bench", "credential": credential} if credential and credential.strip() else None


class _Bearer(BearerSecurityHandler):  # type: ignore[misc]
    def _resolve_func(self, security_scheme: object) -> Any:
        return accept_credential


class _ApiKey(ApiKeySecurityHandler):  # type: ignore[misc]
    def _resolve_func(self, security_scheme: object) -> Any:
        return accept_credential


SECURITY_MAP = {"bearer": _Bearer, "apiKey": _ApiKey}


def api_name(document: dict[str, Any], path: Path) -> str:
    """The mount name mock-server uses: `x-mock-api.name`, else the file's stem."""
    api = document.get("x-mock-api")
    return str(api.get("name") if isinstance(api, dict) and api.get("name") else path.stem)


def _example(operation: dict[str, Any], components: dict[str, Any]) -> Any:
    for status in sorted(operation.get("responses") or {}):
        if not str(status).startswith("2"):
            continue
        response = operation["responses"][status]
        if "$ref" in response:
            response = components["responses"][response["$ref"].rsplit("/", 1)[1]]
        media = (response.get("content") or {}).get("application/json") or {}
        if "example" in media:
            return media["example"]
        for example in (media.get("examples") or {}).values():
            if "value" in example:
                return example["value"]
    return {}


class ConstantResolver(Resolver):  # type: ignore[misc]
    """Every operation answers one body built at start-up; resolved ids are unique per method and path."""

    def __init__(self, name: str, document: dict[str, Any], bodies: dict[str, Any]) -> None:
        super().__init__()
        self.name = name
        self.document = document
        self.bodies = bodies

    def resolve(self, operation: Any) -> Resolution:
        method, path = operation.method.upper(), operation.path
        captured = self.bodies.get(f"{self.name} {method} {path}")
        if captured is not None:
            body: bytes = captured["body"].encode()
            headers: dict[str, str] = captured.get("headers") or {}
        else:
            example = _example(self.document["paths"][path][operation.method], self.document.get("components", {}))
            if isinstance(example, list) and example:
                example = (example * LIST_ROWS)[:LIST_ROWS]
            body, headers = orjson.dumps(example), {}

        async def handle(**params: Any) -> Response:
            return Response(body, 200, headers, media_type="application/json")

        return Resolution(handle, f"{self.name}:{method} {path}")


def create_app(spec_dir: Path = SPEC_DIR, bodies: dict[str, Any] | None = None) -> Any:
    """The ceiling app over every spec in `spec_dir`, mounted at /<name> like mock-server."""
    app = connexion.AsyncApp(__name__)
    for path in sorted(spec_dir.glob("*.yaml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        name = api_name(document, path)
        app.add_api(
            document,
            base_path=f"/{name}",
            name=name,
            resolver=ConstantResolver(name, document, bodies or {}),
            strict_validation=True,
            validate_responses=False,
            security_map=SECURITY_MAP,
        )
    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--spec-dir", type=Path, default=SPEC_DIR)
    parser.add_argument("--bodies", type=Path, default=None, help="JSON of captured bodies (written by run.py)")
    args = parser.parse_args(argv)
    bodies = json.loads(args.bodies.read_text(encoding="utf-8")) if args.bodies else {}
    # the same uvicorn settings as `mock-server serve`
    uvicorn.run(
        create_app(args.spec_dir, bodies), host="127.0.0.1", port=args.port, access_log=False, log_level="warning"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
