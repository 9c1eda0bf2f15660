"""Bulk transfer: importing a FeatureCollection and exporting a whole collection."""

from __future__ import annotations

from typing import Any

from api.collections import CollectionSpec
from api.errors import MalformedRequestError
from geomap.registry.access import Caller
from geomap.registry.exports import feature_collection, hxl_text
from geomap.registry.store import SQLiteStore
from geomap.registry.validate import validate_collection
from geomap.settings import Settings


def import_collection(
    store: SQLiteStore,
    spec: CollectionSpec,
    body: Any,
    *,
    caller: Caller,
    why: str,
    settings: Settings,
    dry_run: bool,
    retire_missing: bool,
) -> dict[str, Any]:
    """Validate every feature, then import all or nothing; the report lists the outcome.

    Raises
    ------
    RegistryValidationError
        Listing every problem of every feature (index, id, field, message); nothing written.
    PermissionDeniedError
        If the caller may not write some of the records.
    """
    items = validate_collection(
        body, country_tolerance_km=settings.country_tolerance_km, validator=spec.validator
    )
    report = store.import_places(
        spec.id, items, caller, why, dry_run=dry_run, retire_missing=retire_missing
    )
    return {
        "dryRun": dry_run,
        "summary": report.summary(),
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "retired": report.retired,
    }


def export_collection(
    store: SQLiteStore, spec: CollectionSpec, fmt: str, caller: Caller, settings: Settings
) -> tuple[str, str]:
    """The records the caller may see, as ``(body, media type)``: GeoJSON or HXL CSV.

    Raises
    ------
    MalformedRequestError
        For HXL on a collection that is not places.
    """
    if fmt == "hxl":
        if spec.id != "places":
            raise MalformedRequestError(
                [{"index": None, "id": None, "field": "query.f",
                  "message": "HXL export exists for places only"}],
                "HXL export exists for places only",
            )  # fmt: skip
        return hxl_text(store, spec.id, caller, ages=settings), "text/csv; charset=utf-8"
    import json

    ages = settings if spec.verified else None
    body = json.dumps(feature_collection(store, spec.id, caller, ages=ages), ensure_ascii=False)
    return body, "application/geo+json"
