"""Schema versions: checked at open on both stores, older SQLite files migrated, newer refused."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from geomap.errors import GeomapError, RegistrySchemaError
from geomap.registry.access import ANONYMOUS
from geomap.registry.store import SCHEMA_VERSION, Query, RegistryStore, open_store
from geomap.registry.store.sqlite import _TABLES_V1, _script
from tests.registry.dbdump import scalar
from tests.registry.placegen import ADMIN, place

C = "places"


def _version_one_file(path: Path) -> None:
    """A registry file as geomap wrote it before schema versions 2 (one record, 2 versions)."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("BEGIN")
    _script(db, _TABLES_V1)
    props = '{"kind":"support_space","country":"CO","visibility":"restricted","name":{"es":"A"}}'
    geom = '{"type":"Point","coordinates":[-74.1,4.6]}'
    db.execute(
        "INSERT INTO records VALUES (1, 'places', 'old-1', 2, 'e2', 0, 'restricted', 'CO', "
        "'support_space', NULL, ' food ', ?, ?, -74.1, 4.6, -74.1, 4.6, 't2', 'someone')",
        (props, geom),
    )
    db.execute("INSERT INTO records_rtree VALUES (1, -74.1, -74.1, 4.6, 4.6)")
    for version, op in ((1, "create"), (2, "replace")):
        db.execute(
            "INSERT INTO versions VALUES ('places', 'old-1', ?, ?, 0, ?, ?, '[\"*\"]', 'someone', "
            "'t', 'why')",
            (version, op, props, geom),
        )
    db.execute("INSERT INTO meta VALUES ('version:places', '2')")
    db.execute("COMMIT")
    db.close()


def test_a_version_one_sqlite_file_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    _version_one_file(path)
    store = open_store(path)
    try:
        assert store.schema_version() == SCHEMA_VERSION == 3
        assert store.collection_version(C) == 2
        assert store.get(C, "old-1", ADMIN).version == 2
        # visibility of the history now works in SQL from the migrated columns
        assert [v.version for v in store.history(C, "old-1", ADMIN)] == [1, 2]
        assert store.query(C, Query(), ANONYMOUS) == ([], 0)
        assert scalar(store, "SELECT COUNT(*) FROM versions WHERE visibility = 'restricted'") == 2
        assert store.integrity_check() == "ok"
        r = store.replace(C, place("old-1", "bogota"), store.get(C, "old-1", ADMIN).etag, ADMIN)
        assert r.version == 3
        assert store.collection_version(C) == 3
        assert proposals_and_feedback_work(store)
        from geomap.registry.monitoring import RumourRow

        store.record_rumour(RumourRow("deportation", "BR", "", "2026-03-02"), ADMIN)
        assert store.rumour_counts() == [("BR", "", "2026-03-02", "deportation", 1)]
    finally:
        store.close()
    again = open_store(path)  # opening a current file changes nothing
    assert again.schema_version() == 3
    again.close()


def proposals_and_feedback_work(store: RegistryStore) -> bool:
    store.create(C, place("pub-1", "bogota"), ADMIN)
    store.add_feedback("pub-1", "closed")
    return len(store.list_feedback(ADMIN)) == 1


def _set_version(store: RegistryStore, url: str, version: int) -> None:
    if url.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(url) as conn:
            conn.execute("UPDATE schema_version SET version = %s", (version,))
    else:
        with sqlite3.connect(url) as db:
            db.execute("UPDATE schema_version SET version = ?", (version,))
        db.close()


def test_a_newer_schema_is_refused_with_a_clear_message(store_url: str) -> None:
    store = open_store(store_url)
    store.create(C, place("p-1"), ADMIN)
    store.close()
    _set_version(store, store_url, 7)
    with pytest.raises(RegistrySchemaError) as info:
        open_store(store_url)
    message = str(info.value)
    assert "schema version 7" in message
    assert f"supports versions 1 to {SCHEMA_VERSION}" in message
    assert "upgrade geomap" in message
    assert "password" not in message
    assert isinstance(info.value, GeomapError)


def test_a_foreign_postgres_database_is_refused(pg_cluster) -> None:
    url = pg_cluster.new_database()
    import psycopg

    with psycopg.connect(url) as conn:
        conn.execute("CREATE TABLE records (x INTEGER)")
    with pytest.raises(RegistrySchemaError, match="not a geomap registry"):
        open_store(url)


def test_open_store_picks_the_store_from_the_url(tmp_path: Path, pg_cluster) -> None:
    from geomap.registry.store import PostGISStore, SQLiteStore

    plain = open_store(tmp_path / "a.sqlite")
    url = open_store(f"sqlite:///{tmp_path}/b.sqlite")
    pg = open_store(pg_cluster.new_database())
    try:
        assert isinstance(plain, SQLiteStore)
        assert isinstance(url, SQLiteStore)
        assert url.path == tmp_path / "b.sqlite"
        assert isinstance(pg, PostGISStore)
        for s in (plain, url, pg):
            assert isinstance(s, RegistryStore)
    finally:
        for s in (plain, url, pg):
            s.close()
    with pytest.raises(GeomapError, match="unknown registry URL scheme 'mysql'"):
        open_store("mysql://x/y")


def test_an_unreachable_database_is_a_clear_error() -> None:
    from geomap.errors import ServiceUnavailableError
    from geomap.registry.store import PostGISStore

    with pytest.raises(ServiceUnavailableError) as info:
        PostGISStore("postgresql://u:secret@127.0.0.1:1/x", timeout_s=1)
    assert "secret" not in str(info.value)
    assert "u:***@127.0.0.1:1" in str(info.value)


def test_a_version_two_postgis_database_is_migrated_to_hold_records_without_geometry(
    pg_cluster: Any,
) -> None:
    import psycopg

    from geomap.registry.messages import validate_message
    from geomap.registry.monitoring import RumourRow
    from geomap.registry.store.postgis import _SCHEMA_V2
    from tests.paths import DATA

    url = str(pg_cluster.new_database())
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        for statement in _SCHEMA_V2.split(";\n"):
            if statement.strip():
                conn.execute(statement)
        conn.execute(
            "INSERT INTO records (collection, id, version, etag, visibility, country, "
            "properties, geometry, minx, miny, maxx, maxy, updated_at, updated_by, geom) "
            "VALUES ('places', 'old-1', 1, 'e1', 'public', 'CO', '{}', "
            '\'{"type":"Point","coordinates":[-74.1,4.6]}\', -74.1, 4.6, -74.1, 4.6, \'t\', '
            "'someone', ST_SetSRID(ST_MakePoint(-74.1, 4.6), 4326))"
        )
    store = open_store(url)
    try:
        assert store.schema_version() == SCHEMA_VERSION == 3
        features = json.loads(
            (DATA / "porto_alegre" / "sample_messages.geojson").read_text(encoding="utf-8")
        )["features"]
        store.create("messages", validate_message(features[0]), ADMIN)
        assert store.get("messages", features[0]["id"], ANONYMOUS).geometry is None
        assert store.extent("messages", ADMIN) is None
        store.record_rumour(RumourRow("deportation", "BR", "", "2026-03-02"), ADMIN)
        assert store.rumour_counts() == [("BR", "", "2026-03-02", "deportation", 1)]
    finally:
        store.close()
