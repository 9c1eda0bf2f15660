"""The safety cost model: walking time multiplied by penalties.

For a directed edge of length ``L`` metres, of which ``L_z`` lie inside risk zone ``z``::

    cost = (L - sum(L_z) + sum(L_z * m[level_z])) / speed * f_sidewalk * f_unlit * f_slope

* ``m[level]`` is the risk multiplier of the zone's level (``high``, ``medium``, ``low``); an edge
  touching an ``avoid`` zone is closed (``inf``). Overlapping zones add their penalties.
* ``f_sidewalk`` penalizes walking on trunk and primary roads tagged without a sidewalk;
* ``f_unlit`` penalizes streets tagged ``lit=no`` at night; night-only zones count at night only;
* ``f_slope`` follows Tobler's hiking function when an elevation model is given: the time to walk
  an edge uphill or downhill relative to walking it on the flat.

The metres of every edge inside every zone (:class:`Exposure`) are computed once per version of
the risk layer, in metres in a local projection, never per query.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from routing.network import Network

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

LEVELS = ("avoid", "high", "medium", "low")
RISK_TYPES = (
    "armed_groups",
    "trafficking_smuggling",
    "crime_hotspot",
    "irregular_border_crossing",
    "flooding_landslide",
    "extreme_cold_altitude",
    "other",
)
_MAIN_ROADS = frozenset({"trunk", "trunk_link", "primary", "primary_link"})
_NO_SIDEWALK = frozenset({"no", "none"})


@dataclass(frozen=True)
class RiskZone:
    """A risk zone as the cost model sees it.

    Attributes
    ----------
    id : str
        Zone id.
    geometry : shapely Polygon or MultiPolygon
        Area in lon/lat.
    level : str
        ``avoid``, ``high``, ``medium`` or ``low``.
    risk_type : str
        One of :data:`RISK_TYPES`.
    night_only : bool
        Whether the zone applies only at night.
    valid_from, valid_until : datetime, optional
        When the zone applies.
    """

    id: str
    geometry: Any
    level: str
    risk_type: str = "other"
    night_only: bool = False
    valid_from: datetime | None = None
    valid_until: datetime | None = None

    def active(self, when: datetime | None, *, night: bool) -> bool:
        """Whether the zone applies at ``when`` (any time when None) by day or night."""
        if self.night_only and not night:
            return False
        if when is None:
            return True
        naive = when.replace(tzinfo=None)
        start = self.valid_from.replace(tzinfo=None) if self.valid_from else None
        end = self.valid_until.replace(tzinfo=None) if self.valid_until else None
        return (start is None or naive >= start) and (end is None or naive <= end)


@dataclass(frozen=True)
class Exposure:
    """Metres of each segment inside each zone: sparse triplets ``(segment, zone, metres)``."""

    zones: tuple[RiskZone, ...]
    segment: IntArray
    zone: IntArray
    metres: FloatArray
    projected: tuple[Any, ...] = ()

    def per_edge(
        self, network: Network, active: Sequence[bool]
    ) -> tuple[IntArray, IntArray, FloatArray]:
        """Triplets ``(edge, zone, metres)`` for directed edges, for the active zones only."""
        keep = np.asarray(active, dtype=bool)[self.zone] if len(self.zone) else np.zeros(0, bool)
        seg, zone, metres = self.segment[keep], self.zone[keep], self.metres[keep]
        pairs = network.segment_edges[seg]  # (k, 2): forward and backward edge, -1 if none
        rows = np.concatenate([np.flatnonzero(pairs[:, 0] >= 0), np.flatnonzero(pairs[:, 1] >= 0)])
        cols = np.concatenate(
            [np.zeros((pairs[:, 0] >= 0).sum(), int), np.ones((pairs[:, 1] >= 0).sum(), int)]
        )
        return pairs[rows, cols].astype(np.int64), zone[rows], metres[rows]


def segment_lines(network: Network, transformer: Any, segments: Any = None) -> Any:
    """Segments as projected shapely LineStrings (array): all, or only ``segments``."""
    import shapely

    segs = np.arange(network.n_segments) if segments is None else np.asarray(segments, np.int64)
    starts = network.seg_start[segs]
    counts = network.seg_end[segs] - starts + 1
    offsets = np.cumsum(counts) - counts
    idx = np.repeat(starts - offsets, counts) + np.arange(int(counts.sum()))
    x, y = transformer.transform(network.coord_lon[idx], network.coord_lat[idx])
    coords = np.column_stack([np.asarray(x), np.asarray(y)])
    return shapely.linestrings(coords, indices=np.repeat(np.arange(len(segs)), counts))


ZoneCache = dict[bytes, tuple[IntArray, FloatArray, Any]]


def _zone_exposure(network: Network, geometry: Any) -> tuple[IntArray, FloatArray, Any]:
    """Segments touching one zone, their metres inside it, and the projected zone."""
    import shapely

    transformer = network.projection
    area = shapely.transform(
        geometry, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))
    )
    shapely.prepare(area)
    west, south, east, north = shapely.bounds(geometry).tolist()
    near = network.snapper.segments_in_box(west, south, east, north)
    if not len(near):
        return np.zeros(0, np.int64), np.zeros(0), area
    lines = segment_lines(network, transformer, near)
    hit = np.flatnonzero(shapely.intersects(lines, area))
    inside = shapely.length(shapely.intersection(lines[hit], area))
    projected_length = shapely.length(lines[hit])
    seg = near[hit]
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = np.where(projected_length > 0, network.seg_length[seg] / projected_length, 0.0)
    m = inside * scale
    touch = (m > 0) | (network.seg_length[seg] == 0)
    return seg[touch].astype(np.int64), m[touch], area


def compute_exposure(
    network: Network, zones: Sequence[RiskZone], *, cache: ZoneCache | None = None
) -> Exposure:
    """Metres of every segment inside every zone (done once per risk-layer version).

    Candidate segments come from the network's snapping index (pieces whose boxes meet the
    zone's), so the cost follows the zones' size, not the network's. Lengths are measured in a
    local projection and scaled to each segment's geodesic length. ``cache`` (keyed by the
    zone's geometry) lets a new version of a layer recompute only the zones that changed.
    """
    if not zones or network.n_segments == 0:
        empty = np.zeros(0, dtype=np.int64)
        return Exposure(tuple(zones), empty, empty.copy(), np.zeros(0))
    projected = []
    segs, zone_ids, metres = [], [], []
    for z, zone in enumerate(zones):
        key = zone.geometry.wkb
        found = cache.get(key) if cache is not None else None
        if found is None:
            found = _zone_exposure(network, zone.geometry)
            if cache is not None:
                cache[key] = found
        seg, m, area = found
        projected.append(area)
        segs.append(seg)
        zone_ids.append(np.full(len(seg), z, dtype=np.int64))
        metres.append(m)
    return Exposure(
        tuple(zones),
        np.concatenate(segs).astype(np.int64),
        np.concatenate(zone_ids).astype(np.int64),
        np.concatenate(metres).astype(np.float64),
        tuple(projected),
    )


@dataclass(frozen=True)
class CostParams:
    """Parameters of the cost model (all documented in the module docstring).

    Attributes
    ----------
    speed_kmh : float
        Flat walking speed.
    multipliers : dict
        Risk multiplier per level for the metres inside a zone.
    night_start_hour, night_end_hour : int
        Night is from ``night_start_hour`` to ``night_end_hour`` (local time of the query).
    unlit_night_factor : float
        Time factor on ``lit=no`` streets at night.
    no_sidewalk_factor : float
        Time factor on trunk and primary roads tagged without a sidewalk.
    """

    speed_kmh: float = 4.5
    multipliers: dict[str, float] = field(
        default_factory=lambda: {"high": 4.0, "medium": 2.0, "low": 1.3}
    )
    night_start_hour: int = 19
    night_end_hour: int = 6
    unlit_night_factor: float = 1.5
    no_sidewalk_factor: float = 1.5

    def is_night(self, when: datetime) -> bool:
        """Whether ``when`` falls in the night window."""
        h = when.hour
        if self.night_start_hour > self.night_end_hour:
            return h >= self.night_start_hour or h < self.night_end_hour
        return self.night_start_hour <= h < self.night_end_hour


class Elevation:
    """Elevation in metres at points, read from a raster (nearest cell; NaN outside).

    Parameters
    ----------
    path : str or os.PathLike
        A single-band raster in any CRS rasterio can read (transformed from lon/lat).
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        import rasterio

        with rasterio.open(path) as src:
            self._data = src.read(1).astype(np.float64)
            self._transform = src.transform
            self._crs = src.crs
            if src.nodata is not None:
                self._data[self._data == src.nodata] = np.nan

    def sample(self, lon: FloatArray, lat: FloatArray) -> FloatArray:
        """Elevation at each lon/lat point (NaN outside the raster)."""
        from pyproj import Transformer
        from rasterio.transform import rowcol

        x, y = np.asarray(lon, float), np.asarray(lat, float)
        if self._crs is not None and self._crs.to_epsg() != 4326:
            to = Transformer.from_crs("EPSG:4326", self._crs, always_xy=True)
            x, y = (np.asarray(v) for v in to.transform(x, y))
        rows, cols = rowcol(self._transform, x, y)
        rows, cols = np.asarray(rows), np.asarray(cols)
        height, width = self._data.shape
        inside = (rows >= 0) & (rows < height) & (cols >= 0) & (cols < width)
        out = np.full(len(x), np.nan)
        out[inside] = self._data[rows[inside], cols[inside]]
        return out


def tobler_factor(rise: FloatArray, run: FloatArray) -> FloatArray:
    """Time factor of Tobler's hiking function relative to flat ground.

    ``speed = 6 exp(-3.5 |dh/dx + 0.05|)`` km/h; the factor is flat speed over slope speed, so
    a gentle descent (dh/dx = -0.05) is the fastest and steep slopes are slow either way.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        slope = np.where(run > 0, rise / run, 0.0)
    slope = np.where(np.isfinite(slope), slope, 0.0)
    flat = math.exp(-3.5 * 0.05)
    return np.asarray(flat / np.exp(-3.5 * np.abs(slope + 0.05)), dtype=np.float64)


@dataclass(frozen=True)
class Weights:
    """Edge costs in seconds for one (risk-layer version, day or night) and what went in.

    Attributes
    ----------
    seconds : ndarray
        Cost of every directed edge (``inf``: closed).
    closed : ndarray of bool
        Edges closed by an avoid zone.
    night : bool
        Whether night mode was on.
    factor : ndarray
        The product of the sidewalk, lighting and slope factors of every edge.
    zone_multiplier : ndarray
        The multiplier in force for every zone of the exposure (1 for zones not in force,
        ``inf`` for avoid zones that close edges).
    speed_mps : float
        Flat walking speed.
    """

    seconds: FloatArray
    closed: npt.NDArray[np.bool_]
    night: bool
    factor: FloatArray
    zone_multiplier: FloatArray
    speed_mps: float


def edge_weights(
    network: Network,
    exposure: Exposure,
    params: CostParams,
    *,
    night: bool,
    when: datetime | None = None,
    elevation: FloatArray | None = None,
    avoid_multiplier: float | None = None,
) -> Weights:
    """Cost in seconds of every directed edge.

    Parameters
    ----------
    network : Network
        The network.
    exposure : Exposure
        Metres of each segment inside each zone.
    params : CostParams
        Speeds and penalties.
    night : bool
        Night mode: night-only zones apply and unlit streets are penalized.
    when : datetime, optional
        Zones outside their validity at this time are ignored (None: all are valid).
    elevation : ndarray, optional
        Elevation of every node (metres, NaN unknown) for Tobler's slope factor.
    avoid_multiplier : float, optional
        Treat ``avoid`` zones as this multiplier instead of closing their edges (to find the
        least-risk route when avoid zones leave none).

    Returns
    -------
    Weights
    """
    speed = params.speed_kmh / 3.6
    length = network.edge_length
    active = [z.active(when, night=night) for z in exposure.zones]
    edges, zone, metres = exposure.per_edge(network, active)
    levels = np.array([z.level for z in exposure.zones], dtype=object)
    multiplier = np.array(
        [
            params.multipliers.get(level, 1.0)
            if level != "avoid"
            else (avoid_multiplier if avoid_multiplier is not None else math.inf)
            for level in levels
        ],
        dtype=np.float64,
    )
    closed = np.zeros(network.n_edges, dtype=bool)
    effective = length.copy()
    if len(edges):
        m = multiplier[zone]
        infinite = ~np.isfinite(m)
        closed[edges[infinite]] = True
        extra = np.zeros(network.n_edges)
        finite = ~infinite
        inside = np.minimum(metres[finite], length[edges[finite]])
        np.add.at(extra, edges[finite], inside * (m[finite] - 1.0))
        effective += extra
    factor = np.ones(network.n_edges)
    main_no_sidewalk = network.edge_attr_in("highway", _MAIN_ROADS) & network.edge_attr_in(
        "sidewalk", _NO_SIDEWALK
    )
    factor = np.where(main_no_sidewalk, factor * params.no_sidewalk_factor, factor)
    if night:
        unlit = network.edge_attr_in("lit", ["no"])
        factor = np.where(unlit, factor * params.unlit_night_factor, factor)
    if elevation is not None:
        rise = elevation[network.edge_v] - elevation[network.edge_u]
        factor = factor * tobler_factor(np.where(np.isfinite(rise), rise, 0.0), length)
    seconds = np.where(closed, math.inf, effective / speed * factor)
    in_force = np.where(np.asarray(active, dtype=bool), multiplier, 1.0)
    return Weights(
        seconds=np.asarray(seconds, dtype=np.float64),
        closed=closed,
        night=night,
        factor=np.asarray(factor, dtype=np.float64),
        zone_multiplier=np.asarray(in_force, dtype=np.float64),
        speed_mps=speed,
    )
