"""Places reached on foot: nearby sites, help open on arrival, and walking-time catchments.

The river map has one bridge ``r-p`` at the west end. From ``o`` on the south bank, site ``A``
is 300 m away as the crow flies but across the river (2300 m on foot: west to the bridge, over
it and back east), while site ``B`` is 600 m away on the same bank. Walking is 4.5 km/h, i.e.
75 m a minute. Expected network distances come from ``AsciiMap.length``.
"""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

import pytest
from asciimap import AsciiMap, geodesic
from shapely.geometry import Point, Polygon

from geomap.errors import NoRouteError
from routing.costs import RiskZone
from routing.safe import SafeRouter, Site

SPEED = 4.5 / 3.6  # m/s
PER_MINUTE = 75.0  # metres walked in a minute
RESIDENTIAL = {"highway": "residential"}

RIVER = """
p---------A
|~~~~~~~~~~~~~~~~
|~~~~~~~~~~~~~~~~
r----j----o-k---B
"""


@pytest.fixture
def river(build):
    m = AsciiMap(
        RIVER,
        {"pA": RESIDENTIAL, "rp": {"highway": "footway", "bridge": "yes"}, "rjokB": RESIDENTIAL},
    )
    return m, build(m)


def ids(found: list[dict]) -> list[str]:
    return [r["site"].id for r in found]


def site(m: AsciiMap, letter: str, **kw) -> Site:
    lon, lat = m.lonlat(letter)
    return Site(letter, f"site {letter}", lon, lat, **kw)


# ---------------------------------------------------------------------- nearby
def test_nearby_ranks_by_walking_time_not_straight_line(river) -> None:
    m, net = river
    o = m.lonlat("o")
    assert geodesic(o, m.lonlat("A")) < geodesic(o, m.lonlat("B"))  # A is nearer by air
    sites = [site(m, "A"), site(m, "B")]
    found = SafeRouter(net).nearby(o, sites, minutes=40)
    assert [r["site"].id for r in found] == ["B", "A"]
    walk_b, walk_a = m.length("okB"), m.length("orpA")
    assert walk_b == pytest.approx(600, abs=0.05)
    assert walk_a == pytest.approx(2300, abs=0.05)
    assert found[0]["distance_m"] == pytest.approx(walk_b, abs=0.05 + 1e-9)
    assert found[0]["minutes"] == pytest.approx(walk_b / SPEED / 60, abs=0.005 + 1e-9)
    assert found[1]["distance_m"] == pytest.approx(walk_a, abs=0.05 + 1e-9)
    assert found[1]["minutes"] == pytest.approx(walk_a / SPEED / 60, abs=0.005 + 1e-9)
    assert [r["open"] for r in found] == [None, None]  # no time, no hours


def test_nearby_within_the_time_limit_only(river) -> None:
    m, net = river
    router = SafeRouter(net)
    sites = [site(m, "A"), site(m, "B")]
    assert [r["site"].id for r in router.nearby(m.lonlat("o"), sites, minutes=10)] == ["B"]
    assert router.nearby(m.lonlat("o"), sites, minutes=7.9) == []  # B is 8 minutes away
    assert [r["site"].id for r in router.nearby(m.lonlat("o"), sites, minutes=31)] == ["B", "A"]
    assert [r["site"].id for r in router.nearby(m.lonlat("o"), sites, minutes=30.6)] == ["B"]


def test_nearby_filters_by_service_language_and_population(river) -> None:
    m, net = river
    sites = [
        site(m, "A", services=("food",), languages=("es",), populations=("women",)),
        site(m, "B", services=("health",), languages=("pt",)),
        site(m, "k", services=("food",), active=False),
    ]
    router = SafeRouter(net)
    o = m.lonlat("o")
    assert ids(router.nearby(o, sites, minutes=40)) == ["B", "A"]
    assert ids(router.nearby(o, sites, minutes=40, service="food")) == ["A"]
    assert ids(router.nearby(o, sites, minutes=40, language="pt")) == ["B"]
    assert ids(router.nearby(o, sites, minutes=40, population="women")) == ["B", "A"]
    assert ids(router.nearby(o, sites, minutes=40, population="men")) == ["B"]
    assert router.nearby(o, sites, minutes=40, service="legal") == []


def test_nearby_does_not_walk_through_avoid_zones(river) -> None:
    """With the bridge in an avoid zone, A cannot be reached at all."""
    m, net = river
    zone = RiskZone(
        "bridge", Polygon([m.grid_point(c, r) for c, r in [(-1, 1), (1, 1), (1, 2), (-1, 2)]]),
        "avoid",
    )  # fmt: skip
    router = SafeRouter(net, zones=[zone])
    found = router.nearby(m.lonlat("o"), [site(m, "A"), site(m, "B")], minutes=120)
    assert [r["site"].id for r in found] == ["B"]


# ---------------------------------------------------------------------- help open on arrival
# One street, 75 m a cell: x is 30 minutes west of o, y 20 minutes east.
STREET = "x-----------------------------o-------------------y"
WEDNESDAY = datetime(2024, 5, 15)


@pytest.fixture
def street(build):
    m = AsciiMap(STREET, {"xoy": RESIDENTIAL}, spacing=PER_MINUTE)
    assert m.length("oy") == pytest.approx(20 * PER_MINUTE, abs=0.05)
    assert m.length("ox") == pytest.approx(30 * PER_MINUTE, abs=0.05)
    sites = [
        site(m, "y", services=("food",), opening_hours="Mo-Su 08:00-14:05"),
        site(m, "x", services=("food",), opening_hours="Mo-Su 08:00-18:00"),
    ]
    return m, build(m), sites


def test_site_closing_before_arrival_is_skipped(street) -> None:
    m, net, sites = street
    depart = WEDNESDAY.replace(hour=14)
    near = sites[0]
    assert near.open_at(depart) is True  # open when leaving...
    assert near.open_at(depart + timedelta(minutes=20)) is False  # ...closed on arrival
    chosen, report, arrival = SafeRouter(net).go_to_help(
        m.lonlat("o"), sites, service="food", when=depart
    )
    assert chosen.id == "x"
    assert m.trace(report.route.coords) == "ox"
    assert report.route.length_m == pytest.approx(m.length("ox"), abs=1e-6)
    assert abs(arrival - (depart + timedelta(minutes=30))) < timedelta(seconds=0.1)


def test_nearest_site_is_chosen_when_open_on_arrival(street) -> None:
    m, net, sites = street
    depart = WEDNESDAY.replace(hour=13)
    chosen, report, arrival = SafeRouter(net).go_to_help(
        m.lonlat("o"), sites, service="food", when=depart
    )
    assert chosen.id == "y"
    assert m.trace(report.route.coords) == "oy"
    assert abs(arrival - (depart + timedelta(minutes=20))) < timedelta(seconds=0.1)


def test_no_site_open_on_arrival(street) -> None:
    m, net, sites = street
    with pytest.raises(NoRouteError, match="open on arrival"):
        SafeRouter(net).go_to_help(
            m.lonlat("o"), sites, service="food", when=WEDNESDAY.replace(hour=17, minute=45)
        )
    with pytest.raises(NoRouteError, match="'legal'"):
        SafeRouter(net).go_to_help(
            m.lonlat("o"), sites, service="legal", when=WEDNESDAY.replace(hour=9)
        )


def test_nearby_open_on_arrival(street) -> None:
    m, net, sites = street
    depart = WEDNESDAY.replace(hour=14)
    router = SafeRouter(net)
    every = router.nearby(m.lonlat("o"), sites, minutes=60, when=depart)
    assert [(r["site"].id, r["open"]) for r in every] == [("y", False), ("x", True)]
    assert [r["minutes"] for r in every] == [
        pytest.approx(20, abs=0.01),
        pytest.approx(30, abs=0.01),
    ]
    open_only = router.nearby(m.lonlat("o"), sites, minutes=60, when=depart, open_on_arrival=True)
    assert [r["site"].id for r in open_only] == ["x"]
    assert open_only[0]["distance_m"] == pytest.approx(m.length("ox"), abs=0.05 + 1e-9)


# ---------------------------------------------------------------------- catchments
def walking_distances(m: AsciiMap) -> dict[str, float]:
    return {
        "o": 0.0,
        "k": m.length("ok"),
        "j": m.length("oj"),
        "B": m.length("oB"),
        "r": m.length("or"),
        "p": m.length("orp"),
        "A": m.length("orpA"),
    }


def check_catchments(m: AsciiMap, areas) -> None:
    """Each area holds the points reached in time and none beyond, across the river either.

    Every point's walking distance is at least 90 m away from every time limit's reach, more
    than the 40 m buffer around the streets reached.
    """
    assert [t for t, _ in areas] == [5.0, 10.0, 15.0, 20.0]
    for t, area in areas:
        reach = t * PER_MINUTE
        for letter, d in walking_distances(m).items():
            assert abs(d - reach) > 90, (letter, t)
            assert area.contains(Point(m.lonlat(letter))) is (d < reach), (letter, t)
    # A is 300 m from o by air, but never reached
    assert geodesic(m.lonlat("o"), m.lonlat("A")) == pytest.approx(300, abs=0.05)
    # the areas grow with the time, each within the next (to a centimetre: buffers of
    # different pieces are polygons approximating their round ends differently)
    for (_, small), (_, big) in itertools.pairwise(areas):
        assert big.area > small.area
        assert big.buffer(1e-7).contains(small)


def test_catchments_from_a_junction_follow_the_streets(build) -> None:
    """The south bank street is two ways meeting at o, so o is a graph node."""
    m = AsciiMap(
        RIVER,
        {
            "pA": RESIDENTIAL,
            "rp": {"highway": "footway", "bridge": "yes"},
            "rjo": RESIDENTIAL,
            "okB": RESIDENTIAL,
        },
    )
    net = build(m)
    m.node_index(net, "o")  # a graph node
    check_catchments(m, SafeRouter(net).catchments(m.lonlat("o"), [15, 5, 20, 10]))


def test_catchments_from_the_middle_of_a_street(river) -> None:
    """The same map with one south bank way r..B: o is only a vertex of its segment."""
    m, net = river
    with pytest.raises(KeyError):
        m.node_index(net, "o")
    check_catchments(m, SafeRouter(net).catchments(m.lonlat("o"), [15, 5, 20, 10]))
