"""HDX-ready exports: HXL that libhxl validates with 0 errors, HDX metadata, GeoPackage."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import hxl
import pycountry
import pyogrio
import pytest

from geomap.registry.access import ANONYMOUS, SYSTEM
from geomap.registry.collections import PLACES
from geomap.registry.exports import hxl_text, write_hdx
from geomap.registry.hxltags import schema_table
from geomap.registry.store import SQLiteStore
from geomap.registry.transfer import export_file
from geomap.registry.validate import parse_json, validate_collection
from geomap.registry.vocab import SECTORS, SERVICES
from geomap.settings import Settings
from tests.paths import DATA
from tests.registry.placegen import full_feature, place

SAMPLE = DATA / "porto_alegre" / "sample_registry.geojson"
SETTINGS = Settings()


@pytest.fixture
def filled(store: SQLiteStore) -> SQLiteStore:
    places = validate_collection(parse_json(SAMPLE.read_bytes()))
    full = full_feature("cucuta-full")
    full["properties"]["visibility"] = "public"
    extra = [
        place("cucuta-full", "cucuta", **full["properties"]),
        place("quito-1", "quito", admin1="Pichincha", admin1_pcode="EC17", capacity=40),
    ]
    store.import_places("places", [*places, *extra], SYSTEM, "export test")
    return store


def table(text: str) -> list[dict[str, str]]:
    rows = list(csv.reader(io.StringIO(text)))
    tags = rows[1]
    return [dict(zip(tags, row, strict=True)) for row in rows[2:]]


def report(text: str, schema: Any = None) -> dict[str, Any]:
    source = hxl.data(io.BytesIO(text.encode("utf-8")))
    rules = hxl.data(schema_table()) if schema == "registry" else None
    return hxl.validate(source, rules)


def test_hxl_export_passes_libhxl_core_schema_with_no_error(filled) -> None:
    text = hxl_text(filled, "places", ANONYMOUS, ages=SETTINGS)
    result = report(text)
    errors = [i for i in result["issues"] if i["severity"] == "error"]
    assert result["stats"]["total"] >= 0
    assert errors == []
    assert result["is_valid"]


def test_hxl_export_passes_the_registry_schema_which_catches_bad_codes(filled) -> None:
    text = hxl_text(filled, "places", ANONYMOUS, ages=SETTINGS)
    assert report(text, "registry")["is_valid"], report(text, "registry")["issues"]
    broken = text.replace(",BRA,", ",BR,", 1)
    assert broken != text
    issues = report(broken, "registry")["issues"]
    assert [i["description"] for i in issues if i["severity"] == "error"] == ["ISO 3166-1 alpha-3"]


def test_hxl_rows_are_one_per_place_and_service_with_hdx_codes(filled) -> None:
    public = [r.properties for r in filled.query("places", _all(), ANONYMOUS)[0]]
    rows = table(hxl_text(filled, "places", ANONYMOUS, ages=SETTINGS))
    assert len(rows) == sum(len(p["services"]) for p in public)
    for row in rows:
        country = pycountry.countries.get(alpha_3=row["#country+code"])
        assert country is not None
        assert row["#sector+code"] == SERVICES[row["#service+code"]].sector
        assert row["#sector+name"] == SECTORS[row["#sector+code"]]
        assert row["#status+verification"] in ("fresh", "due", "stale")
    cucuta = [r for r in rows if r["#loc+id"] == "cucuta-full"]
    assert {r["#adm1+code"] for r in cucuta} == {"CO54"}
    assert {r["#adm2+code"] for r in cucuta} == {"CO54001"}
    assert {r["#country+code"] for r in cucuta} == {"COL"}
    assert {r["#capacity+num"] for r in cucuta} == {"250"}


def test_hxl_never_carries_contact_data(filled) -> None:
    text = hxl_text(filled, "places", ANONYMOUS, ages=SETTINGS)
    assert "@" not in text
    assert "+57" not in text
    assert "example.org" not in text
    assert "contact" not in text


def test_hdx_metadata_sits_beside_the_hxl_file(filled, tmp_path: Path) -> None:
    csv_path, meta_path = write_hdx(
        filled, "places", ANONYMOUS, tmp_path / "hdx" / "places.csv", ages=SETTINGS
    )
    assert meta_path == tmp_path / "hdx" / "places.hdx.json"
    meta = json.loads(meta_path.read_text())
    required = {"name", "private", "title", "notes", "dataset_source", "owner_org"}
    required |= {"maintainer", "dataset_date", "data_update_frequency", "groups"}
    required |= {"license_id", "methodology", "tags", "caveats"}
    assert required <= set(meta)
    rows = table(csv_path.read_text())
    assert {g["name"] for g in meta["groups"]} == {r["#country+code"].lower() for r in rows}
    assert meta["resources"][0]["name"] == "places.csv"
    assert {t["name"] for t in meta["tags"]} >= {"hxl", "refugees"}
    start, end = meta["dataset_date"].strip("[]").split(" TO ")
    assert start <= end
    assert end.startswith(datetime.now(UTC).date().isoformat())


def test_geopackage_export_carries_the_verification_status(filled, tmp_path: Path) -> None:
    path = export_file(filled, PLACES, ANONYMOUS, tmp_path / "places.gpkg", ages=SETTINGS)
    frame = pyogrio.read_dataframe(path, layer="places")
    records = filled.query("places", _all(), ANONYMOUS)[0]
    assert sorted(frame["id"]) == sorted(r.id for r in records)
    by_id = {r.id: r for r in records}
    for _, row in frame.iterrows():
        record = by_id[row["id"]]
        assert (row.geometry.x, row.geometry.y) == tuple(record.geometry["coordinates"])
        assert json.loads(row["services"]) == record.properties["services"]
        assert row["verification"] in ("fresh", "due", "stale")
    assert pyogrio.read_info(path, layer="places")["crs"] == "EPSG:4326"


def _all() -> Any:
    from geomap.registry.store import Query

    return Query(limit=10_000)
