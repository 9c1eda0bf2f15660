"""Connected parts of a graph in plain numpy (no scipy import on the build path).

:func:`weak_components` labels every node with the smallest node id of its weakly connected
part by repeated *hooking* (every part's root takes the smallest root an edge leads to) and
*pointer jumping* (every node points at its root), as in Shiloach and Vishkin's algorithm: a few
passes over the edges, each one vectorized, and no Python loop over nodes or edges.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]


def weak_components(n: int, tail: npt.ArrayLike, head: npt.ArrayLike) -> IntArray:
    """Label of each node's weakly connected part: the smallest node id in it.

    Parameters
    ----------
    n : int
        Number of nodes.
    tail, head : array_like of int
        The edges (direction ignored); ids in ``range(n)``.

    Returns
    -------
    ndarray of int64
        ``n`` labels; nodes of one part share a label, isolated nodes are their own.
    """
    label = np.arange(n, dtype=np.int64)
    u = np.asarray(tail, dtype=np.int64)
    v = np.asarray(head, dtype=np.int64)
    while len(u):
        lu, lv = label[u], label[v]
        differ = lu != lv
        if not differ.any():
            break
        u, v, lu, lv = u[differ], v[differ], lu[differ], lv[differ]  # joined edges are done
        high, low = np.maximum(lu, lv), np.minimum(lu, lv)
        np.minimum.at(label, high, low)  # hook: roots only, so parts merge, never split
        while True:  # pointer jumping until every node points at a root
            jumped = label[label]
            if np.array_equal(jumped, label):
                break
            label = jumped
    return label
