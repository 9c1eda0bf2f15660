"""Queries on a network: snapping, routes, cost matrices, nearest facility, reachability.

A :class:`Router` is one set of per-edge weights on a :class:`~routing.network.Network`
(metres by default; walking time with safety penalties for safe routing). Everything
weight-independent lives on the network and is shared by all its routers: CSR arrays, the
snapping index and the contraction hierarchy's topology. A router adds its weights, a
customization of the hierarchy for point-to-point routes and cost matrices
(:mod:`routing.hierarchy`), and the same weights in CSR order for one-to-all searches
(nearest facility, reach), which run in compiled kernels whose set-up costs what they visit.
:meth:`Router.set_weights` changes the weights in place, re-customizing only the edges that
changed.

Points are snapped onto the nearest *edge* (projected onto the segment, not to the nearest
node), and routes start and end at the snapped points: a route is the best of leaving the
origin's segment towards either end, travelling between those nodes, and reaching the
destination from either end of its segment, or walking straight along a shared segment.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from routing.errors import InvalidLimitError, NoRouteError, PointTooFarError
from routing.network import Network
from routing.profiles import get_profile
from routing.route import Entries, LonLat, Route, RouteAssembly, Snap, check_lonlat, check_points
from routing.snapping import SnapBatch

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

__all__ = [
    "Entries",
    "LonLat",
    "Route",
    "Router",
    "Snap",
    "SnapBatch",
    "check_limit",
    "check_lonlat",
]

#: Cost matrices with at most this many pairs report float costs summed along each path;
#: larger ones report the hierarchy's quantized costs (see :mod:`routing.hierarchy`).
EXACT_MATRIX_PAIRS = 256


def check_limit(limit: float, *, what: str = "limit") -> float:
    """A search limit as a float, refusing negative and NaN values.

    Raises
    ------
    InvalidLimitError
        If ``limit`` is not a number, is NaN or is negative.
    """
    try:
        value = float(limit)
    except (TypeError, ValueError):
        raise InvalidLimitError(f"{what} must be a number, got {limit!r:.40}") from None
    if math.isnan(value) or value < 0:
        raise InvalidLimitError(f"{what} must be a non-negative number, got {value}")
    return value


class _Scratch:
    """Per-node search state kept between searches (reset on the nodes touched only)."""

    def __init__(self, n_nodes: int) -> None:
        self.dist = np.full(n_nodes, np.inf)
        self.pred = np.full(n_nodes, -1, dtype=np.int32)
        self.label = np.full(n_nodes, -1, dtype=np.int32)
        self.state = np.zeros(n_nodes, dtype=np.uint8)
        self.pos = np.full(n_nodes, -1, dtype=np.int32)
        self.touched = np.empty(n_nodes, dtype=np.int32)
        self.heap_keys = np.empty(n_nodes)
        self.heap_nodes = np.empty(n_nodes, dtype=np.int32)


class Router(RouteAssembly):
    """Shortest paths on a :class:`Network` under one set of edge weights.

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
    """

    def __init__(
        self,
        network: Network,
        *,
        weights: FloatArray | None = None,
        speed_kmh: float | None = None,
        max_snap_m: float = 500.0,
        piece_cost: Callable[[int, float, float], float] | None = None,
    ) -> None:
        self.network = network
        self.speed_mps = (speed_kmh or get_profile(network.profile).default_speed_kmh) / 3.6
        self.max_snap_m = float(max_snap_m)
        self._seg_edge = network.segment_edges  # [:, 0] forward edge, [:, 1] backward edge
        self._metric: Any = None
        self.version = 0
        self.weights = self._checked(network.edge_length if weights is None else weights)
        self._piece_hook = piece_cost
        self._sorted: dict[bool, FloatArray] = {}

    def clone(self) -> Router:
        """A router with the same weights and hook whose weights can change independently.

        A customization already built is copied, not redone (seconds on millions of edges).
        """
        twin = Router(self.network, weights=self.weights, max_snap_m=self.max_snap_m,
                      piece_cost=self._piece_hook)  # fmt: skip
        twin.speed_mps = self.speed_mps
        if self._metric is not None:
            twin._metric = self._metric.copy()
        return twin

    def _checked(self, weights: Any) -> FloatArray:
        w = np.asarray(weights, dtype=np.float64)
        if w.shape != (self.network.n_edges,):
            raise ValueError(f"weights must have one value per edge ({self.network.n_edges})")
        if (w < 0).any() or np.isnan(w).any():
            raise ValueError("weights must be non-negative numbers (inf closes an edge)")
        return w

    def set_weights(
        self,
        weights: FloatArray,
        *,
        piece_cost: Callable[[int, float, float], float] | None = None,
    ) -> int:
        """Replace the weights in place (and the ``piece_cost`` hook).

        The hierarchy's customization is updated for the edges whose quantized weight changed
        only (a partial customization), unless many changed.

        Returns
        -------
        int
            How many directed edges changed weight (as the hierarchy sees them).
        """
        w = self._checked(weights)
        changed = int(np.count_nonzero(w != self.weights))
        self.weights = w
        self._piece_hook = piece_cost
        self._sorted.clear()
        self.version += 1
        if self._metric is not None:
            from routing.hierarchy import Metric, choose_scale

            if choose_scale(self.network, w) < self._metric.scale / 4:
                self._metric = Metric(self.network, w)
            else:
                changed = self._metric.update(w)
        return changed

    @property
    def customized(self) -> bool:
        """Whether the hierarchy's customization for these weights is built (see :attr:`metric`)."""
        return self._metric is not None

    @property
    def metric(self) -> Any:
        """The router's customization of the network's hierarchy (built on first use)."""
        if self._metric is None:
            from routing.hierarchy import Metric

            self._metric = Metric(self.network, self.weights)
        return self._metric

    def _csr(self, reverse: bool) -> tuple[IntArray, Any, FloatArray, Any]:
        indptr, adj, order = self.network.csr(reverse=reverse)
        if reverse not in self._sorted:
            self._sorted[reverse] = self.weights[order]
        return indptr, adj, self._sorted[reverse], order

    @property
    def _fwd(self) -> tuple[IntArray, Any, FloatArray, Any]:
        """Forward CSR ``(indptr, adj, weights, edge_of_arc)``."""
        return self._csr(False)

    @property
    def _bwd(self) -> tuple[IntArray, Any, FloatArray, Any]:
        """Reversed CSR ``(indptr, adj, weights, edge_of_arc)``."""
        return self._csr(True)

    @property
    def _scratch(self) -> _Scratch:
        d = self.network.__dict__
        if "_search_scratch" not in d:
            d["_search_scratch"] = _Scratch(self.network.n_nodes)
        scratch: _Scratch = d["_search_scratch"]
        return scratch

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

    def snap_points(
        self,
        points: Sequence[Sequence[float]] | FloatArray,
        *,
        what: str = "point",
        names: Sequence[str] | None = None,
    ) -> tuple[SnapBatch, npt.NDArray[np.bool_]]:
        """Snap many points in one call, refusing none for distance.

        Returns
        -------
        batch : SnapBatch
            Snapped positions, distances, segments and offsets as arrays.
        near : ndarray of bool
            Whether each point lies within ``max_snap_m`` (points outside lie on no road of
            this network: drop them or try another network).

        Raises
        ------
        InvalidCoordinateError
            If a point is not a valid lon/lat pair (named ``names[k]`` or ``"{what} {k}"``).
        """

        def label(k: int) -> str:
            if names is not None:
                return names[k]
            return what if len(points) == 1 else f"{what} {k}"

        batch = self._snap_checked(points, label)[2]
        return batch, batch.distance_m <= self.max_snap_m

    def _snap_checked(
        self, points: Sequence[Sequence[float]] | FloatArray, label: Callable[[int], str]
    ) -> tuple[FloatArray, FloatArray, SnapBatch]:
        lon, lat = check_points(points, label=label)
        return lon, lat, self.network.snapper.nearest(lon, lat)

    def snap_many(
        self,
        points: Sequence[Sequence[float]] | FloatArray,
        *,
        what: str = "point",
        names: Sequence[str] | None = None,
    ) -> list[Snap]:
        """Snap several points at once (see :meth:`snap`).

        Errors name point ``k`` as ``names[k]`` when given, else ``"{what} {k}"``.
        """
        if not len(points):
            return []

        def label(k: int) -> str:
            if names is not None:
                return names[k]
            return what if len(points) == 1 else f"{what} {k}"

        qlon, qlat, batch = self._snap_checked(points, label)
        near = batch.distance_m <= self.max_snap_m
        if not near.all():
            k = int(np.argmin(near))
            name = label(k)
            raise PointTooFarError(
                f"{name} ({qlon[k]:.6f}, {qlat[k]:.6f}) is {batch.distance_m[k]:.0f} m from the "
                f"nearest road of the network; the limit is {self.max_snap_m:.0f} m"
            )
        return [
            Snap((x, y), sx, sy, d, s, p, o)
            for x, y, sx, sy, d, s, p, o in zip(
                qlon.tolist(), qlat.tolist(), batch.lon.tolist(), batch.lat.tolist(),
                batch.distance_m.tolist(), batch.segment.tolist(), batch.piece.tolist(),
                batch.offset_m.tolist(), strict=True,
            )
        ]  # fmt: skip

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

    def _piece_costs(self, edges: IntArray, start: FloatArray, end: FloatArray) -> FloatArray:
        """:meth:`piece_cost` for many pieces (vectorized unless a hook is set)."""
        if self._piece_hook is not None:
            return np.array(
                [self.piece_cost(int(e), float(a), float(b)) for e, a, b in
                 zip(edges.tolist(), start.tolist(), end.tolist(), strict=True)],
                dtype=np.float64,
            )  # fmt: skip
        full = self.network.edge_length[edges]
        w = self.weights[edges]
        with np.errstate(invalid="ignore", divide="ignore"):
            closed = np.where(np.isfinite(w), 0.0, np.inf)
            cost = np.where(full > 0, w * ((end - start) / full), closed)
        return np.where(end <= start, 0.0, cost)

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

    def arrivals(self, snap: Snap) -> Entries:
        """Nodes from which a snapped destination is reached along its own segment."""
        ranges = self._arrive_ranges(snap)
        nodes = [r[0] for r in ranges]
        costs = [self.piece_cost(e, a, b) for _, e, a, b in ranges]
        return self._with_end_nodes(snap, nodes, costs)

    def entries(self, batch: SnapBatch, *, arriving: bool) -> tuple[IntArray, FloatArray, IntArray]:
        """Entry nodes of many snapped points at once: ``(nodes, costs, ptr)``.

        Point ``k``'s entries are ``nodes[ptr[k]:ptr[k+1]]`` with ``costs`` alike: the nodes
        from which it is reached (``arriving``) or that it reaches, as in :meth:`arrivals` and
        :meth:`departures`.
        """
        net = self.network
        seg = batch.segment
        pair = self._seg_edge[seg]
        fwd, bwd = pair[:, 0].astype(np.int64), pair[:, 1].astype(np.int64)
        length = net.seg_length[seg]
        off = batch.offset_m
        u, v = net.seg_u[seg].astype(np.int64), net.seg_v[seg].astype(np.int64)
        k = np.arange(len(seg))
        if arriving:
            cand = [(fwd >= 0, u, fwd, np.zeros_like(off), off),
                    (bwd >= 0, v, bwd, np.zeros_like(off), length - off)]  # fmt: skip
        else:
            cand = [(bwd >= 0, u, bwd, length - off, length), (fwd >= 0, v, fwd, off, length)]
        owners, nodes, costs = [], [], []
        for ok, node, edge, a, b in cand:
            owners.append(k[ok])
            nodes.append(node[ok])
            costs.append(self._piece_costs(edge[ok], a[ok], b[ok]))
        for ok, node in ((off == 0.0, u), (off == length, v)):
            owners.append(k[ok])
            nodes.append(node[ok])
            costs.append(np.zeros(int(ok.sum())))
        owner = np.concatenate(owners)
        order = np.argsort(owner, kind="stable")
        ptr = np.zeros(len(seg) + 1, dtype=np.int64)
        np.cumsum(np.bincount(owner, minlength=len(seg)), out=ptr[1:])
        return np.concatenate(nodes)[order], np.concatenate(costs)[order], ptr

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
        a, b = self.snap_many([origin, destination], names=("origin", "destination"))
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
        """Best way between entry and exit nodes: float cost, exit used, directed edges.

        The hierarchy picks the pair of end nodes and the path; the cost is the float sum of
        the weights along it. When the hierarchy finds nothing (unreachable, or a route beyond
        its integer range) an exact Dijkstra search decides.
        """
        src_ok = np.flatnonzero(np.isfinite(leave.costs))
        dst_ok = np.flatnonzero(np.isfinite(arrive.costs))
        if not len(src_ok) or not len(dst_ok):
            return math.inf, -1, np.empty(0, np.int64)
        quantized, i, j, edges = self.metric.best(
            leave.nodes[src_ok], leave.costs[src_ok], arrive.nodes[dst_ok], arrive.costs[dst_ok]
        )
        if not math.isfinite(quantized):
            return self._dijkstra_route(leave, arrive)
        s, t = int(src_ok[i]), int(dst_ok[j])
        cost = float(leave.costs[s]) + float(self.weights[edges].sum()) + float(arrive.costs[t])
        return cost, t, edges

    def _dijkstra_route(self, leave: Entries, arrive: Entries) -> tuple[float, int, IntArray]:
        """Exact float search between entries (the hierarchy's fallback)."""
        from routing import _kernels

        nodes, cost, arc, _ = self._run(leave.nodes, leave.costs, math.inf, False, arrive.nodes)
        if not len(nodes):
            return math.inf, -1, np.empty(0, np.int64)
        n = self.network.n_nodes
        dist = np.full(n, np.inf)
        dist[nodes] = cost
        reach = dist[arrive.nodes] + arrive.costs
        end = int(np.argmin(reach))
        if not math.isfinite(reach[end]):
            return math.inf, -1, np.empty(0, np.int64)
        pred = np.full(n, -1, dtype=np.int64)
        pred[nodes] = arc
        indptr, _, _, order = self._fwd
        tails = np.repeat(np.arange(n), np.diff(indptr))
        arcs = _kernels.trace_arcs(pred, tails, int(arrive.nodes[end]))
        return float(reach[end]), end, np.asarray(order[arcs], dtype=np.int64)

    # ------------------------------------------------------------------ searches
    def _run(
        self,
        sources: Any,
        costs: Any,
        limit: float,
        reverse: bool,
        targets: Any = None,
    ) -> tuple[IntArray, FloatArray, IntArray, IntArray]:
        """One compiled search; settled ``(nodes, costs, arcs, source index)``."""
        from routing import _kernels

        src = np.ascontiguousarray(sources, dtype=np.int64)
        init = np.ascontiguousarray(costs, dtype=np.float64)
        tgt = np.empty(0, np.int64) if targets is None else np.ascontiguousarray(targets, np.int64)
        indptr, adj, w, _ = self._csr(reverse)
        sc = self._scratch
        nodes, cost, arc, source = _kernels.search(
            indptr, adj, w, src, init, float(limit), tgt,
            sc.dist, sc.pred, sc.label, sc.state, sc.touched, sc.pos, sc.heap_keys, sc.heap_nodes,
        )  # fmt: skip
        return nodes, cost, arc, source

    def _dense(
        self, sources: IntArray, costs: FloatArray, labels: IntArray, limit: float, reverse: bool
    ) -> tuple[FloatArray, IntArray]:
        """One compiled search answering for every node: ``(cost, label)`` arrays of length n.

        ``label`` is ``labels[i]`` for the source ``i`` a node is reached from, -1 if none.
        """
        from routing import _kernels

        n = self.network.n_nodes
        dist = np.full(n, np.inf)
        label = np.full(n, -1, dtype=np.int64)
        indptr, adj, w, _ = self._csr(reverse)
        sc = self._scratch
        pos = np.full(n, -1, dtype=np.int32)  # an answer per node anyway: O(n) set-up is due
        _kernels.search_dense(
            indptr, adj, w, sources, costs, np.ascontiguousarray(labels, dtype=np.int64),
            float(limit), dist, label, pos, sc.heap_keys, sc.heap_nodes,
        )  # fmt: skip
        return dist, label

    def reach(
        self,
        sources: Sequence[int] | IntArray,
        *,
        source_costs: Sequence[float] | FloatArray | None = None,
        limit: float = math.inf,
        reverse: bool = False,
    ) -> tuple[IntArray, FloatArray, IntArray]:
        """Nodes within ``limit`` of the sources, as sparse arrays (cost ∝ nodes reached).

        Returns
        -------
        nodes : ndarray
            Reached nodes, by increasing cost.
        cost : ndarray
            Their costs.
        source : ndarray
            Index into ``sources`` of the nearest source of each.
        """
        lim = check_limit(limit)
        src = np.asarray(sources, dtype=np.int64)
        init = np.zeros(len(src)) if source_costs is None else np.asarray(source_costs, float)
        nodes, cost, _, source = self._run(src, init, lim, reverse)
        return nodes, cost, source

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

        Raises
        ------
        InvalidLimitError
            If ``limit`` is negative or NaN.
        """
        lim = check_limit(limit)
        src = np.ascontiguousarray(sources, dtype=np.int64)
        init = (
            np.zeros(len(src))
            if source_costs is None
            else np.ascontiguousarray(source_costs, dtype=np.float64)
        )
        dist, label = self._dense(src, init, np.arange(len(src)), lim, reverse)
        return dist, label

    # ------------------------------------------------------------------ point queries
    def cost_matrix(
        self, origins: Sequence[Sequence[float]], destinations: Sequence[Sequence[float]]
    ) -> FloatArray:
        """Costs from every origin to every destination (lon/lat points).

        Up to :data:`EXACT_MATRIX_PAIRS` pairs, each finite cost is the float sum along the
        best path; larger matrices give the hierarchy's quantized costs (within half a
        quantization unit per edge of the float optimum).

        Returns
        -------
        ndarray
            ``(len(origins), len(destinations))``; ``inf`` where unreachable.
        """
        a = self.snap_many(origins, what="origin")
        b = self.snap_many(destinations, what="destination")
        if not a or not b:
            return np.zeros((len(a), len(b)))
        leave = [self.departures(s) for s in a]
        arrive = [self.arrivals(s) for s in b]
        out = np.full((len(a), len(b)), np.inf)
        src = np.unique(np.concatenate([e.nodes for e in leave]))
        dst = np.unique(np.concatenate([e.nodes for e in arrive]))
        between = self.metric.distances(src, dst)
        exact = len(a) * len(b) <= EXACT_MATRIX_PAIRS
        for i, ea in enumerate(leave):
            rows = between[np.searchsorted(src, ea.nodes)]
            for j, eb in enumerate(arrive):
                block = ea.costs[:, None] + rows[:, np.searchsorted(dst, eb.nodes)] + eb.costs
                if exact and np.isfinite(block).any():
                    out[i, j] = self._search(ea, eb)[0]
                else:
                    out[i, j] = float(block.min())
        for i, sa in enumerate(a):
            for j, sb in enumerate(b):
                if sa.segment == sb.segment:
                    out[i, j] = min(out[i, j], self._direct(sa, sb)[0])
        return out

    def costs_from(
        self, origin: Sequence[float], destinations: Sequence[Sequence[float]]
    ) -> FloatArray:
        """Costs from one origin to many destinations (one row of :meth:`cost_matrix`)."""
        return np.asarray(self.cost_matrix([origin], destinations)[0], dtype=np.float64)

    def nearest_facility(
        self, facilities: Sequence[Sequence[float]] | FloatArray, *, limit: float = math.inf
    ) -> tuple[FloatArray, IntArray]:
        """Cost from every node to the nearest of a set of facilities.

        One multi-source search on the reversed graph, started from every facility's snapped
        position (so the costs include the last stretch along the facility's own edge). No
        facility: every cost is ``inf`` and every index -1.

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

        Raises
        ------
        PointTooFarError
            If a facility lies farther than ``max_snap_m`` from every road.
        InvalidLimitError
            If ``limit`` is negative or NaN.
        """
        lim = check_limit(limit)
        n = self.network.n_nodes
        if not len(facilities):
            return np.full(n, np.inf), np.full(n, -1, dtype=np.int64)
        batch, near = self.snap_points(facilities, what="facility")
        if not near.all():
            self.snap_many(facilities, what="facility")  # raises, naming the first far one
        nodes, costs, ptr = self.entries(batch, arriving=True)
        owner = np.repeat(np.arange(len(batch), dtype=np.int64), np.diff(ptr))
        return self._dense(nodes, costs, owner, lim, True)

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

        Raises
        ------
        InvalidLimitError
            If ``limit`` is negative or NaN.
        """
        lim = check_limit(limit)
        entry = self.departures(self.snap(origin, what="origin"))
        nodes, cost, _ = self.reach(entry.nodes, source_costs=entry.costs, limit=lim)
        return nodes, cost
