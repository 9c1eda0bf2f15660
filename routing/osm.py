"""Read OpenStreetMap ways into plain arrays.

Two sources feed the same pure network builder (:mod:`routing.build`):

* local files — ``.osm.pbf``, ``.osm``, ``.osm.bz2``, ``.osm.gz`` — read with pyosmium
  (libosmium), streaming, with node locations attached to ways;
* Overpass JSON responses, as downloaded by osmnx for the online path
  (:func:`osm_from_overpass`).

Only ways with a ``highway`` tag are kept, and of their tags only those the profiles and the
safety model need (:data:`KEPT_TAGS`).
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from routing.errors import OSMReadError

#: Way tags kept by the reader: what profiles filter on and what the safety model reads.
KEPT_TAGS: frozenset[str] = frozenset(
    {
        "highway",
        "name",
        "ref",
        "lit",
        "sidewalk",
        "sidewalk:both",
        "sidewalk:left",
        "sidewalk:right",
        "surface",
        "maxspeed",
        "foot",
        "access",
        "oneway",
        "oneway:foot",
        "junction",
        "area",
        "service",
        "motor_vehicle",
        "motorcar",
        "vehicle",
        "wheelchair",
        "bridge",
        "tunnel",
        "layer",
    }
)
_KEPT_ORDER: tuple[str, ...] = tuple(sorted(KEPT_TAGS))

#: File name endings that pyosmium reads.
OSM_SUFFIXES: tuple[str, ...] = (".osm.pbf", ".pbf", ".osm", ".osm.bz2", ".osm.gz", ".xml")

BBox = tuple[float, float, float, float]


@dataclass
class OSMData:
    """Highway ways with their node ids and node locations, in flat arrays.

    Way ``i`` uses the entries ``offsets[i]:offsets[i + 1]`` of ``node_ids``, ``lon`` and
    ``lat``. A node whose location is unknown (a clipped extract) has NaN coordinates.
    """

    way_ids: npt.NDArray[np.int64]
    way_tags: list[dict[str, str]]
    offsets: npt.NDArray[np.int64]
    node_ids: npt.NDArray[np.int64]
    lon: npt.NDArray[np.float64]
    lat: npt.NDArray[np.float64]
    source: str = ""
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def n_ways(self) -> int:
        """Number of ways."""
        return len(self.way_ids)


class _Collector:
    """Accumulates ways into growing Python arrays, then hands out numpy arrays."""

    def __init__(self) -> None:
        self.way_ids: list[int] = []
        self.way_tags: list[dict[str, str]] = []
        self.lengths: list[int] = []
        self.node_ids: list[int] = []
        self.lon: list[float] = []
        self.lat: list[float] = []

    def add(
        self,
        way_id: int,
        tags: dict[str, str],
        node_ids: list[int],
        lon: list[float],
        lat: list[float],
    ) -> None:
        self.way_ids.append(way_id)
        self.way_tags.append(tags)
        self.lengths.append(len(node_ids))
        self.node_ids.extend(node_ids)
        self.lon.extend(lon)
        self.lat.extend(lat)

    def finish(self, source: str) -> OSMData:
        offsets = np.zeros(len(self.lengths) + 1, dtype=np.int64)
        np.cumsum(np.asarray(self.lengths, dtype=np.int64), out=offsets[1:])
        return OSMData(
            way_ids=np.asarray(self.way_ids, dtype=np.int64),
            way_tags=self.way_tags,
            offsets=offsets,
            node_ids=np.asarray(self.node_ids, dtype=np.int64),
            lon=np.asarray(self.lon, dtype=np.float64),
            lat=np.asarray(self.lat, dtype=np.float64),
            source=source,
        )


def _kept_tags(tags: Any) -> dict[str, str]:
    # one lookup per kept key costs half of walking every tag of the way (measured)
    get = tags.get
    return {k: v for k in _KEPT_ORDER if (v := get(k)) is not None}


def _in_bbox(lon: list[float], lat: list[float], bbox: BBox) -> bool:
    west, south, east, north = bbox
    return any(
        west <= x <= east and south <= y <= north
        for x, y in zip(lon, lat, strict=True)
        if not math.isnan(x)
    )


def read_osm(path: str | os.PathLike[str], *, bbox: BBox | None = None) -> OSMData:
    """Read the highway ways of a local OSM file.

    Parameters
    ----------
    path : str or os.PathLike
        An ``.osm.pbf``, ``.osm``, ``.osm.bz2`` or ``.osm.gz`` file.
    bbox : tuple of float, optional
        ``(west, south, east, north)`` in degrees: keep only ways with at least one node
        inside (a cheap pre-filter before clipping a national extract to a corridor).

    Returns
    -------
    OSMData
        The ways, their kept tags, node ids and node locations.

    Raises
    ------
    OSMReadError
        If the file is missing, unreadable, truncated or not OSM data.
    """
    import osmium  # heavy compiled import: only when reading

    p = Path(path)
    if not p.is_file():
        raise OSMReadError(f"OSM file not found: {p}")
    name = p.name.lower()
    if not name.endswith(OSM_SUFFIXES):
        raise OSMReadError(f"{p}: unknown OSM file type; expected one of {', '.join(OSM_SUFFIXES)}")
    collector = _Collector()
    nan = float("nan")
    try:
        processor = (
            osmium.FileProcessor(str(p), osmium.osm.NODE | osmium.osm.WAY)
            .with_locations()
            .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
            .with_filter(osmium.filter.KeyFilter("highway"))
        )
        for way in processor:
            ids: list[int] = []
            lon: list[float] = []
            lat: list[float] = []
            for nd in way.nodes:  # type: ignore[union-attr]
                ids.append(nd.ref)
                loc = nd.location
                if loc.valid():
                    lon.append(loc.lon)
                    lat.append(loc.lat)
                else:
                    lon.append(nan)
                    lat.append(nan)
            if bbox is not None and not _in_bbox(lon, lat, bbox):
                continue
            collector.add(way.id, _kept_tags(way.tags), ids, lon, lat)
    except RuntimeError as exc:  # libosmium reports format errors as RuntimeError
        raise OSMReadError(f"{p}: unreadable or truncated OSM data ({exc})") from exc
    return collector.finish(str(p))


def osm_from_overpass(
    responses: Iterable[Mapping[str, Any]], *, source: str = "overpass"
) -> OSMData:
    """Turn Overpass API JSON responses (``out body; >; out skel qt;``) into :class:`OSMData`.

    This is the form in which osmnx downloads a network; a way whose nodes are split across
    responses is resolved over all of them.

    Parameters
    ----------
    responses : iterable of mapping
        Parsed Overpass JSON documents, each with an ``elements`` list.
    source : str
        A label recorded as the data's source.

    Returns
    -------
    OSMData

    Raises
    ------
    OSMReadError
        If a response has no ``elements`` list or an element is malformed.
    """
    locations: dict[int, tuple[float, float]] = {}
    ways: dict[int, tuple[list[int], dict[str, str]]] = {}
    for i, response in enumerate(responses):
        elements = response.get("elements")
        if not isinstance(elements, list):
            raise OSMReadError(f"Overpass response {i} has no 'elements' list")
        for element in elements:
            try:
                kind = element["type"]
                if kind == "node":
                    locations[int(element["id"])] = (float(element["lon"]), float(element["lat"]))
                elif kind == "way":
                    tags = element.get("tags", {})
                    if "highway" in tags:
                        kept = {k: str(v) for k, v in tags.items() if k in KEPT_TAGS}
                        ways[int(element["id"])] = ([int(n) for n in element["nodes"]], kept)
            except (KeyError, TypeError, ValueError) as exc:
                raise OSMReadError(
                    f"Overpass response {i}: malformed element {element!r:.120} ({exc})"
                ) from exc
    collector = _Collector()
    nan = (float("nan"), float("nan"))
    for way_id in sorted(ways):
        node_ids, tags = ways[way_id]
        coords = [locations.get(n, nan) for n in node_ids]
        collector.add(way_id, tags, node_ids, [c[0] for c in coords], [c[1] for c in coords])
    return collector.finish(source)
