"""This package contains the request inspector: one self-contained HTML page (inline CSS and JS, no network access
beyond the mock's own /__admin endpoints) served at GET /__admin/."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

PAGE_SECURITY = (
    # the page talks only to its own origin and loads nothing from anywhere else
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; "
    "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


@cache
def page() -> bytes:
    return files(__package__).joinpath("page.html").read_bytes()


async def _page(request: Request) -> Response:
    return Response(
        page(),
        media_type="text/html; charset=utf-8",
        headers={"Content-Security-Policy": PAGE_SECURITY, "Cache-Control": "no-store", "X-Frame-Options": "DENY"},
    )


async def _slash(request: Request) -> Response:
    return RedirectResponse("/__admin/", status_code=308)


def inspector_routes() -> list[Route]:
    """GET /__admin/ (the page; it holds no data, so it needs no token) and /__admin redirecting there."""
    return [Route("/__admin/", _page, methods=["GET"]), Route("/__admin", _slash, methods=["GET"])]
