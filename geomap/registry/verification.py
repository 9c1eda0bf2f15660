"""Verification that ages: a place's ``verified_at`` says whether it is fresh, due or stale.

* **fresh**: verified less than ``verify_due_days`` ago (or dated in the future);
* **due**: verified ``verify_due_days`` or more ago, less than ``verify_stale_days``;
* **stale**: verified ``verify_stale_days`` or more ago, or never verified.

The status is computed, never stored: it changes with the calendar, not with the record. It
appears in every answer that shows a place (the read-only ``verification`` property) and ranks
stale places after fresher ones at equal walking time (see :func:`rank`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Literal, Protocol

Status = Literal["fresh", "due", "stale"]
#: The statuses, freshest first.
STATUSES: tuple[Status, ...] = ("fresh", "due", "stale")
#: The read-only property that carries the status in answers.
PROPERTY = "verification"


class Ages(Protocol):
    """The two thresholds (``geomap.settings.Settings`` has them)."""

    @property
    def verify_due_days(self) -> int:
        """Days after which a verification is due."""
        ...

    @property
    def verify_stale_days(self) -> int:
        """Days after which a place is stale."""
        ...


def _as_date(verified_at: date | str | None) -> date | None:
    if verified_at is None or isinstance(verified_at, date):
        return verified_at
    try:
        return date.fromisoformat(verified_at)
    except ValueError:
        return None


def days_since(verified_at: date | str | None, today: date) -> int | None:
    """Whole days from ``verified_at`` to ``today`` (None when never verified)."""
    when = _as_date(verified_at)
    return None if when is None else (today - when).days


def status(verified_at: date | str | None, today: date, settings: Ages) -> Status:
    """The verification status of a place verified on ``verified_at``, seen on ``today``.

    Parameters
    ----------
    verified_at : date or str (YYYY-MM-DD) or None
        When the place was last verified; None (or unreadable) means never.
    today : date
        The day the status is for (the caller's, so that it is a pure function).
    settings : Ages
        ``verify_due_days`` and ``verify_stale_days``.
    """
    age = days_since(verified_at, today)
    if age is None or age >= settings.verify_stale_days:
        return "stale"
    if age >= settings.verify_due_days:
        return "due"
    return "fresh"


def place_status(properties: Mapping[str, Any], today: date, settings: Ages) -> Status:
    """The status of a place from its properties."""
    return status(properties.get("verified_at"), today, settings)


def rank(value: Status) -> int:
    """Sort key of a status: 0 fresh, 1 due, 2 stale.

    At equal walking time a stale place ranks after a fresh one: sort by
    ``(minutes, rank(status))``.
    """
    return STATUSES.index(value)


def annotated(properties: Mapping[str, Any], today: date, settings: Ages) -> dict[str, Any]:
    """A copy of a place's properties with its ``verification`` status added."""
    return {**properties, PROPERTY: place_status(properties, today, settings)}
