"""This module contains the /__admin endpoints: list APIs, read the request journal, reset the store."""

from __future__ import annotations

import hmac
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import orjson
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from mock_server.errors import PROBLEM_MEDIA_TYPE, problem_body
from mock_server.faults.admin import resilience_routes
from mock_server.inspector import inspector_routes
from mock_server.journal import JournalQuery
from mock_server.seeding import Seeder, seeding_routes

if TYPE_CHECKING:
    from mock_server.app import Runtime


def admin_app(runtime: Runtime) -> Starlette:
    """A small Starlette app for /__admin/*; with an admin token set, every call must present it."""
    settings = runtime.settings

    def authorized(request: Request) -> bool:
        if not settings.admin_token:
            return True
        given = request.headers.get("x-admin-token") or ""
        auth = request.headers.get("authorization") or ""
        if auth.lower().startswith("bearer "):
            given = given or auth[7:].strip()
        return hmac.compare_digest(given.encode(), settings.admin_token.encode())

    def guard(handler: Any) -> Any:
        async def wrapped(request: Request) -> Response:
            if request.method not in ("GET", "HEAD") and _cross_origin(request):
                # CORS would let the page read nothing, but a simple cross-origin POST still runs: refuse it so no
                # web page a developer happens to open can reset the mock or wipe its journal
                return _problem(403, "Forbidden", "Admin writes from another origin are refused")
            if not authorized(request):
                return _problem(
                    401,
                    "Unauthorized",
                    "The admin endpoints need the admin token (Authorization: Bearer <token> or X-Admin-Token)",
                )
            response: Response = await handler(request)
            return response

        return wrapped

    async def apis(request: Request) -> Response:
        base = f"{request.url.scheme}://{request.url.netloc}"
        return JSONResponse(
            [
                {
                    "name": name,
                    "base_url": base + runtime.base_path(name),
                    "docs_url": base + runtime.base_path(name) + "/ui/",
                    "spec_url": base + runtime.base_path(name) + "/openapi.json",
                    "title": model.spec.document.get("info", {}).get("title"),
                    "operations": sorted(model.operations),
                    "records": runtime.store.counts(name),
                }
                for name, model in runtime.models.items()
            ]
        )

    async def requests(request: Request) -> Response:
        params = request.query_params
        unknown = sorted(set(params) - set(JOURNAL_FILTERS))
        if unknown:
            known = ", ".join(JOURNAL_FILTERS)
            return _problem(400, "Bad Request", f"unknown parameter(s) {', '.join(unknown)}; known: {known}")
        numbers: dict[str, int | None] = {}
        for name in ("limit", "status"):
            raw = params.get(name)
            if raw is not None and not (raw.isascii() and raw.isdigit()):
                return _problem(400, "Bad Request", f"{name} must be a non-negative integer")
            numbers[name] = int(raw) if raw is not None else None
        api = params.get("api")
        if api is not None and api not in runtime.models:
            return _problem(400, "Bad Request", f"unknown api {api!r}; mounted: {', '.join(runtime.models)}")
        method = params.get("method")
        query = JournalQuery(
            api=api,
            method=method.upper() if method else None,
            path=params.get("path") or None,
            status=numbers["status"],
            operation=params.get("operation") or None,
        )
        total, entries = runtime.journal.search(query, limit=numbers["limit"])
        return Response(orjson.dumps({"total": total, "requests": entries}), media_type="application/json")

    async def clear_requests(request: Request) -> Response:
        runtime.journal.clear()
        return Response(status_code=204)

    async def reset(request: Request) -> Response:
        runtime.store.reset()
        runtime.resilience.reset()  # back to the configured faults and rate limits, counters and violations cleared
        return JSONResponse({"reset": True, "records": {n: runtime.store.counts(n) for n in runtime.models}})

    async def http_error(request: Request, exc: Exception) -> Response:
        status = getattr(exc, "status_code", 500)
        detail = ROUTES_HINT if status == 404 else str(getattr(exc, "detail", "") or "")
        return _problem(status, HTTPStatus(status).phrase, detail)

    return Starlette(
        exception_handlers={HTTPException: http_error},
        routes=[
            Route("/__admin/apis", guard(apis), methods=["GET"]),
            Route("/__admin/requests", guard(requests), methods=["GET"]),
            Route("/__admin/requests", guard(clear_requests), methods=["DELETE"]),
            Route("/__admin/reset", guard(reset), methods=["POST"]),
            *seeding_routes(Seeder(runtime.models, runtime.store), guard),
            *resilience_routes(runtime.resilience, runtime.models, guard),
            *inspector_routes(),  # a static page: it asks for the admin token and sends it with its own calls
        ],
    )


JOURNAL_FILTERS = ("limit", "api", "method", "path", "status", "operation")
"""The query parameters of GET /__admin/requests."""
ROUTES_HINT = (
    "Admin endpoints: GET /__admin/apis, GET|DELETE /__admin/requests, POST /__admin/reset, "
    "GET|PUT|POST /__admin/apis/{api}/resources/{resource}, DELETE /__admin/apis/{api}/resources/{resource}/{key}, "
    "GET|POST|DELETE /__admin/faults, GET|POST|DELETE /__admin/rate-limits, GET|DELETE /__admin/violations, "
    "GET /__admin/ (the inspector page)"
)


def _cross_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    return origin is not None and urlsplit(origin).netloc != request.headers.get("host", "")


def _problem(status: int, title: str, detail: str) -> Response:
    return Response(problem_body(status, detail, title), status_code=status, media_type=PROBLEM_MEDIA_TYPE)
