"""Service coverage: how far, on foot, everyone is from the nearest place offering a service.

Pure computation on a network and a :class:`~routing.safe.SafeRouter`; reading registries and
population layers and writing outputs is :mod:`geomap.coverage`'s job.

* :meth:`Coverage.service` — walking time from every network node to the nearest active place
  offering a service: one multi-source search on the reversed graph, started from every
  place's arrival entries (so the costs are *to* the place, including the last stretch along
  the place's own street), with ``avoid`` zones in force closed and, optionally, only the
  places open at a given time;
* :meth:`Coverage.place_units` and :meth:`Coverage.demand_times` — the same time for demand
  units (population cells): the walk from the unit's point to its nearest street (straight, at
  walking speed) plus the best of leaving that street towards either end, or walking along it
  straight to a place on the same street;
* :meth:`Coverage.site_times` — each place's own catchment in units (for duplication counted in
  people); :meth:`Coverage.reach` — which network nodes each unit reaches within a time (the
  coverage relation of site selection);
* :func:`population_shares` — share of people within a time, overall and per area;
Greedy new places and node-overlap duplicates are :mod:`routing.coverage_sites`'; corridor gaps
:mod:`routing.corridor_gaps`'. Times are seconds of plain walking at the
cost model's speed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from routing.network import Network
from routing.router import Router, Snap
from routing.safe import SafeRouter, Site
from routing.units import Units, arrival_sources, loose_snaps, same_street

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
        Per unit, seconds (``inf`` if off the network or unreachable), including the walk from
        the unit's point to its street (``access_s``).
    nearest : ndarray
        Per unit, index into the service's ``sites`` (-1 if none).
    snap_m : ndarray
        Per unit, distance from the unit's point to the network.
    on_network : ndarray
        Per unit, whether it lies within the router's snapping distance.
    access_s : ndarray
        Per unit, seconds of the straight walk from its point to its street (0 when the
        coverage leaves it out).
    """

    seconds: FloatArray
    nearest: IntArray
    snap_m: FloatArray
    on_network: BoolArray
    access_s: FloatArray = field(default_factory=lambda: np.zeros(0))


class Coverage:
    """Coverage queries on a safe router (avoid zones in force are closed).

    Parameters
    ----------
    safe : SafeRouter
        Network, risk layer and speed.
    access : bool
        Whether unit times include the straight walk from the unit's point to its street.
    """

    def __init__(self, safe: SafeRouter, *, access: bool = True) -> None:
        self.safe = safe
        self.network: Network = safe.network
        self.access = access

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
        empty = np.full(n, -1, dtype=np.int64)
        if not chosen:
            return ServiceCoverage(service, [], np.full(n, np.inf), empty, when, night=night)
        loose = loose_snaps(walk, [(s.lon, s.lat) for s in chosen], "place")
        near = [k for k, snap in enumerate(loose) if snap.distance_m <= walk.max_snap_m]
        off = [s for k, s in enumerate(chosen) if loose[k].distance_m > walk.max_snap_m]
        chosen, snaps = [chosen[k] for k in near], [loose[k] for k in near]
        if not chosen:
            return ServiceCoverage(
                service, [], np.full(n, np.inf), empty, when, night=night, off_network=off
            )
        nodes, costs, owner = arrival_sources(walk, snaps)
        dist, label = walk.node_costs(nodes, source_costs=costs, limit=limit_s, reverse=True)
        nearest = np.where(label >= 0, owner[np.maximum(label, 0)], -1).astype(np.int64)
        dist = np.where(dist <= limit_s, dist, np.inf)
        nearest = np.where(np.isfinite(dist), nearest, -1).astype(np.int64)
        return ServiceCoverage(service, chosen, dist, nearest, when, snaps, night, off)

    # ------------------------------------------------------------------ per demand unit
    def place_units(self, points: Sequence[Sequence[float]] | FloatArray) -> Units:
        """Snap demand points without refusing far ones (see :class:`Units`)."""
        walk = self.safe.plain
        pts = [(float(p[0]), float(p[1])) for p in points]
        if not pts:
            return Units([], np.zeros(0, dtype=bool), np.zeros(0))
        snaps = loose_snaps(walk, pts, "demand point")
        snap_m = np.array([s.distance_m for s in snaps], dtype=np.float64)
        return Units(snaps, snap_m <= self.safe.max_snap_m, snap_m)

    def access_seconds(self, units: Units) -> FloatArray:
        """Per unit, seconds of the straight walk to its street (0 without ``access``)."""
        if not self.access:
            return np.zeros(len(units))
        return np.asarray(units.snap_m / (self.safe.params.speed_kmh / 3.6), dtype=np.float64)

    def demand_times(
        self,
        coverage: ServiceCoverage,
        points: Sequence[Sequence[float]] | FloatArray | None = None,
        *,
        units: Units | None = None,
    ) -> DemandCoverage:
        """Seconds from every demand unit to the nearest place of ``coverage``.

        A unit is placed on its nearest street; its time is the straight walk to that street
        plus the best of leaving the street towards either end then following ``coverage``, or
        walking along the street straight to a place on it. Units farther from every street
        than the snapping limit get ``inf``. Give ``points`` or ``units`` (a
        :meth:`place_units` result, to reuse).
        """
        if units is None:
            if points is None:
                raise ValueError("give the demand points or their units")
            units = self.place_units(points)
        walk = self.router(coverage.when, night=coverage.night)
        nodes, costs = units.entries(walk)
        m = len(units)
        seconds = np.full(m, np.inf)
        nearest = np.full(m, -1, dtype=np.int64)
        if m:
            total = costs + coverage.seconds[nodes]
            j = np.argmin(total, axis=1)
            rows = np.arange(m)
            seconds = total[rows, j]
            nearest = np.where(np.isfinite(seconds), coverage.nearest[nodes[rows, j]], -1).astype(
                np.int64
            )
        for i, k, cost in same_street(walk, units, coverage.snaps):
            if cost < seconds[i]:
                seconds[i], nearest[i] = cost, k
        access = self.access_seconds(units)
        seconds = np.where(units.on_network, seconds + access, np.inf)
        nearest = np.where(np.isfinite(seconds), nearest, -1).astype(np.int64)
        return DemandCoverage(seconds, nearest, units.snap_m.copy(), units.on_network, access)

    def site_times(
        self, coverage: ServiceCoverage, units: Units, *, limit_s: float
    ) -> tuple[IntArray, IntArray, FloatArray]:
        """Each place's own catchment in units: ``(site, unit, seconds)`` within ``limit_s``.

        ``site`` indexes ``coverage.sites``; the seconds count as in :meth:`demand_times`.
        """
        walk = self.router(coverage.when, night=coverage.night)
        nodes, costs = units.entries(walk)
        access = self.access_seconds(units)
        parts: list[tuple[IntArray, IntArray, FloatArray]] = []
        for k, snap in enumerate(coverage.snaps):
            src, src_cost, _ = arrival_sources(walk, [snap])
            dist, _ = walk.node_costs(src, source_costs=src_cost, limit=limit_s, reverse=True)
            t = np.min(costs + dist[nodes], axis=1) if len(units) else np.zeros(0)
            for i, _, cost in same_street(walk, units, [snap]):
                t[i] = min(t[i], cost)
            t = np.where(units.on_network, t + access, np.inf)
            hit = np.flatnonzero(t <= limit_s)
            parts.append((np.full(len(hit), k, dtype=np.int64), hit.astype(np.int64), t[hit]))
        if not parts:
            return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0)
        return (
            np.concatenate([p[0] for p in parts]),
            np.concatenate([p[1] for p in parts]),
            np.concatenate([p[2] for p in parts]),
        )

    def reach(
        self,
        units: Units,
        *,
        limit_s: float,
        when: datetime | None = None,
        night: bool | None = None,
        only: BoolArray | None = None,
        allowed: BoolArray | None = None,
    ) -> tuple[IntArray, IntArray, FloatArray]:
        """The coverage relation: ``(unit, node, seconds)`` for every node a unit reaches.

        A new place put on ``node`` would be within ``limit_s`` of ``unit`` (access walk
        included). ``only`` limits the units searched from, ``allowed`` the nodes kept.
        """
        walk = self.router(when, night=night)
        nodes, costs = units.entries(walk)
        access = self.access_seconds(units)
        search = units.on_network if only is None else units.on_network & only
        out_u: list[IntArray] = []
        out_n: list[IntArray] = []
        out_s: list[FloatArray] = []
        for i in np.flatnonzero(search).tolist():
            budget = limit_s - float(access[i])
            ok = np.isfinite(costs[i])
            if budget < 0 or not ok.any():
                continue
            dist, _ = walk.node_costs(nodes[i][ok], source_costs=costs[i][ok], limit=budget)
            hit = dist <= budget
            if allowed is not None:
                hit &= allowed
            found = np.flatnonzero(hit)
            out_u.append(np.full(len(found), i, dtype=np.int64))
            out_n.append(found.astype(np.int64))
            out_s.append(dist[found] + access[i])
        if not out_u:
            return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0)
        return np.concatenate(out_u), np.concatenate(out_n), np.concatenate(out_s)


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
