"""A generated, corridor-like road network at country scale (deterministic from a seed).

:func:`corridor_osm` lays out what a migration corridor crosses: towns as street grids of
different sizes, strung along a trunk road that joins them, villages beside the trunk reached by
short tracks, and, half way, a border crossing on a bridge. It returns the same
:class:`~routing.osm.OSMData` the OSM reader produces, so :func:`routing.build.build_network`
builds it like a real extract; :func:`write_pbf` writes it as a real ``.osm.pbf`` (pyosmium) for
``geomap network build --pbf``. Sizes are counted in *directed edges of the walking network*.

Every town has named, partly lit residential streets with sidewalks on some, a primary main
street, and a footway tunnel under one street (for the snapping level rule).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from routing.osm import OSMData

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
_M_PER_DEG = 111_195.0


@dataclass
class _Ways:
    """Ways under construction: tags and node-id lists, plus node locations."""

    tags: list[dict[str, str]]
    refs: list[IntArray]
    node_lon: list[FloatArray]
    node_lat: list[FloatArray]
    next_node: int = 1

    def nodes(self, lon: FloatArray, lat: FloatArray) -> IntArray:
        ids = np.arange(self.next_node, self.next_node + len(lon), dtype=np.int64)
        self.next_node += len(lon)
        self.node_lon.append(np.asarray(lon, dtype=np.float64))
        self.node_lat.append(np.asarray(lat, dtype=np.float64))
        return ids

    def way(self, refs: IntArray, **tags: str) -> None:
        self.refs.append(np.asarray(refs, dtype=np.int64))
        self.tags.append(tags)


def _town(
    ways: _Ways, rng: np.random.Generator, centre: tuple[float, float], size: int, k: int
) -> tuple[int, int]:
    """A ``size`` x ``size`` street grid around ``centre``; its west and east end nodes."""
    lon, lat = centre
    spacing = rng.uniform(80.0, 130.0)
    dlat = spacing / _M_PER_DEG
    dlon = dlat / math.cos(math.radians(lat))
    idx = np.arange(size) - (size - 1) / 2
    gx, gy = np.meshgrid(idx, idx)
    jitter = rng.uniform(-0.12, 0.12, size=(2, size, size))
    glon = lon + (gx + jitter[0]) * dlon
    glat = lat + (gy + jitter[1]) * dlat
    ids = ways.nodes(glon.ravel(), glat.ravel()).reshape(size, size)
    main = size // 2
    for r in range(size):
        tags = {"highway": "residential", "name": f"Calle {r + 1}"}
        if r == main:
            tags = {"highway": "primary", "name": f"Avenida Central {k}"}
        if rng.random() < 0.6:
            tags["lit"] = "yes" if rng.random() < 0.7 else "no"
        if rng.random() < 0.4:
            tags["sidewalk"] = "both" if r != main or rng.random() < 0.5 else "no"
        ways.way(ids[r, :], **tags)
    for c in range(size):
        tags = {"highway": "residential", "name": f"Carrera {c + 1}"}
        if rng.random() < 0.5:
            tags["lit"] = "yes"
        ways.way(ids[:, c], **tags)
    if size >= 4:  # a footway tunnel under the second street, between two of its corners
        ways.way(np.array([ids[0, 1], ids[2, 2]]), highway="footway", tunnel="yes", layer="-1")
    return int(ids[main, 0]), int(ids[main, -1])


def _trunk(
    ways: _Ways, a: int, b: int, ends: FloatArray, step_m: float, **tags: str
) -> tuple[IntArray, FloatArray]:
    """A trunk way from node ``a`` to node ``b``, a vertex every ``step_m``; its inner nodes."""
    (lon_a, lat_a), (lon_b, lat_b) = ends
    dist = math.hypot((lon_b - lon_a) * math.cos(math.radians(lat_a)), lat_b - lat_a) * _M_PER_DEG
    count = max(0, int(dist // step_m) - 1)
    f = np.arange(1, count + 1) / (count + 1)
    xy = np.column_stack([lon_a + f * (lon_b - lon_a), lat_a + f * (lat_b - lat_a)])
    mid = ways.nodes(xy[:, 0], xy[:, 1])
    ways.way(np.concatenate([[a], mid, [b]]).astype(np.int64), **tags)
    return mid, xy


def _town_size(rng: np.random.Generator, budget: float) -> int:
    """Towns of 10 to 240 streets a side, mostly small; the last one takes what is left."""
    size = int(min(240, 10 + rng.pareto(1.2) * 40))
    if budget > 4 * size * (size - 1) + 4 * 10 * 9:
        return size
    return max(3, int(math.sqrt(budget / 4)) + 1)


def corridor_osm(
    edges: int, *, seed: int = 0, start: tuple[float, float] = (-67.0, 10.4)
) -> OSMData:
    """Generate a corridor of about ``edges`` directed walking edges (within a few percent).

    Parameters
    ----------
    edges : int
        Target number of directed edges of the walking network built from it.
    seed : int
        Random seed: the same seed and size give the same data.
    start : (lon, lat)
        Where the corridor starts; it heads south-south-west from there.

    Returns
    -------
    OSMData
        Ways with node ids and locations, as the OSM reader returns them.
    """
    rng = np.random.default_rng(seed)
    ways = _Ways([], [], [], [])
    lon, lat = start
    heading = math.radians(200.0)  # clockwise from north
    ends: list[tuple[int, int]] = []
    budget = float(edges)
    while budget > 0:
        size = _town_size(rng, budget)
        ends.append(_town(ways, rng, (lon, lat), size, len(ends) + 1))
        budget -= 4 * size * (size - 1) + 60
        gap_km = rng.uniform(2.0, 8.0) + size * 0.11
        heading += rng.uniform(-0.3, 0.3)
        lon += gap_km * 1000 * math.sin(heading) / (_M_PER_DEG * math.cos(math.radians(lat)))
        lat += gap_km * 1000 * math.cos(heading) / _M_PER_DEG
    town_lon = np.concatenate(ways.node_lon)
    town_lat = np.concatenate(ways.node_lat)

    def at(node: int) -> list[float]:
        return [float(town_lon[node - 1]), float(town_lat[node - 1])]

    trunk = {"highway": "trunk", "ref": "T-1", "name": "Troncal del Norte"}
    border = len(ends) // 2
    for i in range(len(ends) - 1):
        a, b = ends[i][0], ends[i + 1][1]  # a town's west end to the next one's east end
        pa, pb = at(a), at(b)
        if i == border:  # the border: a bridge half way
            mx, my = (pa[0] + pb[0]) / 2, (pa[1] + pb[1]) / 2
            east, west = ways.nodes(np.array([mx + 0.002, mx - 0.002]), np.array([my, my]))
            _trunk(ways, a, int(east), np.array([pa, [mx + 0.002, my]]), 250.0, **trunk)
            ways.way(np.array([east, west]), highway="trunk", ref="T-1",
                     name="Puente Internacional", bridge="yes", layer="1", sidewalk="no",
                     lit="yes")  # fmt: skip
            _trunk(ways, int(west), b, np.array([[mx - 0.002, my], pb]), 250.0, **trunk)
            continue
        mid, xy = _trunk(ways, a, b, np.array([pa, pb]), 250.0, **trunk)
        for j in rng.choice(len(mid), size=min(len(mid), 2), replace=False).tolist():
            vx = xy[j, 0] + rng.uniform(-0.01, 0.01)
            vy = xy[j, 1] + rng.uniform(0.008, 0.015)
            ways.way(np.array([mid[j], _village(ways, rng, vx, vy)]), highway="track")
    return _finish(ways, f"synthetic corridor (seed {seed}, {edges} edges)")


def _village(ways: _Ways, rng: np.random.Generator, lon: float, lat: float) -> int:
    """A 3 x 3 village grid; returns its corner node that the track reaches."""
    d = 90.0 / _M_PER_DEG
    gx, gy = np.meshgrid(np.arange(3), np.arange(3))
    ids = ways.nodes(
        np.asarray(lon + gx.ravel() * d * 1.2, np.float64),
        np.asarray(lat + gy.ravel() * d, np.float64),
    ).reshape(3, 3)
    for r in range(3):
        ways.way(ids[r, :], highway="unclassified")
        ways.way(ids[:, r], highway="path" if rng.random() < 0.5 else "unclassified")
    return int(ids[0, 0])


def _finish(ways: _Ways, source: str) -> OSMData:
    node_lon = np.concatenate(ways.node_lon)
    node_lat = np.concatenate(ways.node_lat)
    lengths = np.array([len(r) for r in ways.refs], dtype=np.int64)
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    refs = np.concatenate(ways.refs)
    return OSMData(
        way_ids=np.arange(1, len(lengths) + 1, dtype=np.int64),
        way_tags=ways.tags,
        offsets=offsets,
        node_ids=refs,
        lon=node_lon[refs - 1],
        lat=node_lat[refs - 1],
        source=source,
        meta={"synthetic": True},
    )


def write_pbf(osm: OSMData, path: str | os.PathLike[str]) -> Path:
    """Write ways and their nodes as an OSM file (format from the suffix, e.g. ``.osm.pbf``).

    The file is written to a temporary name and renamed into place.
    """
    import osmium

    dest = Path(path)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.tmp{''.join(dest.suffixes)}")
    tmp.unlink(missing_ok=True)
    ids, first = np.unique(osm.node_ids, return_index=True)
    try:
        writer = osmium.SimpleWriter(str(tmp))
        try:
            for node, x, y in zip(ids.tolist(), osm.lon[first].tolist(), osm.lat[first].tolist(),
                                  strict=True):  # fmt: skip
                writer.add_node(osmium.osm.mutable.Node(id=node, location=(x, y)))
            refs = osm.node_ids.tolist()
            bounds = osm.offsets.tolist()
            for i, (way, tags) in enumerate(zip(osm.way_ids.tolist(), osm.way_tags, strict=True)):
                writer.add_way(
                    osmium.osm.mutable.Way(id=way, nodes=refs[bounds[i] : bounds[i + 1]], tags=tags)
                )
        finally:
            writer.close()
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
    return dest
