"""Snapping onto the middle of edges, and routes that start or end there.

Points are placed with ``pyproj.Geod`` (``AsciiMap.along`` / ``moved``): a perpendicular offset
from the geodesic midpoint of an edge. ``*`` in a trace is a route vertex that is no map node
(the snapped origin or destination).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from asciimap import AsciiMap, geodesic, moved

from routing import Router

EXACT = 1e-6
CM = 0.01

# a-b runs along a meridian, 1000 m (5 cells of 200 m); b-c along a parallel, 1600 m.
ELL = """
a
|
|
|
|
b-------c
"""


@pytest.fixture
def ell(build):
    m = AsciiMap(
        ELL, {"ab": {"highway": "residential"}, "bc": {"highway": "residential"}}, spacing=200
    )
    return m, build(m)


@pytest.mark.parametrize("side", [90, -90])
@pytest.mark.parametrize("offset", [0.5, 30.0, 120.0])
def test_point_beside_the_middle_of_an_edge_snaps_onto_it(ell, side: float, offset: float) -> None:
    m, net = ell
    mid = m.along("a", "b", 0.5)
    query = moved(mid, m.azimuth("a", "b") + side, offset)
    snap = Router(net).snap(query)
    assert m.names(net, [net.seg_u[snap.segment], net.seg_v[snap.segment]]) == "ab"
    assert snap.distance_m == pytest.approx(offset, abs=CM)
    assert snap.distance_m == pytest.approx(geodesic(query, (snap.lon, snap.lat)), abs=EXACT)
    assert geodesic((snap.lon, snap.lat), mid) < CM
    assert snap.offset_m == pytest.approx(m.length("ab") / 2, abs=CM)
    assert snap.query == query


def test_point_beside_the_middle_of_an_east_west_edge() -> None:
    """Along a parallel the snapped point is off the geodesic by the lon/lat chord's bulge.

    The router places a snapped point by linear interpolation in lon/lat; at lat -30 the middle
    of a 2 km east-west chord is about 4.5 cm from the geodesic (growing with the square of the
    length). Offsets along the edge stay exact.
    """
    from routing import build_network
    from routing.osm import osm_from_overpass

    m = AsciiMap("a-------------------b", {"ab": {"highway": "residential"}})
    net = build_network(osm_from_overpass([m.overpass()]))
    mid = m.along("a", "b", 0.5)
    query = moved(mid, m.azimuth("a", "b") + 90, 30.0)
    snap = Router(net).snap(query)
    assert snap.offset_m == pytest.approx(m.length("ab") / 2, abs=CM)
    assert snap.distance_m == pytest.approx(30.0, abs=0.05)
    assert geodesic((snap.lon, snap.lat), mid) < 0.05


def test_route_from_the_middle_of_an_edge_has_the_partial_length(ell) -> None:
    m, net = ell
    query = moved(m.along("a", "b", 0.5), 90, 30.0)
    router = Router(net)
    route = router.route(query, m.lonlat("c"))
    snap = route.origin
    assert m.trace(route.coords) == "*bc"
    assert tuple(route.coords[0]) == (snap.lon, snap.lat)
    assert route.length_m == pytest.approx(
        m.length("ab") - snap.offset_m + m.length("bc"), abs=EXACT
    )
    assert route.length_m == pytest.approx(m.length("ab") / 2 + m.length("bc"), abs=CM)
    assert route.length_m == pytest.approx(
        geodesic(route.coords[0], m.lonlat("b")) + m.length("bc"), abs=CM
    )
    assert [s["length_m"] for s in route.steps] == [pytest.approx(route.length_m, abs=EXACT)]
    # and back: the route ends on the snapped point
    back = router.route(m.lonlat("c"), query)
    assert m.trace(back.coords) == "cb*"
    assert tuple(back.coords[-1]) == (snap.lon, snap.lat)
    assert back.length_m == pytest.approx(route.length_m, abs=EXACT)


def test_route_towards_the_dead_end_side(ell) -> None:
    m, net = ell
    query = moved(m.along("a", "b", 0.25), 270, 10.0)
    route = Router(net).route(query, m.lonlat("a"))
    assert m.trace(route.coords) == "*a"
    assert route.length_m == pytest.approx(route.origin.offset_m, abs=EXACT)
    assert route.length_m == pytest.approx(m.length("ab") / 4, abs=CM)


def test_snap_on_a_way_with_shape_points() -> None:
    """On a segment of several straight pieces the offset counts the pieces before."""
    m = AsciiMap(
        """
        a---x---y-------b
        """,
        {"axyb": {"highway": "residential"}},
    )
    from routing import build_network
    from routing.osm import osm_from_overpass

    net = build_network(osm_from_overpass([m.overpass()]))
    assert net.n_nodes == 2  # x and y are shape points
    query = moved(m.along("y", "b", 0.5), 0, 20.0)
    snap = Router(net).snap(query)
    assert snap.offset_m == pytest.approx(m.length("axy") + m.length("yb") / 2, abs=CM)
    assert snap.distance_m == pytest.approx(20.0, abs=0.05)  # y-b is 800 m along a parallel
    route = Router(net).route(query, m.lonlat("a"))
    assert m.trace(route.coords) == "*yxa"
    assert route.length_m == pytest.approx(snap.offset_m, abs=EXACT)


# ---------------------------------------------------------------------- same edge
# a-b: 2000 m along a parallel; the way round b-d-c-a is 2200 m.
SAME = """
a-------------------b
|                   |
c-------------------d
"""


def same_map(ab: dict[str, str]) -> AsciiMap:
    return AsciiMap(SAME, {"ab": ab, "bdca": {"highway": "residential"}})


def quarter_points(m: AsciiMap) -> tuple[tuple[float, float], tuple[float, float]]:
    az = m.azimuth("a", "b")
    return moved(m.along("a", "b", 0.25), az - 90, 15.0), moved(
        m.along("a", "b", 0.75), az - 90, 15.0
    )


@pytest.mark.parametrize("profile", ["walk", "drive"])
def test_origin_and_destination_on_the_same_edge_both_ways(build, profile: str) -> None:
    m = same_map({"highway": "residential"})
    net = build(m, profile)
    router = Router(net)
    p, q = quarter_points(m)
    there = router.route(p, q)
    back = router.route(q, p)
    for route in (there, back):
        assert m.trace(route.coords) == "**"
        assert route.nodes == []
        assert len(route.edges) == 1
        assert route.origin.segment == route.destination.segment
        assert route.length_m == pytest.approx(
            abs(route.destination.offset_m - route.origin.offset_m), abs=EXACT
        )
        assert route.length_m == pytest.approx(m.length("ab") / 2, abs=0.1)
    assert there.length_m == pytest.approx(back.length_m, abs=EXACT)
    # opposite directed edges of the same segment
    assert net.edge_seg[there.edges[0]] == net.edge_seg[back.edges[0]]
    assert bool(net.edge_rev[there.edges[0]]) != bool(net.edge_rev[back.edges[0]])
    assert np.array_equal(there.coords, back.coords[::-1])


def test_same_oneway_edge_backwards_goes_round_the_block_in_drive(build) -> None:
    m = same_map({"highway": "residential", "oneway": "yes"})
    router = Router(build(m, "drive"))
    p, q = quarter_points(m)
    there = router.route(p, q)
    assert m.trace(there.coords) == "**"
    back = router.route(q, p)
    assert m.trace(back.coords) == "*bdca*"
    o, d = back.origin, back.destination
    assert back.length_m == pytest.approx(
        (m.length("ab") - o.offset_m) + m.length("bdca") + d.offset_m, abs=EXACT
    )
    assert back.length_m == pytest.approx(500 + 200 + 2000 + 200 + 500, abs=0.1)
    assert back.street_names == []


def test_walk_ignores_the_oneway_on_the_same_edge(build) -> None:
    m = same_map({"highway": "residential", "oneway": "yes"})
    router = Router(build(m, "walk"))
    p, q = quarter_points(m)
    back = router.route(q, p)
    assert m.trace(back.coords) == "**"
    assert back.length_m == pytest.approx(
        back.origin.offset_m - back.destination.offset_m, abs=EXACT
    )


def test_route_to_the_same_point_is_empty(build) -> None:
    m = same_map({"highway": "residential"})
    router = Router(build(m))
    p, _ = quarter_points(m)
    route = router.route(p, p)
    assert route.length_m == 0.0
    assert route.duration_s == 0.0
    assert m.trace(route.coords) == "**"


# ---------------------------------------------------------------------- points on junctions
# A point exactly on a junction node lies on every segment that meets there; the snap picks
# one of them. If it picks a one-way segment at the node where that segment is not allowed
# towards the node, the other streets of the junction become unusable. (a-c is one-way.)
JUNCTION = """
a-------b
|
|
c
"""


def test_drive_from_a_junction_where_a_oneway_street_leaves(build) -> None:
    m = AsciiMap(
        JUNCTION,
        {"ab": {"highway": "residential"}, "ac": {"highway": "residential", "oneway": "yes"}},
    )
    router = Router(build(m, "drive"))
    # observed: the origin snaps onto a->c at offset 0, Router._leave offers only c
    route = router.route(m.lonlat("a"), m.lonlat("b"))  # observed: NoRouteError
    assert route.length_m == pytest.approx(m.length("ab"), abs=EXACT)


def test_drive_to_a_junction_where_a_oneway_street_arrives(build) -> None:
    m = AsciiMap(
        JUNCTION,
        {"ab": {"highway": "residential"}, "ca": {"highway": "residential", "oneway": "yes"}},
    )
    router = Router(build(m, "drive"))
    # observed: the destination snaps onto c->a at its end, Router._arrive offers only c
    route = router.route(m.lonlat("b"), m.lonlat("a"))  # observed: NoRouteError
    assert route.length_m == pytest.approx(m.length("ba"), abs=EXACT)


def test_drive_reachable_from_a_junction_includes_the_junction(build) -> None:
    m = AsciiMap(
        JUNCTION,
        {"ab": {"highway": "residential"}, "ac": {"highway": "residential", "oneway": "yes"}},
    )
    net = build(m, "drive")
    nodes, costs = Router(net).reachable(m.lonlat("a"), math.inf)
    assert m.names(net, nodes) == "acb"  # observed: "c" only
    np.testing.assert_allclose(costs, [0.0, m.length("ac"), m.length("ab")], rtol=0, atol=EXACT)


def test_junction_with_two_way_streets_only_is_fine(build) -> None:
    m = AsciiMap(JUNCTION, {"ab": {"highway": "residential"}, "ac": {"highway": "residential"}})
    router = Router(build(m, "drive"))
    assert router.route(m.lonlat("a"), m.lonlat("b")).length_m == pytest.approx(
        m.length("ab"), abs=EXACT
    )
    assert router.route(m.lonlat("b"), m.lonlat("c")).length_m == pytest.approx(
        m.length("bac"), abs=EXACT
    )
