"""Customizable contraction hierarchies (order from RoutingKit, the rest in :mod:`routing._cch`).

The node order comes from RoutingKit's nested dissection (``pyroutingkit``); the supergraph,
the customization (which records how every shortcut is made), queries and path unpacking are
our compiled kernels: RoutingKit's own path unpacking re-enumerates triangles for every
shortcut, which cost ~10 ms per 1,000 edges of path on the 5M-edge corridor.

A *hierarchy* is weight-independent: a node order found by nested dissection (inertial flow)
and the chordal supergraph it implies. The order is the expensive part; it is computed once and
saved with the network (:attr:`routing.network.Network.hierarchy_order`), and each process
rebuilds the supergraph from it on first use (:func:`topology`), which takes a fraction of a
second even for millions of edges.

A *metric* (:class:`Metric`) is one set of weights on that topology: a full customization
takes O(edges); changing a few edges (a risk zone edited, penalties on a route's streets) is a
partial customization of only what they affect.

RoutingKit weights are 32-bit integers. Costs are quantized to ``round(w * scale)``; the scale
is chosen per metric so that any route of the network fits well below RoutingKit's infinity
(:func:`choose_scale`), and at most 1000 units per cost unit (millimetres for metres,
milliseconds for seconds). Queries on the quantized weights are exact; routers report the
*float* cost of the path found by summing the real weights along it, so answers equal a float
Dijkstra except where two paths differ by less than the quantization (ties: then either may be
returned, and its float cost differs from the optimum by at most half a unit per edge).
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from routing.network import Network

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
UInt32Array = npt.NDArray[np.uint32]

#: RoutingKit's infinity (unreachable, closed arc).
INF_WEIGHT = 2_147_483_647
#: Most units per cost unit (1 mm per metre, 1 ms per second).
MAX_SCALE = 1000.0
#: Share of changed arcs above which a full customization is cheaper than a partial one.
PARTIAL_SHARE = 0.05


def compute_order(network: Network) -> UInt32Array:
    """The nested-dissection node order of the network's hierarchy (the expensive step)."""
    from pyroutingkit import CCHTopology

    # the order depends on the undirected graph only: each street once (a third faster)
    u = np.asarray(network.edge_u, dtype=np.uint64)
    v = np.asarray(network.edge_v, dtype=np.uint64)
    pairs = np.unique((np.minimum(u, v) << np.uint64(32)) | np.maximum(u, v))
    lo, hi = (pairs >> np.uint64(32)).astype(np.uint32), (pairs & 0xFFFFFFFF).astype(np.uint32)
    keep = lo != hi
    topo = CCHTopology()
    topo.build(
        lo[keep],
        hi[keep],
        np.asarray(network.node_lat, dtype=np.float32),
        np.asarray(network.node_lon, dtype=np.float32),
        network.n_nodes,
    )
    with tempfile.TemporaryDirectory(prefix="geomap-cch-") as folder:
        topo.save(folder)
        return np.fromfile(Path(folder) / "order", dtype=np.uint32)


class Topology:
    """The chordal supergraph of a node order, with per-process search scratch.

    Arrays are in rank space (see :mod:`routing._cch`); ``rank[node]`` maps nodes there.
    """

    def __init__(self, network: Network, order: UInt32Array) -> None:
        from routing import _cch

        n = network.n_nodes
        self.rank = np.empty(n, dtype=np.int64)
        self.rank[np.asarray(order, dtype=np.int64)] = np.arange(n, dtype=np.int64)
        ru = self.rank[np.asarray(network.edge_u)]
        rv = self.rank[np.asarray(network.edge_v)]
        keep = ru != rv
        lo, hi = np.minimum(ru, rv)[keep], np.maximum(ru, rv)[keep]
        self.up_ptr, self.up_head = _cch.build_topology(n, lo, hi)
        degree = np.diff(self.up_ptr)
        self.arc_tail = np.repeat(np.arange(n, dtype=np.int32), degree)
        self.parent = np.full(n, -1, dtype=np.int64)
        has = degree > 0
        self.parent[has] = self.up_head[self.up_ptr[:-1][has]]
        self.height = int(_cch.tree_height(self.parent))
        self.edge_arc, self.edge_upward = _cch.edge_arcs(self.up_ptr, self.up_head, ru, rv)
        self.fdist, self.bdist = np.full(n, np.inf), np.full(n, np.inf)
        self.fpred, self.bpred = np.full(n, -1, np.int64), np.full(n, -1, np.int64)
        self.fmark, self.bmark = np.full(n, -1, np.int64), np.full(n, -1, np.int64)
        self.fbuf, self.bbuf = np.empty(n, np.int64), np.empty(n, np.int64)
        self.stamp = np.zeros(2, dtype=np.int64)  # search count, unpacking's reads
        self._updates: tuple[Any, ...] | None = None

    @property
    def n_arcs(self) -> int:
        """How many arcs the supergraph has."""
        return len(self.up_head)

    def update_lists(self) -> tuple[Any, ...]:
        """Lower neighbours and the input edges of every arc (for partial customization)."""
        if self._updates is None:
            from routing import _cch

            down = _cch.down_lists(self.up_ptr, self.up_head)
            ok = np.flatnonzero(self.edge_arc >= 0)
            edge_ids = ok[np.argsort(self.edge_arc[ok], kind="stable")]
            edge_ptr = np.zeros(self.n_arcs + 1, dtype=np.int64)
            np.cumsum(np.bincount(self.edge_arc[ok], minlength=self.n_arcs), out=edge_ptr[1:])
            self._updates = (*down, edge_ptr, edge_ids)
        return self._updates

    def scratch(self) -> tuple[Any, ...]:
        """Search state shared by the metrics of this process."""
        return (self.fdist, self.fpred, self.fmark, self.bdist, self.bpred, self.bmark,
                self.fbuf, self.bbuf, self.stamp)  # fmt: skip


def topology(network: Network) -> Topology:
    """The network's hierarchy topology for this process, from its saved order (built once)."""
    cached = network.__dict__.get("_cch_topology")
    if cached is None:
        cached = Topology(network, network.hierarchy_order)
        network.__dict__["_cch_topology"] = cached
    result: Topology = cached
    return result


def choose_scale(network: Network, weights: FloatArray) -> float:
    """Units per cost unit for quantizing ``weights`` (see the module docstring).

    Routes are bounded by four times the network's bounding-box diagonal walked at the
    costliest rate of any edge (cost per metre); the scale keeps that bound under a quarter of
    RoutingKit's infinity. A route that would still overflow is found by the routers' exact
    fallback search, so the bound only has to be usually right.
    """
    from routing.geodesy import distance_m

    length = np.asarray(network.edge_length)
    finite = np.isfinite(weights) & (length > 1.0)
    rate = float(np.max(weights[finite] / length[finite])) if finite.any() else 1.0
    rate = max(rate, float(np.max(weights[np.isfinite(weights)], initial=0.0)) / 1e6, 1e-9)
    west, south, east, north = network.bbox
    diagonal = float(distance_m(west, south, east, north)) if network.n_nodes else 1.0
    span = 4.0 * max(diagonal, 1000.0) * rate
    return float(min(MAX_SCALE, (INF_WEIGHT / 4) / span))


def quantize(weights: FloatArray, scale: float) -> UInt32Array:
    """``round(w * scale)`` as RoutingKit weights (``inf`` stays closed, big values cap)."""
    q = np.rint(np.where(np.isfinite(weights), weights, 0.0) * scale)
    q = np.minimum(q, INF_WEIGHT - 1)
    return np.where(np.isfinite(weights), q, INF_WEIGHT).astype(np.uint32)


class Metric:
    """One customization of the hierarchy: a weight set, quantized.

    Parameters
    ----------
    network : Network
        The network (its topology is built on first use).
    weights : ndarray
        Cost per directed edge (``inf``: closed).
    scale : float, optional
        Units per cost unit; by default :func:`choose_scale`.
    """

    def __init__(self, network: Network, weights: FloatArray, *, scale: float | None = None):
        from routing import _cch

        self.network = network
        self.topology = topo = topology(network)
        self.scale = choose_scale(network, weights) if scale is None else scale
        self.quantized = quantize(weights, self.scale)
        arcs = topo.n_arcs
        self.fwd, self.bwd = np.empty(arcs), np.empty(arcs)
        self.fmid = np.empty((arcs, 2), np.int32)  # how each cost is made (see _cch)
        self.bmid = np.empty((arcs, 2), np.int32)
        units = self._units(self.quantized)
        _cch.customize(topo.up_ptr, topo.up_head, topo.edge_arc, topo.edge_upward, units,
                       self.fwd, self.bwd, self.fmid, self.bmid)  # fmt: skip

    def copy(self) -> Metric:
        """An independent copy (arrays copied: far cheaper than customizing again)."""
        twin = object.__new__(Metric)
        twin.network, twin.topology, twin.scale = self.network, self.topology, self.scale
        twin.quantized = self.quantized.copy()
        twin.fwd, twin.bwd = self.fwd.copy(), self.bwd.copy()
        twin.fmid, twin.bmid = self.fmid.copy(), self.bmid.copy()
        return twin

    @staticmethod
    def _units(q: UInt32Array) -> FloatArray:
        return np.where(q >= INF_WEIGHT, math.inf, q.astype(np.float64))

    def update(self, weights: FloatArray) -> int:
        """Re-customize for new weights: partially when few arcs change. Returns how many did."""
        from routing import _cch

        q = quantize(weights, self.scale)
        changed = np.flatnonzero(q != self.quantized)
        if len(changed) == 0:
            return 0
        topo = self.topology
        units = self._units(q)
        if len(changed) > PARTIAL_SHARE * len(q):
            _cch.customize(topo.up_ptr, topo.up_head, topo.edge_arc, topo.edge_upward, units,
                           self.fwd, self.bwd, self.fmid, self.bmid)  # fmt: skip
        else:
            _cch.update(  # type: ignore[call-arg]
                topo.up_ptr, topo.up_head, topo.arc_tail, *topo.update_lists(),
                topo.edge_arc, topo.edge_upward, units, changed,
                self.fwd, self.bwd, self.fmid, self.bmid,
            )  # fmt: skip
        self.quantized = q
        return len(changed)

    def distances(self, sources: IntArray, targets: IntArray) -> FloatArray:
        """``(len(sources), len(targets))`` quantized costs in cost units (``inf``: none)."""
        from routing import _cch

        topo = self.topology
        raw = _cch.distances(topo.up_ptr, topo.up_head, topo.parent, self.fwd, self.bwd,
                             topo.rank[np.asarray(sources, dtype=np.int64)],
                             topo.rank[np.asarray(targets, dtype=np.int64)],
                             *topo.scratch())  # fmt: skip
        return np.asarray(raw / self.scale, dtype=np.float64)

    def best(
        self,
        sources: IntArray,
        source_costs: FloatArray,
        targets: IntArray,
        target_costs: FloatArray,
    ) -> tuple[float, int, int, IntArray]:
        """Best path from any source to any target, each with a start or end cost (cost units).

        Returns ``(cost, source index, target index, directed edges)``; the cost is the
        quantized path cost plus the two end costs (``inf, -1, -1`` and no edges if none).
        """
        from routing import _cch

        topo = self.topology
        src = topo.rank[np.asarray(sources, dtype=np.int64)]
        dst = topo.rank[np.asarray(targets, dtype=np.int64)]
        sc = np.asarray(source_costs, dtype=np.float64) * self.scale
        dc = np.asarray(target_costs, dtype=np.float64) * self.scale
        cost, first, last, edges = _cch.best_path(
            topo.up_ptr, topo.up_head, topo.arc_tail, topo.parent, topo.height, self.fwd,
            self.bwd, self.fmid, self.bmid, src, sc, dst, dc, *topo.scratch(),
        )  # fmt: skip
        if not math.isfinite(cost):
            return math.inf, -1, -1, np.empty(0, dtype=np.int64)
        i = int(np.argmin(np.where(src == first, sc, np.inf)))
        j = int(np.argmin(np.where(dst == last, dc, np.inf)))
        return float(cost) / self.scale, i, j, np.asarray(edges, dtype=np.int64)

    def path(self, source: int, target: int) -> tuple[float, IntArray]:
        """Quantized cost (cost units, ``inf`` if none) and directed edges of a best path."""
        zero = np.zeros(1)
        cost, _, _, edges = self.best(np.array([source]), zero, np.array([target]), zero)
        return cost, edges
