"""The registry in one SQLite file: the embedded default.

WAL journal and ``synchronous=FULL``; every write is one ``BEGIN IMMEDIATE`` transaction (the
ETag check, the new state, the new history version, the spatial index and the collection
counter commit together or not at all). The spatial index is SQLite's R*Tree module, updated
in the same transaction, so every process sharing the file sees a live, consistent index.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from geomap.registry.store.core import Cursor, Row
from geomap.registry.store.feedback import FeedbackMixin
from geomap.registry.store.imports import ImportsMixin
from geomap.registry.store.monitoring import MonitoringMixin
from geomap.registry.store.proposals import ProposalsMixin
from geomap.registry.store.records import BBox
from geomap.registry.store.schema import SCHEMA_VERSION, check_version
from geomap.registry.store.tokens import TokensMixin

_TABLES_V1 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE records (
    rid INTEGER PRIMARY KEY,
    collection TEXT NOT NULL,
    id TEXT NOT NULL,
    version INTEGER NOT NULL,
    etag TEXT NOT NULL,
    retired INTEGER NOT NULL DEFAULT 0,
    visibility TEXT NOT NULL,
    country TEXT,
    kind TEXT,
    status TEXT,
    services TEXT NOT NULL DEFAULT '',
    properties TEXT NOT NULL,
    geometry TEXT NOT NULL,
    minx REAL NOT NULL,
    miny REAL NOT NULL,
    maxx REAL NOT NULL,
    maxy REAL NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    UNIQUE (collection, id)
);
CREATE VIRTUAL TABLE records_rtree USING rtree(rid, minx, maxx, miny, maxy);
CREATE TABLE versions (
    collection TEXT NOT NULL,
    id TEXT NOT NULL,
    version INTEGER NOT NULL,
    op TEXT NOT NULL,
    retired INTEGER NOT NULL,
    properties TEXT NOT NULL,
    geometry TEXT NOT NULL,
    changed TEXT NOT NULL,
    who TEXT NOT NULL,
    at TEXT NOT NULL,
    why TEXT NOT NULL,
    PRIMARY KEY (collection, id, version)
);
CREATE TABLE tokens (
    hash TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    countries TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX records_filter ON records (collection, retired, country, kind, status);
INSERT INTO meta VALUES ('schema_version', '1');
"""

#: Migration 1 -> 2 (see :mod:`geomap.registry.store.schema`).
_MIGRATE_1_TO_2 = """
CREATE TABLE schema_version (version INTEGER NOT NULL);
INSERT INTO schema_version VALUES (2);
DELETE FROM meta WHERE key = 'schema_version';
CREATE TABLE collection_versions (collection TEXT PRIMARY KEY, version INTEGER NOT NULL);
INSERT INTO collection_versions
    SELECT substr(key, 9), CAST(value AS INTEGER) FROM meta WHERE key LIKE 'version:%';
DELETE FROM meta WHERE key LIKE 'version:%';
ALTER TABLE versions ADD COLUMN visibility TEXT NOT NULL DEFAULT 'public';
ALTER TABLE versions ADD COLUMN country TEXT;
ALTER TABLE versions ADD COLUMN proposed_by TEXT;
UPDATE versions SET visibility = coalesce(json_extract(properties, '$.visibility'), 'public'),
    country = json_extract(properties, '$.country');
CREATE TABLE proposals (
    id TEXT PRIMARY KEY,
    collection TEXT NOT NULL,
    feature_id TEXT NOT NULL,
    status TEXT NOT NULL,
    base_version INTEGER,
    country TEXT,
    record_country TEXT,
    visibility TEXT NOT NULL,
    properties TEXT NOT NULL,
    geometry TEXT NOT NULL,
    proposed_by TEXT NOT NULL,
    proposed_at TEXT NOT NULL,
    why TEXT NOT NULL,
    decided_by TEXT,
    decided_at TEXT,
    reason TEXT
);
CREATE INDEX proposals_by_collection ON proposals (collection, status, country);
CREATE TABLE feedback (
    id INTEGER PRIMARY KEY,
    place TEXT NOT NULL,
    country TEXT,
    kind TEXT NOT NULL,
    note TEXT,
    received_on TEXT NOT NULL
);
CREATE INDEX feedback_by_country ON feedback (country);
"""

#: Migration 2 -> 3: monitoring tables (no personal data; see
#: :mod:`geomap.registry.monitoring`). Records without geometry need no change here: they
#: keep ``"null"`` as geometry and stay out of the R*Tree.
_MIGRATE_2_TO_3 = """
CREATE TABLE referral_logs (
    id INTEGER PRIMARY KEY,
    pathway TEXT NOT NULL,
    need TEXT NOT NULL,
    country TEXT NOT NULL,
    area TEXT NOT NULL,
    month TEXT NOT NULL,
    population TEXT NOT NULL,
    to_step TEXT NOT NULL
);
CREATE INDEX referral_logs_by_country ON referral_logs (country, month);
CREATE TABLE rumours (
    id INTEGER PRIMARY KEY,
    topic TEXT NOT NULL,
    country TEXT NOT NULL,
    area TEXT NOT NULL,
    week TEXT NOT NULL
);
CREATE INDEX rumours_by_country ON rumours (country, week);
UPDATE schema_version SET version = 3;
"""

#: Each step takes the schema from version ``n`` to ``n + 1``.
MIGRATIONS = {1: _MIGRATE_1_TO_2, 2: _MIGRATE_2_TO_3}


def _script(db: sqlite3.Connection, script: str) -> None:
    """Run statements one by one inside the open transaction (``executescript`` commits)."""
    for statement in script.split(";\n"):
        if statement.strip():
            db.execute(statement)


class _SQLiteCursor:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def all(self, sql: str, args: Sequence[Any] = ()) -> list[Row]:
        return list(self.db.execute(sql, tuple(args)).fetchall())

    def one(self, sql: str, args: Sequence[Any] = ()) -> Row | None:
        row: Row | None = self.db.execute(sql, tuple(args)).fetchone()
        return row

    def run(self, sql: str, args: Sequence[Any] = ()) -> int:
        return int(self.db.execute(sql, tuple(args)).rowcount)

    def send(self, sql: str, args: Sequence[Any] = ()) -> None:
        self.db.execute(sql, tuple(args))


class SQLiteStore(ProposalsMixin, FeedbackMixin, MonitoringMixin, ImportsMixin, TokensMixin):
    """The registry in one SQLite file.

    Parameters
    ----------
    path : str or os.PathLike
        The database file (created with its folder if missing; migrated if older).
    busy_timeout_s : float
        How long a writer waits for another writer's transaction.

    Raises
    ------
    RegistrySchemaError
        If the file has a schema version newer than this geomap knows.
    """

    def __init__(self, path: str | os.PathLike[str], *, busy_timeout_s: float = 60.0) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._busy_ms = int(busy_timeout_s * 1000)
        self._local = threading.local()
        self._open_schema()

    def __repr__(self) -> str:
        return f"SQLiteStore({str(self.path)!r})"

    # ------------------------------------------------------------------ schema
    def schema_version(self) -> int:
        """The schema version of the file (0 for an empty file)."""
        db = self._connection()
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "schema_version" in tables:
            return int(db.execute("SELECT version FROM schema_version").fetchone()[0])
        if "records" in tables:
            row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            return int(row[0]) if row else 1
        return 0

    def _open_schema(self) -> None:
        db = self._connection()
        db.execute("BEGIN IMMEDIATE")
        try:
            found = self.schema_version()
            if found == 0:
                _script(db, _TABLES_V1)
                found = 1
            check_version(found, where=str(self.path))
            while found < SCHEMA_VERSION:
                _script(db, MIGRATIONS[found])
                found += 1
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    # ------------------------------------------------------------------ connections
    def _connection(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            db.row_factory = sqlite3.Row
            db.execute(f"PRAGMA busy_timeout = {self._busy_ms}")
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = FULL")
            self._local.db = db
        return db

    def close(self) -> None:
        """Close this thread's connection."""
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None

    @contextmanager
    def _reading(self) -> Iterator[Cursor]:
        yield _SQLiteCursor(self._connection())

    @contextmanager
    def _transaction(self, lock: str) -> Iterator[Cursor]:
        db = self._connection()
        db.execute("BEGIN IMMEDIATE")  # one writer at a time for the whole file
        try:
            yield _SQLiteCursor(db)
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    # ------------------------------------------------------------------ spatial index
    def _spatial(self, geometry: str) -> tuple[str, str, list[Any]]:
        return "", "", []

    def _indexed(self, cur: Cursor, rid: int, box: BBox, *, new: bool) -> None:
        west, south, east, north = box
        if not new:  # delete and reinsert: the record may have gained or lost its geometry
            cur.send("DELETE FROM records_rtree WHERE rid = ?", (rid,))
        if west <= east:  # records without geometry (NO_BOUNDS) stay out of the spatial index
            cur.send(
                "INSERT INTO records_rtree VALUES (?, ?, ?, ?, ?)", (rid, west, east, south, north)
            )

    def _bbox_source(self, bbox: BBox) -> tuple[str, str, list[Any]]:
        # start from the R*Tree's candidates rather than scanning the collection
        west, south, east, north = bbox
        return (
            "records_rtree t CROSS JOIN records r",
            "t.rid = r.rid AND t.minx <= ? AND t.maxx >= ? AND t.miny <= ? AND t.maxy >= ?",
            [east, west, north, south],
        )

    def integrity_check(self) -> str:
        """SQLite's ``PRAGMA integrity_check`` and the R*Tree check (``ok`` when sound)."""
        db = self._connection()
        result = str(db.execute("PRAGMA integrity_check").fetchone()[0])
        if result != "ok":
            return result
        return str(db.execute("SELECT rtreecheck('records_rtree')").fetchone()[0])
