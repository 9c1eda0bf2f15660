"""Queries on a network: snapping, routes, cost matrices, nearest facility, reachability.

A :class:`Router` compiles a :class:`~routing.network.Network` into forward and backward CSR
arrays once, and answers every query with the compiled kernels of :mod:`routing._kernels`.
Points are snapped onto the nearest *edge* (projected onto the segment, not to the nearest
node), and routes start and end at the snapped points.

Costs are metres unless the router was given other per-edge weights (for instance walking
time with safety penalties); lengths and walking times are always reported as well.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt

from routing import _kernels
from routing.errors import InvalidCoordinateError, NoRouteError, PointTooFarError
from routing.network import Network
from routing.profiles import get_profile

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
LonLat = tuple[float, float]


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
    edges : list of int
        Directed edges fully or partly travelled, in order.
    nodes : list of int
        Graph nodes passed, in order.
    origin, destination : Snap
        Where the route starts and ends.
    steps : list of dict
        Consecutive stretches on one street: ``name`` (None if unnamed), ``highway``,
        ``length_m``.
    stretches : list of (int, float)
        Each directed edge travelled and the metres travelled on it (partial at the ends).
    pieces : list of (int, float, float)
        Each directed edge travelled with the part travelled: from ``start`` to ``end`` metres
        along the edge in its direction of travel.
    """

    cost: float
    length_m: float
    duration_s: float
    coords: FloatArray
    edges: list[int]
    nodes: list[int]
    origin: Snap
    destination: Snap
    steps: list[dict[str, Any]] = field(default_factory=list)
    stretches: list[tuple[int, float]] = field(default_factory=list)
    pieces: list[tuple[int, float, float]] = field(default_factory=list)

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


def _bound_scale(weights: FloatArray, reference: FloatArray) -> float:
    """The largest ``s`` with ``weights >= s * reference`` on every edge (0 if none)."""
    mask = (reference > 0) & np.isfinite(reference) & np.isfinite(weights)
    if not mask.any():
        return 0.0
    ratio = float(np.min(weights[mask] / reference[mask]))
    zero_ref = (reference == 0) & (weights < 0)
    return 0.0 if zero_ref.any() or not math.isfinite(ratio) else max(0.0, ratio)


class Router:
    """Shortest paths on a :class:`Network`.

    Parameters
    ----------
    network : Network
        The network; not modified.
    weights : ndarray, optional
        Cost of every directed edge (``inf`` closes an edge). Defaults to the edge length in
        metres.
    speed_kmh : float, optional
        Travel speed for durations; defaults to the profile's (4.5 km/h walking).
    max_snap_m : float
        A point farther than this from every edge is refused.
    piece_cost : callable, optional
        ``piece_cost(edge, start_m, end_m)``: the cost of part of an edge, for weights that vary
        along edges (the default is the edge's weight pro rata). It must agree with ``weights``
        for whole edges.
    landmarks_from : Router, optional
        Reuse another router's landmark costs, scaled by the smallest ratio of these weights to
        that router's (so they remain lower bounds: routes stay exact). This saves the landmark
        searches (about 30 full passes) for every new set of weights.
    """

    def __init__(
        self,
        network: Network,
        *,
        weights: FloatArray | None = None,
        speed_kmh: float | None = None,
        max_snap_m: float = 500.0,
        landmarks_from: Router | None = None,
        piece_cost: Callable[[int, float, float], float] | None = None,
    ) -> None:
        self.network = network
        self._piece_hook = piece_cost
        w = network.edge_length if weights is None else np.asarray(weights, dtype=np.float64)
        if w.shape != (network.n_edges,):
            raise ValueError(f"weights must have one value per edge ({network.n_edges})")
        if np.any(w < 0) or np.any(np.isnan(w)):
            raise ValueError("weights must be non-negative numbers (inf closes an edge)")
        self.weights = w
        self.speed_mps = (speed_kmh or get_profile(network.profile).default_speed_kmh) / 3.6
        self.max_snap_m = float(max_snap_m)
        n = network.n_nodes
        u, v = network.edge_u.astype(np.int64), network.edge_v.astype(np.int64)
        order_f = np.argsort(u, kind="stable")
        order_b = np.argsort(v, kind="stable")
        self._fwd = (self._indptr(u[order_f], n), v[order_f], w[order_f], order_f)
        self._bwd = (self._indptr(v[order_b], n), u[order_b], w[order_b], order_b)
        self._seg_edge = network.segment_edges  # [:, 0] forward edge, [:, 1] backward edge
        if landmarks_from is not None:
            if landmarks_from.network is not network:
                raise ValueError("landmarks can only be shared on the same network")
            scale = _bound_scale(w, landmarks_from.weights)
            if scale > 0:
                lm_from, lm_to = landmarks_from._landmarks
                self.__dict__["_landmarks"] = (
                    lm_from if scale == 1.0 else lm_from * scale,
                    lm_to if scale == 1.0 else lm_to * scale,
                )

    @staticmethod
    def _indptr(sorted_tails: IntArray, n: int) -> IntArray:
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(sorted_tails, minlength=n), out=indptr[1:])
        return indptr

    # ------------------------------------------------------------------ snapping
    def snap(self, point: Sequence[float], *, what: str = "point") -> Snap:
        """Place a lon/lat point on the nearest edge.

        Parameters
        ----------
        point : sequence of float
            ``(lon, lat)``.
        what : str
            Name of the point in error messages (``origin``, ``destination`` ...).

        Returns
        -------
        Snap

        Raises
        ------
        InvalidCoordinateError
            If the coordinates are not valid lon/lat.
        PointTooFarError
            If no edge is within ``max_snap_m``.
        """
        return self.snap_many([point], what=what)[0]

    def snap_many(
        self,
        points: Sequence[Sequence[float]],
        *,
        what: str = "point",
        names: Sequence[str] | None = None,
    ) -> list[Snap]:
        """Snap several points at once (see :meth:`snap`).

        Errors name point ``k`` as ``names[k]`` when given, else ``"{what} {k}"``.
        """

        def label(k: int) -> str:
            if names is not None:
                return names[k]
            return what if len(points) == 1 else f"{what} {k}"

        import shapely

        from routing.geodesy import distance_m

        checked = [check_lonlat(p, what=label(i)) for i, p in enumerate(points)]
        if not checked:
            return []
        tree, piece_seg, piece_start, x, y = self.network.snap_index
        lon = np.array([p[0] for p in checked])
        lat = np.array([p[1] for p in checked])
        qx, qy = (np.asarray(c) for c in self.network.projection.transform(lon, lat))
        query = shapely.points(qx, qy)
        idx, _ = tree.query_nearest(query, all_matches=False, return_distance=True)
        found = np.full(len(checked), -1, dtype=np.int64)
        found[idx[0]] = idx[1]
        pieces = found
        i0 = piece_start[pieces]
        ax, ay, bx, by = x[i0], y[i0], x[i0 + 1], y[i0 + 1]
        dx, dy = bx - ax, by - ay
        len2 = dx * dx + dy * dy
        with np.errstate(invalid="ignore", divide="ignore"):
            t = np.where(len2 > 0, ((qx - ax) * dx + (qy - ay) * dy) / len2, 0.0)
        t = np.clip(t, 0.0, 1.0)
        net = self.network
        slon = net.coord_lon[i0] + t * (net.coord_lon[i0 + 1] - net.coord_lon[i0])
        slat = net.coord_lat[i0] + t * (net.coord_lat[i0 + 1] - net.coord_lat[i0])
        dist = distance_m(lon, lat, slon, slat)
        seg = piece_seg[pieces]
        start = net.seg_start[seg]
        along = (
            net.coord_cum[i0]
            - net.coord_cum[start]
            + t * (net.coord_cum[i0 + 1] - net.coord_cum[i0])
        )
        geo_total = net.coord_cum[net.seg_end[seg]] - net.coord_cum[start]
        with np.errstate(invalid="ignore", divide="ignore"):
            offset = np.where(geo_total > 0, along / geo_total * net.seg_length[seg], 0.0)
        # a point on a segment's end node is exactly at that node
        offset = np.where((t == 0.0) & (i0 == start), 0.0, offset)
        offset = np.where((t == 1.0) & (i0 + 1 == net.seg_end[seg]), net.seg_length[seg], offset)
        snaps = []
        for k, (qlon, qlat) in enumerate(checked):
            if dist[k] > self.max_snap_m:
                raise PointTooFarError(
                    f"{label(k)} ({qlon:.6f}, {qlat:.6f}) is {dist[k]:.0f} m from the nearest "
                    f"road of the network; the limit is {self.max_snap_m:.0f} m"
                )
            snaps.append(
                Snap(
                    query=(qlon, qlat),
                    lon=float(slon[k]),
                    lat=float(slat[k]),
                    distance_m=float(dist[k]),
                    segment=int(seg[k]),
                    piece=int(i0[k]),
                    offset_m=float(offset[k]),
                )
            )
        return snaps

    # ------------------------------------------------------------------ entries
    def piece_cost(self, edge: int, start_m: float, end_m: float) -> float:
        """Cost of travelling an edge from ``start_m`` to ``end_m`` metres along it.

        Uses the router's ``piece_cost`` hook when given (for costs that vary along an edge,
        such as a risk zone covering part of a street); otherwise the edge's weight pro rata.
        """
        if end_m <= start_m:
            return 0.0
        if self._piece_hook is not None:
            return float(self._piece_hook(edge, start_m, end_m))
        full = self.network.edge_length[edge]
        w = self.weights[edge]
        if full <= 0:
            return 0.0 if math.isfinite(w) else math.inf
        return float(w * ((end_m - start_m) / full))

    def _leave_ranges(self, snap: Snap) -> list[tuple[int, int, float, float]]:
        """(node, edge, start, end) for leaving a snapped point towards each end it may."""
        fwd, bwd = self._seg_edge[snap.segment]
        length = float(self.network.seg_length[snap.segment])
        out = []
        if bwd >= 0:  # back to the segment's first node, along the backward edge
            out.append(
                (int(self.network.seg_u[snap.segment]), int(bwd), length - snap.offset_m, length)
            )
        if fwd >= 0:
            out.append((int(self.network.seg_v[snap.segment]), int(fwd), snap.offset_m, length))
        return out

    def _arrive_ranges(self, snap: Snap) -> list[tuple[int, int, float, float]]:
        """(node, edge, start, end) for reaching a snapped point from each end it may."""
        fwd, bwd = self._seg_edge[snap.segment]
        length = float(self.network.seg_length[snap.segment])
        out = []
        if fwd >= 0:
            out.append((int(self.network.seg_u[snap.segment]), int(fwd), 0.0, snap.offset_m))
        if bwd >= 0:
            out.append(
                (int(self.network.seg_v[snap.segment]), int(bwd), 0.0, length - snap.offset_m)
            )
        return out

    def departures(self, snap: Snap) -> Entries:
        """Nodes reachable from a snapped origin along its own segment, with their costs."""
        ranges = self._leave_ranges(snap)
        nodes = [r[0] for r in ranges]
        costs = [self.piece_cost(e, a, b) for _, e, a, b in ranges]
        return self._with_end_nodes(snap, nodes, costs)

    def _with_end_nodes(self, snap: Snap, nodes: list[int], costs: list[float]) -> Entries:
        """Add the node a point lies exactly on, at no cost, whatever the segment's direction.

        A point on a junction snaps onto one of the junction's segments; if that one is
        one-way, the junction's other streets must still be usable from (and to) the point.
        """
        if snap.offset_m == 0.0:
            nodes.append(int(self.network.seg_u[snap.segment]))
            costs.append(0.0)
        if snap.offset_m == float(self.network.seg_length[snap.segment]):
            nodes.append(int(self.network.seg_v[snap.segment]))
            costs.append(0.0)
        return Entries(np.array(nodes, dtype=np.int64), np.array(costs, dtype=np.float64))

    def _at_node(self, snap: Snap, node: int) -> bool:
        """Whether a snapped point lies exactly on this end node of its segment."""
        s = snap.segment
        return (snap.offset_m == 0.0 and node == self.network.seg_u[s]) or (
            snap.offset_m == float(self.network.seg_length[s]) and node == self.network.seg_v[s]
        )

    def arrivals(self, snap: Snap) -> Entries:
        """Nodes from which a snapped destination is reached along its own segment."""
        ranges = self._arrive_ranges(snap)
        nodes = [r[0] for r in ranges]
        costs = [self.piece_cost(e, a, b) for _, e, a, b in ranges]
        return self._with_end_nodes(snap, nodes, costs)

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

    def _direct(self, a: Snap, b: Snap) -> tuple[float, int]:
        """Cost and edge of going from ``a`` to ``b`` along their shared segment, if any."""
        edge, start, end = self._direct_range(a, b)
        if edge < 0:
            return math.inf, -1
        return self.piece_cost(edge, start, end), edge

    # ------------------------------------------------------------------ routes
    def route(self, origin: Sequence[float], destination: Sequence[float]) -> Route:
        """Shortest route between two lon/lat points.

        Parameters
        ----------
        origin, destination : sequence of float
            ``(lon, lat)`` points; each is snapped onto its nearest edge.

        Returns
        -------
        Route

        Raises
        ------
        InvalidCoordinateError, PointTooFarError
            For a bad or off-network point.
        NoRouteError
            If the destination cannot be reached.
        """
        a = self.snap(origin, what="origin")
        b = self.snap(destination, what="destination")
        return self.route_snapped(a, b)

    def route_snapped(self, a: Snap, b: Snap) -> Route:
        """Shortest route between two already snapped points (see :meth:`route`)."""
        leave, arrive = self.departures(a), self.arrivals(b)
        best, end, edges = self._search(leave, arrive)
        direct, direct_edge = self._direct(a, b)
        if direct <= best and direct_edge >= 0 and math.isfinite(direct):
            return self._assemble(a, b, np.empty(0, np.int64), direct, direct_edge=direct_edge)
        if not math.isfinite(best):
            raise NoRouteError(
                f"no route from ({a.query[0]:.6f}, {a.query[1]:.6f}) to "
                f"({b.query[0]:.6f}, {b.query[1]:.6f}): the destination cannot be reached "
                f"on the {self.network.profile} network"
            )
        return self._assemble(a, b, edges, best, first=int(arrive.nodes[end]))

    def _search(self, leave: Entries, arrive: Entries) -> tuple[float, int, IntArray]:
        """A* with landmarks from entry nodes to exit nodes: cost, exit used, edges."""
        indptr, adj, w, order = self._fwd
        lm_from, lm_to = self._landmarks
        best, end, pred = _kernels.astar_landmarks(
            indptr, adj, w, leave.nodes, leave.costs, arrive.nodes, arrive.costs, lm_from, lm_to
        )
        if end < 0:
            return math.inf, -1, np.empty(0, np.int64)
        arcs = _kernels.trace_arcs(pred, self._arc_tail, arrive.nodes[end])
        return float(best), int(end), order[arcs]

    @cached_property
    def _arc_tail(self) -> IntArray:
        indptr = self._fwd[0]
        return np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))

    @cached_property
    def _landmarks(self) -> tuple[FloatArray, FloatArray]:
        """Costs from and to up to 16 landmarks chosen far apart (farthest-point rule)."""
        n = self.network.n_nodes
        count = min(16, n)
        chosen: list[int] = []
        cover = np.full(n, np.inf)
        start = int(np.argmax(np.bincount(self.network.edge_u, minlength=n))) if n else 0
        seed, _ = self.node_costs([start])
        far = np.where(np.isfinite(seed), seed, -1.0)
        nxt = int(np.argmax(far))
        lm_from = np.empty((n, count))
        lm_to = np.empty((n, count))
        for m in range(count):
            chosen.append(nxt)
            lm_from[:, m] = self.node_costs([nxt])[0]
            lm_to[:, m] = self.node_costs([nxt], reverse=True)[0]
            both = np.minimum(lm_from[:, m], lm_to[:, m])
            cover = np.minimum(cover, np.where(np.isfinite(both), both, np.inf))
            candidates = np.where(np.isfinite(cover), cover, -1.0)
            nxt = int(np.argmax(candidates))
            if candidates[nxt] <= 0:
                lm_from, lm_to = lm_from[:, : m + 1], lm_to[:, : m + 1]
                break
        return np.ascontiguousarray(lm_from), np.ascontiguousarray(lm_to)

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
            stretches = [(direct_edge, abs(b.offset_m - a.offset_m))]
            route_edges = [direct_edge]
            nodes: list[int] = []
            pieces = [self._direct_range(a, b)]
        else:
            start_node = int(net.edge_u[edges[0]]) if len(edges) else first
            end_node = int(net.edge_v[edges[-1]]) if len(edges) else first
            lead, lead_edge, lead_len = self._from_snap(a, start_node)
            tail, tail_edge, tail_len = self._to_snap(b, end_node)
            idx = _kernels.path_coord_index(
                edges, net.edge_seg, net.edge_rev, net.seg_start, net.seg_end
            )
            middle = np.column_stack([net.coord_lon[idx[1:]], net.coord_lat[idx[1:]]])
            coords = np.concatenate([lead, middle, tail[1:]])
            lengths = net.edge_length[edges].tolist()
            edge_list = edges.tolist()
            stretches = [
                (lead_edge, lead_len),
                *zip(edge_list, lengths, strict=True),
                (tail_edge, tail_len),
            ]
            route_edges = [e for e, m in stretches if e >= 0 and m > 0]
            nodes = [start_node, *net.edge_v[edges].tolist()]
            lead_piece = [(e, s, t) for _, e, s, t in self._leave_ranges(a) if e == lead_edge]
            tail_piece = [(e, s, t) for _, e, s, t in self._arrive_ranges(b) if e == tail_edge]
            pieces = [
                *lead_piece[:1],
                *((e, 0.0, m) for e, m in zip(edge_list, lengths, strict=True)),
                *tail_piece[:1],
            ]
        length = float(sum(m for _, m in stretches))
        return Route(
            cost=cost,
            length_m=length,
            duration_s=length / self.speed_mps,
            coords=coords,
            edges=route_edges,
            nodes=nodes,
            origin=a,
            destination=b,
            steps=self._steps(stretches),
            stretches=[(e, m) for e, m in stretches if e >= 0 and m > 0],
            pieces=[(e, s, t) for e, s, t in pieces if e >= 0 and t > s],
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

    def _steps(self, stretches: list[tuple[int, float]]) -> list[dict[str, Any]]:
        names = self._edge_names
        highways = self._edge_highways
        steps: list[dict[str, Any]] = []
        for edge, metres in stretches:
            if edge < 0 or metres <= 0:
                continue
            name, highway = names[edge], highways[edge]
            if steps and steps[-1]["name"] == name and (name or steps[-1]["highway"] == highway):
                steps[-1]["length_m"] += metres
            else:
                steps.append({"name": name, "highway": highway, "length_m": metres})
        return steps

    @cached_property
    def _edge_names(self) -> list[str | None]:
        return self.network.edge_attr("name")

    @cached_property
    def _edge_highways(self) -> list[str | None]:
        return self.network.edge_attr("highway")

    # ------------------------------------------------------------------ node queries
    def node_path(self, source: int, target: int) -> tuple[float, list[int]]:
        """Shortest path between two graph nodes (indices).

        Returns
        -------
        cost : float
            ``inf`` if unreachable.
        nodes : list of int
            The nodes of the path, empty if unreachable.
        """
        one = np.zeros(1)
        best, _, edges = self._search(
            Entries(np.array([source], np.int64), one), Entries(np.array([target], np.int64), one)
        )
        if not math.isfinite(best):
            return math.inf, []
        return best, [source, *self.network.edge_v[edges].tolist()]

    def node_costs(
        self,
        sources: Sequence[int] | IntArray,
        *,
        source_costs: Sequence[float] | FloatArray | None = None,
        limit: float = math.inf,
        reverse: bool = False,
    ) -> tuple[FloatArray, IntArray]:
        """Multi-source costs to (or, with ``reverse``, from) every node.

        Parameters
        ----------
        sources : sequence of int
            Source nodes.
        source_costs : sequence of float, optional
            Initial cost of each source (default 0).
        limit : float
            Do not settle nodes beyond this cost.
        reverse : bool
            Search the reversed graph: cost from every node *to* the nearest source.

        Returns
        -------
        cost : ndarray
            Cost per node (``inf`` if beyond reach).
        label : ndarray
            Index into ``sources`` of the nearest source per node (-1 if none).
        """
        src = np.asarray(sources, dtype=np.int64)
        init = np.zeros(len(src)) if source_costs is None else np.asarray(source_costs, float)
        indptr, adj, w, _ = self._bwd if reverse else self._fwd
        dist, _, label = _kernels.dijkstra(
            indptr, adj, w, src, init, float(limit), np.empty(0, dtype=np.int64)
        )
        return dist, label

    # ------------------------------------------------------------------ point queries
    def _entries(
        self, snaps: list[Snap], *, arriving: bool
    ) -> tuple[IntArray, FloatArray, IntArray]:
        entries = [self.arrivals(s) if arriving else self.departures(s) for s in snaps]
        ptr = np.zeros(len(entries) + 1, dtype=np.int64)
        np.cumsum([len(e.nodes) for e in entries], out=ptr[1:])
        nodes = np.concatenate([e.nodes for e in entries]) if entries else np.empty(0, np.int64)
        costs = np.concatenate([e.costs for e in entries]) if entries else np.empty(0)
        return nodes.astype(np.int64), costs.astype(np.float64), ptr

    def cost_matrix(
        self, origins: Sequence[Sequence[float]], destinations: Sequence[Sequence[float]]
    ) -> FloatArray:
        """Costs from every origin to every destination (lon/lat points).

        Returns
        -------
        ndarray
            ``(len(origins), len(destinations))``; ``inf`` where unreachable.
        """
        a = self.snap_many(origins, what="origin")
        b = self.snap_many(destinations, what="destination")
        src, src_cost, src_ptr = self._entries(a, arriving=False)
        tgt, tgt_cost, tgt_ptr = self._entries(b, arriving=True)
        indptr, adj, w, _ = self._fwd
        out = _kernels.many_to_many(indptr, adj, w, src, src_cost, src_ptr, tgt, tgt_cost, tgt_ptr)
        for i, sa in enumerate(a):
            for j, sb in enumerate(b):
                if sa.segment == sb.segment:
                    out[i, j] = min(out[i, j], self._direct(sa, sb)[0])
        return np.asarray(out, dtype=np.float64)

    def costs_from(
        self, origin: Sequence[float], destinations: Sequence[Sequence[float]]
    ) -> FloatArray:
        """Costs from one origin to many destinations (one row of :meth:`cost_matrix`)."""
        return np.asarray(self.cost_matrix([origin], destinations)[0], dtype=np.float64)

    def nearest_facility(
        self, facilities: Sequence[Sequence[float]], *, limit: float = math.inf
    ) -> tuple[FloatArray, IntArray]:
        """Cost from every node to the nearest of a set of facilities.

        One multi-source search on the reversed graph, started from every facility's snapped
        position (so the costs include the last stretch along the facility's own edge).

        Parameters
        ----------
        facilities : sequence of (lon, lat)
            Facility locations.
        limit : float
            Costs above this are reported as ``inf``.

        Returns
        -------
        cost : ndarray
            Per node, cost to the nearest facility.
        facility : ndarray
            Per node, index of that facility (-1 if none within the limit).
        """
        snaps = self.snap_many(facilities, what="facility")
        nodes, costs, ptr = self._entries(snaps, arriving=True)
        dist, label = self.node_costs(nodes, source_costs=costs, limit=limit, reverse=True)
        owner = np.repeat(np.arange(len(snaps)), np.diff(ptr))
        facility = np.where(label >= 0, owner[np.maximum(label, 0)], -1)
        return dist, facility

    def reachable(self, origin: Sequence[float], limit: float) -> tuple[IntArray, FloatArray]:
        """Every node reachable from a point within a cost limit.

        Parameters
        ----------
        origin : (lon, lat)
            Start point (snapped).
        limit : float
            Cost limit (metres by default).

        Returns
        -------
        nodes : ndarray
            Reached node indices, by increasing cost.
        costs : ndarray
            Their costs.
        """
        entry = self.departures(self.snap(origin, what="origin"))
        dist, _ = self.node_costs(entry.nodes, source_costs=entry.costs, limit=limit)
        nodes = np.flatnonzero(np.isfinite(dist))
        order = np.argsort(dist[nodes], kind="stable")
        return nodes[order], dist[nodes][order]
