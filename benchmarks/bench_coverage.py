"""Service coverage: walking time from every node to the nearest place of every service.

Two parts, every tool measured in the same run (medians of repeats, ratios to ours):

1. Porto Alegre, the 13 services of ``data/porto_alegre/sample_registry.geojson``, in two
   cases: the sample's own 13 places, and 50 random places per service (at random nodes,
   seeded). One timed call computes all 13 services:

   * ours — ``Coverage(SafeRouter(net)).service(sites, service)`` per service (snapping, the
     places' arrival entries, one reverse multi-source search; no zones, day walking time);
   * ours, node sources — ``walk.node_costs(nodes, reverse=True)`` per service from the places'
     nearest nodes (the apples-to-apples peer of scipy: same sources, same arrays);
   * scipy — ``csgraph.dijkstra(csr, directed=True, indices=nodes, min_only=True)`` on the
     *same* reversed CSR arrays as ours (``walk._bwd``);
   * networkx — ``multi_source_dijkstra_path_length`` on the reversed graph (a ``DiGraph``
     with the walking seconds as weight), from the same nodes;
   * pandana — ``set_pois`` (at the nearest nodes' coordinates) + ``nearest_pois`` per service
     on one pandana Network built from our directed edge arrays (seconds as impedance,
     ``twoway=False``, cap 10^7 s so no node is capped); its build is reported apart.

   Agreement: max absolute difference in seconds against networkx over all nodes.

2. Square synthetic street grids (~10k, ~100k, ~1M directed edges; random segment lengths of
   80–120 m), 50 random facility nodes: ours (``node_costs``, reverse) and scipy at every size,
   networkx only up to ~100k edges. The curve is time against edges and ns per edge.

3. and 4. The regional batch on Dask (1 and 2 workers) and exact site choices (HiGHS vs
   PuLP/CBC vs greedy): :mod:`bench_coverage_regional`.
"""

from __future__ import annotations

import contextlib
import gc
import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
from common import Settings, median, ratio, silence_stdout, target

PANDANA_CAP_S = 1e7
#: Grid sides: 4·n·(n−1) directed edges ≈ 10k, 100k, 1M.
GRID_SIDES = (51, 159, 500)
GRID_SIDES_QUICK = (51, 159)
NETWORKX_MAX_EDGES = 150_000
RANDOM_PER_SERVICE = 50


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Collect, then pause the cyclic garbage collector while timing (as ``timeit`` does)."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _timed(
    funcs: dict[str, Callable[[], Any]], reps: int, log: Callable[[str], None], label: str
) -> dict[str, dict[str, Any]]:
    """Interleaved repeats of every function; medians per tool."""
    times: dict[str, list[float]] = {name: [] for name in funcs}
    for rep in range(reps):
        for name, func in funcs.items():
            with gc_paused():
                t0 = time.perf_counter()
                func()
                times[name].append(time.perf_counter() - t0)
        log(
            f"  {label} repeat {rep + 1}/{reps}: "
            + ", ".join(f"{n} {t[-1] * 1e3:.1f} ms" for n, t in times.items())
        )
    return {n: {"median_s": median(t), "repeats": len(t), "raw_s": t} for n, t in times.items()}


def _max_diff(a: np.ndarray, b: np.ndarray) -> dict[str, Any]:
    """Max absolute difference where both are finite (seconds in the city, metres on grids)."""
    fa, fb = np.isfinite(a), np.isfinite(b)
    both = fa & fb
    return {
        "max_abs_diff": float(np.max(np.abs(a[both] - b[both]))) if both.any() else None,
        "reachability_mismatches": int((fa != fb).sum()),
    }


def _reversed_digraph(n: int, bwd: tuple[np.ndarray, ...]) -> Any:
    """networkx DiGraph of the reversed graph held in a CSR triple (least weight per pair)."""
    import networkx as nx

    indptr, adj, w = bwd[0], bwd[1], bwd[2]
    tails = np.repeat(np.arange(n), np.diff(indptr))
    order = np.argsort(-w, kind="stable")  # the least weight is added last and kept
    g = nx.DiGraph()
    g.add_nodes_from(range(n))
    g.add_weighted_edges_from(
        zip(tails[order].tolist(), adj[order].tolist(), w[order].tolist(), strict=True)
    )
    return g


def _csr(n: int, bwd: tuple[np.ndarray, ...]) -> Any:
    from scipy.sparse import csr_matrix

    return csr_matrix((bwd[2], bwd[1], bwd[0]), shape=(n, n))


def _nearest_nodes(net: Any, lonlat: np.ndarray) -> np.ndarray:
    from scipy.spatial import cKDTree

    scale = np.cos(np.radians(float(np.mean(net.node_lat))))
    tree = cKDTree(np.column_stack([net.node_lon * scale, net.node_lat]))
    _, idx = tree.query(np.column_stack([lonlat[:, 0] * scale, lonlat[:, 1]]))
    return np.asarray(idx, dtype=np.int64)


def _city_case(
    settings: Settings,
    name: str,
    sites: list[Any],
    services: list[str],
    cov: Any,
    walk: Any,
    peers: dict[str, Any],
) -> dict[str, Any]:
    import networkx as nx
    import pandas as pd
    from scipy.sparse.csgraph import dijkstra

    from routing.coverage import offering

    net = walk.network
    per_service = {}
    for s in services:
        chosen = offering(sites, s)
        lonlat = np.array([(p.lon, p.lat) for p in chosen], dtype=np.float64)
        nodes = np.unique(_nearest_nodes(net, lonlat))
        per_service[s] = nodes
    csr, graph, pnet = peers["csr"], peers["networkx"], peers["pandana"]
    out: dict[str, list[np.ndarray]] = {}

    def ours_coverage() -> None:
        out["ours_coverage"] = [cov.service(sites, s).seconds for s in services]

    def ours_node_costs() -> None:
        out["ours_node_costs"] = [
            walk.node_costs(per_service[s], reverse=True)[0] for s in services
        ]

    def scipy_min_only() -> None:
        out["scipy"] = [
            dijkstra(csr, directed=True, indices=per_service[s], min_only=True) for s in services
        ]

    def networkx_msd() -> None:
        res = []
        for s in services:
            d = nx.multi_source_dijkstra_path_length(graph, per_service[s].tolist())
            arr = np.full(net.n_nodes, np.inf)
            arr[np.fromiter(d.keys(), np.int64)] = np.fromiter(d.values(), np.float64)
            res.append(arr)
        out["networkx"] = res

    def pandana_pois() -> None:
        res = []
        with silence_stdout():
            for s in services:
                nodes = per_service[s]
                pnet.set_pois(
                    "svc",
                    PANDANA_CAP_S,
                    1,
                    pd.Series(net.node_lon[nodes]),
                    pd.Series(net.node_lat[nodes]),
                )
                r = pnet.nearest_pois(PANDANA_CAP_S, "svc", num_pois=1)[1].to_numpy(np.float64)
                res.append(np.where(r >= PANDANA_CAP_S, np.inf, r))
        out["pandana"] = res

    funcs = {
        "ours_coverage": ours_coverage,
        "ours_node_costs": ours_node_costs,
        "scipy": scipy_min_only,
        "networkx": networkx_msd,
        "pandana": pandana_pois,
    }
    ours_coverage()  # warm-up (JIT, snapping tree, per-service sets)
    tools = _timed(funcs, settings.repeats, settings.log, name)
    ours = tools["ours_coverage"]["median_s"]
    nc = tools["ours_node_costs"]["median_s"]
    ratios = {
        "coverage_speedup_vs_networkx": ratio(tools["networkx"]["median_s"], ours),
        "coverage_speedup_vs_pandana": ratio(tools["pandana"]["median_s"], ours),
        "node_costs_speedup_vs_networkx": ratio(tools["networkx"]["median_s"], nc),
        "node_costs_speedup_vs_pandana": ratio(tools["pandana"]["median_s"], nc),
        "node_costs_over_scipy": ratio(nc, tools["scipy"]["median_s"]),
        "coverage_over_scipy": ratio(ours, tools["scipy"]["median_s"]),
    }
    ref = np.concatenate(out["networkx"])
    agreement = {
        f"{tool}_vs_networkx": _max_diff(np.concatenate(out[tool]), ref)
        for tool in ("ours_node_costs", "scipy", "pandana", "ours_coverage")
    }
    agreement["note"] = (
        "ours_coverage starts from the places' snapped positions with entry costs, the others "
        "from the nearest nodes, so its difference is the last stretch, not an error"
    )
    targets = [
        target(f"{name}: coverage faster than networkx", ratios["coverage_speedup_vs_networkx"],
               ">=", 1),
        target(f"{name}: coverage faster than pandana", ratios["coverage_speedup_vs_pandana"],
               ">=", 1),
        target(f"{name}: node_costs within 2x of scipy (ours/scipy)",
               ratios["node_costs_over_scipy"], "<=", 2),
    ]  # fmt: skip
    return {
        "case": name,
        "services": len(services),
        "places": len(sites),
        "sources_per_service": {s: len(v) for s, v in per_service.items()},
        "tools": tools,
        "ratios": ratios,
        "agreement": agreement,
        "targets": targets,
    }


def grid_network(side: int, seed: int) -> Any:
    """A ``side`` × ``side`` two-way street grid (80–120 m segments) as a :class:`Network`."""
    from routing.network import ATTR_KEYS, Network

    rng = np.random.default_rng(seed)
    idx = np.arange(side * side).reshape(side, side)
    lat0, step_lat = -30.0, 100.0 / 111_320.0
    step_lon = step_lat / np.cos(np.radians(lat0))
    rows, cols = np.divmod(np.arange(side * side), side)
    lon = -51.2 + cols * step_lon
    lat = lat0 + rows * step_lat
    u = np.concatenate([idx[:, :-1].ravel(), idx[:-1, :].ravel()]).astype(np.int32)
    v = np.concatenate([idx[:, 1:].ravel(), idx[1:, :].ravel()]).astype(np.int32)
    m = len(u)
    length = rng.uniform(80.0, 120.0, m)
    coord = np.column_stack([u, v]).ravel()
    cum = np.column_stack([np.zeros(m), length]).ravel()
    return Network(
        profile="walk",
        node_osmid=np.arange(side * side, dtype=np.int64),
        node_lon=lon,
        node_lat=lat,
        coord_lon=lon[coord],
        coord_lat=lat[coord],
        coord_cum=cum,
        seg_u=u,
        seg_v=v,
        seg_start=np.arange(0, 2 * m, 2, dtype=np.int64),
        seg_end=np.arange(1, 2 * m, 2, dtype=np.int64),
        seg_length=length,
        seg_way=np.zeros(m, dtype=np.int32),
        seg_fwd=np.ones(m, dtype=bool),
        seg_bwd=np.ones(m, dtype=bool),
        way_osmid=np.zeros(1, dtype=np.int64),
        way_attrs=np.zeros((1, len(ATTR_KEYS)), dtype=np.int32),
        strings=[""],
        meta={"synthetic": f"grid {side}x{side}"},
    )


def _grid(settings: Settings, side: int) -> dict[str, Any]:
    import networkx as nx
    from scipy.sparse.csgraph import dijkstra

    from routing import Router

    log = settings.log
    net = grid_network(side, settings.seed + side)
    router = Router(net)
    n, m = net.n_nodes, net.n_edges
    rng = np.random.default_rng(settings.seed + 7)
    fac = np.sort(rng.choice(n, size=settings.n_facilities, replace=False))
    csr = _csr(n, router._bwd)
    router.node_costs(fac, reverse=True)  # warm-up
    out: dict[str, np.ndarray] = {}

    def ours() -> None:
        out["ours_node_costs"] = router.node_costs(fac, reverse=True)[0]

    def scipy_min_only() -> None:
        out["scipy"] = dijkstra(csr, directed=True, indices=fac, min_only=True)

    funcs: dict[str, Callable[[], Any]] = {"ours_node_costs": ours, "scipy": scipy_min_only}
    with_nx = m <= NETWORKX_MAX_EDGES
    if with_nx:
        graph = _reversed_digraph(n, router._bwd)
        sources = fac.tolist()

        def networkx_msd() -> None:
            d = nx.multi_source_dijkstra_path_length(graph, sources)
            arr = np.full(n, np.inf)
            arr[np.fromiter(d.keys(), np.int64)] = np.fromiter(d.values(), np.float64)
            out["networkx"] = arr

        funcs["networkx"] = networkx_msd
    log(f"grid {side}x{side}: {n:,} nodes, {m:,} directed edges")
    tools = _timed(funcs, settings.repeats, log, f"grid {m:,}")
    for t in tools.values():
        t["ns_per_edge"] = t["median_s"] / m * 1e9
    ref = out["networkx"] if with_nx else out["scipy"]
    return {
        "side": side,
        "nodes": n,
        "edges": m,
        "tools": tools,
        "networkx": "measured" if with_nx else f"skipped (> {NETWORKX_MAX_EDGES:,} edges)",
        "ours_over_scipy": ratio(tools["ours_node_costs"]["median_s"], tools["scipy"]["median_s"]),
        "speedup_vs_networkx": ratio(tools["networkx"]["median_s"],
                                     tools["ours_node_costs"]["median_s"]) if with_nx else None,
        "agreement_reference": "networkx" if with_nx else "scipy",
        "agreement_unit": "metres",
        "agreement": {
            k: _max_diff(out[k], ref) for k in out if k != ("networkx" if with_nx else "scipy")
        },
    }  # fmt: skip


def run(settings: Settings, net: Any, sites: list[Any]) -> dict[str, Any]:
    """Both parts; return medians, ratios, agreement and target verdicts."""
    import pandana
    import pandas as pd

    from routing.coverage import Coverage
    from routing.safe import SafeRouter, Site

    log = settings.log
    services = sorted({s for p in sites for s in p.services})
    prep: dict[str, float] = {}
    t0 = time.perf_counter()
    safe = SafeRouter(net)
    cov = Coverage(safe)
    walk = cov.router()
    prep["ours_safe_router_and_walk_router_s"] = time.perf_counter() - t0
    n = net.n_nodes
    t0 = time.perf_counter()
    csr = _csr(n, walk._bwd)
    prep["scipy_csr_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    graph = _reversed_digraph(n, walk._bwd)
    prep["networkx_graph_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    with silence_stdout():
        pnet = pandana.Network(
            pd.Series(net.node_lon),
            pd.Series(net.node_lat),
            pd.Series(net.edge_u.astype(np.int64)),
            pd.Series(net.edge_v.astype(np.int64)),
            pd.DataFrame({"seconds": walk.weights}),
            twoway=False,
        )
    prep["pandana_network_s"] = time.perf_counter() - t0
    peers = {"csr": csr, "networkx": graph, "pandana": pnet}

    rng = np.random.default_rng(settings.seed + 3)
    random_sites = []
    for s in services:
        for k, node in enumerate(rng.choice(n, size=RANDOM_PER_SERVICE, replace=False)):
            random_sites.append(
                Site(id=f"rand-{s}-{k}", name=f"random {s} {k}", lon=float(net.node_lon[node]),
                     lat=float(net.node_lat[node]), services=(s,))
            )  # fmt: skip
    log(f"city: {len(services)} services; sample places {len(sites)}, random {len(random_sites)}")
    cases = [
        _city_case(settings, "sample places", sites, services, cov, walk, peers),
        _city_case(settings, f"{RANDOM_PER_SERVICE} random places per service", random_sites,
                   services, cov, walk, peers),
    ]  # fmt: skip
    del graph, peers
    gc.collect()
    sides = GRID_SIDES_QUICK if settings.quick else GRID_SIDES
    grids = [_grid(settings, side) for side in sides]
    import bench_coverage_regional

    log("regional batch and exact site choices")
    regional = bench_coverage_regional.regional(settings, net)
    site_choice = bench_coverage_regional.site_choice(settings, net)
    targets = [t for c in cases for t in c["targets"]]
    targets += regional["targets"] + site_choice["targets"]
    return {
        "settings": {
            "services": services,
            "random_places_per_service": RANDOM_PER_SERVICE,
            "grid_facilities": settings.n_facilities,
            "grid_sides": list(sides),
            "networkx_max_grid_edges": NETWORKX_MAX_EDGES,
        },
        "method": (
            "one timed call covers all 13 services; interleaved repeats with the cyclic GC "
            "paused; medians; weights are day walking seconds (no zones); peers' build times "
            "are reported apart and not timed"
        ),
        "preparation_s": prep,
        "city": cases,
        "grids": grids,
        "regional": regional,
        "site_choice": site_choice,
        "targets": targets,
    }


TOOL_LABELS = {
    "ours_coverage": "geomap `Coverage.service` × services (snapped places, entry costs)",
    "ours_node_costs": "geomap `node_costs(nodes, reverse=True)` × services",
    "scipy": "scipy `csgraph.dijkstra(min_only=True)`, same CSR arrays",
    "networkx": "networkx `multi_source_dijkstra_path_length`, reversed DiGraph",
    "pandana": "pandana `set_pois` + `nearest_pois`",
}


def render(results: dict[str, Any]) -> str:
    """Markdown summary (``coverage.md``)."""
    from report import _ms, _verdict, _x

    m = results["machine"]
    ds = results["dataset"]
    lines = [
        "# Service coverage: every service, every node",
        "",
        f"{m['date']} · {m['cpu_model']} ({m['cpu_count']} cores) · Python {m['python']} · "
        f"repeats {results['settings']['repeats']} (medians) · "
        f"quick {results['settings']['quick']}",
        "",
        f"Porto Alegre walking network: {ds['nodes']:,} nodes, {ds['edges']:,} directed edges. "
        f"{results['method']}.",
    ]
    for case in results["city"]:
        tools, r = case["tools"], case["ratios"]
        ours = tools["ours_coverage"]["median_s"]
        lines += [
            "",
            f"## Porto Alegre, {case['case']}: {case['services']} services, "
            f"{case['places']} places",
            "",
            "| tool | all services | per service | time / ours | max abs diff vs networkx |",
            "|---|---|---|---|---|",
        ]
        for key, label in TOOL_LABELS.items():
            t = tools[key]["median_s"]
            ag = case["agreement"].get(f"{key}_vs_networkx")
            diff = "reference" if key == "networkx" else (
                f"{ag['max_abs_diff']:.3g} s ({ag['reachability_mismatches']} reach mismatches)"
            )  # fmt: skip
            lines.append(
                f"| {label} | {_ms(t)} | {_ms(t / case['services'])} | "
                f"{_x(ratio(t, ours))} | {diff} |"
            )
        lines += [
            "",
            f"`node_costs` / scipy = {r['node_costs_over_scipy']:.2f}; "
            f"`Coverage.service` / scipy = {r['coverage_over_scipy']:.2f}.",
        ]
    lines += [
        "",
        "## Synthetic square street grids, 50 facilities (reverse multi-source, every node)",
        "",
        "| grid | nodes | directed edges | ours | ours ns/edge | scipy | scipy ns/edge | "
        "ours/scipy | networkx | networkx ns/edge | networkx/ours |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for g in results["grids"]:
        t = g["tools"]
        nx_t = t.get("networkx")
        lines.append(
            f"| {g['side']}×{g['side']} | {g['nodes']:,} | {g['edges']:,} | "
            f"{_ms(t['ours_node_costs']['median_s'])} | "
            f"{t['ours_node_costs']['ns_per_edge']:.0f} | "
            f"{_ms(t['scipy']['median_s'])} | {t['scipy']['ns_per_edge']:.0f} | "
            f"{g['ours_over_scipy']:.2f} | "
            + (f"{_ms(nx_t['median_s'])} | {nx_t['ns_per_edge']:.0f} | "
               f"{_x(g['speedup_vs_networkx'])} |" if nx_t else "skipped | — | — |")
        )  # fmt: skip
    lines += [
        "",
        f"networkx is skipped above {results['settings']['networkx_max_grid_edges']:,} edges "
        "(about 1–2 µs per edge: over a second per call at 1M edges). Grid distances agree: "
        + "; ".join(
            f"{g['edges']:,} edges: max abs diff vs {g['agreement_reference']} "
            + ", ".join(f"{k} {v['max_abs_diff']:.3g} m" for k, v in g["agreement"].items())
            for g in results["grids"]
        )
        + ".",
    ]
    import bench_coverage_regional

    lines += bench_coverage_regional.render(results)
    lines += [
        "",
        "## Targets",
        "",
        "| target | value | wanted | verdict |",
        "|---|---|---|---|",
    ]
    lines += [_verdict(t) for t in results["targets"]]
    s = results["summary"]
    lines += ["", f"{s['targets_passed']}/{s['targets_total']} targets passed.", ""]
    return "\n".join(lines)
