"""Risk zones on ASCII maps: avoid zones closed, soft penalties traded against detours.

The maps are a direct street ``a-b`` and a detour ``a-c-d-b`` of known extra length. Zones are
boxes in grid cells (fractional columns and rows) turned into lon/lat with the map's own
projection, so that the metres of street inside a zone are known by construction: a box from
column ``x0`` to ``x1`` across an east-west street covers ``(x1 - x0) * spacing`` metres of it
(to a few centimetres). Expected lengths come from ``AsciiMap.length`` (``pyproj.Geod``).
"""

from __future__ import annotations

import numpy as np
import pytest
from asciimap import AsciiMap
from shapely.geometry import Polygon

from geomap.errors import NoRouteError
from routing.costs import CostParams, RiskZone
from routing.safe import LEVEL_SCORE, NoSafeRouteError, SafeRouter

SPEED = 4.5 / 3.6  # m/s, the default walking speed
CM = 0.05  # metres: zone boundaries are straight in lon/lat, the grid is not quite
ROUNDED = 0.1  # exposure summaries are rounded to 0.1 m
RESIDENTIAL = {"highway": "residential"}


def box(m: AsciiMap, col0: float, row0: float, col1: float, row1: float) -> Polygon:
    """A zone covering grid cells ``col0..col1`` by ``row0..row1`` (fractional), in lon/lat."""
    corners = [(col0, row0), (col1, row0), (col1, row1), (col0, row1)]
    return Polygon([m.grid_point(c, r) for c, r in corners])


def detour_map(depth: float, width: int = 10) -> AsciiMap:
    """``a-b`` straight (``width`` cells of 100 m), detour ``a-c-d-b`` ``depth`` cells south."""
    return AsciiMap(
        "a" + "-" * (width - 1) + "b",
        {"ab": RESIDENTIAL, "ac": RESIDENTIAL, "cd": RESIDENTIAL, "db": RESIDENTIAL},
        positions={"c": (0, depth), "d": (width, depth)},
    )


def route_ab(router: SafeRouter, m: AsciiMap, **kw):
    return router.safe_route(m.lonlat("a"), m.lonlat("b"), **kw)


# ---------------------------------------------------------------------- avoid zones
@pytest.mark.parametrize("depth", [0.5, 5, 50, 150])
def test_avoid_zone_is_never_entered_whatever_the_detour(build, depth: float) -> None:
    """A 100 m avoid zone on the 1 km direct street: the detour is taken, even 31 km long."""
    m = detour_map(depth)
    net = build(m)
    zone = RiskZone("Z-avoid", box(m, 4.5, -0.25, 5.5, 0.25), "avoid", "armed_groups")
    answer = route_ab(SafeRouter(net, zones=[zone]), m)
    best = answer.routes[0]
    assert m.trace(best.route.coords) == "acdb"
    assert best.route.length_m == pytest.approx(m.length("acdb"), abs=1e-6)
    assert m.length("acdb") - m.length("ab") == pytest.approx(200 * depth, abs=CM)
    assert best.exposure["by_level_m"]["avoid"] == 0
    assert best.exposure["in_zones_m"] == 0
    assert best.exposure["avoid_zones_crossed"] == []
    assert best.crosses_avoid is False
    assert best.risk_score == 0
    # the plain shortest route, reported beside it, goes through the zone
    assert m.trace(answer.shortest.route.coords) == "ab"
    assert answer.shortest.crosses_avoid is True
    assert answer.shortest.exposure["avoid_zones_crossed"] == ["Z-avoid"]
    assert answer.shortest.exposure["by_level_m"]["avoid"] == pytest.approx(100, abs=ROUNDED)
    assert answer.shortest.exposure["by_type_m"] == {
        "armed_groups": pytest.approx(100, abs=ROUNDED)
    }


def test_avoid_zone_only_touching_a_street_still_closes_it(build) -> None:
    """A zone that covers a few centimetres of the direct street closes all of it."""
    m = detour_map(3)
    net = build(m)
    # the zone lies north of a-b and reaches 0.0005 cells (5 cm) across it
    zone = RiskZone("Z-edge", box(m, 4.0, -2.0, 6.0, 0.0005), "avoid")
    best = route_ab(SafeRouter(net, zones=[zone]), m).routes[0]
    assert m.trace(best.route.coords) == "acdb"


# ---------------------------------------------------------------------- soft penalties
# Direct a-b: 1000 m, of which X = 300 m inside the zone (columns 3.5 to 6.5). Detour a-c-d-b:
# D = 800 m longer (4 cells south and back). Cost in metres of walking: direct 1000 + X (m - 1),
# detour 1000 + D: the detour is taken iff D < X (m - 1), i.e. iff m > 1 + 800 / 300 = 3.667.
X = 300.0
DEPTH = 4


@pytest.mark.parametrize(
    ("level", "multipliers", "detour"),
    [
        ("high", {"high": 4.0, "medium": 2.0, "low": 1.3}, True),  # penalty 900 > 800
        ("high", {"high": 3.7, "medium": 2.0, "low": 1.3}, True),  # penalty 810 > 800
        ("high", {"high": 3.6, "medium": 2.0, "low": 1.3}, False),  # penalty 780 < 800
        ("medium", {"high": 4.0, "medium": 2.0, "low": 1.3}, False),  # 300 < 800
        ("medium", {"high": 4.0, "medium": 3.7, "low": 1.3}, True),  # 810 > 800
        ("low", {"high": 4.0, "medium": 2.0, "low": 1.3}, False),  # 90 < 800
        ("low", {"high": 4.0, "medium": 2.0, "low": 3.6}, False),  # 780 < 800
        ("low", {"high": 4.0, "medium": 2.0, "low": 3.7}, True),  # 810 > 800
    ],
)
def test_soft_penalty_detours_only_when_the_detour_is_cheaper(
    build, level: str, multipliers: dict[str, float], detour: bool
) -> None:
    m = detour_map(DEPTH)
    net = build(m)
    zone = RiskZone("Z", box(m, 3.5, -0.5, 6.5, 0.5), level, "crime_hotspot")
    params = CostParams(multipliers=multipliers)
    answer = route_ab(SafeRouter(net, zones=[zone], params=params), m)
    best = answer.routes[0]
    mult = multipliers[level]
    extra = m.length("acdb") - m.length("ab")
    assert extra == pytest.approx(DEPTH * 200, abs=CM)
    penalty = X * (mult - 1)
    assert (extra < penalty) is detour  # the construction, checked independently
    assert abs(extra - penalty) > 9  # far from a tie
    if detour:
        assert m.trace(best.route.coords) == "acdb"
        assert best.route.length_m == pytest.approx(m.length("acdb"), abs=1e-6)
        assert best.route.cost == pytest.approx(m.length("acdb") / SPEED, abs=1e-6)
        assert best.exposure["in_zones_m"] == 0
        assert best.exposure["by_level_m"][level] == 0
    else:
        assert m.trace(best.route.coords) == "ab"
        assert best.route.length_m == pytest.approx(m.length("ab"), abs=1e-6)
        assert best.route.cost == pytest.approx((m.length("ab") + penalty) / SPEED, abs=CM)
        assert best.exposure["by_level_m"][level] == pytest.approx(X, abs=ROUNDED)
        assert best.exposure["in_zones_m"] == pytest.approx(X, abs=ROUNDED)
        assert best.exposure["by_type_m"] == {"crime_hotspot": pytest.approx(X, abs=ROUNDED)}
        assert best.risk_score == pytest.approx(LEVEL_SCORE[level] * X / 1000, abs=1e-3)
    # the duration is plain walking time, whatever the penalties
    assert best.route.duration_s == pytest.approx(best.route.length_m / SPEED, abs=1e-6)
    # the plain shortest route always goes straight through
    assert m.trace(answer.shortest.route.coords) == "ab"
    assert answer.shortest.exposure["by_level_m"][level] == pytest.approx(X, abs=ROUNDED)


def test_overlapping_zones_add_their_penalties(build) -> None:
    """Two medium zones over the same 300 m: 2 x 300 x (2 - 1) = 600 < 800, then a third: 900."""
    m = detour_map(DEPTH)
    net = build(m)
    zones = [RiskZone(f"Z{i}", box(m, 3.5, -0.5 - i, 6.5, 0.5 + i), "medium") for i in range(3)]
    two = route_ab(SafeRouter(net, zones=zones[:2]), m).routes[0]
    assert m.trace(two.route.coords) == "ab"
    assert two.exposure["by_level_m"]["medium"] == pytest.approx(2 * X, abs=ROUNDED)
    three = route_ab(SafeRouter(net, zones=zones), m).routes[0]
    assert m.trace(three.route.coords) == "acdb"


def test_exposure_metres_of_a_zone_over_part_of_an_edge(build) -> None:
    """A zone from column 2.25 to 7.0 covers 475 m of a-b; one ending inside a-c adds 150 m."""
    m = detour_map(DEPTH)
    net = build(m)
    zones = [
        RiskZone("Z1", box(m, 2.25, -0.5, 7.0, 0.5), "low", "flooding_landslide"),
        RiskZone("Z2", box(m, -0.5, 1.0, 0.5, 2.5), "low", "other"),  # on a-c only
    ]
    router = SafeRouter(net, zones=zones, params=CostParams(multipliers={"low": 1.0}))
    answer = route_ab(router, m)
    assert m.trace(answer.routes[0].route.coords) == "ab"
    assert answer.routes[0].exposure["by_type_m"] == {
        "flooding_landslide": pytest.approx(475, abs=ROUNDED)
    }
    around = router.safe_route(m.lonlat("a"), m.lonlat("c"))
    assert m.trace(around.routes[0].route.coords) == "ac"
    assert around.routes[0].exposure["by_type_m"] == {"other": pytest.approx(150, abs=ROUNDED)}
    assert around.routes[0].exposure["by_level_m"]["low"] == pytest.approx(150, abs=ROUNDED)


# ---------------------------------------------------------------------- no safe route
# a-b and b-c are two ways of 600 m, c-d one of 300 m; the zone covers columns 7.5 to 9.5 of
# b-c (200 m).
LINE = "a-----b-----c"
CUT = "a-----b-----c--d"


def test_no_safe_route_when_an_avoid_zone_cuts_the_only_way(build) -> None:
    m = AsciiMap(CUT, {"ab": RESIDENTIAL, "bc": RESIDENTIAL, "cd": RESIDENTIAL})
    net = build(m)
    zone = RiskZone("Z-cut", box(m, 7.5, -1.0, 9.5, 1.0), "avoid", "armed_groups")
    router = SafeRouter(net, zones=[zone])
    with pytest.raises(NoSafeRouteError) as info:
        router.safe_route(m.lonlat("a"), m.lonlat("d"))
    err = info.value
    assert isinstance(err, NoRouteError)
    assert str(err) == (
        "no route avoids the 'avoid' zones between these points; the least-risk route crosses Z-cut"
    )
    least = err.least_risk
    assert least is not None
    assert m.trace(least.route.coords) == "abcd"
    assert least.route.length_m == pytest.approx(m.length("abcd"), abs=1e-6)
    assert least.crosses_avoid is True
    assert least.exposure["avoid_zones_crossed"] == ["Z-cut"]
    assert least.exposure["by_level_m"]["avoid"] == pytest.approx(200, abs=ROUNDED)
    assert least.exposure["by_type_m"] == {"armed_groups": pytest.approx(200, abs=ROUNDED)}
    assert least.risk_score == pytest.approx(LEVEL_SCORE["avoid"] * 200 / 1000, abs=0.01)
    # a trip that stays off the closed street is still answered
    ok = router.safe_route(m.lonlat("a"), m.along("a", "b", 0.5))
    assert m.trace(ok.routes[0].route.coords) == "a*"
    assert ok.routes[0].crosses_avoid is False


def test_exposure_of_a_partly_travelled_street_counts_where_the_zone_is(build) -> None:
    """a..c is one 1200 m segment (b is a shape point); the zone covers columns 1 to 3."""
    m = AsciiMap(LINE, {"abc": RESIDENTIAL})
    net = build(m)
    zone = RiskZone("Z", box(m, 1.0, -1.0, 3.0, 1.0), "high")
    router = SafeRouter(net, zones=[zone], params=CostParams(multipliers={"high": 1.0}))
    into = router.safe_route(m.lonlat("a"), m.lonlat("b")).routes[0]
    assert m.trace(into.route.coords) == "ab"
    away = router.safe_route(m.lonlat("b"), m.lonlat("c")).routes[0]
    assert m.trace(away.route.coords) == "bc"
    assert (into.exposure["by_level_m"]["high"], away.exposure["by_level_m"]["high"]) == (
        pytest.approx(200, abs=ROUNDED),
        0,
    )


# a..c is one 1200 m segment (b is a shape point), the way round a-d-e-c 1400 m. A high zone
# (x4) covers columns 0.5 to 5.5, i.e. 500 m of a-b. To b: straight on costs 600 + 500 x 3 =
# 2100 m of walking, round by d-e-c and back along c-b 2000 m (none of it in the zone).
ROUND = """
a-----b-----c
d-----------e
"""


def test_route_to_the_middle_of_a_street_weighs_the_zone_where_it_is(build) -> None:
    m = AsciiMap(ROUND, {"abc": RESIDENTIAL, "adec": RESIDENTIAL})
    net = build(m)
    zone = RiskZone("Z", box(m, 0.5, -0.5, 5.5, 0.5), "high")
    assert m.length("adecb") < m.length("ab") + 500 * 3 - 90
    best = SafeRouter(net, zones=[zone]).safe_route(m.lonlat("a"), m.lonlat("b")).routes[0]
    assert m.trace(best.route.coords) == "adecb"


# Two ways from a to b, both cut: the upper one crosses 200 m of avoid zone, the lower one
# 50 m. Whatever large finite cost the avoid metres are given, the lower way is least risky.
# The trip runs from x to y, on open streets leading to a and b.
TWO_CUT = """
x--a----------b--y
   |          |
   c----------d
"""


def two_cut_map() -> AsciiMap:
    return AsciiMap(
        TWO_CUT, {"xa": RESIDENTIAL, "ab": RESIDENTIAL, "acdb": RESIDENTIAL, "by": RESIDENTIAL}
    )


def test_least_risk_route_crosses_the_fewest_avoid_metres(build) -> None:
    m = two_cut_map()
    net = build(m)
    zones = [
        RiskZone("Z-upper", box(m, 7.0, -0.5, 9.0, 0.5), "avoid"),
        RiskZone("Z-lower", box(m, 7.75, 1.5, 8.25, 2.5), "avoid"),
    ]
    with pytest.raises(NoSafeRouteError) as info:
        SafeRouter(net, zones=zones).safe_route(m.lonlat("x"), m.lonlat("y"))
    least = info.value.least_risk
    assert least is not None
    assert m.trace(least.route.coords) == "xacdby"
    assert least.route.length_m == pytest.approx(m.length("xacdby"), abs=1e-6)
    assert least.exposure["avoid_zones_crossed"] == ["Z-lower"]
    assert least.exposure["by_level_m"]["avoid"] == pytest.approx(50, abs=ROUNDED)
    assert "Z-lower" in str(info.value)
    assert "Z-upper" not in str(info.value)


def test_no_safe_route_between_two_points_of_one_closed_street(build) -> None:
    """Both ends on the single segment a..c (b is a shape point); the zone lies between them."""
    m = AsciiMap(LINE, {"abc": RESIDENTIAL})
    net = build(m)
    zone = RiskZone("Z-cut", box(m, 7.5, -1.0, 9.5, 1.0), "avoid")
    router = SafeRouter(net, zones=[zone])
    with pytest.raises(NoSafeRouteError) as info:
        router.safe_route(m.along("a", "b", 0.1), m.along("b", "c", 0.8))
    least = info.value.least_risk
    assert least is not None
    assert least.exposure["avoid_zones_crossed"] == ["Z-cut"]


def test_route_from_a_junction_that_snapped_onto_a_closed_street(build) -> None:
    """b joins a-b and b-c; whichever street b snaps onto is closed, the other one is open."""
    m = AsciiMap(LINE, {"ab": RESIDENTIAL, "bc": RESIDENTIAL})
    net = build(m)
    snap = SafeRouter(net).plain.snap(m.lonlat("b"))
    closed = m.names(net, [net.seg_u[snap.segment], net.seg_v[snap.segment]])
    assert closed in {"ab", "bc"}
    far, cols = ("c", (2.5, 3.5)) if closed == "ab" else ("a", (8.5, 9.5))
    zone = RiskZone("Z", box(m, cols[0], -1.0, cols[1], 1.0), "avoid")
    best = SafeRouter(net, zones=[zone]).safe_route(m.lonlat("b"), m.lonlat(far)).routes[0]
    assert m.trace(best.route.coords) == "b" + far
    assert best.route.length_m == pytest.approx(600, abs=CM)
    assert best.crosses_avoid is False


# ---------------------------------------------------------------------- shortest beside
def test_comparison_with_the_plain_shortest_route(build) -> None:
    m = detour_map(7)
    net = build(m)
    zone = RiskZone("Z", box(m, 4.5, -0.5, 5.5, 0.5), "avoid")
    answer = route_ab(SafeRouter(net, zones=[zone]), m)
    extra = m.length("acdb") - m.length("ab")
    assert extra == pytest.approx(1400, abs=CM)
    comparison = answer.comparison()
    assert comparison["extra_length_m"] == pytest.approx(extra, abs=0.05 + 1e-9)
    assert comparison["extra_minutes"] == pytest.approx(extra / SPEED / 60, abs=0.05 + 1e-9)
    assert comparison["metres_in_risk_zones_avoided"] == pytest.approx(100, abs=ROUNDED)
    assert comparison["risk_score_reduction"] == pytest.approx(
        LEVEL_SCORE["avoid"] * 100 / 1000, abs=0.05 + 1e-9
    )
    assert m.trace(answer.shortest.route.coords) == "ab"
    assert answer.shortest.route.length_m == pytest.approx(m.length("ab"), abs=1e-6)


def test_without_zones_the_safe_route_is_the_shortest(build) -> None:
    m = detour_map(2)
    net = build(m)
    answer = route_ab(SafeRouter(net), m)
    best, short = answer.routes[0], answer.shortest
    assert m.trace(best.route.coords) == m.trace(short.route.coords) == "ab"
    assert best.route.length_m == short.route.length_m
    assert best.route.length_m == pytest.approx(m.length("ab"), abs=1e-6)
    assert best.risk_score == short.risk_score == 0
    assert answer.comparison() == {
        "extra_length_m": 0,
        "extra_minutes": 0,
        "risk_score_reduction": 0,
        "metres_in_risk_zones_avoided": 0,
    }
    assert answer.night is False


# ---------------------------------------------------------------------- alternatives
# Exactly three ways from a to b: the top street (1000 m, 100 m of it in a high zone), the
# middle one a-c-d-b (1200 m) and the bottom one a-c-e-f-d-b (1600 m). Ranked by risk then
# time: middle, bottom, top (the top is the fastest but the only risky one). Any two of them
# share at most a-c and d-b (400 m), a third of the shortest.
THREE = """
a---------b
|         |
c---------d
|         |
e---------f
"""
THREE_DEEP = """
a---------b
|         |
c---------d
|         |
|         |
e---------f
"""
THREE_WAYS = ("ab", "ac", "cd", "db", "ce", "ef", "fd")


def test_three_alternatives_are_distinct_and_ranked_by_risk_then_time(build) -> None:
    m = AsciiMap(THREE, dict.fromkeys(THREE_WAYS, RESIDENTIAL))
    net = build(m)
    zone = RiskZone("Z-high", box(m, 4.5, -0.5, 5.5, 0.5), "high", "trafficking_smuggling")
    answer = route_ab(SafeRouter(net, zones=[zone]), m, alternatives=3)
    traces = [m.trace(r.route.coords) for r in answer.routes]
    assert traces == ["acdb", "acefdb", "ab"]
    assert [r.route.length_m for r in answer.routes] == [
        pytest.approx(m.length("acdb"), abs=1e-6),
        pytest.approx(m.length("acefdb"), abs=1e-6),
        pytest.approx(m.length("ab"), abs=1e-6),
    ]
    assert [r.risk_score for r in answer.routes] == [
        0,
        0,
        pytest.approx(LEVEL_SCORE["high"] * 100 / 1000, abs=1e-3),
    ]
    assert [r.exposure["by_level_m"]["high"] for r in answer.routes] == [
        0,
        0,
        pytest.approx(100, abs=ROUNDED),
    ]
    assert [r.exposure["by_type_m"] for r in answer.routes] == [
        {},
        {},
        {"trafficking_smuggling": pytest.approx(100, abs=ROUNDED)},
    ]
    keys = [(r.risk_score, r.route.duration_s) for r in answer.routes]
    assert keys == sorted(keys)
    assert m.trace(answer.shortest.route.coords) == "ab"


def test_three_alternatives_when_the_third_way_is_much_longer(build) -> None:
    """As above with the bottom way 2 cells further south (a-c-e-f-d-b: 2000 m)."""
    m = AsciiMap(THREE_DEEP, dict.fromkeys(THREE_WAYS, RESIDENTIAL))
    assert m.length("acefdb") == pytest.approx(2000, abs=CM)
    net = build(m)
    zone = RiskZone("Z-high", box(m, 4.5, -0.5, 5.5, 0.5), "high")
    answer = route_ab(SafeRouter(net, zones=[zone]), m, alternatives=3)
    assert [m.trace(r.route.coords) for r in answer.routes] == ["acdb", "acefdb", "ab"]


def test_alternatives_never_repeat_a_route(build) -> None:
    """With only two ways, asking for three gives two distinct routes, not a repeat."""
    m = two_cut_map()
    net = build(m)
    answer = SafeRouter(net).safe_route(m.lonlat("x"), m.lonlat("y"), alternatives=3)
    assert [m.trace(r.route.coords) for r in answer.routes] == ["xaby", "xacdby"]


# ---------------------------------------------------------------------- layer versions
def test_set_zones_with_a_new_version_changes_routes_and_caches_routers(build) -> None:
    """One router per weight slot: a new layer version re-weights it in place."""
    m = detour_map(3)
    net = build(m)
    router = SafeRouter(net, layer_version=1)
    day = router.router(night=False)
    assert router.router(night=False) is day  # same version: the same object
    assert router.router(night=False, when=None) is day
    assert m.trace(route_ab(router, m).routes[0].route.coords) == "ab"
    assert router.router(night=False) is day  # queries reuse it
    plain = router.plain

    zone = RiskZone("Z", box(m, 4.5, -0.5, 5.5, 0.5), "avoid")
    before = day.version
    router.set_zones([zone], layer_version=2)
    assert router.layer_version == 2
    v2 = router.router(night=False)
    assert v2 is day  # the same compiled network and hierarchy, new weights
    assert v2.version == before + 1
    assert np.isinf(v2.weights).sum() == 2  # the street through the zone, both ways
    answer = route_ab(router, m)
    assert m.trace(answer.routes[0].route.coords) == "acdb"
    assert router.router(night=False) is v2
    assert router.plain is plain  # the plain shortest-path router does not depend on zones

    router.set_zones([], layer_version=3)
    assert m.trace(route_ab(router, m).routes[0].route.coords) == "ab"
