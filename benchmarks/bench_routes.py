"""Section 2: random point-to-point routes with their path geometry.

The pairs are random graph nodes (seeded). geomap gets their lon/lat and snaps them
(``Router.route``), which returns the length and the full coordinate list. The peers get the
same pairs as node ids and must also produce the path geometry:

* osmnx — ``osmnx.routing.shortest_path(G, origs, dests, weight="length")`` on
  ``Network.to_networkx()``, called once with the lists of all pairs (osmnx checks every
  edge's weight once per call, so per-pair calls are ~5x slower; that variant is timed on a
  subsample as well), then a shapely LineString from the edge geometries;
* igraph — ``Graph.get_shortest_path(..., weights="length", output="epath")`` on a graph
  built from our edge arrays, then the coordinates of those edges;
* Valhalla — a pedestrian route request per pair on the same lon/lat points (its own graph,
  so lengths differ somewhat), timed in a Python 3.12 subprocess.

Per-query time is the total of a repeat divided by the number of pairs; medians over
repeats. Preparation (graph conversion, Router set-up, JIT warm-up) is reported apart.
"""

from __future__ import annotations

import itertools
import time
from typing import Any

import numpy as np
from common import Settings, median, ratio, target
from valhalla_peer import ValhallaPeer, describe


def make_pairs(n_nodes: int, count: int, seed: int) -> np.ndarray:
    """``(count, 2)`` random node index pairs with distinct ends."""
    rng = np.random.default_rng(seed)
    pairs = rng.integers(0, n_nodes, size=(count, 2))
    same = pairs[:, 0] == pairs[:, 1]
    pairs[same, 1] = (pairs[same, 1] + 1) % n_nodes
    return pairs


def _per_query(times: list[float], count: int) -> dict[str, Any]:
    return {
        "per_query_s": median(times) / count,
        "repeats": len(times),
        "raw_repeat_total_s": times,
    }


def _osmnx_line(graph: Any, path: list[int]) -> tuple[Any, float]:
    """LineString of a node path from the edge geometries (shortest parallel edge)."""
    import shapely

    coords: list[tuple[float, float]] = []
    length = 0.0
    for u, v in itertools.pairwise(path):
        data = min(graph[u][v].values(), key=lambda d: d["length"])
        length += data["length"]
        part = list(data["geometry"].coords)
        coords.extend(part if not coords else part[1:])
    if len(coords) < 2:  # origin == destination never happens with distinct pairs
        coords = coords * 2
    return shapely.LineString(coords), length


def run(
    settings: Settings, net: Any, valhalla: ValhallaPeer | None, osrm: Any = None
) -> dict[str, Any]:
    """Time the routes of every tool; return medians, ratios, agreement checks, verdicts."""
    import igraph
    import osmnx

    from routing import Router

    log = settings.log
    reps = settings.repeats
    pairs = make_pairs(net.n_nodes, settings.n_pairs, settings.seed)
    lon, lat = net.node_lon.tolist(), net.node_lat.tolist()
    points = [((lon[a], lat[a]), (lon[b], lat[b])) for a, b in pairs.tolist()]
    osmid = net.node_osmid.tolist()
    origs = [osmid[a] for a in pairs[:, 0].tolist()]
    dests = [osmid[b] for b in pairs[:, 1].tolist()]
    count = len(points)
    prep: dict[str, float] = {}

    # ---- ours
    t0 = time.perf_counter()
    router = Router(net, max_snap_m=500)
    prep["ours_router_init_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    for a, b in points[:20]:  # JIT (disk cache), landmarks, snapping tree
        router.route(a, b)
    prep["ours_warmup_s"] = time.perf_counter() - t0
    ours_len = np.zeros(count)

    def ours() -> None:
        for k, (a, b) in enumerate(points):
            ours_len[k] = router.route(a, b).length_m

    # ---- osmnx
    t0 = time.perf_counter()
    graph = net.to_networkx()
    prep["networkx_graph_s"] = time.perf_counter() - t0
    osmnx_len = np.zeros(count)

    def osmnx_batch() -> None:
        paths = osmnx.routing.shortest_path(graph, origs, dests, weight="length", cpus=1)
        for k, path in enumerate(paths):
            osmnx_len[k] = _osmnx_line(graph, path)[1]

    n_single = min(settings.n_single_pairs, count)

    def osmnx_single() -> None:
        for o, d in zip(origs[:n_single], dests[:n_single], strict=True):
            path = osmnx.routing.shortest_path(graph, o, d, weight="length")
            _osmnx_line(graph, path)

    # ---- igraph
    t0 = time.perf_counter()
    ig = igraph.Graph(
        n=net.n_nodes,
        edges=np.column_stack([net.edge_u, net.edge_v]).tolist(),
        directed=True,
    )
    ig.es["length"] = net.edge_length.tolist()
    edge_xy = [net.edge_coords(e) for e in range(net.n_edges)]
    edge_len = net.edge_length
    prep["igraph_graph_s"] = time.perf_counter() - t0
    ig_len = np.zeros(count)
    node_pairs = pairs.tolist()

    def igraph_routes() -> None:
        for k, (a, b) in enumerate(node_pairs):
            epath = ig.get_shortest_path(a, b, weights="length", output="epath")
            np.concatenate([edge_xy[epath[0]], *(edge_xy[e][1:] for e in epath[1:])])
            ig_len[k] = edge_len[epath].sum()

    funcs = {
        "ours": (ours, count),
        "igraph": (igraph_routes, count),
        "osmnx_batched": (osmnx_batch, count),
        "osmnx_per_pair": (osmnx_single, n_single),
    }
    times: dict[str, list[float]] = {name: [] for name in funcs}
    for rep in range(reps):  # tools interleaved within each repeat
        for name, (func, n) in funcs.items():
            t0 = time.perf_counter()
            func()
            times[name].append(time.perf_counter() - t0)
            log(
                f"  repeat {rep + 1}/{reps} {name:15s} {n:5d} routes, "
                f"{times[name][-1] / n * 1e3:.3f} ms per route"
            )
    tools: dict[str, dict[str, Any]] = {
        name: {**_per_query(times[name], n), "pairs": n} for name, (_, n) in funcs.items()
    }

    # ---- Valhalla
    valhalla_result: dict[str, Any] = {"skipped": valhalla is None}
    if valhalla is not None:
        log(f"  valhalla: {count} routes x {reps} repeats (Python 3.12 subprocess)")
        raw = valhalla.routes([[list(a), list(b)] for a, b in points])
        valhalla_result.update(describe(valhalla))
        if raw is not None:
            per_query = median([r["mean_query_s"] for r in raw["runs"]])
            v_len = np.array([np.nan if x is None else x for x in raw["lengths_m"]])
            ok = np.isfinite(v_len)
            rel = np.abs(v_len[ok] - ours_len[ok]) / np.maximum(ours_len[ok], 1.0)
            tools["valhalla"] = {
                "per_query_s": per_query,
                "repeats": len(raw["runs"]),
                "pairs": count,
                "raw_repeat_total_s": [r["total_s"] for r in raw["runs"]],
                "median_query_s": median([r["median_query_s"] for r in raw["runs"]]),
                "actor_init_s": raw["actor_init_s"],
                "failures": raw["failures"],
                "error_samples": raw["error_samples"],
                "length_rel_diff_vs_ours_median": float(np.median(rel)) if ok.any() else None,
                "length_rel_diff_vs_ours_p95": (
                    float(np.percentile(rel, 95)) if ok.any() else None
                ),
            }
            log(f"    {per_query * 1e3:.3f} ms per route, {raw['failures']} failures")
        else:
            log(f"    Valhalla failed: {valhalla.error}")
        valhalla_result["error"] = valhalla.error

    # ---- OSRM
    osrm_result: dict[str, Any] = {"skipped": osrm is None}
    if osrm is not None:
        log(f"  osrm: {count} routes x {reps} repeats (Python 3.12 subprocess, CH, foot)")
        dataset = osrm.dataset(settings.pbf, "poa", "CH")
        raw = osrm.routes(dataset, "CH", points, reps) if dataset is not None else None
        if raw is not None and raw["queries"]:
            o_len = np.array([np.nan if x is None else x for x in raw["lengths_m"]])
            ok = np.isfinite(o_len)
            rel = np.abs(o_len[ok] - ours_len[ok]) / np.maximum(ours_len[ok], 1.0)
            tools["osrm"] = {
                **_per_query(raw["totals_s"], raw["queries"]),
                "pairs": raw["queries"],
                "failed": raw["failed"],
                "load_s": raw["load_s"],
                "length_rel_diff_vs_ours_median": float(np.median(rel)) if ok.any() else None,
            }
            log(f"    {tools['osrm']['per_query_s'] * 1e3:.3f} ms per route")
        osrm_result.update({"error": osrm.error, "builds": osrm.builds})

    ours_q = tools["ours"]["per_query_s"]
    ratios = {
        f"speedup_vs_{name}": ratio(t["per_query_s"], ours_q)
        for name, t in tools.items()
        if name != "ours"
    }
    diff_osmnx = np.abs(ours_len - osmnx_len)
    diff_igraph = np.abs(ours_len - ig_len)
    agreement = {
        "max_abs_diff_m_vs_osmnx": float(diff_osmnx.max()),
        "pairs_differing_over_1cm_vs_osmnx": int((diff_osmnx > 0.01).sum()),
        "max_abs_diff_m_vs_igraph": float(diff_igraph.max()),
        "median_route_length_m": float(np.median(ours_len)),
    }
    targets = [
        target("routes vs osmnx (batched call)", ratios["speedup_vs_osmnx_batched"], ">=", 30),
        target(
            "routes vs OSRM (snap + search + coordinates)", ratios.get("speedup_vs_osrm"), ">=", 1
        ),
    ]
    return {
        "pairs": count,
        "seed": settings.seed,
        "method": (
            "random node pairs; ours = Router.route on their lon/lat (snap + CCH search + "
            "coordinates + steps); osrm = Route(overview full, GeoJSON geometry) per pair, foot "
            "profile, CH; osmnx = routing.shortest_path with lists of all pairs + LineString "
            "from edge geometries; igraph = get_shortest_path(output='epath') + edge "
            "coordinates; valhalla = pedestrian route, JSON in and parsed out; per query = "
            "repeat total / pairs, median of repeats"
        ),
        "preparation_s": prep,
        "tools": tools,
        "ratios": ratios,
        "agreement": agreement,
        "valhalla": valhalla_result,
        "osrm": osrm_result,
        "targets": targets,
    }
