"""Country outlines for the location checks: Natural Earth 1:10m with every island.

``data/boundaries/countries.geojson`` holds the countries and territories of Latin America
and the Caribbean (Natural Earth admin-0 at 1:10m, public domain; see ``data/README.md`` and
``data/boundaries/build.py``), islands included: San Andrés, Galápagos, Fernando de Noronha,
Aruba, Curaçao and the rest. Countries outside the region fall back to the generalized
outlines of the ``countryinfo`` package; a country with neither is not checked.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from geomap.resources import shipped_data_dir

#: The shipped outlines (``data/boundaries``, installed with the package data).
BOUNDARIES = shipped_data_dir() / "boundaries" / "countries.geojson"


@cache
def _shipped(path: Path = BOUNDARIES) -> dict[str, Any]:
    import shapely
    from shapely.geometry import shape

    with path.open(encoding="utf-8") as fh:
        collection = json.load(fh)
    shapes = {}
    for feature in collection["features"]:
        geometry = shape(feature["geometry"])
        shapely.prepare(geometry)
        shapes[feature["properties"]["iso_a2"]] = geometry
    return shapes


@cache
def _countryinfo(code: str) -> Any:
    import shapely
    from countryinfo import CountryInfo

    try:
        collection = CountryInfo(code).geo_json()
    except (KeyError, ValueError, AttributeError):
        return None
    if not collection or not collection.get("features"):
        return None
    geometry = shapely.union_all(
        [shapely.geometry.shape(f["geometry"]) for f in collection["features"]]
    )
    shapely.prepare(geometry)
    return geometry


def shipped_countries() -> frozenset[str]:
    """The ISO alpha-2 codes with a detailed (1:10m) outline."""
    return frozenset(_shipped())


def outline(country: str) -> Any:
    """The shapely (Multi)Polygon of a country: 1:10m when shipped, else coarse, else None."""
    return _shipped().get(country) or _countryinfo(country)


def km_outside(geometry: Any, country: str) -> float | None:
    """Geodesic distance in km from a shapely geometry to a country (0 if they touch).

    Returns None when the country has no outline.
    """
    from shapely.ops import nearest_points

    from routing.geodesy import distance_m

    shape = outline(country)
    if shape is None:
        return None
    if shape.intersects(geometry):
        return 0.0
    near_country, near_geometry = nearest_points(shape, geometry)
    metres = distance_m(near_geometry.x, near_geometry.y, near_country.x, near_country.y)
    return float(metres) / 1000.0


def km_outside_point(lon: float, lat: float, country: str) -> float | None:
    """Geodesic distance in km from a lon/lat point to a country (None without an outline)."""
    import shapely

    return km_outside(shapely.Point(lon, lat), country)
