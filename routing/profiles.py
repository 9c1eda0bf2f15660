"""Travel profiles: which OSM ways a traveller may use, and in which direction.

``walk`` is every way a pedestrian may legally use. Unlike many routers it keeps trunk and
primary roads where foot is not forbidden, because people in transit walk the highways
between cities; motorways only where ``foot`` explicitly allows it. Walking ignores one-way
rules (except an explicit ``oneway:foot``).

``drive`` is the car network with one-way rules.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from routing.errors import UnknownProfileError

Tags = Mapping[str, str]

_YES = frozenset({"yes", "true", "1"})
_FOOT_ALLOWED = frozenset({"yes", "designated", "permissive", "official"})
_FORBIDDEN = frozenset({"no", "private"})
# highway values that are never routable, whatever the profile
_NEVER = frozenset(
    {
        "abandoned",
        "bus_guideway",
        "busway",
        "construction",
        "disused",
        "escape",
        "planned",
        "platform",
        "proposed",
        "raceway",
        "razed",
        "rest_area",
        "services",
        "elevator",
        "emergency_bay",
        "no",
    }
)
_MOTORWAY = frozenset({"motorway", "motorway_link"})
_WALK_NEEDS_FOOT_TAG = frozenset({"cycleway", "bridleway"}) | _MOTORWAY
_DRIVE_HIGHWAYS = frozenset(
    {
        "motorway",
        "motorway_link",
        "trunk",
        "trunk_link",
        "primary",
        "primary_link",
        "secondary",
        "secondary_link",
        "tertiary",
        "tertiary_link",
        "unclassified",
        "residential",
        "living_street",
        "road",
        "service",
    }
)
_DRIVE_SERVICE_EXCLUDED = frozenset(
    {"parking", "parking_aisle", "driveway", "private", "emergency_access", "drive-through"}
)


@dataclass(frozen=True)
class Profile:
    """A travel mode.

    Attributes
    ----------
    name : str
        Profile name (``walk``, ``drive``).
    directions : callable
        ``directions(tags) -> (forward, backward)``: whether the way may be travelled in its
        drawn direction and against it; ``(False, False)`` drops the way.
    default_speed_kmh : float
        Speed used to turn lengths into travel times when the caller gives none.
    """

    name: str
    directions: Callable[[Tags], tuple[bool, bool]]
    default_speed_kmh: float


def _is_area(tags: Tags) -> bool:
    return tags.get("area", "no") in _YES


def walk_directions(tags: Tags) -> tuple[bool, bool]:
    """Directions in which a pedestrian may use a way with these tags.

    Parameters
    ----------
    tags : mapping of str to str
        The way's OSM tags.

    Returns
    -------
    tuple of bool
        ``(forward, backward)``.
    """
    highway = tags.get("highway")
    if highway is None or highway in _NEVER or _is_area(tags):
        return (False, False)
    foot = tags.get("foot")
    if foot in _FORBIDDEN or foot == "use_sidepath":
        return (False, False)
    if foot not in _FOOT_ALLOWED:
        if highway in _WALK_NEEDS_FOOT_TAG:
            return (False, False)
        if tags.get("access") in _FORBIDDEN or tags.get("service") == "private":
            return (False, False)
    oneway_foot = tags.get("oneway:foot")
    if oneway_foot in _YES:
        return (True, False)
    if oneway_foot == "-1":
        return (False, True)
    return (True, True)


def drive_directions(tags: Tags) -> tuple[bool, bool]:
    """Directions in which a car may use a way with these tags.

    Parameters
    ----------
    tags : mapping of str to str
        The way's OSM tags.

    Returns
    -------
    tuple of bool
        ``(forward, backward)``.
    """
    highway = tags.get("highway")
    if highway not in _DRIVE_HIGHWAYS or _is_area(tags):
        return (False, False)
    for key in ("access", "vehicle", "motor_vehicle", "motorcar"):
        if tags.get(key) in _FORBIDDEN:
            return (False, False)
    if highway == "service" and tags.get("service") in _DRIVE_SERVICE_EXCLUDED:
        return (False, False)
    oneway = tags.get("oneway")
    if oneway in _YES:
        return (True, False)
    if oneway in {"-1", "reverse"}:
        return (False, True)
    if oneway == "no":
        return (True, True)
    if tags.get("junction") in {"roundabout", "circular"} or highway in _MOTORWAY:
        return (True, False)
    return (True, True)


WALK = Profile("walk", walk_directions, default_speed_kmh=4.5)
DRIVE = Profile("drive", drive_directions, default_speed_kmh=40.0)
PROFILES: dict[str, Profile] = {p.name: p for p in (WALK, DRIVE)}


def get_profile(name: str) -> Profile:
    """Return the profile called ``name``.

    Parameters
    ----------
    name : str
        ``walk`` or ``drive``.

    Returns
    -------
    Profile

    Raises
    ------
    UnknownProfileError
        If no profile has that name.
    """
    try:
        return PROFILES[name]
    except KeyError:
        raise UnknownProfileError(
            f"unknown profile {name!r}; choose one of {', '.join(sorted(PROFILES))}"
        ) from None
