"""The local wall-clock time where a question is asked.

Opening hours ("Mo-Fr 08:00-18:00") and night rules are written in the local time of the
place. When a caller gives no ``time``, answers are evaluated at *now* in the time zone of the
point asked about (Porto Alegre is UTC-3, Aguascalientes UTC-6), never at the server's clock.

The zone comes from ``timezonefinder`` (offline IANA boundaries, no network access) and
``zoneinfo`` (``tzdata`` where the system has no zone files). Nothing is cached per point: a
lookup takes a few microseconds and the server keeps no trace of where people asked from.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


@lru_cache(maxsize=1)
def _finder() -> Any:
    from timezonefinder import TimezoneFinder

    return TimezoneFinder()


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def warm_up() -> None:
    """Open the boundary data now (about a second), not on the first question."""
    _finder().timezone_at(lng=0.0, lat=0.0)


def zone_name(lon: float, lat: float) -> str | None:
    """The IANA time zone at a point (``None`` if unknown or not a valid coordinate).

    An invalid coordinate is not this function's to report: the answer that uses the point
    refuses it with its own precise message.
    """
    lon, lat = float(lon), float(lat)
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        return None
    try:
        name = _finder().timezone_at(lng=lon, lat=lat)
    except ValueError:
        return None
    return str(name) if name else None


def local_now(point: Sequence[float] | None, *, now: datetime | None = None) -> datetime:
    """*now* as the naive wall-clock time at ``point`` (``lon, lat``).

    Parameters
    ----------
    point : sequence of float or None
        Where the question is about; ``None`` (or a point in no known zone) gives UTC.
    now : datetime, optional
        The instant (aware, or naive UTC); the current time by default.

    Returns
    -------
    datetime
        Local date and time without ``tzinfo``, as opening hours are written.
    """
    instant = now if now is not None else datetime.now(UTC)
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    zone = None
    if point is not None:
        name = zone_name(point[0], point[1])
        zone = _zone(name) if name else None
    return instant.astimezone(zone or UTC).replace(tzinfo=None)
