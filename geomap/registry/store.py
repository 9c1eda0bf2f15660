"""The versioned registry store on SQLite.

One SQLite file (WAL journal, ``synchronous=FULL``) holds every collection. Each write runs in
one ``BEGIN IMMEDIATE`` transaction: the ETag check, the new current state, the new history
version and the spatial index update commit together or not at all. Nothing is overwritten or
hard-deleted: every change adds a version (who, when, what changed, why); retiring a record
hides it and keeps its history; any version can be restored.

The spatial index is SQLite's R*Tree module, updated in the same transaction as the record, so
every process sharing the file sees a live, consistent index.

:class:`RegistryStore` is the interface callers use; a PostGIS store can implement it later.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from geomap.errors import (
    AuthenticationError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    PreconditionFailedError,
    RegistryValidationError,
)
from geomap.registry.access import ROLES, Caller, hash_token, new_token

SCHEMA_VERSION = 1
BBox = tuple[float, float, float, float]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS records (
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
CREATE VIRTUAL TABLE IF NOT EXISTS records_rtree USING rtree(rid, minx, maxx, miny, maxy);
CREATE TABLE IF NOT EXISTS versions (
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
CREATE TABLE IF NOT EXISTS tokens (
    hash TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    countries TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX IF NOT EXISTS records_filter ON records (collection, retired, country, kind, status);
"""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _canonical(properties: dict[str, Any], geometry: dict[str, Any]) -> str:
    return json.dumps([properties, geometry], sort_keys=True, separators=(",", ":"))


def _etag(collection: str, fid: str, version: int, content: str) -> str:
    digest = hashlib.sha256(f"{collection}\0{fid}\0{version}\0{content}".encode())
    return digest.hexdigest()[:32]


#: The bounds of a record without geometry (``"geometry": null``, RFC 7946 §3.2): an empty box
#: that no bbox query matches and that extents leave out.
NO_BOUNDS: BBox = (math.inf, math.inf, -math.inf, -math.inf)


def _bounds(geometry: dict[str, Any] | None) -> BBox:
    """Bounding box of a GeoJSON Point or (Multi)Polygon; :data:`NO_BOUNDS` for null."""
    if geometry is None:
        return NO_BOUNDS

    def points(coords: Any) -> Iterator[Sequence[float]]:
        if coords and isinstance(coords[0], int | float):
            yield coords
        else:
            for c in coords:
                yield from points(c)

    xs, ys = zip(*((p[0], p[1]) for p in points(geometry["coordinates"])), strict=True)
    return min(xs), min(ys), max(xs), max(ys)


class Item(Protocol):
    """What the store writes: a validated feature (a place, a risk zone ...)."""

    @property
    def id(self) -> str:
        """Stable id."""
        ...

    @property
    def properties(self) -> dict[str, Any]:
        """Validated properties (``country`` and ``visibility`` drive access)."""
        ...

    def geometry(self) -> dict[str, Any]:
        """RFC 7946 geometry."""
        ...


@dataclass(frozen=True)
class Record:
    """The current state of a record."""

    collection: str
    id: str
    version: int
    etag: str
    properties: dict[str, Any]
    geometry: dict[str, Any]
    retired: bool
    updated_at: str
    updated_by: str

    def to_feature(self) -> dict[str, Any]:
        """The record as an RFC 7946 Feature (with its version among the properties)."""
        return {
            "type": "Feature",
            "id": self.id,
            "geometry": self.geometry,
            "properties": {**self.properties, "version": self.version},
        }


@dataclass(frozen=True)
class Version:
    """One entry of a record's history."""

    version: int
    op: str
    retired: bool
    properties: dict[str, Any]
    geometry: dict[str, Any]
    changed: list[str]
    who: str
    at: str
    why: str
    etag: str = ""


@dataclass
class ImportReport:
    """What an import did (or, for a dry run, would do)."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    dry_run: bool = False

    def summary(self) -> dict[str, int]:
        """Counts per outcome."""
        return {
            "created": len(self.created),
            "updated": len(self.updated),
            "unchanged": len(self.unchanged),
            "retired": len(self.retired),
        }


@dataclass(frozen=True)
class Query:
    """A filtered, paged query of a collection."""

    bbox: BBox | None = None
    kind: str | None = None
    status: str | None = None
    country: str | None = None
    services: tuple[str, ...] = ()
    limit: int = 10
    offset: int = 0


class RegistryStore(Protocol):
    """What callers need of a registry store (SQLite now; PostGIS later)."""

    def get(self, collection: str, fid: str, caller: Caller) -> Record:
        """The current record, if the caller may see it; else :class:`NotFoundError`."""
        ...

    def query(self, collection: str, query: Query, caller: Caller) -> tuple[list[Record], int]:
        """Records matching the query that the caller may see, and how many match in all."""
        ...

    def extent(self, collection: str, caller: Caller) -> BBox | None:
        """Bounding box of the records the caller may see."""
        ...

    def create(self, collection: str, place: Item, caller: Caller, why: str) -> Record:
        """Add a new record."""
        ...

    def replace(
        self, collection: str, place: Item, if_match: str, caller: Caller, why: str
    ) -> Record:
        """Replace a record's content, if its ETag is still ``if_match``."""
        ...

    def retire(self, collection: str, fid: str, if_match: str, caller: Caller, why: str) -> Record:
        """Retire a record (hidden, history kept)."""
        ...

    def restore(
        self, collection: str, fid: str, version: int, *, if_match: str, caller: Caller, why: str
    ) -> Record:
        """Make an old version current again, as a new version."""
        ...

    def history(self, collection: str, fid: str, caller: Caller) -> list[Version]:
        """Every version of a record the caller may see."""
        ...

    def import_places(
        self,
        collection: str,
        places: Sequence[Item],
        caller: Caller,
        why: str,
        *,
        dry_run: bool = False,
        retire_missing: bool = False,
    ) -> ImportReport:
        """Create, update or retire records to match a validated collection, all or nothing."""
        ...

    def count(self, collection: str, caller: Caller) -> int:
        """How many current records of the collection the caller may see."""
        ...

    def collection_version(self, collection: str) -> int:
        """A counter that changes with every write to the collection (cheap to read)."""
        ...

    def authenticate(self, token: str) -> Caller:
        """The caller an API token stands for."""
        ...

    def create_token(self, name: str, role: str, countries: Iterable[str] = ()) -> str:
        """A new API token (only its hash is kept)."""
        ...

    def revoke_token(self, name: str) -> None:
        """Revoke a token by name."""
        ...

    def list_tokens(self) -> list[dict[str, Any]]:
        """Every token's name, role, countries and dates (never the secret)."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


class SQLiteStore:
    """The registry in one SQLite file.

    Parameters
    ----------
    path : str or os.PathLike
        The database file (created with its folder if missing).
    busy_timeout_s : float
        How long a writer waits for another writer's transaction.
    """

    def __init__(self, path: str | os.PathLike[str], *, busy_timeout_s: float = 60.0) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._busy_ms = int(busy_timeout_s * 1000)
        self._local = threading.local()
        db = self._connection()
        db.executescript(_SCHEMA)
        db.execute(
            "INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
        )

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
    def _write(self) -> Iterator[sqlite3.Connection]:
        db = self._connection()
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    # ------------------------------------------------------------------ reading
    @staticmethod
    def _record(row: sqlite3.Row) -> Record:
        return Record(
            collection=row["collection"],
            id=row["id"],
            version=row["version"],
            etag=row["etag"],
            properties=json.loads(row["properties"]),
            geometry=json.loads(row["geometry"]),
            retired=bool(row["retired"]),
            updated_at=row["updated_at"],
            updated_by=row["updated_by"],
        )

    def _row(self, db: sqlite3.Connection, collection: str, fid: str) -> sqlite3.Row | None:
        row: sqlite3.Row | None = db.execute(
            "SELECT * FROM records WHERE collection = ? AND id = ?", (collection, fid)
        ).fetchone()
        return row

    def get(self, collection: str, fid: str, caller: Caller) -> Record:
        """The current record, if it exists, is not retired and the caller may see it.

        Raises
        ------
        NotFoundError
            Otherwise (hidden and missing records are indistinguishable).
        """
        row = self._row(self._connection(), collection, fid)
        if row is None or row["retired"] or not caller.can_see(row["visibility"], row["country"]):
            raise NotFoundError(f"no item {fid!r} in collection {collection!r}")
        return self._record(row)

    def _where(self, collection: str, query: Query, caller: Caller) -> tuple[str, list[Any]]:
        seen, params = caller.visibility_sql("r")
        clauses = ["r.collection = ?", "r.retired = 0", seen]
        args: list[Any] = [collection, *params]
        for column in ("kind", "status", "country"):
            value = getattr(query, column)
            if value is not None:
                clauses.append(f"r.{column} = ?")
                args.append(value)
        for code in query.services:
            clauses.append("r.services LIKE ?")
            args.append(f"% {code} %")
        if query.bbox is not None:
            # exact bounds decide; the R*Tree (32-bit floats, rounded outwards) only finds
            # candidates (joined in by :meth:`query`)
            west, south, east, north = query.bbox
            clauses.append("r.minx <= ? AND r.maxx >= ? AND r.miny <= ? AND r.maxy >= ?")
            args += [east, west, north, south]
        return " AND ".join(clauses), args

    def query(self, collection: str, query: Query, caller: Caller) -> tuple[list[Record], int]:
        """Records matching ``query`` that ``caller`` may see, ordered by id, and the total."""
        where, args = self._where(collection, query, caller)
        source = "records r"
        if query.bbox is not None:
            # start from the R*Tree's candidates rather than scanning the collection
            west, south, east, north = query.bbox
            source = "records_rtree t CROSS JOIN records r"
            where += (
                " AND t.rid = r.rid AND t.minx <= ? AND t.maxx >= ? AND t.miny <= ? AND t.maxy >= ?"
            )
            args = [*args, east, west, north, south]
        db = self._connection()
        total = db.execute(f"SELECT COUNT(*) FROM {source} WHERE {where}", args).fetchone()[0]
        rows = db.execute(
            f"SELECT r.* FROM {source} WHERE {where} ORDER BY r.id LIMIT ? OFFSET ?",
            [*args, query.limit, query.offset],
        ).fetchall()
        return [self._record(r) for r in rows], int(total)

    def extent(self, collection: str, caller: Caller) -> BBox | None:
        """Bounding box of the records ``caller`` may see (None when there are none)."""
        where, args = self._where(collection, Query(), caller)
        row = (
            self._connection()
            .execute(
                f"SELECT MIN(r.minx), MIN(r.miny), MAX(r.maxx), MAX(r.maxy) FROM records r "
                f"WHERE {where} AND r.minx <= r.maxx",
                args,
            )
            .fetchone()
        )
        return None if row[0] is None else (row[0], row[1], row[2], row[3])

    def count(self, collection: str, caller: Caller) -> int:
        """How many current records ``caller`` may see."""
        return self.query(collection, Query(limit=0), caller)[1]

    def history(self, collection: str, fid: str, caller: Caller) -> list[Version]:
        """Every version of a record, oldest first, if the caller may see it (even retired)."""
        db = self._connection()
        row = self._row(db, collection, fid)
        if row is None or not caller.can_see(row["visibility"], row["country"]):
            raise NotFoundError(f"no item {fid!r} in collection {collection!r}")
        if row["retired"] and caller.is_anonymous:
            raise NotFoundError(f"no item {fid!r} in collection {collection!r}")
        rows = db.execute(
            "SELECT * FROM versions WHERE collection = ? AND id = ? ORDER BY version",
            (collection, fid),
        ).fetchall()
        rows = [r for r in rows if _version_visible(caller, r)]
        return [
            Version(
                version=r["version"],
                op=r["op"],
                retired=bool(r["retired"]),
                properties=json.loads(r["properties"]),
                geometry=json.loads(r["geometry"]),
                changed=json.loads(r["changed"]),
                who=r["who"],
                at=r["at"],
                why=r["why"],
                etag=_etag(
                    collection,
                    fid,
                    r["version"],
                    _canonical(json.loads(r["properties"]), json.loads(r["geometry"])),
                ),
            )
            for r in rows
        ]

    def collection_version(self, collection: str) -> int:
        """A counter that grows with every write to the collection (cache key for layers)."""
        row = (
            self._connection()
            .execute("SELECT value FROM meta WHERE key = ?", (f"version:{collection}",))
            .fetchone()
        )
        return int(row[0]) if row else 0

    # ------------------------------------------------------------------ writing
    def _put(
        self,
        db: sqlite3.Connection,
        collection: str,
        fid: str,
        properties: dict[str, Any],
        geometry: dict[str, Any],
        *,
        op: str,
        retired: bool,
        previous: sqlite3.Row | None,
        who: str,
        why: str,
    ) -> Record:
        version = 1 if previous is None else previous["version"] + 1
        content = _canonical(properties, geometry)
        etag = _etag(collection, fid, version, content)
        now = _now()
        changed = _changed(previous, properties, geometry, retired)
        services = " " + " ".join(properties.get("services", [])) + " "
        west, south, east, north = _bounds(geometry)
        values = (
            version,
            etag,
            int(retired),
            properties.get("visibility", "public"),
            properties.get("country"),
            properties.get("kind"),
            properties.get("status"),
            services,
            json.dumps(properties, ensure_ascii=False),
            json.dumps(geometry),
            west,
            south,
            east,
            north,
            now,
            who,
        )
        if previous is None:
            rid = db.execute(
                "INSERT INTO records (version, etag, retired, visibility, country, kind, status, "
                "services, properties, geometry, minx, miny, maxx, maxy, updated_at, updated_by, "
                "collection, id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (*values, collection, fid),
            ).lastrowid
            if west <= east:  # records without geometry stay out of the spatial index
                db.execute(
                    "INSERT INTO records_rtree VALUES (?, ?, ?, ?, ?)",
                    (rid, west, east, south, north),
                )
        else:
            rid = previous["rid"]
            db.execute(
                "UPDATE records SET version = ?, etag = ?, retired = ?, visibility = ?, "
                "country = ?, kind = ?, status = ?, services = ?, properties = ?, geometry = ?, "
                "minx = ?, miny = ?, maxx = ?, maxy = ?, updated_at = ?, updated_by = ? "
                "WHERE rid = ?",
                (*values, rid),
            )
            db.execute("DELETE FROM records_rtree WHERE rid = ?", (rid,))
            if west <= east:
                db.execute(
                    "INSERT INTO records_rtree VALUES (?, ?, ?, ?, ?)",
                    (rid, west, east, south, north),
                )
        db.execute(
            "INSERT INTO versions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                collection,
                fid,
                version,
                op,
                int(retired),
                values[8],
                values[9],
                json.dumps(changed),
                who,
                now,
                why,
            ),
        )
        db.execute(
            "INSERT INTO meta VALUES (?, '1') ON CONFLICT(key) DO UPDATE "
            "SET value = CAST(value AS INTEGER) + 1",
            (f"version:{collection}",),
        )
        return Record(collection, fid, version, etag, properties, geometry, retired, now, who)

    def _writable(
        self, db: sqlite3.Connection, collection: str, fid: str, if_match: str, caller: Caller
    ) -> sqlite3.Row:
        row = self._row(db, collection, fid)
        if row is None or not caller.can_see(row["visibility"], row["country"]):
            raise NotFoundError(f"no item {fid!r} in collection {collection!r}")
        if not caller.can_write(row["country"]):
            raise PermissionDeniedError(
                f"{caller.role} {caller.name!r} may not change records of country {row['country']}"
            )
        if row["etag"] != if_match.strip('"').removeprefix("W/").strip('"'):
            raise PreconditionFailedError(
                f"item {fid!r} has changed since it was read (ETag no longer matches); "
                "read it again and re-apply the change"
            )
        return row

    def _check_write(self, caller: Caller, place: Item) -> None:
        if not caller.can_write(place.properties.get("country")):
            raise PermissionDeniedError(
                f"{caller.role} {caller.name!r} may not write records of country "
                f"{place.properties.get('country')}"
            )

    def create(self, collection: str, place: Item, caller: Caller, why: str = "") -> Record:
        """Add a new record.

        Raises
        ------
        PermissionDeniedError
            If the caller may not write records of the place's country.
        ConflictError
            If the id is already used in the collection (even by a retired record).
        """
        self._check_write(caller, place)
        with self._write() as db:
            if self._row(db, collection, place.id) is not None:
                raise ConflictError(f"the id {place.id!r} is already used; choose another")
            return self._put(
                db,
                collection,
                place.id,
                place.properties,
                place.geometry(),
                op="create",
                retired=False,
                previous=None,
                who=caller.name,
                why=why,
            )

    def replace(
        self, collection: str, place: Item, if_match: str, caller: Caller, why: str = ""
    ) -> Record:
        """Replace a record's content if its ETag still equals ``if_match``.

        An identical content adds no version and returns the record as it is.

        Raises
        ------
        NotFoundError, PermissionDeniedError, PreconditionFailedError
        """
        self._check_write(caller, place)
        with self._write() as db:
            row = self._writable(db, collection, place.id, if_match, caller)
            if row["retired"]:
                raise NotFoundError(f"no item {place.id!r} in collection {collection!r}")
            geometry = place.geometry()
            if _canonical(place.properties, geometry) == _canonical(
                json.loads(row["properties"]), json.loads(row["geometry"])
            ):
                return self._record(row)
            return self._put(
                db,
                collection,
                place.id,
                place.properties,
                geometry,
                op="replace",
                retired=False,
                previous=row,
                who=caller.name,
                why=why,
            )

    def retire(
        self, collection: str, fid: str, if_match: str, caller: Caller, why: str = ""
    ) -> Record:
        """Retire a record: it disappears from every list; its history stays.

        Raises
        ------
        NotFoundError, PermissionDeniedError, PreconditionFailedError
        """
        with self._write() as db:
            row = self._writable(db, collection, fid, if_match, caller)
            if row["retired"]:
                raise NotFoundError(f"no item {fid!r} in collection {collection!r}")
            return self._put(
                db,
                collection,
                fid,
                json.loads(row["properties"]),
                json.loads(row["geometry"]),
                op="retire",
                retired=True,
                previous=row,
                who=caller.name,
                why=why,
            )

    def restore(
        self,
        collection: str,
        fid: str,
        version: int,
        *,
        if_match: str,
        caller: Caller,
        why: str = "",
    ) -> Record:
        """Make version ``version`` current again (as a new version, not retired).

        Raises
        ------
        NotFoundError
            If the record or that version does not exist for this caller.
        PermissionDeniedError, PreconditionFailedError
        """
        with self._write() as db:
            row = self._writable(db, collection, fid, if_match, caller)
            old = db.execute(
                "SELECT * FROM versions WHERE collection = ? AND id = ? AND version = ?",
                (collection, fid, version),
            ).fetchone()
            if old is None:
                raise NotFoundError(f"item {fid!r} has no version {version}")
            properties = json.loads(old["properties"])
            if not caller.can_write(properties.get("country")):
                raise PermissionDeniedError(
                    f"{caller.role} {caller.name!r} may not write records of country "
                    f"{properties.get('country')}"
                )
            return self._put(
                db,
                collection,
                fid,
                properties,
                json.loads(old["geometry"]),
                op=f"restore:{version}",
                retired=False,
                previous=row,
                who=caller.name,
                why=why,
            )

    def import_places(
        self,
        collection: str,
        places: Sequence[Item],
        caller: Caller,
        why: str = "",
        *,
        dry_run: bool = False,
        retire_missing: bool = False,
    ) -> ImportReport:
        """Bring the collection in line with a validated set of places, in one transaction.

        Records are created or updated by id; identical ones are left alone (re-importing the
        same file changes nothing). With ``retire_missing``, current records of the countries
        present in the file that the file does not contain are retired.

        Raises
        ------
        RegistryValidationError
            Listing every place the caller may not write; nothing is written.
        """
        if not caller.may_write:
            raise PermissionDeniedError(f"{caller.role} callers may not import records")
        report = ImportReport(dry_run=dry_run)
        first: dict[str, int] = {}
        repeated = []
        for i, p in enumerate(places):
            if p.id in first:
                repeated.append(
                    {
                        "index": i,
                        "id": p.id,
                        "field": "id",
                        "message": f"repeats the id of feature {first[p.id]}",
                    }
                )
            first.setdefault(p.id, i)
        if repeated:
            raise RegistryValidationError(repeated, f"{len(repeated)} repeated id(s)")
        problems = [
            {
                "index": i,
                "id": p.id,
                "field": "properties.country",
                "message": f"{caller.role} {caller.name!r} may not write records of country "
                f"{p.properties.get('country')}",
            }
            for i, p in enumerate(places)
            if not caller.can_write(p.properties.get("country"))
        ]
        if problems:
            raise RegistryValidationError(problems, f"{len(problems)} feature(s) not writable")
        with self._write() as db:
            existing = {
                r["id"]: r
                for r in db.execute(
                    "SELECT * FROM records WHERE collection = ?", (collection,)
                ).fetchall()
            }
            for i, place in enumerate(places):
                row = existing.get(place.id)
                geometry = place.geometry()
                if row is not None and not caller.can_write(row["country"]):
                    problems.append(
                        {
                            "index": i,
                            "id": place.id,
                            "field": "id",
                            "message": "this id cannot be used by this caller",
                        }
                    )
                    continue
                if row is None:
                    report.created.append(place.id)
                elif not row["retired"] and _canonical(place.properties, geometry) == _canonical(
                    json.loads(row["properties"]), json.loads(row["geometry"])
                ):
                    report.unchanged.append(place.id)
                    continue
                else:
                    report.updated.append(place.id)
                if not dry_run:
                    self._put(
                        db,
                        collection,
                        place.id,
                        place.properties,
                        geometry,
                        op="import" if row is None else "import-update",
                        retired=False,
                        previous=row,
                        who=caller.name,
                        why=why,
                    )
            if problems:
                raise RegistryValidationError(problems, f"{len(problems)} id(s) not usable")
            if retire_missing:
                countries = {p.properties.get("country") for p in places}
                wanted = {p.id for p in places}
                for fid, row in sorted(existing.items()):
                    if (
                        fid not in wanted
                        and not row["retired"]
                        and row["country"] in countries
                        and caller.can_write(row["country"])
                    ):
                        report.retired.append(fid)
                        if not dry_run:
                            self._put(
                                db,
                                collection,
                                fid,
                                json.loads(row["properties"]),
                                json.loads(row["geometry"]),
                                op="import-retire",
                                retired=True,
                                previous=row,
                                who=caller.name,
                                why=why,
                            )
        return report

    # ------------------------------------------------------------------ tokens
    def create_token(self, name: str, role: str, countries: Iterable[str] = ()) -> str:
        """Create an API token; the plain token is returned once and only its hash is kept.

        Raises
        ------
        ConflictError
            If a token of that name exists.
        PermissionDeniedError
            For an unknown role, or an officer without countries.
        """
        codes = sorted({c.strip().upper() for c in countries if c.strip()})
        if role not in ROLES:
            raise PermissionDeniedError(f"unknown role {role!r}; roles: {', '.join(ROLES)}")
        if role == "officer" and not codes:
            raise PermissionDeniedError("an officer token needs at least one country")
        token = new_token()
        with self._write() as db:
            if db.execute("SELECT 1 FROM tokens WHERE name = ?", (name,)).fetchone():
                raise ConflictError(f"a token named {name!r} already exists")
            db.execute(
                "INSERT INTO tokens VALUES (?, ?, ?, ?, ?, NULL)",
                (hash_token(token), name, role, ",".join(codes), _now()),
            )
        return token

    def revoke_token(self, name: str) -> None:
        """Revoke a token by name.

        Raises
        ------
        NotFoundError
            If there is no active token of that name.
        """
        with self._write() as db:
            cursor = db.execute(
                "UPDATE tokens SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL",
                (_now(), name),
            )
            if cursor.rowcount == 0:
                raise NotFoundError(f"no active token named {name!r}")

    def list_tokens(self) -> list[dict[str, Any]]:
        """Tokens without their secrets: name, role, countries, created, revoked."""
        rows = self._connection().execute("SELECT * FROM tokens ORDER BY name").fetchall()
        return [
            {
                "name": r["name"],
                "role": r["role"],
                "countries": r["countries"].split(",") if r["countries"] else [],
                "created_at": r["created_at"],
                "revoked_at": r["revoked_at"],
            }
            for r in rows
        ]

    def authenticate(self, token: str) -> Caller:
        """The caller a token stands for.

        Raises
        ------
        AuthenticationError
            If the token is unknown or revoked.
        """
        row = (
            self._connection()
            .execute("SELECT * FROM tokens WHERE hash = ?", (hash_token(token),))
            .fetchone()
        )
        if row is None or row["revoked_at"] is not None:
            raise AuthenticationError("unknown or revoked API token")
        countries = frozenset(row["countries"].split(",")) if row["countries"] else frozenset()
        return Caller(row["role"], countries, row["name"])

    def integrity_check(self) -> str:
        """SQLite's ``PRAGMA integrity_check`` result (``ok`` when sound)."""
        return str(self._connection().execute("PRAGMA integrity_check").fetchone()[0])


def _version_visible(caller: Caller, row: sqlite3.Row) -> bool:
    """Whether the caller may see this past version (its own visibility and country)."""
    props = json.loads(row["properties"])
    return caller.can_see(props.get("visibility", "public"), props.get("country"))


def _changed(
    previous: sqlite3.Row | None,
    properties: dict[str, Any],
    geometry: dict[str, Any],
    retired: bool,
) -> list[str]:
    if previous is None:
        return ["*"]
    before = json.loads(previous["properties"])
    keys = sorted(k for k in set(before) | set(properties) if before.get(k) != properties.get(k))
    if json.loads(previous["geometry"]) != geometry:
        keys.append("geometry")
    if bool(previous["retired"]) != retired:
        keys.append("retired")
    return keys
