"""Online path: download a network area from Overpass through osmnx.

osmnx does the HTTP work (Overpass query building, polygon subdivision, rate limiting, cache);
the raw responses are handed to :func:`routing.osm.osm_from_overpass` and then to the same pure
builder as local files. All highway ways are fetched: the profile filters them afterwards.
"""

from __future__ import annotations

from typing import Any

from routing.errors import OSMReadError
from routing.osm import OSMData, osm_from_overpass


def download_osm(polygon: Any) -> OSMData:
    """Download the highway ways inside a lon/lat polygon from Overpass (needs osmnx).

    Parameters
    ----------
    polygon : shapely Polygon or MultiPolygon
        Area in lon/lat.

    Returns
    -------
    OSMData

    Raises
    ------
    OSMReadError
        If osmnx is missing or the download fails.
    """
    try:
        from osmnx import _overpass
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise OSMReadError("the online path needs osmnx: pip install 'geomap[online]'") from exc
    try:
        responses = list(_overpass._download_overpass_network(polygon, "all", '["highway"]'))
    except Exception as exc:  # osmnx raises requests' and its own errors
        raise OSMReadError(f"Overpass download failed: {exc}") from exc
    return osm_from_overpass(responses, source="overpass")
