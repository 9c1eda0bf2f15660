"""The engine on real OpenStreetMap extracts, checked against networkx."""

from __future__ import annotations

import math
from itertools import pairwise

import networkx as nx
import numpy as np
import pytest
import shapely
from pyproj import Geod

from routing import Network, Router, network_from_file
from routing.corridors import Corridor
from tests.paths import AGUASCALIENTES_PBF, AGUASCALIENTES_XML, PORTO_ALEGRE_PBF

GEOD = Geod(ellps="WGS84")


@pytest.fixture(scope="module")
def poa() -> Network:
    return network_from_file(PORTO_ALEGRE_PBF, "walk")


@pytest.fixture(scope="module")
def poa_graph(poa: Network) -> nx.MultiDiGraph:
    return poa.to_networkx()


def test_porto_alegre_network_is_sane(poa: Network) -> None:
    assert poa.n_nodes > 10_000
    assert poa.n_edges > 2 * 20_000
    assert np.all(poa.seg_length >= 0)
    # walking ignores one-way rules: every segment both ways
    assert poa.seg_fwd.all()
    assert poa.seg_bwd.all()
    # segment length equals the geodesic length of its geometry
    for s in np.random.default_rng(3).choice(poa.n_segments, 200, replace=False):
        coords = poa.segment_coords(int(s))
        expected = GEOD.line_length(coords[:, 0], coords[:, 1])
        assert poa.seg_length[s] == pytest.approx(expected, rel=1e-9, abs=1e-6)
    highways = set(poa.edge_attr("highway"))
    assert {"primary", "residential", "footway"} <= highways
    assert "motorway" not in highways


def test_500_random_pairs_match_networkx(poa: Network, poa_graph: nx.MultiDiGraph) -> None:
    """Routes equal networkx's Dijkstra up to the hierarchy's quantization (ties).

    The hierarchy searches integer weights (``round(length * scale)``); the path it returns
    is optimal for those, so its float length exceeds the float optimum by at most half a unit
    per edge of the two paths. Nearly every pair is equal to the last bit.
    """
    router = Router(poa)
    unit = 1.0 / router.metric.scale
    rng = np.random.default_rng(2026)
    sources = rng.choice(poa.n_nodes, 50, replace=False)
    osmid = poa.node_osmid
    compared = 0
    equal = 0
    for s in sources:
        reference = nx.single_source_dijkstra_path_length(poa_graph, int(osmid[s]), weight="length")
        for t in rng.choice(poa.n_nodes, 10, replace=False):
            cost, path = router.node_path(int(s), int(t))
            expected = reference.get(int(osmid[t]), math.inf)
            if math.isinf(expected):
                assert math.isinf(cost)
                continue
            assert cost >= expected - 1e-9 * max(expected, 1.0)
            assert cost - expected <= len(path) * unit
            equal += abs(cost - expected) <= 1e-9 * max(expected, 1.0)
            # the path is a real path of the graph and its length is the cost
            walked = sum(
                min(d["length"] for d in poa_graph[int(osmid[a])][int(osmid[b])].values())
                for a, b in pairwise(path)
            )
            assert walked == pytest.approx(cost, rel=1e-9)
            compared += 1
    assert compared == 500
    assert equal >= 0.95 * compared


def test_point_routes_have_consistent_geometry(poa: Network) -> None:
    router = Router(poa)
    rng = np.random.default_rng(7)

    def near_a_street() -> tuple[float, float]:
        i = rng.integers(poa.n_nodes)
        return (
            poa.node_lon[i] + rng.uniform(-4e-4, 4e-4),
            poa.node_lat[i] + rng.uniform(-4e-4, 4e-4),
        )

    for _ in range(50):
        a, b = near_a_street(), near_a_street()
        route = router.route(a, b)
        line_length = GEOD.line_length(route.coords[:, 0], route.coords[:, 1])
        assert route.length_m == pytest.approx(line_length, rel=1e-6, abs=0.05)
        assert route.cost == pytest.approx(route.length_m, rel=1e-9, abs=1e-6)
        assert tuple(route.coords[0]) == (route.origin.lon, route.origin.lat)
        assert tuple(route.coords[-1]) == (route.destination.lon, route.destination.lat)
        assert route.duration_s == pytest.approx(route.length_m / (4.5 / 3.6))


def test_nearest_of_50_facilities_matches_networkx(
    poa: Network, poa_graph: nx.MultiDiGraph
) -> None:
    router = Router(poa)
    facilities = np.random.default_rng(11).choice(poa.n_nodes, 50, replace=False)
    dist, label = router.node_costs(facilities, reverse=True)
    reference = nx.multi_source_dijkstra_path_length(
        poa_graph.reverse(copy=False), {int(poa.node_osmid[f]) for f in facilities}, weight="length"
    )
    ours = dict(zip(poa.node_osmid.tolist(), dist.tolist(), strict=True))
    assert len(reference) == int(np.isfinite(dist).sum())
    worst = max(abs(ours[n] - d) / max(d, 1.0) for n, d in reference.items())
    assert worst < 1e-9
    # the label names a facility that is at that distance
    some = np.flatnonzero(np.isfinite(dist))[:20]
    for v in some:
        cost, _ = router.node_path(int(v), int(facilities[label[v]]))
        assert cost == pytest.approx(dist[v], rel=1e-9, abs=1e-9)


def test_pbf_and_xml_give_the_same_network() -> None:
    from_pbf = network_from_file(AGUASCALIENTES_PBF, "walk")
    from_xml = network_from_file(AGUASCALIENTES_XML, "walk")
    assert from_pbf.n_edges > 500
    for name in Network._ARRAYS:
        assert np.array_equal(getattr(from_pbf, name), getattr(from_xml, name)), name
    assert from_pbf.strings == from_xml.strings


def test_save_and_load_round_trip(poa: Network, tmp_path) -> None:
    path = poa.save(tmp_path / "poa.npz")
    loaded = Network.load(path)
    for name in Network._ARRAYS:
        assert np.array_equal(getattr(poa, name), getattr(loaded, name)), name
    assert loaded.strings == poa.strings
    assert loaded.profile == "walk"
    assert not list(tmp_path.glob("*.tmp"))


def test_networkx_round_trip_keeps_distances(poa: Network, poa_graph: nx.MultiDiGraph) -> None:
    graph_node = next(iter(poa_graph.nodes(data=True)))[1]
    assert {"x", "y"} <= set(graph_node)
    _, _, data = next(iter(poa_graph.edges(data=True)))
    assert {"length", "osmid", "geometry", "highway"} <= set(data)
    assert poa_graph.graph["crs"] == "epsg:4326"
    import osmnx as ox

    nodes_gdf, edges_gdf = ox.graph_to_gdfs(poa_graph)
    assert len(nodes_gdf) == poa.n_nodes
    assert len(edges_gdf) == poa.n_edges
    rebuilt = Network.from_networkx(poa_graph)
    assert rebuilt.n_edges == poa.n_edges
    a, b = Router(poa), Router(rebuilt)
    index = {o: i for i, o in enumerate(rebuilt.node_osmid.tolist())}
    rng = np.random.default_rng(5)
    for s, t in rng.choice(poa.n_nodes, (30, 2)):
        expected, _ = a.node_path(int(s), int(t))
        got, _ = b.node_path(index[int(poa.node_osmid[s])], index[int(poa.node_osmid[t])])
        assert got == pytest.approx(expected, rel=1e-12)


def test_osmnx_graph_from_xml_can_feed_the_engine() -> None:
    """The engine can be built from a graph made by osmnx itself."""
    import osmnx as ox

    graph = ox.graph_from_xml(AGUASCALIENTES_XML, retain_all=False)
    net = Network.from_networkx(graph)
    assert net.n_edges == graph.number_of_edges()
    router = Router(net)
    nodes = list(graph.nodes)
    index = {o: i for i, o in enumerate(net.node_osmid.tolist())}
    for s, t in [(nodes[0], nodes[-1]), (nodes[10], nodes[200])]:
        expected = nx.shortest_path_length(graph, s, t, weight="length")
        assert router.node_path(index[s], index[t])[0] == pytest.approx(expected, rel=1e-12)


def test_corridor_clip_keeps_only_the_inside(tmp_path) -> None:
    full = network_from_file(AGUASCALIENTES_PBF, "walk", retain_all=True)
    corridor = Corridor(
        id="ags-test",
        name="test corridor through Aguascalientes",
        coords=((-102.31, 21.855), (-102.26, 21.875)),
        buffer_km=0.6,
    )
    area = corridor.polygon()
    clipped = network_from_file(AGUASCALIENTES_PBF, "walk", clip=area, retain_all=True)
    assert 0 < clipped.n_edges < full.n_edges
    assert shapely.contains_xy(area, clipped.coord_lon, clipped.coord_lat).all()
    # what was inside is kept: every full-network coordinate well inside survives
    inner = corridor.with_buffer(0.5).polygon()
    kept = set(zip(clipped.coord_lon.tolist(), clipped.coord_lat.tolist(), strict=True))
    inside = shapely.contains_xy(inner, full.coord_lon, full.coord_lat)
    for x, y in zip(full.coord_lon[inside].tolist(), full.coord_lat[inside].tolist(), strict=True):
        assert (x, y) in kept


@pytest.mark.parametrize(
    "corridor_id", ["cucuta-bogota", "bogota-quito", "quito-lima", "pacaraima-manaus"]
)
def test_shipped_corridor_buffers_are_metres(corridor_id: str) -> None:
    from routing.corridors import get_corridor

    corridor = get_corridor(corridor_id)
    area = corridor.polygon()
    assert area.is_valid
    width = corridor.buffer_km * 1000
    # the line densified every ~100 m, to measure true geodesic distances to it
    dense = []
    for (lon1, lat1), (lon2, lat2) in zip(corridor.coords[:-1], corridor.coords[1:], strict=True):
        n = int(GEOD.inv(lon1, lat1, lon2, lat2)[2] // 100)
        dense += [(lon1, lat1), *GEOD.npts(lon1, lat1, lon2, lat2, n)]
    dense.append(corridor.coords[-1])
    line_lon = np.array([p[0] for p in dense])
    line_lat = np.array([p[1] for p in dense])
    checked = 0
    for (lon1, lat1), (lon2, lat2) in zip(corridor.coords[:-1], corridor.coords[1:], strict=True):
        azimuth, _, dist = GEOD.inv(lon1, lat1, lon2, lat2)
        mid_lon, mid_lat, _ = GEOD.fwd(lon1, lat1, azimuth, dist / 2)
        for side in (90, -90):
            for factor in (0.98, 1.02):
                x, y, _ = GEOD.fwd(mid_lon, mid_lat, azimuth + side, width * factor)
                nearest = GEOD.inv(
                    np.full(len(line_lon), x), np.full(len(line_lat), y), line_lon, line_lat
                )[2].min()
                if nearest < 0.99 * width:
                    assert shapely.contains_xy(area, x, y)
                    checked += 1
                elif nearest > 1.01 * width:
                    assert not shapely.contains_xy(area, x, y)
                    checked += 1
    assert checked >= 2 * len(corridor.coords)
