"""Section 3: distance from every node to the nearest of 50 facilities.

The facilities are random graph nodes (seeded). Timed calls:

* ours — ``Router.nearest_facility(lon/lat of the facilities)`` (snapping included), and
  ``Router.node_costs(facility nodes, reverse=True)`` (already node indices);
* networkx — ``multi_source_dijkstra_path_length(G, sources, weight="length")`` on
  ``Network.to_networkx()``;
* pandana — ``set_pois`` with the facility coordinates + ``nearest_pois(distance, category,
  num_pois=1)`` on a pandana Network built from our directed edge arrays (length as
  impedance, ``twoway=False``); its contraction-hierarchy build is reported apart. The
  search radius is 100 km, beyond any distance in the city, so no node is capped.

The distances are checked against networkx (max absolute difference over all nodes).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from common import Settings, median, ratio, silence_stdout, target

PANDANA_RADIUS_M = 100_000.0


def run(settings: Settings, net: Any) -> dict[str, Any]:
    """Time every tool; return medians, ratios, agreement and target verdicts."""
    import networkx as nx
    import pandana
    import pandas as pd

    from routing import Router

    log = settings.log
    reps = settings.repeats
    rng = np.random.default_rng(settings.seed + 1)
    fac = np.sort(rng.choice(net.n_nodes, size=settings.n_facilities, replace=False))
    fac_lonlat = np.column_stack([net.node_lon[fac], net.node_lat[fac]])
    fac_points = fac_lonlat.tolist()
    sources = net.node_osmid[fac].tolist()
    osmid = net.node_osmid.tolist()
    prep: dict[str, float] = {}

    t0 = time.perf_counter()
    router = Router(net, max_snap_m=500)
    router.nearest_facility(fac_points)  # warm-up: JIT (disk cache) and snapping tree
    router.node_costs(fac, reverse=True)
    prep["ours_router_init_and_warmup_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    graph = net.to_networkx()
    prep["networkx_graph_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    with silence_stdout():
        pnet = pandana.Network(
            pd.Series(net.node_lon),
            pd.Series(net.node_lat),
            pd.Series(net.edge_u.astype(np.int64)),
            pd.Series(net.edge_v.astype(np.int64)),
            pd.DataFrame({"length": net.edge_length}),
            twoway=False,
        )
    prep["pandana_network_s"] = time.perf_counter() - t0

    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    indptr, adj, w_rev, _ = router._bwd  # the same reversed arrays our search uses
    csr = csr_matrix((w_rev, adj, indptr), shape=(net.n_nodes, net.n_nodes))
    out: dict[str, np.ndarray] = {}

    def scipy_min_only() -> None:
        out["scipy"] = dijkstra(csr, directed=True, indices=fac, min_only=True)

    def ours_nearest() -> None:
        out["ours_nearest_facility"] = router.nearest_facility(fac_points)[0]

    def ours_node_costs() -> None:
        out["ours_node_costs"] = router.node_costs(fac, reverse=True)[0]

    def networkx_msd() -> None:
        dist = nx.multi_source_dijkstra_path_length(graph, sources, weight="length")
        out["networkx"] = np.array([dist.get(i, np.inf) for i in osmid])

    def pandana_pois() -> None:
        with silence_stdout():
            pnet.set_pois(
                "facility",
                PANDANA_RADIUS_M,
                1,
                pd.Series(fac_lonlat[:, 0]),
                pd.Series(fac_lonlat[:, 1]),
            )
            res = pnet.nearest_pois(PANDANA_RADIUS_M, "facility", num_pois=1)
        out["pandana"] = res[1].to_numpy(dtype=np.float64)

    funcs = {
        "ours_nearest_facility": ours_nearest,
        "ours_node_costs": ours_node_costs,
        "networkx": networkx_msd,
        "pandana": pandana_pois,
        "scipy": scipy_min_only,
    }
    times: dict[str, list[float]] = {name: [] for name in funcs}
    for rep in range(reps):
        for name, func in funcs.items():
            t0 = time.perf_counter()
            func()
            times[name].append(time.perf_counter() - t0)
        log(
            f"  repeat {rep + 1}/{reps} "
            + ", ".join(f"{n} {t[-1] * 1e3:.1f} ms" for n, t in times.items())
        )
    tools = {
        name: {"median_s": median(t), "repeats": len(t), "raw_s": t} for name, t in times.items()
    }
    ours_s = tools["ours_nearest_facility"]["median_s"]
    ratios = {
        "speedup_vs_networkx": ratio(tools["networkx"]["median_s"], ours_s),
        "speedup_vs_pandana": ratio(tools["pandana"]["median_s"], ours_s),
        "node_costs_speedup_vs_networkx": ratio(
            tools["networkx"]["median_s"], tools["ours_node_costs"]["median_s"]
        ),
        "vs_scipy": ratio(tools["scipy"]["median_s"], ours_s),
        "node_costs_vs_scipy": ratio(
            tools["scipy"]["median_s"], tools["ours_node_costs"]["median_s"]
        ),
        "node_costs_speedup_vs_pandana": ratio(
            tools["pandana"]["median_s"], tools["ours_node_costs"]["median_s"]
        ),
    }
    ref = out["networkx"]
    agreement = {
        f"max_abs_diff_m_{name}_vs_networkx": float(np.max(np.abs(out[name] - ref)))
        for name in ("ours_nearest_facility", "ours_node_costs", "pandana", "scipy")
    }
    agreement["unreachable_nodes_networkx"] = int((~np.isfinite(ref)).sum())
    agreement["max_distance_m"] = float(np.max(ref[np.isfinite(ref)]))
    targets = [
        target("nearest facility vs networkx", ratios["speedup_vs_networkx"], ">=", 1),
        target("nearest facility vs pandana", ratios["speedup_vs_pandana"], ">=", 1),
        # within 1.2x of bare scipy: scipy time / ours >= 1 / 1.2
        target(
            "nearest facility (snapping included) vs bare scipy",
            ratios["vs_scipy"],
            ">=",
            round(1 / 1.2, 3),
        ),
    ]
    snapping = _snapping(router, net, rng, reps)
    targets.append(
        target("snapping 10,000 points, µs a point", snapping["per_point_us"], "<=", 5.0)
    )
    return {
        "facilities": len(fac),
        "seed": settings.seed + 1,
        "method": (
            "one call computes the distance from every node to its nearest facility; "
            "ours_nearest_facility includes snapping the facility points; pandana includes "
            "set_pois (its snapping) + nearest_pois with a 100 km radius; medians of repeats"
        ),
        "preparation_s": prep,
        "tools": tools,
        "ratios": ratios,
        "agreement": agreement,
        "snapping": snapping,
        "targets": targets,
    }


def _snapping(router: Any, net: Any, rng: np.random.Generator, reps: int) -> dict[str, Any]:
    """``Router.snap_points`` on 10,000 points up to ~100 m from random nodes (one call)."""
    idx = rng.integers(0, net.n_nodes, 10_000)
    pts = np.column_stack([net.node_lon[idx] + rng.normal(0, 4e-4, len(idx)),
                           net.node_lat[idx] + rng.normal(0, 4e-4, len(idx))])  # fmt: skip
    points = pts.tolist()
    router.snap_points(points[:10])
    times = []
    for _ in range(max(reps, 3)):
        t0 = time.perf_counter()
        router.snap_points(points)
        times.append(time.perf_counter() - t0)
    return {"points": len(points), "per_point_us": median(times) / len(points) * 1e6,
            "raw_s": times, "input": "list of (lon, lat) pairs, validated"}  # fmt: skip
