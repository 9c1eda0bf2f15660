"""Staged walks: days of at most N km ending at overnight shelters, and gaps without any.

The map is a straight 30 km road (one node every km: ``a`` is km 0, ``z`` km 25, ``E`` km 30).
Shelters stand on the road at a node, or beside it at a known distance due north, so their
position along the route (km) and their detour are known by construction.
"""

from __future__ import annotations

import pytest
from asciimap import AsciiMap, moved

from routing.safe import SafeRouter, Site

ROAD = "abcdefghijklmnopqrstuvwxyzABCDE"  # node i at km i
KM = 0.002  # stage and gap marks are rounded to the metre (0.001 km)


@pytest.fixture
def road(build):
    m = AsciiMap(ROAD, {ROAD: {"highway": "unclassified"}}, spacing=1000)
    assert m.length(ROAD) == pytest.approx(30_000, abs=0.5)
    return m, build(m)


def shelter(m: AsciiMap, km: int, *, north_m: float = 0.0, sid: str | None = None, **kw) -> Site:
    lon, lat = m.lonlat(ROAD[km])
    if north_m:
        lon, lat = moved((lon, lat), 0.0, north_m)
    kw.setdefault("services", ("overnight_shelter",))
    return Site(sid or f"S{km}", f"shelter at km {km}", lon, lat, **kw)


def plan(road, shelters, *, end: str = "E", **kw):
    m, net = road
    return SafeRouter(net).plan_stages(
        m.lonlat("a"), m.lonlat(end), shelters, max_km_per_day=kw.pop("max_km_per_day", 10), **kw
    )


def summary(stages) -> list[tuple[int, float, float, str | None]]:
    return [(s.day, s.from_km, s.to_km, s.shelter.id if s.shelter else None) for s in stages]


def approx_stages(expected: list[tuple[int, float, float, str | None]]):
    return [(d, pytest.approx(f, abs=KM), pytest.approx(t, abs=KM), s) for d, f, t, s in expected]


def test_short_walk_is_one_day(road) -> None:
    m, _ = road
    report, stages, gaps = plan(road, [shelter(m, 4)], end="i")
    assert m.trace(report.route.coords) == "abcdefghi"
    assert report.route.length_m == pytest.approx(m.length("ai"), abs=0.5)
    assert summary(stages) == approx_stages([(1, 0, 8, None)])
    assert gaps == []


def test_without_usable_shelters_the_whole_walk_is_a_gap(road) -> None:
    """Too far from the road, closed, or no overnight service: no shelter can be used."""
    m, _ = road
    unusable = [
        shelter(m, 10, north_m=2500),  # beyond the default 2000 m reach
        shelter(m, 20, active=False),
        shelter(m, 15, services=("food",)),
    ]
    report, stages, gaps = plan(road, unusable)
    assert report.route.length_m == pytest.approx(m.length(ROAD), rel=1e-9)  # 30 µm on 30 km
    assert summary(stages) == approx_stages(
        [(1, 0, 10, None), (2, 10, 20, None), (3, 20, 30, None)]
    )
    assert gaps == [
        {"from_km": pytest.approx(0), "to_km": pytest.approx(30, abs=KM),
         "length_km": pytest.approx(30, abs=KM)}
    ]  # fmt: skip


def test_shelters_are_placed_along_the_route(road) -> None:
    """What the planner starts from: each shelter's km mark and distance from the route."""
    m, net = road
    shelters = [shelter(m, 8), shelter(m, 10, north_m=500, sid="far"), shelter(m, 26)]
    router = SafeRouter(net)
    report = router.safe_route(m.lonlat("a"), m.lonlat("E")).routes[0]
    along = router.sites_along(report.route, shelters, within_m=2000)
    assert [(a["id"], a["at_km"], a["distance_from_route_m"]) for a in along] == [
        ("S8", pytest.approx(8, abs=KM), pytest.approx(0, abs=0.1)),
        ("far", pytest.approx(10, abs=KM), pytest.approx(500, abs=0.1)),
        ("S26", pytest.approx(26, abs=KM), pytest.approx(0, abs=0.1)),
    ]


def test_stages_end_at_shelters(road) -> None:
    m, _ = road
    shelters = [shelter(m, 7), shelter(m, 10), shelter(m, 13), shelter(m, 20), shelter(m, 24)]
    _, stages, gaps = plan(road, shelters)
    assert summary(stages) == approx_stages(
        [(1, 0, 10, "S10"), (2, 10, 20, "S20"), (3, 20, 30, None)]
    )
    assert [s.detour_m for s in stages] == [0, 0, 0]
    assert gaps == []


def test_of_two_shelters_at_one_km_mark_the_nearer_is_chosen(road) -> None:
    m, _ = road
    shelters = [
        shelter(m, 10, north_m=500, sid="far"),
        shelter(m, 10, north_m=100, sid="near"),
        shelter(m, 20, north_m=50),
    ]
    _, stages, gaps = plan(road, shelters)
    assert summary(stages) == approx_stages(
        [(1, 0, 10, "near"), (2, 10, 20, "S20"), (3, 20, 30, None)]
    )
    assert [s.detour_m for s in stages] == [
        pytest.approx(100, abs=0.1),
        pytest.approx(50, abs=0.1),
        0,
    ]
    assert gaps == []


def test_gap_between_shelters_more_than_a_day_apart(road) -> None:
    """Shelters at km 8 and 26 only: 8 to 26 (18 km) has none, it is walked in two days."""
    m, _ = road
    _, stages, gaps = plan(road, [shelter(m, 8), shelter(m, 26)])
    assert summary(stages) == approx_stages(
        [(1, 0, 8, "S8"), (2, 8, 17, None), (3, 17, 26, "S26"), (4, 26, 30, None)]
    )
    assert gaps == [
        {"from_km": pytest.approx(8, abs=KM), "to_km": pytest.approx(26, abs=KM),
         "length_km": pytest.approx(18, abs=KM)}
    ]  # fmt: skip
