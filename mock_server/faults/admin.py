"""This module contains the /__admin routes of faults and rate limits:

POST|GET|DELETE /__admin/faults        add (one JSON object or a list), list, clear the fault rules
POST|GET|DELETE /__admin/rate-limits   the same for rate limits
GET|DELETE      /__admin/violations    requests sent before their Retry-After had passed
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from mock_server.errors import PROBLEM_MEDIA_TYPE, problem_body
from mock_server.faults.rules import RuleError, parse_fault_rule, parse_rate_limit
from mock_server.faults.state import Resilience, check_target
from mock_server.model import ApiModel

Handler = Callable[[Request], Awaitable[Response]]
ROUTES_HINT = "GET|POST|DELETE /__admin/faults, GET|POST|DELETE /__admin/rate-limits, GET|DELETE /__admin/violations"


def resilience_routes(
    resilience: Resilience, models: Mapping[str, ApiModel], guard: Callable[[Any], Any]
) -> list[Route]:
    """The routes, each wrapped in admin.py's `guard` (admin token, cross-origin writes refused)."""

    add_faults = _adder("fault", "faults", parse_fault_rule, resilience.add_fault, models)

    async def list_faults(request: Request) -> Response:
        return JSONResponse({"faults": resilience.faults()})

    async def clear_faults(request: Request) -> Response:
        resilience.clear_faults()
        return Response(status_code=204)

    add_limits = _adder(
        "rate_limit", "rate_limits", parse_rate_limit, lambda rule: resilience.limiter.add(rule), models
    )

    async def list_limits(request: Request) -> Response:
        return JSONResponse({"rate_limits": resilience.limiter.limits()})

    async def clear_limits(request: Request) -> Response:
        resilience.limiter.clear()
        return Response(status_code=204)

    async def violations(request: Request) -> Response:
        return JSONResponse({"violations": resilience.limiter.violations()})

    async def clear_violations(request: Request) -> Response:
        resilience.limiter.clear_violations()
        return Response(status_code=204)

    return [
        Route("/__admin/faults", guard(add_faults), methods=["POST"]),
        Route("/__admin/faults", guard(list_faults), methods=["GET"]),
        Route("/__admin/faults", guard(clear_faults), methods=["DELETE"]),
        Route("/__admin/rate-limits", guard(add_limits), methods=["POST"]),
        Route("/__admin/rate-limits", guard(list_limits), methods=["GET"]),
        Route("/__admin/rate-limits", guard(clear_limits), methods=["DELETE"]),
        Route("/__admin/violations", guard(violations), methods=["GET"]),
        Route("/__admin/violations", guard(clear_violations), methods=["DELETE"]),
    ]


def _adder(
    name: str,
    listed_as: str,
    parse: Callable[[Any, str], Any],
    add: Callable[[Any], Any],
    models: Mapping[str, ApiModel],
) -> Handler:
    """POST handler for one kind of rule: parse every posted rule and check its target, then add them all (or
    none: a 400 names the first bad one)."""

    async def handle(request: Request) -> Response:
        parsed = await _rules(request, name)
        if isinstance(parsed, Response):
            return parsed
        try:
            rules = [parse(item, where) for where, item in parsed]
            for (where, _), rule in zip(parsed, rules, strict=True):
                check_target(rule, models, where)
        except RuleError as exc:
            return _bad_request(str(exc))
        return JSONResponse({listed_as: [add(rule) for rule in rules]}, status_code=201)

    return handle


async def _rules(request: Request, name: str) -> list[tuple[str, Any]] | Response:
    """The posted rule objects with where each one is (`fault` for one object, `faults[1]` in a list)."""
    try:
        body = orjson.loads(await request.body())
    except orjson.JSONDecodeError as exc:
        return _bad_request(f"The body must be a JSON object or a list of objects: {exc}")
    if isinstance(body, list):
        if not body:
            return _bad_request("The list of rules is empty")
        return [(f"{name}s[{i}]", item) for i, item in enumerate(body)]
    return [(name, body)]


def _bad_request(detail: str) -> Response:
    return Response(problem_body(400, detail), status_code=400, media_type=PROBLEM_MEDIA_TYPE)
