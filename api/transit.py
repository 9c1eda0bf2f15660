"""Reading the query parameters of the answers for people in transit.

The answers themselves are built by :mod:`geomap.answers` (shared with the CLI); this module
only turns query strings into values, naming the parameter in every problem (and never
echoing the caller's coordinates).
"""

from __future__ import annotations

from datetime import datetime

from api.errors import PATTERN_MESSAGES, MalformedRequestError

_SMALL = r"([eE]-[0-9]+)?"  # 1e-07, as JSON writers put tiny numbers
_LON = rf"-?(180(\.0+)?|(1[0-7][0-9]|[1-9]?[0-9])(\.[0-9]+)?{_SMALL})"
_LAT = rf"-?(90(\.0+)?|[1-8]?[0-9](\.[0-9]+)?{_SMALL})"
#: ``lon,lat`` in degrees, as the OpenAPI document declares it (checked by FastAPI).
POINT_PATTERN = f"^{_LON},{_LAT}$"
#: One to eight points ``lon,lat;lon,lat``.
POINTS_PATTERN = f"^{_LON},{_LAT}(;{_LON},{_LAT}){{0,7}}$"
#: ``west,south,east,north`` in degrees (order and size are checked by the answer).
BBOX_PATTERN = f"^{_LON},{_LAT},{_LON},{_LAT}$"
_MINUTE = r"([0-9]+(\.[0-9]+)?)"
#: Comma-separated minutes (how many and how long is checked against the server's limits).
MINUTES_PATTERN = f"^{_MINUTE}(,{_MINUTE}){{0,99}}$"
PATTERN_MESSAGES.update(
    {
        POINT_PATTERN: "must be 'lon,lat' in degrees (longitude -180..180, latitude -90..90)",
        POINTS_PATTERN: "must be 1 to 8 points 'lon,lat;lon,lat' in degrees",
        BBOX_PATTERN: "must be four numbers in degrees: west,south,east,north",
        MINUTES_PATTERN: "must be positive numbers of minutes such as 5,10,15",
    }
)


def _problem(field: str, message: str) -> MalformedRequestError:
    return MalformedRequestError(
        [{"index": None, "id": None, "field": field, "message": message}], message
    )


def parse_point(text: str, field: str) -> tuple[float, float]:
    """``"lon,lat"`` as floats (range checks happen when snapping).

    Raises
    ------
    MalformedRequestError
        Naming the parameter (never echoing other parameters).
    """
    parts = text.split(",")
    if len(parts) != 2:
        raise _problem(f"query.{field}", f"{field} must be 'lon,lat'")
    try:
        return float(parts[0]), float(parts[1])
    except ValueError:
        raise _problem(f"query.{field}", f"{field} must be two numbers 'lon,lat'") from None


def parse_points(text: str, field: str, *, most: int = 8) -> list[tuple[float, float]]:
    """``"lon,lat;lon,lat"`` (at most ``most`` points)."""
    parts = [p for p in text.split(";") if p.strip()]
    if not parts or len(parts) > most:
        raise _problem(f"query.{field}", f"{field} takes 1 to {most} points 'lon,lat;lon,lat'")
    return [parse_point(p, field) for p in parts]


def parse_time(text: str | None, field: str = "time") -> datetime | None:
    """An ISO local date-time, or None."""
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text).replace(tzinfo=None)
    except ValueError:
        raise _problem(
            f"query.{field}", f"{field} must be an ISO date-time such as 2026-11-23T21:30"
        ) from None


def parse_minutes(text: str) -> list[float]:
    """Comma-separated minutes (the limits are checked by the answer, before any search)."""
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        raise _problem("query.minutes", "minutes must be numbers such as 5,10,15") from None
    if not values or len(values) > 100:
        raise _problem("query.minutes", "give a few times, such as 5,10,15")
    return values
