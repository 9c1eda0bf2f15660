"""Demand units on the network: where points join the streets, and costs along one street.

A demand unit (a population cell's centroid, a household point) is placed on its nearest
street however far it is; :class:`Units` keeps those positions and, per router, the padded
arrays of the nodes each unit leaves its street by, so unit times are one vectorised lookup.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from routing.router import Router, Snap

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: Width of the padded per-unit departure arrays (two street ends and two end nodes at most).
_WIDTH = 4


@dataclass
class Units:
    """Demand points placed on the network (independent of the weights).

    Attributes
    ----------
    snaps : list of Snap
        Nearest street position of every point (however far).
    on_network : ndarray
        Whether each point lies within the snapping limit.
    snap_m : ndarray
        Distance from each point to its street, metres.
    """

    snaps: list[Snap]
    on_network: BoolArray
    snap_m: FloatArray
    _entries: dict[int, tuple[Router, IntArray, FloatArray]] = field(
        default_factory=dict, repr=False
    )

    def __len__(self) -> int:
        return len(self.snaps)

    def entries(self, walk: Router) -> tuple[IntArray, FloatArray]:
        """Per unit, the padded departure nodes and costs under ``walk`` (cached per router).

        Off-network units and padding have ``inf`` costs (at node 0).
        """
        hit = self._entries.get(id(walk))
        if hit is not None and hit[0] is walk:
            return hit[1], hit[2]
        m = len(self.snaps)
        nodes = np.zeros((m, _WIDTH), dtype=np.int64)
        costs = np.full((m, _WIDTH), np.inf)
        for i in np.flatnonzero(self.on_network).tolist():
            leave = walk.departures(self.snaps[i])
            k = len(leave.nodes)
            nodes[i, :k] = leave.nodes
            costs[i, :k] = leave.costs
        self._entries[id(walk)] = (walk, nodes, costs)
        return nodes, costs


def loose_snaps(walk: Router, points: Sequence[Sequence[float]], what: str) -> list[Snap]:
    """Snap points onto ``walk``'s network without refusing far ones (see ``distance_m``)."""
    loose = copy.copy(walk)
    loose.max_snap_m = math.inf
    return loose.snap_many(points, what=what)


def arrival_sources(walk: Router, snaps: Sequence[Snap]) -> tuple[IntArray, FloatArray, IntArray]:
    """Nodes, costs and owning snap of every finite arrival entry of ``snaps``."""
    entries = [walk.arrivals(s) for s in snaps]
    nodes = np.concatenate([e.nodes for e in entries]).astype(np.int64)
    costs = np.concatenate([e.costs for e in entries]).astype(np.float64)
    owner = np.repeat(np.arange(len(entries)), [len(e.nodes) for e in entries])
    keep = np.isfinite(costs)
    return nodes[keep], costs[keep], owner[keep].astype(np.int64)


def along_street(walk: Router, a: Snap, b: Snap) -> float:
    """Cost of walking from ``a`` straight to ``b`` along their shared street (inf: none)."""
    if a.segment != b.segment:
        return math.inf
    net = walk.network
    fwd, bwd = (int(e) for e in net.segment_edges[a.segment])
    length = float(net.seg_length[a.segment])
    if b.offset_m >= a.offset_m and fwd >= 0:
        return walk.piece_cost(fwd, a.offset_m, b.offset_m)
    if b.offset_m <= a.offset_m and bwd >= 0:
        return walk.piece_cost(bwd, length - a.offset_m, length - b.offset_m)
    return math.inf


def same_street(walk: Router, units: Units, places: Sequence[Snap]) -> list[tuple[int, int, float]]:
    """``(unit, place, cost)`` for every on-network unit on the same street as a place."""
    by_segment: dict[int, list[int]] = {}
    for k, s in enumerate(places):
        by_segment.setdefault(s.segment, []).append(k)
    if not by_segment:
        return []
    out = []
    for i, snap in enumerate(units.snaps):
        if snap.segment in by_segment and units.on_network[i]:
            for k in by_segment[snap.segment]:
                cost = along_street(walk, snap, places[k])
                if math.isfinite(cost):
                    out.append((i, k, cost))
    return out
