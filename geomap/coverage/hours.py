"""Coverage for each of the 168 hours of the week: a service × hour table and a heat map.

Every hour of a reference week (Monday 00:00 to Sunday 23:00) has its own open places (OSM
``opening_hours``) and its own zones in force (night rules). Coverage is recomputed only when
the set of open places or the router changes: :class:`~geomap.coverage.engine.TimesCache` keys
searches by the frozenset of open place ids, so a place open 9 to 17 on weekdays costs a few
searches for the whole week, not 168.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from geomap.coverage.demand import DemandLayer
from geomap.coverage.engine import TimesCache, cover_columns
from geomap.coverage.groups import TOTAL, split_classes
from routing.coverage import Coverage
from routing.safe import SafeRouter, Site

FloatArray = npt.NDArray[np.float64]

#: Monday 00:00 of the reference week (any week would do: opening hours repeat weekly, but
#: a fixed one keeps public-holiday rules out and answers reproducible).
WEEK_START = datetime(2026, 11, 23)
HOURS = 168
DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")


def hour_time(hour: int) -> datetime:
    """The local time of hour ``hour`` (0 = Monday 00:00 … 167 = Sunday 23:00)."""
    if not 0 <= hour < HOURS:
        raise ValueError(f"hour of the week must be 0-{HOURS - 1}, not {hour}")
    return WEEK_START + timedelta(hours=hour)


def hour_label(hour: int) -> str:
    """``Mo 00:00`` … ``Su 23:00``."""
    return f"{DAYS[hour // 24]} {hour % 24:02d}:00"


@dataclass
class HoursTable:
    """People covered per service and hour of the week.

    Attributes
    ----------
    services : list of str
        Row order.
    hours : list of int
        Hours of the week computed (0-167).
    column : str
        The demand column counted.
    population : float
        People of the column.
    covered : ndarray
        ``(services, hours)`` people within the time standard of an open place serving them.
    open_places : ndarray
        ``(services, hours)`` number of open places.
    searches : int
        Distinct (open places, router) searches actually run.
    meta : dict
        The demand layer's flags and the threshold.
    """

    services: list[str]
    hours: list[int]
    column: str
    population: float
    covered: FloatArray
    open_places: npt.NDArray[np.int64]
    searches: int = 0
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def share(self) -> FloatArray:
        """``(services, hours)`` share of the column's people covered."""
        if self.population <= 0:
            return np.zeros_like(self.covered)
        return np.asarray(self.covered / self.population)

    def rows(self) -> list[dict[str, Any]]:
        """Tidy rows: service, hour, label, open places, people, covered, share."""
        share = self.share
        return [
            {
                "service": s,
                "hour": h,
                "label": hour_label(h),
                "open_places": int(self.open_places[i, j]),
                "group": self.column,
                "population": self.population,
                "covered": float(self.covered[i, j]),
                "share": round(float(share[i, j]), 6),
            }
            for i, s in enumerate(self.services)
            for j, h in enumerate(self.hours)
        ]

    def heatmap(self, path: str | os.PathLike[str], *, title: str | None = None) -> Path:
        """Save the service × hour heat map of shares (PNG or SVG by the file's suffix)."""
        return heatmap(self, path, title=title)


def hours_of_week(
    safe: SafeRouter,
    sites: Sequence[Site],
    services: Sequence[str],
    demand: DemandLayer,
    *,
    minutes: float,
    hours: Iterable[int] = range(HOURS),
    column: str = TOTAL,
    unknown_hours_open: bool = True,
    access: bool = True,
) -> HoursTable:
    """Coverage of each service at each hour of the week (see the module docstring).

    Parameters
    ----------
    safe : SafeRouter
        Network and risk layer; zones in force follow each hour (night rules).
    sites : sequence of Site
        The places, with their opening hours.
    services : sequence of str
        Service codes.
    demand : DemandLayer
        People (with groups: ``column`` chooses which are counted).
    minutes : float
        Time standard.
    hours : iterable of int
        Hours of the week to compute (default all 168).
    column : str
        Demand column counted (default the total).
    unknown_hours_open : bool
        Whether places without opening hours count as open.
    access : bool
        Whether unit times include the walk from the unit's centre to its street.
    """
    coverage = Coverage(safe, access=access)
    cache = TimesCache(coverage, coverage.place_units(demand.points))
    classes = split_classes(demand.population, demand.columns, demand.breakdowns, demand.tags)
    hour_list = list(hours)
    is_open = open_matrix(sites, hour_list, unknown_hours_open=unknown_hours_open)
    covered = np.zeros((len(services), len(hour_list)))
    open_count = np.zeros((len(services), len(hour_list)), dtype=np.int64)
    memo: dict[tuple[Any, ...], tuple[float, int]] = {}
    for i, service in enumerate(services):
        offered = [k for k, s in enumerate(sites) if s.active and service in s.services]
        for j, h in enumerate(hour_list):
            when = hour_time(h)
            chosen = [sites[k] for k in offered if is_open[k, j]]
            key = (service, frozenset(s.id for s in chosen), id(coverage.router(when)))
            if key not in memo:
                cols = cover_columns(
                    cache, classes, sites, service, limit_s=minutes * 60.0, when=when,
                    open_sites=chosen,
                )  # fmt: skip
                memo[key] = (float(cols.covered[column].sum()), len(cols.nodes.sites))
            covered[i, j], open_count[i, j] = memo[key]
    return HoursTable(
        list(services),
        hour_list,
        column,
        float(demand.column(column).sum()),
        covered,
        open_count,
        cache.searches,
        {**demand.meta, "minutes": minutes, "week_start": WEEK_START.isoformat()},
    )


def open_matrix(
    sites: Sequence[Site], hours: Sequence[int], *, unknown_hours_open: bool = True
) -> npt.NDArray[np.bool_]:
    """``(sites, hours)``: whether each place is open at each hour (hours parsed once each)."""
    from opening_hours import OpeningHours

    out = np.zeros((len(sites), len(hours)), dtype=bool)
    for k, s in enumerate(sites):
        if s.opening_hours is None:
            out[k] = unknown_hours_open
            continue
        oh = OpeningHours(s.opening_hours)
        out[k] = [bool(oh.is_open(hour_time(h))) for h in hours]
    return out


def heatmap(table: HoursTable, path: str | os.PathLike[str], *, title: str | None = None) -> Path:
    """Save a service × hour heat map of the shares covered (matplotlib, PNG or SVG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from geomap.io import atomic_path

    dest = Path(path)
    full = np.full((len(table.services), HOURS), np.nan)
    full[:, table.hours] = 100.0 * table.share
    fig, ax = plt.subplots(figsize=(14, 0.45 * len(table.services) + 1.6))
    image = ax.imshow(full, aspect="auto", cmap="viridis", vmin=0, vmax=100,
                      interpolation="nearest")  # fmt: skip
    ax.set_yticks(range(len(table.services)), table.services, fontsize=8)
    ax.set_xticks([d * 24 + 12 for d in range(7)], list(DAYS))
    for d in range(1, 7):
        ax.axvline(d * 24 - 0.5, color="white", linewidth=1)
    note = " (illustrative data)" if table.meta.get("illustrative") else ""
    ax.set_title(
        title
        or f"Share of {table.column} within {table.meta.get('minutes', '?')} min of an "
        f"open place, by hour of the week{note}",
        fontsize=10,
    )
    fig.colorbar(image, ax=ax, label="% covered", fraction=0.03, pad=0.01)
    fig.tight_layout()
    try:
        with atomic_path(dest) as tmp:
            fig.savefig(tmp, format=dest.suffix.lstrip(".").lower() or "png", dpi=110)
    finally:
        plt.close(fig)
    return dest
