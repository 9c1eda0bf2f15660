"""Importing a validated collection: all or nothing, in one transaction, on either store.

The rules, checked before anything is written:

* only roles that write may import (403 otherwise);
* every id appears once (422 listing the repeats);
* every feature is of a country the caller writes, and every existing record it would change
  too (403, :class:`~geomap.errors.ImportPermissionError` listing every such feature);
* a record that is **retired** is never brought back by an import: the feature is refused
  (422) and the record must be restored explicitly first;
* an officer's import creates new records only under ids starting with the feature's country
  code and a hyphen (``co-…``). The same answer is given whether the id is unused or used by a
  record the officer may not see, so an import never tells that a hidden record exists (no
  hidden record can hold such an id: see :func:`~geomap.registry.store.core.check_reserved_id`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from geomap.errors import ImportPermissionError, PermissionDeniedError, RegistryValidationError
from geomap.registry.access import Caller
from geomap.registry.store.core import COLUMNS, Row, Tx, check_reserved_id, chunks
from geomap.registry.store.records import ImportReport, Item, canonical
from geomap.registry.store.writes import SQLWrites

Problem = dict[str, Any]


def _problem(index: int, fid: str, field: str, message: str) -> Problem:
    return {"index": index, "id": fid, "field": field, "message": message}


def _repeated(places: Sequence[Item]) -> list[Problem]:
    first: dict[str, int] = {}
    out = []
    for i, p in enumerate(places):
        if p.id in first:
            out.append(_problem(i, p.id, "id", f"repeats the id of feature {first[p.id]}"))
        first.setdefault(p.id, i)
    return out


def _denied(caller: Caller, what: list[tuple[int, str, str | None, str]]) -> ImportPermissionError:
    """403 naming every feature: (index, id, country, field) of each."""
    countries = sorted({str(c) for _, _, c, _ in what})
    listed = ", ".join(f"feature {i} ({fid!r})" for i, fid, _, _ in what[:20])
    more = f" and {len(what) - 20} more" if len(what) > 20 else ""
    problems = [
        _problem(
            i,
            fid,
            field,
            f"{caller.role} {caller.name!r} may not write records of country {country}",
        )
        for i, fid, country, field in what
    ]
    return ImportPermissionError(
        problems,
        f"{caller.role} {caller.name!r} may not write records of country "
        f"{', '.join(countries)}: {listed}{more}; nothing was imported",
    )


def new_id_problem(caller: Caller, fid: str, country: str | None) -> str | None:
    """Why ``caller`` may not create a record under ``fid`` by import, or None if it may."""
    if caller.role == "admin":
        return None
    prefix = f"{(country or '').lower()}-"
    if fid.lower().startswith(prefix):
        return None
    return (
        f"new ids imported by an officer must start with {prefix!r} (the feature's country "
        f"code and a hyphen), e.g. '{prefix}{fid}'"
    )


class ImportsMixin(SQLWrites):
    """:meth:`import_places` for the SQL stores."""

    def _existing(
        self, tx: Tx, collection: str, ids: list[str], countries: set[str] | None
    ) -> dict[str, Row]:
        """Rows of the collection with these ids, and current rows of these countries."""
        out: dict[str, Row] = {}
        for part in chunks(ids):
            marks = ", ".join("?" * len(part))
            for r in tx.cur.all(
                f"SELECT {COLUMNS} FROM records r WHERE r.collection = ? AND r.id IN ({marks})",
                [collection, *part],
            ):
                out[r["id"]] = r
        if countries:
            marks = ", ".join("?" * len(countries))
            for r in tx.cur.all(
                f"SELECT {COLUMNS} FROM records r WHERE r.collection = ? AND r.retired = 0 "
                f"AND r.country IN ({marks})",
                [collection, *sorted(countries)],
            ):
                out[r["id"]] = r
        return out

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
        present in the file that the file does not contain are retired. See the module
        docstring for the rules.

        Raises
        ------
        PermissionDeniedError
            For a caller that never writes, or features or records of countries it may not
            write (all listed); nothing is written.
        RegistryValidationError
            Listing every other problem (repeated ids, retired records, officers' new ids);
            nothing is written.
        """
        if not caller.may_write:
            raise PermissionDeniedError(f"{caller.role} callers may not import records")
        repeated = _repeated(places)
        if repeated:
            raise RegistryValidationError(repeated, f"{len(repeated)} repeated id(s)")
        denied = [
            (i, p.id, p.properties.get("country"), "properties.country")
            for i, p in enumerate(places)
            if not caller.can_write(p.properties.get("country"))
        ]
        if denied:
            raise _denied(caller, denied)
        problems: list[Problem] = []
        for i, p in enumerate(places):
            try:
                check_reserved_id(p.id, p.properties)
            except RegistryValidationError as exc:
                problems += [{**q, "index": i} for q in exc.problems]
        report = ImportReport(dry_run=dry_run)
        countries = {str(p.properties.get("country")) for p in places}
        with self._write(collection) as tx:
            existing = self._existing(
                tx, collection, [p.id for p in places], countries if retire_missing else None
            )
            writes: list[tuple[Item, Row | None]] = []
            for i, place in enumerate(places):
                row = existing.get(place.id)
                if row is None or not caller.can_see(row["visibility"], row["country"]):
                    message = new_id_problem(caller, place.id, place.properties.get("country"))
                    if message is None and row is not None:  # only data older than the rule
                        message = f"the id {place.id!r} cannot be used; choose another"
                    if message is not None:
                        problems.append(_problem(i, place.id, "id", message))
                    else:
                        report.created.append(place.id)
                        writes.append((place, None))
                    continue
                if not caller.can_write(row["country"]):
                    denied.append((i, place.id, row["country"], "id"))
                elif row["retired"]:
                    problems.append(
                        _problem(
                            i,
                            place.id,
                            "id",
                            f"{place.id!r} is a retired record: an import never brings one "
                            f"back; restore it explicitly (its history, version "
                            f"{int(row['version']) - 1}) or choose another id",
                        )
                    )
                elif canonical(place.properties, place.geometry()) == canonical(
                    json.loads(row["properties"]), json.loads(row["geometry"])
                ):
                    report.unchanged.append(place.id)
                else:
                    report.updated.append(place.id)
                    writes.append((place, row))
            if denied:
                raise _denied(caller, denied)
            if problems:
                raise RegistryValidationError(problems, f"{len(problems)} feature(s) refused")
            wanted = {p.id for p in places}
            retiring = [
                row
                for fid, row in sorted(existing.items())
                if retire_missing
                and fid not in wanted
                and not row["retired"]
                and row["country"] in countries
                and caller.can_write(row["country"])
            ]
            report.retired = [r["id"] for r in retiring]
            if dry_run:
                return report
            with self._bulk(tx.cur):
                self._write_all(
                    tx,
                    collection=collection,
                    writes=writes,
                    retiring=retiring,
                    caller=caller,
                    why=why,
                )
        return report

    def _write_all(
        self,
        tx: Tx,
        *,
        collection: str,
        writes: list[tuple[Item, Row | None]],
        retiring: list[Row],
        caller: Caller,
        why: str,
    ) -> None:
        """Every write of an import (batched where the store can)."""
        for place, row in writes:
            self._put(
                tx,
                collection,
                place.id,
                place.properties,
                place.geometry(),
                op="import" if row is None else "import-update",
                retired=False,
                previous=row,
                who=caller.name,
                why=why,
            )
        for row in retiring:
            self._put(
                tx,
                collection,
                row["id"],
                json.loads(row["properties"]),
                json.loads(row["geometry"]),
                op="import-retire",
                retired=True,
                previous=row,
                who=caller.name,
                why=why,
            )
