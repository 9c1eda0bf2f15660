"""Bulk transfer: reading import files, importing them all or nothing, and exporting.

Shared by ``geomap registry import|export`` and the API's import and export routes, so an
export edited by an officer comes back through either path the same way: a GeoJSON file or a
GeoPackage (also one written by ``ogr2ogr`` from the OGC endpoint) is read back into features,
read-only members are dropped, the collection's rules validate every feature, and records that
did not change are reported as unchanged.
"""

from __future__ import annotations

import json
import math
import os
from datetime import date, datetime
from pathlib import Path
from typing import Any, get_args, get_origin

from pydantic import BaseModel

from geomap.errors import RegistryValidationError
from geomap.registry.access import Caller
from geomap.registry.collections import CollectionRules, validate_features
from geomap.registry.exports import feature_collection, hxl_text, write_hxl_csv
from geomap.registry.store import ImportReport, RegistryStore
from geomap.registry.validate import parse_json
from geomap.registry.verification import Ages
from routing.errors import OutputPathError

#: File suffixes of each export format.
SUFFIXES = {".geojson": "geojson", ".json": "geojson", ".gpkg": "gpkg", ".csv": "hxl"}
#: Media type of each export format.
MEDIA = {
    "geojson": "application/geo+json",
    "gpkg": "application/geopackage+sqlite3",
    "hxl": "text/csv; charset=utf-8",
}


class ImportFileError(RegistryValidationError):
    """An import file that is missing, unreadable or of an unknown format."""

    def __init__(self, message: str) -> None:
        super().__init__(
            [{"index": None, "id": None, "field": "file", "message": message}], message
        )


def read_import_file(path: str | os.PathLike[str], rules: CollectionRules) -> Any:
    """A GeoJSON or GeoPackage file as a GeoJSON FeatureCollection (not yet validated).

    Raises
    ------
    ImportFileError
        If the file is missing or unreadable, or not ``.geojson``/``.json``/``.gpkg``.
    RegistryValidationError
        If a GeoJSON file is not valid JSON.
    """
    source = Path(path)
    if not source.is_file():
        raise ImportFileError(f"cannot read {source}: no such file")
    suffix = source.suffix.lower()
    if suffix == ".gpkg":
        return read_geopackage(source, rules)
    if suffix not in (".geojson", ".json"):
        raise ImportFileError(f"cannot import {source.name}: give a .geojson, .json or .gpkg file")
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise ImportFileError(f"cannot read {source}: {exc.strerror}") from exc
    return parse_json(data, what=str(source))


def _structured(model: type[BaseModel]) -> set[str]:
    """Fields of a properties model that hold lists or objects (JSON text in GeoPackages)."""
    names = set()
    for name, info in model.model_fields.items():
        kinds = [info.annotation, *get_args(info.annotation)]
        for kind in kinds:
            origin = get_origin(kind) or kind
            if origin in (list, dict, tuple) or (
                isinstance(origin, type) and issubclass(origin, BaseModel)
            ):
                names.add(name)
    return names


def _plain(value: Any, structured: bool) -> Any:
    """A GeoPackage cell as the JSON value the registry expects (None for missing)."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item") and not isinstance(value, str | bytes):  # numpy scalars
        value = value.item()
    if isinstance(value, datetime):
        if value.time() == datetime.min.time() and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list | tuple):
        return list(value)
    if structured and isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    if structured and isinstance(value, str):
        return _gdal_list(value)
    return value


def _gdal_list(text: str) -> Any:
    """A list GDAL wrote as text (``(3:a,b,c)``, its StringList fallback), else the text.

    The count GDAL writes first must match the items found, so a value holding commas of
    its own is left as it is (and the validator names it) rather than split wrongly.
    """
    head, colon, rest = text.partition(":")
    if not (text.startswith("(") and text.endswith(")") and colon and head[1:].isdigit()):
        return text
    count = int(head[1:])
    body = rest[:-1]
    items = body.split(",") if body else []
    return items if len(items) == count else text


def read_geopackage(path: Path, rules: CollectionRules) -> dict[str, Any]:
    """The first layer of a GeoPackage as a FeatureCollection.

    Lists and objects (names, services, contact …) stored as JSON text are parsed back; the
    ``id`` column (or the layer's feature id) gives each feature its id.
    """
    import pyogrio
    import shapely

    try:
        layers = pyogrio.list_layers(path)
        frame = pyogrio.read_dataframe(path, layer=str(layers[0][0]), fid_as_index=True)
    except Exception as exc:  # GDAL raises its own errors for anything unreadable
        raise ImportFileError(f"cannot read {path.name} as a GeoPackage: {exc}") from exc
    structured = _structured(rules.model) if rules.model is not None else set()
    features = []
    columns = [c for c in frame.columns if c != frame.geometry.name]
    for fid, geometry, row in zip(
        frame.index, frame.geometry, frame[columns].itertuples(index=False), strict=True
    ):
        values = dict(zip(columns, row, strict=True))
        ident = values.pop("id", None)
        properties = {
            k: v for k, raw in values.items() if (v := _plain(raw, k in structured)) is not None
        }
        features.append(
            {
                "type": "Feature",
                "id": _plain(ident, False) if ident is not None else str(fid),
                "geometry": json.loads(shapely.to_geojson(geometry))
                if geometry is not None
                else None,
                "properties": properties,
            }
        )
    return {"type": "FeatureCollection", "features": features}


def import_features(
    store: RegistryStore,
    rules: CollectionRules,
    body: Any,
    *,
    caller: Caller,
    why: str,
    country_tolerance_km: float,
    dry_run: bool = False,
    retire_missing: bool = False,
) -> ImportReport:
    """Validate every feature, then import all or nothing.

    Raises
    ------
    RegistryValidationError
        Listing every problem of every feature (index, id, field, message); nothing written.
    PermissionDeniedError
        If the caller may not write some of the records.
    """
    items = validate_features(rules, body, country_tolerance_km=country_tolerance_km)
    return store.import_places(
        rules.id, items, caller, why, dry_run=dry_run, retire_missing=retire_missing
    )


def report_json(report: ImportReport) -> dict[str, Any]:
    """The import report as JSON."""
    return {
        "dryRun": report.dry_run,
        "summary": report.summary(),
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "retired": report.retired,
    }


def check_format(rules: CollectionRules, fmt: str) -> None:
    """Refuse an export format the collection does not offer.

    Raises
    ------
    RegistryValidationError
        Naming the formats it offers.
    """
    if fmt not in rules.export_formats:
        message = f"'{rules.id}' exports as {', '.join(rules.export_formats)}, not {fmt}"
        raise RegistryValidationError(
            [{"index": None, "id": None, "field": "format", "message": message}], message
        )


def export_format(path: str | os.PathLike[str]) -> str:
    """The export format a file name asks for, by its suffix.

    Raises
    ------
    OutputPathError
        For a suffix that names no format.
    """
    suffix = Path(path).suffix.lower()
    if suffix not in SUFFIXES:
        raise OutputPathError(
            f"cannot tell the format of {path}: end it in .geojson, .gpkg or .csv (HXL)"
        )
    return SUFFIXES[suffix]


def export_document(
    store: RegistryStore,
    rules: CollectionRules,
    fmt: str,
    caller: Caller,
    *,
    ages: Ages | None = None,
) -> tuple[bytes, str]:
    """The records the caller may see in ``fmt``, as ``(body, media type)``.

    ``ages`` (the verification thresholds of the settings) adds the verification status of
    places; it is used for collections whose rules say ``verified``.
    """
    check_format(rules, fmt)
    ages = ages if rules.verified else None
    if fmt == "hxl":
        return hxl_text(store, rules.id, caller, ages=ages).encode("utf-8"), MEDIA["hxl"]
    collection = feature_collection(store, rules.id, caller, ages=ages)
    if fmt == "gpkg":
        import tempfile

        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"{rules.id}.gpkg"
            write_geopackage(collection, path, rules.id)
            return path.read_bytes(), MEDIA["gpkg"]
    body = json.dumps(collection, ensure_ascii=False)
    return body.encode("utf-8"), MEDIA["geojson"]


def write_geopackage(collection: dict[str, Any], path: Path, layer: str) -> Path:
    """Write a FeatureCollection as one GeoPackage layer (lists and objects as JSON text)."""
    import geopandas as gpd
    import shapely

    rows = []
    for f in collection["features"]:
        props = {
            k: json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else v
            for k, v in f["properties"].items()
        }
        shape = f.get("geometry")  # null (a country-wide pathway) stays an empty geometry cell
        rows.append(
            {
                "id": f["id"],
                **props,
                "geometry": None if shape is None else shapely.geometry.shape(shape),
            }
        )
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")
    if frame.empty:
        frame = gpd.GeoDataFrame({"id": []}, geometry=gpd.GeoSeries([], crs="EPSG:4326"))
    frame.to_file(path, layer=layer, driver="GPKG")
    return path


def export_file(
    store: RegistryStore,
    rules: CollectionRules,
    caller: Caller,
    path: str | os.PathLike[str],
    *,
    ages: Ages | None = None,
) -> Path:
    """Write the records the caller may see to ``path``, in the format its suffix names.

    ``ages`` as in :func:`export_document`.
    """
    from geomap.io import atomic_path, write_json

    fmt = export_format(path)
    check_format(rules, fmt)
    ages = ages if rules.verified else None
    if fmt == "hxl":
        return write_hxl_csv(store, rules.id, caller, path, ages=ages)
    collection = feature_collection(store, rules.id, caller, ages=ages)
    if fmt == "gpkg":
        with atomic_path(path) as tmp:
            write_geopackage(collection, tmp, rules.id)
        return Path(path)
    return write_json(path, collection)
