"""Exact site choices: maximal covering, set covering and capacity-aware covering, on HiGHS.

The coverage relation (which candidate site reaches which demand unit within the time
standard, from :meth:`routing.coverage.Coverage.reach`) is reduced without changing any
optimum — candidates reaching the same units are one column, units reached by the same
candidates one row with their weights summed — and solved to optimality with HiGHS
(``highspy``), a maintained open-source MIP solver:

* :func:`mclp` — maximal covering (Church and ReVelle): at most ``p`` new sites, the most people
  covered;
* :func:`lscp` — location set covering (Toregas): the fewest sites covering every unit that can
  be covered;
* :func:`geomap.coverage.capacity.capacitated` — maximal covering when every site has a
  capacity (shelter beds).

Each has a greedy counterpart (:func:`greedy_mclp`, :func:`greedy_lscp`,
:func:`geomap.coverage.capacity.greedy_capacitated`), the fast option, evaluated on the same
terms so its gap to the exact optimum can be reported (:func:`gap`).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from routing.cover_select import covered_weight, greedy_cover

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Seconds HiGHS may spend on one model before answering with its best solution so far.
TIME_LIMIT_S = 120.0


@dataclass
class Selection:
    """Sites chosen for one problem by one method.

    Attributes
    ----------
    problem : str
        ``mclp``, ``lscp`` or ``capacitated``.
    method : str
        ``exact`` (HiGHS) or ``greedy``.
    chosen : list of int
        Candidate indices, in pick order for greedy, ascending for exact.
    covered : float
        People covered (for ``lscp``: by the chosen sites).
    gains : list of float
        Greedy: people each pick adds; exact: empty.
    optimal : bool
        Whether the solver proved optimality (greedy: False).
    mip_gap : float
        Relative gap between the solver's bound and its answer (0 when optimal).
    uncoverable : float
        People no candidate can reach.
    """

    problem: str
    method: str
    chosen: list[int]
    covered: float
    gains: list[float] = field(default_factory=list)
    optimal: bool = False
    mip_gap: float = 0.0
    uncoverable: float = 0.0

    @property
    def sites(self) -> int:
        """Number of sites chosen."""
        return len(self.chosen)


def gap(exact: Selection, greedy: Selection) -> dict[str, float]:
    """How far the greedy answer is from the exact one (people, share, sites)."""
    diff = exact.covered - greedy.covered
    return {
        "exact_covered": exact.covered,
        "greedy_covered": greedy.covered,
        "people": diff,
        "share": diff / exact.covered if exact.covered > 0 else 0.0,
        "exact_sites": float(exact.sites),
        "greedy_sites": float(greedy.sites),
    }


@dataclass
class _Reduced:
    rows: IntArray  # per pair, reduced row
    cols: IntArray  # per pair, reduced column
    weight: FloatArray  # per reduced row
    col_rep: IntArray  # per reduced column, the lowest candidate index it stands for
    row_units: list[IntArray]  # per reduced row, its units


def _reduce(units: IntArray, cands: IntArray, weights: FloatArray) -> _Reduced:
    """Merge identical candidate columns, then identical unit rows (optima are unchanged)."""
    w = np.asarray(weights, dtype=np.float64)
    keep = w[units] > 0
    u, c = np.asarray(units)[keep], np.asarray(cands)[keep]
    pairs = np.unique(np.stack([c, u], axis=1), axis=0) if len(u) else np.zeros((0, 2), np.int64)
    c, u = pairs[:, 0], pairs[:, 1]
    col_of: dict[tuple[int, ...], int] = {}
    rep: list[int] = []
    new_col = {}
    starts = np.flatnonzero(np.r_[True, c[1:] != c[:-1]]) if len(c) else np.zeros(0, np.int64)
    ends = np.r_[starts[1:], len(c)]
    for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
        key = tuple(u[s:e].tolist())
        if key not in col_of:
            col_of[key] = len(rep)
            rep.append(int(c[s]))
        new_col[int(c[s])] = col_of[key]
    rc = np.array([new_col[int(x)] for x in c], dtype=np.int64)
    pairs2 = np.unique(np.stack([u, rc], axis=1), axis=0) if len(u) else np.zeros((0, 2), np.int64)
    u2, c2 = pairs2[:, 0], pairs2[:, 1]
    row_of: dict[tuple[int, ...], int] = {}
    row_weight: list[float] = []
    row_units: list[list[int]] = []
    unit_row = {}
    starts = np.flatnonzero(np.r_[True, u2[1:] != u2[:-1]]) if len(u2) else np.zeros(0, np.int64)
    ends = np.r_[starts[1:], len(u2)]
    for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
        key = tuple(c2[s:e].tolist())
        unit = int(u2[s])
        if key not in row_of:
            row_of[key] = len(row_weight)
            row_weight.append(0.0)
            row_units.append([])
        r = row_of[key]
        row_weight[r] += float(w[unit])
        row_units[r].append(unit)
        unit_row[unit] = r
    final = np.unique(
        np.stack([np.array([unit_row[int(x)] for x in u2], dtype=np.int64), c2], axis=1), axis=0
    ) if len(u2) else np.zeros((0, 2), np.int64)  # fmt: skip
    return _Reduced(
        final[:, 0],
        final[:, 1],
        np.asarray(row_weight),
        np.asarray(rep, dtype=np.int64),
        [np.asarray(x, dtype=np.int64) for x in row_units],
    )


def _drop_dominated(red: _Reduced) -> _Reduced:
    """Drop candidate columns whose units are a subset of another column's (optima kept).

    Swapping a dominated site for the site that dominates it never covers less, so maximal
    and set covering keep their optimum without it.
    """
    from scipy.sparse import csc_matrix

    nr, nc = len(red.weight), len(red.col_rep)
    if nc < 2:
        return red
    a = csc_matrix((np.ones(len(red.rows)), (red.rows, red.cols)), shape=(nr, nc))
    size = np.asarray(a.sum(axis=0)).ravel()
    both = (a.T @ a).tocoo()
    # j is dominated by k when all of j's units are k's (and k is larger: columns are distinct)
    hit = (both.data == size[both.row]) & (both.row != both.col) & (size[both.col] > size[both.row])
    dominated = np.zeros(nc, dtype=bool)
    dominated[both.row[hit]] = True
    if not dominated.any():
        return red
    keep = np.flatnonzero(~dominated)
    new_index = np.full(nc, -1, dtype=np.int64)
    new_index[keep] = np.arange(len(keep))
    pair = ~dominated[red.cols]
    return _Reduced(
        red.rows[pair], new_index[red.cols[pair]], red.weight, red.col_rep[keep], red.row_units
    )


def _uncoverable(units: IntArray, weights: FloatArray) -> float:
    w = np.asarray(weights, dtype=np.float64)
    reached = np.zeros(len(w), dtype=bool)
    reached[np.asarray(units, dtype=np.int64)] = True
    return float(w[~reached & (w > 0)].sum())


def solve(
    n_cols: int,
    *,
    cost: FloatArray,
    upper: FloatArray,
    integer: npt.NDArray[np.bool_],
    matrix: tuple[IntArray, IntArray, FloatArray],
    row_bounds: tuple[FloatArray, FloatArray],
    maximise: bool,
    time_limit_s: float,
) -> tuple[FloatArray, bool, float]:
    """Solve a MIP with HiGHS: column values, whether optimal, the relative MIP gap."""
    import highspy
    from scipy.sparse import csc_matrix

    rows, cols, vals = matrix
    lo, hi = row_bounds
    a = csc_matrix((vals, (rows, cols)), shape=(len(lo), n_cols))
    a.sort_indices()
    lp = highspy.HighsLp()
    lp.num_col_ = n_cols
    lp.num_row_ = len(lo)
    lp.col_cost_ = np.asarray(cost, dtype=np.float64)
    lp.col_lower_ = np.zeros(n_cols)
    lp.col_upper_ = np.asarray(upper, dtype=np.float64)
    lp.row_lower_ = np.asarray(lo, dtype=np.float64)
    lp.row_upper_ = np.asarray(hi, dtype=np.float64)
    lp.sense_ = highspy.ObjSense.kMaximize if maximise else highspy.ObjSense.kMinimize
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = a.indptr.astype(np.int32)
    lp.a_matrix_.index_ = a.indices.astype(np.int32)
    lp.a_matrix_.value_ = a.data.astype(np.float64)
    lp.integrality_ = [
        highspy.HighsVarType.kInteger if flag else highspy.HighsVarType.kContinuous
        for flag in integer.tolist()
    ]
    h = _quiet_highs()
    h.setOptionValue("time_limit", float(time_limit_s))
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("random_seed", 0)
    h.setOptionValue("threads", 1)
    h.passModel(lp)
    h.run()
    status = h.getModelStatus()
    values = np.asarray(h.getSolution().col_value, dtype=np.float64)
    optimal = status == highspy.HighsModelStatus.kOptimal
    info = h.getInfo()
    mip_gap = float(info.mip_gap) if np.isfinite(info.mip_gap) else 0.0
    if len(values) != n_cols:  # no solution at all (should not happen: zero is feasible)
        values = np.zeros(n_cols)
    return values, bool(optimal), 0.0 if optimal else mip_gap


def _quiet_highs() -> Any:
    """A HiGHS instance, without the banner its constructor prints on the C stdout."""
    import highspy

    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as sink:
            os.dup2(sink.fileno(), 1)
            h = highspy.Highs()  # type: ignore[no-untyped-call]
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    h.setOptionValue("output_flag", False)
    return h


# ---------------------------------------------------------------------- maximal covering
def greedy_mclp(
    units: IntArray, cands: IntArray, weights: FloatArray, *, p: int, n_candidates: int
) -> Selection:
    """Greedy maximal covering: ``p`` picks, each the candidate adding the most people."""
    picks = greedy_cover(units, cands, weights, k=p, n_candidates=n_candidates)
    chosen = [pk.candidate for pk in picks]
    return Selection(
        "mclp",
        "greedy",
        chosen,
        covered_weight(units, cands, weights, np.asarray(chosen, dtype=np.int64)),
        [pk.gained for pk in picks],
        uncoverable=_uncoverable(units, weights),
    )


def mclp(
    units: IntArray,
    cands: IntArray,
    weights: FloatArray,
    *,
    p: int,
    time_limit_s: float = TIME_LIMIT_S,
) -> Selection:
    """Exact maximal covering: at most ``p`` sites covering the most weight.

    Parameters
    ----------
    units, cands : ndarray of int
        The coverage relation: candidate ``cands[k]`` reaches unit ``units[k]``.
    weights : ndarray
        People per unit (only positive weights count).
    p : int
        Largest number of sites.
    time_limit_s : float
        Solver time limit; past it the best solution found is returned with
        ``optimal=False`` and its ``mip_gap``.
    """
    red = _drop_dominated(_reduce(units, cands, weights))
    nr, nc = len(red.weight), len(red.col_rep)
    if nr == 0 or p <= 0:
        return Selection("mclp", "exact", [], 0.0, optimal=True,
                         uncoverable=_uncoverable(units, weights))  # fmt: skip
    # columns: y (nc, binary) then z (nr, continuous in [0, 1])
    rows = np.concatenate([red.rows, np.arange(nr), np.full(nc, nr)])
    cols = np.concatenate([red.cols, nc + np.arange(nr), np.arange(nc)])
    vals = np.concatenate([-np.ones(len(red.rows)), np.ones(nr), np.ones(nc)])
    lo = np.full(nr + 1, -np.inf)
    hi = np.concatenate([np.zeros(nr), [float(p)]])
    x, optimal, mip_gap = solve(
        nc + nr,
        cost=np.concatenate([np.zeros(nc), red.weight]),
        upper=np.ones(nc + nr),
        integer=np.concatenate([np.ones(nc, dtype=bool), np.zeros(nr, dtype=bool)]),
        matrix=(rows, cols, vals),
        row_bounds=(lo, hi),
        maximise=True,
        time_limit_s=time_limit_s,
    )
    chosen = sorted(int(red.col_rep[j]) for j in np.flatnonzero(x[:nc] > 0.5))
    covered = covered_weight(units, cands, weights, np.asarray(chosen, dtype=np.int64))
    return Selection("mclp", "exact", chosen, covered, optimal=optimal, mip_gap=mip_gap,
                     uncoverable=_uncoverable(units, weights))  # fmt: skip


# ---------------------------------------------------------------------- set covering
def greedy_lscp(
    units: IntArray, cands: IntArray, weights: FloatArray, *, n_candidates: int
) -> Selection:
    """Greedy set covering: the candidate reaching the most uncovered units, until all are.

    Units no candidate reaches are left out (``uncoverable``).
    """
    ones = (np.asarray(weights) > 0).astype(np.float64)
    picks = greedy_cover(units, cands, ones, k=n_candidates, n_candidates=n_candidates)
    chosen = [pk.candidate for pk in picks]
    return Selection(
        "lscp",
        "greedy",
        chosen,
        covered_weight(units, cands, weights, np.asarray(chosen, dtype=np.int64)),
        [covered_weight(units, cands, weights, np.asarray([pk.candidate])) for pk in picks],
        uncoverable=_uncoverable(units, weights),
    )


def lscp(
    units: IntArray, cands: IntArray, weights: FloatArray, *, time_limit_s: float = TIME_LIMIT_S
) -> Selection:
    """Exact set covering: the fewest sites covering every unit with people.

    Units no candidate can reach are left out and reported as ``uncoverable``.
    """
    red = _drop_dominated(_reduce(units, cands, weights))
    nr, nc = len(red.weight), len(red.col_rep)
    if nr == 0:
        return Selection("lscp", "exact", [], 0.0, optimal=True,
                         uncoverable=_uncoverable(units, weights))  # fmt: skip
    x, optimal, mip_gap = solve(
        nc,
        cost=np.ones(nc),
        upper=np.ones(nc),
        integer=np.ones(nc, dtype=bool),
        matrix=(red.rows, red.cols, np.ones(len(red.rows))),
        row_bounds=(np.ones(nr), np.full(nr, np.inf)),
        maximise=False,
        time_limit_s=time_limit_s,
    )
    chosen = sorted(int(red.col_rep[j]) for j in np.flatnonzero(x > 0.5))
    covered = covered_weight(units, cands, weights, np.asarray(chosen, dtype=np.int64))
    return Selection("lscp", "exact", chosen, covered, optimal=optimal, mip_gap=mip_gap,
                     uncoverable=_uncoverable(units, weights))  # fmt: skip
