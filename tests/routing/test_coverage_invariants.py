"""Coverage invariants over random cases on a grid map.

Random places (anywhere along the streets), random avoid zones and random demand points on a
6 x 6 grid of 100 m blocks; every case checks properties that must hold whatever the layout.
"""

from __future__ import annotations

import numpy as np
import pytest
from asciimap import AsciiMap
from shapely.geometry import Polygon

from routing.costs import RiskZone
from routing.coverage import Coverage, population_shares
from routing.coverage_sites import suggest
from routing.safe import SafeRouter, Site

NAMES = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"
SIDE = 6
R = {"highway": "residential"}
CASES = 25


def grid_map() -> AsciiMap:
    rows = []
    for r in range(SIDE):
        rows.append("---".join(NAMES[r * SIDE : (r + 1) * SIDE]))
        if r < SIDE - 1:
            rows.append("   ".join("|" * SIDE))
    ways = {}
    for r in range(SIDE):
        for c in range(SIDE):
            k = NAMES[r * SIDE + c]
            if c < SIDE - 1:
                ways[k + NAMES[r * SIDE + c + 1]] = R
            if r < SIDE - 1:
                ways[k + NAMES[(r + 1) * SIDE + c]] = R
    return AsciiMap("\n".join(rows), ways)


GRID = grid_map()
EDGES = list(GRID._way_ids)


@pytest.fixture(scope="module")
def grid(tmp_path_factory):
    from routing import network_from_file

    return network_from_file(GRID.write(tmp_path_factory.mktemp("grid") / "grid.osm"), "walk")


def random_point(rng: np.random.Generator) -> tuple[float, float]:
    way = EDGES[int(rng.integers(len(EDGES)))]
    return GRID.along(way[0], way[1], float(rng.uniform(0, 1)))


def random_places(rng: np.random.Generator, count: int) -> list[Site]:
    return [Site(f"P{i}", f"P{i}", *random_point(rng), services=("food",)) for i in range(count)]


def random_zone(rng: np.random.Generator, i: int) -> RiskZone:
    c0, r0 = rng.uniform(0, 4 * (SIDE - 1), 2)
    w, h = rng.uniform(0.5, 5, 2)
    corners = [(c0, r0), (c0 + w, r0), (c0 + w, r0 + h), (c0, r0 + h)]
    return RiskZone(f"Z{i}", Polygon([GRID.grid_point(c, r) for c, r in corners]), "avoid")


def demand(rng: np.random.Generator, count: int) -> tuple[list[tuple[float, float]], np.ndarray]:
    points = [
        GRID.grid_point(*rng.uniform(-1, 4 * (SIDE - 1) + 1, 2).tolist()) for _ in range(count)
    ]
    return points, rng.integers(0, 500, count).astype(float)


def test_adding_a_place_never_lowers_coverage(grid) -> None:
    rng = np.random.default_rng(1)
    coverage = Coverage(SafeRouter(grid))
    for _ in range(CASES):
        places = random_places(rng, int(rng.integers(0, 4)))
        more = [*places, *random_places(rng, 1)]
        before = coverage.service(places, "food")
        after = coverage.service(more, "food")
        assert (after.seconds <= before.seconds + 1e-9).all()
        points, pop = demand(rng, 30)
        t0 = coverage.demand_times(before, points).seconds
        t1 = coverage.demand_times(after, points).seconds
        assert (t1 <= t0 + 1e-9).all()
        for minutes in (2, 5, 10):
            s0 = population_shares(t0, pop, minutes=minutes)
            s1 = population_shares(t1, pop, minutes=minutes)
            assert s1["covered"] >= s0["covered"]


def test_a_service_with_no_places_covers_nobody(grid) -> None:
    rng = np.random.default_rng(2)
    coverage = Coverage(SafeRouter(grid))
    for _ in range(5):
        places = random_places(rng, 3)
        cov = coverage.service(places, "legal")
        assert np.isinf(cov.seconds).all()
        points, pop = demand(rng, 20)
        times = coverage.demand_times(cov, points).seconds
        assert np.isinf(times).all()
        assert population_shares(times, pop, minutes=60)["covered"] == 0


def test_an_avoid_zone_never_shortens_a_time(grid) -> None:
    rng = np.random.default_rng(3)
    free = Coverage(SafeRouter(grid))
    for case in range(CASES):
        zones = [random_zone(rng, i) for i in range(int(rng.integers(1, 3)))]
        zoned = Coverage(SafeRouter(grid, zones=zones))
        places = random_places(rng, int(rng.integers(1, 4)))
        a = free.service(places, "food")
        b = zoned.service(places, "food")
        assert (b.seconds >= a.seconds - 1e-9).all(), case
        points, _ = demand(rng, 30)
        assert (
            zoned.demand_times(b, points).seconds >= free.demand_times(a, points).seconds - 1e-9
        ).all()


def test_population_totals_are_conserved() -> None:
    rng = np.random.default_rng(4)
    for _ in range(CASES):
        n = int(rng.integers(1, 60))
        pop = rng.integers(0, 1000, n).astype(float)
        secs = np.where(rng.uniform(size=n) < 0.2, np.inf, rng.uniform(0, 1800, n))
        areas = rng.choice(["A", "B", "C"], n).tolist()
        out = population_shares(secs, pop, minutes=float(rng.uniform(1, 30)), areas=areas)
        assert out["population"] == pytest.approx(pop.sum())
        assert sum(v["population"] for v in out["by_area"].values()) == pytest.approx(pop.sum())
        assert sum(v["covered"] for v in out["by_area"].values()) == pytest.approx(out["covered"])
        assert 0 <= out["covered"] <= out["population"]


def test_suggestions_never_gain_more_than_the_uncovered_people(grid) -> None:
    rng = np.random.default_rng(5)
    coverage = Coverage(SafeRouter(grid))
    for _ in range(10):
        points, pop = demand(rng, 25)
        places = random_places(rng, int(rng.integers(0, 3)))
        times = coverage.demand_times(coverage.service(places, "food"), points).seconds
        covered = times <= 300
        picks = suggest(coverage, points, pop, covered, minutes=5, k=4)
        gains = [p.population_gained for p in picks]
        assert gains == sorted(gains, reverse=True)  # greedy gains never grow
        assert sum(gains) <= pop[~covered].sum() + 1e-9
        # opening the suggested places covers at least the people they were said to gain
        new = [Site(f"N{p.rank}", "n", p.lon, p.lat, services=("food",)) for p in picks]
        after = coverage.demand_times(coverage.service([*places, *new], "food"), points)
        gained = pop[(after.seconds <= 300) & ~covered].sum()
        assert gained == pytest.approx(sum(gains))
