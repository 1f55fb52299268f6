"""This module contains what makes a request error name what was wrong: connexion validator overrides (400) and the
route table that explains a 404 or 405."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from typing import Any

import orjson
from connexion.datastructures import MediaTypeDict
from connexion.exceptions import BadRequestProblem
from connexion.json_schema import Draft4RequestValidator, Draft4ResponseValidator
from connexion.utils import is_null, is_nullable
from connexion.validators import (
    VALIDATOR_MAP,
    JSONRequestBodyValidator,
    JSONResponseBodyValidator,
    ParameterValidator,
)
from jsonschema import Draft4Validator, FormatChecker, ValidationError
from jsonschema.validators import extend
from starlette.datastructures import QueryParams

from mock_server.params import coerce_param, describe, param_schema
from mock_server.specs import HTTP_METHODS

MAX_JSON_DEPTH = 64
"""Deeper request bodies are refused: connexion re-parses accepted bodies with the recursive stdlib decoder."""
INTEGER_FORMATS = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}
"""The ranges OpenAPI's integer formats promise; jsonschema's format checker knows neither."""


class NamedParameterValidator(ParameterValidator):  # type: ignore[misc]
    """Prefix connexion's one-line jsonschema message with the parameter's location and name (for a union of scalar
    branches: what the value must be), coerce header and cookie values as query values are (connexion checks their
    text, so an integer header was always refused), and refuse a repeated single-valued query parameter (connexion
    would silently keep one of the values)."""

    @staticmethod
    def validate_parameter(parameter_type: str, value: Any, param: dict[str, Any], param_name: Any = None) -> Any:
        if value == [""] and _param_type(param) == "array":
            value = []  # `include=` is the empty array in form style; connexion splits it into [""]
        error = _schema_error(parameter_type, value, param)
        if error is None and not in_integer_format(value, (param.get("schema") or param).get("format")):
            error = f"{value} is outside the {(param.get('schema') or param)['format']} range"
        if error and not str(error).startswith("Missing"):
            message = _union_message(value, param) or str(error).splitlines()[0]
            return f"{parameter_type} parameter '{param['name']}': {message}"
        return error

    def validate_header_parameter(self, param: dict[str, Any], request: Any) -> Any:
        value = coerce_param(request.headers.get(param["name"]), param, accepts, split=True)
        return self.validate_parameter("header", value, param)

    def validate_cookie_parameter(self, param: dict[str, Any], request: Any) -> Any:
        value = coerce_param(request.cookies.get(param["name"]), param, accepts)
        return self.validate_parameter("cookie", value, param)

    def validate_request(self, request: Any) -> None:
        query_string = request.scope.get("query_string", b"")
        if query_string:
            self._check_names(QueryParams(query_string).multi_items())
        super().validate_request(request)

    def _check_names(self, pairs: list[tuple[str, str]]) -> None:
        """Connexion builds a validator per request: what is derived from the parameters is derived here, only for
        requests with a query string."""
        query = self.parameters.get("query", [])
        if self.strict_validation:
            declared = [p["name"] for p in query]
            unknown = sorted({name for name, _ in pairs} - {*declared, *self.security_query_params})
            if unknown:
                raise BadRequestProblem(
                    detail=f"unknown query parameter(s) {', '.join(repr(clip(n)) for n in unknown)}"
                    f"; declared: {', '.join(declared) or 'none'}"
                )
        single = {p["name"] for p in query if _param_type(p) != "array"}
        repeated = _repeated(pairs, single | self.security_query_params)
        if repeated:
            name, times = repeated
            raise BadRequestProblem(detail=f"query parameter '{name}' is given {times} times; it takes one value")


def _schema_error(parameter_type: str, value: Any, param: dict[str, Any]) -> str | None:
    """What connexion's ParameterValidator.validate_parameter says about a value, without its per-call deep copy of
    the parameter and a new jsonschema validator each time: validators are compiled once per parameter."""
    if is_nullable(param) and is_null(value):
        return None
    if value is None:
        return f"Missing {parameter_type} parameter '{param['name']}'" if param.get("required") else None
    try:
        _parameter_validator(param).validate(value)
    except ValidationError as exception:
        return str(exception)
    return None


def _union_message(value: Any, param: dict[str, Any]) -> str | None:
    """'must be an integer or "all", not 'x'' for a value (or an array item) a union of scalar branches refused."""
    schema = param_schema(param)
    items = schema.get("items") if schema.get("type") == "array" else None
    if isinstance(items, dict) and isinstance(value, list):
        wanted = describe(items)
        bad = next((v for v in value if not accepts(v, items)), None)
        return f"each value must be {wanted}, not {bad!r}" if wanted and bad is not None else None
    wanted = describe(schema)
    return f"must be {wanted}, not {value!r}" if wanted else None


def accepts(value: Any, schema: dict[str, Any]) -> bool:
    """Whether the schema accepts the value (its validator compiled once, as for parameters)."""
    return bool(_parameter_validator(schema).is_valid(value))


_PARAMETER_VALIDATORS: dict[int, tuple[dict[str, Any], Draft4Validator]] = {}
PARAMETER_VALIDATOR_CACHE_SIZE = 1024


def _parameter_validator(param: dict[str, Any]) -> Draft4Validator:
    # keyed by identity: connexion hands over the same parameter dicts of the spec on every request; the cache holds
    # a reference to each, so no other dict can take over its id while it is cached
    cached = _PARAMETER_VALIDATORS.get(id(param))
    if cached is not None and cached[0] is param:
        return cached[1]
    if len(_PARAMETER_VALIDATORS) >= PARAMETER_VALIDATOR_CACHE_SIZE:
        _PARAMETER_VALIDATORS.clear()
    validator = Draft4Validator(param.get("schema", param), format_checker=_PARAMETER_FORMAT_CHECKER)
    _PARAMETER_VALIDATORS[id(param)] = (param, validator)
    return validator


_PARAMETER_FORMAT_CHECKER = Draft4Validator.FORMAT_CHECKER
"""connexion's own choice for parameters (its ParameterValidator): jsonschema's draft 4 formats."""


def _required_unless(flag: str) -> Any:
    """`required` as OpenAPI 3.0 means it: a required readOnly property applies to responses only, a required
    writeOnly one to requests only (connexion 3.3 requires both everywhere)."""

    def required(validator: Any, names: list[str], instance: Any, schema: dict[str, Any]) -> Any:
        if not validator.is_type(instance, "object"):
            return
        props = schema.get("properties") or {}
        for name in names:
            sub = props.get(name)
            if name not in instance and not (isinstance(sub, dict) and sub.get(flag) is True):
                yield ValidationError(f"{name!r} is a required property")

    return required


REQUEST_SCHEMA_VALIDATOR = extend(Draft4RequestValidator, {"required": _required_unless("readOnly")})
RESPONSE_SCHEMA_VALIDATOR = extend(Draft4ResponseValidator, {"required": _required_unless("writeOnly")})


class JSONBodyValidator(JSONRequestBodyValidator):  # type: ignore[misc]
    """Parse with orjson (UTF-8 only, no recursion), check integer formats, and say where in the body a schema
    violation is."""

    @property
    def _validator(self) -> Any:
        return REQUEST_SCHEMA_VALIDATOR(self._schema, format_checker=_FORMAT_CHECKER)

    async def _parse(self, stream: AsyncIterator[bytes], scope: Any) -> Any:
        raw = b"".join([chunk async for chunk in stream])
        if not raw.strip():
            return None
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise BadRequestProblem(detail=f"request body is not valid JSON: {exc}") from None
        if json_depth(body) > MAX_JSON_DEPTH:
            raise BadRequestProblem(detail=f"request body is nested deeper than {MAX_JSON_DEPTH} levels")
        return body

    def _validate(self, body: Any) -> dict[str, Any] | None:
        if body is None and not self._nullable:
            raise BadRequestProblem(detail="request body is required and must not be empty")
        try:
            self._validator.validate(body)
        except ValidationError as exc:
            where = "".join(f"/{part}" for part in exc.absolute_path)
            location = f"request body field '{where}'" if where else "request body"
            raise BadRequestProblem(detail=f"{location}: {exc.message}") from None
        return None


def in_integer_format(value: Any, fmt: Any) -> bool:
    """False only for an integer outside the range its declared format (int32, int64) allows."""
    bounds = INTEGER_FORMATS.get(fmt) if isinstance(fmt, str) else None
    if bounds is None or not isinstance(value, int) or isinstance(value, bool):
        return True
    return bounds[0] <= value <= bounds[1]


_FORMAT_CHECKER = FormatChecker(Draft4Validator.FORMAT_CHECKER.checkers)
for _fmt in INTEGER_FORMATS:
    _FORMAT_CHECKER.checks(_fmt)(lambda value, fmt=_fmt: in_integer_format(value, fmt))


def json_depth(value: Any) -> int:
    """Nesting depth of a parsed JSON value (a scalar is 0, `[]` is 1), level by level instead of recursively."""
    depth, level = 0, [value]
    while True:
        containers = [node for node in level if isinstance(node, (dict, list))]
        if not containers:
            return depth
        depth += 1
        level = [child for node in containers for child in (node.values() if isinstance(node, dict) else node)]


def _param_type(param: dict[str, Any]) -> Any:
    return (param.get("schema") or param).get("type")


def _repeated(pairs: Iterable[tuple[str, str]], names: set[str]) -> tuple[str, int] | None:
    counts: dict[str, int] = {}
    for name, _ in pairs:
        if name in names:
            counts[name] = counts.get(name, 0) + 1
    return next(((name, n) for name, n in counts.items() if n > 1), None)


class JSONResponseValidator(JSONResponseBodyValidator):  # type: ignore[misc]
    """connexion's response check, with `required` skipping writeOnly properties (a view never answers them)."""

    @property
    def validator(self) -> Any:
        return RESPONSE_SCHEMA_VALIDATOR(self._schema, format_checker=Draft4Validator.FORMAT_CHECKER)


VALIDATORS = {
    **VALIDATOR_MAP,
    "parameter": NamedParameterValidator,
    "body": MediaTypeDict({**VALIDATOR_MAP["body"], "*/*json": JSONBodyValidator}),
    "response": MediaTypeDict({**VALIDATOR_MAP["response"], "*/*json": JSONResponseValidator}),
}


@dataclass(frozen=True, slots=True)
class Route:
    """One declared path of a mounted API: its full template, a matcher, its methods and path parameter types."""

    template: str
    pattern: re.Pattern[str]
    methods: tuple[str, ...]
    params: tuple[tuple[str, str], ...]
    """(name, type) of each path parameter, in template order."""

    def bad_param(self, path: str) -> tuple[str, str, str] | None:
        """(name, value, type) of the first path parameter whose value the router's converter refuses."""
        match = self.pattern.match(path)
        if match is None:
            return None
        for (name, kind), value in zip(self.params, match.groups(), strict=True):
            converter = _CONVERTERS.get(kind)
            if converter is not None and not converter.fullmatch(value):
                return name, value, kind
        return None


# The values starlette's int and float path converters accept (connexion routes typed path parameters through them).
_CONVERTERS = {"integer": re.compile(r"[0-9]+"), "number": re.compile(r"[0-9]+(\.[0-9]+)?")}


class RouteTable:
    """Every declared path of every mounted API, to alias trailing slashes and to explain 404 and 405 answers."""

    def __init__(self, routes: list[Route], bases: list[str]) -> None:
        self.routes = routes
        self.bases = bases

    @classmethod
    def from_documents(cls, documents: dict[str, dict[str, Any]]) -> RouteTable:
        """Build from {base path: resolved OpenAPI document}."""
        routes = []
        for base, document in documents.items():
            for path, item in (document.get("paths") or {}).items():
                operations = [item[m] for m in HTTP_METHODS if isinstance(item.get(m), dict)]
                methods = tuple(m.upper() for m in HTTP_METHODS if isinstance(item.get(m), dict))
                types: dict[str, str] = {}
                for params in [item.get("parameters"), *(op.get("parameters") for op in operations)]:
                    for param in params or []:
                        if isinstance(param, dict) and param.get("in") == "path":
                            types[param["name"]] = str(_param_type(param) or "string")
                names = re.findall(r"\{([^/}]+)\}", path)
                routes.append(
                    Route(
                        base + path, _compile(base + path), methods, tuple((n, types.get(n, "string")) for n in names)
                    )
                )
        return cls(routes, sorted(documents))

    def find(self, path: str) -> Route | None:
        return next((r for r in self.routes if r.pattern.match(path)), None)

    def allowed(self, path: str) -> list[str]:
        """Methods of every template matching the path, HEAD wherever GET is."""
        methods = {m for r in self.routes if r.pattern.match(path) for m in r.methods}
        if "GET" in methods:
            methods.add("HEAD")
        return sorted(methods)

    def explain_not_found(self, method: str, path: str) -> str:
        for route in self.routes:
            bad = route.bad_param(path)
            if bad is not None:
                name, value, kind = bad
                return f"path parameter '{name}': {clip(value)!r} is not a valid {kind}"
        mounted = ", ".join(b or "/" for b in self.bases)
        return f"No operation matches {method} {clip(path)}; the APIs are mounted at {mounted}"

    def explain_method(self, method: str, path: str) -> str:
        allowed = self.allowed(path)
        return f"Method {clip(method)} is not allowed on {clip(path)}; allowed: {', '.join(allowed) or 'none'}"


def _compile(template: str) -> re.Pattern[str]:
    parts = re.split(r"\{[^/}]+\}", template)
    return re.compile("([^/]+)".join(re.escape(p) for p in parts) + r"\Z")


def clip(text: str, limit: int = 200) -> str:
    """The text, or its first `limit` characters and how long it was."""
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"
