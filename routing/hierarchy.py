"""Customizable contraction hierarchies (RoutingKit through ``pyroutingkit``).

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


def _topology_files(network: Network, order: UInt32Array, folder: Path) -> None:
    n = network.n_nodes
    rank = np.empty(n, dtype=np.uint32)
    rank[order] = np.arange(n, dtype=np.uint32)
    np.asarray(network.edge_u, dtype=np.uint32).tofile(folder / "tail")
    np.asarray(network.edge_v, dtype=np.uint32).tofile(folder / "head")
    np.asarray(order, dtype=np.uint32).tofile(folder / "order")
    rank.tofile(folder / "rank")
    np.array([n], dtype=np.uint32).tofile(folder / "node_count")


def compute_order(network: Network) -> UInt32Array:
    """The nested-dissection node order of the network's hierarchy (the expensive step).

    The topology built on the way is kept for this process (:func:`topology`).
    """
    from pyroutingkit import CCHTopology

    topo = CCHTopology()
    topo.build(
        np.asarray(network.edge_u, dtype=np.uint32),
        np.asarray(network.edge_v, dtype=np.uint32),
        np.asarray(network.node_lat, dtype=np.float32),
        np.asarray(network.node_lon, dtype=np.float32),
        network.n_nodes,
    )
    with tempfile.TemporaryDirectory(prefix="geomap-cch-") as folder:
        topo.save(folder)
        order = np.fromfile(Path(folder) / "order", dtype=np.uint32)
    network.__dict__["_cch_topology"] = topo
    return order


def topology(network: Network) -> Any:
    """The network's CCH topology for this process, from its saved order (built once)."""
    cached = network.__dict__.get("_cch_topology")
    if cached is not None:
        return cached
    from pyroutingkit import CCHTopology

    order = network.hierarchy_order  # computed now if the file did not carry it
    cached = network.__dict__.get("_cch_topology")
    if cached is not None:
        return cached
    topo = CCHTopology()
    with tempfile.TemporaryDirectory(prefix="geomap-cch-") as folder:
        _topology_files(network, np.asarray(order, dtype=np.uint32), Path(folder))
        topo.load(folder)
    network.__dict__["_cch_topology"] = topo
    return topo


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
        from pyroutingkit import CCHMetric

        self.network = network
        self.scale = choose_scale(network, weights) if scale is None else scale
        self.quantized = quantize(weights, self.scale)
        self._metric = CCHMetric(topology(network))
        self._metric.customize(self.quantized)

    def update(self, weights: FloatArray) -> int:
        """Re-customize for new weights: partially when few arcs change. Returns how many did."""
        q = quantize(weights, self.scale)
        changed = np.flatnonzero(q != self.quantized).astype(np.uint32)
        if len(changed) == 0:
            return 0
        if len(changed) > PARTIAL_SHARE * len(q):
            self._metric.customize(q)
        else:
            self._metric.update_weights(changed, q[changed])
        self.quantized = q
        return len(changed)

    def distances(self, sources: IntArray, targets: IntArray) -> FloatArray:
        """``(len(sources), len(targets))`` quantized costs in cost units (``inf``: none)."""
        if len(sources) == 1 and len(targets) == 1:
            d, _, _ = self._metric.query(int(sources[0]), int(targets[0]))
            raw = np.array([[d]], dtype=np.float64)
        else:
            raw = np.asarray(
                self._metric.distances_many_to_many(
                    np.asarray(sources, dtype=np.uint32), np.asarray(targets, dtype=np.uint32)
                ),
                dtype=np.float64,
            )
        return np.where(raw >= INF_WEIGHT, math.inf, raw / self.scale)

    def path(self, source: int, target: int) -> tuple[float, IntArray]:
        """Quantized cost (cost units, ``inf`` if none) and directed edges of a best path."""
        d, _, arcs = self._metric.query(int(source), int(target))
        if d >= INF_WEIGHT:
            return math.inf, np.empty(0, dtype=np.int64)
        return d / self.scale, np.asarray(arcs, dtype=np.int64)
