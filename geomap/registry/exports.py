"""Exports of the registry: RFC 7946 GeoJSON, GeoPackage, and HXL for HDX with its metadata.

Every export contains only what the caller may see. GeoJSON and GeoPackage carry the records
whole (with their read-only ``version`` and, for places, ``verification``); the HXL CSV never
carries contact data (see :mod:`geomap.registry.hxltags`) and comes with HDX dataset metadata
(:mod:`geomap.registry.hdx`). Files are written to a temporary name and renamed into place.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from geomap.registry import hxltags
from geomap.registry.access import Caller
from geomap.registry.store import Query, Record, SQLiteStore
from geomap.registry.verification import PROPERTY, Ages, place_status

_PAGE = 1000


def _today() -> date:
    return datetime.now(UTC).date()


def iter_records(store: SQLiteStore, collection: str, caller: Caller) -> Iterator[Record]:
    """Every current record of a collection that ``caller`` may see, by id."""
    offset = 0
    while True:
        records, _ = store.query(collection, Query(limit=_PAGE, offset=offset), caller)
        yield from records
        if len(records) < _PAGE:
            return
        offset += _PAGE


def feature(record: Record, ages: Ages | None = None, today: date | None = None) -> dict[str, Any]:
    """A record as a Feature; with ``ages``, its ``verification`` status too."""
    out = record.to_feature()
    if ages is not None:
        out["properties"][PROPERTY] = place_status(record.properties, today or _today(), ages)
    return out


def feature_collection(
    store: SQLiteStore, collection: str, caller: Caller, *, ages: Ages | None = None
) -> dict[str, Any]:
    """The records ``caller`` may see as an RFC 7946 FeatureCollection.

    ``ages`` adds the verification status of places (read-only: dropped when re-imported).
    """
    today = _today()
    return {
        "type": "FeatureCollection",
        "features": [feature(r, ages, today) for r in iter_records(store, collection, caller)],
    }


def _atomic(path: str | os.PathLike[str], write: Callable[[Path], None]) -> Path:
    dest = Path(path)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=dest.suffix, dir=dest.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return dest


def _places(store: SQLiteStore, collection: str, caller: Caller) -> Iterator[Any]:
    for r in iter_records(store, collection, caller):
        lon, lat = r.geometry["coordinates"][:2]
        yield r.id, r.properties, lon, lat


def hxl_text(store: SQLiteStore, collection: str, caller: Caller, *, ages: Ages) -> str:
    """The HXL CSV as a string (for the API)."""
    buffer = io.StringIO()
    hxltags.write(buffer, _places(store, collection, caller), today=_today(), ages=ages)
    return buffer.getvalue()


def write_hxl_csv(
    store: SQLiteStore,
    collection: str,
    caller: Caller,
    path: str | os.PathLike[str],
    *,
    ages: Ages,
) -> Path:
    """Write the records ``caller`` may see as HXL-tagged CSV (header row, hashtag row, data)."""

    def write(tmp: Path) -> None:
        with tmp.open("w", encoding="utf-8", newline="") as fh:
            hxltags.write(fh, _places(store, collection, caller), today=_today(), ages=ages)

    return _atomic(path, write)


def write_hdx(
    store: SQLiteStore,
    collection: str,
    caller: Caller,
    path: str | os.PathLike[str],
    *,
    ages: Ages,
    organization: str | None = None,
    maintainer: str | None = None,
) -> tuple[Path, Path]:
    """Write the HXL CSV and its HDX dataset metadata beside it (``<name>.hdx.json``)."""
    from geomap.registry.hdx import metadata

    csv_path = write_hxl_csv(store, collection, caller, path, ages=ages)
    records = list(iter_records(store, collection, caller))
    doc = metadata(
        records,
        resource=csv_path.name,
        today=_today(),
        organization=organization,
        maintainer=maintainer,
    )
    meta = csv_path.with_name(csv_path.stem + ".hdx.json")

    def write(tmp: Path) -> None:
        tmp.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    return csv_path, _atomic(meta, write)


def _flat(properties: dict[str, Any]) -> dict[str, Any]:
    """Properties as GeoPackage columns: lists joined by ``;``, objects by dotted names."""
    out: dict[str, Any] = {}
    for key, value in properties.items():
        if isinstance(value, dict):
            for inner, v in value.items():
                out[f"{key}_{inner}"] = v
        elif isinstance(value, list):
            out[key] = ";".join(str(v) for v in value)
        else:
            out[key] = value
    return out


def write_geopackage(
    store: SQLiteStore,
    collection: str,
    caller: Caller,
    path: str | os.PathLike[str],
    *,
    ages: Ages | None = None,
) -> Path:
    """Write the records ``caller`` may see as a GeoPackage layer named after the collection.

    Lists become ``;``-separated text and objects one column per member (``name_es``,
    ``contact_phone`` …); the CRS is WGS 84 (EPSG:4326).
    """
    import geopandas as gpd
    import shapely

    today = _today()
    records = list(iter_records(store, collection, caller))
    rows = [{"id": r.id, **_flat(feature(r, ages, today)["properties"])} for r in records]
    geometries = [shapely.geometry.shape(r.geometry) for r in records]
    frame = gpd.GeoDataFrame(rows, geometry=geometries, crs="EPSG:4326")

    def write(tmp: Path) -> None:
        tmp.unlink(missing_ok=True)
        frame.to_file(tmp, layer=collection, driver="GPKG", engine="pyogrio")

    return _atomic(path, write)
