"""Exports of the registry: RFC 7946 GeoJSON, and HXL for HDX with its metadata.

Every export contains only what the caller may see. GeoJSON carries the records whole (with
their read-only ``version`` and, for places, ``verification``); the HXL CSV never carries
contact data (see :mod:`geomap.registry.hxltags`) and comes with HDX dataset metadata
(:mod:`geomap.registry.hdx`). GeoPackage exports are written by
:mod:`geomap.registry.transfer`. Files are written whole or not at all.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from geomap.registry import hxltags
from geomap.registry.access import Caller
from geomap.registry.store import Query, Record, RegistryStore
from geomap.registry.verification import PROPERTY, Ages, place_status

_PAGE = 1000


def today() -> date:
    """The day verification statuses are computed for (UTC)."""
    return datetime.now(UTC).date()


def iter_records(store: RegistryStore, collection: str, caller: Caller) -> Iterator[Record]:
    """Every current record of a collection that ``caller`` may see, by id."""
    offset = 0
    while True:
        records, _ = store.query(collection, Query(limit=_PAGE, offset=offset), caller)
        yield from records
        if len(records) < _PAGE:
            return
        offset += _PAGE


def feature(record: Record, ages: Ages | None = None, day: date | None = None) -> dict[str, Any]:
    """A record as a Feature; with ``ages``, its ``verification`` status too."""
    out = record.to_feature()
    if ages is not None:
        out["properties"][PROPERTY] = place_status(record.properties, day or today(), ages)
    return out


def feature_collection(
    store: RegistryStore, collection: str, caller: Caller, *, ages: Ages | None = None
) -> dict[str, Any]:
    """The records ``caller`` may see as an RFC 7946 FeatureCollection.

    ``ages`` adds the verification status of places (read-only: dropped when re-imported).
    """
    day = today()
    return {
        "type": "FeatureCollection",
        "features": [feature(r, ages, day) for r in iter_records(store, collection, caller)],
    }


def _places(store: RegistryStore, collection: str, caller: Caller) -> Iterator[Any]:
    for r in iter_records(store, collection, caller):
        lon, lat = r.geometry["coordinates"][:2]
        yield r.id, r.properties, lon, lat


def hxl_text(
    store: RegistryStore, collection: str, caller: Caller, *, ages: Ages | None = None
) -> str:
    """The HXL CSV as a string (for the API); without ``ages`` no verification status."""
    buffer = io.StringIO()
    hxltags.write(buffer, _places(store, collection, caller), today=today(), ages=ages)
    return buffer.getvalue()


def write_hxl_csv(
    store: RegistryStore,
    collection: str,
    caller: Caller,
    path: str | os.PathLike[str],
    *,
    ages: Ages | None = None,
) -> Path:
    """Write the records ``caller`` may see as HXL-tagged CSV (header row, hashtag row, data)."""
    from geomap.io import atomic_path

    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8", newline="") as fh:
        hxltags.write(fh, _places(store, collection, caller), today=today(), ages=ages)
    return Path(path)


def write_hdx(
    store: RegistryStore,
    collection: str,
    caller: Caller,
    path: str | os.PathLike[str],
    *,
    ages: Ages | None = None,
    organization: str | None = None,
    maintainer: str | None = None,
) -> tuple[Path, Path]:
    """Write the HXL CSV and its HDX dataset metadata beside it (``<name>.hdx.json``)."""
    from geomap.io import write_text
    from geomap.registry.hdx import metadata

    csv_path = write_hxl_csv(store, collection, caller, path, ages=ages)
    doc = metadata(
        list(iter_records(store, collection, caller)),
        resource=csv_path.name,
        today=today(),
        organization=organization,
        maintainer=maintainer,
    )
    meta = csv_path.with_name(csv_path.stem + ".hdx.json")
    write_text(meta, json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    return csv_path, meta
