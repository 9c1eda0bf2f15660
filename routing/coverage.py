"""Service coverage: how far, on foot, everyone is from the nearest place offering a service.

Pure computation on a network and a :class:`~routing.safe.SafeRouter`; reading registries and
population layers and writing outputs is :mod:`geomap.coverage`'s job.

* :meth:`Coverage.service` — walking time from every network node to the nearest active place
  offering a service: one multi-source search on the reversed graph, started from every
  place's arrival entries (so the costs are *to* the place, including the last stretch along
  the place's own street), with ``avoid`` zones in force closed and, optionally, only the
  places open at a given time;
* :meth:`Coverage.demand_times` — the same time for demand points (population units): the best
  of leaving the point's street towards either end, or walking straight along its street to a
  place on that same street;
* :func:`population_shares` — share of people within a time, overall and per area;
* :meth:`Coverage.suggest` — greedy maximal covering: where to open ``k`` new places so the most
  people not yet covered are reached;
* :meth:`Coverage.duplicates` — places offering the same service whose walking catchments
  overlap by more than a share, grouped;
* :func:`corridor_gaps` — stretches of a way longer than X km with no place within Z metres.

Times are seconds of plain walking at the cost model's speed.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise
from typing import Any

import numpy as np
import numpy.typing as npt

from routing.geodesy import cumulative_m, wgs84
from routing.network import Network
from routing.router import Router, Snap
from routing.safe import SafeRouter, Site

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


def offering(
    sites: Sequence[Site],
    service: str,
    *,
    when: datetime | None = None,
    unknown_hours_open: bool = True,
) -> list[Site]:
    """The active sites offering ``service`` (and open at ``when`` if given).

    Parameters
    ----------
    sites : sequence of Site
        Candidate places.
    service : str
        Service code.
    when : datetime, optional
        Keep only places open at this (local) time.
    unknown_hours_open : bool
        Whether a place without opening hours counts as open at ``when``.
    """
    out = []
    for s in sites:
        if not s.active or service not in s.services:
            continue
        if when is not None:
            is_open = s.open_at(when)
            if is_open is False or (is_open is None and not unknown_hours_open):
                continue
        out.append(s)
    return out


@dataclass
class ServiceCoverage:
    """Walking time from every network node to the nearest place offering a service.

    Attributes
    ----------
    service : str
        The service code.
    sites : list of Site
        The places counted (active, offering the service, open if a time was given).
    seconds : ndarray
        Per node, seconds to the nearest of them (``inf`` if none can be reached).
    nearest : ndarray
        Per node, index into ``sites`` of that place (-1 if none).
    when : datetime, optional
        The time the coverage was computed for.
    snaps : list of Snap
        Where each place joins the network.
    night : bool
        Whether night rules applied.
    off_network : list of Site
        Places that would count but lie farther than the snapping limit from every street of
        this network (elsewhere): they cover nobody here.
    """

    service: str
    sites: list[Site]
    seconds: FloatArray
    nearest: IntArray
    when: datetime | None = None
    snaps: list[Snap] = field(default_factory=list, repr=False)
    night: bool = False
    off_network: list[Site] = field(default_factory=list)

    def minutes(self) -> FloatArray:
        """Per node, minutes to the nearest place."""
        return np.asarray(self.seconds / 60.0, dtype=np.float64)


@dataclass
class DemandCoverage:
    """Walking time from every demand unit to the nearest place offering a service.

    Attributes
    ----------
    seconds : ndarray
        Per unit, seconds (``inf`` if off the network or unreachable).
    nearest : ndarray
        Per unit, index into the service's ``sites`` (-1 if none).
    snap_m : ndarray
        Per unit, distance from the unit's point to the network (not included in the time).
    on_network : ndarray
        Per unit, whether it lies within the router's snapping distance.
    """

    seconds: FloatArray
    nearest: IntArray
    snap_m: FloatArray
    on_network: BoolArray


@dataclass(frozen=True)
class Suggestion:
    """One new place picked by :meth:`Coverage.suggest`."""

    rank: int
    node: int
    lon: float
    lat: float
    population_gained: float
    units_gained: int
    cumulative_population: float


@dataclass(frozen=True)
class DuplicateGroup:
    """Places offering one service whose catchments overlap by more than the threshold."""

    service: str
    site_ids: tuple[str, ...]
    pairs: tuple[tuple[str, str, float], ...]


@dataclass(frozen=True)
class CorridorGap:
    """A stretch of a way with no place offering a service near it."""

    start_km: float
    end_km: float

    @property
    def length_km(self) -> float:
        """Length of the gap."""
        return self.end_km - self.start_km


class Coverage:
    """Coverage queries on a safe router (avoid zones in force are closed).

    Parameters
    ----------
    safe : SafeRouter
        Network, risk layer and speed.
    """

    def __init__(self, safe: SafeRouter) -> None:
        self.safe = safe
        self.network: Network = safe.network

    def router(self, when: datetime | None = None, *, night: bool | None = None) -> Router:
        """The walking-time router for ``when`` (night follows the time unless given)."""
        if night is None:
            night = self.safe.params.is_night(when) if when is not None else False
        return self.safe.walking_router(night=night, when=when)

    # ------------------------------------------------------------------ per node
    def service(
        self,
        sites: Sequence[Site],
        service: str,
        *,
        when: datetime | None = None,
        night: bool | None = None,
        unknown_hours_open: bool = True,
        limit_s: float = math.inf,
    ) -> ServiceCoverage:
        """Seconds from every node to the nearest place offering ``service``.

        Parameters
        ----------
        sites : sequence of Site
            All places; those inactive, not offering the service or (with ``when``) closed are
            left out.
        service : str
            Service code.
        when : datetime, optional
            Time of day and date: zones in force then, and places open then.
        night : bool, optional
            Force night or day rules (default: from ``when``; day without it); demand times
            of this coverage follow the same rules.
        unknown_hours_open : bool
            Whether places with unknown opening hours count as open at ``when``.
        limit_s : float
            Times above this are reported as ``inf``.
        """
        chosen = offering(sites, service, when=when, unknown_hours_open=unknown_hours_open)
        if night is None:
            night = self.safe.params.is_night(when) if when is not None else False
        walk = self.router(when, night=night)
        n = self.network.n_nodes
        if not chosen:
            empty = np.full(n, -1, dtype=np.int64)
            return ServiceCoverage(service, [], np.full(n, np.inf), empty, when, night=night)
        loose = _loose_snaps(walk, [(s.lon, s.lat) for s in chosen], "place")
        near = [k for k, snap in enumerate(loose) if snap.distance_m <= walk.max_snap_m]
        off = [s for k, s in enumerate(chosen) if loose[k].distance_m > walk.max_snap_m]
        chosen, snaps = [chosen[k] for k in near], [loose[k] for k in near]
        if not chosen:
            empty = np.full(n, -1, dtype=np.int64)
            return ServiceCoverage(
                service, [], np.full(n, np.inf), empty, when, night=night, off_network=off
            )
        entries = [walk.arrivals(s) for s in snaps]
        nodes = np.concatenate([e.nodes for e in entries]).astype(np.int64)
        costs = np.concatenate([e.costs for e in entries]).astype(np.float64)
        owner = np.repeat(np.arange(len(entries)), [len(e.nodes) for e in entries])
        keep = np.isfinite(costs)
        nodes, costs, owner = nodes[keep], costs[keep], owner[keep]
        dist, label = walk.node_costs(nodes, source_costs=costs, limit=limit_s, reverse=True)
        nearest = np.where(label >= 0, owner[np.maximum(label, 0)], -1).astype(np.int64)
        dist = np.where(dist <= limit_s, dist, np.inf)
        nearest = np.where(np.isfinite(dist), nearest, -1).astype(np.int64)
        return ServiceCoverage(service, chosen, dist, nearest, when, snaps, night, off)

    # ------------------------------------------------------------------ per demand unit
    def snap_demand(
        self, points: Sequence[Sequence[float]], *, when: datetime | None = None
    ) -> tuple[list[Snap], BoolArray]:
        """Snap demand points without refusing far ones: the snaps and whether each is near."""
        walk = self.router(when)
        if not len(points):
            return [], np.zeros(0, dtype=bool)
        snaps = _loose_snaps(walk, points, "demand point")
        near = np.array([s.distance_m <= walk.max_snap_m for s in snaps], dtype=bool)
        return snaps, near

    def demand_times(
        self,
        coverage: ServiceCoverage,
        points: Sequence[Sequence[float]],
        *,
        snaps: tuple[list[Snap], BoolArray] | None = None,
    ) -> DemandCoverage:
        """Seconds from every demand point (lon, lat) to the nearest place of ``coverage``.

        A point is placed on its nearest street; the time is the best of leaving the street
        towards either end then following ``coverage``, or walking along the street straight to
        a place on it. Points farther from every street than the router's snapping limit get
        ``inf``. ``snaps`` may pass a :meth:`snap_demand` result to reuse.
        """
        walk = self.router(coverage.when, night=coverage.night)
        demand, near = snaps if snaps is not None else self.snap_demand(points, when=coverage.when)
        m = len(demand)
        seconds = np.full(m, np.inf)
        nearest = np.full(m, -1, dtype=np.int64)
        by_segment: dict[int, list[int]] = {}
        for k, s in enumerate(coverage.snaps):
            by_segment.setdefault(s.segment, []).append(k)
        for i, snap in enumerate(demand):
            if not near[i]:
                continue
            leave = walk.departures(snap)
            if len(leave.nodes):
                total = leave.costs + coverage.seconds[leave.nodes]
                j = int(np.argmin(total))
                if math.isfinite(total[j]):
                    seconds[i] = float(total[j])
                    nearest[i] = coverage.nearest[leave.nodes[j]]
            for k in by_segment.get(snap.segment, ()):
                edge, start, end = walk._direct_range(snap, coverage.snaps[k])
                if edge < 0:
                    continue
                direct = walk.piece_cost(edge, start, end)
                if direct < seconds[i]:
                    seconds[i], nearest[i] = direct, k
        snap_m = np.array([s.distance_m for s in demand], dtype=np.float64)
        return DemandCoverage(seconds, nearest, snap_m, near)

    # ------------------------------------------------------------------ suggestions
    def suggest(
        self,
        points: Sequence[Sequence[float]],
        population: Sequence[float] | FloatArray,
        covered: Sequence[bool] | BoolArray,
        *,
        minutes: float,
        k: int,
        candidates: Sequence[int] | IntArray | None = None,
        when: datetime | None = None,
        snaps: tuple[list[Snap], BoolArray] | None = None,
    ) -> list[Suggestion]:
        """Where to open ``k`` new places so the most people not yet covered are reached.

        Greedy maximal covering: each pick is the candidate node that brings the most
        uncovered people within ``minutes`` of walking (a new place is put on the node); the
        people it reaches then count as covered. Ties go to the lowest node index. Picks that
        gain nobody are not made.

        Parameters
        ----------
        points : sequence of (lon, lat)
            Demand units.
        population : sequence of float
            People per unit.
        covered : sequence of bool
            Units already within reach of an existing place.
        minutes : float
            Walking time threshold.
        k : int
            Number of new places.
        candidates : sequence of int, optional
            Network nodes allowed (default: every node).
        when : datetime, optional
            Time for the zones in force.
        snaps : optional
            A :meth:`snap_demand` result to reuse.
        """
        walk = self.router(when)
        pop = np.asarray(population, dtype=np.float64)
        alive = ~np.asarray(covered, dtype=bool) & (pop > 0)
        demand, near = snaps if snaps is not None else self.snap_demand(points, when=when)
        limit = minutes * 60.0
        n = self.network.n_nodes
        allowed = np.zeros(n, dtype=bool)
        if candidates is None:
            allowed[:] = True
        else:
            allowed[np.asarray(candidates, dtype=np.int64)] = True
        unit_parts: list[IntArray] = []
        node_parts: list[IntArray] = []
        for i in np.flatnonzero(alive & near).tolist():
            leave = walk.departures(demand[i])
            if not len(leave.nodes):
                continue
            dist, _ = walk.node_costs(leave.nodes, source_costs=leave.costs, limit=limit)
            reach = np.flatnonzero((dist <= limit) & allowed)
            unit_parts.append(np.full(len(reach), i, dtype=np.int64))
            node_parts.append(reach.astype(np.int64))
        units = np.concatenate(unit_parts) if unit_parts else np.empty(0, np.int64)
        nodes = np.concatenate(node_parts) if node_parts else np.empty(0, np.int64)
        picks: list[Suggestion] = []
        total = 0.0
        for rank in range(1, k + 1):
            if not len(units):
                break
            gain = np.bincount(nodes, weights=pop[units] * alive[units], minlength=n)
            best = int(np.argmax(gain))
            if gain[best] <= 0:
                break
            reached = np.unique(units[nodes == best])
            reached = reached[alive[reached]]
            gained = float(pop[reached].sum())
            alive[reached] = False
            total += gained
            picks.append(
                Suggestion(
                    rank=rank,
                    node=best,
                    lon=float(self.network.node_lon[best]),
                    lat=float(self.network.node_lat[best]),
                    population_gained=gained,
                    units_gained=len(reached),
                    cumulative_population=total,
                )
            )
            keep = alive[units]
            units, nodes = units[keep], nodes[keep]
        return picks

    # ------------------------------------------------------------------ duplication
    def catchment_nodes(
        self, snap: Snap, *, minutes: float, when: datetime | None = None
    ) -> IntArray:
        """Nodes from which a snapped place is reached within ``minutes`` of walking."""
        walk = self.router(when)
        arrive = walk.arrivals(snap)
        limit = minutes * 60.0
        dist, _ = walk.node_costs(
            arrive.nodes, source_costs=arrive.costs, limit=limit, reverse=True
        )
        return np.flatnonzero(dist <= limit).astype(np.int64)

    def duplicates(
        self,
        sites: Sequence[Site],
        service: str,
        *,
        minutes: float,
        share: float,
        when: datetime | None = None,
        node_weights: FloatArray | None = None,
    ) -> list[DuplicateGroup]:
        """Places offering ``service`` whose walking catchments overlap by more than ``share``.

        The overlap of two places is the weight of the nodes in both catchments over the
        weight of the smaller catchment (every node weighs 1 unless ``node_weights`` says
        otherwise, e.g. people per node). Places linked by such overlaps, directly or through
        others, form one group; groups are sorted by their first site id.
        """
        placed = self.service(sites, service, when=when)
        chosen = placed.sites
        weights = np.ones(self.network.n_nodes) if node_weights is None else node_weights
        masks = []
        sizes = []
        for snap in placed.snaps:
            mask = np.zeros(self.network.n_nodes, dtype=bool)
            mask[self.catchment_nodes(snap, minutes=minutes, when=when)] = True
            masks.append(mask)
            sizes.append(float(weights[mask].sum()))
        parent = list(range(len(chosen)))

        def root(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        pairs: list[tuple[int, int, float]] = []
        for i in range(len(chosen)):
            for j in range(i + 1, len(chosen)):
                smaller = min(sizes[i], sizes[j])
                if smaller <= 0:
                    continue
                overlap = float(weights[masks[i] & masks[j]].sum()) / smaller
                if overlap > share:
                    pairs.append((i, j, overlap))
                    parent[root(i)] = root(j)
        members: dict[int, list[int]] = {}
        for i, j, _ in pairs:
            for x in (i, j):
                members.setdefault(root(x), [])
                if x not in members[root(x)]:
                    members[root(x)].append(x)
        groups = []
        for idx in members.values():
            ids = tuple(sorted(chosen[x].id for x in idx))
            group_pairs = tuple(
                (chosen[i].id, chosen[j].id, round(o, 4))
                for i, j, o in pairs
                if root(i) == root(idx[0])
            )
            groups.append(DuplicateGroup(service, ids, group_pairs))
        return sorted(groups, key=lambda g: g.site_ids)


def _loose_snaps(walk: Router, points: Sequence[Sequence[float]], what: str) -> list[Snap]:
    """Snap points onto ``walk``'s network without refusing far ones (see ``distance_m``)."""
    loose = copy.copy(walk)
    loose.max_snap_m = math.inf
    return loose.snap_many(points, what=what)


# ---------------------------------------------------------------------- population shares
def population_shares(
    seconds: FloatArray,
    population: Sequence[float] | FloatArray,
    *,
    minutes: float,
    areas: Sequence[Any] | None = None,
) -> dict[str, Any]:
    """People within ``minutes`` of a place, overall and per area.

    Every unit's people are counted once, in the unit's area (if ``areas`` is given).

    Returns
    -------
    dict
        ``population``, ``covered``, ``share`` (0 when nobody lives there) and, with
        ``areas``, ``by_area``: area → the same three numbers.
    """
    pop = np.asarray(population, dtype=np.float64)
    within = np.asarray(seconds) <= minutes * 60.0

    def summary(mask: BoolArray) -> dict[str, float]:
        total = float(pop[mask].sum())
        got = float(pop[mask & within].sum())
        return {"population": total, "covered": got, "share": got / total if total > 0 else 0.0}

    out: dict[str, Any] = summary(np.ones(len(pop), dtype=bool))
    if areas is not None:
        labels = np.asarray([str(a) if a is not None else "" for a in areas], dtype=object)
        out["by_area"] = {str(a): summary(labels == a) for a in sorted(set(labels.tolist()))}
    return out


# ---------------------------------------------------------------------- corridor gaps
def line_metres(coords: Sequence[Sequence[float]] | FloatArray) -> FloatArray:
    """Cumulative geodesic length (WGS 84) at every vertex of a lon/lat line, in metres."""
    return cumulative_m(coords)


def cut_line(
    coords: Sequence[Sequence[float]] | FloatArray, start_m: float, end_m: float
) -> FloatArray:
    """The part of a lon/lat line from ``start_m`` to ``end_m`` geodesic metres along it.

    The cut points are interpolated linearly in lon/lat within their straight piece.
    """
    xy = np.asarray(coords, dtype=np.float64).reshape(-1, 2)
    cum = line_metres(xy)
    if len(xy) < 2:
        return xy.copy()
    a, b = (float(np.clip(v, 0.0, cum[-1])) for v in (start_m, end_m))

    def at(m: float) -> FloatArray:
        i = int(np.clip(np.searchsorted(cum, m, side="right") - 1, 0, len(xy) - 2))
        span = cum[i + 1] - cum[i]
        t = (m - cum[i]) / span if span > 0 else 0.0
        return np.asarray(xy[i] + t * (xy[i + 1] - xy[i]), dtype=np.float64)

    inner = xy[(cum > a) & (cum < b)]
    return np.vstack([at(a), inner, at(b)])


def corridor_gaps(
    network: Network,
    coords: Sequence[Sequence[float]] | FloatArray,
    sites: Sequence[Site],
    service: str,
    *,
    within_m: float,
    min_gap_km: float,
    length_m: float | None = None,
) -> tuple[list[CorridorGap], list[dict[str, Any]]]:
    """Stretches of a way longer than ``min_gap_km`` with no place offering ``service`` near.

    The places (active, offering the service) within ``within_m`` metres of the line are put
    at their position along it; the stretches between consecutive places, and from the ends
    of the line to the first and last place, longer than ``min_gap_km`` are the gaps.

    Each place is put at the nearest point of the line (found in the network's metric
    projection); its km mark and its distance from the line are geodesic, so long corridors
    keep exact marks.

    Parameters
    ----------
    network : Network
        Gives the metric projection used to find the nearest point of the line.
    coords : sequence of (lon, lat)
        The way (a route's or a corridor's vertices).
    sites : sequence of Site
        Candidate places.
    service : str
        Service code.
    within_m : float
        Distance from the line within which a place counts.
    min_gap_km : float
        Shorter stretches are not gaps.
    length_m : float, optional
        The way's true length (e.g. a route's ``length_m``); km marks are scaled to it.
        Default: the geodesic length of the line.

    Returns
    -------
    gaps : list of CorridorGap
        With start and end km marks, in order along the line.
    places : list of dict
        The places found near the line: ``id``, ``name``, ``at_km``, ``distance_m``.
    """
    xy = np.asarray(coords, dtype=np.float64).reshape(-1, 2)
    if len(xy) < 2:
        raise ValueError("a corridor line needs at least two points")
    cum = line_metres(xy)
    scale = length_m / cum[-1] if length_m is not None and cum[-1] > 0 else 1.0
    total_km = cum[-1] * scale / 1000.0
    chosen = offering(sites, service)
    found: list[dict[str, Any]] = []
    if chosen:
        to_m = network.projection.transform
        lx, ly = (np.asarray(c) for c in to_m(xy[:, 0], xy[:, 1]))
        px, py = (
            np.asarray(c)
            for c in to_m(np.array([s.lon for s in chosen]), np.array([s.lat for s in chosen]))
        )
        ax, ay, dx, dy = lx[:-1], ly[:-1], np.diff(lx), np.diff(ly)
        len2 = dx * dx + dy * dy
        with np.errstate(invalid="ignore", divide="ignore"):
            t = ((px[:, None] - ax) * dx + (py[:, None] - ay) * dy) / len2
        t = np.clip(np.where(len2 > 0, t, 0.0), 0.0, 1.0)
        d2 = (ax + t * dx - px[:, None]) ** 2 + (ay + t * dy - py[:, None]) ** 2
        piece = np.argmin(d2, axis=1)
        rows = np.arange(len(chosen))
        tp = t[rows, piece]
        near = xy[piece] + tp[:, None] * (xy[piece + 1] - xy[piece])
        geod = wgs84()
        _, _, into = geod.inv(xy[piece, 0], xy[piece, 1], near[:, 0], near[:, 1])
        _, _, off = geod.inv(
            near[:, 0],
            near[:, 1],
            np.array([s.lon for s in chosen]),
            np.array([s.lat for s in chosen]),
        )
        along_m = (cum[piece] + np.asarray(into)) * scale
        for s, d, a in zip(chosen, np.asarray(off).tolist(), along_m.tolist(), strict=True):
            if d <= within_m:
                found.append({"id": s.id, "name": s.name, "at_km": a / 1000.0, "distance_m": d})
    found.sort(key=lambda r: (r["at_km"], r["id"]))
    marks = [0.0, *(r["at_km"] for r in found), total_km]
    gaps = [CorridorGap(a, b) for a, b in pairwise(marks) if b - a > min_gap_km]
    return gaps, found
