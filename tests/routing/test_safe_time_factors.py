"""Night mode, sidewalks and slopes: time factors that change which way is safest.

Every map is a direct way ``a-b`` of 1000 m and a detour ``a-c-d-b`` that is ``200 * depth``
metres longer. A factor ``f`` on the direct way makes it cost ``1000 f`` metres of walking; the
detour is taken iff ``1000 + D < 1000 f``. Expected costs are computed here from the formulas
of the cost model (Tobler's hiking function included), never read from the code under test.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import numpy as np
import pytest
from asciimap import AsciiMap
from shapely.geometry import Polygon

from routing.costs import CostParams, RiskZone
from routing.safe import SafeRouter

SPEED = 4.5 / 3.6  # m/s
CM = 0.05
ROUNDED = 0.1
RESIDENTIAL = {"highway": "residential"}
DAY = datetime(2024, 5, 15, 14, 0)  # a Wednesday
NIGHT = datetime(2024, 5, 15, 22, 0)


def box(m: AsciiMap, col0: float, row0: float, col1: float, row1: float) -> Polygon:
    corners = [(col0, row0), (col1, row0), (col1, row1), (col0, row1)]
    return Polygon([m.grid_point(c, r) for c, r in corners])


def detour_map(depth: float, direct: dict[str, str], detour: dict[str, str] | None = None):
    """``a-b`` (1000 m, tagged ``direct``) and ``a-c-d-b`` ``depth`` cells to the south."""
    other = detour or RESIDENTIAL
    return AsciiMap(
        "a---------b",
        {"ab": direct, "ac": other, "cd": other, "db": other},
        positions={"c": (0, depth), "d": (10, depth)},
    )


def best_trace(router: SafeRouter, m: AsciiMap, when: datetime | None = None):
    answer = router.safe_route(m.lonlat("a"), m.lonlat("b"), when=when)
    return m.trace(answer.routes[0].route.coords), answer


# ---------------------------------------------------------------------- night
@pytest.mark.parametrize(
    ("hour", "minute", "night"),
    [
        (14, 0, False),
        (18, 59, False),
        (19, 0, True),
        (22, 0, True),
        (0, 0, True),
        (5, 59, True),
        (6, 0, False),
    ],
)
def test_night_window(build, hour: int, minute: int, night: bool) -> None:
    """Night runs from 19:00 to 06:00 by default: a night-only avoid zone closes a-b."""
    m = detour_map(2, RESIDENTIAL)
    zone = RiskZone("N", box(m, 4.5, -0.25, 5.5, 0.25), "avoid", night_only=True)
    router = SafeRouter(build(m), zones=[zone])
    trace, answer = best_trace(router, m, datetime(2024, 5, 15, hour, minute))
    assert answer.night is night
    assert trace == ("acdb" if night else "ab")


def test_night_only_zone_changes_the_route_at_night(build) -> None:
    m = detour_map(2, RESIDENTIAL)
    zone = RiskZone("N", box(m, 3.5, -0.5, 6.5, 0.5), "high", "crime_hotspot", night_only=True)
    router = SafeRouter(build(m), zones=[zone])
    # by day the zone is not in force: straight on, and no exposure reported
    trace, day = best_trace(router, m, DAY)
    assert (trace, day.night) == ("ab", False)
    assert day.routes[0].exposure["in_zones_m"] == 0
    # at night: 300 m x (4 - 1) = 900 m of penalty > 400 m of detour
    trace, night = best_trace(router, m, NIGHT)
    assert (trace, night.night) == ("acdb", True)
    assert night.routes[0].route.length_m == pytest.approx(m.length("acdb"), abs=1e-6)
    assert night.routes[0].exposure["in_zones_m"] == 0
    assert night.shortest.exposure["by_level_m"]["high"] == pytest.approx(300, abs=ROUNDED)
    assert night.comparison()["metres_in_risk_zones_avoided"] == pytest.approx(300, abs=ROUNDED)
    # no time given: daytime
    trace, unknown = best_trace(router, m)
    assert (trace, unknown.night) == ("ab", False)


@pytest.mark.parametrize(("depth", "night_detour"), [(2, True), (3, False)])
def test_unlit_street_is_avoided_at_night_only(build, depth: int, night_detour: bool) -> None:
    """lit=no costs 1.5x at night: 1500 m against a detour of 1400 m (taken) or 1600 m (not)."""
    m = detour_map(depth, {"highway": "residential", "lit": "no"}, {**RESIDENTIAL, "lit": "yes"})
    router = SafeRouter(build(m))
    extra = m.length("acdb") - m.length("ab")
    assert (extra < 0.5 * m.length("ab")) is night_detour
    trace, day = best_trace(router, m, DAY)
    assert trace == "ab"
    assert day.routes[0].route.cost == pytest.approx(m.length("ab") / SPEED, abs=1e-6)
    assert day.routes[0].exposure["unlit_m"] == pytest.approx(m.length("ab"), abs=ROUNDED)
    trace, night = best_trace(router, m, NIGHT)
    assert night.night is True
    if night_detour:
        assert trace == "acdb"
        assert night.routes[0].exposure["unlit_m"] == 0
        assert night.routes[0].exposure["lighting_unknown_m"] == 0
        assert night.routes[0].route.cost == pytest.approx(m.length("acdb") / SPEED, abs=1e-6)
    else:
        assert trace == "ab"
        assert night.routes[0].route.cost == pytest.approx(1.5 * m.length("ab") / SPEED, abs=1e-6)


def test_custom_night_hours_and_unlit_factor(build) -> None:
    m = detour_map(2, {"highway": "residential", "lit": "no"})
    params = CostParams(night_start_hour=21, night_end_hour=5, unlit_night_factor=1.3)
    router = SafeRouter(build(m), params=params)
    # 20:00 is day with these hours; at 22:00 the factor 1.3 (1300 m) is below the detour's 1400
    trace, early = best_trace(router, m, datetime(2024, 5, 15, 20, 0))
    assert (trace, early.night) == ("ab", False)
    trace, late = best_trace(router, m, NIGHT)
    assert (trace, late.night) == ("ab", True)
    assert late.routes[0].route.cost == pytest.approx(1.3 * m.length("ab") / SPEED, abs=1e-6)


def test_zone_outside_its_validity_is_ignored(build) -> None:
    m = detour_map(2, RESIDENTIAL)
    zone = RiskZone(
        "T",
        box(m, 4.5, -0.25, 5.5, 0.25),
        "avoid",
        valid_from=datetime(2024, 5, 10),
        valid_until=datetime(2024, 5, 20),
    )
    router = SafeRouter(build(m), zones=[zone])
    assert best_trace(router, m, DAY)[0] == "acdb"
    assert best_trace(router, m, DAY + timedelta(days=10))[0] == "ab"
    assert best_trace(router, m, DAY - timedelta(days=10))[0] == "ab"
    assert best_trace(router, m)[0] == "acdb"  # no time: every zone applies


# ---------------------------------------------------------------------- sidewalks
@pytest.mark.parametrize(
    ("tags", "depth", "detour"),
    [
        ({"highway": "trunk", "sidewalk": "no"}, 2, True),  # 1500 > 1400
        ({"highway": "trunk", "sidewalk": "no"}, 3, False),  # 1500 < 1600
        ({"highway": "primary", "sidewalk": "none"}, 2, True),
        ({"highway": "trunk", "sidewalk": "both"}, 2, False),  # a sidewalk: no factor
        ({"highway": "trunk"}, 2, False),  # unknown: no factor
        ({"highway": "secondary", "sidewalk": "no"}, 2, False),  # not a main road
    ],
)
def test_main_road_without_sidewalk(build, tags: dict[str, str], depth: int, detour: bool):
    m = detour_map(depth, tags)
    trace, answer = best_trace(SafeRouter(build(m)), m, DAY)
    penalized = tags["highway"] in {"trunk", "primary"} and tags.get("sidewalk") in {"no", "none"}
    factor = 1.5 if penalized else 1.0
    assert (m.length("acdb") < factor * m.length("ab")) is detour
    assert trace == ("acdb" if detour else "ab")
    best = answer.routes[0]
    if detour:
        assert best.exposure["main_road_without_sidewalk_m"] == 0
        assert best.route.cost == pytest.approx(m.length("acdb") / SPEED, abs=1e-6)
    else:
        assert best.route.cost == pytest.approx(factor * m.length("ab") / SPEED, abs=1e-6)
        assert best.exposure["main_road_without_sidewalk_m"] == pytest.approx(
            m.length("ab") if penalized else 0, abs=ROUNDED
        )


@pytest.mark.parametrize(("when", "trace"), [(DAY, "ab"), (NIGHT, "acdb")])
def test_unlit_trunk_without_sidewalk_at_night_multiplies_the_factors(
    build, when: datetime, trace: str
) -> None:
    """1.5 x 1.5 = 2.25 at night: 2250 m against a 2000 m detour; by day 1500 m."""
    m = detour_map(5, {"highway": "trunk", "sidewalk": "no", "lit": "no"})
    got, answer = best_trace(SafeRouter(build(m)), m, when)
    assert got == trace
    factor = 2.25 if answer.night else 1.5
    assert (m.length("acdb") < factor * m.length("ab")) is answer.night


# ---------------------------------------------------------------------- slopes
def tobler(rise: float, run: float) -> float:
    """Time factor relative to flat ground: 6 exp(-3.5 |0.05|) / 6 exp(-3.5 |s + 0.05|)."""
    return math.exp(-3.5 * abs(0.0 + 0.05)) / math.exp(-3.5 * abs(rise / run + 0.05))


HILL = "a----h----b"


def hill_map(depth: int) -> AsciiMap:
    """a-h-b over a hill top h (two ways of 500 m), or round by the flat a-c-d-b."""
    return AsciiMap(
        HILL,
        {"ah": RESIDENTIAL, "hb": RESIDENTIAL, "ac": RESIDENTIAL, "cd": RESIDENTIAL,
         "db": RESIDENTIAL},
        positions={"c": (0, depth), "d": (10, depth)},
    )  # fmt: skip


def elevation(m: AsciiMap, net, heights: dict[str, float]) -> np.ndarray:
    out = np.zeros(net.n_nodes)
    for letter, h in heights.items():
        out[m.node_index(net, letter)] = h
    return out


@pytest.mark.parametrize(("depth", "detour"), [(3, True), (4, False)])
def test_hill_against_flat_detour(build, depth: int, detour: bool) -> None:
    """100 m up over 500 m and down over 500 m: 500 (e^0.7 + e^0.35) = 1716 m of flat walking."""
    m = hill_map(depth)
    net = build(m)
    router = SafeRouter(net, elevation=elevation(m, net, {"h": 100.0}))
    over = m.length("ah") * tobler(100, m.length("ah")) + m.length("hb") * tobler(
        -100, m.length("hb")
    )
    assert over == pytest.approx(500 * (math.exp(0.7) + math.exp(0.35)), abs=0.1)
    assert (m.length("acdb") < over) is detour
    assert abs(m.length("acdb") - over) > 80
    trace, answer = best_trace(router, m)
    best = answer.routes[0]
    if detour:
        assert trace == "acdb"
        assert best.route.cost == pytest.approx(m.length("acdb") / SPEED, abs=1e-6)
    else:
        assert trace == "ahb"
        assert best.route.cost == pytest.approx(over / SPEED, rel=1e-9)
    # durations stay plain walking time
    assert best.route.duration_s == pytest.approx(best.route.length_m / SPEED, abs=1e-6)
    # without elevation the hill is just 1000 m
    assert best_trace(SafeRouter(net), m)[0] == "ahb"


def test_gentle_descent_is_faster_than_flat(build) -> None:
    """Tobler is fastest at 5 % downhill: going down costs e^-0.175 of the flat time."""
    m = hill_map(3)
    net = build(m)
    heights = {"a": 50.0, "h": 25.0, "b": 0.0, "c": 50.0, "d": 0.0}
    router = SafeRouter(net, elevation=elevation(m, net, heights))
    down = router.safe_route(m.lonlat("a"), m.lonlat("b")).routes[0]
    assert m.trace(down.route.coords) == "ahb"
    expected = sum(m.length(p) * tobler(-25, m.length(p)) for p in ("ah", "hb"))
    assert expected == pytest.approx(1000 * math.exp(-0.175), abs=0.05)
    assert down.route.cost == pytest.approx(expected / SPEED, rel=1e-9)
    up = router.safe_route(m.lonlat("b"), m.lonlat("a")).routes[0]
    assert m.trace(up.route.coords) == "bha"
    expected_up = sum(m.length(p) * tobler(25, m.length(p)) for p in ("ah", "hb"))
    assert up.route.cost == pytest.approx(expected_up / SPEED, rel=1e-9)
    assert up.route.cost > down.route.cost


def test_unknown_elevation_counts_as_flat(build) -> None:
    m = hill_map(3)
    net = build(m)
    heights = elevation(m, net, {"h": 100.0})
    heights[m.node_index(net, "a")] = np.nan
    router = SafeRouter(net, elevation=heights)
    best = router.safe_route(m.lonlat("a"), m.lonlat("b")).routes[0]
    # a-h has no known rise (flat); h-b goes down 100 m: factor e^0.35 = 1.419 on 500 m;
    # 500 + 710 = 1210 m < 1600 m round the detour
    assert m.trace(best.route.coords) == "ahb"
    expected = m.length("ah") + m.length("hb") * tobler(-100, m.length("hb"))
    assert best.route.cost == pytest.approx(expected / SPEED, rel=1e-9)
