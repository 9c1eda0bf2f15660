"""Changing records: reading bodies, JSON merge patch, ids, and the calls to the store.

* ``POST`` creates a record; **the server assigns its id** (a random UUID): a body with an
  ``id`` is refused, so ids never collide and never reveal which other ids exist.
* ``PUT`` replaces a record whole; the body's ``id`` may be left out or must equal the URL's.
* ``PATCH`` applies a JSON merge patch (RFC 7396) to the record as served (its ``type``,
  ``geometry`` and ``properties``) and validates the result whole.

The read-only ``properties.version`` a client got from GET is dropped from PUT and PATCH
bodies, so a GET–edit–PUT round trip works. Every problem of a body is reported at once and
nothing is stored unless the whole body is valid.
"""

from __future__ import annotations

import copy
import dataclasses
import uuid
from typing import Any, cast

from starlette.requests import Request

from api.collections import CollectionSpec
from api.errors import MalformedRequestError, UnsupportedMediaTypeError
from geomap.errors import RegistryValidationError
from geomap.registry.access import Caller
from geomap.registry.store import Item, Record, SQLiteStore
from geomap.registry.validate import parse_json
from geomap.settings import Settings

#: Media types of whole features (POST, PUT).
FEATURE_TYPES = ("application/geo+json", "application/json")
#: Media types of merge patches (PATCH).
PATCH_TYPES = ("application/merge-patch+json", "application/json")
#: Deepest nesting of arrays and objects a body may have (a feature needs 4).
MAX_DEPTH = 32
#: Members of a served feature that clients may send back but never set.
READ_ONLY_PROPERTIES = ("version", "verification")


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


def _without_read_only(feature: Any) -> Any:
    if not isinstance(feature, dict) or not isinstance(feature.get("properties"), dict):
        return feature
    properties = {k: v for k, v in feature["properties"].items() if k not in READ_ONLY_PROPERTIES}
    return {**feature, "properties": properties}


def _validated(
    spec: CollectionSpec,
    feature: Any,
    settings: Settings,
    fid: str,
    problems: list[dict[str, Any]],
) -> Item:
    body = _without_read_only(feature)
    if isinstance(body, dict):
        body = {k: v for k, v in body.items() if k != "id"}
    try:
        place = spec.validator(
            body, require_id=False, country_tolerance_km=settings.country_tolerance_km
        )
    except RegistryValidationError as exc:
        raise RegistryValidationError(problems + exc.problems) from None
    if problems:
        raise RegistryValidationError(problems)
    return cast(Item, dataclasses.replace(cast(Any, place), id=fid))


def new_id() -> str:
    """A fresh record id: random, so ids say nothing about other records."""
    return str(uuid.uuid4())


def create(
    store: SQLiteStore,
    spec: CollectionSpec,
    feature: Any,
    *,
    caller: Caller,
    why: str,
    settings: Settings,
) -> Record:
    """Validate a new feature and store it under a new server-assigned id.

    Raises
    ------
    RegistryValidationError
        Listing every problem (an ``id`` in the body is one).
    PermissionDeniedError
        If the caller may not write records of the feature's country.
    """
    problems = []
    if isinstance(feature, dict) and feature.get("id") is not None:
        problems.append(_problem("id", "ids are assigned by the server: leave 'id' out"))
    place = _validated(spec, feature, settings, new_id(), problems)
    return store.create(spec.id, place, caller, why)


def _id_problems(feature: Any, fid: str) -> list[dict[str, Any]]:
    if isinstance(feature, dict) and feature.get("id") not in (None, fid):
        return [_problem("id", f"must be left out or equal the item id {fid!r} of the URL")]
    return []


def replace(
    store: SQLiteStore,
    spec: CollectionSpec,
    fid: str,
    feature: Any,
    *,
    if_match: str,
    caller: Caller,
    why: str,
    settings: Settings,
) -> Record:
    """Replace a record whole, if ``if_match`` is still its ETag.

    Raises
    ------
    RegistryValidationError, NotFoundError, PermissionDeniedError, PreconditionFailedError
    """
    place = _validated(spec, feature, settings, fid, _id_problems(feature, fid))
    return store.replace(spec.id, place, if_match, caller, why)


def merge_patch(target: Any, patch: Any) -> Any:
    """Apply a JSON merge patch (RFC 7396); neither argument is changed."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def update(
    store: SQLiteStore,
    spec: CollectionSpec,
    fid: str,
    patch: Any,
    *,
    if_match: str,
    caller: Caller,
    why: str,
    settings: Settings,
) -> Record:
    """Apply a merge patch to a record, if ``if_match`` is still its ETag.

    Raises
    ------
    RegistryValidationError, NotFoundError, PermissionDeniedError, PreconditionFailedError
    """
    current = store.get(spec.id, fid, caller)
    served = current.to_feature()
    patched = merge_patch(served, patch)
    place = _validated(spec, patched, settings, fid, _id_problems(patched, fid))
    return store.replace(spec.id, place, if_match, caller, why)


def history(
    store: SQLiteStore, spec: CollectionSpec, fid: str, *, caller: Caller, base: str
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
