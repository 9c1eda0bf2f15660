"""The page's basemap: the walking network's streets in a bounding box, as GeoJSON lines.

Drawn by the browser as a vector layer, so the page needs no tile server. Lines are
simplified for drawing only (a few metres, far below what a phone screen shows).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from api.errors import MalformedRequestError
from geomap.answers import LimitError
from geomap.errors import RegistryValidationError
from routing.network import Network

#: Largest box served, in square degrees (about 11 km × 11 km near the equator).
MAX_AREA_DEG2 = 0.01
#: At most this many street pieces per answer (the rest are left out, largest first kept).
MAX_SEGMENTS = 6000
#: Drawing tolerance in degrees (about 5 m): only for display, never for measuring.
SIMPLIFY_DEG = 0.00005
MAJOR = frozenset({"primary", "secondary", "tertiary", "trunk", "residential"})


def _problem(message: str) -> MalformedRequestError:
    return MalformedRequestError(
        [{"index": None, "id": None, "field": "query.bbox", "message": message}], message
    )


def parse_bbox(text: str) -> tuple[float, float, float, float]:
    """``west,south,east,north`` in degrees, checked.

    Raises
    ------
    MalformedRequestError
        For anything but four numbers in degrees.
    RegistryValidationError
        For a box with west >= east or south >= north (422).
    LimitError
        For a box larger than :data:`MAX_AREA_DEG2` (422).
    """
    try:
        w, s, e, n = (float(v) for v in text.split(","))
    except ValueError:
        raise _problem("bbox must be four numbers: west,south,east,north") from None
    if not (-180 <= w <= 180 and -180 <= e <= 180 and -90 <= s <= 90 and -90 <= n <= 90):
        raise _problem("bbox must be four numbers in degrees: west,south,east,north")
    if not (w < e and s < n):  # well formed, but no box (422)
        message = "bbox must be west,south,east,north with west < east, south < north"
        raise RegistryValidationError(
            [{"index": None, "id": None, "field": "query.bbox", "message": message}], message
        )
    if (e - w) * (n - s) > MAX_AREA_DEG2:
        raise LimitError(
            "query.bbox", f"bbox is too large for streets (at most {MAX_AREA_DEG2} square degrees)"
        )
    return w, s, e, n


class StreetIndex:
    """Per-segment bounding boxes of a network, to cut street pieces out of it quickly."""

    def __init__(self, network: Network) -> None:
        self.network = network
        counts = network.seg_end - network.seg_start + 1
        owner = np.repeat(np.arange(network.n_segments), counts)
        order = (
            np.concatenate(
                [
                    np.arange(a, b + 1)
                    for a, b in zip(network.seg_start, network.seg_end, strict=True)
                ]
            )
            if network.n_segments
            else np.zeros(0, dtype=np.int64)
        )
        lon, lat = network.coord_lon[order], network.coord_lat[order]
        n = network.n_segments
        self.west = np.full(n, np.inf)
        self.south = np.full(n, np.inf)
        self.east = np.full(n, -np.inf)
        self.north = np.full(n, -np.inf)
        np.minimum.at(self.west, owner, lon)
        np.minimum.at(self.south, owner, lat)
        np.maximum.at(self.east, owner, lon)
        np.maximum.at(self.north, owner, lat)
        highway = network.segment_attr("highway")
        self.major = np.array([h in MAJOR for h in highway], dtype=bool)

    @property
    def center(self) -> tuple[float, float]:
        """The network's median node, ``(lon, lat)``."""
        return float(np.median(self.network.node_lon)), float(np.median(self.network.node_lat))

    def segments_in(self, bbox: tuple[float, float, float, float]) -> np.ndarray:
        """Indices of the segments whose box meets ``bbox`` (longest kept when too many)."""
        w, s, e, n = bbox
        hit = (self.east >= w) & (self.west <= e) & (self.north >= s) & (self.south <= n)
        found = np.flatnonzero(hit)
        if len(found) > MAX_SEGMENTS:
            longest = np.argsort(-self.network.seg_length[found])[:MAX_SEGMENTS]
            found = np.sort(found[longest])
        return found

    def geojson(self, bbox: tuple[float, float, float, float]) -> dict[str, Any]:
        """The streets meeting ``bbox``: two MultiLineStrings, major and minor streets."""
        import shapely

        found = self.segments_in(bbox)
        lines: dict[bool, list[list[list[float]]]] = {True: [], False: []}
        for seg in found.tolist():
            coords = self.network.segment_coords(seg)
            if len(coords) > 2:
                coords = shapely.get_coordinates(
                    shapely.simplify(shapely.linestrings(coords), SIMPLIFY_DEG)
                )
            lines[bool(self.major[seg])].append(np.round(coords, 5).tolist())
        return {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"major": major},
                    "geometry": {"type": "MultiLineString", "coordinates": lines[major]},
                }
                for major in (True, False)
                if lines[major]
            ],
        }
