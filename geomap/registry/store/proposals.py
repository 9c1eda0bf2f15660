"""Proposals: partners propose new records and changes; officers of the country decide.

A proposal is stored apart from the records and is never part of any public answer: it is
seen by its proposer, by officers of its country (the proposed content's, and for a change
the record's) and by admins; anonymous callers see none. Approving applies it as one
transaction (a new version whose history keeps who proposed and who approved); a change
proposed against a version that has moved on since is refused (412). Rejecting keeps the
proposal, with the reason, and nothing else changes.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from geomap.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    PreconditionFailedError,
    RegistryValidationError,
)
from geomap.registry.access import Caller
from geomap.registry.store.core import Row, check_reserved_id, not_found
from geomap.registry.store.records import PROPOSAL_STATUSES, Item, Proposal, now
from geomap.registry.store.writes import SQLWrites

_COLUMNS = (
    "p.id, p.collection, p.feature_id, p.status, p.base_version, p.properties, p.geometry, "
    "p.proposed_by, p.proposed_at, p.why, p.decided_by, p.decided_at, p.reason"
)


def proposal_visibility(caller: Caller) -> tuple[str, list[Any]]:
    """An SQL condition on proposals ``p`` selecting those ``caller`` may see."""
    if caller.role == "admin":
        return "1 = 1", []
    if caller.role == "officer":
        marks = ", ".join("?" * len(caller.countries)) or "NULL"
        codes = sorted(caller.countries)
        return (
            f"(p.country IN ({marks}) OR p.record_country IN ({marks}) OR p.proposed_by = ?)",
            [*codes, *codes, caller.name],
        )
    if caller.role == "partner":
        return "p.proposed_by = ?", [caller.name]
    return "1 = 0", []


def _proposal(row: Row) -> Proposal:
    return Proposal(
        id=row["id"],
        collection=row["collection"],
        feature_id=row["feature_id"],
        status=row["status"],
        proposed_by=row["proposed_by"],
        proposed_at=row["proposed_at"],
        why=row["why"],
        base_version=None if row["base_version"] is None else int(row["base_version"]),
        properties=json.loads(row["properties"]),
        geometry=json.loads(row["geometry"]),
        decided_by=row["decided_by"],
        decided_at=row["decided_at"],
        reason=row["reason"],
    )


def _no_proposal(pid: str) -> NotFoundError:
    return NotFoundError(f"no proposal {pid!r}")


class ProposalsMixin(SQLWrites):
    """Proposals for the SQL stores."""

    def propose(
        self,
        collection: str,
        item: Item,
        caller: Caller,
        why: str = "",
        *,
        base_version: int | None = None,
    ) -> Proposal:
        """Store a proposed new record (``base_version`` None and an unused id) or change.

        A change is proposed against the record's current version, or ``base_version`` when
        given (which must still be current).

        Raises
        ------
        PermissionDeniedError
            For anonymous callers.
        NotFoundError
            For a change to a record that is missing, retired or hidden from the caller.
        ConflictError
            For a new record whose id a record the caller sees already uses.
        PreconditionFailedError
            If ``base_version`` is no longer the record's current version.
        """
        if caller.is_anonymous:
            raise PermissionDeniedError("proposing changes needs an API token")
        check_reserved_id(item.id, item.properties)
        with self._write(collection) as tx:
            row = self._row(tx.cur, collection, item.id)
            visible = row is not None and caller.can_see(row["visibility"], row["country"])
            record_country = None
            if base_version is None and visible:
                raise ConflictError(
                    f"the id {item.id!r} is already used: propose a change to that item instead"
                )
            if base_version is not None:
                if row is None or not visible or row["retired"]:
                    raise not_found(collection, item.id)
                if int(row["version"]) != base_version:
                    raise PreconditionFailedError(
                        f"item {item.id!r} is at version {row['version']}, not {base_version}: "
                        "read it again and propose the change against its current version"
                    )
                record_country = row["country"]
            pid = str(uuid.uuid4())
            at = now()
            tx.cur.run(
                "INSERT INTO proposals (id, collection, feature_id, status, base_version, "
                "country, record_country, visibility, properties, geometry, proposed_by, "
                "proposed_at, why) VALUES (?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    pid,
                    collection,
                    item.id,
                    base_version,
                    item.properties.get("country"),
                    record_country,
                    item.properties.get("visibility", "public"),
                    json.dumps(item.properties, ensure_ascii=False),
                    json.dumps(item.geometry()),
                    caller.name,
                    at,
                    why,
                ),
            )
        return Proposal(
            pid,
            collection,
            item.id,
            "pending",
            caller.name,
            at,
            why,
            base_version,
            item.properties,
            item.geometry(),
        )

    def proposals(
        self,
        collection: str,
        caller: Caller,
        *,
        status: str | None = None,
        country: str | None = None,
    ) -> list[Proposal]:
        """The proposals of a collection ``caller`` may see, oldest first.

        Raises
        ------
        RegistryValidationError
            For an unknown ``status``.
        """
        if status is not None and status not in PROPOSAL_STATUSES:
            message = f"status must be one of {', '.join(PROPOSAL_STATUSES)}"
            raise RegistryValidationError(
                [{"index": None, "id": None, "field": "status", "message": message}], message
            )
        seen, args = proposal_visibility(caller)
        where = ["p.collection = ?", seen]
        params: list[Any] = [collection, *args]
        if status is not None:
            where.append("p.status = ?")
            params.append(status)
        if country is not None:
            where.append("(p.country = ? OR p.record_country = ?)")
            params += [country.upper(), country.upper()]
        with self._reading() as cur:
            rows = cur.all(
                f"SELECT {_COLUMNS} FROM proposals p WHERE {' AND '.join(where)} "
                "ORDER BY p.proposed_at, p.id",
                params,
            )
        return [_proposal(r) for r in rows]

    def proposal(self, proposal_id: str, caller: Caller) -> Proposal:
        """One proposal, if the caller may see it.

        Raises
        ------
        NotFoundError
        """
        seen, args = proposal_visibility(caller)
        with self._reading() as cur:
            row = cur.one(
                f"SELECT {_COLUMNS} FROM proposals p WHERE p.id = ? AND {seen}",
                (proposal_id, *args),
            )
        if row is None:
            raise _no_proposal(proposal_id)
        return _proposal(row)

    def _deciding(self, cur: Any, proposal_id: str, caller: Caller) -> tuple[Proposal, Row]:
        seen, args = proposal_visibility(caller)
        row = cur.one(
            f"SELECT {_COLUMNS}, p.record_country FROM proposals p WHERE p.id = ? AND {seen}",
            (proposal_id, *args),
        )
        if row is None:
            raise _no_proposal(proposal_id)
        proposal = _proposal(row)
        for country in {proposal.country, row["record_country"]} - {None}:
            if not caller.can_write(country):
                raise PermissionDeniedError(
                    f"{caller.role} {caller.name!r} may not decide proposals for country {country}"
                )
        if proposal.status != "pending":
            raise ConflictError(f"proposal {proposal_id!r} was already {proposal.status}")
        return proposal, row

    def _decide(self, cur: Any, proposal_id: str, status: str, caller: Caller, why: str) -> None:
        cur.run(
            "UPDATE proposals SET status = ?, decided_by = ?, decided_at = ?, reason = ? "
            "WHERE id = ?",
            (status, caller.name, now(), why, proposal_id),
        )

    def approve(self, proposal_id: str, caller: Caller, why: str = "") -> Proposal:
        """Apply a pending proposal as a new version (one transaction) and mark it approved.

        Raises
        ------
        NotFoundError
            If the caller may not see the proposal.
        PermissionDeniedError
            If the caller may not write its country (or the changed record's).
        ConflictError
            If it was decided already, or a new record's id got used meanwhile.
        PreconditionFailedError
            If the record moved on from the version the change was proposed against.
        """
        collection = self._proposal_collection(proposal_id)
        with self._write(collection) as tx:
            proposal, _ = self._deciding(tx.cur, proposal_id, caller)
            row = self._row(tx.cur, collection, proposal.feature_id)
            if proposal.base_version is None:
                if row is not None:
                    raise ConflictError(
                        f"the id {proposal.feature_id!r} is used now; reject this proposal"
                    )
            elif (
                row is None
                or row["retired"]
                or not caller.can_see(row["visibility"], row["country"])
                or int(row["version"]) != proposal.base_version
            ):
                raise PreconditionFailedError(
                    f"item {proposal.feature_id!r} has changed since version "
                    f"{proposal.base_version} this proposal was based on; reject it and ask "
                    "for a new one"
                )
            self._put(
                tx,
                collection,
                proposal.feature_id,
                proposal.properties,
                proposal.geometry,
                op="create" if row is None else "replace",
                retired=False,
                previous=row,
                who=caller.name,
                why=why or proposal.why,
                proposed_by=proposal.proposed_by,
            )
            self._decide(tx.cur, proposal_id, "approved", caller, why)
        return self.proposal(proposal_id, caller)

    def reject(self, proposal_id: str, caller: Caller, reason: str) -> Proposal:
        """Mark a pending proposal rejected, with a reason; nothing else changes.

        Raises
        ------
        RegistryValidationError
            Without a reason.
        NotFoundError, PermissionDeniedError, ConflictError
            As for :meth:`approve`.
        """
        if not reason.strip():
            message = "a rejection needs a reason"
            raise RegistryValidationError(
                [{"index": None, "id": None, "field": "reason", "message": message}], message
            )
        collection = self._proposal_collection(proposal_id)
        with self._write(collection) as tx:
            self._deciding(tx.cur, proposal_id, caller)
            self._decide(tx.cur, proposal_id, "rejected", caller, reason.strip())
        return self.proposal(proposal_id, caller)

    def _proposal_collection(self, proposal_id: str) -> str:
        """The collection a proposal is about (its lock); visibility is checked after."""
        with self._reading() as cur:
            row = cur.one("SELECT collection FROM proposals WHERE id = ?", (proposal_id,))
        if row is None:
            raise _no_proposal(proposal_id)
        return str(row["collection"])
