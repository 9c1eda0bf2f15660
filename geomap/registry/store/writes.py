"""Single-record writes shared by both SQL stores: create, replace, retire and restore.

Each is one transaction: the visibility and permission checks, the strong ETag comparison,
the new current state, the new history version and the collection counter commit together.
"""

from __future__ import annotations

import json
from typing import Any

from geomap.errors import ConflictError, NotFoundError, PermissionDeniedError
from geomap.registry.access import Caller
from geomap.registry.store.core import (
    Row,
    SQLCore,
    Tx,
    check_reserved_id,
    not_found,
    record_of,
)
from geomap.registry.store.records import (
    Item,
    Record,
    bounds,
    canonical,
    changed_fields,
    check_if_match,
    make_etag,
    now,
)


class SQLWrites(SQLCore):
    """Versions written through :meth:`_put`, and the four single-record changes."""

    # ------------------------------------------------------------------ writing
    def _put(
        self,
        tx: Tx,
        collection: str,
        fid: str,
        properties: dict[str, Any],
        geometry: dict[str, Any],
        *,
        op: str,
        retired: bool,
        previous: Row | None,
        who: str,
        why: str,
        proposed_by: str | None = None,
    ) -> Record:
        check_reserved_id(fid, properties)
        version = 1 if previous is None else int(previous["version"]) + 1
        etag = make_etag(collection, fid, version, canonical(properties, geometry))
        at = now()
        before = (
            None
            if previous is None
            else (
                json.loads(previous["properties"]),
                json.loads(previous["geometry"]),
                bool(previous["retired"]),
            )
        )
        changed = changed_fields(before, properties, geometry, retired)
        box = bounds(geometry)
        visibility = properties.get("visibility", "public")
        props_json, geometry_json = json.dumps(properties, ensure_ascii=False), json.dumps(geometry)
        values = {
            "version": version,
            "etag": etag,
            "retired": int(retired),
            "visibility": visibility,
            "country": properties.get("country"),
            "kind": properties.get("kind"),
            "status": properties.get("status"),
            "services": " " + " ".join(properties.get("services", [])) + " ",
            "properties": props_json,
            "geometry": geometry_json,
            "minx": box[0],
            "miny": box[1],
            "maxx": box[2],
            "maxy": box[3],
            "updated_at": at,
            "updated_by": who,
        }
        extra_cols, extra_marks, extra_args = self._spatial(geometry_json)
        cur = tx.cur
        if previous is None:
            names = ", ".join([*values, "collection", "id"]) + extra_cols
            marks = ", ".join("?" * (len(values) + 2)) + extra_marks
            insert = f"INSERT INTO records ({names}) VALUES ({marks})"
            args = [*values.values(), collection, fid, *extra_args]
            if self._needs_rid:
                inserted = cur.one(f"{insert} RETURNING rid", args)
                assert inserted is not None
                self._indexed(cur, int(inserted["rid"]), box, new=True)
            else:
                cur.send(insert, args)
        else:
            rid = int(previous["rid"])
            sets = ", ".join(f"{k} = ?" for k in values)
            if extra_cols:
                sets += f", {extra_cols.strip(', ')} = {extra_marks.strip(', ')}"
            cur.send(
                f"UPDATE records SET {sets} WHERE rid = ?", [*values.values(), *extra_args, rid]
            )
            self._indexed(cur, rid, box, new=False)
        cur.send(
            "INSERT INTO versions (collection, id, version, op, retired, visibility, country, "
            "properties, geometry, changed, who, at, why, proposed_by) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                collection,
                fid,
                version,
                op,
                int(retired),
                visibility,
                properties.get("country"),
                props_json,
                geometry_json,
                json.dumps(changed),
                who,
                at,
                why,
                proposed_by,
            ),
        )
        tx.changes[collection] += 1
        return Record(collection, fid, version, etag, properties, geometry, retired, at, who)

    @staticmethod
    def _writable(row: Row | None, collection: str, fid: str, caller: Caller) -> Row:
        """The row a caller changes: visible (else not found) and of a writable country."""
        if row is None or not caller.can_see(row["visibility"], row["country"]):
            raise not_found(collection, fid)
        if not caller.can_write(row["country"]):
            raise PermissionDeniedError(
                f"{caller.role} {caller.name!r} may not change records of country {row['country']}"
            )
        return row

    @staticmethod
    def _check_write(caller: Caller, properties: dict[str, Any]) -> None:
        if not caller.can_write(properties.get("country")):
            raise PermissionDeniedError(
                f"{caller.role} {caller.name!r} may not write records of country "
                f"{properties.get('country')}"
            )

    def create(self, collection: str, place: Item, caller: Caller, why: str = "") -> Record:
        """Add a new record.

        Raises
        ------
        PermissionDeniedError
            If the caller may not write records of the place's country.
        ConflictError
            If the id is already used in the collection (even by a retired record).
        RegistryValidationError
            For a restricted record under another country's id prefix.
        """
        self._check_write(caller, place.properties)
        check_reserved_id(place.id, place.properties)
        with self._write(collection) as tx:
            if self._row(tx.cur, collection, place.id) is not None:
                raise ConflictError(f"the id {place.id!r} is already used; choose another")
            return self._put(
                tx,
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
        """Replace a record's content if its ETag still equals ``if_match`` (strong).

        An identical content adds no version and returns the record as it is.

        Raises
        ------
        NotFoundError, PermissionDeniedError, PreconditionFailedError
        """
        self._check_write(caller, place.properties)
        with self._write(collection) as tx:
            row = self._writable(
                self._row(tx.cur, collection, place.id), collection, place.id, caller
            )
            check_if_match(if_match, row["etag"], place.id)
            if row["retired"]:
                raise not_found(collection, place.id)
            geometry = place.geometry()
            if canonical(place.properties, geometry) == canonical(
                json.loads(row["properties"]), json.loads(row["geometry"])
            ):
                return record_of(row)
            return self._put(
                tx,
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
        with self._write(collection) as tx:
            row = self._writable(self._row(tx.cur, collection, fid), collection, fid, caller)
            check_if_match(if_match, row["etag"], fid)
            if row["retired"]:
                raise not_found(collection, fid)
            return self._put(
                tx,
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
        seen, params = caller.visibility_sql("v")
        with self._write(collection) as tx:
            row = self._writable(self._row(tx.cur, collection, fid), collection, fid, caller)
            check_if_match(if_match, row["etag"], fid)
            old = tx.cur.one(
                "SELECT v.properties, v.geometry FROM versions v WHERE v.collection = ? "
                f"AND v.id = ? AND v.version = ? AND {seen}",
                (collection, fid, version, *params),
            )
            if old is None:
                raise NotFoundError(f"item {fid!r} has no version {version}")
            properties = json.loads(old["properties"])
            self._check_write(caller, properties)
            return self._put(
                tx,
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
