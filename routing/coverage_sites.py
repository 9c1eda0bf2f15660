"""Site questions on a coverage: greedy new places, and overlapping catchments in nodes.

* :func:`suggest` — greedy maximal covering: where to open ``k`` new places so the most people
  not yet covered are reached (the fast option; exact answers are
  :mod:`geomap.coverage.optimise`'s);
* :func:`duplicates` — places offering the same service whose walking catchments overlap in
  network nodes (counting in people is :mod:`geomap.coverage.duplication`'s);
* :func:`overlap_groups` — places linked by overlaps above a share, grouped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import numpy.typing as npt

from routing.cover_select import greedy_cover
from routing.coverage import Coverage
from routing.router import Snap
from routing.safe import Site
from routing.units import Units, arrival_sources

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


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
    """Places offering one service whose catchments overlap by more than the threshold.

    ``pairs`` holds ``(site a, site b, overlap share)``; ``people`` (when counted in people)
    the people covered by two or more places of the group.
    """

    service: str
    site_ids: tuple[str, ...]
    pairs: tuple[tuple[str, str, float], ...]
    people: float = 0.0


def overlap_groups(
    service: str,
    ids: Sequence[str],
    sizes: FloatArray,
    both: FloatArray,
    *,
    share: float,
) -> list[DuplicateGroup]:
    """Group places whose overlap (``both[i, j] / min(size i, size j)``) exceeds ``share``.

    Places linked directly or through others form one group; groups are sorted by their first
    id.
    """
    parent = list(range(len(ids)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    pairs: list[tuple[int, int, float]] = []
    for i in range(len(ids)):
        for j in range(i + 1, len(ids)):
            smaller = min(sizes[i], sizes[j])
            if smaller <= 0:
                continue
            overlap = float(both[i, j]) / float(smaller)
            if overlap > share:
                pairs.append((i, j, overlap))
                parent[root(i)] = root(j)
    members: dict[int, list[int]] = {}
    for i, j, _ in pairs:
        for x in (i, j):
            group = members.setdefault(root(x), [])
            if x not in group:
                group.append(x)
    groups = []
    for idx in members.values():
        r = root(idx[0])
        mine = [(i, j, o) for i, j, o in pairs if root(i) == r]
        groups.append(
            DuplicateGroup(
                service,
                tuple(sorted(ids[x] for x in idx)),
                tuple((ids[i], ids[j], round(o, 4)) for i, j, o in mine),
            )
        )
    return sorted(groups, key=lambda g: g.site_ids)


def suggest(
    coverage: Coverage,
    points: Sequence[Sequence[float]] | FloatArray,
    population: Sequence[float] | FloatArray,
    covered: Sequence[bool] | BoolArray,
    *,
    minutes: float,
    k: int,
    candidates: Sequence[int] | IntArray | None = None,
    when: datetime | None = None,
    units: Units | None = None,
) -> list[Suggestion]:
    """Where to open ``k`` new places so the most people not yet covered are reached.

    Greedy maximal covering: each pick is the candidate node that brings the most
    uncovered people within ``minutes`` of walking (a new place is put on the node); the
    people it reaches then count as covered. Ties go to the lowest node index. Picks that
    gain nobody are not made.

    Parameters
    ----------
    coverage : Coverage
        The network and risk layer.
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
    units : Units, optional
        A :meth:`place_units` result to reuse.
    """
    units = coverage.place_units(points) if units is None else units
    pop = np.asarray(population, dtype=np.float64)
    alive = ~np.asarray(covered, dtype=bool) & (pop > 0)
    n = coverage.network.n_nodes
    allowed = None
    if candidates is not None:
        allowed = np.zeros(n, dtype=bool)
        allowed[np.asarray(candidates, dtype=np.int64)] = True
    u, nodes, _ = coverage.reach(
        units, limit_s=minutes * 60.0, when=when, only=alive, allowed=allowed
    )
    picks = greedy_cover(u, nodes, pop, k=k, n_candidates=n, alive=alive)
    out, total = [], 0.0
    for rank, p in enumerate(picks, start=1):
        total += p.gained
        out.append(
            Suggestion(
                rank=rank,
                node=p.candidate,
                lon=float(coverage.network.node_lon[p.candidate]),
                lat=float(coverage.network.node_lat[p.candidate]),
                population_gained=p.gained,
                units_gained=len(p.units),
                cumulative_population=total,
            )
        )
    return out


def catchment_nodes(
    coverage: Coverage, snap: Snap, *, minutes: float, when: datetime | None = None
) -> IntArray:
    """Nodes from which a snapped place is reached within ``minutes`` of walking."""
    walk = coverage.router(when)
    src, costs, _ = arrival_sources(walk, [snap])
    limit = minutes * 60.0
    dist, _ = walk.node_costs(src, source_costs=costs, limit=limit, reverse=True)
    return np.flatnonzero(dist <= limit).astype(np.int64)


def duplicates(
    coverage: Coverage,
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
    otherwise). Places linked by such overlaps, directly or through others, form one
    group; groups are sorted by their first site id. Counting in people is
    :func:`geomap.coverage.duplication.duplicates_in_people`'s.
    """
    placed = coverage.service(sites, service, when=when)
    n = coverage.network.n_nodes
    weights = np.ones(n) if node_weights is None else node_weights
    masks = np.zeros((len(placed.snaps), n), dtype=bool)
    for k, snap in enumerate(placed.snaps):
        masks[k, catchment_nodes(coverage, snap, minutes=minutes, when=when)] = True
    members = masks.astype(np.float64) * weights
    sizes = members.sum(axis=1)
    both = members @ masks.T.astype(np.float64)
    return overlap_groups(service, [s.id for s in placed.sites], sizes, both, share=share)
