"""Service coverage on ASCII maps, where every walking time is known by construction.

Expected times are geodesic lengths of node paths (``AsciiMap.length``) over the default
walking speed, never numbers from the code under test.
"""

from __future__ import annotations

import math
from datetime import datetime

import numpy as np
import pytest
from asciimap import AsciiMap
from shapely.geometry import Polygon

from routing.corridor_gaps import corridor_gaps
from routing.costs import RiskZone
from routing.coverage import Coverage, offering, population_shares
from routing.coverage_sites import duplicates, suggest
from routing.safe import SafeRouter, Site

SPEED = 4.5 / 3.6  # m/s, the default walking speed
TOL = 1e-6  # seconds
R = {"highway": "residential"}

# A ring: the north street a-b-c (800 m) and the detour a-d-e-c (100 + 800 + 100 m).
RING = AsciiMap(
    """
a---b---c
|       |
d-------e
""",
    {"ab": R, "bc": R, "ad": R, "de": R, "ec": R},
)
SUNDAY_NIGHT = datetime(2024, 5, 5, 23, 0)  # a Sunday
MONDAY_NOON = datetime(2024, 5, 6, 12, 0)


def box(m: AsciiMap, col0: float, row0: float, col1: float, row1: float) -> Polygon:
    corners = [(col0, row0), (col1, row0), (col1, row1), (col0, row1)]
    return Polygon([m.grid_point(c, r) for c, r in corners])


def site(sid: str, point, *services: str, **kw) -> Site:
    return Site(sid, sid, point[0], point[1], services=services or ("food",), **kw)


def seconds(m: AsciiMap, path: str) -> float:
    return m.length(path) / SPEED


def by_letter(m: AsciiMap, net, values) -> dict[str, float]:
    return {m.names(net, [i]): float(v) for i, v in enumerate(values)}


@pytest.fixture
def ring(build):
    return build(RING)


def test_one_place_on_a_node(ring) -> None:
    cov = Coverage(SafeRouter(ring)).service([site("P", RING.lonlat("c"))], "food")
    got = by_letter(RING, ring, cov.seconds)
    assert got["c"] == 0.0
    assert got["b"] == pytest.approx(seconds(RING, "bc"), abs=TOL)
    assert got["a"] == pytest.approx(seconds(RING, "abc"), abs=TOL)
    assert got["e"] == pytest.approx(seconds(RING, "ec"), abs=TOL)
    assert got["d"] == pytest.approx(min(seconds(RING, "dec"), seconds(RING, "dabc")), abs=TOL)
    assert (cov.nearest == 0).all()


def test_a_place_inside_a_street_is_reached_from_both_ends(ring) -> None:
    """The place is 1/4 of the way from b to c: the last stretch is counted from each end."""
    cov = Coverage(SafeRouter(ring)).service([site("P", RING.along("b", "c", 0.25))], "food")
    got = by_letter(RING, ring, cov.seconds)
    quarter = RING.length("bc") * 0.25
    assert got["b"] == pytest.approx(quarter / SPEED, abs=TOL)
    assert got["c"] == pytest.approx((RING.length("bc") - quarter) / SPEED, abs=TOL)
    assert got["a"] == pytest.approx((RING.length("ab") + quarter) / SPEED, abs=TOL)
    assert got["e"] == pytest.approx((RING.length("ec") + 3 * quarter) / SPEED, abs=TOL)


def test_the_nearest_of_several_places_and_its_label(ring) -> None:
    places = [site("A", RING.lonlat("a")), site("E", RING.lonlat("e"))]
    cov = Coverage(SafeRouter(ring)).service(places, "food")
    got = by_letter(RING, ring, cov.seconds)
    labels = {RING.names(ring, [i]): cov.sites[k].id for i, k in enumerate(cov.nearest)}
    assert labels == {"a": "A", "b": "A", "d": "A", "e": "E", "c": "E"}
    assert got["b"] == pytest.approx(seconds(RING, "ba"), abs=TOL)
    assert got["c"] == pytest.approx(seconds(RING, "ce"), abs=TOL)


def test_only_active_places_offering_the_service_count(ring) -> None:
    places = [
        site("closed", RING.lonlat("a"), active=False),
        site("health", RING.lonlat("b"), "health"),
        site("P", RING.lonlat("c")),
    ]
    cov = Coverage(SafeRouter(ring)).service(places, "food")
    assert [s.id for s in cov.sites] == ["P"]
    assert by_letter(RING, ring, cov.seconds)["a"] == pytest.approx(seconds(RING, "abc"), abs=TOL)


def test_places_off_this_network_cover_nobody_here(ring) -> None:
    """A registry spans countries: places far from every street are left out, not an error."""
    far = site("far", (-70.0, -15.0))
    coverage = Coverage(SafeRouter(ring))
    cov = coverage.service([far, site("P", RING.lonlat("c"))], "food")
    assert [s.id for s in cov.sites] == ["P"]
    assert [s.id for s in cov.off_network] == ["far"]
    assert by_letter(RING, ring, cov.seconds)["b"] == pytest.approx(seconds(RING, "bc"), abs=TOL)
    alone = coverage.service([far], "food")
    assert alone.sites == []
    assert np.isinf(alone.seconds).all()
    assert duplicates(coverage, [far, far], "food", minutes=60, share=0.1) == []


def test_a_service_without_places_covers_nobody(ring) -> None:
    cov = Coverage(SafeRouter(ring)).service([site("P", RING.lonlat("c"))], "legal")
    assert cov.sites == []
    assert np.isinf(cov.seconds).all()
    assert (cov.nearest == -1).all()


def test_opening_hours_who_is_covered_on_sunday_night(ring) -> None:
    places = [
        site("weekday", RING.lonlat("a"), opening_hours="Mo-Fr 08:00-18:00"),
        site("always", RING.lonlat("c"), opening_hours="24/7"),
        site("unknown", RING.lonlat("d")),
    ]
    coverage = Coverage(SafeRouter(ring))
    noon = coverage.service(places, "food", when=MONDAY_NOON)
    assert {s.id for s in noon.sites} == {"weekday", "always", "unknown"}
    night = coverage.service(places, "food", when=SUNDAY_NIGHT)
    assert {s.id for s in night.sites} == {"always", "unknown"}
    strict = coverage.service(places, "food", when=SUNDAY_NIGHT, unknown_hours_open=False)
    assert [s.id for s in strict.sites] == ["always"]
    got = by_letter(RING, ring, strict.seconds)
    assert got["a"] == pytest.approx(seconds(RING, "abc"), abs=TOL)
    assert got["e"] == pytest.approx(seconds(RING, "ec"), abs=TOL)


def test_an_avoid_zone_forces_the_detour(ring) -> None:
    """An avoid zone over the middle of b-c: from a, only the detour a-d-e-c is left."""
    zone = RiskZone("Z", box(RING, 5.5, -0.3, 6.5, 0.3), "avoid")
    cov = Coverage(SafeRouter(ring, zones=[zone])).service([site("P", RING.lonlat("c"))], "food")
    got = by_letter(RING, ring, cov.seconds)
    assert got["a"] == pytest.approx(seconds(RING, "adec"), abs=TOL)
    assert got["b"] == pytest.approx(seconds(RING, "badec"), abs=TOL)


def test_a_night_only_avoid_zone_applies_only_at_night(ring) -> None:
    zone = RiskZone("Z", box(RING, 5.5, -0.3, 6.5, 0.3), "avoid", night_only=True)
    coverage = Coverage(SafeRouter(ring, zones=[zone]))
    places = [site("P", RING.lonlat("c"))]
    day = by_letter(RING, ring, coverage.service(places, "food", when=MONDAY_NOON).seconds)
    night = by_letter(RING, ring, coverage.service(places, "food", when=SUNDAY_NIGHT).seconds)
    assert day["b"] == pytest.approx(seconds(RING, "bc"), abs=TOL)
    assert night["b"] == pytest.approx(seconds(RING, "badec"), abs=TOL)


def test_an_avoid_zone_cutting_every_way_leaves_nodes_uncovered(build) -> None:
    m = AsciiMap("a---b---c", {"ab": R, "bc": R})
    net = build(m)
    zone = RiskZone("Z", box(m, 5.5, -0.3, 6.5, 0.3), "avoid")
    cov = Coverage(SafeRouter(net, zones=[zone])).service([site("P", m.lonlat("c"))], "food")
    got = by_letter(m, net, cov.seconds)
    assert math.isinf(got["a"])
    assert math.isinf(got["b"])
    assert got["c"] == 0.0
    assert cov.nearest[m.node_index(net, "a")] == -1


# ---------------------------------------------------------------------- demand points
def test_demand_points_leave_their_street_or_walk_along_it(ring) -> None:
    coverage = Coverage(SafeRouter(ring))
    cov = coverage.service([site("P", RING.along("a", "b", 0.75))], "food")
    length_ab = RING.length("ab")
    points = [
        RING.along("a", "b", 0.25),  # same street: straight along it, 0.5 * ab
        RING.along("d", "e", 0.5),  # d-e middle: back to d, up to a, along a-b
        RING.lonlat("c"),
    ]
    demand = coverage.demand_times(cov, points)
    # points placed along the geodesic are a few mm off the pro-rata network positions
    assert demand.seconds[0] == pytest.approx(0.5 * length_ab / SPEED, abs=0.02)
    via_d = (0.5 * RING.length("de") + RING.length("da") + 0.75 * length_ab) / SPEED
    via_e = (0.5 * RING.length("de") + RING.length("ecb") + 0.25 * length_ab) / SPEED
    assert demand.seconds[1] == pytest.approx(min(via_d, via_e), abs=0.02)
    assert demand.seconds[2] == pytest.approx(
        seconds(RING, "cb") + 0.25 * length_ab / SPEED, abs=0.02
    )
    assert (demand.nearest == 0).all()
    assert demand.on_network.all()
    assert demand.snap_m == pytest.approx([0, 0, 0], abs=0.01)


def test_a_demand_point_off_the_network_is_not_covered(ring) -> None:
    coverage = Coverage(SafeRouter(ring, max_snap_m=200))
    cov = coverage.service([site("P", RING.lonlat("c"))], "food")
    far = RING.grid_point(4, -10)  # 1 km north of b
    near = RING.grid_point(4, -1)  # 100 m north of b
    demand = coverage.demand_times(cov, [far, near])
    assert math.isinf(demand.seconds[0])
    assert demand.nearest[0] == -1
    assert not demand.on_network[0]
    assert demand.snap_m[0] == pytest.approx(1000, abs=0.5)
    # the walk from the point to its street (100 m straight) is part of the time
    assert demand.snap_m[1] == pytest.approx(100, abs=0.5)
    assert demand.access_s[1] == pytest.approx(demand.snap_m[1] / SPEED, rel=1e-12)
    assert demand.seconds[1] == pytest.approx(seconds(RING, "bc") + 100 / SPEED, abs=0.05)
    street_only = Coverage(SafeRouter(ring, max_snap_m=200), access=False)
    assert street_only.demand_times(cov, [near]).seconds[0] == pytest.approx(
        seconds(RING, "bc"), abs=0.02
    )


def test_population_shares_overall_and_per_area() -> None:
    secs = np.array([60.0, 600.0, np.inf, 300.0, 0.0])
    pop = [10, 20, 30, 40, 0]
    out = population_shares(secs, pop, minutes=5, areas=["N", "N", "S", "S", None])
    assert out["population"] == 100
    assert out["covered"] == 50
    assert out["share"] == pytest.approx(0.5)
    assert out["by_area"]["N"] == {"population": 30.0, "covered": 10.0, "share": 1 / 3}
    assert out["by_area"]["S"] == {"population": 70.0, "covered": 40.0, "share": 40 / 70}
    assert out["by_area"][""] == {"population": 0.0, "covered": 0.0, "share": 0.0}


# ---------------------------------------------------------------------- suggestions
LINE = AsciiMap("a---b---c---d---e---f---g", {"ab": R, "bc": R, "cd": R, "de": R, "ef": R, "fg": R})


def test_greedy_suggestions_reach_the_most_uncovered_people(build) -> None:
    """Demand on nodes; 6 minutes (450 m) covers a node and its neighbours (400 m away)."""
    net = build(LINE)
    coverage = Coverage(SafeRouter(net))
    letters = "abcdefg"
    points = [LINE.lonlat(k) for k in letters]
    pop = [5, 1, 1, 0, 7, 7, 1]
    covered = [False] * 7
    picks = suggest(coverage, points, pop, covered, minutes=6, k=3)
    # first: f covers e, f, g = 15; then b covers a, b, c = 7; then nothing is left
    assert [LINE.names(net, [p.node]) for p in picks] == ["f", "b"]
    assert [p.population_gained for p in picks] == [15.0, 7.0]
    assert [p.units_gained for p in picks] == [3, 3]
    assert picks[-1].cumulative_population == 22.0
    assert (picks[0].lon, picks[0].lat) == pytest.approx(LINE.lonlat("f"), abs=1e-9)


def test_suggestions_skip_covered_people_and_respect_candidates(build) -> None:
    net = build(LINE)
    coverage = Coverage(SafeRouter(net))
    points = [LINE.lonlat(k) for k in "abcdefg"]
    pop = [5, 1, 1, 0, 7, 7, 1]
    covered = [False, False, False, False, True, True, True]
    picks = suggest(coverage, points, pop, covered, minutes=6, k=2)
    assert [LINE.names(net, [p.node]) for p in picks] == ["b"]
    only = [LINE.node_index(net, "a"), LINE.node_index(net, "g")]
    picks = suggest(coverage, points, pop, [False] * 7, minutes=6, k=2, candidates=only)
    assert [LINE.names(net, [p.node]) for p in picks] == ["g", "a"]
    assert [p.population_gained for p in picks] == [8.0, 6.0]


def test_suggestions_when_the_time_limit_reaches_nobody_else(build) -> None:
    net = build(LINE)
    picks = suggest(Coverage(SafeRouter(net)), [LINE.lonlat("a")], [3], [False], minutes=1, k=5)
    assert [(LINE.names(net, [p.node]), p.population_gained) for p in picks] == [("a", 3.0)]


# ---------------------------------------------------------------------- duplication
def test_places_with_overlapping_catchments_are_grouped(build) -> None:
    net = build(LINE)
    places = [
        site("A", LINE.lonlat("a")),
        site("B", LINE.lonlat("b")),
        site("G", LINE.lonlat("g")),
        site("H", LINE.lonlat("b"), "health"),
    ]
    # 6 minutes: A reaches a, b; B reaches a, b, c; G reaches f, g. A-B overlap: 2 of 2 nodes.
    groups = duplicates(Coverage(SafeRouter(net)), places, "food", minutes=6, share=0.5)
    assert len(groups) == 1
    assert groups[0].site_ids == ("A", "B")
    assert groups[0].pairs == (("A", "B", 1.0),)
    assert duplicates(Coverage(SafeRouter(net)), places, "food", minutes=6, share=1.0) == []


def test_chains_of_overlap_form_one_group(build) -> None:
    net = build(LINE)
    places = [site(k.upper(), LINE.lonlat(k)) for k in "abcdefg"]
    # 6 minutes: every place reaches its neighbours; x and its neighbour overlap by 2 of 3
    groups = duplicates(Coverage(SafeRouter(net)), places, "food", minutes=6, share=0.5)
    assert [g.site_ids for g in groups] == [tuple("ABCDEFG")]
    groups = duplicates(Coverage(SafeRouter(net)), places, "food", minutes=6, share=0.7)
    assert [g.site_ids for g in groups] == [("A", "B"), ("F", "G")]


# ---------------------------------------------------------------------- corridor gaps
def test_corridor_gaps_between_places_near_the_way(build) -> None:
    """A 2.4 km way; places 50 m off it at 0.4 and 0.8 km, and one 300 m off at 2.0 km."""
    net = build(LINE)
    coords = [LINE.lonlat(k) for k in "abcdefg"]
    places = [
        site("p1", LINE.grid_point(4, 0.5)),
        site("p2", LINE.grid_point(8, -0.5)),
        site("far", LINE.grid_point(20, 3)),
        site("other", LINE.grid_point(16, 0.2), "health"),
    ]
    gaps, found = corridor_gaps(net, coords, places, "food", within_m=100, min_gap_km=0.5)
    assert [r["id"] for r in found] == ["p1", "p2"]
    assert [r["at_km"] for r in found] == pytest.approx([0.4, 0.8], abs=1e-3)
    assert [r["distance_m"] for r in found] == pytest.approx([50, 50], abs=0.05)
    assert len(gaps) == 1
    assert (gaps[0].start_km, gaps[0].end_km) == pytest.approx((0.8, 2.4), abs=1e-3)
    assert gaps[0].length_km == pytest.approx(1.6, abs=1e-3)
    wide, _ = corridor_gaps(net, coords, places, "food", within_m=400, min_gap_km=0.3)
    marks = [km for g in wide for km in (g.start_km, g.end_km)]
    assert marks == pytest.approx([0.0, 0.4, 0.4, 0.8, 0.8, 2.0, 2.0, 2.4], abs=1e-3)
    none, found = corridor_gaps(net, coords, places, "legal", within_m=100, min_gap_km=0.5)
    assert found == []
    assert [(g.start_km, g.end_km) for g in none] == [(0.0, pytest.approx(2.4, abs=1e-3))]


def test_offering_filters() -> None:
    p = [site("a", (0, 0)), site("b", (0, 0), "health"), site("c", (0, 0), active=False)]
    assert [s.id for s in offering(p, "food")] == ["a"]


def test_corridor_km_marks_are_geodesic_on_a_long_line(build) -> None:
    """A 3-vertex line of about 400 km: marks and distances agree with pyproj.Geod."""
    from pyproj import Geod

    from routing.corridor_gaps import cut_line, line_metres

    geod = Geod(ellps="WGS84")
    net = build(LINE)
    coords = [(-51.2, -30.0), (-49.5, -29.2), (-47.6, -28.6)]
    first = geod.inv(*coords[0], *coords[1])[2]
    second = geod.inv(*coords[1], *coords[2])[2]
    azimuth = geod.inv(*coords[1], *coords[2])[0]
    lon, lat, _ = geod.fwd(*coords[1], azimuth - 90, 1000.0)  # 1 km off, outside the bend
    places = [site("mid", coords[1]), site("off", (lon, lat)), site("end", coords[2])]
    gaps, found = corridor_gaps(net, coords, places, "food", within_m=2000, min_gap_km=10)
    marks = {r["id"]: r for r in found}
    assert marks["mid"]["at_km"] == pytest.approx(first / 1000, abs=1e-6)
    assert marks["mid"]["distance_m"] == pytest.approx(0, abs=1e-6)
    assert marks["end"]["at_km"] == pytest.approx((first + second) / 1000, abs=1e-6)
    assert marks["off"]["distance_m"] == pytest.approx(1000, abs=5)
    assert marks["off"]["at_km"] == pytest.approx(first / 1000, abs=0.01)
    assert [(g.start_km, g.end_km) for g in gaps] == [
        (0.0, pytest.approx(first / 1000, abs=1e-6)),
        (pytest.approx(first / 1000, abs=0.01), pytest.approx((first + second) / 1000)),
    ]
    assert line_metres(coords)[-1] == pytest.approx(first + second, rel=1e-12)
    piece = cut_line(coords, 0.5 * first, first + 0.5 * second)
    assert len(piece) == 3
    assert tuple(piece[1]) == coords[1]
    assert line_metres(piece)[-1] == pytest.approx(0.5 * (first + second), rel=1e-3)
