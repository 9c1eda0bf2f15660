"""Greedy maximal covering on a sparse coverage relation (pure numpy).

The relation is a list of pairs ``(unit, candidate)``: a new place at ``candidate`` would reach
``unit`` within the time standard. :func:`greedy_cover` picks, one at a time, the candidate that
brings the most weight not yet covered. It is the fast option of site selection; exact answers
(maximal covering and set covering solved to optimality) are :mod:`geomap.coverage.optimise`'s.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Pick:
    """One greedy pick: the candidate, the units it newly covers and their weight."""

    candidate: int
    units: IntArray
    gained: float


def greedy_cover(
    units: IntArray,
    candidates: IntArray,
    weights: FloatArray,
    *,
    k: int,
    n_candidates: int,
    alive: BoolArray | None = None,
) -> list[Pick]:
    """Greedy maximal covering: ``k`` picks, each the candidate gaining the most live weight.

    Ties go to the lowest candidate index. A pick that gains nothing is not made, so fewer than
    ``k`` picks may come back.

    Parameters
    ----------
    units, candidates : ndarray of int
        The coverage pairs (same length).
    weights : ndarray
        Weight (people) of every unit.
    k : int
        Number of picks.
    n_candidates : int
        Number of candidates (candidate indices are below it).
    alive : ndarray of bool, optional
        Units still to cover (default: every unit with a positive weight).

    Returns
    -------
    list of Pick
    """
    w = np.asarray(weights, dtype=np.float64)
    live = (w > 0) if alive is None else (np.asarray(alive, dtype=bool) & (w > 0))
    u = np.asarray(units, dtype=np.int64)
    c = np.asarray(candidates, dtype=np.int64)
    keep = live[u]
    u, c = u[keep], c[keep]
    picks: list[Pick] = []
    for _ in range(k):
        if not len(u):
            break
        gain = np.bincount(c, weights=w[u], minlength=n_candidates)
        best = int(np.argmax(gain))
        if gain[best] <= 0:
            break
        reached = np.unique(u[c == best])
        picks.append(Pick(best, reached, float(w[reached].sum())))
        live[reached] = False
        keep = live[u]
        u, c = u[keep], c[keep]
    return picks


def covered_weight(
    units: IntArray, candidates: IntArray, weights: FloatArray, chosen: IntArray
) -> float:
    """Weight of the units reached by at least one of the ``chosen`` candidates."""
    u = np.asarray(units, dtype=np.int64)
    mask = np.isin(np.asarray(candidates, dtype=np.int64), np.asarray(chosen, dtype=np.int64))
    return float(np.asarray(weights, dtype=np.float64)[np.unique(u[mask])].sum())
