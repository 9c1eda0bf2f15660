"""The coverage report: every service, every column, with duplication and new sites.

:func:`analyse` is the one entry point the CLI, the API and the notebooks call. It places the
demand units on the network once, computes each service's coverage per column (population
groups, sex and age; see :mod:`geomap.coverage.groups`), and on request the duplication in
people and the new sites (greedy, and exact with its gap). The outputs — tidy table, HXL,
GeoJSON layers — are methods of :class:`CoverageReport` written by
:mod:`geomap.coverage.tables` and :mod:`geomap.coverage.layers`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from geomap.coverage.demand import DemandLayer
from geomap.coverage.duplication import Duplication, duplicates_in_people
from geomap.coverage.engine import ColumnCoverage, TimesCache, column_shares, cover_columns
from geomap.coverage.groups import TOTAL, split_classes
from geomap.coverage.sites import SiteChoices, choose_sites
from routing.coverage import Coverage, DemandCoverage, ServiceCoverage
from routing.coverage_sites import DuplicateGroup, Suggestion
from routing.safe import SafeRouter, Site

if TYPE_CHECKING:
    from routing.network import Network

#: H3 resolution of the cells drawn for point units (about 0.1 km², 174 m edges).
DEFAULT_RESOLUTION = 9


@dataclass
class ServiceReport:
    """Coverage of one service.

    Attributes
    ----------
    service : str
        Service code.
    nodes : ServiceCoverage
        Times from every node to the nearest place counted (whoever it serves).
    demand : DemandCoverage
        Unit times to the nearest place serving everyone in the total's class.
    shares : dict
        Total people, covered and share (and ``by_area``).
    threshold_s : float
        The time standard.
    columns : dict
        The same numbers per column (``population`` first, then groups, sex and age).
    cover : ColumnCoverage, optional
        Per unit and column: people, covered people and times.
    duplication : Duplication, optional
        People within reach of two or more places.
    sites : SiteChoices, optional
        New places: greedy picks, exact answer and gap.
    """

    service: str
    nodes: ServiceCoverage
    demand: DemandCoverage
    shares: dict[str, Any]
    threshold_s: float
    columns: dict[str, dict[str, Any]] = field(default_factory=dict)
    cover: ColumnCoverage | None = None
    duplication: Duplication | None = None
    sites: SiteChoices | None = None

    @property
    def duplicates(self) -> list[DuplicateGroup]:
        """Groups of places with overlapping catchments (in people)."""
        return self.duplication.groups if self.duplication is not None else []

    @property
    def suggestions(self) -> list[Suggestion]:
        """The greedy new places, ranked."""
        return self.sites.suggestions if self.sites is not None else []

    def covered_people(self, column: str = TOTAL) -> npt.NDArray[np.float64]:
        """Per unit, covered people of ``column``."""
        if self.cover is None:
            return np.where(self.covered, 1.0, 0.0)
        return self.cover.covered[column]

    def uncovered_people(self, column: str = TOTAL) -> npt.NDArray[np.float64]:
        """Per unit, people of ``column`` not covered."""
        if self.cover is None:
            return np.zeros(len(self.demand.seconds))
        return np.asarray(np.maximum(self.cover.people[column] - self.cover.covered[column], 0))

    @property
    def covered(self) -> npt.NDArray[np.bool_]:
        """Per unit, whether all its people are covered (nobody left uncovered)."""
        if self.cover is None:
            return np.asarray(self.demand.seconds <= self.threshold_s)
        return np.asarray(self.uncovered_people() <= 1e-9)


@dataclass
class CoverageReport:
    """Coverage of several services for one population layer."""

    network: Network
    demand: DemandLayer
    minutes: float
    when: datetime | None
    services: dict[str, ServiceReport]
    organizations: dict[str, list[str]] = field(default_factory=dict)
    resolution: int = DEFAULT_RESOLUTION

    @property
    def meta(self) -> dict[str, Any]:
        """Provenance carried into every output (the demand layer's flags, the threshold)."""
        out = dict(self.demand.meta)
        out.update({"minutes": self.minutes, "when": self.when.isoformat() if self.when else None})
        if self.demand.cells is None:
            out["cells_resolution"] = self.resolution
        return out

    def totals(self) -> dict[str, dict[str, float]]:
        """``{service: {population, covered, share}}`` of the total column."""
        return {
            code: {k: float(rep.shares[k]) for k in ("population", "covered", "share")}
            for code, rep in self.services.items()
        }

    # ------------------------------------------------------------------ outputs
    def rows(self) -> list[dict[str, Any]]:
        """The tidy table (see :func:`geomap.coverage.tables.rows`)."""
        from geomap.coverage import tables

        return tables.rows(self)

    def csv_text(self, *, hxl: bool = False) -> str:
        """The tidy table as CSV (with an HXL hashtag row under the header if ``hxl``)."""
        from geomap.coverage import tables

        return tables.csv_text(self.rows(), hxl=hxl)

    def write_csv(self, path: str | os.PathLike[str], *, hxl: bool = False) -> Path:
        """Write :meth:`csv_text` atomically."""
        from geomap.coverage.tables import write_text

        return write_text(path, self.csv_text(hxl=hxl))

    def unit_geometries(self) -> list[Any]:
        """The shape of every unit: its H3 cell or polygon, or the H3 cell of its point."""
        from geomap.coverage import layers

        return layers.unit_geometries(self)

    def uncovered_area(self, service: str, column: str = TOTAL) -> Any:
        """Union of the units with people of ``column`` not covered for ``service``."""
        from geomap.coverage import layers

        return layers.uncovered_area(self, service, column)

    def layers(self) -> dict[str, dict[str, Any]]:
        """GeoJSON layers (see :func:`geomap.coverage.layers.layers`)."""
        from geomap.coverage import layers

        return layers.layers(self)

    def write_layers(self, folder: str | os.PathLike[str]) -> list[Path]:
        """Write every layer as ``coverage_<layer>.geojson`` in ``folder``."""
        from geomap.io import write_json

        return [
            write_json(Path(folder) / f"coverage_{name}.geojson", fc)
            for name, fc in self.layers().items()
        ]


def analyse(
    safe: SafeRouter,
    sites: Sequence[Site],
    services: Sequence[str],
    demand: DemandLayer,
    *,
    minutes: float,
    when: datetime | None = None,
    unknown_hours_open: bool = True,
    organizations: Mapping[str, list[str]] | None = None,
    duplicate_share: float | None = None,
    suggest: int = 0,
    exact: bool = False,
    weight: str = TOTAL,
    capacity: float | None = None,
    capacities: Mapping[str, float] | None = None,
    candidates: Sequence[int] | None = None,
    access: bool = True,
    resolution: int = DEFAULT_RESOLUTION,
) -> CoverageReport:
    """Coverage of each service for a population layer, per column.

    Parameters
    ----------
    safe : SafeRouter
        Network and risk layer (``avoid`` zones in force are closed).
    sites : sequence of Site
        The places (already filtered to what the caller may see).
    services : sequence of str
        Service codes to report.
    demand : DemandLayer
        People, with their groups.
    minutes : float
        Walking time threshold.
    when : datetime, optional
        Day and hour: zones in force and places open then.
    unknown_hours_open : bool
        Whether places with unknown hours count as open at ``when``.
    organizations : mapping, optional
        ``{place id: organizations}`` for the duplication layer.
    duplicate_share : float, optional
        Find places whose catchments (within ``minutes``) overlap by more than this share of
        people.
    suggest : int
        Number of new places to suggest per service (greedy).
    exact : bool
        Also solve the site choice exactly (HiGHS) and report the greedy gap.
    weight : str
        Column whose uncovered people the new places should reach (default the total).
    capacity : float, optional
        Capacity of each new place: capacity-aware choice (shelters); the existing places
        count with ``capacities``.
    capacities : mapping, optional
        ``{place id: capacity}`` of existing places.
    candidates : sequence of int, optional
        Candidate street nodes (default: the node nearest each unit).
    access : bool
        Whether unit times include the walk from the unit's centre to its street.
    resolution : int
        H3 resolution of the cells drawn for point units (H3 and polygon units keep theirs).
    """
    coverage = Coverage(safe, access=access)
    units = coverage.place_units(demand.points)
    cache = TimesCache(coverage, units)
    classes = split_classes(demand.population, demand.columns, demand.breakdowns, demand.tags)
    limit = minutes * 60.0
    has_areas = any(a is not None for a in demand.areas)
    reports: dict[str, ServiceReport] = {}
    for service in services:
        cols = cover_columns(
            cache, classes, sites, service, limit_s=limit, when=when,
            unknown_hours_open=unknown_hours_open,
        )  # fmt: skip
        per_column = column_shares(cols, areas=demand.areas if has_areas else None)
        rep = ServiceReport(
            service, cols.nodes, cols.times[TOTAL], per_column[TOTAL], limit, per_column, cols
        )
        if duplicate_share is not None:
            rep.duplication = duplicates_in_people(
                coverage, cols.nodes, units, cols.people, limit_s=limit,
                share=duplicate_share, organizations=organizations,
            )  # fmt: skip
        if suggest > 0:
            rep.sites = choose_sites(
                coverage, units, cols, limit_s=limit, k=suggest, column=weight, exact=exact,
                candidates=candidates, capacity=capacity, existing_capacity=capacities,
            )  # fmt: skip
        reports[service] = rep
    return CoverageReport(
        network=safe.network,
        demand=demand,
        minutes=minutes,
        when=when,
        services=reports,
        organizations=dict(organizations or {}),
        resolution=resolution,
    )
