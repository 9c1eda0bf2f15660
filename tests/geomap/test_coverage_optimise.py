"""Exact site choices (HiGHS) against brute force, and the greedy gap.

Small random coverage relations are solved by enumerating every set of sites; on Porto Alegre
the exact answer is checked by opening its sites and recomputing coverage from scratch.
"""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

from geomap.coverage import analyse, capacities_of, read_demand
from geomap.coverage.capacity import assign, capacitated, greedy_capacitated
from geomap.coverage.optimise import greedy_lscp, greedy_mclp, lscp, mclp
from geomap.coverage.samples import sites_of
from routing import network_from_file
from routing.safe import SafeRouter, Site
from tests.paths import DATA, PORTO_ALEGRE_PBF

POA = DATA / "porto_alegre"


def random_case(rng: np.random.Generator):
    n_units, n_cands = int(rng.integers(3, 13)), int(rng.integers(2, 9))
    reach = rng.uniform(size=(n_units, n_cands)) < rng.uniform(0.15, 0.5)
    units, cands = np.nonzero(reach)
    weights = rng.integers(0, 30, n_units).astype(float)
    return units.astype(np.int64), cands.astype(np.int64), weights, n_cands


def brute_covered(units, cands, weights, chosen) -> float:
    return float(weights[np.unique(units[np.isin(cands, list(chosen))])].sum())


def test_exact_maximal_covering_equals_brute_force() -> None:
    rng = np.random.default_rng(11)
    for _ in range(40):
        units, cands, w, nc = random_case(rng)
        p = int(rng.integers(1, 4))
        best = max(
            brute_covered(units, cands, w, s)
            for k in range(p + 1)
            for s in itertools.combinations(range(nc), k)
        )
        exact = mclp(units, cands, w, p=p)
        greedy = greedy_mclp(units, cands, w, p=p, n_candidates=nc)
        assert exact.optimal
        assert exact.sites <= p
        assert exact.covered == pytest.approx(best)
        assert brute_covered(units, cands, w, exact.chosen) == pytest.approx(exact.covered)
        assert greedy.covered <= exact.covered + 1e-9


def test_exact_set_covering_equals_brute_force() -> None:
    rng = np.random.default_rng(12)
    for _ in range(30):
        units, cands, w, nc = random_case(rng)
        need = set(np.unique(units[w[units] > 0]).tolist())
        fewest = min(
            k
            for k in range(nc + 1)
            for s in itertools.combinations(range(nc), k)
            if need <= set(units[np.isin(cands, list(s))].tolist())
        )
        exact = lscp(units, cands, w)
        greedy = greedy_lscp(units, cands, w, n_candidates=nc)
        assert exact.sites == fewest
        assert need <= set(units[np.isin(cands, exact.chosen)].tolist())
        assert greedy.sites >= exact.sites
        unreachable = sorted(set(np.flatnonzero(w > 0).tolist()) - set(units.tolist()))
        assert exact.uncoverable == pytest.approx(w[unreachable].sum())


def test_capacity_aware_covering_equals_brute_force() -> None:
    rng = np.random.default_rng(13)
    for _ in range(25):
        units, cands, w, nc = random_case(rng)
        p = int(rng.integers(1, 4))
        cap = float(rng.uniform(5, 40))
        best = max(
            assign(units[np.isin(cands, s)], cands[np.isin(cands, s)], w, np.full(nc, cap))
            for k in range(p + 1)
            for s in itertools.combinations(range(nc), k)
        )
        exact = capacitated(units, cands, w, p=p, capacity=cap)
        greedy = greedy_capacitated(units, cands, w, p=p, capacity=cap)
        assert exact.covered == pytest.approx(best, abs=1e-6)
        assert greedy.covered <= exact.covered + 1e-6
        assert exact.covered <= min(w.sum(), p * cap) + 1e-6


def test_greedy_can_be_strictly_worse_and_the_gap_says_by_how_much() -> None:
    """The middle candidate is the best first pick, but the two outer ones cover more together."""
    units = np.array([1, 2, 4, 0, 1, 2, 3])
    cands = np.array([0, 0, 0, 1, 1, 2, 2])  # 0: middle {1, 2, 4}; 1: left {0, 1}; 2: right {2, 3}
    w = np.array([2.0, 2.0, 2.0, 2.0, 0.5])
    greedy = greedy_mclp(units, cands, w, p=2, n_candidates=3)
    exact = mclp(units, cands, w, p=2)
    assert greedy.chosen == [0, 1]
    assert greedy.covered == 6.5
    assert exact.chosen == [1, 2]
    assert exact.covered == 8.0


def test_brute_force_on_a_tiny_real_case() -> None:
    """Exact MCLP through ``analyse`` on a few Porto Alegre cells equals brute force."""
    net = network_from_file(PORTO_ALEGRE_PBF, "walk")
    demand = read_demand(POA / "population_hexgrid.csv")
    keep = np.flatnonzero(demand.population > 0)[:20]
    from dataclasses import replace

    small = replace(
        demand,
        ids=[demand.ids[i] for i in keep],
        points=[demand.points[i] for i in keep],
        population=demand.population[keep],
        areas=[None] * len(keep),
        cells=[demand.cells[i] for i in keep],
    )
    safe = SafeRouter(net)
    rep = analyse(safe, [], ["food"], small, minutes=5, suggest=2, exact=True).services["food"]
    choice = rep.sites
    assert choice.exact is not None
    nodes = choice.candidates
    # brute force: open every pair of candidate nodes as places, recompute from scratch
    best = 0.0
    for a, b in itertools.combinations(range(len(nodes)), 2):
        places = [
            Site(
                f"n{k}",
                "n",
                float(net.node_lon[nodes[k]]),
                float(net.node_lat[nodes[k]]),
                ("food",),
            )
            for k in (a, b)
        ]
        got = analyse(safe, places, ["food"], small, minutes=5).services["food"]
        best = max(best, got.shares["covered"])
    assert choice.exact.covered == pytest.approx(best)
    assert choice.greedy.covered <= choice.exact.covered + 1e-9


@pytest.fixture(scope="module")
def poa():
    net = network_from_file(PORTO_ALEGRE_PBF, "walk")
    fc = json.loads((POA / "sample_registry.geojson").read_text())
    demand = read_demand(POA / "population_groups_h3.csv", area="area")
    return SafeRouter(net), sites_of(fc), demand, fc


def test_porto_alegre_exact_choice_is_at_least_greedy_and_true(poa) -> None:
    safe, sites, demand, _ = poa
    rep = analyse(safe, sites, ["water_sanitation"], demand, minutes=15, suggest=6, exact=True)
    choice = rep.services["water_sanitation"].sites
    gap = choice.gap()
    assert choice.exact.optimal
    assert gap["exact_covered"] >= gap["greedy_covered"] - 1e-9
    assert 0.0 <= gap["share"] < 1.0
    before = rep.services["water_sanitation"].shares["covered"]
    for sel in (choice.exact, choice.greedy):
        new = [
            Site(f"new{k}", "new", float(safe.network.node_lon[choice.candidates[c]]),
                 float(safe.network.node_lat[choice.candidates[c]]), ("water_sanitation",))
            for k, c in enumerate(sel.chosen)
        ]  # fmt: skip
        after = analyse(safe, [*sites, *new], ["water_sanitation"], demand, minutes=15)
        gained = after.services["water_sanitation"].shares["covered"] - before
        assert gained == pytest.approx(sel.covered, rel=1e-9)


def test_porto_alegre_shelters_with_capacity_for_people_in_transit(poa) -> None:
    safe, sites, demand, fc = poa
    caps = capacities_of(fc["features"])
    assert caps["sample-poa-09"] == 60
    rep = analyse(
        safe, sites, ["overnight_shelter"], demand, minutes=20, suggest=3, exact=True,
        weight="in_transit", capacity=25.0, capacities=caps,
    )  # fmt: skip
    choice = rep.services["overnight_shelter"].sites
    assert choice.capacity == 25.0
    assert choice.exact is not None
    assert choice.greedy.covered <= choice.exact.covered + 1e-6
    # people in transit served: at most the beds (existing public shelter + new ones)
    public = [s.id for s in rep.services["overnight_shelter"].nodes.sites]
    beds = sum(caps.get(s, 0.0) for s in public) + 25.0 * choice.exact.sites
    assert choice.exact.covered <= beds + 1e-6
    assert choice.exact.covered <= demand.columns["in_transit"].sum()
