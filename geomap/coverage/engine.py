"""People covered per column: unit times per class of people, computed once per set of places.

For one service, every class of people (see :mod:`geomap.coverage.groups`) is served by the
places offering the service that serve everyone or that class. Unit times are computed once
per *set of places* and router (day or night, zones in force) — :class:`TimesCache` keys them
by the frozenset of place ids — so classes served by the same places, and hours of the week
with the same places open, share one search.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from geomap.coverage.groups import TOTAL, Classes, serves
from routing.coverage import Coverage, DemandCoverage, ServiceCoverage, offering
from routing.safe import Site
from routing.units import Units

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


class TimesCache:
    """Unit times per (set of places, router), each computed once.

    Parameters
    ----------
    coverage : Coverage
        The coverage engine (network, risk layer, access walk).
    units : Units
        The demand units on the network.
    """

    def __init__(self, coverage: Coverage, units: Units) -> None:
        self.coverage = coverage
        self.units = units
        self._cache: dict[tuple[Any, ...], tuple[ServiceCoverage, DemandCoverage]] = {}
        self.searches = 0

    def times(
        self, sites: Sequence[Site], service: str, *, when: datetime | None, night: bool
    ) -> tuple[ServiceCoverage, DemandCoverage]:
        """Node and unit times to the nearest of ``sites`` (already filtered: all counted)."""
        walk = self.coverage.router(when, night=night)
        key = (frozenset(s.id for s in sites), id(walk))
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        self.searches += 1
        nodes = self.coverage.service(sites, service, when=when, night=night)
        units = self.coverage.demand_times(nodes, units=self.units)
        self._cache[key] = (nodes, units)
        return nodes, units


@dataclass
class ColumnCoverage:
    """One service's coverage of every column.

    Attributes
    ----------
    nodes : ServiceCoverage
        Times to the nearest of all the places counted (whoever they serve).
    classes : list of DemandCoverage
        Unit times per class of people (:attr:`Classes.keys`).
    covered : dict
        Column to covered people per unit.
    people : dict
        Column to people per unit.
    times : dict
        Column to the unit times of its own class.
    places : dict
        Column to the places of its own class (``times[c].nearest`` indexes them).
    """

    nodes: ServiceCoverage
    classes: list[DemandCoverage]
    covered: dict[str, FloatArray]
    people: dict[str, FloatArray]
    times: dict[str, DemandCoverage]
    places: dict[str, list[Site]]

    def nearest_id(self, column: str, unit: int) -> str:
        """Id of the nearest place serving the column's people from ``unit`` ("" if none)."""
        k = int(self.times[column].nearest[unit])
        return self.places[column][k].id if k >= 0 else ""


def cover_columns(
    cache: TimesCache,
    classes: Classes,
    sites: Sequence[Site],
    service: str,
    *,
    limit_s: float,
    when: datetime | None = None,
    night: bool | None = None,
    unknown_hours_open: bool = True,
    open_sites: Sequence[Site] | None = None,
) -> ColumnCoverage:
    """Covered people of every column for one service (places open at ``when`` if given).

    ``open_sites`` gives the places offering the service and open at ``when`` when the caller
    has already worked them out (the hours of the week do, once per place and hour).
    """
    if night is None:
        night = cache.coverage.safe.params.is_night(when) if when is not None else False
    chosen = (
        list(open_sites)
        if open_sites is not None
        else offering(sites, service, when=when, unknown_hours_open=unknown_hours_open)
    )
    nodes, _ = cache.times(chosen, service, when=when, night=night)
    both = [
        cache.times([s for s in chosen if serves(s, key)], service, when=when, night=night)
        for key in classes.keys
    ]
    per_class = [t for _, t in both]
    within = np.stack([t.seconds <= limit_s for t in per_class], axis=1)
    covered = {c: (p * within).sum(axis=1) for c, p in classes.people.items()}
    people = {c: p.sum(axis=1) for c, p in classes.people.items()}
    times = {c: per_class[k] for c, k in classes.main.items()}
    places = {c: both[k][0].sites for c, k in classes.main.items()}
    return ColumnCoverage(nodes, per_class, covered, people, times, places)


def shares(
    people: FloatArray, covered: FloatArray, *, areas: Sequence[str | None] | None = None
) -> dict[str, Any]:
    """``population``, ``covered``, ``share`` overall and, with ``areas``, ``by_area``."""

    def summary(mask: BoolArray) -> dict[str, float]:
        total = float(people[mask].sum())
        got = float(covered[mask].sum())
        return {"population": total, "covered": got, "share": got / total if total > 0 else 0.0}

    out: dict[str, Any] = summary(np.ones(len(people), dtype=bool))
    if areas is not None:
        labels = np.asarray([a or "" for a in areas], dtype=object)
        out["by_area"] = {a: summary(labels == a) for a in sorted(set(labels.tolist()))}
    return out


def column_shares(
    cols: ColumnCoverage, *, areas: Sequence[str | None] | None = None
) -> dict[str, dict[str, Any]]:
    """:func:`shares` of every column, the total first."""
    order = [TOTAL, *(c for c in cols.people if c != TOTAL)]
    return {c: shares(cols.people[c], cols.covered[c], areas=areas) for c in order}


def weights_left(cols: ColumnCoverage, column: str) -> FloatArray:
    """People of ``column`` per unit not yet covered (never negative)."""
    return np.asarray(np.maximum(cols.people[column] - cols.covered[column], 0.0))


def by_column(
    cols: ColumnCoverage, units: npt.NDArray[np.int64], columns: Mapping[str, Any] | None = None
) -> dict[str, float]:
    """Uncovered people of every column in ``units`` (what covering them would gain)."""
    names = list(columns) if columns is not None else list(cols.people)
    idx = np.asarray(units, dtype=np.int64)
    return {c: float(weights_left(cols, c)[idx].sum()) for c in names}
