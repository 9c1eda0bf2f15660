"""Coverage on the real Porto Alegre extract, checked against networkx."""

from __future__ import annotations

import csv

import networkx as nx
import numpy as np
import pytest

from routing import network_from_file
from routing.coverage import Coverage, population_shares
from routing.safe import SafeRouter, Site
from tests.paths import DATA, PORTO_ALEGRE_PBF

SPEED = 4.5 / 3.6


@pytest.fixture(scope="module")
def network():
    return network_from_file(PORTO_ALEGRE_PBF, "walk")


@pytest.fixture(scope="module")
def reversed_graph(network):
    graph = network.to_networkx()
    for _, _, data in graph.edges(data=True):
        data["seconds"] = data["length"] / SPEED
    return graph.reverse(copy=False)


@pytest.mark.parametrize(("seed", "count"), [(1, 1), (2, 5), (3, 40)])
def test_per_node_coverage_equals_networkx_multi_source_dijkstra(
    network, reversed_graph, seed: int, count: int
) -> None:
    rng = np.random.default_rng(seed)
    nodes = rng.choice(network.n_nodes, count, replace=False)
    places = [
        Site(f"P{i}", "p", float(network.node_lon[n]), float(network.node_lat[n]), ("food",))
        for i, n in enumerate(nodes.tolist())
    ]
    cov = Coverage(SafeRouter(network)).service(places, "food")
    osmid = network.node_osmid.tolist()
    expected = nx.multi_source_dijkstra_path_length(
        reversed_graph, {osmid[n] for n in nodes.tolist()}, weight="seconds"
    )
    want = np.array([expected.get(o, np.inf) for o in osmid])
    assert (np.isfinite(cov.seconds) == np.isfinite(want)).all()
    finite = np.isfinite(want)
    np.testing.assert_allclose(cov.seconds[finite], want[finite], rtol=1e-9, atol=0)
    # the nearest place is one at that time
    for i in rng.choice(np.flatnonzero(finite), 50).tolist():
        k = int(cov.nearest[i])
        alone = nx.dijkstra_path_length(reversed_graph, osmid[nodes[k]], osmid[i], "seconds")
        assert alone == pytest.approx(cov.seconds[i], rel=1e-9)


def test_the_hexagon_grid_population_is_counted_once(network) -> None:
    with (DATA / "porto_alegre" / "population_hexgrid.csv").open() as f:
        rows = list(csv.DictReader(f))
    points = [(float(r["lon"]), float(r["lat"])) for r in rows]
    pop = np.array([float(r["population"]) for r in rows])
    coverage = Coverage(SafeRouter(network))
    rng = np.random.default_rng(7)
    nodes = rng.choice(network.n_nodes, 30, replace=False).tolist()
    places = [
        Site(f"P{i}", "p", float(network.node_lon[n]), float(network.node_lat[n]), ("food",))
        for i, n in enumerate(nodes)
    ]
    demand = coverage.demand_times(coverage.service(places, "food"), points)
    shares = [population_shares(demand.seconds, pop, minutes=m) for m in (5, 10, 20, 40)]
    assert all(s["population"] == pytest.approx(pop.sum()) for s in shares)
    covered = [s["covered"] for s in shares]
    assert covered == sorted(covered)
    assert 0 < covered[0] < covered[-1] <= pop.sum()
