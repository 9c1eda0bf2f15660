"""The map page's vector basemap: streets with names, water, parks and land use, in tiles.

Everything comes from our own data: the streets and their names from the walking network,
the polygons (water, parks, land use) and rivers from the OpenStreetMap extract the network
was built from, read with pyosmium (multipolygons assembled by its area handler). An extract
with streets only gives streets only.

Tiles follow the web-mercator grid (``z/x/y``). Each tile is a small JSON document with
coordinates quantized to integers in ``0..EXTENT`` across the tile (points of lines leaving
the tile may fall outside), simplified to about a pixel at that zoom and delta-encoded (the
first point of a line or ring as is, each next one as a step from the one before):

* ``streets``: ``[class, name index or -1, [x0, y0, x1, y1, ...]]`` with class 2 for main
  streets, 1 for other streets, 0 for paths;
* ``names``: the street names used in the tile;
* ``water``, ``park``, ``landuse``: polygons, each a list of rings ``[x0, y0, dx1, dy1, ...]``;
* ``rivers``: lines.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from routing.network import Network

EXTENT = 4096
MIN_ZOOM = 12
MAX_ZOOM = 18
#: Below this zoom, paths and service ways are left out (and one zoom lower, all but the main
#: streets).
DETAIL_ZOOM = 15
MAIN = frozenset({"trunk", "primary", "secondary", "tertiary", "trunk_link", "primary_link",
                  "secondary_link", "tertiary_link"})  # fmt: skip
PATHS = frozenset({"footway", "path", "steps", "cycleway", "track", "pedestrian", "bridleway"})
WATER = {
    ("natural", "water"), ("waterway", "riverbank"), ("landuse", "reservoir"),
    ("landuse", "basin"), ("natural", "wetland"),
}  # fmt: skip
PARK = {
    ("leisure", "park"), ("leisure", "garden"), ("leisure", "playground"),
    ("leisure", "pitch"), ("leisure", "nature_reserve"), ("landuse", "grass"),
    ("landuse", "meadow"), ("landuse", "recreation_ground"), ("landuse", "forest"),
    ("natural", "wood"), ("natural", "scrub"), ("landuse", "village_green"),
}  # fmt: skip
LANDUSE = {
    ("landuse", "commercial"), ("landuse", "retail"), ("landuse", "industrial"),
    ("landuse", "residential"), ("amenity", "hospital"), ("amenity", "school"),
    ("amenity", "university"),
}  # fmt: skip
RIVERS = frozenset({"river", "stream", "canal"})


class TileError(ValueError):
    """A tile address outside the grid or the served zooms."""


def classify(tags: dict[str, str]) -> str | None:
    """Which polygon layer an OSM area with these tags belongs to (None: none)."""
    pairs = set(tags.items())
    for layer, kinds in (("water", WATER), ("park", PARK), ("landuse", LANDUSE)):
        if pairs & kinds:
            return layer
    return None


@dataclass
class Areas:
    """Polygons and lines read from an OSM extract (lon/lat shapely geometries)."""

    polygons: dict[str, list[Any]] = field(
        default_factory=lambda: {"water": [], "park": [], "landuse": []}
    )
    rivers: list[Any] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        """How many features of each layer."""
        return {**{k: len(v) for k, v in self.polygons.items()}, "rivers": len(self.rivers)}


def read_areas(path: str | Path) -> Areas:
    """Water, parks, land use and rivers of an OSM file (``.osm``, ``.osm.pbf`` …).

    Closed ways and multipolygon relations are assembled by pyosmium; broken multipolygons
    (members missing from a clipped extract) are left out.
    """
    import osmium
    import shapely

    found = Areas()
    wkb = osmium.geom.WKBFactory()

    class Handler(osmium.SimpleHandler):  # type: ignore[misc]
        def area(self, a: Any) -> None:
            tags = {t.k: t.v for t in a.tags}
            layer = classify(tags)
            if layer is None:
                return
            try:
                geom = shapely.from_wkb(wkb.create_multipolygon(a))
            except RuntimeError:  # an incomplete ring
                return
            if not geom.is_empty:
                found.polygons[layer].append(geom)

        def way(self, w: Any) -> None:
            if w.tags.get("waterway") in RIVERS:
                try:
                    found.rivers.append(shapely.from_wkb(wkb.create_linestring(w)))
                except RuntimeError:
                    return

    Handler().apply_file(str(path), locations=True)
    return found


def tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """``(west, south, east, north)`` of a web-mercator tile in degrees."""
    n = 2**z

    def lat(row: int) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / n))))

    return x / n * 360.0 - 180.0, lat(y + 1), (x + 1) / n * 360.0 - 180.0, lat(y)


def _mercator(lon: Any, lat: Any) -> tuple[Any, Any]:
    """Lon/lat to unit web-mercator (0..1 across the world, y down)."""
    lat = np.clip(lat, -85.05112878, 85.05112878)
    x = (np.asarray(lon) + 180.0) / 360.0
    s = np.sin(np.radians(lat))
    y = 0.5 - np.log((1 + s) / (1 - s)) / (4 * math.pi)
    return x, y


def tiles_covering(
    bbox: tuple[float, float, float, float], zooms: Iterable[int]
) -> list[tuple[int, int, int]]:
    """Every tile of ``zooms`` meeting ``bbox``."""
    w, s, e, n = bbox
    out = []
    for z in zooms:
        scale = 2**z
        x0, y0 = _mercator(w, n)
        x1, y1 = _mercator(e, s)
        for x in range(int(x0 * scale), min(int(x1 * scale), scale - 1) + 1):
            for y in range(int(y0 * scale), min(int(y1 * scale), scale - 1) + 1):
                out.append((z, x, y))
    return out


class Basemap:
    """Tiles of streets (from a network) and areas (from an OSM extract).

    Parameters
    ----------
    network : Network
        The walking network: its streets, names and highway classes.
    areas : Areas, optional
        Polygons and rivers; none when the extract has none.
    """

    def __init__(self, network: Network, areas: Areas | None = None) -> None:
        import shapely

        self.network = network
        self.areas = areas or Areas()
        lon, lat = network.coord_lon, network.coord_lat
        self._mx, self._my = _mercator(lon, lat)
        highway = network.segment_attr("highway")
        self.klass = np.array(
            [2 if h in MAIN else 0 if h in PATHS or h == "service" else 1 for h in highway],
            dtype=np.int8,
        )
        self.is_path = np.array([h in PATHS for h in highway], dtype=bool)
        self.names = network.segment_attr("name")
        counts = network.seg_end - network.seg_start + 1
        owner = np.repeat(np.arange(network.n_segments), counts)
        n = network.n_segments
        self.x0 = np.full(n, np.inf)
        self.y0 = np.full(n, np.inf)
        self.x1 = np.full(n, -np.inf)
        self.y1 = np.full(n, -np.inf)
        order = np.concatenate(
            [np.arange(a, b + 1) for a, b in zip(network.seg_start, network.seg_end, strict=True)]
        ) if n else np.zeros(0, dtype=np.int64)  # fmt: skip
        np.minimum.at(self.x0, owner, self._mx[order])
        np.minimum.at(self.y0, owner, self._my[order])
        np.maximum.at(self.x1, owner, self._mx[order])
        np.maximum.at(self.y1, owner, self._my[order])
        self._layers: dict[str, tuple[Any, Any]] = {}
        for layer, geoms in [*self.areas.polygons.items(), ("rivers", self.areas.rivers)]:
            projected = [
                shapely.transform(g, lambda xy: np.column_stack(_mercator(xy[:, 0], xy[:, 1])))
                for g in geoms
            ]
            self._layers[layer] = (np.array(projected, dtype=object), shapely.STRtree(projected))
        self.tile = lru_cache(maxsize=2048)(self._tile)

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        """The network's extent in degrees."""
        net = self.network
        return (float(net.node_lon.min()), float(net.node_lat.min()),
                float(net.node_lon.max()), float(net.node_lat.max()))  # fmt: skip

    def _tile(self, z: int, x: int, y: int) -> dict[str, Any]:
        """The tile ``z/x/y`` (see the module documentation)."""
        import shapely

        if not MIN_ZOOM <= z <= MAX_ZOOM or not (0 <= x < 2**z and 0 <= y < 2**z):
            raise TileError(f"tile {z}/{x}/{y} is outside the basemap (zoom {MIN_ZOOM}-{MAX_ZOOM})")
        scale = 2**z
        tx0, ty0 = x / scale, y / scale
        size = 1.0 / scale
        pad = size * 0.02
        hit = (self.x1 >= tx0 - pad) & (self.x0 <= tx0 + size + pad)
        hit &= (self.y1 >= ty0 - pad) & (self.y0 <= ty0 + size + pad)
        if z < DETAIL_ZOOM - 1:
            hit &= self.klass == 2  # the main streets only
        elif z < DETAIL_ZOOM:
            hit &= self.klass > 0
        tolerance = 1.0 * EXTENT / 512  # about half a pixel of a 256 px tile, in tile units
        net = self.network
        names: dict[str, int] = {}
        streets = []
        for seg in np.flatnonzero(hit).tolist():
            a, b = int(net.seg_start[seg]), int(net.seg_end[seg])
            qx = (self._mx[a : b + 1] - tx0) / size * EXTENT
            qy = (self._my[a : b + 1] - ty0) / size * EXTENT
            line = np.column_stack([qx, qy])
            if len(line) > 2:
                line = shapely.get_coordinates(
                    shapely.simplify(shapely.linestrings(line), tolerance)
                )
            flat = _delta(line)
            name = self.names[seg]
            index = names.setdefault(name, len(names)) if name else -1
            streets.append([int(self.klass[seg]), index, flat])
        out: dict[str, Any] = {"z": z, "x": x, "y": y, "extent": EXTENT, "names": list(names),
                               "streets": streets}  # fmt: skip
        box = shapely.box(tx0 - pad, ty0 - pad, tx0 + size + pad, ty0 + size + pad)
        for layer, (geoms, tree) in self._layers.items():
            parts = []
            for i in tree.query(box).tolist():
                piece = shapely.clip_by_rect(geoms[i], *box.bounds)
                if piece.is_empty:
                    continue
                piece = shapely.transform(piece, lambda xy: (xy - [tx0, ty0]) / size * EXTENT)
                piece = shapely.simplify(piece, tolerance)
                parts.extend(_flatten(piece))
            if layer == "rivers":
                out[layer] = [p for p in parts if len(p) >= 4]
            else:
                out[layer] = [p for p in parts if p and len(p[0]) >= 6]
        return out


def _delta(xy: Any) -> list[int]:
    """Integer coordinates, the first absolute and each next one as a step from the last."""
    q = np.round(np.asarray(xy, dtype=np.float64)).astype(np.int64).reshape(-1, 2)
    steps = np.diff(q, axis=0, prepend=np.zeros((1, 2), dtype=np.int64))
    out: list[int] = steps.ravel().tolist()
    return out


def _flatten(geom: Any) -> list[Any]:
    """Rings of polygons (one list of rings per polygon) or lines, as integer lists."""
    import shapely

    kind = shapely.get_type_id(geom)
    if kind in (1, 2):  # line, ring
        return [_delta(shapely.get_coordinates(geom))]
    if kind == 3:  # polygon: its rings together
        rings = [geom.exterior, *geom.interiors]
        return [[_delta(shapely.get_coordinates(r)) for r in rings]]  # fmt: skip
    out: list[Any] = []
    for part in getattr(geom, "geoms", []):
        out.extend(_flatten(part))
    return out
