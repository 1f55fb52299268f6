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

import functools
from collections.abc import Awaitable, Callable
from typing import Any

from connexion import AsyncApp
from connexion.apps.abstract import AbstractApp
from connexion.apps.asynchronous import AsyncApi, AsyncASGIApp, AsyncOperation
from connexion.context import receive, scope
from connexion.decorators import StarletteDecorator
from connexion.operations import AbstractOperation

Handler = Callable[..., Awaitable[Any]]


class _DecorateOnce(StarletteDecorator):  # type: ignore[misc]
    """StarletteDecorator whose decorator chain is built when the operation is, not per request."""

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
