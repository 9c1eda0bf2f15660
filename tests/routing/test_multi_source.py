"""Multi-source searches (``Router.node_costs``, ``reach``, ``nearest_facility``) against scipy.

scipy's ``csgraph.dijkstra`` is an independent implementation run on the same reversed CSR
arrays: every cost must be equal, every label must name a source at that cost, and the reused
per-node scratch must leave no trace from one search to the next.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from routing import Router, network_from_file
from tests.paths import AGUASCALIENTES_PBF


@pytest.fixture(scope="module")
def router() -> Router:
    return Router(network_from_file(AGUASCALIENTES_PBF, "walk"), max_snap_m=500)


def _csr(router: Router, reverse: bool) -> csr_matrix:
    indptr, adj, w, _ = router._bwd if reverse else router._fwd
    n = router.network.n_nodes
    return csr_matrix((w, adj, indptr), shape=(n, n))


@pytest.mark.parametrize(("seed", "count", "reverse"), [(1, 1, False), (2, 7, True), (3, 50, True)])
def test_node_costs_equal_scipy_with_labels_naming_a_source_at_that_cost(
    router: Router, seed: int, count: int, reverse: bool
) -> None:
    rng = np.random.default_rng(seed)
    n = router.network.n_nodes
    sources = rng.choice(n, count, replace=False)
    graph = _csr(router, reverse)
    cost, label = router.node_costs(sources, reverse=reverse)
    want = dijkstra(graph, directed=True, indices=sources, min_only=True)
    np.testing.assert_array_equal(cost, want)
    assert ((label >= 0) == np.isfinite(want)).all()
    per_source = dijkstra(graph, directed=True, indices=sources)
    reached = np.flatnonzero(label >= 0)
    np.testing.assert_array_equal(per_source[label[reached], reached], cost[reached])


def test_source_costs_duplicates_and_limit_match_scipy_on_a_super_source(router: Router) -> None:
    rng = np.random.default_rng(4)
    n = router.network.n_nodes
    sources = np.concatenate([rng.choice(n, 20, replace=False)] * 2)  # every source twice
    start = rng.uniform(0, 3000, len(sources))
    # scipy: one extra node n with an arc of its start cost to every source, appended to the
    # same CSR arrays (a COO matrix would sum parallel edges)
    best: dict[int, float] = {}
    for s, c in zip(sources.tolist(), start.tolist(), strict=True):
        best[s] = min(best.get(s, np.inf), c)
    indptr, adj, w, _ = router._bwd
    graph = csr_matrix(
        (
            np.concatenate([w, list(best.values())]),
            np.concatenate([adj, list(best.keys())]),
            np.append(indptr, indptr[-1] + len(best)),
        ),
        shape=(n + 1, n + 1),
    )
    want = dijkstra(graph, directed=True, indices=n)[:n]
    for limit in (np.inf, 2500.0, 0.0):
        cost, label = router.node_costs(sources, source_costs=start, limit=limit, reverse=True)
        expected = np.where(want <= limit, want, np.inf)
        np.testing.assert_array_equal(cost, expected)
        ok = label >= 0
        np.testing.assert_array_equal(start[label[ok]] <= cost[ok], True)
        nodes, costs, _ = router.reach(sources, source_costs=start, limit=limit, reverse=True)
        assert np.all(np.diff(costs) >= 0)
        np.testing.assert_array_equal(np.sort(nodes), np.flatnonzero(np.isfinite(expected)))


def test_nearest_facility_equals_scipy_from_the_facility_nodes(router: Router) -> None:
    net = router.network
    rng = np.random.default_rng(5)
    nodes = rng.choice(net.n_nodes, 50, replace=False)
    points = np.column_stack([net.node_lon[nodes], net.node_lat[nodes]])
    cost, facility = router.nearest_facility(points)
    want = dijkstra(_csr(router, True), directed=True, indices=nodes, min_only=True)
    np.testing.assert_allclose(cost, want, rtol=1e-12, atol=1e-9)
    ok = facility >= 0
    assert (ok == np.isfinite(want)).all()
    # a second search on the same scratch gives the same answer
    again, facility_again = router.nearest_facility(points)
    np.testing.assert_array_equal(again, cost)
    np.testing.assert_array_equal(facility_again, facility)
