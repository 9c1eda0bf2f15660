"""Bugs seen at corridor scale, each drawn as a map whose answer is known by construction."""

from __future__ import annotations

import math

import numpy as np
import pytest
from asciimap import AsciiMap, geodesic, moved

from routing import Network, Router
from routing.errors import InvalidLimitError, PointTooFarError

EXACT = 1e-6

# ---------------------------------------------------------------------- antimeridian
# Four nodes 100 m apart across the antimeridian (Fiji): a and b east of it, c and d west, so
# the median longitude of the nodes is about 0, on the far side of the Earth.
ACROSS = """
a-b-c-d
"""


def across(build) -> tuple[AsciiMap, Network]:
    m = AsciiMap(
        ACROSS, {"abcd": {"highway": "residential"}}, spacing=50.0, origin=(179.9993, -17.7)
    )
    return m, build(m)


def test_the_map_really_crosses_the_antimeridian(build) -> None:
    m, net = across(build)
    assert m.lonlat("a")[0] > 179.9
    assert m.lonlat("d")[0] < -179.9
    west, _, east, _ = net.bbox
    assert west > 179.9
    assert east < -179.9


def test_a_point_15_m_from_a_node_across_the_antimeridian_snaps(build) -> None:
    m, net = across(build)
    point = moved(m.lonlat("c"), 0.0, 15.0)
    snap = Router(net).snap(point)
    assert snap.distance_m == pytest.approx(15.0, abs=0.01)
    assert geodesic((snap.lon, snap.lat), m.lonlat("c")) == pytest.approx(0.0, abs=0.01)
    assert net.covers([point[0]], [point[1]], max_snap_m=50).tolist() == [True]
    assert net.covers([0.0], [-17.7]).tolist() == [False]


def test_routes_across_the_antimeridian_have_the_drawn_length(build) -> None:
    m, net = across(build)
    route = Router(net).route(m.lonlat("a"), m.lonlat("d"))
    assert route.length_m == pytest.approx(m.length("abcd"), abs=EXACT)
    assert m.trace(route.coords) == "abcd"
    mid = m.along("b", "c", 0.5)
    half = Router(net).route(m.lonlat("a"), mid)
    assert half.length_m == pytest.approx(m.length("ab") + m.length("bc") / 2, abs=0.01)
    assert half.coords[-1][0] == pytest.approx(mid[0], abs=1e-7)


# ---------------------------------------------------------------------- ground level
# A footway tunnel d-x-e passes under the street a-b; its node x lies exactly on the street's
# line (drawn '+': the street has no node there). From x, the street reaches b in 400 m; the
# tunnel would go x-e-c-b, 800 m.
TUNNEL = """
    d
    |
a---+---b
    |   |
    e---c
"""
TUNNEL_WAYS = {
    "ab": {"highway": "residential", "name": "Rua de Cima"},
    "dxe": {"highway": "footway", "tunnel": "yes", "layer": "-1"},
    "ecb": {"highway": "footway"},
}


def test_a_point_on_both_a_tunnel_and_a_street_snaps_to_the_street(build) -> None:
    m = AsciiMap(TUNNEL, TUNNEL_WAYS, positions={"x": (4, 2)})
    net = build(m)
    router = Router(net)
    snap = router.snap(m.lonlat("x"))
    assert snap.distance_m == pytest.approx(0.0, abs=0.01)  # coordinates rounded to 1e-7 deg
    assert net.segment_attr("highway")[snap.segment] == "residential"
    route = router.route(m.lonlat("x"), m.lonlat("b"))
    assert route.length_m == pytest.approx(m.length("ab") / 2, abs=0.01)


def test_a_point_clearly_in_the_tunnel_still_snaps_to_it(build) -> None:
    m = AsciiMap(TUNNEL, TUNNEL_WAYS, positions={"x": (4, 2)})
    net = build(m)
    inside = m.along("x", "e", 0.6)  # 120 m down the tunnel, 120 m from the street
    snap = Router(net).snap(inside)
    assert net.segment_attr("tunnel")[snap.segment] == "yes"
    assert snap.distance_m == pytest.approx(0.0, abs=1e-3)


# A footbridge f-g 16 m north of the street h-i (cells of 4 m).
BRIDGE = """
f-------g



h-------i
"""


def test_ground_wins_within_the_penalty_and_a_bridge_beyond_it(build) -> None:
    ways = {"fg": {"highway": "footway", "bridge": "yes", "layer": "1"},
            "hi": {"highway": "residential"}}  # fmt: skip
    m = AsciiMap(BRIDGE, ways, spacing=4.0)
    net = build(m, retain_all=True)
    router = Router(net)
    on_bridge = m.along("f", "g", 0.5)  # 0 m from the bridge (+10 m), 16 m from the street
    snap = router.snap(on_bridge)
    assert net.segment_attr("highway")[snap.segment] == "footway"
    assert snap.distance_m == pytest.approx(0.0, abs=1e-3)
    below = moved(on_bridge, 180.0, 4.0)  # 4 m from the bridge (+10 m), 12 m from the street
    snap = router.snap(below)
    assert net.segment_attr("highway")[snap.segment] == "residential"
    assert snap.distance_m == pytest.approx(12.0, abs=0.01)  # the real distance is reported


# ---------------------------------------------------------------------- empty and bad input
LINE = """
a---b---c
"""


def test_nearest_facility_of_no_facility_is_infinite_everywhere(build) -> None:
    net = build(AsciiMap(LINE, {"abc": {"highway": "residential"}}))
    cost, facility = Router(net).nearest_facility([])
    assert cost.shape == (net.n_nodes,)
    assert np.isinf(cost).all()
    assert facility.shape == (net.n_nodes,)
    assert (facility == -1).all()


@pytest.mark.parametrize("limit", [-1.0, math.nan, "ten"])
def test_bad_limits_are_refused(build, limit) -> None:
    m = AsciiMap(LINE, {"abc": {"highway": "residential"}})
    router = Router(build(m))
    with pytest.raises(InvalidLimitError, match="limit"):
        router.reachable(m.lonlat("a"), limit)
    with pytest.raises(InvalidLimitError):
        router.node_costs([0], limit=limit)
    with pytest.raises(InvalidLimitError):
        router.nearest_facility([m.lonlat("b")], limit=limit)


def test_zero_limit_reaches_only_the_start(build) -> None:
    m = AsciiMap(LINE, {"abc": {"highway": "residential"}})
    net = build(m)
    nodes, costs = Router(net).reachable(m.lonlat("a"), 0.0)
    assert m.names(net, nodes) == "a"
    assert costs.tolist() == [0.0]


def test_snap_points_reports_far_points_instead_of_raising(build) -> None:
    m = AsciiMap(LINE, {"abc": {"highway": "residential"}})
    router = Router(build(m), max_snap_m=50.0)
    points = [m.lonlat("a"), moved(m.lonlat("b"), 0.0, 80.0), moved(m.lonlat("c"), 180.0, 30.0)]
    batch, near = router.snap_points(points)
    assert near.tolist() == [True, False, True]
    assert batch.distance_m[1] == pytest.approx(80.0, abs=0.01)
    assert batch.distance_m[2] == pytest.approx(30.0, abs=0.01)
    with pytest.raises(PointTooFarError, match="point 1"):
        router.snap_many(points)
