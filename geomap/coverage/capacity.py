"""Capacity-aware site choice: maximal covering when every site has a capacity (shelter beds).

People of a unit may be assigned to any open site within reach, no site beyond its capacity;
existing sites count with their own capacity. :func:`capacitated` solves it exactly on HiGHS
(binary sites, continuous assignments); :func:`greedy_capacitated` is the fast option, and both
are evaluated with the optimal assignment of their sites (:func:`assign`), so the gap between
them is the price of choosing greedily.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from geomap.coverage.optimise import TIME_LIMIT_S, Selection, solve

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def assign(
    units: IntArray,
    sites: IntArray,
    demand: FloatArray,
    capacity: FloatArray,
    *,
    time_limit_s: float = TIME_LIMIT_S,
) -> float:
    """Most people that open sites can take (a transportation LP).

    Each unit's people go to sites within reach, no site beyond its capacity.
    """
    d = np.asarray(demand, dtype=np.float64)
    keep = d[units] > 0
    u, s = np.asarray(units)[keep], np.asarray(sites)[keep]
    if not len(u):
        return 0.0
    ur, u_idx = np.unique(u, return_inverse=True)
    sr, s_idx = np.unique(s, return_inverse=True)
    n = len(u)
    rows = np.concatenate([u_idx, len(ur) + s_idx])
    cols = np.concatenate([np.arange(n), np.arange(n)])
    x, _, _ = solve(
        n,
        cost=np.ones(n),
        upper=np.full(n, np.inf),
        integer=np.zeros(n, dtype=bool),
        matrix=(rows, cols, np.ones(2 * n)),
        row_bounds=(np.full(len(ur) + len(sr), -np.inf), np.concatenate([d[ur], capacity[sr]])),
        maximise=True,
        time_limit_s=time_limit_s,
    )
    return float(x.sum())


def capacitated(
    units: IntArray,
    cands: IntArray,
    demand: FloatArray,
    *,
    p: int,
    capacity: float | FloatArray,
    existing: tuple[IntArray, IntArray, FloatArray] | None = None,
    time_limit_s: float = TIME_LIMIT_S,
) -> Selection:
    """Exact capacity-aware maximal covering: at most ``p`` new sites of ``capacity`` each.

    People of unit ``i`` may be assigned to any open site reaching it; a site takes at most
    its capacity. ``existing`` is ``(units, sites, capacity per site)``: open sites already
    there, whose capacity counts first. The objective is the people assigned.
    """
    d = np.asarray(demand, dtype=np.float64)
    n_cand = int(np.max(cands)) + 1 if len(cands) else 0
    cap = np.broadcast_to(np.asarray(capacity, dtype=np.float64), (n_cand,))
    keep = d[units] > 0
    u, c = np.asarray(units)[keep], np.asarray(cands)[keep]
    eu, es, ecap = (
        existing if existing is not None else (np.empty(0, np.int64),) * 2 + (np.zeros(0),)
    )
    ekeep = d[eu] > 0
    eu, es = np.asarray(eu)[ekeep], np.asarray(es)[ekeep]
    cand_ids, c_idx = np.unique(c, return_inverse=True)
    ex_ids, e_idx = np.unique(es, return_inverse=True)
    all_units = np.unique(np.concatenate([u, eu]))
    row_of = {int(x): i for i, x in enumerate(all_units.tolist())}
    nu, ny, ne = len(all_units), len(cand_ids), len(ex_ids)
    nx, nxe = len(u), len(eu)
    if nu == 0:
        return Selection("capacitated", "exact", [], 0.0, optimal=True)
    # columns: y (ny) | x new pairs (nx) | x existing pairs (nxe)
    ux = np.array([row_of[int(x)] for x in u], dtype=np.int64)
    uxe = np.array([row_of[int(x)] for x in eu], dtype=np.int64)
    r_demand = np.concatenate([ux, uxe])
    c_demand = np.concatenate([ny + np.arange(nx), ny + nx + np.arange(nxe)])
    r_cap = np.concatenate([nu + c_idx, nu + np.arange(ny), nu + ny + e_idx])
    c_cap = np.concatenate([ny + np.arange(nx), np.arange(ny), ny + nx + np.arange(nxe)])
    v_cap = np.concatenate([np.ones(nx), -cap[cand_ids], np.ones(nxe)])
    r_p, c_p = np.full(ny, nu + ny + ne), np.arange(ny)
    rows = np.concatenate([r_demand, r_cap, r_p])
    cols = np.concatenate([c_demand, c_cap, c_p])
    vals = np.concatenate([np.ones(nx + nxe), v_cap, np.ones(ny)])
    hi = np.concatenate([d[all_units], np.zeros(ny), np.asarray(ecap, float)[ex_ids], [p]])
    x, optimal, mip_gap = solve(
        ny + nx + nxe,
        cost=np.concatenate([np.zeros(ny), np.ones(nx + nxe)]),
        upper=np.concatenate([np.ones(ny), np.full(nx + nxe, np.inf)]),
        integer=np.concatenate([np.ones(ny, dtype=bool), np.zeros(nx + nxe, dtype=bool)]),
        matrix=(rows, cols, vals),
        row_bounds=(np.full(len(hi), -np.inf), hi),
        maximise=True,
        time_limit_s=time_limit_s,
    )
    chosen = sorted(int(cand_ids[j]) for j in np.flatnonzero(x[:ny] > 0.5))
    served = _served(
        units, cands=cands, demand=d, cap=cap, chosen=chosen, existing=existing,
        time_limit_s=time_limit_s,
    )  # fmt: skip
    return Selection("capacitated", "exact", chosen, served, optimal=optimal, mip_gap=mip_gap)


def _served(
    units: IntArray,
    *,
    cands: IntArray,
    demand: FloatArray,
    cap: FloatArray,
    chosen: Sequence[int],
    existing: tuple[IntArray, IntArray, FloatArray] | None,
    time_limit_s: float,
) -> float:
    """People assigned when ``chosen`` new sites and the existing ones are open."""
    mask = np.isin(cands, np.asarray(chosen, dtype=np.int64))
    su, ss = np.asarray(units)[mask], np.asarray(cands)[mask]
    caps = cap.copy()
    if existing is not None:
        eu, es, ecap = existing
        offset = len(caps)
        su = np.concatenate([su, eu])
        ss = np.concatenate([ss, offset + np.asarray(es)])
        caps = np.concatenate([caps, np.asarray(ecap, dtype=np.float64)])
    return assign(su, ss, demand, caps, time_limit_s=time_limit_s)


def greedy_capacitated(
    units: IntArray,
    cands: IntArray,
    demand: FloatArray,
    *,
    p: int,
    capacity: float | FloatArray,
    existing: tuple[IntArray, IntArray, FloatArray] | None = None,
    time_limit_s: float = TIME_LIMIT_S,
) -> Selection:
    """Greedy capacity-aware covering, evaluated like the exact answer.

    Each pick takes the candidate whose reachable, still unserved people (capped by its
    capacity) are the most; people are then served in unit order. The chosen sites are
    evaluated with the optimal assignment.
    """
    d = np.asarray(demand, dtype=np.float64).copy()
    n_cand = int(np.max(cands)) + 1 if len(cands) else 0
    cap = np.broadcast_to(np.asarray(capacity, dtype=np.float64), (n_cand,)).copy()
    if existing is not None:  # what the existing sites take comes first, in unit order
        eu, es, ecap = existing
        left = np.asarray(ecap, dtype=np.float64).copy()
        for i, s in sorted(zip(eu.tolist(), es.tolist(), strict=True)):
            take = min(d[i], left[s])
            d[i] -= take
            left[s] -= take
    chosen: list[int] = []
    gains: list[float] = []
    u, c = np.asarray(units), np.asarray(cands)
    for _ in range(p):
        reach = np.bincount(c, weights=d[u], minlength=n_cand)
        gain = np.minimum(reach, cap)
        if chosen:
            gain[np.asarray(chosen)] = 0.0
        best = int(np.argmax(gain)) if n_cand else 0
        if not n_cand or gain[best] <= 0:
            break
        room = cap[best]
        for i in np.unique(u[c == best]).tolist():
            take = min(d[i], room)
            d[i] -= take
            room -= take
            if room <= 0:
                break
        chosen.append(best)
        gains.append(float(gain[best]))
    served = _served(
        units, cands=cands, demand=np.asarray(demand, float), cap=cap, chosen=chosen,
        existing=existing, time_limit_s=time_limit_s,
    )  # fmt: skip
    return Selection("capacitated", "greedy", chosen, served, gains)
