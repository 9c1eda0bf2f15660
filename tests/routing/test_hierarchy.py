"""The contraction hierarchy against Dijkstra, on a real extract and a generated corridor.

The hierarchy works on integer weights ``round(w * scale)``: on those, its distances must equal
an independent Dijkstra (scipy) exactly, before and after a partial re-customization; float
costs reported by routes are the float sums along the returned path.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from routing import Network, Router, build_network, network_from_file
from routing.hierarchy import INF_WEIGHT, quantize
from routing.synthetic import corridor_osm
from tests.paths import AGUASCALIENTES_PBF


@pytest.fixture(scope="module")
def ags() -> Network:
    return network_from_file(AGUASCALIENTES_PBF, "walk")


@pytest.fixture(scope="module")
def corridor() -> Network:
    return build_network(corridor_osm(60_000, seed=3))


def _scipy_graph(net: Network, weights: np.ndarray) -> csr_matrix:
    """The graph for scipy: the cheapest of parallel edges, closed edges dropped."""
    ok = np.isfinite(weights)
    u, v, w = net.edge_u[ok], net.edge_v[ok], weights[ok]
    order = np.lexsort((w, v, u))
    u, v, w = u[order], v[order], w[order]
    first = np.ones(len(u), dtype=bool)
    first[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
    # explicit zeros would not count as edges: shift every weight by a tiny epsilon
    return csr_matrix((w[first] + 1e-9, (u[first], v[first])), shape=(net.n_nodes,) * 2)


def _scipy_dist(net: Network, q: np.ndarray, sources: np.ndarray) -> np.ndarray:
    """Integer-weight distances by scipy."""
    weights = np.where(q < INF_WEIGHT, q.astype(np.float64), np.inf)
    dist = dijkstra(_scipy_graph(net, weights), directed=True, indices=sources)
    return np.asarray(np.round(dist), dtype=np.float64)  # epsilons sum far below 0.5


def _check_exact(router: Router, net: Network, rng: np.random.Generator, pairs: int) -> int:
    metric = router.metric
    sources = rng.choice(net.n_nodes, 10, replace=False)
    reference = _scipy_dist(net, metric.quantized, sources)
    checked = 0
    for i, s in enumerate(sources.tolist()):
        targets = rng.choice(net.n_nodes, pairs // 10, replace=False)
        got = metric.distances(np.array([s]), targets)[0] * metric.scale
        want = reference[i, targets]
        finite = np.isfinite(want)
        assert np.array_equal(np.isfinite(got), finite)
        np.testing.assert_allclose(got[finite], want[finite], rtol=0, atol=1e-6)
        for t in targets[finite][:5].tolist():  # paths are real and cost what they say
            d, edges = metric.path(s, t)
            assert int(metric.quantized[edges].astype(np.int64).sum()) == round(d * metric.scale)
            if len(edges):
                assert net.edge_u[edges[0]] == s
                assert net.edge_v[edges[-1]] == t
                assert np.array_equal(net.edge_v[edges[:-1]], net.edge_u[edges[1:]])
        checked += int(finite.sum())
    return checked


@pytest.mark.parametrize("which", ["ags", "corridor"])
def test_hierarchy_distances_equal_dijkstra_on_the_same_weights(which, request) -> None:
    net = request.getfixturevalue(which)
    router = Router(net)
    assert _check_exact(router, net, np.random.default_rng(1), 400) > 300


def test_partial_customization_after_a_zone_edit_equals_a_fresh_dijkstra(corridor) -> None:
    net = corridor
    router = Router(net)
    router.metric  # customized on lengths  # noqa: B018
    rng = np.random.default_rng(5)
    # a "zone": every edge near a random node gets 4x, and a few are closed
    centre = rng.integers(net.n_nodes)
    near = np.hypot(net.node_lon[net.edge_u] - net.node_lon[centre],
                    net.node_lat[net.edge_u] - net.node_lat[centre]) < 0.01  # fmt: skip
    weights = np.asarray(net.edge_length).copy()
    weights[near] *= 4.0
    weights[np.flatnonzero(near)[::7]] = np.inf
    changed = router.set_weights(weights)
    assert 0 < changed < net.n_edges * 0.05  # a partial customization
    assert np.array_equal(router.metric.quantized, quantize(weights, router.metric.scale))
    assert _check_exact(router, net, np.random.default_rng(2), 300) > 200
    # and back
    router.set_weights(np.asarray(net.edge_length))
    assert _check_exact(router, net, np.random.default_rng(3), 200) > 150


def test_route_costs_are_float_sums_close_to_float_dijkstra(ags) -> None:
    router = Router(ags)
    rng = np.random.default_rng(9)
    sources = rng.choice(ags.n_nodes, 5, replace=False)
    graph = _scipy_graph(ags, np.asarray(ags.edge_length))
    reference = dijkstra(graph, directed=True, indices=sources)
    unit = 1.0 / router.metric.scale
    for i, s in enumerate(sources.tolist()):
        for t in rng.choice(ags.n_nodes, 20, replace=False).tolist():
            cost, path = router.node_path(s, t)
            want = reference[i, t]
            if not np.isfinite(want):
                assert not np.isfinite(cost)
                continue
            assert want - 1e-6 <= cost <= want + len(path) * unit + 1e-6


def _unpack_depth(metric, arc: int, down: int) -> int:
    """Deepest stack the depth-first unpacking of one arc needs (an independent walk)."""
    rows = metric.bmid if down else metric.fmid
    first, second = (int(v) for v in rows[arc])
    if first < 0:
        return 1
    if down:  # y -> z -> x: (z, y) downwards, then (z, x) upwards
        return max(1 + _unpack_depth(metric, second, 1), _unpack_depth(metric, first, 0))
    return max(1 + _unpack_depth(metric, first, 1), _unpack_depth(metric, second, 0))


def test_unpacking_stack_is_bounded_by_the_elimination_tree_height(corridor) -> None:
    router = Router(corridor)
    metric = router.metric
    topo = metric.topology
    depth = np.zeros(len(topo.parent), dtype=np.int64)  # independent: from the top down
    for r in range(len(topo.parent) - 1, -1, -1):
        if topo.parent[r] >= 0:
            depth[r] = depth[topo.parent[r]] + 1
    assert topo.height == int(depth.max()) > 10
    shortcuts = np.flatnonzero(metric.fmid[:, 0] >= 0)
    assert len(shortcuts) > 1000
    rng = np.random.default_rng(4)
    deepest = max(_unpack_depth(metric, int(a), int(d))
                  for a in rng.choice(shortcuts, 300) for d in (0, 1))  # fmt: skip
    assert deepest <= topo.height + 2
    # long paths unpack whole: consecutive edges from the source to the target
    for s, t in rng.choice(corridor.n_nodes, (20, 2)).tolist():
        cost, edges = metric.path(s, t)
        if np.isfinite(cost) and len(edges):
            assert corridor.edge_u[edges[0]] == s
            assert corridor.edge_v[edges[-1]] == t
            assert np.array_equal(corridor.edge_v[edges[:-1]], corridor.edge_u[edges[1:]])


def test_a_cloned_router_copies_the_customization_then_changes_on_its_own(corridor) -> None:
    router = Router(corridor)
    original = router.metric
    before = original.fwd.copy(), original.bwd.copy()
    twin = router.clone()
    assert twin.metric is not original
    assert np.array_equal(twin.metric.fwd, original.fwd)
    rng = np.random.default_rng(8)
    weights = np.asarray(corridor.edge_length).copy()
    weights[rng.choice(corridor.n_edges, 300, replace=False)] *= 5.0
    assert 0 < twin.set_weights(weights) < corridor.n_edges * 0.05  # a partial customization
    fresh = Router(corridor, weights=weights)
    plain = Router(corridor)
    for s, t in rng.choice(corridor.n_nodes, (30, 2)).tolist():
        assert twin.node_path(s, t)[0] == pytest.approx(fresh.node_path(s, t)[0], rel=1e-12)
        assert router.node_path(s, t)[0] == pytest.approx(plain.node_path(s, t)[0], rel=1e-12)
    assert np.array_equal(original.fwd, before[0])  # the original's arrays never changed
    assert np.array_equal(original.bwd, before[1])
