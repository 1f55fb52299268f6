"""This module contains ConnexionApp: connexion's AsyncApp, with each operation's handler wrapped once at start-up.

Stock connexion 3.3 builds a new decorator chain around the handler on every request (a StarletteDecorator, its
parameter and response decorators, `inspect.signature` of the handler, three `functools.wraps`). What that chain
does per request (parse the request, pass its parameters, turn the result into a response) does not depend on
anything but the operation, which connexion looks up per request from its context. So the chain is built once per
operation here, and every request still goes through it: routing, security, validation and the parameter parsing
are connexion's own, unchanged. In `make bench` this is worth about a tenth of the time of a request.

Tied to connexion's internals (AsyncApp, AsyncApi, AsyncOperation); connexion is pinned below 3.4 for that reason.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from connexion import AsyncApp
from connexion.apps.abstract import AbstractApp
from connexion.apps.asynchronous import AsyncApi, AsyncASGIApp, AsyncOperation
from connexion.context import operation, receive, scope
from connexion.decorators import StarletteDecorator
from connexion.decorators.parameter import AsyncParameterDecorator, prep_kwargs, unwrap_decorators
from connexion.operations import AbstractOperation
from connexion.uri_parsing import OpenAPIURIParser
from connexion.utils import inspect_function_arguments

from mock_server.params import coerce_param, needs_coercion, param_schema
from mock_server.validation import accepts

Handler = Callable[..., Awaitable[Any]]


class URIParser(OpenAPIURIParser):  # type: ignore[misc]
    """connexion's OpenAPI query and path parser, with the parameters it cannot coerce (params.needs_coercion: a
    schema without a single top-level type, e.g. a oneOf) coerced by params.coerce_param instead of a KeyError."""

    def resolve_params(self, params: dict[str, Any], _in: str) -> dict[str, Any]:
        own = {k: v for k, v in params.items() if k in self.param_defns and needs_coercion(self.param_defns[k])}
        resolved: dict[str, Any] = super().resolve_params({k: v for k, v in params.items() if k not in own}, _in)
        for name, values in own.items():
            defn = self.param_defns[name]
            given = [values] if _in == "path" else values
            if param_schema(defn).get("type") == "array":
                raw = self._split(self._resolve_param_duplicates(given, defn, _in), defn, _in)
            else:
                raw = given[-1]
            resolved[name] = coerce_param(raw, defn, accepts)
        return resolved


@dataclass(frozen=True, slots=True)
class _CastOnly:
    """What connexion's prep_kwargs reads of a request, without the parameters its cast cannot handle."""

    path_params: dict[str, Any]
    query_params: dict[str, Any]
    mimetype: str


class _ParameterDecorator(AsyncParameterDecorator):  # type: ignore[misc]
    """connexion 3.3's AsyncParameterDecorator, except that the parameters connexion cannot cast (its
    `_get_val_from_param` reads schema["type"]) reach the handler as URIParser coerced them, or their default."""

    def __call__(self, function: Handler) -> Handler:
        arguments, has_kwargs = inspect_function_arguments(unwrap_decorators(function))
        found: list[list[dict[str, Any]]] = []  # the operation's own parameters, found on its first request

        @functools.wraps(function)
        async def wrapper(request: Any) -> Any:
            body = self._maybe_get_body(request, arguments=arguments, has_kwargs=has_kwargs)
            while asyncio.iscoroutine(body):
                body = await body
            if not found:
                found.append([p for p in operation.parameters if p["in"] in ("path", "query") and needs_coercion(p)])
            own = found[0]
            path = {p["name"] for p in own if p["in"] == "path"}
            query = {p["name"] for p in own if p["in"] == "query"}
            cast_only = _CastOnly(
                {k: v for k, v in request.path_params.items() if k not in path},
                {k: v for k, v in request.query_params.items() if k not in query},
                request.mimetype,
            )
            kwargs = prep_kwargs(
                cast_only,
                request_body=body,
                files=await request.files(),
                arguments=arguments,
                has_kwargs=has_kwargs,
                sanitize=self.sanitize_fn,
            )
            for param in own:
                given = request.path_params if param["in"] == "path" else request.query_params
                key = self.sanitize_fn(param["name"])
                if not (has_kwargs or key in arguments):
                    continue
                if param["name"] in given:
                    kwargs[key] = given[param["name"]]
                elif "default" in param_schema(param):
                    kwargs[key] = param_schema(param)["default"]
            return await function(**kwargs)

        return wrapper


class _DecorateOnce(StarletteDecorator):  # type: ignore[misc]
    """StarletteDecorator whose decorator chain is built when the operation is, not per request; its parameter
    decorator passes the parameters connexion cannot cast as URIParser coerced them."""

    @property
    def _parameter_decorator_cls(self) -> type[_ParameterDecorator]:
        return _ParameterDecorator

    def __call__(self, function: Handler) -> Handler:
        decorated = self.decorate(function)

        @functools.wraps(function)
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            request = self.framework.get_request(uri_parser=self.uri_parser, scope=scope, receive=receive)
            return await decorated(request)

        return wrapper


class _Operation(AsyncOperation):  # type: ignore[misc]
    @functools.cached_property
    def fn(self) -> Handler:
        return _DecorateOnce(pythonic_params=self.pythonic_params, jsonifier=self.jsonifier)(self._fn)


class _Api(AsyncApi):  # type: ignore[misc]
    def make_operation(self, operation: AbstractOperation) -> _Operation:
        made: _Operation = _Operation.from_operation(
            operation, pythonic_params=self.pythonic_params, jsonifier=self.jsonifier
        )
        return made


class _ASGIApp(AsyncASGIApp):  # type: ignore[misc]
    api_cls = _Api


class ConnexionApp(AsyncApp):  # type: ignore[misc]
    """connexion.AsyncApp (same arguments) serving its operations through handlers wrapped once."""

    def __init__(self, import_name: str, **kwargs: Any) -> None:
        # AsyncApp.__init__ only creates its ASGI app and hands over to AbstractApp: do the same with ours
        self._middleware_app = _ASGIApp()
        AbstractApp.__init__(self, import_name, **kwargs)
