"""Reading change requests, and the thin calls into the registry's change rules.

Bodies are read strictly (media type, size, UTF-8 JSON without NaN, nesting depth); the
changes themselves — server-assigned ids on create, whole replacement, JSON merge patch,
read-only members dropped, every problem at once — are :mod:`geomap.registry.changes`,
shared with the CLI.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from api.collections import CollectionSpec
from api.errors import MalformedRequestError, UnsupportedMediaTypeError
from geomap.errors import RegistryValidationError
from geomap.registry import changes
from geomap.registry.access import Caller
from geomap.registry.store import Record, RegistryStore
from geomap.registry.validate import parse_json
from geomap.settings import Settings

#: Media types of whole features (POST, PUT).
FEATURE_TYPES = ("application/geo+json", "application/json")
#: Media types of merge patches (PATCH).
PATCH_TYPES = ("application/merge-patch+json", "application/json")
#: Deepest nesting of arrays and objects a body may have (a feature needs 4).
MAX_DEPTH = 32


def _problem(field: str, message: str) -> dict[str, Any]:
    return {"index": None, "id": None, "field": field, "message": message}


def check_media_type(request: Request, accepted: tuple[str, ...]) -> None:
    """Refuse a body whose ``Content-Type`` is not one of ``accepted`` (parameters ignored).

    Raises
    ------
    UnsupportedMediaTypeError
    """
    given = request.headers.get("content-type")
    media = (given or "").split(";")[0].strip().lower()
    if media not in accepted:
        message = (
            f"Content-Type {given!r} is not accepted here; send one of: {', '.join(accepted)}"
            if given
            else f"Content-Type is missing; send one of: {', '.join(accepted)}"
        )
        raise UnsupportedMediaTypeError([_problem("Content-Type", message)], message)


async def read_json(request: Request, accepted: tuple[str, ...]) -> Any:
    """The request body parsed strictly as JSON (no NaN/Infinity, UTF-8 only).

    The size limit is enforced while the body is read (see :mod:`api.middleware`).

    Raises
    ------
    UnsupportedMediaTypeError, PayloadTooLargeError, MalformedRequestError
    """
    check_media_type(request, accepted)
    body = await request.body()
    if not body.strip():
        raise MalformedRequestError([_problem("body", "the request body is empty")])
    try:
        parsed = parse_json(body)
        too_deep = _depth(parsed) > MAX_DEPTH
    except RegistryValidationError as exc:
        raise MalformedRequestError(exc.problems, str(exc)) from None
    except RecursionError:  # deeper than the JSON parser goes
        too_deep = True
    if too_deep:
        message = f"the JSON is nested more than {MAX_DEPTH} levels deep"
        raise MalformedRequestError([_problem("body", message)], message)
    return parsed


def _depth(value: Any) -> int:
    """How deeply arrays and objects nest in ``value`` (without recursion)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, level + 1) for child in children)
    return deepest


async def read_nothing(request: Request) -> None:
    """Check that a request that takes no body has none.

    Raises
    ------
    PayloadTooLargeError, MalformedRequestError
    """
    if (await request.body()).strip():
        raise MalformedRequestError([_problem("body", "this request takes no body")])


def create(
    store: RegistryStore,
    spec: CollectionSpec,
    feature: Any,
    *,
    caller: Caller,
    why: str,
    settings: Settings,
) -> Record:
    """Create a record (see :func:`geomap.registry.changes.create`)."""
    return changes.create(
        store, spec, feature, caller=caller, why=why,
        country_tolerance_km=settings.country_tolerance_km,
    )  # fmt: skip


def replace(
    store: RegistryStore,
    spec: CollectionSpec,
    fid: str,
    feature: Any,
    *,
    if_match: str,
    caller: Caller,
    why: str,
    settings: Settings,
) -> Record:
    """Replace a record (see :func:`geomap.registry.changes.replace`)."""
    return changes.replace(
        store, spec, fid, feature, if_match=if_match, caller=caller, why=why,
        country_tolerance_km=settings.country_tolerance_km,
    )  # fmt: skip


def update(
    store: RegistryStore,
    spec: CollectionSpec,
    fid: str,
    patch: Any,
    *,
    if_match: str,
    caller: Caller,
    why: str,
    settings: Settings,
) -> Record:
    """Merge-patch a record (see :func:`geomap.registry.changes.update`)."""
    return changes.update(
        store, spec, fid, patch, if_match=if_match, caller=caller, why=why,
        country_tolerance_km=settings.country_tolerance_km,
    )  # fmt: skip


def history(
    store: RegistryStore, spec: CollectionSpec, fid: str, *, caller: Caller, base: str
) -> tuple[dict[str, Any], str]:
    """A record's history for this caller, and the record's current ETag.

    Versions whose content the caller may not see (say, while the record was restricted) are
    left out; ``who`` and ``why`` are shown to callers with a token only.

    Raises
    ------
    NotFoundError
        If the record does not exist or the caller may not see it.
    """
    versions = store.history(spec.id, fid, caller)
    current = versions[-1].etag
    named = not caller.is_anonymous
    url = f"{base}/collections/{spec.id}/items/{fid}"
    shown = [
        {
            "version": v.version,
            "op": v.op,
            "retired": v.retired,
            "changed": v.changed,
            "at": v.at,
            "who": v.who if named else None,
            "why": v.why if named else None,
            "feature": {
                "type": "Feature",
                "id": fid,
                "geometry": v.geometry,
                "properties": {**v.properties, "version": v.version},
            },
        }
        for v in versions
        if caller.can_see(v.properties.get("visibility", "public"), v.properties.get("country"))
    ]
    doc = {
        "id": fid,
        "collection": spec.id,
        "etag": f'"{current}"',
        "versions": shown,
        "links": [
            {"href": f"{url}/history", "rel": "self", "type": "application/json"},
            {"href": url, "rel": "latest-version", "type": "application/geo+json"},
        ],
    }
    return doc, current
