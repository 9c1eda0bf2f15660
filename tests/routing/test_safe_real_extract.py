"""Safe routing on the real Porto Alegre extract."""

from __future__ import annotations

import numpy as np
import pytest

from routing import network_from_file
from routing.costs import CostParams
from routing.safe import SafeRouter
from tests.paths import PORTO_ALEGRE_PBF


@pytest.fixture(scope="module")
def network():
    return network_from_file(PORTO_ALEGRE_PBF, "walk")


def pairs(network, count: int, seed: int) -> list[tuple[tuple[float, float], tuple[float, float]]]:
    rng = np.random.default_rng(seed)
    nodes = rng.choice(network.n_nodes, (count, 2))
    jitter = rng.uniform(-3e-4, 3e-4, (count, 2, 2))
    return [
        (
            (network.node_lon[a] + jitter[k, 0, 0], network.node_lat[a] + jitter[k, 0, 1]),
            (network.node_lon[b] + jitter[k, 1, 0], network.node_lat[b] + jitter[k, 1, 1]),
        )
        for k, (a, b) in enumerate(nodes)
    ]


def test_without_risk_zones_the_safe_route_is_the_shortest(network) -> None:
    """No zones and no street penalty: the safe route and the shortest path coincide."""
    router = SafeRouter(network, params=CostParams(no_sidewalk_factor=1.0))
    for a, b in pairs(network, 200, 11):
        answer = router.safe_route(a, b)
        safe, shortest = answer.routes[0].route, answer.shortest.route
        assert safe.length_m == pytest.approx(shortest.length_m, rel=1e-9, abs=1e-6)
        assert answer.comparison()["extra_length_m"] == pytest.approx(0.0, abs=0.1)
        assert answer.routes[0].exposure["in_zones_m"] == 0


def test_the_safe_route_never_walks_more_main_road_without_sidewalk(network) -> None:
    router = SafeRouter(network)
    key = "main_road_without_sidewalk_m"
    for a, b in pairs(network, 150, 12):
        answer = router.safe_route(a, b)
        safe, short = answer.routes[0], answer.shortest
        assert safe.exposure[key] <= short.exposure[key] + 1e-6
        assert safe.route.length_m >= short.route.length_m - 1e-6
