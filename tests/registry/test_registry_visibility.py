"""Who sees and writes what: anonymous, partner, officer (by country) and admin callers."""

from __future__ import annotations

from typing import Any

import pytest

from geomap.errors import AuthenticationError, NotFoundError, PermissionDeniedError
from geomap.registry.access import ANONYMOUS, Caller
from geomap.registry.store import Query, RegistryStore
from geomap.registry.validate import Place
from tests.registry.placegen import ADMIN, CITIES, OFFICER_BR, OFFICER_CO, PARTNER, place

C = "places"

#: id -> (city, visibility); every record offers food.
RECORDS = {
    "pub-br": ("porto_alegre", "public"),
    "pub-co": ("bogota", "public"),
    "prt-co": ("cucuta", "partners"),
    "res-co": ("ipiales", "restricted"),
    "res-br": ("boa_vista", "restricted"),
    "res-ve": ("caracas", "restricted"),
}

VISIBLE = {
    "anonymous": {"pub-br", "pub-co"},
    "partner": {"pub-br", "pub-co", "prt-co"},
    "officer-co": {"pub-br", "pub-co", "prt-co", "res-co"},
    "officer-br": {"pub-br", "pub-co", "prt-co", "res-br"},
    "officer-co-ve": {"pub-br", "pub-co", "prt-co", "res-co", "res-ve"},
    "admin": set(RECORDS),
}
CALLERS = {
    "anonymous": ANONYMOUS,
    "partner": PARTNER,
    "officer-co": OFFICER_CO,
    "officer-br": OFFICER_BR,
    "officer-co-ve": Caller("officer", frozenset({"CO", "VE"}), "officer-co-ve"),
    "admin": ADMIN,
}


@pytest.fixture
def seeded(store: RegistryStore) -> dict[str, Any]:
    """The six records above, plus a retired public one; returns their ETags."""
    etags = {}
    for fid, (city, visibility) in RECORDS.items():
        etags[fid] = store.create(
            C, place(fid, city, visibility=visibility, services=["food"]), ADMIN
        ).etag
    gone = store.create(C, place("pub-gone", "lima"), ADMIN)
    store.retire(C, "pub-gone", gone.etag, ADMIN)
    return etags


def _extent(ids: set[str]) -> tuple[float, float, float, float]:
    lons = [CITIES[RECORDS[i][0]][0] for i in ids]
    lats = [CITIES[RECORDS[i][0]][1] for i in ids]
    return min(lons), min(lats), max(lons), max(lats)


@pytest.mark.parametrize("who", list(CALLERS))
def test_get_query_count_extent_history_agree_on_visibility(
    store: RegistryStore, seeded: dict[str, Any], who: str
) -> None:
    caller, visible = CALLERS[who], VISIBLE[who]
    for fid in RECORDS:
        if fid in visible:
            assert store.get(C, fid, caller).id == fid
            assert [v.version for v in store.history(C, fid, caller)] == [1]
        else:
            with pytest.raises(NotFoundError) as info:
                store.get(C, fid, caller)
            # hidden and missing records answer the same
            assert str(info.value) == f"no item {fid!r} in collection 'places'"
            with pytest.raises(NotFoundError):
                store.history(C, fid, caller)
    records, total = store.query(C, Query(limit=100), caller)
    assert {r.id for r in records} == visible
    assert total == len(visible)
    assert store.count(C, caller) == len(visible)
    assert store.extent(C, caller) == _extent(visible)
    # filters and bboxes do not let hidden records through either
    world = (-180.0, -90.0, 180.0, 90.0)
    for q in (
        Query(bbox=world, limit=100),
        Query(services=("food",), limit=100),
        Query(kind="support_space", status="active", limit=100),
    ):
        assert {r.id for r in store.query(C, q, caller)[0]} == visible
        assert store.query(C, q, caller)[1] == len(visible)
    for country in ("BR", "CO", "VE"):
        got = store.query(C, Query(country=country, limit=100), caller)
        assert {r.id for r in got[0]} == {i for i in visible if i.endswith(country.lower())}
    # a bbox around one hidden record finds nothing
    for fid in set(RECORDS) - visible:
        lon, lat, _ = CITIES[RECORDS[fid][0]]
        assert store.query(C, Query(bbox=(lon, lat, lon, lat)), caller) == ([], 0)


def test_hidden_records_are_absent_from_extents(
    store: RegistryStore, seeded: dict[str, Any]
) -> None:
    # Boa Vista (restricted BR) and Caracas (restricted VE) are the northernmost points
    north_public = max(CITIES[RECORDS[i][0]][1] for i in VISIBLE["anonymous"])
    assert store.extent(C, ANONYMOUS)[3] == north_public
    assert store.extent(C, ADMIN)[3] == CITIES["caracas"][1]


def test_officer_writes_only_records_of_their_countries(
    store: RegistryStore, seeded: dict[str, Any]
) -> None:
    etags = seeded
    # create
    with pytest.raises(PermissionDeniedError, match="may not write records of country BR"):
        store.create(C, place("new-br", "porto_alegre"), OFFICER_CO)
    assert store.create(C, place("new-co", "bogota"), OFFICER_CO).updated_by == "officer-co"
    # replace / retire / restore a record it sees but may not write
    with pytest.raises(PermissionDeniedError):
        store.replace(C, place("pub-br", "porto_alegre", capacity=1), etags["pub-br"], OFFICER_CO)
    with pytest.raises(PermissionDeniedError):
        store.retire(C, "pub-br", etags["pub-br"], OFFICER_CO)
    with pytest.raises(PermissionDeniedError):
        store.restore(C, "pub-br", 1, if_match=etags["pub-br"], caller=OFFICER_CO)
    # moving its own record to another country
    with pytest.raises(PermissionDeniedError):
        store.replace(C, place("pub-co", "porto_alegre"), etags["pub-co"], OFFICER_CO)
    # a record it may not even see is "not found", not "forbidden" (even when the new content
    # would be in its own country)
    with pytest.raises(NotFoundError):
        store.replace(C, place("res-br", "bogota", capacity=1), etags["res-br"], OFFICER_CO)
    with pytest.raises(NotFoundError):
        store.retire(C, "res-br", etags["res-br"], OFFICER_CO)
    # its own country's records, including restricted ones
    r = store.replace(C, place("res-co", "ipiales", capacity=4), etags["res-co"], OFFICER_CO)
    r = store.retire(C, "res-co", r.etag, OFFICER_CO, "closed")
    assert store.restore(C, "res-co", 1, if_match=r.etag, caller=OFFICER_CO).version == 4
    assert store.get(C, "pub-br", ANONYMOUS).version == 1
    assert store.get(C, "pub-co", ANONYMOUS).version == 1


def test_officer_cannot_restore_a_version_of_another_country(store: RegistryStore) -> None:
    r = store.create(C, place("moved", "porto_alegre"), ADMIN)
    r = store.replace(C, place("moved", "bogota"), r.etag, ADMIN, "was filed in the wrong country")
    with pytest.raises(PermissionDeniedError, match="country BR"):
        store.restore(C, "moved", 1, if_match=r.etag, caller=OFFICER_CO)
    assert store.get(C, "moved", ADMIN).version == 2


@pytest.mark.parametrize("caller", [ANONYMOUS, PARTNER], ids=["anonymous", "partner"])
def test_anonymous_and_partners_write_nothing(
    store: RegistryStore, seeded: dict[str, Any], caller: Caller
) -> None:
    with pytest.raises(PermissionDeniedError):
        store.create(C, place("x-1"), caller)
    with pytest.raises(PermissionDeniedError):
        store.replace(C, place("pub-co", capacity=1), seeded["pub-co"], caller)
    if caller.role == "partner":
        with pytest.raises(PermissionDeniedError):
            store.retire(C, "prt-co", seeded["prt-co"], caller)
    with pytest.raises(PermissionDeniedError):
        store.retire(C, "pub-co", seeded["pub-co"], caller)
    # a caller that may write nothing is refused an import as a whole, like single writes
    with pytest.raises(PermissionDeniedError, match="may not import"):
        store.import_places(C, [place("x-2"), place("x-3", "quito")], caller)
    assert store.count(C, ADMIN) == len(RECORDS)


def test_retired_history_is_hidden_from_anonymous_only(
    store: RegistryStore, seeded: dict[str, Any]
) -> None:
    with pytest.raises(NotFoundError):
        store.history(C, "pub-gone", ANONYMOUS)
    for caller in (PARTNER, OFFICER_CO, ADMIN):
        assert [v.op for v in store.history(C, "pub-gone", caller)] == ["create", "retire"]


def test_record_that_becomes_restricted_disappears(
    store: RegistryStore, seeded: dict[str, Any]
) -> None:
    store.replace(C, place("pub-co", visibility="restricted"), seeded["pub-co"], ADMIN)
    for fn in (store.get, store.history):
        with pytest.raises(NotFoundError):
            fn(C, "pub-co", ANONYMOUS)
    assert store.count(C, ANONYMOUS) == 1
    assert store.get(C, "pub-co", OFFICER_CO).version == 2


def test_history_does_not_reveal_versions_the_caller_may_not_see(store: RegistryStore) -> None:
    secret = Place("shelter", place("shelter", visibility="restricted").properties, -74.1, 4.7)
    r = store.create(C, secret, ADMIN, "protected location")
    store.replace(C, place("shelter", "bogota", visibility="public"), r.etag, ADMIN, "moved")
    history = store.history(C, "shelter", ANONYMOUS)
    assert all(v.properties["visibility"] == "public" for v in history)
    assert all(v.geometry["coordinates"] != [-74.1, 4.7] for v in history)


def test_the_first_visible_version_names_no_field_of_a_hidden_one(store: RegistryStore) -> None:
    """Issue 13: its change list was computed against the hidden version before it."""
    secret = place("became-public", "bogota", visibility="restricted", capacity=9, admin1="X")
    r = store.create(C, secret, ADMIN, "protected")
    r = store.replace(C, place("became-public", "bogota"), r.etag, ADMIN, "opened")
    r = store.replace(C, place("became-public", "bogota", capacity=3), r.etag, ADMIN)
    r = store.replace(
        C, place("became-public", "bogota", visibility="restricted", capacity=4), r.etag, ADMIN
    )
    store.replace(C, place("became-public", "bogota", capacity=5), r.etag, ADMIN)
    full = store.history(C, "became-public", ADMIN)
    assert [v.changed for v in full] == [
        ["*"],
        ["admin1", "capacity", "visibility"],
        ["capacity"],
        ["capacity", "visibility"],
        ["capacity", "visibility"],
    ]
    public = store.history(C, "became-public", ANONYMOUS)
    assert [v.version for v in public] == [2, 3, 5]
    # v2 is the first the public sees: nothing to compare with; v5 is compared with v3
    assert [v.changed for v in public] == [["*"], ["capacity"], ["capacity"]]
    assert [v.changed for v in store.history(C, "became-public", OFFICER_CO)] == [
        v.changed for v in full
    ]


def test_bbox_queries_use_the_spatial_index(store: RegistryStore) -> None:
    from geomap.registry.store import PostGISStore, SQLiteStore

    store.import_places(C, [place(f"ix-{i}", (-74.0 + i * 0.001, 4.6)) for i in range(200)], ADMIN)
    caller = OFFICER_CO
    where, args = store._where(C, Query(bbox=(-74.0, 4.5, -73.95, 4.7)), caller)  # type: ignore[attr-defined]
    source, extra, more = store._bbox_source((-74.0, 4.5, -73.95, 4.7))  # type: ignore[attr-defined]
    sql = f"SELECT r.id FROM {source} WHERE {where} AND {extra}"
    if isinstance(store, SQLiteStore):
        db = store._connection()
        plan = " ".join(
            str(tuple(r)) for r in db.execute(f"EXPLAIN QUERY PLAN {sql}", [*args, *more])
        )
        assert "SCAN t VIRTUAL TABLE INDEX 2:" in plan, plan  # the R*Tree, by range
    else:
        assert isinstance(store, PostGISStore)
        with store._connection() as conn:
            conn.execute("ANALYZE records")
            conn.execute("SET enable_seqscan = off")  # a tiny table: ask whether it *can*
            rows = conn.execute("EXPLAIN " + sql.replace("?", "%s"), [*args, *more]).fetchall()
        plan = " ".join(str(r) for r in rows)
        assert "records_geom" in plan, plan
    assert store.query(C, Query(bbox=(-74.0, 4.5, -73.95, 4.7), limit=100), caller)[1] == 51


def test_a_write_through_one_store_object_is_seen_by_another_at_once(store_url: str) -> None:
    """Two store objects stand for two processes: versions and answers agree immediately."""
    from geomap.registry.store import open_store

    a, b = open_store(store_url), open_store(store_url)
    try:
        assert b.collection_version(C) == 0
        r = a.create(C, place("x-1", "bogota"), ADMIN)
        assert b.collection_version(C) == 1
        assert b.get(C, "x-1", ANONYMOUS) == r
        a.retire(C, "x-1", r.etag, ADMIN)
        assert b.collection_version(C) == 2
        with pytest.raises(NotFoundError):
            b.get(C, "x-1", ANONYMOUS)
        token = a.create_token("t", "partner")
        assert b.authenticate(token).name == "t"
        a.revoke_token("t")
        with pytest.raises(AuthenticationError):
            b.authenticate(token)
    finally:
        a.close()
        b.close()


def test_postgis_notifies_every_committed_write(pg_cluster) -> None:
    import threading

    from geomap.registry.store import PostGISStore

    store = PostGISStore(pg_cluster.new_database())
    try:
        heard: list[tuple[str, int]] = []
        ready = threading.Event()

        def listen() -> None:
            changes = store.changes(timeout_s=30)
            ready.set()
            for change in changes:
                heard.append(change)
                if len(heard) == 2:
                    return

        listener = threading.Thread(target=listen)
        listener.start()
        ready.wait(10)
        import time

        time.sleep(0.5)  # the generator starts listening on first next(): give it the chance
        r = store.create(C, place("n-1"), ADMIN)
        store.replace(C, place("n-1", capacity=2), r.etag, ADMIN)
        listener.join(30)
        assert heard == [(C, 1), (C, 2)]
    finally:
        store.close()
