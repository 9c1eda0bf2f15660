"""Imports: validation first, all or nothing, dry runs, idempotence and retiring what is missing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from geomap.errors import (
    GeomapError,
    NotFoundError,
    PermissionDeniedError,
    RegistryValidationError,
)
from geomap.registry.access import ANONYMOUS, Caller
from geomap.registry.store import ImportReport, Query, RegistryStore
from geomap.registry.validate import Place, parse_json, validate_collection
from tests.registry.dbdump import raw_bytes, table_rows
from tests.registry.placegen import (
    ADMIN,
    OFFICER_BR,
    OFFICER_CO,
    collection,
    feature,
    place,
)

C = "places"


def import_file(
    store: RegistryStore, fc: dict[str, Any], caller: Caller = ADMIN, **kwargs: Any
) -> ImportReport:
    """The import pipeline: strict JSON, validation of every feature, then the store."""
    places = validate_collection(parse_json(json.dumps(fc).encode()))
    return store.import_places(C, places, caller, "test import", **kwargs)


def snapshot(store: RegistryStore) -> tuple[bytes, dict[str, list[tuple[Any, ...]]], int]:
    return raw_bytes(store), table_rows(store), store.collection_version(C)


@pytest.fixture
def existing(store: RegistryStore) -> dict[str, dict[str, Any]]:
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
    store: RegistryStore, existing: dict[str, dict[str, Any]]
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
    store: RegistryStore, existing: dict[str, dict[str, Any]]
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
    store: RegistryStore, existing: dict[str, dict[str, Any]]
) -> None:
    before = snapshot(store)
    p = place("twice", "lima")
    with pytest.raises(GeomapError):
        store.import_places(C, [place("once", "lima"), p, p], ADMIN)
    assert snapshot(store) == before


def test_duplicate_places_in_a_store_import_are_a_geomap_error(
    store: RegistryStore, existing: dict[str, dict[str, Any]]
) -> None:
    p = place("twice", "lima")
    with pytest.raises(GeomapError):
        store.import_places(C, [p, p], ADMIN)


# ------------------------------------------------------------------ dry run, idempotence


def test_dry_run_reports_and_writes_nothing(
    store: RegistryStore, existing: dict[str, dict[str, Any]]
) -> None:
    fc = collection(
        existing["co-a"],  # unchanged
        feature("co-b", "cucuta", services=["food"]),  # updated
        feature("co-new", "bogota"),  # created
        existing["ec-f"],  # unchanged
    )
    before = snapshot(store)
    dry = import_file(store, fc, dry_run=True, retire_missing=True)
    assert dry.dry_run
    assert (dry.created, dry.updated, dry.unchanged, dry.retired) == (
        ["co-new"],
        ["co-b"],
        ["co-a", "ec-f"],
        ["co-c"],
    )
    assert dry.summary() == {"created": 1, "updated": 1, "unchanged": 2, "retired": 1}
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
    assert [v.op for v in store.history(C, "co-c", ADMIN)] == ["import", "import-retire"]
    assert store.history(C, "co-new", ADMIN)[0].why == "test import"
    assert store.collection_version(C) == before[2] + 3


def test_reimporting_the_same_file_changes_nothing(
    store: RegistryStore, existing: dict[str, dict[str, Any]]
) -> None:
    fc = collection(*(f for fid, f in existing.items() if fid != "co-gone"))
    etags = {r.id: r.etag for r in store.query(C, Query(limit=100), ADMIN)[0]}
    before = snapshot(store)
    for _ in range(3):
        report = import_file(store, fc, retire_missing=True)
        assert report.summary() == {"created": 0, "updated": 0, "unchanged": 6, "retired": 0}
    assert table_rows(store) == before[1]
    assert store.collection_version(C) == before[2]
    assert {r.id: r.etag for r in store.query(C, Query(limit=100), ADMIN)[0]} == etags


def test_reimport_with_reordered_keys_and_whitespace_is_unchanged(
    store: RegistryStore, existing: dict[str, dict[str, Any]]
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
    store: RegistryStore, existing: dict[str, dict[str, Any]]
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
    store: RegistryStore, existing: dict[str, dict[str, Any]]
) -> None:
    report = import_file(store, collection(existing["br-d"]))
    assert report.retired == []
    assert store.count(C, ADMIN) == 6


def test_empty_file_retires_nothing(
    store: RegistryStore, existing: dict[str, dict[str, Any]]
) -> None:
    report = import_file(store, collection(), retire_missing=True)
    assert report.summary() == {"created": 0, "updated": 0, "unchanged": 0, "retired": 0}


def test_officer_retire_missing_stays_in_their_countries(
    store: RegistryStore, existing: dict[str, dict[str, Any]]
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
    store: RegistryStore, existing: dict[str, dict[str, Any]]
) -> None:
    """403, as for single writes (it was a 422), naming every feature; nothing written."""
    fc = collection(
        feature("co-x1", "bogota"),
        feature("br-x2", "porto_alegre"),
        feature("co-x3", "cucuta"),
        feature("br-d", "porto_alegre", capacity=1),
    )
    before = snapshot(store)
    for dry_run in (True, False):
        with pytest.raises(PermissionDeniedError) as info:
            import_file(store, fc, OFFICER_CO, dry_run=dry_run)
        assert str(info.value) == (
            "officer 'officer-co' may not write records of country BR: feature 1 ('br-x2'), "
            "feature 3 ('br-d'); nothing was imported"
        )
        assert [(p["index"], p["id"], p["field"]) for p in info.value.problems] == [
            (1, "br-x2", "properties.country"),
            (3, "br-d", "properties.country"),
        ]
    assert snapshot(store) == before


def test_officer_changing_a_visible_record_of_another_country_is_403(
    store: RegistryStore, existing: dict[str, dict[str, Any]]
) -> None:
    """The file says CO, the record it would change is BR: the same 403 as a PUT gets."""
    fc = collection(feature("co-y1", "bogota"), feature("br-d", "bogota"))
    before = snapshot(store)
    with pytest.raises(PermissionDeniedError, match=r"country BR: feature 1 \('br-d'\)") as info:
        import_file(store, fc, OFFICER_CO)
    assert [(p["index"], p["id"], p["field"]) for p in info.value.problems] == [(1, "br-d", "id")]
    assert snapshot(store) == before
    with pytest.raises(PermissionDeniedError):
        store.replace(C, place("br-d", "bogota"), store.get(C, "br-d", ADMIN).etag, OFFICER_CO)


def test_a_hidden_id_answers_exactly_like_an_unused_one(
    store: RegistryStore, existing: dict[str, dict[str, Any]]
) -> None:
    """br-e is a restricted BR record the CO officer cannot see; br-zz does not exist."""
    answers = {}
    for fid in ("br-e", "br-zz"):
        with pytest.raises(RegistryValidationError) as info:
            import_file(store, collection(feature(fid, "ipiales")), OFFICER_CO)
        answers[fid] = (str(info.value), info.value.problems)
    text, problems = answers["br-zz"]
    assert answers["br-e"][0] == text
    assert json.dumps(answers["br-e"][1]).replace("br-e", "ID") == json.dumps(problems).replace(
        "br-zz", "ID"
    )
    assert problems[0]["field"] == "id"
    assert "must start with 'co-'" in problems[0]["message"]
    assert "br-e" not in text
    assert "exist" not in problems[0]["message"]
    # with the officer's prefix, a new id goes through
    assert import_file(store, collection(feature("co-zz", "ipiales")), OFFICER_CO).created == [
        "co-zz"
    ]


def test_no_hidden_record_can_hold_an_id_of_another_countrys_prefix(
    store: RegistryStore, existing: dict[str, dict[str, Any]]
) -> None:
    """So an officer's prefixed new id never meets a record the officer cannot see."""
    before = snapshot(store)
    for call in (
        lambda: store.create(C, place("co-safe", "porto_alegre", visibility="restricted"), ADMIN),
        lambda: import_file(
            store, collection(feature("co-safe", "porto_alegre", visibility="restricted"))
        ),
        lambda: store.replace(
            C,
            place("co-a", "porto_alegre", visibility="restricted"),
            store.get(C, "co-a", ADMIN).etag,
            ADMIN,
        ),
    ):
        with pytest.raises(RegistryValidationError) as info:
            call()
        assert "reserved for records of CO" in info.value.problems[0]["message"]
    assert snapshot(store) == before
    # public records, and restricted ones of the prefix's own country, are fine
    assert store.create(C, place("co-ok", "porto_alegre"), ADMIN).version == 1
    assert store.create(C, place("br-ok", "porto_alegre", visibility="restricted"), ADMIN)


def test_an_import_never_brings_a_retired_record_back(
    store: RegistryStore, existing: dict[str, dict[str, Any]]
) -> None:
    """Issue 13: a retired restricted safe house became public by an import ('updated')."""
    safe = feature("co-safe", "bogota", visibility="restricted")
    import_file(store, collection(safe))
    r = store.get(C, "co-safe", ADMIN)
    store.retire(C, "co-safe", r.etag, ADMIN, "closed")
    before = snapshot(store)
    public_again = feature("co-safe", "bogota", visibility="public")
    for caller in (ADMIN, OFFICER_CO):
        for dry_run in (True, False):
            with pytest.raises(RegistryValidationError) as info:
                import_file(
                    store, collection(feature("co-new2", "bogota"), public_again), caller,
                    dry_run=dry_run,
                )  # fmt: skip
            (problem,) = info.value.problems
            assert (problem["index"], problem["id"], problem["field"]) == (1, "co-safe", "id")
            assert "retired record" in problem["message"]
            assert "restore it explicitly" in problem["message"]
    assert snapshot(store) == before
    with pytest.raises(NotFoundError):
        store.get(C, "co-safe", ANONYMOUS)
    # the explicit way back is a restore, which keeps it restricted
    retired = store.history(C, "co-safe", ADMIN)[-1]
    back = store.restore(C, "co-safe", 1, if_match=retired.etag, caller=OFFICER_CO, why="reopened")
    assert back.properties["visibility"] == "restricted"
    with pytest.raises(NotFoundError):
        store.get(C, "co-safe", ANONYMOUS)


def test_a_retired_record_the_officer_cannot_see_answers_like_an_unused_id(
    store: RegistryStore, existing: dict[str, dict[str, Any]]
) -> None:
    r = store.get(C, "br-e", ADMIN)
    store.retire(C, "br-e", r.etag, ADMIN)
    with pytest.raises(RegistryValidationError) as hidden:
        import_file(store, collection(feature("br-e", "ipiales")), OFFICER_CO)
    with pytest.raises(RegistryValidationError) as unused:
        import_file(store, collection(feature("br-e2", "ipiales")), OFFICER_CO)
    assert hidden.value.problems[0]["message"] == unused.value.problems[0]["message"].replace(
        "br-e2", "br-e"
    )
    assert "retired" not in hidden.value.problems[0]["message"]


def test_officer_of_the_other_country_may_import_it(
    store: RegistryStore, existing: dict[str, dict[str, Any]]
) -> None:
    report = import_file(store, collection(feature("br-d", "porto_alegre", capacity=2)), OFFICER_BR)
    assert report.updated == ["br-d"]
    assert store.history(C, "br-d", ADMIN)[-1].who == "officer-br"
