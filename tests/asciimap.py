"""Small OSM test maps drawn in ASCII.

A test draws its street map as text and lists the ways separately::

    MAP = '''
    a---b---c
        |
        d---e
    '''
    m = AsciiMap(MAP, {"abc": {"highway": "primary", "name": "Av A"}, "bde": {"highway": "trunk"}})
    path = m.write(tmp_path / "map.osm")     # also .osm.bz2, .osm.gz, .osm.pbf
    doc = m.overpass()                        # the same data as an Overpass JSON response

Conventions
-----------
* Every letter or digit of the drawing is a node named by that character; all other
  characters (``-``, ``|``, ``/``, ``+`` ...) are decoration only. Which nodes a way joins is
  given by the way's key (``"abc"``: a way through nodes ``a``, ``b``, ``c`` in that order), not
  read from the lines, so draw the lines for the reader.
* Grid: one character cell is ``spacing`` metres (default 100 m) east-west **and** north-south.
  Row 0 is the first line that is not blank, column 0 the first character of each line (the
  drawing is not dedented). Rows grow southwards.
* Cell ``(col, row)`` is projected with a transverse Mercator centred on ``origin`` (default near
  Porto Alegre, lat -30, so that lon/lat scaling is far from equatorial): within a few km,
  distances on the grid equal geodesic distances to well under a millimetre. Node coordinates
  are then rounded to 1e-7 degree, the fixed precision of OSM files, so the coordinates read
  back from a file are exactly those of :meth:`AsciiMap.lonlat`. Neighbouring cells are thus
  ``spacing`` metres apart within about a centimetre.
* Expected lengths must not come from the code under test: :meth:`AsciiMap.length` measures a
  node path with ``pyproj.Geod`` (WGS 84) on the rounded coordinates.
* Node ``x`` gets OSM id ``NODE_ID_BASE + ord(x)``; way ``i`` (in the order given) gets
  ``WAY_ID_BASE + i`` unless its tags hold ``"@id"``.

Extra nodes that are awkward to draw go in ``positions`` (fractional grid cells, e.g. a node in
the middle of an edge) or ``coords`` (explicit lon/lat); node tags go in ``node_tags``. Several
ways over the same letters can be given as a list of ``(letters, tags)`` pairs instead of a dict.

Reading results back: :meth:`AsciiMap.trace` turns a route's coordinates into node letters
(``"*bc"``: from a snapped point that is no node, through b to c), :meth:`AsciiMap.names` turns
network node indices into letters, :meth:`AsciiMap.node_index` the reverse.

The ``.osm.pbf`` form is converted from the XML with pyosmium's writer. In ``tests/routing`` the
module is imported as ``asciimap`` (``tests/routing/conftest.py`` loads it from this file).
"""

from __future__ import annotations

import bz2
import gzip
import itertools
import os
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from pyproj import Geod, Transformer

NODE_ID_BASE = 10_000
WAY_ID_BASE = 500
TIMESTAMP = "2024-05-01T12:00:00Z"
ORIGIN = (-51.23, -30.03)  # lon, lat of grid cell (0, 0)
GEOD = Geod(ellps="WGS84")
#: Two coordinates closer than this (degrees, about 0.1 mm) are the same point.
COORD_TOLERANCE = 1e-9

LonLat = tuple[float, float]
WaySpec = Mapping[str, Mapping[str, str]] | Iterable[tuple[str, Mapping[str, str]]]


def geodesic(p: Sequence[float], q: Sequence[float]) -> float:
    """Geodesic distance in metres between two lon/lat points (WGS 84)."""
    return float(GEOD.inv(p[0], p[1], q[0], q[1])[2])


def moved(p: Sequence[float], azimuth: float, metres: float) -> LonLat:
    """The point ``metres`` away from ``p`` in direction ``azimuth`` (degrees from north)."""
    lon, lat, _ = GEOD.fwd(p[0], p[1], azimuth, metres)
    return float(lon), float(lat)


class AsciiMap:
    """An OSM map drawn in ASCII (see the module documentation)."""

    def __init__(
        self,
        drawing: str,
        ways: WaySpec,
        *,
        node_tags: Mapping[str, Mapping[str, str]] | None = None,
        positions: Mapping[str, tuple[float, float]] | None = None,
        coords: Mapping[str, LonLat] | None = None,
        spacing: float = 100.0,
        origin: LonLat = ORIGIN,
    ) -> None:
        self.spacing = float(spacing)
        self.origin = origin
        self._to_lonlat = Transformer.from_crs(
            f"+proj=tmerc +lon_0={origin[0]} +lat_0={origin[1]} +k=1 +ellps=WGS84 +units=m",
            "EPSG:4326",
            always_xy=True,
        )
        cells: dict[str, tuple[float, float]] = {}
        lines = drawing.split("\n")
        while lines and not lines[0].strip():
            lines.pop(0)
        for row, line in enumerate(lines):
            for col, ch in enumerate(line):
                if ch.isascii() and ch.isalnum():
                    if ch in cells:
                        raise ValueError(f"node {ch!r} is drawn twice")
                    cells[ch] = (float(col), float(row))
        cells.update({k: (float(c), float(r)) for k, (c, r) in (positions or {}).items()})
        self.cells = cells
        self._lonlat: dict[str, LonLat] = {k: self.grid_point(*cr) for k, cr in cells.items()}
        for k, (lon, lat) in (coords or {}).items():
            self._lonlat[k] = (round(lon * 1e7) / 1e7, round(lat * 1e7) / 1e7)
        for k in self._lonlat:
            if len(k) != 1:
                raise ValueError(f"node names are single characters, not {k!r}")
        self.node_tags = {k: dict(v) for k, v in (node_tags or {}).items()}
        for k in self.node_tags:
            self._check(k)

        items = ways.items() if isinstance(ways, Mapping) else ways
        self.ways: list[tuple[int, str, dict[str, str]]] = []
        self._way_ids: dict[str, int] = {}
        for i, (letters, given) in enumerate(items):
            tags = dict(given)
            way_id = int(tags.pop("@id", WAY_ID_BASE + i))
            if len(letters) < 2:
                raise ValueError(f"way {letters!r} needs at least two nodes")
            for k in letters:
                self._check(k)
            self.ways.append((way_id, letters, tags))
            self._way_ids.setdefault(letters, way_id)

    # ------------------------------------------------------------------ geometry
    def _check(self, letter: str) -> None:
        if letter not in self._lonlat:
            raise KeyError(f"node {letter!r} is neither drawn nor placed")

    def grid_point(self, col: float, row: float) -> LonLat:
        """Lon/lat of a (fractional) grid cell, rounded to 1e-7 degree like OSM files."""
        lon, lat = self._to_lonlat.transform(col * self.spacing, -row * self.spacing)
        return round(lon * 1e7) / 1e7, round(lat * 1e7) / 1e7

    def lonlat(self, letter: str) -> LonLat:
        """Coordinates of a node, exactly as written to the files."""
        self._check(letter)
        return self._lonlat[letter]

    def length(self, path: str) -> float:
        """Geodesic length in metres of the polyline through the given nodes."""
        pts = [self.lonlat(k) for k in path]
        return sum(geodesic(p, q) for p, q in itertools.pairwise(pts))

    def along(self, a: str, b: str, fraction: float) -> LonLat:
        """The point ``fraction`` of the way along the geodesic from node ``a`` to node ``b``."""
        pa, pb = self.lonlat(a), self.lonlat(b)
        azimuth, _, dist = GEOD.inv(pa[0], pa[1], pb[0], pb[1])
        return moved(pa, azimuth, fraction * dist)

    def azimuth(self, a: str, b: str) -> float:
        """Forward azimuth (degrees from north) of the geodesic from node ``a`` to node ``b``."""
        pa, pb = self.lonlat(a), self.lonlat(b)
        return float(GEOD.inv(pa[0], pa[1], pb[0], pb[1])[0])

    # ------------------------------------------------------------------ ids
    def node_id(self, letter: str) -> int:
        """OSM id of a node."""
        self._check(letter)
        return NODE_ID_BASE + ord(letter)

    def letter(self, osm_id: int) -> str:
        """Name of the node with this OSM id."""
        letter = chr(int(osm_id) - NODE_ID_BASE)
        self._check(letter)
        return letter

    def way_id(self, letters: str) -> int:
        """OSM id of the (first) way through these nodes."""
        return self._way_ids[letters]

    # ------------------------------------------------------------------ reading results
    def node_index(self, network: Any, letter: str) -> int:
        """Index of a node in a routing network."""
        hits = np.flatnonzero(np.asarray(network.node_osmid) == self.node_id(letter))
        if len(hits) != 1:
            raise KeyError(f"node {letter!r} is not a graph node of the network")
        return int(hits[0])

    def names(self, network: Any, nodes: Iterable[int]) -> str:
        """Names of graph nodes given by their network indices, as one string."""
        osmid = np.asarray(network.node_osmid)
        return "".join(self.letter(osmid[int(i)]) for i in nodes)

    def trace(self, coords: Any) -> str:
        """The vertices of a polyline as node names, ``*`` for a point that is no node.

        Repeats of one node (a route that starts exactly on a node) are collapsed.
        """
        out: list[str] = []
        for lon, lat in np.asarray(coords, dtype=float).tolist():
            name = "*"
            for k, (x, y) in self._lonlat.items():
                if abs(x - lon) <= COORD_TOLERANCE and abs(y - lat) <= COORD_TOLERANCE:
                    name = k
                    break
            if name == "*" or not out or out[-1] != name:
                out.append(name)
        return "".join(out)

    # ------------------------------------------------------------------ output
    def _used_nodes(self) -> list[str]:
        return sorted(self._lonlat, key=self.node_id)

    def xml(self) -> str:
        """The map as an OSM XML document (API 0.6, with version/timestamp attributes)."""
        root = ET.Element("osm", version="0.6", generator="asciimap")
        lons = [p[0] for p in self._lonlat.values()]
        lats = [p[1] for p in self._lonlat.values()]
        ET.SubElement(
            root,
            "bounds",
            minlat=f"{min(lats):.7f}",
            minlon=f"{min(lons):.7f}",
            maxlat=f"{max(lats):.7f}",
            maxlon=f"{max(lons):.7f}",
        )
        common = {
            "visible": "true",
            "version": "1",
            "changeset": "1",
            "timestamp": TIMESTAMP,
            "user": "asciimap",
            "uid": "1",
        }
        for k in self._used_nodes():
            lon, lat = self._lonlat[k]
            node = ET.SubElement(
                root, "node", id=str(self.node_id(k)), **common, lat=f"{lat:.7f}", lon=f"{lon:.7f}"
            )
            for key, value in self.node_tags.get(k, {}).items():
                ET.SubElement(node, "tag", k=key, v=value)
        for way_id, letters, tags in sorted(self.ways):
            way = ET.SubElement(root, "way", id=str(way_id), **common)
            for k in letters:
                ET.SubElement(way, "nd", ref=str(self.node_id(k)))
            for key, value in tags.items():
                ET.SubElement(way, "tag", k=key, v=value)
        ET.indent(root)
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"

    def write(self, path: str | os.PathLike[str]) -> Path:
        """Write the map; the format follows the name: .osm, .osm.bz2, .osm.gz or .osm.pbf."""
        dest = Path(path)
        data = self.xml().encode("utf-8")
        name = dest.name.lower()
        if name.endswith(".pbf"):
            import osmium

            with tempfile.TemporaryDirectory() as tmp:
                xml = Path(tmp) / "map.osm"
                xml.write_bytes(data)
                writer = osmium.SimpleWriter(str(dest), overwrite=True)
                try:
                    for obj in osmium.FileProcessor(str(xml)):
                        writer.add(obj)
                finally:
                    writer.close()
            return dest
        if name.endswith(".bz2"):
            data = bz2.compress(data)
        elif name.endswith(".gz"):
            data = gzip.compress(data, mtime=0)
        dest.write_bytes(data)
        return dest

    def overpass(self) -> dict[str, Any]:
        """The map as one Overpass JSON response of ``out body; >; out skel qt;``.

        Ways come first with their tags, then their nodes as skeletons (no tags), like the
        responses osmnx downloads.
        """
        elements: list[dict[str, Any]] = [
            {
                "type": "way",
                "id": way_id,
                "nodes": [self.node_id(k) for k in letters],
                "tags": dict(tags),
            }
            for way_id, letters, tags in sorted(self.ways)
        ]
        used = {k for _, letters, _ in self.ways for k in letters}
        for k in self._used_nodes():
            if k in used:
                lon, lat = self._lonlat[k]
                elements.append({"type": "node", "id": self.node_id(k), "lat": lat, "lon": lon})
        return {
            "version": 0.6,
            "generator": "Overpass API (asciimap)",
            "osm3s": {"timestamp_osm_base": TIMESTAMP, "copyright": "test data"},
            "elements": elements,
        }
