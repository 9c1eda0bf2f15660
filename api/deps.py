"""Request dependencies: the store, the caller, the collection and the checked headers.

They are coroutines: FastAPI runs a plain ``def`` dependency in its thread pool, a hop per
dependency and request that costs more than these do (they read the app's state and the
request's headers). The one that may do I/O, the token lookup, hands it to the thread pool.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from fastapi import Depends, Header, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.routing import BaseRoute

from api.collections import CollectionSpec
from api.errors import MalformedRequestError
from geomap.deployment import Deployment
from geomap.errors import (
    AuthenticationError,
    NotFoundError,
    PermissionDeniedError,
    PreconditionRequiredError,
)
from geomap.registry.access import ANONYMOUS, Caller
from geomap.registry.store import RegistryStore
from geomap.service import Services
from geomap.settings import Settings

#: Roles that may change records (of their countries, for officers).
#: Longest change reason kept in the history.
MAX_REASON_CHARS = 500

_bearer = HTTPBearer(
    auto_error=False,
    description="An API token: `Authorization: Bearer <token>`. Reading works without one.",
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
#: An entity tag (RFC 9110): optionally weak, in double quotes, no comma (one tag only).
ETAG_PATTERN = r'^(W/)?"[!#-+\--~]*"$'
_ETAG = re.compile(ETAG_PATTERN)


def _problem(field: str, message: str) -> MalformedRequestError:
    return MalformedRequestError(
        [{"index": None, "id": None, "field": field, "message": message}], message
    )


async def get_settings(request: Request) -> Settings:
    """The app's settings."""
    settings: Settings = request.app.state.settings
    return settings


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


async def get_services(request: Request) -> Services:
    """What the app opened in its lifespan (registry, networks, population layer)."""
    return _services(request)


async def get_store(request: Request) -> RegistryStore:
    """The registry store opened in the app's lifespan."""
    return _services(request).store


async def get_deployment(request: Request) -> Deployment:
    """The walking networks served (possibly none)."""
    return _services(request).deployment


async def get_caller(
    request: Request,
    store: Annotated[RegistryStore, Depends(get_store)],
    _credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Caller:
    """Who the request acts as: anonymous without ``Authorization``, else its token's caller.

    Raises
    ------
    AuthenticationError
        For an ``Authorization`` header that is not ``Bearer <token>`` or a token that is
        unknown or revoked (a bad token is an error, never silently anonymous).
    """
    header = request.headers.get("authorization")
    if header is None:
        return ANONYMOUS
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError("the Authorization header must be 'Bearer <token>'")
    return await run_in_threadpool(store.authenticate, token.strip())


async def get_writer(caller: Annotated[Caller, Depends(get_caller)]) -> Caller:
    """The caller, if it may change records at all.

    Raises
    ------
    AuthenticationError
        Without a token.
    PermissionDeniedError
        For a role that never writes (partners).
    """
    if caller.is_anonymous:
        raise AuthenticationError(
            "changing the registry needs an API token: send 'Authorization: Bearer <token>'"
        )
    if not caller.may_write:
        raise PermissionDeniedError(f"{caller.role} {caller.name!r} may not change records")
    return caller


async def get_collection(
    request: Request,
    collectionId: Annotated[str, Path(description="Collection id, e.g. `places`.")],
) -> CollectionSpec:
    """The collection named in the path.

    Raises
    ------
    NotFoundError
        If the API serves no such collection.
    """
    collections: dict[str, CollectionSpec] = request.app.state.collections
    spec = collections.get(collectionId)
    if spec is None:
        raise NotFoundError(f"no collection {collectionId!r}; see /collections")
    return spec


async def get_if_match(
    if_match: Annotated[
        str | None,
        Header(
            alias="If-Match",
            description="The item's current ETag, as given by GET (optimistic locking).",
            json_schema_extra={"pattern": ETAG_PATTERN},
        ),
    ] = None,
) -> str:
    """The ``If-Match`` ETag a change must carry.

    Raises
    ------
    PreconditionRequiredError
        Without ``If-Match``.
    MalformedRequestError
        For ``*`` or a list of ETags: a change must name the one version it was based on.
    """
    value = (if_match or "").strip()
    if not value:
        raise PreconditionRequiredError(
            "changing an item needs If-Match with its current ETag: GET it first"
        )
    if value == "*" or "," in value:
        raise _problem("If-Match", "If-Match must carry exactly one ETag, as given by GET")
    if not _ETAG.match(value):
        raise _problem("If-Match", "If-Match must be the ETag in double quotes, as given by GET")
    return value  # a weak W/"…" tag is well-formed but never matches (412, strong comparison)


async def get_reason(
    reason: Annotated[
        str | None,
        Header(
            alias="X-Change-Reason",
            description="Why the change is made; kept in the item's history (UTF-8).",
            json_schema_extra={"pattern": "^[^\\x00-\\x1f\\x7f]*$", "maxLength": MAX_REASON_CHARS},
        ),
    ] = None,
) -> str:
    """The change reason for the history: UTF-8 text without control characters.

    Raises
    ------
    MalformedRequestError
        If it is longer than :data:`MAX_REASON_CHARS` or holds control characters.
    """
    if reason is None:
        return ""
    try:  # HTTP header bytes arrive decoded as Latin-1; clients send UTF-8
        text = reason.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        text = reason
    if _CONTROL.search(text):
        raise _problem("X-Change-Reason", "must not contain control characters")
    if len(text) > MAX_REASON_CHARS:
        raise _problem("X-Change-Reason", f"must be at most {MAX_REASON_CHARS} characters")
    return text.strip()


def _quality(accept: str, media: str) -> float:
    """The q value ``accept`` gives ``media`` explicitly (0 when not listed)."""
    best = 0.0
    for entry in accept.split(","):
        name, *params = (part.strip() for part in entry.split(";"))
        if name.lower() != media:
            continue
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        best = max(best, q)
    return best


async def output_format(
    request: Request,
    f: Annotated[
        Literal["json"] | None,
        Query(description="Output format: `json` (GeoJSON for features)."),
    ] = None,
) -> str:
    """The format to answer in: ``f`` if given, else ``html`` for browsers, else ``json``.

    Browsers (``Accept`` naming ``text/html`` above any JSON type) get ``html``; every other
    client (OWSLib, GDAL, curl, ``*/*``) gets ``json``. No route has an HTML page yet, so all
    answer JSON for now; the landing page will serve the public map for ``html``.
    """
    if f is not None:
        return f
    accept = request.headers.get("accept", "")
    html = _quality(accept, "text/html")
    json_q = max(_quality(accept, m) for m in ("application/json", "application/geo+json"))
    return "html" if html > json_q else "json"


def _query_names(dependant: Any) -> set[str]:
    names = {p.alias for p in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


_DECLARED: dict[int, frozenset[str]] = {}


def _declared(route: BaseRoute | None) -> frozenset[str]:
    key = id(route)
    if key not in _DECLARED:
        dependant = getattr(route, "dependant", None)
        _DECLARED[key] = frozenset(_query_names(dependant)) if dependant else frozenset()
    return _DECLARED[key]


async def check_query(request: Request) -> None:
    """Refuse query parameters the route does not declare, or that are repeated.

    Raises
    ------
    MalformedRequestError
        Naming each unknown or repeated parameter (names only, never values).
    """
    allowed = _declared(request.scope.get("route"))
    problems = []
    seen: set[str] = set()
    for name, _ in request.query_params.multi_items():
        if name not in allowed:
            known = ", ".join(sorted(allowed)) or "none"
            message = f"unknown query parameter {name!r}; this resource takes: {known}"
        elif name in seen:
            message = f"query parameter {name!r} is given more than once"
        else:
            seen.add(name)
            continue
        problems.append({"index": None, "id": None, "field": f"query.{name}", "message": message})
    if problems:
        raise MalformedRequestError(problems, problems[0]["message"])


Store = Annotated[RegistryStore, Depends(get_store)]
Networks = Annotated[Deployment, Depends(get_deployment)]
CurrentSettings = Annotated[Settings, Depends(get_settings)]
AnyCaller = Annotated[Caller, Depends(get_caller)]
Writer = Annotated[Caller, Depends(get_writer)]
Collection = Annotated[CollectionSpec, Depends(get_collection)]
IfMatch = Annotated[str, Depends(get_if_match)]
Reason = Annotated[str, Depends(get_reason)]


async def get_base_url(
    request: Request, settings: Annotated[Settings, Depends(get_settings)]
) -> str:
    """The URL links start with: ``public_url`` when set, else the one the request came to."""
    return (settings.public_url or str(request.base_url)).rstrip("/")


BaseUrl = Annotated[str, Depends(get_base_url)]
Format = Annotated[str, Depends(output_format)]
