"""What the registry stores and answers, shared by every store.

Records, versions, queries, import reports, proposals, feedback, and the pure helpers behind
ETags and change lists.

Nothing here touches a database.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from geomap.errors import PreconditionFailedError

if TYPE_CHECKING:
    from geomap.registry.cql import Filter, SortKey

BBox = tuple[float, float, float, float]

#: Kinds of anonymous feedback about a place ("report a problem with this place").
FEEDBACK_KINDS = ("closed", "wrong_hours", "unsafe", "other")
#: Longest feedback note kept.
MAX_NOTE_CHARS = 500
#: States of a proposal.
PROPOSAL_STATUSES = ("pending", "approved", "rejected")


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
class StoredItem:
    """An item rebuilt from stored properties and geometry (a proposal being approved)."""

    id: str
    properties: dict[str, Any]
    shape: dict[str, Any]

    def geometry(self) -> dict[str, Any]:
        """The stored RFC 7946 geometry."""
        return self.shape


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
    """One entry of a record's history.

    ``who`` made the change (for an approved proposal: who approved it); ``proposed_by`` is
    the partner who proposed it, when it came from a proposal.
    """

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
    proposed_by: str | None = None


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
    #: a checked CQL2 filter (:func:`geomap.registry.cql.parse_filter`)
    filter: Filter | None = None
    #: sort keys (:func:`geomap.registry.cql.parse_sortby`); the id breaks ties
    sortby: tuple[SortKey, ...] = ()


@dataclass(frozen=True)
class Proposal:
    """A proposed new record or change, waiting for (or decided by) an officer.

    ``base_version`` is the version a change was proposed against (None for a new record);
    approval fails if the record has moved on since.
    """

    id: str
    collection: str
    feature_id: str
    status: str
    proposed_by: str
    proposed_at: str
    why: str
    base_version: int | None
    properties: dict[str, Any]
    geometry: dict[str, Any]
    decided_by: str | None = None
    decided_at: str | None = None
    reason: str | None = None

    @property
    def country(self) -> str | None:
        """The proposed record's country."""
        value = self.properties.get("country")
        return None if value is None else str(value)

    def to_feature(self) -> dict[str, Any]:
        """The proposed content as an RFC 7946 Feature."""
        return {
            "type": "Feature",
            "id": self.feature_id,
            "geometry": self.geometry,
            "properties": self.properties,
        }


@dataclass(frozen=True)
class Feedback:
    """An anonymous report about a public place: no coordinates, address or agent, day only."""

    id: int
    place: str
    country: str | None
    kind: str
    note: str | None
    received_on: str


def now() -> str:
    """The current UTC time, ISO 8601 with milliseconds."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def canonical(properties: dict[str, Any], geometry: dict[str, Any]) -> str:
    """The content of a version as one canonical JSON text (sorted keys, no spaces)."""
    return json.dumps([properties, geometry], sort_keys=True, separators=(",", ":"))


def make_etag(collection: str, fid: str, version: int, content: str) -> str:
    """The strong ETag of a version: 32 hex digits of SHA-256 over its identity and content."""
    digest = hashlib.sha256(f"{collection}\0{fid}\0{version}\0{content}".encode())
    return digest.hexdigest()[:32]


def check_if_match(given: str, current: str, fid: str) -> None:
    """Strong comparison of ``If-Match`` with the current ETag (RFC 9110, 13.1.1).

    ``given`` is the entity-tag as served in the ``ETag`` header (``"…"``) or, for library
    callers, the bare value of :attr:`Record.etag`. A weak tag (``W/"…"``) never matches.

    Raises
    ------
    PreconditionFailedError
        If it does not match (weak tags included).
    """
    text = given.strip()
    if text.startswith("W/"):
        raise PreconditionFailedError(
            f"If-Match {text[:60]!r} is a weak ETag; changes need the strong ETag of item "
            f"{fid!r} as given by GET (RFC 9110 strong comparison)"
        )
    bare = text[1:-1] if len(text) >= 2 and text[0] == text[-1] == '"' else text
    if bare != current:
        raise PreconditionFailedError(
            f"item {fid!r} has changed since it was read (ETag no longer matches); "
            "read it again and re-apply the change"
        )


#: The bounds of a record without geometry (``"geometry": null``, RFC 7946 §3.2): an empty box
#: that no bbox query matches, kept out of the spatial index and left out of extents.
NO_BOUNDS: BBox = (math.inf, math.inf, -math.inf, -math.inf)


def bounds(geometry: dict[str, Any] | None) -> BBox:
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


def changed_fields(
    before: tuple[dict[str, Any], dict[str, Any], bool] | None,
    properties: dict[str, Any],
    geometry: dict[str, Any],
    retired: bool,
) -> list[str]:
    """Which fields differ from ``before`` (properties, geometry, retired); ``["*"]`` if None."""
    if before is None:
        return ["*"]
    old_props, old_geometry, old_retired = before
    keys = sorted(
        k for k in set(old_props) | set(properties) if old_props.get(k) != properties.get(k)
    )
    if old_geometry != geometry:
        keys.append("geometry")
    if old_retired != retired:
        keys.append("retired")
    return keys
