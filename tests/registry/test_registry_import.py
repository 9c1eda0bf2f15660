"""Imports: validation first, all or nothing, dry runs, idempotence and retiring what is missing."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from geomap.errors import GeomapError, RegistryValidationError
from geomap.registry.access import Caller
from geomap.registry.store import ImportReport, Query, SQLiteStore
from geomap.registry.validate import Place, parse_json, validate_collection
from tests.registry.placegen import (
    ADMIN,
    OFFICER_BR,
    OFFICER_CO,
    collection,
    feature,
    place,
    table_rows,
)

C = "places"


def import_file(
    store: SQLiteStore, fc: dict[str, Any], caller: Caller = ADMIN, **kwargs: Any
) -> ImportReport:
    """The import pipeline: strict JSON, validation of every feature, then the store."""
    places = validate_collection(parse_json(json.dumps(fc).encode()))
    return store.import_places(C, places, caller, "test import", **kwargs)


def file_bytes(path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())


def snapshot(store: SQLiteStore) -> tuple[bytes, dict[str, list[tuple[Any, ...]]], int]:
    return file_bytes(store.path), table_rows(store.path), store.collection_version(C)


@pytest.fixture
def existing(store: SQLiteStore) -> dict[str, dict[str, Any]]:
    """Records already in the store: CO a, b, c; BR d, e (e restricted); EC f; c2 retired."""
    features = {
        "co-a": feature("co-a", "bogota"),
        "co-b": feature("co-b", "cucuta"),
        "co-c": feature("co-c", "ipiales"),
        "br-d": feature("br-d", "porto_alegre"),
        "br-e": feature("br-e", "boa_vista", visibility="restricted"),
        "ec-f": feature("ec-f", "quito"),
        "co-gone": feature("co-gone", "bogota", capacity=3),
    }
    import_file(store, collection(*features.values()))
    r = store.get(C, "co-gone", ADMIN)
    store.retire(C, "co-gone", r.etag, ADMIN, "closed")
    return features


# ------------------------------------------------------------------ all or nothing


def test_one_bad_feature_writes_nothing_and_every_problem_is_listed(
    store: SQLiteStore, existing: dict[str, dict[str, Any]]
) -> None:
    features = [feature(f"new-{n:03d}", "lima", capacity=n) for n in range(200)]
    features[0] = feature("co-a", "bogota", capacity=99)  # an update of an existing record
    features[57]["properties"]["services"] = ["food", "pizza"]
    features[57]["properties"]["wheelchair"] = "sometimes"
    features[150]["geometry"]["coordinates"] = [-77.04, 95.0]
    features[199] = feature("new-010", "lima")  # repeats the id of feature 10
    before = snapshot(store)
    with pytest.raises(RegistryValidationError) as info:
        import_file(store, collection(*features))
    assert [(p["index"], p["id"], p["field"]) for p in info.value.problems] == [
        (57, "new-057", "properties.services"),
        (57, "new-057", "properties.wheelchair"),
        (150, "new-150", "geometry.coordinates[1]"),
        (199, "new-010", "id"),
    ]
    assert snapshot(store) == before
    assert store.get(C, "co-a", ADMIN).version == 1


def test_failure_in_the_middle_of_a_store_import_rolls_everything_back(
    store: SQLiteStore, existing: dict[str, dict[str, Any]]
) -> None:
    good = [place(f"mid-{n}", "lima") for n in range(50)]
    updated = place("co-a", "bogota", capacity=7)
    broken = Place("mid-broken", {**place("x", "lima").properties, "bad": {1, 2}}, -77.0, -12.0)
    before = snapshot(store)
    with pytest.raises(TypeError):  # the set cannot be stored as JSON
        store.import_places(C, [updated, *good, broken], ADMIN, "half")
    assert snapshot(store) == before
    # the connection is usable afterwards and a good import goes through
    report = store.import_places(C, [updated, *good], ADMIN, "whole")
    assert (len(report.created), report.updated) == (50, ["co-a"])
    assert store.count(C, ADMIN) == 6 + 50


def test_duplicate_places_in_a_store_import_write_nothing(
    store: SQLiteStore, existing: dict[str, dict[str, Any]]
) -> None:
    before = snapshot(store)
    p = place("twice", "lima")
    with pytest.raises((GeomapError, sqlite3.IntegrityError)):
        store.import_places(C, [place("once", "lima"), p, p], ADMIN)
    assert snapshot(store) == before


def test_duplicate_places_in_a_store_import_are_a_geomap_error(
    store: SQLiteStore, existing: dict[str, dict[str, Any]]
) -> None:
    p = place("twice", "lima")
    with pytest.raises(GeomapError):
        store.import_places(C, [p, p], ADMIN)


# ------------------------------------------------------------------ dry run, idempotence


def test_dry_run_reports_and_writes_nothing(
    store: SQLiteStore, existing: dict[str, dict[str, Any]]
) -> None:
    fc = collection(
        existing["co-a"],  # unchanged
        feature("co-b", "cucuta", services=["food"]),  # updated
        feature("co-new", "bogota"),  # created
        existing["co-gone"],  # retired record brought back: updated
        existing["ec-f"],  # unchanged
    )
    before = snapshot(store)
    dry = import_file(store, fc, dry_run=True, retire_missing=True)
    assert dry.dry_run
    assert (dry.created, dry.updated, dry.unchanged, dry.retired) == (
        ["co-new"],
        ["co-b", "co-gone"],
        ["co-a", "ec-f"],
        ["co-c"],
    )
    assert dry.summary() == {"created": 1, "updated": 2, "unchanged": 2, "retired": 1}
    assert snapshot(store) == before

    real = import_file(store, fc, retire_missing=True)
    assert not real.dry_run
    assert (real.created, real.updated, real.unchanged, real.retired) == (
        dry.created,
        dry.updated,
        dry.unchanged,
        dry.retired,
    )
    assert store.get(C, "co-b", ADMIN).properties["services"] == ["food"]
    assert store.get(C, "co-gone", ADMIN).version == 3
    assert [v.op for v in store.history(C, "co-gone", ADMIN)] == [
        "import",
        "retire",
        "import-update",
    ]
    assert [v.op for v in store.history(C, "co-c", ADMIN)] == ["import", "import-retire"]
    assert store.history(C, "co-new", ADMIN)[0].why == "test import"
    assert store.collection_version(C) == before[2] + 4


def test_reimporting_the_same_file_changes_nothing(
    store: SQLiteStore, existing: dict[str, dict[str, Any]]
) -> None:
    fc = collection(*(f for fid, f in existing.items() if fid != "co-gone"))
    etags = {r.id: r.etag for r in store.query(C, Query(limit=100), ADMIN)[0]}
    before = snapshot(store)
    for _ in range(3):
        report = import_file(store, fc, retire_missing=True)
        assert report.summary() == {"created": 0, "updated": 0, "unchanged": 6, "retired": 0}
    assert table_rows(store.path) == before[1]
    assert store.collection_version(C) == before[2]
    assert {r.id: r.etag for r in store.query(C, Query(limit=100), ADMIN)[0]} == etags


def test_reimport_with_reordered_keys_and_whitespace_is_unchanged(
    store: SQLiteStore, existing: dict[str, dict[str, Any]]
) -> None:
    f = existing["co-a"]
    shuffled = {
        "properties": dict(reversed(list(f["properties"].items()))),
        "geometry": f["geometry"],
        "id": f["id"],
        "type": "Feature",
    }
    shuffled["properties"]["name"] = {"es": "  Espacio de apoyo "}
    shuffled["properties"]["country"] = "co"
    assert import_file(store, collection(shuffled)).unchanged == ["co-a"]


# ------------------------------------------------------------------ retire_missing


def test_retire_missing_retires_only_the_files_countries(
    store: SQLiteStore, existing: dict[str, dict[str, Any]]
) -> None:
    report = import_file(store, collection(existing["br-d"]), retire_missing=True)
    assert report.retired == ["br-e"]  # the other BR record, even restricted; CO and EC kept
    assert store.count(C, ADMIN) == 5
    assert {r.id for r in store.query(C, Query(limit=100), ADMIN)[0]} == {
        "co-a",
        "co-b",
        "co-c",
        "br-d",
        "ec-f",
    }


def test_without_retire_missing_nothing_is_retired(
    store: SQLiteStore, existing: dict[str, dict[str, Any]]
) -> None:
    report = import_file(store, collection(existing["br-d"]))
    assert report.retired == []
    assert store.count(C, ADMIN) == 6


def test_empty_file_retires_nothing(
    store: SQLiteStore, existing: dict[str, dict[str, Any]]
) -> None:
    report = import_file(store, collection(), retire_missing=True)
    assert report.summary() == {"created": 0, "updated": 0, "unchanged": 0, "retired": 0}


def test_officer_retire_missing_stays_in_their_countries(
    store: SQLiteStore, existing: dict[str, dict[str, Any]]
) -> None:
    report = import_file(store, collection(existing["co-a"]), OFFICER_CO, retire_missing=True)
    assert report.retired == ["co-b", "co-c"]
    assert {r.id for r in store.query(C, Query(limit=100), ADMIN)[0]} == {
        "co-a",
        "br-d",
        "br-e",
        "ec-f",
    }
    assert store.history(C, "co-b", ADMIN)[-1].who == "officer-co"


# ------------------------------------------------------------------ officers


def test_officer_importing_another_countrys_places_is_refused_as_a_whole(
    store: SQLiteStore, existing: dict[str, dict[str, Any]]
) -> None:
    fc = collection(
        feature("co-x1", "bogota"),
        feature("br-x2", "porto_alegre"),
        feature("co-x3", "cucuta"),
        feature("br-d", "porto_alegre", capacity=1),
    )
    before = snapshot(store)
    for dry_run in (True, False):
        with pytest.raises(RegistryValidationError) as info:
            import_file(store, fc, OFFICER_CO, dry_run=dry_run)
        assert [(p["index"], p["id"], p["field"]) for p in info.value.problems] == [
            (1, "br-x2", "properties.country"),
            (3, "br-d", "properties.country"),
        ]
        assert (
            "officer 'officer-co' may not write records of country BR"
            in (info.value.problems[0]["message"])
        )
    assert snapshot(store) == before


def test_officer_cannot_take_over_another_countrys_id(
    store: SQLiteStore, existing: dict[str, dict[str, Any]]
) -> None:
    """Features of the officer's country whose ids belong to BR records: refused, all of it."""
    fc = collection(
        feature("co-y1", "bogota"),
        feature("co-a", "bogota", capacity=5),
        feature("br-d", "bogota"),  # a public BR record's id
        feature("co-y2", "cucuta"),
        feature("br-e", "ipiales"),  # a restricted BR record the officer cannot see
    )
    before = snapshot(store)
    with pytest.raises(RegistryValidationError) as info:
        import_file(store, fc, OFFICER_CO)
    assert [(p["index"], p["id"], p["field"]) for p in info.value.problems] == [
        (2, "br-d", "id"),
        (4, "br-e", "id"),
    ]
    assert {p["message"] for p in info.value.problems} == {"this id cannot be used by this caller"}
    assert snapshot(store) == before
    # the same file without those two goes through
    ok = import_file(store, collection(*(fc["features"][i] for i in (0, 1, 3))), OFFICER_CO)
    assert (ok.created, ok.updated) == (["co-y1", "co-y2"], ["co-a"])


def test_officer_of_the_other_country_may_import_it(
    store: SQLiteStore, existing: dict[str, dict[str, Any]]
) -> None:
    report = import_file(store, collection(feature("br-d", "porto_alegre", capacity=2)), OFFICER_BR)
    assert report.updated == ["br-d"]
    assert store.history(C, "br-d", ADMIN)[-1].who == "officer-br"
