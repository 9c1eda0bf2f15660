"""Where to open new places: greedy and exact choices on the coverage relation, per column.

Candidates are street nodes: by default the node nearest each demand unit's street position
(one per H3 cell), or any nodes the caller gives. The relation — which candidate a unit
reaches within the time standard — comes from :meth:`routing.coverage.Coverage.reach`; the
people to gain are the *uncovered* people of a chosen column (the total, a group, a sex and age
band). The greedy answer is always computed (the fast option); the exact maximal covering
(or, with a capacity, the capacity-aware covering with the existing sites' capacities) is
solved with HiGHS on request, and the gap between the two is reported.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from geomap.coverage import capacity as capacitated_choice
from geomap.coverage import optimise
from geomap.coverage.engine import ColumnCoverage, weights_left
from routing.coverage import Coverage
from routing.coverage_sites import Suggestion
from routing.units import Units

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass
class SiteChoices:
    """New places for one service: the greedy picks, the exact answer and their gap.

    Attributes
    ----------
    column : str
        The column whose uncovered people are gained.
    candidates : ndarray
        Candidate street nodes (indices of :attr:`greedy.chosen` etc. point into it).
    greedy : Selection
        The greedy answer.
    exact : Selection, optional
        The exact answer (when asked for).
    suggestions : list of Suggestion
        The greedy picks as ranked suggestions (node, lon/lat, people gained).
    by_column : list of dict
        Per greedy pick, the people of every column it newly covers.
    capacity : float, optional
        Capacity of every new site (capacity-aware problems).
    """

    column: str
    candidates: IntArray
    greedy: optimise.Selection
    exact: optimise.Selection | None = None
    suggestions: list[Suggestion] = field(default_factory=list)
    by_column: list[dict[str, float]] = field(default_factory=list)
    capacity: float | None = None

    def gap(self) -> dict[str, float] | None:
        """Exact minus greedy (people and share of the exact), when the exact was solved."""
        return optimise.gap(self.exact, self.greedy) if self.exact is not None else None


def unit_nodes(coverage: Coverage, units: Units) -> IntArray:
    """The street node nearest every on-network unit's street position, each once."""
    net = coverage.network
    out = []
    for i in np.flatnonzero(units.on_network).tolist():
        s = units.snaps[i]
        half = float(net.seg_length[s.segment]) / 2.0
        out.append(int(net.seg_u[s.segment] if s.offset_m <= half else net.seg_v[s.segment]))
    return np.unique(np.asarray(out, dtype=np.int64))


def choose_sites(
    coverage: Coverage,
    units: Units,
    cols: ColumnCoverage,
    *,
    limit_s: float,
    k: int,
    column: str = "population",
    exact: bool = False,
    candidates: Sequence[int] | IntArray | None = None,
    capacity: float | None = None,
    existing_capacity: Mapping[str, float] | None = None,
    time_limit_s: float = optimise.TIME_LIMIT_S,
) -> SiteChoices:
    """Up to ``k`` new places for one service, greedy and (optionally) exact.

    Without ``capacity``: maximal covering of the column's uncovered people. With it (beds per
    new shelter): the capacity-aware covering of all the column's people, the existing places
    counting with their ``existing_capacity`` (place id → capacity; places without one count
    as full: capacity 0).
    """
    nodes = unit_nodes(coverage, units) if candidates is None else np.unique(
        np.asarray(candidates, dtype=np.int64)
    )  # fmt: skip
    allowed = np.zeros(coverage.network.n_nodes, dtype=bool)
    allowed[nodes] = True
    position = np.full(coverage.network.n_nodes, -1, dtype=np.int64)
    position[nodes] = np.arange(len(nodes))
    when, night = cols.nodes.when, cols.nodes.night
    if capacity is None:
        weight = weights_left(cols, column)
    else:
        weight = np.asarray(cols.people[column], dtype=np.float64)
    u, n, _ = coverage.reach(
        units, limit_s=limit_s, when=when, night=night, only=weight > 0, allowed=allowed
    )
    j = position[n]
    if capacity is None:
        greedy = optimise.greedy_mclp(u, j, weight, p=k, n_candidates=len(nodes))
        best = optimise.mclp(u, j, weight, p=k, time_limit_s=time_limit_s) if exact else None
    else:
        existing = _existing(coverage, cols, units, limit_s, existing_capacity or {})
        greedy = capacitated_choice.greedy_capacitated(
            u, j, weight, p=k, capacity=capacity, existing=existing, time_limit_s=time_limit_s
        )
        best = None
        if exact:
            best = capacitated_choice.capacitated(
                u, j, weight, p=k, capacity=capacity, existing=existing,
                time_limit_s=time_limit_s,
            )  # fmt: skip
    choices = SiteChoices(column, nodes, greedy, best, capacity=capacity)
    _suggestions(coverage, cols, choices, u=u, j=j, weight=weight)
    return choices


def _existing(
    coverage: Coverage,
    cols: ColumnCoverage,
    units: Units,
    limit_s: float,
    capacities: Mapping[str, float],
) -> tuple[IntArray, IntArray, FloatArray]:
    site, unit, _ = coverage.site_times(cols.nodes, units, limit_s=limit_s)
    cap = np.array([float(capacities.get(s.id, 0.0)) for s in cols.nodes.sites])
    return unit, site, cap


def _suggestions(
    coverage: Coverage,
    cols: ColumnCoverage,
    choices: SiteChoices,
    *,
    u: IntArray,
    j: IntArray,
    weight: FloatArray,
) -> None:
    """Ranked suggestions and per-column gains of the greedy picks (in pick order)."""
    net = coverage.network
    live = np.ones(len(weight), dtype=bool)
    total = 0.0
    for rank, (cand, gained) in enumerate(
        zip(choices.greedy.chosen, choices.greedy.gains, strict=True), start=1
    ):
        reached = np.unique(u[j == cand])
        new = reached[live[reached] & (weight[reached] > 0)]
        live[new] = False
        total += gained
        node = int(choices.candidates[cand])
        choices.suggestions.append(
            Suggestion(
                rank=rank,
                node=node,
                lon=float(net.node_lon[node]),
                lat=float(net.node_lat[node]),
                population_gained=gained,
                units_gained=len(new),
                cumulative_population=total,
            )
        )
        choices.by_column.append({c: float(weights_left(cols, c)[new].sum()) for c in cols.people})


def selection_summary(choices: SiteChoices) -> dict[str, Any]:
    """Plain numbers of a choice: sites and people of greedy and exact, and the gap."""
    out: dict[str, Any] = {
        "column": choices.column,
        "problem": choices.greedy.problem,
        "greedy": {"sites": choices.greedy.sites, "covered": choices.greedy.covered},
    }
    if choices.exact is not None:
        out["exact"] = {
            "sites": choices.exact.sites,
            "covered": choices.exact.covered,
            "optimal": choices.exact.optimal,
            "mip_gap": choices.exact.mip_gap,
        }
        out["gap"] = choices.gap()
    if choices.capacity is not None:
        out["capacity"] = choices.capacity
    return out
