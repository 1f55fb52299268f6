"""This module contains the /__admin endpoints: list APIs, read the request journal, reset the store."""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

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
        raw_limit = request.query_params.get("limit")
        if raw_limit is not None and not raw_limit.isdigit():
            return _problem(400, "Bad Request", "limit must be a non-negative integer")
        api = request.query_params.get("api")
        entries = runtime.journal.entries(limit=int(raw_limit) if raw_limit else None, api=api)
        return JSONResponse({"total": runtime.journal.total, "requests": entries})

    async def clear_requests(request: Request) -> Response:
        runtime.journal.clear()
        return Response(status_code=204)

    async def reset(request: Request) -> Response:
        runtime.store.reset()
        return JSONResponse({"reset": True, "records": {n: runtime.store.counts(n) for n in runtime.models}})

    async def not_found(request: Request) -> Response:
        return _problem(
            404, "Not Found", "Admin endpoints: GET /__admin/apis, GET|DELETE /__admin/requests, POST /__admin/reset"
        )

    return Starlette(
        routes=[
            Route("/__admin/apis", guard(apis), methods=["GET"]),
            Route("/__admin/requests", guard(requests), methods=["GET"]),
            Route("/__admin/requests", guard(clear_requests), methods=["DELETE"]),
            Route("/__admin/reset", guard(reset), methods=["POST"]),
            Route("/__admin", guard(not_found), methods=["GET"]),
        ]
    )


def _problem(status: int, title: str, detail: str) -> JSONResponse:
    return JSONResponse(
        {"type": "about:blank", "title": title, "status": status, "detail": detail},
        status_code=status,
        media_type="application/problem+json",
    )
