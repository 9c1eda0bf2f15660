"""Bulk transfer through the API: the registry's import and export, as HTTP bodies."""

from __future__ import annotations

from typing import Any

from api.collections import CollectionSpec
from geomap.registry.access import Caller
from geomap.registry.store import RegistryStore
from geomap.registry.transfer import export_document, import_features, report_json
from geomap.settings import Settings

#: The media type of GeoPackage import bodies.
GEOPACKAGE = "application/geopackage+sqlite3"


def read_geopackage_body(spec: CollectionSpec, body: bytes) -> Any:
    """A GeoPackage request body as a FeatureCollection (read from a temporary file).

    Raises
    ------
    MalformedRequestError
        If the body is not a readable GeoPackage.
    """
    import tempfile
    from pathlib import Path

    from api.errors import MalformedRequestError
    from geomap.registry.transfer import ImportFileError, read_geopackage

    if not body:
        raise MalformedRequestError(
            [{"index": None, "id": None, "field": "body", "message": "the body is empty"}]
        )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "import.gpkg"
        path.write_bytes(body)
        try:
            return read_geopackage(path, spec)
        except ImportFileError as exc:
            raise MalformedRequestError(exc.problems, str(exc)) from None


def import_collection(
    store: RegistryStore,
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
    report = import_features(
        store, spec, body, caller=caller, why=why,
        country_tolerance_km=settings.country_tolerance_km,
        dry_run=dry_run, retire_missing=retire_missing,
    )  # fmt: skip
    return report_json(report)


def export_collection(
    store: RegistryStore,
    spec: CollectionSpec,
    fmt: str,
    caller: Caller,
    settings: Settings | None = None,
) -> tuple[bytes, str]:
    """The records the caller may see, as ``(body, media type)``.

    Raises
    ------
    RegistryValidationError
        For a format the collection does not offer (answered 400).
    """
    from api.errors import MalformedRequestError
    from geomap.errors import RegistryValidationError

    try:
        return export_document(store, spec, fmt, caller, ages=settings)
    except RegistryValidationError as exc:
        raise MalformedRequestError(
            [{**p, "field": "query.f"} for p in exc.problems], str(exc)
        ) from None
