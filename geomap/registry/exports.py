"""Exports of the registry: RFC 7946 GeoJSON and HXL-tagged CSV.

The HXL CSV is for the Humanitarian Data Exchange. Both contain only what the caller may see;
the HXL export never carries contact data.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from geomap.registry.access import Caller
from geomap.registry.store import Query, Record, RegistryStore
from geomap.registry.vocab import KINDS, SERVICES

_PAGE = 1000

#: HXL columns: header, hashtag, and how to get the value from a record.
HXL_COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "#loc+id"),
    ("name", "#loc+name"),
    ("name_pt", "#loc+name+i_pt"),
    ("name_en", "#loc+name+i_en"),
    ("kind", "#loc+type"),
    ("latitude", "#geo+lat"),
    ("longitude", "#geo+lon"),
    ("organizations", "#org"),
    ("country", "#country+code"),
    ("admin1", "#adm1+name"),
    ("admin2", "#adm2+name"),
    ("services", "#sector"),
    ("service_labels", "#sector+name"),
    ("opening_hours", "#status+hours"),
    ("status", "#status"),
    ("languages", "#meta+languages"),
    ("populations", "#targeted+type"),
    ("wheelchair", "#meta+wheelchair"),
    ("capacity", "#capacity+shelter"),
    ("verified_at", "#date+verified"),
    ("source", "#meta+source"),
    ("sample", "#meta+sample"),
)


def iter_records(store: RegistryStore, collection: str, caller: Caller) -> Iterator[Record]:
    """Every current record of a collection that ``caller`` may see, by id."""
    offset = 0
    while True:
        records, _ = store.query(collection, Query(limit=_PAGE, offset=offset), caller)
        yield from records
        if len(records) < _PAGE:
            return
        offset += _PAGE


def feature_collection(store: RegistryStore, collection: str, caller: Caller) -> dict[str, Any]:
    """The records ``caller`` may see as an RFC 7946 FeatureCollection."""
    return {
        "type": "FeatureCollection",
        "features": [r.to_feature() for r in iter_records(store, collection, caller)],
    }


def hxl_row(record: Record) -> list[str]:
    """One HXL CSV row of a place (no contact data, ever)."""
    p = record.properties
    lon, lat = record.geometry["coordinates"][:2]
    name = p.get("name", {})
    values: dict[str, Any] = {
        "id": record.id,
        "name": name.get("es", ""),
        "name_pt": name.get("pt", ""),
        "name_en": name.get("en", ""),
        "kind": KINDS[p["kind"]].en if p.get("kind") in KINDS else p.get("kind", ""),
        "latitude": f"{lat:.6f}",
        "longitude": f"{lon:.6f}",
        "organizations": " | ".join(p.get("organizations", [])),
        "country": p.get("country", ""),
        "admin1": p.get("admin1", ""),
        "admin2": p.get("admin2", ""),
        "services": " ".join(p.get("services", [])),
        "service_labels": " | ".join(SERVICES[s].en for s in p.get("services", [])),
        "opening_hours": p.get("opening_hours", ""),
        "status": p.get("status", ""),
        "languages": " ".join(p.get("languages", [])),
        "populations": " ".join(p.get("populations", [])),
        "wheelchair": p.get("wheelchair", ""),
        "capacity": "" if p.get("capacity") is None else str(p["capacity"]),
        "verified_at": p.get("verified_at", ""),
        "source": p.get("source", ""),
        "sample": "yes" if p.get("sample") else "no",
    }
    return [str(values[column]) for column, _ in HXL_COLUMNS]


def write_hxl_csv(
    store: RegistryStore, collection: str, caller: Caller, path: str | os.PathLike[str]
) -> Path:
    """Write the records ``caller`` may see as HXL-tagged CSV (header row, hashtag row, data).

    The file is written to a temporary name and renamed into place.
    """
    from geomap.io import atomic_path

    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8", newline="") as fh:
        _write_hxl(fh, store, collection, caller)
    return Path(path)


def hxl_text(store: RegistryStore, collection: str, caller: Caller) -> str:
    """The HXL CSV as a string (for the API)."""
    buffer = io.StringIO()
    _write_hxl(buffer, store, collection, caller)
    return buffer.getvalue()


def _write_hxl(fh: Any, store: RegistryStore, collection: str, caller: Caller) -> None:
    writer = csv.writer(fh)
    writer.writerow([c for c, _ in HXL_COLUMNS])
    writer.writerow([t for _, t in HXL_COLUMNS])
    for record in iter_records(store, collection, caller):
        writer.writerow(hxl_row(record))
