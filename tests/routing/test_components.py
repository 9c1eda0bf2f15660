"""Weakly connected parts in numpy, against scipy's csgraph (an independent implementation)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from routing.components import weak_components


def _same_partition(labels: np.ndarray, n: int, u: np.ndarray, v: np.ndarray) -> bool:
    graph = coo_matrix((np.ones(len(u)), (u, v)), shape=(n, n)).tocsr()
    count, ref = connected_components(graph, directed=True, connection="weak")
    pairs = np.unique(labels * (count + 1) + ref)
    return len(np.unique(labels)) == count and len(pairs) == count


def test_two_parts_and_an_isolated_node_by_construction() -> None:
    # 0-1-2  3<-4  5 (alone): labels are the smallest id of each part
    labels = weak_components(6, np.array([0, 2, 4]), np.array([1, 1, 3]))
    assert labels.tolist() == [0, 0, 0, 3, 3, 5]


def test_no_edges_and_no_nodes() -> None:
    assert weak_components(3, [], []).tolist() == [0, 1, 2]
    assert weak_components(0, [], []).tolist() == []


@pytest.mark.parametrize("seed", range(4))
def test_random_graphs_agree_with_scipy(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(50, 5000))
    m = int(rng.integers(0, 2 * n))
    u, v = rng.integers(0, n, m), rng.integers(0, n, m)
    assert _same_partition(weak_components(n, u, v), n, u, v)


def test_a_long_path_in_shuffled_order_is_one_part() -> None:
    perm = np.random.default_rng(7).permutation(20_000)
    labels = weak_components(20_000, perm[:-1], perm[1:])
    assert set(labels.tolist()) == {0}
