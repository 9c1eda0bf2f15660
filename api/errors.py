"""HTTP errors: one table from exception type to status code, answered as problem+json.

Every error response is an RFC 9457 problem document (``application/problem+json``) with
``type``, ``title``, ``status``, ``detail`` and an ``errors`` array naming every problem (each
with ``index``, ``id``, ``field`` and ``message``). Library errors keep their own messages:
they are written for the caller and never contain records the caller may not see. Anything
unexpected becomes a bare 500 that says nothing about the server's internals.
"""

from __future__ import annotations

import json
import logging
import traceback
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from geomap.answers import QuestionError
from geomap.deployment import DifferentNetworksError, OutsideNetworksError
from geomap.errors import (
    AuthenticationError,
    ConflictError,
    GeomapError,
    InvalidCoordinateError,
    NoRouteError,
    NotFoundError,
    PermissionDeniedError,
    PointTooFarError,
    PreconditionFailedError,
    PreconditionRequiredError,
    RegistryValidationError,
    ServiceUnavailableError,
)
from geomap.registry.collections import UnknownCollectionError

PROBLEM_JSON = "application/problem+json"

logger = logging.getLogger("geomap.api")


class MalformedRequestError(RegistryValidationError):
    """A request that cannot be read: bad query parameter, header, JSON or media type."""


class PayloadTooLargeError(MalformedRequestError):
    """A request body over the configured size limit."""


class UnsupportedMediaTypeError(MalformedRequestError):
    """A request body of a media type the route does not take."""


#: The one table: exception type -> (HTTP status, the request part a problem is about).
#: The most specific class in an exception's MRO decides.
STATUS: dict[type[Exception], tuple[int, str | None]] = {
    UnsupportedMediaTypeError: (415, "Content-Type"),
    QuestionError: (400, None),
    OutsideNetworksError: (422, "point"),
    DifferentNetworksError: (422, "route"),
    UnknownCollectionError: (404, "path"),
    PayloadTooLargeError: (413, "body"),
    MalformedRequestError: (400, None),
    RegistryValidationError: (422, None),
    InvalidCoordinateError: (400, "geometry"),
    PointTooFarError: (422, "point"),
    NoRouteError: (422, "route"),
    ServiceUnavailableError: (503, None),
    AuthenticationError: (401, "Authorization"),
    PermissionDeniedError: (403, "Authorization"),
    NotFoundError: (404, "path"),
    ConflictError: (409, "id"),
    PreconditionRequiredError: (428, "If-Match"),
    PreconditionFailedError: (412, "If-Match"),
}


class ProblemResponse(JSONResponse):
    """A JSON response of media type ``application/problem+json``.

    Problems may quote the caller's input (a property name, say), which JSON lets hold lone
    UTF-16 surrogates that UTF-8 cannot encode: those become ``?`` rather than a failure.
    """

    media_type = PROBLEM_JSON

    def render(self, content: Any) -> bytes:
        """The problem as UTF-8 JSON."""
        text = json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        return text.encode("utf-8", errors="replace")


def problem(
    status: int,
    detail: str,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> ProblemResponse:
    """An RFC 9457 problem response."""
    body = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "errors": errors if errors is not None else [],
    }
    return ProblemResponse(body, status_code=status, headers=headers)


def _one(field: str | None, message: str) -> list[dict[str, Any]]:
    return [{"index": None, "id": None, "field": field, "message": message}]


def lookup(exc: Exception) -> tuple[int, str | None] | None:
    """The status and field of an exception from :data:`STATUS`, or None if unmapped."""
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return None


def problem_for(exc: Exception) -> ProblemResponse:
    """The problem response for a geomap (library or API) exception."""
    mapped = lookup(exc)
    if mapped is None:
        return _internal_error()
    status, field = mapped
    if isinstance(exc, RegistryValidationError):
        errors = [{k: p.get(k) for k in ("index", "id", "field", "message")} for p in exc.problems]
        if field is not None:
            errors = [{**p, "field": p["field"] or field} for p in errors]
    else:
        errors = _one(field, str(exc))
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    retry_after = getattr(exc, "retry_after", None)
    if status == 503 and retry_after is not None:
        headers = {"Retry-After": str(int(retry_after))}
    return problem(status, str(exc), errors, headers)


def _internal_error() -> ProblemResponse:
    return problem(500, "the server failed to answer this request; it has been logged")


async def _geomap_handler(request: Request, exc: Exception) -> ProblemResponse:
    response = problem_for(exc)
    if response.status_code == 500:
        _log_unhandled(request.scope, exc)
    return response


async def _validation_handler(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {
            "index": None,
            "id": None,
            "field": ".".join(str(part) for part in e.get("loc", ())),
            "message": str(e.get("msg", "invalid")),
        }
        for e in exc.errors()
    ]
    where = ", ".join(str(e["field"]) for e in errors)
    return problem(400, f"invalid request parameter(s): {where}", errors)


def _routes(routes: Any) -> Any:
    """Every endpoint route, through included routers."""
    for route in routes:
        inner = getattr(route, "original_router", route)
        if hasattr(route, "path_regex") and hasattr(route, "methods"):
            yield route
        elif hasattr(inner, "routes"):
            yield from _routes(inner.routes)


def allowed_methods(request: Request) -> str:
    """Every method some route serves at the request's path (Starlette names only the first)."""
    path = request.scope.get("path", "")
    methods: set[str] = set()
    for route in _routes(request.app.routes):
        if route.path_regex.match(path):
            methods |= set(route.methods or ())
    return ", ".join(sorted(methods - {"HEAD"}))


async def _http_handler(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, StarletteHTTPException)
    headers = dict(exc.headers) if exc.headers else None
    if exc.status_code == 404:
        detail = "there is no resource at this path"
        field: str | None = "path"
    elif exc.status_code == 405:
        allowed = allowed_methods(request)
        headers = {**(headers or {}), "Allow": allowed}
        detail = f"method {request.method} is not allowed here; allowed: {allowed}"
        field = "method"
    else:
        detail = HTTPStatus(exc.status_code).phrase
        field = None
    return problem(exc.status_code, detail, _one(field, detail), headers)


def install_handlers(app: FastAPI) -> None:
    """Register the problem+json exception handlers on ``app``.

    :class:`UnhandledErrors` is the matching middleware, added by the app factory outermost.
    """
    app.add_exception_handler(GeomapError, _geomap_handler)
    app.add_exception_handler(RequestValidationError, _validation_handler)
    app.add_exception_handler(StarletteHTTPException, _http_handler)


def _log_unhandled(scope: Scope, exc: BaseException) -> None:
    """Log an unexpected error by type, route template and stack, never with request data.

    The exception's message is left out on purpose: it may quote coordinates or other input.
    """
    route = scope.get("route")
    template = getattr(route, "path", "?")
    stack = "".join(traceback.format_tb(exc.__traceback__))
    logger.error(
        "unhandled %s in %s %s\n%s", type(exc).__name__, scope.get("method"), template, stack
    )


class UnhandledErrors:
    """ASGI middleware answering any unexpected exception with a bare problem+json 500.

    Starlette's own last-resort handler would re-raise the exception for the server to log
    with its message; this one logs it without request data and stops it here.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one request; answer 500 if it fails unexpectedly."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as exc:
            _log_unhandled(scope, exc)
            if not started:
                await _internal_error()(scope, receive, send)
