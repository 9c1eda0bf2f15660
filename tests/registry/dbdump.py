"""Reading a store's tables behind its back, on either store (for equality checks)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from geomap.registry.store import PostGISStore, RegistryStore, SQLiteStore

TABLES = ("records", "versions", "tokens", "collection_versions", "proposals", "feedback")


def table_rows(store: RegistryStore) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every registry table, read on a separate connection."""
    if isinstance(store, SQLiteStore):
        db = sqlite3.connect(store.path)
        try:
            tables = (*TABLES, "records_rtree", "meta")
            return {
                t: sorted(db.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in tables
            }
        finally:
            db.close()
    assert isinstance(store, PostGISStore)
    import psycopg

    with psycopg.connect(store.url) as conn:
        out = {}
        for t in TABLES:
            rows = conn.execute(f"SELECT * FROM {t}").fetchall()  # type: ignore[arg-type]
            out[t] = sorted((tuple(r) for r in rows), key=repr)
        return out


def scalar(store: RegistryStore, sql: str) -> Any:
    """One value of a query run on a separate connection."""
    if isinstance(store, SQLiteStore):
        with sqlite3.connect(store.path) as db:
            value = db.execute(sql).fetchone()[0]
        db.close()
        return value
    import psycopg

    assert isinstance(store, PostGISStore)
    with psycopg.connect(store.url) as conn:
        row = conn.execute(sql).fetchone()  # type: ignore[arg-type]
        assert row is not None
        return row[0]


def raw_bytes(store: RegistryStore) -> bytes:
    """What the database holds, as bytes: the SQLite files, or every PostGIS table's rows."""
    if isinstance(store, SQLiteStore):
        path = store.path
        return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
    return repr(table_rows(store)).encode()
