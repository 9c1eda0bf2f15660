"""The versioned SQLite store on a real file: versions, ETags, queries, paging and tokens."""

from __future__ import annotations

import dataclasses
import math
from datetime import datetime

import pytest

from geomap.errors import (
    AuthenticationError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    PreconditionFailedError,
)
from geomap.registry.access import ANONYMOUS, SYSTEM, Caller, hash_token
from geomap.registry.store import Query, RegistryStore, open_store
from geomap.registry.validate import Place
from tests.registry.dbdump import raw_bytes, scalar, table_rows
from tests.registry.placegen import ADMIN, CITIES, place

C = "places"


def _at(text: str) -> datetime:
    at = datetime.fromisoformat(text)
    assert at.tzinfo is not None
    return at


# ------------------------------------------------------------------ versions


def test_every_change_is_a_version_with_who_when_what_and_why(store: RegistryStore) -> None:
    v1 = store.create(C, place("h-1", "bogota"), ADMIN, "first survey")
    assert (v1.version, v1.retired, v1.updated_by) == (1, False, "admin-1")
    editor = Caller("admin", name="editor-2")
    p2 = place("h-1", "bogota", name={"es": "Nuevo nombre"}, services=["food"])
    v2 = store.replace(C, p2, v1.etag, editor, "renamed after visit")
    v3 = store.retire(C, "h-1", v2.etag, ADMIN, "closed for good")
    history = store.history(C, "h-1", ADMIN)
    assert [(h.version, h.op, h.retired, h.who, h.why) for h in history] == [
        (1, "create", False, "admin-1", "first survey"),
        (2, "replace", False, "editor-2", "renamed after visit"),
        (3, "retire", True, "admin-1", "closed for good"),
    ]
    assert [h.changed for h in history] == [["*"], ["name", "services"], ["retired"]]
    times = [_at(h.at) for h in history]
    assert times == sorted(times)
    assert [h.at for h in history] == [v1.updated_at, v2.updated_at, v3.updated_at]


def test_geometry_changes_are_named(store: RegistryStore) -> None:
    r = store.create(C, place("g-1", "bogota"), ADMIN)
    moved = Place("g-1", r.properties, -74.09, 4.62)
    store.replace(C, moved, r.etag, ADMIN, "moved")
    assert store.history(C, "g-1", ADMIN)[-1].changed == ["geometry"]
    assert store.get(C, "g-1", ANONYMOUS).geometry == {
        "type": "Point",
        "coordinates": [-74.09, 4.62],
    }


def test_nothing_is_overwritten(store: RegistryStore) -> None:
    first = place("o-1", "bogota", capacity=10)
    r = store.create(C, first, ADMIN, "v1")
    for n in range(2, 6):
        r = store.replace(C, place("o-1", "bogota", capacity=10 * n), r.etag, ADMIN, f"v{n}")
    history = store.history(C, "o-1", ADMIN)
    assert [h.properties["capacity"] for h in history] == [10, 20, 30, 40, 50]
    assert history[0].properties == first.properties
    assert history[0].geometry == first.geometry()
    assert scalar(store, "SELECT COUNT(*) FROM versions WHERE id = 'o-1'") == 5
    assert scalar(store, "SELECT COUNT(*) FROM records WHERE id = 'o-1'") == 1


def test_retire_hides_the_record_and_keeps_its_history(store: RegistryStore) -> None:
    r = store.create(C, place("r-1", "quito"), ADMIN)
    store.create(C, place("r-2", "quito"), ADMIN)
    retired = store.retire(C, "r-1", r.etag, ADMIN, "duplicate of r-2")
    assert retired.retired
    assert retired.version == 2
    for caller in (ANONYMOUS, ADMIN):
        with pytest.raises(NotFoundError):
            store.get(C, "r-1", caller)
        assert [x.id for x in store.query(C, Query(limit=50), caller)[0]] == ["r-2"]
        assert store.count(C, caller) == 1
    assert store.extent(C, ADMIN) == (*CITIES["quito"][:2], *CITIES["quito"][:2])
    assert len(store.history(C, "r-1", ADMIN)) == 2
    # retiring twice, or changing a retired record, is "not found"
    with pytest.raises(NotFoundError):
        store.retire(C, "r-1", retired.etag, ADMIN)
    with pytest.raises(NotFoundError):
        store.replace(C, place("r-1", "quito", capacity=3), retired.etag, ADMIN)
    # the id stays taken
    with pytest.raises(ConflictError):
        store.create(C, place("r-1", "quito"), ADMIN)


def test_anonymous_callers_do_not_see_the_history_of_retired_records(store: RegistryStore) -> None:
    r = store.create(C, place("r-3"), ADMIN)
    store.retire(C, "r-3", r.etag, ADMIN)
    with pytest.raises(NotFoundError):
        store.history(C, "r-3", ANONYMOUS)
    assert len(store.history(C, "r-3", Caller("partner", name="p"))) == 2


@pytest.mark.parametrize("target", [1, 2, 3])
def test_any_version_can_be_restored(store: RegistryStore, target: int) -> None:
    r = store.create(C, place("s-1", "lima", capacity=1), ADMIN, "v1")
    r = store.replace(C, place("s-1", "lima", capacity=2), r.etag, ADMIN, "v2")
    r = store.replace(C, place("s-1", "lima", capacity=3), r.etag, ADMIN, "v3")
    r = store.retire(C, "s-1", r.etag, ADMIN, "v4")
    restored = store.restore(C, "s-1", target, if_match=r.etag, caller=ADMIN, why="mistake")
    assert restored.version == 5
    assert not restored.retired
    assert restored.properties["capacity"] == target
    assert store.get(C, "s-1", ANONYMOUS).properties["capacity"] == target
    last = store.history(C, "s-1", ADMIN)[-1]
    assert (last.version, last.op, last.why, last.retired) == (
        5,
        f"restore:{target}",
        "mistake",
        False,
    )
    assert "retired" in last.changed
    # the versions before are untouched
    assert [h.properties["capacity"] for h in store.history(C, "s-1", ADMIN)] == [
        1,
        2,
        3,
        3,
        target,
    ]


def test_restore_errors(store: RegistryStore) -> None:
    r = store.create(C, place("s-2"), ADMIN)
    r2 = store.replace(C, place("s-2", capacity=5), r.etag, ADMIN)
    with pytest.raises(NotFoundError, match="has no version 7"):
        store.restore(C, "s-2", 7, if_match=r2.etag, caller=ADMIN)
    with pytest.raises(PreconditionFailedError):
        store.restore(C, "s-2", 1, if_match=r.etag, caller=ADMIN)
    with pytest.raises(NotFoundError):
        store.restore(C, "nope", 1, if_match=r.etag, caller=ADMIN)
    assert len(store.history(C, "s-2", ADMIN)) == 2


def test_identical_replace_adds_no_version(store: RegistryStore) -> None:
    p = place("i-1", "caracas", services=["food", "water_sanitation"])
    r = store.create(C, p, ADMIN)
    counter = store.collection_version(C)
    same = store.replace(
        C, place("i-1", "caracas", services=["food", "water_sanitation"]), r.etag, ADMIN
    )
    assert (same.version, same.etag, same.updated_at) == (1, r.etag, r.updated_at)
    assert len(store.history(C, "i-1", ADMIN)) == 1
    assert store.collection_version(C) == counter


def test_replace_of_a_missing_record_is_not_found(store: RegistryStore) -> None:
    with pytest.raises(NotFoundError):
        store.replace(C, place("ghost"), "0" * 32, ADMIN)


def test_create_refuses_a_used_id(store: RegistryStore) -> None:
    store.create(C, place("dup-1"), ADMIN)
    with pytest.raises(ConflictError, match="already used"):
        store.create(C, place("dup-1", "cucuta"), ADMIN)
    # the same id in another collection is another record
    assert store.create("other", place("dup-1", "cucuta"), ADMIN).version == 1


def test_collection_version_counts_writes(store: RegistryStore) -> None:
    assert store.collection_version(C) == 0
    r = store.create(C, place("cv-1"), ADMIN)
    r = store.replace(C, place("cv-1", capacity=2), r.etag, ADMIN)
    store.retire(C, "cv-1", r.etag, ADMIN)
    assert store.collection_version(C) == 3
    assert store.collection_version("other") == 0


# ------------------------------------------------------------------ ETags


def test_etag_changes_on_every_version_and_survives_reopening(store_url: str) -> None:
    store = open_store(store_url)
    etags = []
    r = store.create(C, place("e-1", "santiago"), ADMIN)
    etags.append(r.etag)
    r = store.replace(C, place("e-1", "santiago", capacity=9), r.etag, ADMIN)
    etags.append(r.etag)
    r = store.retire(C, "e-1", r.etag, ADMIN)
    etags.append(r.etag)
    r = store.restore(C, "e-1", 1, if_match=r.etag, caller=ADMIN)  # content of v1 again
    etags.append(r.etag)
    r = store.replace(C, place("e-1", "santiago", capacity=9), r.etag, ADMIN)  # content of v2
    etags.append(r.etag)
    assert len(set(etags)) == len(etags)
    assert all(len(e) == 32 for e in etags)
    store.close()

    reopened = open_store(store_url)
    try:
        assert reopened.get(C, "e-1", ANONYMOUS).etag == etags[-1]
        # the ETag read after reopening is still accepted, the older ones are not
        with pytest.raises(PreconditionFailedError):
            reopened.replace(C, place("e-1", "santiago", capacity=1), etags[-2], ADMIN)
        assert reopened.replace(C, place("e-1", "santiago", capacity=1), etags[-1], ADMIN)
    finally:
        reopened.close()


def test_etag_depends_on_collection_and_id(store: RegistryStore) -> None:
    a = store.create(C, place("same-a"), ADMIN)
    b = store.create(C, place("same-b"), ADMIN)
    c = store.create("other", place("same-a"), ADMIN)
    assert len({a.etag, b.etag, c.etag}) == 3


@pytest.mark.parametrize("form", ['"{}"', "{}", ' "{}" '])
def test_if_match_accepts_the_strong_etag_quoted_or_bare(store: RegistryStore, form: str) -> None:
    r = store.create(C, place("q-1"), ADMIN)
    assert store.replace(C, place("q-1", capacity=1), form.format(r.etag), ADMIN).version == 2


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ('W/"{}"', "weak ETag"),
        ("w/{}", "changed since"),
        ('"{}', "changed since"),
        ('""{}""', "changed since"),
        ("{}x", "changed since"),
        ("*", "changed since"),
        ("", "changed since"),
    ],
)
def test_if_match_is_a_strong_comparison(store: RegistryStore, form: str, message: str) -> None:
    """RFC 9110 13.1.1: a weak tag never matches, nor anything but the exact strong tag."""
    r = store.create(C, place("q-2"), ADMIN)
    given = form.format(r.etag)
    for call in (
        lambda: store.replace(C, place("q-2", capacity=1), given, ADMIN),
        lambda: store.retire(C, "q-2", given, ADMIN),
        lambda: store.restore(C, "q-2", 1, if_match=given, caller=ADMIN),
    ):
        with pytest.raises(PreconditionFailedError, match=message):
            call()
    assert store.get(C, "q-2", ADMIN) == r


def test_stale_etag_is_refused_and_changes_nothing(store: RegistryStore) -> None:
    r = store.create(C, place("st-1"), ADMIN)
    r2 = store.replace(C, place("st-1", capacity=1), r.etag, ADMIN)
    for call in (
        lambda: store.replace(C, place("st-1", capacity=2), r.etag, ADMIN),
        lambda: store.retire(C, "st-1", r.etag, ADMIN),
        lambda: store.restore(C, "st-1", 1, if_match=r.etag, caller=ADMIN),
        lambda: store.replace(C, place("st-1", capacity=2), "*", ADMIN),
    ):
        with pytest.raises(PreconditionFailedError):
            call()
    assert store.get(C, "st-1", ANONYMOUS) == r2
    assert len(store.history(C, "st-1", ADMIN)) == 2


# ------------------------------------------------------------------ queries


def test_bbox_is_exact_at_the_boundary(store: RegistryStore) -> None:
    """Points a hair inside and outside each edge, closer than the R*Tree's 32-bit floats."""
    lon, lat = -74.0817123456789, 4.6097123456789
    store.create(C, Place("edge", place("edge").properties, lon, lat), ADMIN)
    # float32 spacing near 74 is ~7.6e-6: both offsets fall within one R*Tree cell
    for delta in (1e-6, 1e-9):
        for caller in (ANONYMOUS, ADMIN):

            def ids(bbox: tuple[float, float, float, float], who: Caller = caller) -> list[str]:
                records, total = store.query(C, Query(bbox=bbox), who)
                assert total == len(records)
                return [r.id for r in records]

            wide = 0.5
            # point exactly on each edge: included (edges are closed)
            assert ids((lon, lat - wide, lon + wide, lat + wide)) == ["edge"]
            assert ids((lon - wide, lat - wide, lon, lat + wide)) == ["edge"]
            assert ids((lon - wide, lat, lon + wide, lat + wide)) == ["edge"]
            assert ids((lon - wide, lat - wide, lon + wide, lat)) == ["edge"]
            assert ids((lon, lat, lon, lat)) == ["edge"]
            # edge a hair beyond the point: inside
            assert ids((lon - delta, lat - wide, lon + wide, lat + wide)) == ["edge"]
            assert ids((lon - wide, lat - wide, lon + delta, lat + wide)) == ["edge"]
            assert ids((lon - wide, lat - delta, lon + wide, lat + wide)) == ["edge"]
            assert ids((lon - wide, lat - wide, lon + wide, lat + delta)) == ["edge"]
            # edge a hair short of the point: outside
            assert ids((lon + delta, lat - wide, lon + wide, lat + wide)) == []
            assert ids((lon - wide, lat - wide, lon - delta, lat + wide)) == []
            assert ids((lon - wide, lat + delta, lon + wide, lat + wide)) == []
            assert ids((lon - wide, lat - wide, lon + wide, lat - delta)) == []


def test_bbox_excludes_the_next_representable_double(store: RegistryStore) -> None:
    lon, lat = -51.2300001, -30.0331001
    store.create(C, Place("ulp", place("ulp", "porto_alegre").properties, lon, lat), ADMIN)
    up, down = math.nextafter(lon, math.inf), math.nextafter(lon, -math.inf)
    assert store.query(C, Query(bbox=(up, -31, -50, -29)), ADMIN)[1] == 0
    assert store.query(C, Query(bbox=(-52, -31, down, -29)), ADMIN)[1] == 0
    assert store.query(C, Query(bbox=(down, -31, up, -29)), ADMIN)[1] == 1
    lat_up = math.nextafter(lat, math.inf)
    assert store.query(C, Query(bbox=(-52, lat_up, -50, -29)), ADMIN)[1] == 0


def test_bbox_selects_exactly_the_points_inside(store: RegistryStore) -> None:
    grid = [(i, j) for i in range(10) for j in range(10)]
    base = place("grid").properties
    store.import_places(
        C,
        [Place(f"g{i}-{j}", base, -74.5 + i * 0.1, 4.2 + j * 0.1) for i, j in grid],
        ADMIN,
    )
    bbox = (-74.35, 4.4, -74.0, 4.75)  # west edge between columns, east edge on column 5
    expected = sorted(
        f"g{i}-{j}"
        for i, j in grid
        if bbox[0] <= -74.5 + i * 0.1 <= bbox[2] and bbox[1] <= 4.2 + j * 0.1 <= bbox[3]
    )
    records, total = store.query(C, Query(bbox=bbox, limit=1000), ADMIN)
    assert [r.id for r in records] == expected
    assert total == len(expected) > 0


def test_services_filter_requires_every_listed_service(store: RegistryStore) -> None:
    offers = {
        "s-food": ["food"],
        "s-food-wash": ["food", "water_sanitation"],
        "s-wash-legal": ["water_sanitation", "legal_documentation"],
        "s-all": ["legal_documentation", "water_sanitation", "food", "first_aid_health"],
    }
    for fid, services in offers.items():
        store.create(C, place(fid, services=services), ADMIN)

    def ids(*services: str) -> list[str]:
        return [r.id for r in store.query(C, Query(services=services, limit=50), ANONYMOUS)[0]]

    assert ids() == sorted(offers)
    assert ids("food") == ["s-all", "s-food", "s-food-wash"]
    assert ids("water_sanitation", "food") == ["s-all", "s-food-wash"]
    assert ids("food", "legal_documentation", "water_sanitation") == ["s-all"]
    assert ids("first_aid_health") == ["s-all"]
    assert ids("cash_assistance") == []
    assert ids("food", "cash_assistance") == []


def test_kind_status_and_country_filters(store: RegistryStore) -> None:
    store.create(C, place("k-1", "bogota", kind="information_point"), ADMIN)
    store.create(C, place("k-2", "quito", status="closed"), ADMIN)
    store.create(C, place("k-3", "lima", kind="information_point", status="closed"), ADMIN)

    def ids(**kw: str) -> list[str]:
        return [r.id for r in store.query(C, Query(**kw), ANONYMOUS)[0]]  # type: ignore[arg-type]

    assert ids(kind="information_point") == ["k-1", "k-3"]
    assert ids(status="closed") == ["k-2", "k-3"]
    assert ids(country="EC") == ["k-2"]
    assert ids(kind="information_point", status="closed", country="PE") == ["k-3"]
    assert ids(kind="service_point") == []


def test_paging_is_complete_and_stable(store: RegistryStore) -> None:
    ids = [f"pg-{n:03d}" for n in range(37)]
    shuffled = ids[5:] + ids[:5]
    for fid in shuffled:
        store.create(C, place(fid), ADMIN)
    seen: list[str] = []
    for offset in range(0, 40, 7):
        records, total = store.query(C, Query(limit=7, offset=offset), ANONYMOUS)
        assert total == 37
        again, _ = store.query(C, Query(limit=7, offset=offset), ANONYMOUS)
        assert [r.id for r in again] == [r.id for r in records]
        seen += [r.id for r in records]
    assert seen == sorted(ids)
    assert store.query(C, Query(limit=7, offset=37), ANONYMOUS) == ([], 37)
    assert store.query(C, Query(limit=0), ANONYMOUS) == ([], 37)


def test_paging_with_filters_and_bbox(store: RegistryStore) -> None:
    base = place("b").properties
    food = place("f", services=["food"]).properties
    places = [
        Place(f"pb-{n:02d}", food if n % 2 else base, -74.0 + n * 0.001, 4.6) for n in range(30)
    ]
    store.import_places(C, places, ADMIN)
    q = Query(bbox=(-74.0, 4.5, -73.98, 4.7), services=("food",), limit=3)
    pages = [store.query(C, dataclasses.replace(q, offset=o), ANONYMOUS) for o in (0, 3, 6, 9)]
    expected = [f"pb-{n:02d}" for n in range(1, 21, 2)]
    assert {total for _, total in pages} == {len(expected)}
    assert [r.id for records, _ in pages for r in records] == expected


def test_extent_and_count(store: RegistryStore) -> None:
    assert store.extent(C, ADMIN) is None
    assert store.count(C, ADMIN) == 0
    for city in ("bogota", "lima", "caracas"):
        store.create(C, place(city, city), ADMIN)
    lons = [CITIES[c][0] for c in ("bogota", "lima", "caracas")]
    lats = [CITIES[c][1] for c in ("bogota", "lima", "caracas")]
    assert store.extent(C, ANONYMOUS) == (min(lons), min(lats), max(lons), max(lats))
    assert store.count(C, ANONYMOUS) == 3


def test_record_as_feature(store: RegistryStore) -> None:
    p = place("ft-1", "cucuta")
    r = store.create(C, p, ADMIN)
    assert r.to_feature() == {
        "type": "Feature",
        "id": "ft-1",
        "geometry": p.geometry(),
        "properties": {**p.properties, "version": 1},
    }
    assert store.get(C, "ft-1", ANONYMOUS) == r


# ------------------------------------------------------------------ tokens


def test_tokens_are_stored_hashed(store: RegistryStore) -> None:
    tokens = {
        "ngo-1": store.create_token("ngo-1", "partner"),
        "officer-1": store.create_token("officer-1", "officer", ["co", " ec ", ""]),
        "root": store.create_token("root", "admin"),
    }
    raw = raw_bytes(store)
    for token in tokens.values():
        assert token.startswith("gm_")
        assert len(token) > 40
        assert token.encode() not in raw
        assert token[3:].encode() not in raw
        assert hash_token(token).encode() in raw
    store.close()
    stored = {row[0] for row in table_rows(store)["tokens"]}
    assert stored == {hash_token(t) for t in tokens.values()}
    assert store.authenticate(tokens["officer-1"]) == Caller(
        "officer", frozenset({"CO", "EC"}), "officer-1"
    )
    assert store.authenticate(tokens["ngo-1"]) == Caller("partner", frozenset(), "ngo-1")
    assert store.authenticate(tokens["root"]).role == "admin"
    listed = store.list_tokens()
    assert [t["name"] for t in listed] == ["ngo-1", "officer-1", "root"]
    assert listed[1]["countries"] == ["CO", "EC"]
    assert all(set(t) == {"name", "role", "countries", "created_at", "revoked_at"} for t in listed)


def test_revoked_and_unknown_tokens_are_refused(store: RegistryStore) -> None:
    token = store.create_token("ngo-2", "partner")
    other = store.create_token("ngo-3", "partner")
    store.revoke_token("ngo-2")
    with pytest.raises(AuthenticationError):
        store.authenticate(token)
    with pytest.raises(AuthenticationError):
        store.authenticate("gm_" + "A" * 43)
    with pytest.raises(AuthenticationError):
        store.authenticate("")
    assert store.authenticate(other).name == "ngo-3"
    assert store.list_tokens()[0]["revoked_at"] is not None
    with pytest.raises(NotFoundError):
        store.revoke_token("ngo-2")  # already revoked
    with pytest.raises(NotFoundError):
        store.revoke_token("nobody")


def test_token_creation_rules(store: RegistryStore) -> None:
    store.create_token("dup", "partner")
    with pytest.raises(ConflictError):
        store.create_token("dup", "admin")
    with pytest.raises(PermissionDeniedError, match="unknown role"):
        store.create_token("x", "superuser")
    with pytest.raises(PermissionDeniedError, match="at least one country"):
        store.create_token("y", "officer", [" ", ""])
    assert [t["name"] for t in store.list_tokens()] == ["dup"]


def test_tokens_are_distinct(store: RegistryStore) -> None:
    tokens = {store.create_token(f"t{n}", "partner") for n in range(20)}
    assert len(tokens) == 20


def test_system_caller_is_an_admin() -> None:
    assert SYSTEM.role == "admin"
    assert SYSTEM.can_write("BR")
    assert SYSTEM.can_see("restricted", "CO")
