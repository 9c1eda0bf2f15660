"""Duplication counted in people: who is within reach of two or more places of one service.

Each place's catchment is the set of demand units within the time standard of it
(:meth:`routing.coverage.Coverage.site_times`, access walk included). Two places overlap by
the people in both catchments over the people of the smaller one; places linked by overlaps
above a share form a group, reported with its organizations and the people it covers twice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt

from routing.coverage import Coverage, ServiceCoverage
from routing.coverage_sites import DuplicateGroup, overlap_groups
from routing.units import Units

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass
class Duplication:
    """Overlapping catchments of one service, in people.

    Attributes
    ----------
    service : str
        Service code.
    counts : ndarray
        Per unit, how many places of the service are within reach.
    people : float
        People within reach of two or more places.
    by_column : dict
        The same people per column (group, sex and age).
    pairs : list of dict
        Every overlapping pair: ``a``, ``b``, ``people`` in both, ``share`` of the smaller.
    groups : list of DuplicateGroup
        Places linked by overlaps above the share, with the people they cover twice.
    organizations : dict
        Group index (from 1) to the organizations of its places.
    """

    service: str
    counts: IntArray
    people: float
    by_column: dict[str, float] = field(default_factory=dict)
    pairs: list[dict[str, object]] = field(default_factory=list)
    groups: list[DuplicateGroup] = field(default_factory=list)
    organizations: dict[int, list[str]] = field(default_factory=dict)


def duplicates_in_people(
    coverage: Coverage,
    nodes: ServiceCoverage,
    units: Units,
    people: Mapping[str, FloatArray],
    *,
    limit_s: float,
    share: float,
    organizations: Mapping[str, Sequence[str]] | None = None,
) -> Duplication:
    """People covered twice or more by the places of ``nodes``, pairs and groups of places.

    Parameters
    ----------
    coverage : Coverage
        The coverage engine.
    nodes : ServiceCoverage
        The places counted (all those offering the service, open at the coverage's time).
    units : Units
        Demand units.
    people : mapping
        Column to people per unit; ``population`` is the total.
    limit_s : float
        Time standard.
    share : float
        Overlap share above which two places are linked.
    organizations : mapping, optional
        Place id to its organizations.
    """
    total = np.asarray(people["population"], dtype=np.float64)
    m, k = len(units), len(nodes.sites)
    site, unit, _ = coverage.site_times(nodes, units, limit_s=limit_s)
    member = np.zeros((k, m), dtype=bool)
    member[site, unit] = True
    counts = member.sum(axis=0).astype(np.int64)
    twice = counts >= 2
    weighted = member * total
    sizes = weighted.sum(axis=1)
    both = weighted @ member.T.astype(np.float64)
    ids = [s.id for s in nodes.sites]
    groups = overlap_groups(nodes.service, ids, sizes, both, share=share)
    index = {sid: i for i, sid in enumerate(ids)}
    orgs = organizations or {}
    out_groups, group_orgs = [], {}
    for g, group in enumerate(groups, start=1):
        rows = [index[sid] for sid in group.site_ids]
        again = member[rows].sum(axis=0) >= 2
        out_groups.append(replace(group, people=float(total[again].sum())))
        group_orgs[g] = sorted({o for sid in group.site_ids for o in orgs.get(sid, [])})
    pairs = [
        {
            "a": ids[i],
            "b": ids[j],
            "people": float(both[i, j]),
            "share": float(both[i, j] / min(sizes[i], sizes[j])),
        }
        for i in range(k)
        for j in range(i + 1, k)
        if both[i, j] > 0 and min(sizes[i], sizes[j]) > 0
    ]
    return Duplication(
        nodes.service,
        counts,
        float(total[twice].sum()),
        {c: float(np.asarray(v)[twice].sum()) for c, v in people.items()},
        pairs,
        out_groups,
        group_orgs,
    )
