"""Cost matrices, nearest facility, reachability and node paths with hand-derived answers.

On the map below (100 m cells) the shortest paths are, without ties:
a->b 800 (a-c-b is 1294), a->d 1200 (a-c-d), b->c 894 (the diagonal; b-a-c is 1200),
b->d 1694 (b-c-d), e->d 2494 (e-b-c-d), c->e 1694 (c-b-e).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from asciimap import AsciiMap, geodesic

from routing import Router

EXACT = 1e-6

QUERY = """
a-------b-------e
|     /
|   /
| /
c-------d
"""
WAYS = {
    "abe": {"highway": "residential", "name": "Rua A"},
    "ac": {"highway": "residential"},
    "cb": {"highway": "residential", "name": "Diagonal"},
    "cd": {"highway": "residential"},
}


@pytest.fixture
def query(build):
    m = AsciiMap(QUERY, WAYS)
    net = build(m)
    return m, net, Router(net)


def test_hand_derived_distances_hold_on_the_drawing(query) -> None:
    m, _, _ = query
    assert m.length("cb") == pytest.approx(math.hypot(800, 400), abs=0.02)
    assert m.length("acb") > m.length("ab")
    assert m.length("bac") > m.length("bc")
    assert m.length("bacd") > m.length("bcd")


def test_node_path(query) -> None:
    m, net, router = query
    i = {k: m.node_index(net, k) for k in "abcde"}
    for start, end, path in [("a", "d", "acd"), ("b", "d", "bcd"), ("e", "d", "ebcd")]:
        cost, nodes = router.node_path(i[start], i[end])
        assert m.names(net, nodes) == path
        assert cost == pytest.approx(m.length(path), abs=EXACT)
    assert router.node_path(i["a"], i["a"]) == (0.0, [i["a"]])


def test_cost_matrix_between_nodes(query) -> None:
    m, _, router = query
    origins = [m.lonlat("a"), m.lonlat("e")]
    destinations = [m.lonlat(k) for k in "dbca"]
    expected = [
        [m.length("acd"), m.length("ab"), m.length("ac"), 0.0],
        [m.length("ebcd"), m.length("eb"), m.length("ebc"), m.length("eba")],
    ]
    matrix = router.cost_matrix(origins, destinations)
    assert matrix.shape == (2, 4)
    np.testing.assert_allclose(matrix, expected, rtol=0, atol=EXACT)
    np.testing.assert_allclose(
        router.costs_from(m.lonlat("e"), destinations), expected[1], rtol=0, atol=EXACT
    )


def test_cost_matrix_agrees_with_routes(query) -> None:
    m, _, router = query
    points = [m.lonlat(k) for k in "abcde"]
    matrix = router.cost_matrix(points, points)
    for i, p in enumerate(points):
        for j, q in enumerate(points):
            assert matrix[i, j] == pytest.approx(router.route(p, q).length_m, abs=EXACT)
    np.testing.assert_allclose(matrix, matrix.T, rtol=0, atol=EXACT)  # walking is symmetric


def test_cost_matrix_to_points_in_the_middle_of_edges(query) -> None:
    m, _, router = query
    mid_cd = m.along("c", "d", 0.5)
    mid_ab = m.along("a", "b", 0.5)
    matrix = router.cost_matrix([m.lonlat("a"), mid_ab], [mid_cd, mid_ab])
    snap_cd, snap_ab = router.snap(mid_cd), router.snap(mid_ab)
    assert matrix[0, 0] == pytest.approx(m.length("ac") + snap_cd.offset_m, abs=EXACT)
    assert matrix[0, 0] == pytest.approx(m.length("ac") + m.length("cd") / 2, abs=0.05)
    assert matrix[0, 1] == pytest.approx(snap_ab.offset_m, abs=EXACT)
    assert matrix[1, 1] == pytest.approx(0.0, abs=EXACT)
    # from the middle of a-b to the middle of c-d: back to a is 400 m, on to b and down the
    # diagonal is 400 + 894 m
    assert matrix[1, 0] == pytest.approx(
        snap_ab.offset_m + m.length("ac") + snap_cd.offset_m, abs=EXACT
    )


def test_nearest_facility(query) -> None:
    m, net, router = query
    cost, facility = router.nearest_facility([m.lonlat("b"), m.lonlat("c")])
    expected = {
        "a": (m.length("ac"), 1),
        "b": (0.0, 0),
        "c": (0.0, 1),
        "d": (m.length("dc"), 1),
        "e": (m.length("eb"), 0),
    }
    for k, (c, f) in expected.items():
        i = m.node_index(net, k)
        assert cost[i] == pytest.approx(c, abs=EXACT), k
        assert facility[i] == f, k


def test_nearest_facility_limit(query) -> None:
    m, net, router = query
    cost, facility = router.nearest_facility([m.lonlat("b")], limit=1000.0)
    beyond = {k for k in "abcde" if facility[m.node_index(net, k)] == -1}
    assert beyond == {"d"}  # 1694 m
    assert cost[m.node_index(net, "d")] == math.inf
    assert cost[m.node_index(net, "c")] == pytest.approx(m.length("bc"), abs=EXACT)


def test_nearest_facility_in_the_middle_of_an_edge(query) -> None:
    m, net, router = query
    point = m.along("c", "d", 0.25)
    cost, facility = router.nearest_facility([point])
    snap = router.snap(point)
    assert cost[m.node_index(net, "c")] == pytest.approx(snap.offset_m, abs=EXACT)
    assert cost[m.node_index(net, "d")] == pytest.approx(m.length("cd") - snap.offset_m, abs=EXACT)
    assert cost[m.node_index(net, "a")] == pytest.approx(m.length("ac") + snap.offset_m, abs=EXACT)
    assert set(facility.tolist()) == {0}


def test_reachable_within_a_limit(query) -> None:
    m, net, router = query
    nodes, costs = router.reachable(m.lonlat("a"), 1000.0)
    assert m.names(net, nodes) == "acb"
    np.testing.assert_allclose(costs, [0.0, m.length("ac"), m.length("ab")], rtol=0, atol=EXACT)
    nodes, _ = router.reachable(m.lonlat("a"), 1250.0)
    assert m.names(net, nodes) == "acbd"
    nodes, _ = router.reachable(m.lonlat("a"), math.inf)
    assert m.names(net, nodes) == "acbde"


def test_reachable_from_the_middle_of_an_edge(query) -> None:
    m, net, router = query
    start = m.along("a", "b", 0.3)
    nodes, costs = router.reachable(start, 2000.0)
    to_a = router.snap(start).offset_m
    assert to_a == pytest.approx(240.0, abs=0.05)
    to_b = m.length("ab") - to_a
    assert m.names(net, nodes) == "abced"
    expected = [to_a, to_b, to_a + m.length("ac"), to_b + m.length("be"), to_a + m.length("acd")]
    np.testing.assert_allclose(costs, expected, rtol=0, atol=EXACT)
    assert geodesic(start, m.lonlat("a")) == pytest.approx(to_a, abs=0.05)


# ---------------------------------------------------------------------- directed (drive)
def test_directed_queries_in_drive(build) -> None:
    """With a-b one-way (a -> b), costs *to* a facility differ from costs *from* it."""
    m = AsciiMap(QUERY, {**WAYS, "abe": {"highway": "residential", "oneway": "yes"}})
    net = build(m, "drive")
    router = Router(net)
    a, b = m.lonlat("a"), m.lonlat("b")
    matrix = router.cost_matrix([a, b], [a, b])
    np.testing.assert_allclose(
        matrix, [[0.0, m.length("ab")], [m.length("bca"), 0.0]], rtol=0, atol=EXACT
    )
    cost, _ = router.nearest_facility([a])
    assert cost[m.node_index(net, "b")] == pytest.approx(m.length("bca"), abs=EXACT)
    assert cost[m.node_index(net, "e")] == math.inf  # e is a one-way dead end
    nodes, costs = router.reachable(a, math.inf)
    assert m.names(net, nodes) == "acbde"
    np.testing.assert_allclose(
        costs,
        [0.0, m.length("ac"), m.length("ab"), m.length("acd"), m.length("abe")],
        rtol=0,
        atol=EXACT,
    )
