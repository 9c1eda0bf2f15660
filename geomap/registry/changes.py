"""Changing records one at a time: create, replace and merge-patch, by the collection's rules.

* :func:`create` stores a new record under **a server-assigned id** (a random UUID): a body
  with an ``id`` is refused, so ids never collide and never reveal which other ids exist.
* :func:`replace` replaces a record whole; the body's ``id`` may be left out or must equal the
  record's.
* :func:`update` applies a JSON merge patch (RFC 7396) to the record as served (its ``type``,
  ``geometry`` and ``properties``) and validates the result whole.

The read-only members a client got from a read (``properties.version``, ``links``) are dropped,
so a read–edit–write round trip works. Every problem is reported at once and nothing is stored
unless the whole feature is valid.
"""

from __future__ import annotations

import copy
import uuid
from typing import Any

from geomap.registry.access import Caller
from geomap.registry.collections import CollectionRules, validate_feature
from geomap.registry.store import Proposal, Record, RegistryStore

Problem = dict[str, Any]


def _problem(field: str, message: str) -> Problem:
    return {"index": None, "id": None, "field": field, "message": message}


def new_id() -> str:
    """A fresh record id: random, so ids say nothing about other records."""
    return str(uuid.uuid4())


def create(
    store: RegistryStore,
    rules: CollectionRules,
    feature: Any,
    *,
    caller: Caller,
    why: str,
    country_tolerance_km: float,
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
    item = validate_feature(
        rules, feature, fid=new_id(), country_tolerance_km=country_tolerance_km,
        problems=problems,
    )  # fmt: skip
    return store.create(rules.id, item, caller, why)


def _id_problems(feature: Any, fid: str) -> list[Problem]:
    if isinstance(feature, dict) and feature.get("id") not in (None, fid):
        return [_problem("id", f"must be left out or equal the item id {fid!r} of the URL")]
    return []


def replace(
    store: RegistryStore,
    rules: CollectionRules,
    fid: str,
    feature: Any,
    *,
    if_match: str,
    caller: Caller,
    why: str,
    country_tolerance_km: float,
) -> Record:
    """Replace a record whole, if ``if_match`` is still its ETag.

    Raises
    ------
    RegistryValidationError, NotFoundError, PermissionDeniedError, PreconditionFailedError
    """
    item = validate_feature(
        rules, feature, fid=fid, country_tolerance_km=country_tolerance_km,
        problems=_id_problems(feature, fid),
    )  # fmt: skip
    return store.replace(rules.id, item, if_match, caller, why)


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
    store: RegistryStore,
    rules: CollectionRules,
    fid: str,
    patch: Any,
    *,
    if_match: str,
    caller: Caller,
    why: str,
    country_tolerance_km: float,
) -> Record:
    """Apply a merge patch to a record, if ``if_match`` is still its ETag.

    Raises
    ------
    RegistryValidationError, NotFoundError, PermissionDeniedError, PreconditionFailedError
    """
    current = store.get(rules.id, fid, caller)
    patched = merge_patch(current.to_feature(), patch)
    item = validate_feature(
        rules, patched, fid=fid, country_tolerance_km=country_tolerance_km,
        problems=_id_problems(patched, fid),
    )  # fmt: skip
    return store.replace(rules.id, item, if_match, caller, why)


def propose(
    store: RegistryStore,
    rules: CollectionRules,
    feature: Any,
    *,
    caller: Caller,
    why: str,
    if_match: str | None,
    country_tolerance_km: float,
) -> Proposal:
    """Propose a new record (feature without ``id``) or a change of record ``id``.

    A change is made against the record's current version; ``if_match``, when given, must be
    its current strong ETag.

    Raises
    ------
    RegistryValidationError, NotFoundError, PreconditionFailedError
    """
    from geomap.errors import RegistryValidationError
    from geomap.registry.store import check_if_match

    fid = feature.get("id") if isinstance(feature, dict) else None
    if fid is not None and not isinstance(fid, str):
        message = "id must be a string: the id of the item whose change is proposed"
        raise RegistryValidationError([_problem("id", message)], message)
    if fid is None:
        item = validate_feature(
            rules, feature, fid=new_id(), country_tolerance_km=country_tolerance_km
        )
        return store.propose(rules.id, item, caller, why)
    current = store.get(rules.id, fid, caller)  # not found for a missing or hidden item
    if if_match is not None:
        check_if_match(if_match, current.etag, fid)
    item = validate_feature(rules, feature, fid=fid, country_tolerance_km=country_tolerance_km)
    return store.propose(rules.id, item, caller, why, base_version=current.version)
