"""One home for geodesy: distances on the WGS 84 ellipsoid.

Every length geomap reports is geodesic. ``pyproj.Geod`` is built once here and reused; the
import of pyproj happens on first use, so importing the engine stays cheap.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


@lru_cache(maxsize=1)
def wgs84() -> Any:
    """The WGS 84 ``pyproj.Geod`` (shared)."""
    from pyproj import Geod

    return Geod(ellps="WGS84")


def distance_m(lon1: Any, lat1: Any, lon2: Any, lat2: Any) -> Any:
    """Geodesic distance in metres between points (scalars or arrays, broadcast by pyproj)."""
    _, _, dist = wgs84().inv(lon1, lat1, lon2, lat2)
    return dist


def geodesic_steps(lon: FloatArray, lat: FloatArray) -> FloatArray:
    """Geodesic distances in metres between consecutive points.

    Parameters
    ----------
    lon, lat : ndarray
        Point coordinates in degrees.

    Returns
    -------
    ndarray
        ``len(lon) - 1`` distances.
    """
    if len(lon) < 2:
        return np.zeros(0)
    return np.asarray(distance_m(lon[:-1], lat[:-1], lon[1:], lat[1:]), dtype=np.float64)


def cumulative_m(coords: Any) -> FloatArray:
    """Cumulative geodesic length at every vertex of a lon/lat line, in metres."""
    xy = np.asarray(coords, dtype=np.float64).reshape(-1, 2)
    if len(xy) < 2:
        return np.zeros(len(xy))
    return np.concatenate([[0.0], np.cumsum(geodesic_steps(xy[:, 0], xy[:, 1]))])


def line_length_m(lon: Any, lat: Any) -> float:
    """Geodesic length of a lon/lat line in metres."""
    return float(wgs84().line_length(lon, lat))
