"""The registry logic both SQL stores share.

Reading with visibility in SQL, and writing versions, ETags and the collection counters
inside one transaction per change.

:class:`SQLCore` speaks a small SQL dialect both SQLite and PostgreSQL understand (``?``
placeholders, ``ON CONFLICT`` upserts, ``RETURNING``); each store supplies its connections,
its transactions and its spatial index through a few hooks.
"""

from __future__ import annotations

import json
import re
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from geomap.errors import (
    NotFoundError,
    RegistryValidationError,
)
from geomap.registry.access import Caller
from geomap.registry.store.records import (
    BBox,
    Query,
    Record,
    Version,
    canonical,
    changed_fields,
    make_etag,
)

Row = Mapping[str, Any]

#: The columns of ``records`` every query reads (never the spatial column of PostGIS).
COLUMNS = (
    "r.rid, r.collection, r.id, r.version, r.etag, r.retired, r.visibility, r.country, "
    "r.kind, r.status, r.services, r.properties, r.geometry, r.minx, r.miny, r.maxx, r.maxy, "
    "r.updated_at, r.updated_by"
)
_PREFIX = re.compile(r"^([A-Za-z]{2})-")


class Cursor(Protocol):
    """What the shared logic needs of a connection: run SQL with ``?`` placeholders."""

    def all(self, sql: str, args: Sequence[Any] = ()) -> list[Row]:
        """Every row of a query."""
        ...

    def one(self, sql: str, args: Sequence[Any] = ()) -> Row | None:
        """The first row of a query, or None."""
        ...

    def run(self, sql: str, args: Sequence[Any] = ()) -> int:
        """Run a statement; the number of rows it changed."""
        ...

    def send(self, sql: str, args: Sequence[Any] = ()) -> None:
        """Run a statement without waiting for its outcome.

        Pipelined where the store can; errors surface by the end of the transaction at the
        latest.
        """
        ...


@dataclass
class Tx:
    """A write transaction: its cursor and how many changes it made per collection."""

    cur: Cursor
    changes: Counter[str] = field(default_factory=Counter)


def not_found(collection: str, fid: str) -> NotFoundError:
    """The one answer for a record that is missing or hidden from the caller."""
    return NotFoundError(f"no item {fid!r} in collection {collection!r}")


def record_of(row: Row) -> Record:
    """A :class:`Record` from a ``records`` row."""
    return Record(
        collection=row["collection"],
        id=row["id"],
        version=int(row["version"]),
        etag=row["etag"],
        properties=json.loads(row["properties"]),
        geometry=json.loads(row["geometry"]),
        retired=bool(row["retired"]),
        updated_at=row["updated_at"],
        updated_by=row["updated_by"],
    )


def check_reserved_id(fid: str, properties: dict[str, Any]) -> None:
    """Refuse a restricted record whose id starts with another country's code (``xx-``).

    Ids starting with a country code and a hyphen are that country's: officers' imports
    create new ids only in their own countries' prefix, so a hidden record of another country
    can never hold one and an import never learns that a hidden id exists.

    Raises
    ------
    RegistryValidationError
    """
    match = _PREFIX.match(fid)
    country = str(properties.get("country") or "")
    if match and properties.get("visibility") == "restricted" and match[1].upper() != country:
        message = (
            f"ids starting with '{match[1].lower()}-' are reserved for records of "
            f"{match[1].upper()}; a restricted record of {country} needs another id"
        )
        raise RegistryValidationError(
            [{"index": None, "id": fid, "field": "id", "message": message}], message
        )


class SQLCore(ABC):
    """Records, versions, visibility and ETags over a SQL database (see module docstring)."""

    #: The SQL dialect CQL2 filters and sort keys are written in.
    DIALECT: Literal["sqlite", "postgis"] = "sqlite"

    # ------------------------------------------------------------------ store hooks
    @abstractmethod
    def _reading(self) -> AbstractContextManager[Cursor]:
        """A cursor for reads."""

    @abstractmethod
    def _transaction(self, lock: str) -> AbstractContextManager[Cursor]:
        """One write transaction, serialized with every other writer of ``lock``."""

    @abstractmethod
    def _spatial(self, geometry: str) -> tuple[str, str, list[Any]]:
        """Extra ``records`` columns for the spatial index: names, placeholders, values."""

    def _indexed(self, cur: Cursor, rid: int, box: BBox, *, new: bool) -> None:  # noqa: B027
        """Update an index kept outside ``records`` (SQLite's R*Tree); nothing by default."""

    @abstractmethod
    def _bbox_source(self, bbox: BBox) -> tuple[str, str, list[Any]]:
        """FROM clause, extra condition and arguments finding bbox candidates by index."""

    #: Whether new rows need their ``rid`` back (for an index kept outside ``records``).
    _needs_rid = True

    def _bulk(self, cur: Cursor) -> AbstractContextManager[Any]:
        """A context in which :meth:`Cursor.send` statements are batched (imports)."""
        return nullcontext()

    def _committing(self, cur: Cursor, collection: str, version: int) -> None:  # noqa: B027
        """Called in the transaction after a collection's counter moved (for notifications)."""

    @abstractmethod
    def close(self) -> None:
        """Release the store's connections."""

    # ------------------------------------------------------------------ transactions
    def _write(self, lock: str) -> AbstractContextManager[Tx]:
        return _Writing(self, lock)

    def _bump(self, cur: Cursor, collection: str, n: int) -> None:
        cur.run(
            "INSERT INTO collection_versions (collection, version) VALUES (?, ?) "
            "ON CONFLICT (collection) DO UPDATE "
            "SET version = collection_versions.version + excluded.version",
            (collection, n),
        )
        row = cur.one("SELECT version FROM collection_versions WHERE collection = ?", (collection,))
        self._committing(cur, collection, int(row["version"]) if row else n)

    # ------------------------------------------------------------------ reading
    @staticmethod
    def _row(cur: Cursor, collection: str, fid: str) -> Row | None:
        return cur.one(
            f"SELECT {COLUMNS} FROM records r WHERE r.collection = ? AND r.id = ?",
            (collection, fid),
        )

    def get(self, collection: str, fid: str, caller: Caller) -> Record:
        """The current record, if it exists, is not retired and the caller may see it.

        Raises
        ------
        NotFoundError
            Otherwise (hidden and missing records are indistinguishable).
        """
        seen, params = caller.visibility_sql("r")
        with self._reading() as cur:
            row = cur.one(
                f"SELECT {COLUMNS} FROM records r WHERE r.collection = ? AND r.id = ? "
                f"AND r.retired = 0 AND {seen}",
                (collection, fid, *params),
            )
        if row is None:
            raise not_found(collection, fid)
        return record_of(row)

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
            # exact bounds decide; the spatial index (32-bit floats, rounded outwards) only
            # finds candidates (see _bbox_source)
            west, south, east, north = query.bbox
            clauses.append("r.minx <= ? AND r.maxx >= ? AND r.miny <= ? AND r.maxy >= ?")
            args += [east, west, north, south]
        if query.filter is not None:
            # never evaluated on a row the caller may not see: no timing or error oracle
            condition, values = query.filter.sql(self.DIALECT)
            clauses.append(f"CASE WHEN {seen} THEN ({self._dialect_sql(condition)}) ELSE FALSE END")
            args += [*params, *values]
        return " AND ".join(clauses), args

    def _dialect_sql(self, text: str) -> str:
        """SQL written for the dialect, in this core's ``?`` style (JSON text read as jsonb)."""
        if self.DIALECT == "postgis":
            return text.replace("r.properties", "(r.properties::jsonb)").replace("%s", "?")
        return text

    def _order(self, collection: str, query: Query) -> str:
        if not query.sortby:
            return "r.id"
        from geomap.registry.cql import order_by
        from geomap.registry.queryables import QUERYABLES

        order = order_by(query.sortby, QUERYABLES.get(collection, {}), self.DIALECT)
        return self._dialect_sql(order)

    def query(self, collection: str, query: Query, caller: Caller) -> tuple[list[Record], int]:
        """Records matching ``query`` that ``caller`` may see, ordered by id, and the total."""
        where, args = self._where(collection, query, caller)
        source = "records r"
        if query.bbox is not None:
            source, extra, more = self._bbox_source(query.bbox)
            where, args = f"{where} AND {extra}", [*args, *more]
        with self._reading() as cur:
            total = cur.one(f"SELECT COUNT(*) AS n FROM {source} WHERE {where}", args)
            rows = (
                cur.all(
                    f"SELECT {COLUMNS} FROM {source} WHERE {where} "
                    f"ORDER BY {self._order(collection, query)} LIMIT ? OFFSET ?",
                    [*args, query.limit, query.offset],
                )
                if query.limit > 0
                else []
            )
        return [record_of(r) for r in rows], int(total["n"]) if total else 0

    def extent(self, collection: str, caller: Caller) -> BBox | None:
        """Bounding box of the records ``caller`` may see (None when there are none)."""
        where, args = self._where(collection, Query(), caller)
        with self._reading() as cur:
            row = cur.one(
                "SELECT MIN(r.minx) AS w, MIN(r.miny) AS s, MAX(r.maxx) AS e, MAX(r.maxy) AS n "
                f"FROM records r WHERE {where} AND r.minx <= r.maxx",  # not NO_BOUNDS
                args,
            )
        if row is None or row["w"] is None:
            return None
        return float(row["w"]), float(row["s"]), float(row["e"]), float(row["n"])

    def count(self, collection: str, caller: Caller) -> int:
        """How many current records ``caller`` may see."""
        return self.query(collection, Query(limit=0), caller)[1]

    def collection_version(self, collection: str) -> int:
        """A counter that grows with every write to the collection, in every process.

        One indexed read of one row: cheap enough to ask on every request (caches of layers
        built from the collection compare it to know they are current).
        """
        with self._reading() as cur:
            row = cur.one(
                "SELECT version FROM collection_versions WHERE collection = ?", (collection,)
            )
        return int(row["version"]) if row else 0

    def history(self, collection: str, fid: str, caller: Caller) -> list[Version]:
        """The versions of a record the caller may see, oldest first (retired ones too).

        Versions whose own content the caller may not see stay in the database. The change
        list of a shown version is computed against the previous *shown* version, so it
        never names what changed in a hidden one (the first shown version is ``["*"]``).

        Raises
        ------
        NotFoundError
            If the record is missing or hidden, or retired and the caller is anonymous.
        """
        seen, params = caller.visibility_sql("r")
        seen_v, params_v = caller.visibility_sql("v")
        with self._reading() as cur:
            row = cur.one(
                f"SELECT r.retired FROM records r WHERE r.collection = ? AND r.id = ? AND {seen}",
                (collection, fid, *params),
            )
            if row is None or (row["retired"] and caller.is_anonymous):
                raise not_found(collection, fid)
            rows = cur.all(
                "SELECT v.version, v.op, v.retired, v.properties, v.geometry, v.changed, v.who, "
                f"v.at, v.why, v.proposed_by FROM versions v WHERE v.collection = ? AND v.id = ? "
                f"AND {seen_v} ORDER BY v.version",
                (collection, fid, *params_v),
            )
        out: list[Version] = []
        for r in rows:
            properties, geometry = json.loads(r["properties"]), json.loads(r["geometry"])
            retired, version = bool(r["retired"]), int(r["version"])
            changed = json.loads(r["changed"])
            if not out and version > 1:
                changed = ["*"]
            elif out and out[-1].version != version - 1:
                last = out[-1]
                changed = changed_fields(
                    (last.properties, last.geometry, last.retired), properties, geometry, retired
                )
            out.append(
                Version(
                    version=version,
                    op=r["op"],
                    retired=retired,
                    properties=properties,
                    geometry=geometry,
                    changed=changed,
                    who=r["who"],
                    at=r["at"],
                    why=r["why"],
                    etag=make_etag(collection, fid, version, canonical(properties, geometry)),
                    proposed_by=r["proposed_by"],
                )
            )
        return out


class _Writing(AbstractContextManager[Tx]):
    """A store transaction that moves the collection counters just before it commits."""

    def __init__(self, store: SQLCore, lock: str) -> None:
        self.store = store
        self.outer = store._transaction(lock)

    def __enter__(self) -> Tx:
        self.tx = Tx(self.outer.__enter__())
        return self.tx

    def __exit__(self, *exc: Any) -> bool | None:
        if exc[0] is None:
            try:
                for collection, n in sorted(self.tx.changes.items()):
                    self.store._bump(self.tx.cur, collection, n)
            except BaseException as error:
                self.outer.__exit__(type(error), error, error.__traceback__)
                raise
        return self.outer.__exit__(*exc)


def chunks(values: Sequence[str], size: int = 500) -> Iterator[Sequence[str]]:
    """``values`` in slices of at most ``size`` (for ``IN (...)`` lists)."""
    for start in range(0, len(values), size):
        yield values[start : start + size]
