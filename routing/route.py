"""What routers hand out: snapped points, routes, and how a route is drawn.

:class:`Snap` is a point placed on an edge, :class:`Route` a route between two of them, and
:class:`RouteAssembly` the part of a router that turns a chain of directed edges into a route's
coordinates, travelled pieces and street-by-street steps.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from routing.errors import InvalidCoordinateError
from routing.network import ATTR_KEYS

if TYPE_CHECKING:
    from routing.network import Network

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
LonLat = tuple[float, float]
_NAME = ATTR_KEYS.index("name")
_HIGHWAY = ATTR_KEYS.index("highway")


def check_lonlat(point: Sequence[float], *, what: str = "point") -> LonLat:
    """Validate a longitude/latitude pair.

    Parameters
    ----------
    point : sequence of float
        ``(lon, lat)`` in degrees.
    what : str
        How to name the point in the error message.

    Returns
    -------
    tuple of float

    Raises
    ------
    InvalidCoordinateError
        If it is not two finite numbers with lon in [-180, 180] and lat in [-90, 90].
    """
    try:
        lon, lat = (float(v) for v in point)
    except (TypeError, ValueError):
        raise InvalidCoordinateError(
            f"{what}: expected a (lon, lat) pair of numbers, got {point!r:.60}"
        ) from None
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise InvalidCoordinateError(f"{what}: coordinates must be finite, got ({lon}, {lat})")
    if not -180.0 <= lon <= 180.0:
        raise InvalidCoordinateError(f"{what}: longitude {lon} is outside [-180, 180]")
    if not -90.0 <= lat <= 90.0:
        raise InvalidCoordinateError(f"{what}: latitude {lat} is outside [-90, 90]")
    return lon, lat


def check_points(
    points: Sequence[Sequence[float]] | npt.NDArray[np.float64],
    *,
    label: Callable[[int], str],
) -> tuple[FloatArray, FloatArray]:
    """Validate many lon/lat pairs at once (see :func:`check_lonlat`); returns lon, lat arrays.

    Raises
    ------
    InvalidCoordinateError
        Naming the first bad point with ``label(k)``.
    """
    try:
        xy = np.asarray(points, dtype=np.float64)
    except (TypeError, ValueError):
        xy = np.empty((0, 0))
    if xy.ndim != 2 or xy.shape[1] != 2:
        for k, p in enumerate(points):
            check_lonlat(p, what=label(k))
        return np.zeros(0), np.zeros(0)
    lon, lat = xy[:, 0], xy[:, 1]
    bad = ~(np.isfinite(lon) & np.isfinite(lat) & (np.abs(lon) <= 180.0) & (np.abs(lat) <= 90.0))
    if bad.any():
        k = int(np.argmax(bad))
        check_lonlat(xy[k], what=label(k))
    return np.ascontiguousarray(lon), np.ascontiguousarray(lat)


@dataclass(frozen=True)
class Snap:
    """A point placed on the nearest edge of the network.

    Attributes
    ----------
    query : tuple of float
        The point asked for (lon, lat).
    lon, lat : float
        The snapped point on the network.
    distance_m : float
        Geodesic distance from the query to the snapped point.
    segment : int
        Segment the point lies on.
    piece : int
        Coordinate index where the straight piece holding the point starts.
    offset_m : float
        Distance along the segment from its first node to the snapped point.
    """

    query: LonLat
    lon: float
    lat: float
    distance_m: float
    segment: int
    piece: int
    offset_m: float


@dataclass
class Route:
    """A route between two snapped points.

    Attributes
    ----------
    cost : float
        Total cost in the router's weight (metres by default).
    length_m : float
        Length in metres.
    duration_s : float
        Walking (or driving) time at the router's speed.
    coords : ndarray
        ``(k, 2)`` lon/lat vertices from the origin's snapped point to the destination's.
    origin, destination : Snap
        Where the route starts and ends.
    steps : list of dict
        Consecutive stretches on one street: ``name`` (None if unnamed), ``highway``,
        ``length_m``.
    piece_edge, piece_start, piece_end : ndarray
        Each directed edge travelled, in order, with the part travelled: from ``start`` to
        ``end`` metres along the edge in its direction of travel (partial at the ends).
    node_path : ndarray
        Graph nodes passed, in order.

    The list views :attr:`edges`, :attr:`nodes`, :attr:`stretches` and :attr:`pieces` are
    made from these arrays on demand.
    """

    cost: float
    length_m: float
    duration_s: float
    coords: FloatArray
    origin: Snap
    destination: Snap
    steps: list[dict[str, Any]] = field(default_factory=list)
    piece_edge: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))
    piece_start: FloatArray = field(default_factory=lambda: np.zeros(0))
    piece_end: FloatArray = field(default_factory=lambda: np.zeros(0))
    node_path: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))
    edge_ids: IntArray | None = None

    @property
    def edges(self) -> list[int]:
        """Directed edges fully or partly travelled, in order."""
        edges = self.piece_edge if self.edge_ids is None else self.edge_ids
        return list(edges.tolist())

    @property
    def nodes(self) -> list[int]:
        """Graph nodes passed, in order."""
        return list(self.node_path.tolist())

    @property
    def stretches(self) -> list[tuple[int, float]]:
        """Each directed edge travelled and the metres travelled on it (partial at the ends)."""
        metres = (self.piece_end - self.piece_start).tolist()
        return list(zip(self.piece_edge.tolist(), metres, strict=True))

    @property
    def pieces(self) -> list[tuple[int, float, float]]:
        """Each directed edge travelled with the part travelled (``start``, ``end`` metres)."""
        return list(
            zip(self.piece_edge.tolist(), self.piece_start.tolist(), self.piece_end.tolist(),
                strict=True)
        )  # fmt: skip

    @property
    def street_names(self) -> list[str]:
        """Names of the named streets followed, in order, without repeats."""
        return [s["name"] for s in self.steps if s["name"]]

    @property
    def geometry(self) -> Any:
        """The route as a shapely LineString."""
        import shapely

        return shapely.LineString(self.coords)

    def to_geojson(self) -> dict[str, Any]:
        """The route as an RFC 7946 GeoJSON Feature."""
        return {
            "type": "Feature",
            "geometry": {
                "type": "LineString",
                "coordinates": np.round(self.coords, 7).tolist(),
            },
            "properties": {
                "length_m": round(self.length_m, 2),
                "duration_min": round(self.duration_s / 60.0, 2),
                "cost": self.cost,
                "snap_origin_m": round(self.origin.distance_m, 2),
                "snap_destination_m": round(self.destination.distance_m, 2),
                "streets": self.street_names,
                "steps": [{**s, "length_m": round(s["length_m"], 1)} for s in self.steps],
            },
        }


@dataclass(frozen=True)
class Entries:
    """How a snapped point joins the graph: nodes with costs and lengths."""

    nodes: IntArray
    costs: FloatArray


class RouteAssembly:
    """Coordinates, pieces and steps of routes (mixed into :class:`~routing.router.Router`)."""

    network: Network
    speed_mps: float
    _seg_edge: Any

    def _leave_ranges(self, snap: Snap) -> list[tuple[int, int, float, float]]:
        raise NotImplementedError

    def _arrive_ranges(self, snap: Snap) -> list[tuple[int, int, float, float]]:
        raise NotImplementedError

    def _at_node(self, snap: Snap, node: int) -> bool:
        """Whether a snapped point lies exactly on this end node of its segment."""
        s = snap.segment
        return (snap.offset_m == 0.0 and node == self.network.seg_u[s]) or (
            snap.offset_m == float(self.network.seg_length[s]) and node == self.network.seg_v[s]
        )

    def _direct_range(self, a: Snap, b: Snap) -> tuple[int, float, float]:
        """(edge, start, end) of going from ``a`` to ``b`` along their shared segment (-1: no)."""
        if a.segment != b.segment:
            return -1, 0.0, 0.0
        fwd, bwd = self._seg_edge[a.segment]
        length = float(self.network.seg_length[a.segment])
        if b.offset_m >= a.offset_m and fwd >= 0:
            return int(fwd), a.offset_m, b.offset_m
        if b.offset_m <= a.offset_m and bwd >= 0:
            return int(bwd), length - a.offset_m, length - b.offset_m
        return -1, 0.0, 0.0

    def _assemble(
        self,
        a: Snap,
        b: Snap,
        edges: IntArray,
        cost: float,
        *,
        first: int = -1,
        direct_edge: int = -1,
    ) -> Route:
        net = self.network
        if direct_edge >= 0:
            coords = self._between(a, b)
            e, start, end = self._direct_range(a, b)
            piece_edge = np.array([e], dtype=np.int64)
            piece_start, piece_end = np.array([start]), np.array([end])
            node_path = np.zeros(0, dtype=np.int64)
            edge_ids: IntArray | None = piece_edge
        else:
            start_node = int(net.edge_u[edges[0]]) if len(edges) else first
            end_node = int(net.edge_v[edges[-1]]) if len(edges) else first
            lead, lead_edge, _ = self._from_snap(a, start_node)
            tail, tail_edge, _ = self._to_snap(b, end_node)
            middle = _middle_coords(edges, net)
            coords = np.concatenate([lead, middle, tail[1:]])
            lead_piece = [(e, s, t) for _, e, s, t in self._leave_ranges(a) if e == lead_edge]
            tail_piece = [(e, s, t) for _, e, s, t in self._arrive_ranges(b) if e == tail_edge]
            ends = [lead_piece[:1], tail_piece[:1]]
            piece_edge = np.concatenate(
                [[p[0] for p in ends[0]], edges, [p[0] for p in ends[1]]]
            ).astype(np.int64)
            piece_start = np.concatenate(
                [[p[1] for p in ends[0]], np.zeros(len(edges)), [p[1] for p in ends[1]]]
            )
            piece_end = np.concatenate(
                [[p[2] for p in ends[0]], net.edge_length[edges], [p[2] for p in ends[1]]]
            )
            node_path = np.concatenate([[start_node], net.edge_v[edges]]).astype(np.int64)
            edge_ids = None
        keep = (piece_edge >= 0) & (piece_end > piece_start)
        length = float((piece_end - piece_start)[keep].sum())
        piece_edge, piece_start, piece_end = piece_edge[keep], piece_start[keep], piece_end[keep]
        return Route(
            cost=cost,
            length_m=length,
            duration_s=length / self.speed_mps,
            coords=coords,
            origin=a,
            destination=b,
            steps=self._steps(piece_edge, piece_end - piece_start),
            piece_edge=piece_edge,
            piece_start=piece_start,
            piece_end=piece_end,
            node_path=node_path,
            edge_ids=edge_ids,
        )

    def _from_snap(self, snap: Snap, node: int) -> tuple[FloatArray, int, float]:
        """Coordinates from a snapped point to one end node of its segment."""
        net = self.network
        s = snap.segment
        fwd, bwd = self._seg_edge[s]
        start, end = int(net.seg_start[s]), int(net.seg_end[s])
        point = np.array([[snap.lon, snap.lat]])
        if self._at_node(snap, node):
            return point, -1, 0.0
        towards_u = node == net.seg_u[s] and bwd >= 0
        if net.seg_u[s] == net.seg_v[s]:  # a loop: pick the cheaper way round
            towards_u = bwd >= 0 and (fwd < 0 or snap.offset_m <= net.seg_length[s] / 2)
        if towards_u:
            idx = np.arange(snap.piece, start - 1, -1)
            length = snap.offset_m
            edge = int(bwd)
        else:
            idx = np.arange(snap.piece + 1, end + 1)
            length = float(net.seg_length[s]) - snap.offset_m
            edge = int(fwd)
        coords = np.column_stack([net.coord_lon[idx], net.coord_lat[idx]])
        return np.concatenate([point, coords]), edge, length

    def _to_snap(self, snap: Snap, node: int) -> tuple[FloatArray, int, float]:
        """Coordinates from one end node of a snapped point's segment to the point."""
        coords, edge, length = self._from_snap_reverse(snap, node)
        return coords[::-1], edge, length

    def _from_snap_reverse(self, snap: Snap, node: int) -> tuple[FloatArray, int, float]:
        net = self.network
        s = snap.segment
        fwd, bwd = self._seg_edge[s]
        start, end = int(net.seg_start[s]), int(net.seg_end[s])
        point = np.array([[snap.lon, snap.lat]])
        if self._at_node(snap, node):
            return point, -1, 0.0
        from_u = node == net.seg_u[s] and fwd >= 0
        if net.seg_u[s] == net.seg_v[s]:
            from_u = fwd >= 0 and (bwd < 0 or snap.offset_m <= net.seg_length[s] / 2)
        if from_u:  # arrive travelling forward: u ... piece, point
            idx = np.arange(snap.piece, start - 1, -1)
            return (
                np.concatenate([point, np.column_stack([net.coord_lon[idx], net.coord_lat[idx]])]),
                int(fwd),
                snap.offset_m,
            )
        idx = np.arange(snap.piece + 1, end + 1)
        return (
            np.concatenate([point, np.column_stack([net.coord_lon[idx], net.coord_lat[idx]])]),
            int(bwd),
            float(net.seg_length[s]) - snap.offset_m,
        )

    def _between(self, a: Snap, b: Snap) -> FloatArray:
        net = self.network
        if (b.offset_m, b.piece) >= (a.offset_m, a.piece):
            idx = np.arange(a.piece + 1, b.piece + 1)
        else:
            idx = np.arange(a.piece, b.piece, -1)
        mid = np.column_stack([net.coord_lon[idx], net.coord_lat[idx]])
        return np.concatenate([[[a.lon, a.lat]], mid, [[b.lon, b.lat]]])

    def _steps(self, edges: IntArray, metres: FloatArray) -> list[dict[str, Any]]:
        """Street-by-street steps: consecutive edges of one name (or, unnamed, one class)."""
        if not len(edges):
            return []
        net = self.network
        ways = net.seg_way[net.edge_seg[edges]]
        name = net.way_attrs[ways, _NAME]
        highway = net.way_attrs[ways, _HIGHWAY]
        same = (name[1:] == name[:-1]) & ((name[1:] != 0) | (highway[1:] == highway[:-1]))
        starts = np.flatnonzero(np.concatenate([[True], ~same]))
        sums = np.add.reduceat(metres, starts).tolist()
        table: list[str | None] = [None, *net.strings[1:]]
        return [
            {"name": table[n], "highway": table[h], "length_m": m}
            for n, h, m in zip(name[starts].tolist(), highway[starts].tolist(), sums, strict=True)
        ]


def _middle_coords(edges: IntArray, net: Network) -> FloatArray:
    """``(k, 2)`` coordinates of a chain of directed edges after its first vertex."""
    if not len(edges):
        return np.zeros((0, 2))
    if len(edges) > 16:
        from routing import _kernels

        idx = _kernels.path_coord_index(
            edges, net.edge_seg, net.edge_rev, net.seg_start, net.seg_end
        )
    else:
        idx = _path_coord_index(edges, net)
    return np.column_stack([net.coord_lon[idx[1:]], net.coord_lat[idx[1:]]])


def _path_coord_index(edges: IntArray, net: Network) -> IntArray:
    """Coordinate indices of a chain of directed edges, joints not repeated (vectorized)."""
    if not len(edges):
        return np.zeros(1, dtype=np.int64)
    seg = net.edge_seg[edges]
    rev = net.edge_rev[edges]
    start, end = net.seg_start[seg], net.seg_end[seg]
    first = np.where(rev, end, start)
    step = np.where(rev, -1, 1)
    counts = end - start  # every edge adds its vertices but the first (shared with the last)
    counts[0] += 1
    skip = np.ones(len(edges), dtype=np.int64)
    skip[0] = 0
    base = np.repeat(first + step * skip, counts)
    within = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    return np.asarray(base + np.repeat(step, counts) * within, dtype=np.int64)
