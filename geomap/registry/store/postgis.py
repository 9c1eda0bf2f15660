"""The registry on PostgreSQL/PostGIS, for deployments with several API processes or hosts.

Chosen by ``GEOMAP_REGISTRY_URL=postgresql://…``. Same behaviour as the SQLite store:
versions and history, retire and restore, strong ETags of the same shape, visibility applied
in SQL, tokens. Geometries are ``geometry(Geometry, 4326)`` with a GiST index that bbox
queries use for candidates (exact bounds then decide, as on SQLite). Every write is one
transaction that first takes a transaction-scoped advisory lock on its collection, so writers
of one collection are serialized (as SQLite's ``BEGIN IMMEDIATE`` does for the file) and the
ETag check, the new version and the counter commit together.

Freshness across processes: :meth:`collection_version` reads one row over a pooled
connection, cheap enough for every request, so no process answers from a stale cache; each
write also sends ``NOTIFY geomap_registry, '<collection> <version>'`` at commit, which
:meth:`PostGISStore.changes` yields for processes that prefer to listen.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any, cast

from geomap.errors import RegistrySchemaError, ServiceUnavailableError
from geomap.registry.store.core import Cursor, Row
from geomap.registry.store.feedback import FeedbackMixin
from geomap.registry.store.imports import ImportsMixin
from geomap.registry.store.monitoring import MonitoringMixin
from geomap.registry.store.proposals import ProposalsMixin
from geomap.registry.store.records import BBox
from geomap.registry.store.schema import SCHEMA_VERSION, check_version
from geomap.registry.store.tokens import TokensMixin

CHANNEL = "geomap_registry"

_SCHEMA_V2 = """
CREATE TABLE schema_version (version INTEGER NOT NULL);
INSERT INTO schema_version VALUES (2);
CREATE TABLE collection_versions (collection TEXT PRIMARY KEY, version BIGINT NOT NULL);
CREATE TABLE records (
    rid BIGSERIAL PRIMARY KEY,
    collection TEXT NOT NULL,
    id TEXT COLLATE "C" NOT NULL,
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
    minx DOUBLE PRECISION NOT NULL,
    miny DOUBLE PRECISION NOT NULL,
    maxx DOUBLE PRECISION NOT NULL,
    maxy DOUBLE PRECISION NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    geom geometry(Geometry, 4326) NOT NULL,
    UNIQUE (collection, id)
);
CREATE INDEX records_geom ON records USING gist (geom);
CREATE INDEX records_filter ON records (collection, retired, country, kind, status);
CREATE TABLE versions (
    collection TEXT NOT NULL,
    id TEXT COLLATE "C" NOT NULL,
    version INTEGER NOT NULL,
    op TEXT NOT NULL,
    retired INTEGER NOT NULL,
    visibility TEXT NOT NULL,
    country TEXT,
    properties TEXT NOT NULL,
    geometry TEXT NOT NULL,
    changed TEXT NOT NULL,
    who TEXT NOT NULL,
    at TEXT NOT NULL,
    why TEXT NOT NULL,
    proposed_by TEXT,
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
CREATE TABLE proposals (
    id TEXT PRIMARY KEY,
    collection TEXT NOT NULL,
    feature_id TEXT COLLATE "C" NOT NULL,
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
    id BIGSERIAL PRIMARY KEY,
    place TEXT NOT NULL,
    country TEXT,
    kind TEXT NOT NULL,
    note TEXT,
    received_on TEXT NOT NULL
);
CREATE INDEX feedback_by_country ON feedback (country);
"""

#: Migration 2 -> 3: records without geometry (``geom`` NULL, which GiST leaves out) and the
#: monitoring tables (no personal data; see :mod:`geomap.registry.monitoring`).
_MIGRATE_2_TO_3 = """
ALTER TABLE records ALTER COLUMN geom DROP NOT NULL;
CREATE TABLE referral_logs (
    id BIGSERIAL PRIMARY KEY,
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
    id BIGSERIAL PRIMARY KEY,
    topic TEXT NOT NULL,
    country TEXT NOT NULL,
    area TEXT NOT NULL,
    week TEXT NOT NULL
);
CREATE INDEX rumours_by_country ON rumours (country, week);
"""

#: Each step takes the PostGIS schema from version ``n`` to ``n + 1`` (it starts at 2).
MIGRATIONS: dict[int, str] = {2: _MIGRATE_2_TO_3}


def redact(url: str) -> str:
    """The URL without its password (for messages)."""
    return re.sub(r"(//[^/:@]*):[^@/]*@", r"\1:***@", url)


class _PGCursor:
    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def all(self, sql: str, args: Sequence[Any] = ()) -> list[Row]:
        return list(self.conn.execute(sql.replace("?", "%s"), tuple(args)).fetchall())

    def one(self, sql: str, args: Sequence[Any] = ()) -> Row | None:
        row: Row | None = self.conn.execute(sql.replace("?", "%s"), tuple(args)).fetchone()
        return row

    def run(self, sql: str, args: Sequence[Any] = ()) -> int:
        return int(self.conn.execute(sql.replace("?", "%s"), tuple(args)).rowcount)

    def send(self, sql: str, args: Sequence[Any] = ()) -> None:
        self.conn.execute(sql.replace("?", "%s"), tuple(args))


class PostGISStore(ProposalsMixin, FeedbackMixin, MonitoringMixin, ImportsMixin, TokensMixin):
    """The registry in a PostgreSQL database with PostGIS.

    Parameters
    ----------
    url : str
        A libpq URL, ``postgresql://user:password@host:port/database``.
    max_connections : int
        Size of the connection pool (threads beyond it wait for a connection).
    timeout_s : float
        How long to wait for the database at start and for a pooled connection.

    Raises
    ------
    ServiceUnavailableError
        If the database cannot be reached or PostGIS is not installed there.
    RegistrySchemaError
        If the database has a schema version newer than this geomap knows, or tables that
        are not a geomap registry's.
    """

    DIALECT = "postgis"

    def __init__(self, url: str, *, max_connections: int = 10, timeout_s: float = 60.0) -> None:
        from psycopg.rows import dict_row
        from psycopg_pool import ConnectionPool, PoolTimeout

        self.url = url
        self._owner = threading.get_ident()
        self._lock = threading.Lock()
        self._closed = False

        def new_pool() -> Any:
            pool = ConnectionPool(
                url,
                min_size=1,
                max_size=max_connections,
                kwargs={"row_factory": dict_row, "autocommit": True},
                timeout=timeout_s,
                open=False,
                name="geomap-registry",
            )
            try:
                pool.open(wait=True, timeout=timeout_s)
            except PoolTimeout:
                pool.close()
                raise ServiceUnavailableError(
                    f"cannot reach the registry database {redact(url)} (within {timeout_s:.0f} s)"
                ) from None
            return pool

        self._new_pool = new_pool
        self.pool = new_pool()
        try:
            self._open_schema()
        except BaseException:
            self.pool.close()
            raise

    def __repr__(self) -> str:
        return f"PostGISStore({redact(self.url)!r})"

    # ------------------------------------------------------------------ schema
    def schema_version(self) -> int:
        """The schema version of the database (0 when it holds no registry yet)."""
        with self._reading() as cur:
            return self._found_version(cur)

    @staticmethod
    def _found_version(cur: Cursor) -> int:
        row = cur.one("SELECT to_regclass('schema_version') AS sv, to_regclass('records') AS r")
        assert row is not None
        if row["sv"] is None:
            if row["r"] is not None:
                raise RegistrySchemaError(
                    "the database has a 'records' table but no schema_version: it is not a "
                    "geomap registry this geomap can open"
                )
            return 0
        version = cur.one("SELECT max(version) AS v FROM schema_version")
        return int(version["v"]) if version and version["v"] is not None else 0

    def _open_schema(self) -> None:
        import psycopg

        with self._transaction("schema") as cur:
            found = self._found_version(cur)
            if found == 0:
                try:
                    cur.run("CREATE EXTENSION IF NOT EXISTS postgis")
                except psycopg.Error as exc:
                    why = exc.diag.message_primary
                    raise ServiceUnavailableError(
                        f"PostGIS is not available in {redact(self.url)}: {why}"
                    ) from None
                for statement in _SCHEMA_V2.split(";\n"):
                    if statement.strip():
                        cur.run(statement)
                found = 2
            check_version(found, where=redact(self.url))
            while found < SCHEMA_VERSION:
                for statement in MIGRATIONS[found].split(";\n"):
                    if statement.strip():
                        cur.run(statement)
                found += 1
                cur.run("UPDATE schema_version SET version = ?", (found,))

    # ------------------------------------------------------------------ connections
    def close(self) -> None:
        """Close the pool, when called by the thread that opened the store.

        Other threads hold no connection between calls (each call returns its connection to
        the pool), so for them this does nothing. A closed store reopens its pool if used
        again.
        """
        if threading.get_ident() == self._owner:
            with self._lock:
                self.pool.close()
                self._closed = True

    def _connection(self) -> Any:
        if self._closed:
            with self._lock:
                if self._closed:
                    self.pool = self._new_pool()
                    self._closed = False
        return self.pool.connection()

    @contextmanager
    def _reading(self) -> Iterator[Cursor]:
        with self._connection() as conn:
            yield _PGCursor(conn)

    @contextmanager
    def _transaction(self, lock: str) -> Iterator[Cursor]:
        with self._connection() as conn, conn.transaction():
            cur = _PGCursor(conn)
            cur.one("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", (f"geomap:{lock}",))
            yield cur

    _needs_rid = False  # the GiST index lives in records itself

    def _bulk(self, cur: Cursor) -> AbstractContextManager[Any]:
        assert isinstance(cur, _PGCursor)
        return cast(AbstractContextManager[Any], cur.conn.pipeline())

    def _committing(self, cur: Cursor, collection: str, version: int) -> None:
        cur.one("SELECT pg_notify(?, ?)", (CHANNEL, f"{collection} {version}"))

    def changes(self, *, timeout_s: float | None = None) -> Iterator[tuple[str, int]]:
        """``(collection, version)`` for every write committed from now on, by any process.

        Listens on its own connection; stops after ``timeout_s`` without a notification.
        """
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f"LISTEN {CHANNEL}")
            for note in conn.notifies(timeout=timeout_s):
                collection, _, version = note.payload.rpartition(" ")
                yield collection, int(version)

    # ------------------------------------------------------------------ spatial index
    def _spatial(self, geometry: str) -> tuple[str, str, list[Any]]:
        # "null" (a record without geometry) becomes a NULL geom, which the GiST index skips
        return (
            ", geom",
            ", ST_SetSRID(ST_GeomFromGeoJSON(NULLIF(?::text, 'null')), 4326)",
            [geometry],
        )

    def _bbox_source(self, bbox: BBox) -> tuple[str, str, list[Any]]:
        # the GiST index finds candidates; the exact bounds in the shared WHERE decide
        return "records r", "r.geom && ST_MakeEnvelope(?, ?, ?, ?, 4326)", list(bbox)

    def integrity_check(self) -> str:
        """``ok`` when every record is in the spatial index and has its current version."""
        with self._transaction("check") as cur:
            total = cur.one("SELECT count(*) AS n FROM records WHERE geom IS NOT NULL")
            cur.run("SET LOCAL enable_seqscan = off")
            indexed = cur.one(
                "SELECT count(*) AS n FROM records "
                "WHERE geom && ST_MakeEnvelope(-180, -90, 180, 90, 4326)"
            )
            orphans = cur.one(
                "SELECT count(*) AS n FROM records r LEFT JOIN versions v ON "
                "v.collection = r.collection AND v.id = r.id AND v.version = r.version "
                "WHERE v.id IS NULL"
            )
        assert total
        assert indexed
        assert orphans
        if total["n"] != indexed["n"]:
            return f"{total['n']} records but {indexed['n']} found through the spatial index"
        if orphans["n"]:
            return f"{orphans['n']} records without their current version"
        return "ok"
