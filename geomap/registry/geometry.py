"""Strict reading of GeoJSON geometries: points of places, (multi)polygons of risk zones.

Every check returns ``(field, message)`` problems rather than raising, so that a feature's
problems are all reported together. What is stored is rebuilt from the checked numbers: only
``type`` and ``coordinates`` (foreign members such as ``crs`` are refused, ``bbox`` is
recomputed by whoever needs it), two floats per position (a height is refused, never silently
dropped).
"""

from __future__ import annotations

import math
from typing import Any

Problems = list[tuple[str, str]]

#: Members a geometry object may have; ``bbox`` is accepted and dropped (RFC 7946 §5).
GEOMETRY_MEMBERS = frozenset({"type", "coordinates", "bbox"})
#: Most positions a risk zone may have in all its rings.
MAX_POSITIONS = 20_000


def clip(text: Any, limit: int = 60) -> str:
    """``repr`` of a value cut to ``limit`` characters, for quoting input in a message."""
    shown = repr(text)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def number(value: Any) -> float | None:
    """``value`` as a finite float, or None when it is not a finite JSON number.

    Integers too large for a float (10**309 and up) are not finite numbers either.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        out = float(value)
    except OverflowError:
        return None
    return out if math.isfinite(out) else None


def position(pos: Any, where: str) -> tuple[tuple[float, float] | None, Problems]:
    """Check one ``[longitude, latitude]`` position; returns it as floats, or its problems."""
    if not isinstance(pos, list) or len(pos) < 2:
        return None, [(where, "expected [longitude, latitude] numbers")]
    if len(pos) > 2:
        return None, [
            (
                where,
                f"has {len(pos)} numbers: the registry keeps longitude and latitude only; "
                "leave the height out",
            )
        ]
    lon, lat = number(pos[0]), number(pos[1])
    if lon is None or lat is None:
        bad = [c for c in pos if isinstance(c, bool) or not isinstance(c, int | float)]
        if bad:
            return None, [(where, "expected [longitude, latitude] numbers")]
        return None, [(where, "coordinates must be finite numbers")]
    problems: Problems = []
    if not -180 <= lon <= 180:
        problems.append((f"{where}[0]", f"longitude {lon} is outside [-180, 180]"))
    if not -90 <= lat <= 90:
        problems.append((f"{where}[1]", f"latitude {lat} is outside [-90, 90]"))
    return (None if problems else (lon, lat)), problems


def _members(geometry: dict[str, Any]) -> Problems:
    extra = sorted(str(k) for k in geometry if k not in GEOMETRY_MEMBERS)
    if not extra:
        return []
    names = ", ".join(clip(k, 40) for k in extra[:5])
    return [("geometry", f"unknown member(s) {names}: a geometry has only type and coordinates")]


def point(geometry: Any) -> tuple[tuple[float, float] | None, Problems]:
    """Check a GeoJSON Point; returns its ``(lon, lat)`` or the problems."""
    if geometry is None:
        return None, [("geometry", "required: a Point with [longitude, latitude]")]
    if not isinstance(geometry, dict):
        return None, [("geometry", "must be a GeoJSON geometry object")]
    if geometry.get("type") != "Point":
        return None, [("geometry.type", f"must be 'Point', got {clip(geometry.get('type'))}")]
    coords = geometry.get("coordinates")
    if not isinstance(coords, list) or len(coords) == 0:
        return None, [("geometry.coordinates", "empty geometry: expected [longitude, latitude]")]
    found, problems = position(coords, "geometry.coordinates")
    problems = _members(geometry) + problems
    return (found if not problems else None), problems


def _ring(ring: Any, where: str) -> tuple[list[list[float]], Problems]:
    if not isinstance(ring, list) or len(ring) < 4:
        return [], [(where, "a ring needs at least 4 positions (closed)")]
    out: list[list[float]] = []
    problems: Problems = []
    for i, pos in enumerate(ring):
        found, issues = position(pos, f"{where}[{i}]")
        if issues:
            if not found and issues[0][1].startswith(("expected", "coordinates", "has ")):
                return [], issues  # one malformed position says enough about the ring
            problems += issues
            continue
        assert found is not None
        out.append([found[0], found[1]])
    if not problems and out[0] != out[-1]:
        problems.append((where, "ring is not closed (first and last positions differ)"))
    return out, problems


def polygon(geometry: Any) -> tuple[dict[str, Any] | None, Problems]:
    """Check a GeoJSON Polygon or MultiPolygon; returns it rebuilt, or the problems.

    The rebuilt geometry has only ``type`` and ``coordinates`` (floats, 2D), and is a valid
    polygon with an area.
    """
    if not isinstance(geometry, dict):
        return None, [("geometry", "required: a Polygon or MultiPolygon")]
    kind = geometry.get("type")
    coords = geometry.get("coordinates")
    if kind not in ("Polygon", "MultiPolygon"):
        return None, [("geometry.type", f"must be 'Polygon' or 'MultiPolygon', got {clip(kind)}")]
    if not isinstance(coords, list) or not coords:
        return None, [("geometry.coordinates", "empty geometry")]
    problems = _members(geometry)
    polygons = [coords] if kind == "Polygon" else coords
    rebuilt: list[list[list[list[float]]]] = []
    count = 0
    for p, rings in enumerate(polygons):
        base = "geometry.coordinates" + (f"[{p}]" if kind == "MultiPolygon" else "")
        if not isinstance(rings, list) or not rings:
            problems.append((base, "a polygon needs an outer ring"))
            continue
        kept = []
        for r, ring in enumerate(rings):
            count += len(ring) if isinstance(ring, list) else 0
            if count > MAX_POSITIONS:
                return None, [("geometry.coordinates", f"more than {MAX_POSITIONS} positions")]
            positions, issues = _ring(ring, f"{base}[{r}]")
            problems += issues
            kept.append(positions)
        rebuilt.append(kept)
    if problems:
        return None, problems
    shape_json = {
        "type": kind,
        "coordinates": rebuilt[0] if kind == "Polygon" else rebuilt,
    }
    import shapely
    from shapely.validation import explain_validity

    shape = shapely.geometry.shape(shape_json)
    if not shape.is_valid:
        return None, [("geometry", f"invalid polygon: {explain_validity(shape)}")]
    if shape.is_empty or shape.area == 0:
        return None, [("geometry", "the polygon has no area")]
    return shape_json, []
