"""Sections 4 and 5: the engine at corridor scale, on generated corridor networks.

The networks come from :func:`routing.synthetic.corridor_osm` (seed 1), written as real
``.osm.pbf`` files and built by the real builder in a fresh measured process
(``build_child.py ours_save``: imports, build, derived arrays, snapping index, hierarchy order,
save).

4. **Growth** (10k → 100k → 1M → 5M directed edges): build (whole process), load (fresh
   process), random routes with geometry (snap + search + coordinates), multi-source search
   (nearest of 50 nodes, reversed graph) against scipy's ``dijkstra(min_only=True)`` on the
   same CSR arrays, file size and memory per edge.
5. **The 5M-edge corridor**: routes over 100 km against today's A* (the ``routing`` package
   of the base commit, exported with ``git archive``, run in its own process on the same
   PBF) and against OSRM (MLD, foot); a risk-zone edit applied to routing (``set_zones`` with
   one zone grown, then the next safe route); several worker processes loading the same file
   (proportional and unique set sizes from ``/proc/<pid>/smaps_rollup``).
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from common import BENCH_DIR, REPO_DIR, Settings, median, ratio, run_measured, target

CHILD = str(BENCH_DIR / "build_child.py")
BASE_COMMIT = "b3f73b9"
SIZES = (10_000, 100_000, 1_000_000, 5_000_000)


def corridor_files(work: Path, edges: int, log: Any) -> tuple[Path, Path]:
    """The corridor's PBF (generated if missing) and its saved network path."""
    from routing.synthetic import corridor_osm, write_pbf

    pbf = work / f"corridor-{edges}.osm.pbf"
    if not pbf.exists():
        log(f"  generating the {edges:,}-edge corridor (untimed)")
        write_pbf(corridor_osm(edges, seed=1), pbf)
    return pbf, work / f"corridor-{edges}.npz"


def _measured(mode: str, *args: Path) -> dict[str, Any]:
    result = run_measured([sys.executable, CHILD, mode, *map(str, args)])
    if result.returncode != 0 or not result.report:
        raise RuntimeError(f"child {mode} failed:\n{result.stderr}")
    return {**result.report, "process_wall_s": result.wall_s, "peak_rss_mb": result.max_rss_mb}


def _pairs(net: Any, count: int, rng: np.random.Generator, min_km: float = 0.0) -> list[Any]:
    from routing.geodesy import distance_m

    out: list[Any] = []
    tries = 0
    while len(out) < count and tries < 200:
        tries += 1
        a, b = rng.integers(0, net.n_nodes, size=(2, 4 * count))
        d = distance_m(net.node_lon[a], net.node_lat[a], net.node_lon[b], net.node_lat[b])
        for i in np.flatnonzero(d >= min_km * 1000).tolist():
            out.append(((float(net.node_lon[a[i]]), float(net.node_lat[a[i]])),
                        (float(net.node_lon[b[i]]), float(net.node_lat[b[i]]))))  # fmt: skip
            if len(out) == count:
                break
    return out


def growth_row(settings: Settings, edges: int, pbf: Path, out: Path) -> dict[str, Any]:
    """Build, load, routes, multi-source and memory at one size."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    from routing import Network, Router

    log = settings.log
    build = _measured("ours_save", pbf, out)
    load = _measured("load", out)
    log(f"  {edges:>9,}: build {build['process_wall_s']:.1f} s (peak {build['peak_rss_mb']:.0f}"
        f" MiB), load {load['work_s'] * 1e3:.1f} ms")  # fmt: skip
    net = Network.load(out)
    router = Router(net)
    rng = np.random.default_rng(7)
    pairs = _pairs(net, 20 if edges >= 1_000_000 else 100, rng)
    t0 = time.perf_counter()
    router.route(*pairs[0])
    first_route_s = time.perf_counter() - t0  # hierarchy topology + customization
    route_times = []
    for _ in range(settings.repeats):
        t0 = time.perf_counter()
        for a, b in pairs:
            router.route(a, b)
        route_times.append((time.perf_counter() - t0) / len(pairs))
    fac = rng.choice(net.n_nodes, 50, replace=False)
    indptr, adj, w, _ = router._bwd
    csr = csr_matrix((w, adj, indptr), shape=(net.n_nodes, net.n_nodes))
    router.node_costs(fac, reverse=True)
    ours_ms, scipy_ms = [], []
    for _ in range(settings.repeats):
        t0 = time.perf_counter()
        ours = router.node_costs(fac, reverse=True)[0]
        ours_ms.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        ref = dijkstra(csr, directed=True, indices=fac, min_only=True)
        scipy_ms.append(time.perf_counter() - t0)
    agree = float(np.max(np.abs(np.where(np.isfinite(ref), ours - ref, 0.0))))
    return {
        "edges": net.n_edges,
        "nodes": net.n_nodes,
        "build_process_s": build["process_wall_s"],
        "build_peak_rss_mb": build["peak_rss_mb"],
        "build_imported_numba": build.get("numba"),
        "load_s": load["work_s"],
        "load_rss_mb": load["peak_rss_mb"],
        "file_bytes": out.stat().st_size,
        "file_bytes_per_edge": out.stat().st_size / net.n_edges,
        "first_route_s": first_route_s,
        "route_s": median(route_times),
        "route_pairs": len(pairs),
        "multi_source_s": median(ours_ms),
        "scipy_multi_source_s": median(scipy_ms),
        "multi_source_speedup_vs_scipy": ratio(median(scipy_ms), median(ours_ms)),
        "multi_source_max_abs_diff": agree,
        "load_rss_bytes_per_edge": load["peak_rss_mb"] * 2**20 / net.n_edges,
    }


def _baseline(settings: Settings, pbf: Path, pairs: list[Any]) -> dict[str, Any]:
    """Today's A* (base commit) on the same PBF and points, in its own process."""
    export = settings.work_dir / "baseline"
    if not (export / "routing" / "router.py").exists():
        export.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "-C", str(REPO_DIR), "archive", BASE_COMMIT, "routing"],
                                 capture_output=True, check=True).stdout  # fmt: skip
        subprocess.run(["tar", "-x", "-C", str(export)], input=archive, check=True)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
        json.dump([[a[0], a[1], b[0], b[1]] for a, b in pairs], fh)
    env = {"PYTHONPATH": str(export), "PATH": "/usr/bin:/bin"}
    script = str(BENCH_DIR / "baseline_astar.py")
    proc = subprocess.run([sys.executable, script, str(pbf), fh.name, str(settings.repeats)],
                          capture_output=True, text=True, env=env, check=False)  # fmt: skip
    Path(fh.name).unlink(missing_ok=True)
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-3:]}
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


def _zones(net: Any, rng: np.random.Generator, count: int, grow_m: float = 0.0) -> list[Any]:
    import shapely

    from routing.costs import RiskZone

    zones = []
    centres = rng.choice(net.n_nodes, count, replace=False)
    for k, c in enumerate(centres.tolist()):
        half = (300.0 + (grow_m if k == 0 else 0.0)) / 111_195.0
        lon, lat = float(net.node_lon[c]), float(net.node_lat[c])
        box = shapely.box(lon - half / math.cos(math.radians(lat)), lat - half,
                          lon + half / math.cos(math.radians(lat)), lat + half)  # fmt: skip
        level = "avoid" if k % 5 == 4 else ("high" if k % 2 else "medium")
        zones.append(RiskZone(f"z{k}", box, level))
    return zones


def zone_edit(net: Any, pairs: list[Any]) -> dict[str, Any]:
    """Time for a risk-zone edit to reach routing: set_zones + the next safe route."""
    from routing.safe import SafeRouter

    rng = np.random.default_rng(11)
    layer = _zones(net, rng, 30)
    grown = _zones(net, np.random.default_rng(11), 30, grow_m=150.0)
    t0 = time.perf_counter()
    safe = SafeRouter(net, zones=layer, layer_version=1)
    router = safe.router(night=False)
    router.route(*pairs[0])
    setup_s = time.perf_counter() - t0
    edits = []
    for version in range(2, 6):
        t0 = time.perf_counter()
        safe.set_zones(grown if version % 2 == 0 else layer, layer_version=version)
        t_set = time.perf_counter() - t0
        r = safe.router(night=False)
        t_weights = time.perf_counter() - t0
        r.route(*pairs[version % len(pairs)])
        edits.append({"total_s": time.perf_counter() - t0, "set_zones_s": t_set,
                      "reweight_s": t_weights - t_set})  # fmt: skip
    return {"zones": len(layer), "setup_s": setup_s, "edits": edits,
            "edit_applied_s": median([e["total_s"] for e in edits])}  # fmt: skip


_WORKER = """
import json, os, sys, time
t0 = time.perf_counter()
from routing import Network, Router
net = Network.load(sys.argv[1])
load_s = time.perf_counter() - t0
router = Router(net)
router.snap((float(net.node_lon[0]), float(net.node_lat[0])))
ready_s = time.perf_counter() - t0
if sys.argv[2] == "serve":  # a worker in service: routes, a one-to-all search
    a = (float(net.node_lon[1]), float(net.node_lat[1]))
    b = (float(net.node_lon[-1]), float(net.node_lat[-1]))
    router.route(a, b)
    router.nearest_facility([a, b])
print(json.dumps({"load_s": load_s, "ready_s": ready_s,
                  "total_s": time.perf_counter() - t0}), flush=True)
sys.stdin.readline()
"""


def _smaps(pid: int) -> dict[str, float]:
    out = {}
    with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as fh:
        for line in fh:
            parts = line.split()
            if parts[0] in {"Rss:", "Pss:", "Private_Clean:", "Private_Dirty:"}:
                out[parts[0].rstrip(":").lower()] = int(parts[1]) / 1024.0
    out["uss"] = out.get("private_clean", 0.0) + out.get("private_dirty", 0.0)
    return out


def workers(path: Path, count: int, mode: str) -> dict[str, Any]:
    """Start ``count`` processes that load the same file; their memory once all are up."""
    procs, timings = [], []
    for _ in range(count):
        p = subprocess.Popen([sys.executable, "-c", _WORKER, str(path), mode],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)  # fmt: skip
        assert p.stdout is not None
        timings.append(json.loads(p.stdout.readline()))
        procs.append(p)
    mem = [_smaps(p.pid) for p in procs]
    for p in procs:
        assert p.stdin is not None
        p.stdin.write("\n")
        p.stdin.flush()
        p.wait()
    first = mem[0]["rss"]
    later = [m["uss"] for m in mem[1:]]
    return {
        "mode": mode,
        "workers": count,
        "timings": timings,
        "memory_mb": mem,
        "first_rss_mb": first,
        "later_added_mb": later,
        "later_added_share_of_first": max(later) / first if later else None,
    }


def run(settings: Settings, sizes: tuple[int, ...], osrm: Any) -> dict[str, Any]:
    """Both sections; the 5M-edge part only when 5M is among ``sizes``."""
    from routing import Network, Router

    log = settings.log
    work = settings.work_dir
    rows = []
    for edges in sizes:
        pbf, out = corridor_files(work, edges, log)
        rows.append(growth_row(settings, edges, pbf, out))
    result: dict[str, Any] = {"growth": rows, "targets": []}
    big = max(sizes)
    if big < 5_000_000:
        return result
    pbf, out = corridor_files(work, big, log)
    net = Network.load(out)
    router = Router(net)
    rng = np.random.default_rng(3)
    long_pairs = _pairs(net, 10, rng, min_km=100.0)
    router.route(*long_pairs[0])
    passes: list[list[float]] = []  # both engines make the same passes over the same pairs
    for _ in range(settings.repeats):
        ours, lengths = [], []
        for a, b in long_pairs:
            t0 = time.perf_counter()
            lengths.append(router.route(a, b).length_m)
            ours.append(time.perf_counter() - t0)
        passes.append(ours)
    ours = [median(p) for p in passes]  # per-pass medians; the quoted figure is their median
    log(f"  5M: long routes {median(ours) * 1e3:.1f} ms (first pass {ours[0] * 1e3:.1f} ms), "
        f"median {median(lengths) / 1e3:.0f} km")  # fmt: skip
    log("  5M: today's A* on the same routes (base commit, own process)")
    base = _baseline(settings, pbf, long_pairs)
    base_s = median([median(p) for p in base["passes"]]) if "passes" in base else None
    if "lengths_m" in base:
        base["max_abs_length_diff_m"] = float(np.max(np.abs(np.array(base["lengths_m"]) -
                                                            np.array(lengths))))  # fmt: skip
    osrm_long: dict[str, Any] | None = None
    random_pairs = _pairs(net, 50, np.random.default_rng(5))
    if osrm is not None:
        log("  5M: OSRM (MLD, foot + trunk roads) on the same long and random routes")
        dataset = osrm.dataset(pbf, "corridor-trunk", "MLD", trunk=True)
        if dataset is not None:
            raw_long = osrm.routes(dataset, "MLD", long_pairs, settings.repeats)
            raw_rand = osrm.routes(dataset, "MLD", random_pairs, settings.repeats)
            osrm_long = {"long": raw_long, "random": raw_rand, "builds": osrm.builds}
        else:
            osrm_long = {"error": osrm.error}
    t_rand = []
    for _ in range(settings.repeats):
        t0 = time.perf_counter()
        for a, b in random_pairs:
            router.route(a, b)
        t_rand.append((time.perf_counter() - t0) / len(random_pairs))
    log("  5M: risk-zone edit")
    edit = zone_edit(net, long_pairs)
    log("  5M: three workers loading the same file")
    loaded = workers(out, 3, "load")
    routed = workers(out, 3, "serve")
    osrm_per = None
    if osrm_long and osrm_long.get("long"):
        # a per-route time only when OSRM answered every pair (a NoRoute answer is quick)
        osrm_per = {k: median(v["totals_s"]) / v["queries"]
                    for k, v in (("long", osrm_long["long"]), ("random", osrm_long["random"]))
                    if v and v["queries"] and not v["failed"]}  # fmt: skip
    result["corridor_5m"] = {
        "edges": net.n_edges,
        "long_routes": {
            "pairs": len(long_pairs),
            "ours_s": median(ours),
            "ours_pass_medians_s": ours,
            "median_length_km": median(lengths) / 1e3,
            "baseline_astar_s": base_s,
            "baseline": base,
            "speedup_vs_baseline": ratio(base_s, median(ours)),
        },
        "random_routes": {"pairs": len(random_pairs), "ours_s": median(t_rand)},
        "osrm": osrm_long,
        "osrm_per_route_s": osrm_per,
        "zone_edit": edit,
        "workers_load": loaded,
        "workers_serve": routed,
    }
    c = result["corridor_5m"]
    result["targets"] = [
        target("5M: routes over 100 km vs today's A*", c["long_routes"]["speedup_vs_baseline"],
               ">=", 50),
        target("5M: risk-zone edit applied to routing, s", edit["edit_applied_s"], "<=", 1.0),
        target("5M: worker start-up (load + first snap), s",
               max(t["ready_s"] for t in loaded["timings"]), "<=", 2.0),
    ]  # fmt: skip
    if osrm is not None:  # n/a (None) when OSRM failed to set up or to answer every pair
        per = osrm_per or {}
        result["targets"] += [
            target("5M: long routes vs OSRM", ratio(per.get("long"), median(ours)), ">=", 1),
            target("5M: random routes vs OSRM", ratio(per.get("random"), median(t_rand)),
                   ">=", 1),
        ]  # fmt: skip
    return result
