"""The interface every registry store implements (:class:`RegistryStore`).

Callers (the API, the CLI, the transit service, exports) name this type, never a concrete
store; :func:`geomap.registry.store.open_store` picks the store from a URL or path.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol, runtime_checkable

from geomap.registry.access import Caller
from geomap.registry.monitoring import ReferralRow, RumourRow
from geomap.registry.store.records import (
    BBox,
    Feedback,
    ImportReport,
    Item,
    Proposal,
    Query,
    Record,
    Version,
)


@runtime_checkable
class RegistryStore(Protocol):
    """What callers need of a registry store (SQLite and PostGIS implement it)."""

    # ---------------------------------------------------------------- reading
    def get(self, collection: str, fid: str, caller: Caller) -> Record:
        """The current record, if the caller may see it; else :class:`NotFoundError`."""
        ...

    def query(self, collection: str, query: Query, caller: Caller) -> tuple[list[Record], int]:
        """Records matching the query that the caller may see (by id), and how many in all."""
        ...

    def extent(self, collection: str, caller: Caller) -> BBox | None:
        """Bounding box of the records the caller may see."""
        ...

    def count(self, collection: str, caller: Caller) -> int:
        """How many current records the caller may see."""
        ...

    def history(self, collection: str, fid: str, caller: Caller) -> list[Version]:
        """Every version of a record the caller may see."""
        ...

    def collection_version(self, collection: str) -> int:
        """A counter that grows with every write to the collection, in every process."""
        ...

    # ---------------------------------------------------------------- writing
    def create(self, collection: str, place: Item, caller: Caller, why: str = "") -> Record:
        """Add a new record."""
        ...

    def replace(
        self, collection: str, place: Item, if_match: str, caller: Caller, why: str = ""
    ) -> Record:
        """Replace a record's content, if its ETag is still ``if_match`` (strong)."""
        ...

    def retire(
        self, collection: str, fid: str, if_match: str, caller: Caller, why: str = ""
    ) -> Record:
        """Retire a record (hidden, history kept)."""
        ...

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
        """Make an old version current again, as a new version."""
        ...

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
        """Create, update or retire records to match a validated collection, all or nothing."""
        ...

    # ---------------------------------------------------------------- proposals
    def propose(
        self,
        collection: str,
        item: Item,
        caller: Caller,
        why: str = "",
        *,
        base_version: int | None = None,
    ) -> Proposal:
        """Store a proposed new record (``base_version`` None) or change of a version."""
        ...

    def proposals(
        self,
        collection: str,
        caller: Caller,
        *,
        status: str | None = None,
        country: str | None = None,
    ) -> list[Proposal]:
        """The proposals the caller may see (own; its countries' for officers; all: admins)."""
        ...

    def proposal(self, proposal_id: str, caller: Caller) -> Proposal:
        """One proposal the caller may see."""
        ...

    def approve(self, proposal_id: str, caller: Caller, why: str = "") -> Proposal:
        """Apply a pending proposal as a new version, in one transaction."""
        ...

    def reject(self, proposal_id: str, caller: Caller, reason: str) -> Proposal:
        """Refuse a pending proposal, with a reason."""
        ...

    # ---------------------------------------------------------------- feedback
    def add_feedback(self, place_id: str, kind: str, note: str | None = None) -> None:
        """Keep an anonymous report about a current public place."""
        ...

    def list_feedback(self, caller: Caller, *, country: str | None = None) -> list[Feedback]:
        """Reports about places of the caller's countries (officers, admins)."""
        ...

    # ---------------------------------------------------------------- monitoring
    def record_referral(self, row: ReferralRow, caller: Caller) -> None:
        """Keep one referral made, reduced to what reports need (partners and up)."""
        ...

    def record_rumour(self, row: RumourRow, caller: Caller) -> None:
        """Keep one rumour heard: topic, country, area, week (partners and up)."""
        ...

    def referral_counts(
        self, *, country: str | None = None
    ) -> list[tuple[str, str, str, str, str, int]]:
        """Unsuppressed counts per pathway, country, area, month and population."""
        ...

    def rumour_counts(self, *, country: str | None = None) -> list[tuple[str, str, str, str, int]]:
        """Unsuppressed counts per country, area, week and topic."""
        ...

    # ---------------------------------------------------------------- tokens
    def create_token(self, name: str, role: str, countries: Iterable[str] = ()) -> str:
        """Create an API token (shown once; only its hash is kept)."""
        ...

    def revoke_token(self, name: str) -> None:
        """Revoke a token by name."""
        ...

    def list_tokens(self) -> list[dict[str, Any]]:
        """Tokens without their secrets."""
        ...

    def authenticate(self, token: str) -> Caller:
        """The caller of an active token; else :class:`AuthenticationError`."""
        ...

    # ---------------------------------------------------------------- upkeep
    def schema_version(self) -> int:
        """The database's schema version."""
        ...

    def integrity_check(self) -> str:
        """``ok`` when the database is sound."""
        ...

    def close(self) -> None:
        """Release connections (of this thread, for SQLite)."""
        ...
