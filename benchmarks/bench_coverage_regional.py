"""Coverage, regional: batches on Dask (1 and 2 workers) and exact site choices vs peers.

1. **Regional batch**: both shipped networks (Porto Alegre, Aguascalientes) with their sample
   places and illustrative population cells, every service of each registry, the 168 hours of
   the week (tasks of 56 hours): ``run_local`` in this process, then ``run_dask`` on a
   ``LocalCluster`` of 1 and of 2 single-threaded worker processes. Cluster start-up and the
   first (cold) run — workers load the saved networks and compile the kernels — are reported
   apart; the timed runs are warm. Every run must give identical numbers.
2. **Exact site choice**: maximal covering on Porto Alegre (groups layer, 15 minutes, one
   candidate per cell) for several services and numbers of sites: greedy, our HiGHS model, and
   the same model in PuLP solved by its bundled CBC. The relation is built once (timed apart);
   objectives must agree between the two exact solvers; the greedy gap is reported.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np
from common import Settings, median, ratio, target

from routing.network import Network

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
HOURS_PER_TASK = 56
CHOICE_SERVICES = ("water_sanitation", "food", "information_orientation")
CHOICE_SITES = (3, 6, 10)


def _regions(settings: Settings, poa: Network) -> list[Any]:
    from geomap.coverage import read_demand
    from geomap.coverage.batch import Region
    from geomap.coverage.samples import sites_of
    from routing import network_from_file

    folder = settings.work_dir / "coverage"
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name, net, sub, people in (
        ("porto_alegre", poa, "porto_alegre", "population_groups_h3.csv"),
        ("aguascalientes", None, "aguascalientes", "sample_population_h3.csv"),
    ):
        network = (
            net if net is not None else network_from_file(DATA / sub / f"{sub}.osm.pbf", "walk")
        )
        path = network.save(folder / f"{name}.npz")
        fc = json.loads((DATA / sub / "sample_registry.geojson").read_text("utf-8"))
        out.append(
            Region(name, str(path), tuple(sites_of(fc)), read_demand(DATA / sub / people,
                                                                     area="area"))
        )  # fmt: skip
    return out


def _same(a: Any, b: Any) -> bool:
    ta, tb = a.table(), b.table()
    return ta.keys() == tb.keys() and all(np.array_equal(ta[k], tb[k]) for k in ta)


def regional(settings: Settings, poa: Network) -> dict[str, Any]:
    """The regional batch in one process and on 1 and 2 Dask workers."""
    from distributed import Client, LocalCluster

    from geomap.coverage.batch import plan, run_dask, run_local

    log = settings.log
    regions = _regions(settings, poa)
    services = {r.name: sorted({s for p in r.sites for s in p.services}) for r in regions}
    tasks = plan(regions, services, hours_per_task=HOURS_PER_TASK)
    log(f"regional batch: {len(tasks)} tasks ({sum(map(len, services.values()))} "
        f"region-services x 168 hours)")  # fmt: skip
    # warm-up: JIT, each region's network and routers loaded in this process
    run_local(regions, [next(t for t in tasks if t.region == r.name) for r in regions], minutes=15)
    reps = max(1, settings.repeats)
    local_s, reference = [], None
    for _ in range(reps):
        t0 = time.perf_counter()
        reference = run_local(regions, tasks, minutes=15)
        local_s.append(time.perf_counter() - t0)
    assert reference is not None
    log(f"  in this process: {median(local_s):.2f} s")
    out: dict[str, Any] = {
        "tasks": len(tasks),
        "hours_per_task": HOURS_PER_TASK,
        "services": services,
        "units": {r.name: len(r.demand) for r in regions},
        "searches": int(sum(r.searches for r in reference.results)),
        "service_hours": int(sum(len(r.hours) for r in reference.results)),
        "local": {"median_s": median(local_s), "raw_s": local_s},
        "dask": {},
    }
    identical = True
    for workers in (1, 2):
        t0 = time.perf_counter()
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None)  # fmt: skip
        client = Client(cluster)
        start_s = time.perf_counter() - t0
        try:
            t0 = time.perf_counter()
            cold = run_dask(regions, tasks, minutes=15, client=client)
            cold_s = time.perf_counter() - t0
            warm = []
            for _ in range(reps):
                t0 = time.perf_counter()
                result = run_dask(regions, tasks, minutes=15, client=client)
                warm.append(time.perf_counter() - t0)
                identical &= _same(reference, result)
            identical &= _same(reference, cold)
        finally:
            client.close()
            cluster.close()
        out["dask"][str(workers)] = {
            "cluster_start_s": start_s,
            "cold_s": cold_s,
            "median_s": median(warm),
            "raw_s": warm,
        }
        log(f"  dask {workers} worker(s): start {start_s:.1f} s, cold {cold_s:.2f} s, "
            f"warm {median(warm):.2f} s")  # fmt: skip
    one, two = out["dask"]["1"]["median_s"], out["dask"]["2"]["median_s"]
    out["identical"] = identical
    out["ratios"] = {
        "two_workers_speedup_vs_one": ratio(one, two),
        "one_worker_over_local": ratio(one, median(local_s)),
        "two_workers_speedup_vs_local": ratio(median(local_s), two),
    }
    out["targets"] = [
        target("regional batch: Dask numbers identical to one process", float(identical),
               ">=", 1),
        target("regional batch: 2 workers faster than 1",
               out["ratios"]["two_workers_speedup_vs_one"], ">=", 1.2),
    ]  # fmt: skip
    return out


def _pulp_mclp(units: Any, cands: Any, weights: Any, p: int) -> tuple[float, list[int]]:
    """The same maximal covering model in PuLP, solved by its bundled CBC."""
    import pulp

    w = np.asarray(weights, dtype=np.float64)
    keep = w[units] > 0
    u, c = units[keep], cands[keep]
    uu, cc = np.unique(u), np.unique(c)
    prob = pulp.LpProblem("mclp", pulp.LpMaximize)
    y = {int(j): pulp.LpVariable(f"y{j}", cat="Binary") for j in cc}
    z = {int(i): pulp.LpVariable(f"z{i}", lowBound=0, upBound=1) for i in uu}
    prob += pulp.lpSum(float(w[i]) * z[i] for i in z)
    by_unit: dict[int, list[int]] = {}
    for i, j in zip(u.tolist(), c.tolist(), strict=True):
        by_unit.setdefault(i, []).append(j)
    for i, js in by_unit.items():
        prob += z[i] <= pulp.lpSum(y[j] for j in set(js))
    prob += pulp.lpSum(y.values()) <= p
    prob.solve(pulp.PULP_CBC_CMD(msg=False, threads=1))
    chosen = sorted(j for j, v in y.items() if (v.value() or 0) > 0.5)
    return float(pulp.value(prob.objective) or 0.0), chosen


def site_choice(settings: Settings, poa: Network) -> dict[str, Any]:
    """Greedy, HiGHS and PuLP/CBC on the same maximal covering relations."""
    from geomap.coverage import read_demand
    from geomap.coverage.engine import TimesCache, cover_columns, weights_left
    from geomap.coverage.groups import split_classes
    from geomap.coverage.optimise import greedy_mclp, mclp
    from geomap.coverage.samples import sites_of
    from geomap.coverage.sites import unit_nodes
    from routing.coverage import Coverage
    from routing.safe import SafeRouter

    log = settings.log
    fc = json.loads((DATA / "porto_alegre" / "sample_registry.geojson").read_text("utf-8"))
    sites = sites_of(fc)
    demand = read_demand(DATA / "porto_alegre" / "population_groups_h3.csv", area="area")
    cov = Coverage(SafeRouter(poa))
    units = cov.place_units(demand.points)
    cache = TimesCache(cov, units)
    classes = split_classes(demand.population, demand.columns, demand.breakdowns, demand.tags)
    nodes = unit_nodes(cov, units)
    allowed = np.zeros(poa.n_nodes, dtype=bool)
    allowed[nodes] = True
    position = np.full(poa.n_nodes, -1, dtype=np.int64)
    position[nodes] = np.arange(len(nodes))
    cases = []
    reps = max(1, settings.repeats)
    for service in CHOICE_SERVICES:
        cols = cover_columns(cache, classes, sites, service, limit_s=900.0)
        weight = weights_left(cols, "population")
        t0 = time.perf_counter()
        u, n, _ = cov.reach(units, limit_s=900.0, only=weight > 0, allowed=allowed)
        relation_s = time.perf_counter() - t0
        j = position[n]
        for k in CHOICE_SITES:
            times: dict[str, list[float]] = {"greedy": [], "highs": [], "pulp_cbc": []}
            for _ in range(reps):
                t0 = time.perf_counter()
                g = greedy_mclp(u, j, weight, p=k, n_candidates=len(nodes))
                times["greedy"].append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                e = mclp(u, j, weight, p=k)
                times["highs"].append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                cbc_obj, _ = _pulp_mclp(u, j, weight, k)
                times["pulp_cbc"].append(time.perf_counter() - t0)
            med = {name: median(v) for name, v in times.items()}
            case = {
                "service": service,
                "sites": k,
                "candidates": len(nodes),
                "pairs": len(u),
                "relation_s": relation_s,
                "greedy_covered": g.covered,
                "exact_covered": e.covered,
                "exact_optimal": e.optimal,
                "pulp_cbc_objective": cbc_obj,
                "gap_people": e.covered - g.covered,
                "gap_share": (e.covered - g.covered) / e.covered if e.covered else 0.0,
                "tools": {name: {"median_s": med[name], "raw_s": times[name]} for name in med},
                "cbc_over_highs": ratio(med["pulp_cbc"], med["highs"]),
                "highs_over_greedy": ratio(med["highs"], med["greedy"]),
            }
            cases.append(case)
            log(f"  {service} k={k}: greedy {g.covered:,.0f}, exact {e.covered:,.0f} "
                f"(CBC {cbc_obj:,.0f}); HiGHS {med['highs'] * 1e3:.0f} ms, "
                f"CBC {med['pulp_cbc'] * 1e3:.0f} ms")  # fmt: skip
    agree = all(abs(c["exact_covered"] - c["pulp_cbc_objective"]) < 1e-6 for c in cases)
    never_worse = all(c["exact_covered"] >= c["greedy_covered"] - 1e-9 for c in cases)
    cbc = [c["cbc_over_highs"] for c in cases if c["cbc_over_highs"] is not None]
    # no target on the ratio: both are exact; it is reported for the choice of solver
    return {
        "cases": cases,
        "exact_agree": agree,
        "cbc_over_highs_median": float(np.median(cbc)) if cbc else None,
        "targets": [
            target("site choice: HiGHS and CBC optima agree", float(agree), ">=", 1),
            target("site choice: exact never below greedy", float(never_worse), ">=", 1),
        ],
    }


def render(results: dict[str, Any]) -> list[str]:
    """Markdown sections for ``coverage.md``."""
    from report import _ms, _x

    lines: list[str] = []
    reg = results.get("regional")
    if reg:
        d1, d2 = reg["dask"]["1"], reg["dask"]["2"]
        lines += [
            "",
            "## Regional batch: both networks, every service, 168 hours",
            "",
            f"{reg['tasks']} tasks of {reg['hours_per_task']} hours ("
            + ", ".join(f"{k}: {len(v)} services, {reg['units'][k]:,} cells"
                        for k, v in reg["services"].items())
            + f"); {reg['service_hours']:,} service-hours took {reg['searches']:,} searches "
            "(cached by the set of open places). Warm runs, medians; cluster start-up and "
            "the cold first run apart.",
            "",
            "| run | start-up | cold run | warm run | vs one process |",
            "|---|---|---|---|---|",
            f"| one process (`run_local`) | — | — | {_ms(reg['local']['median_s'])} | 1.00x |",
            f"| Dask, 1 worker | {_ms(d1['cluster_start_s'])} | {_ms(d1['cold_s'])} | "
            f"{_ms(d1['median_s'])} | {_x(ratio(d1['median_s'], reg['local']['median_s']))} |",
            f"| Dask, 2 workers | {_ms(d2['cluster_start_s'])} | {_ms(d2['cold_s'])} | "
            f"{_ms(d2['median_s'])} | {_x(ratio(d2['median_s'], reg['local']['median_s']))} |",
            "",
            f"2 workers / 1 worker speed-up: {reg['ratios']['two_workers_speedup_vs_one']:.2f}x "
            f"(2 cores shared with other work). Numbers identical to one process: "
            f"{'yes' if reg['identical'] else 'NO'}.",
        ]  # fmt: skip
    sc = results.get("site_choice")
    if sc:
        lines += [
            "",
            "## Exact site choice (maximal covering), Porto Alegre, 15 minutes",
            "",
            "One candidate per H3 cell (the street node nearest it); weights: people not yet "
            "covered. Same relation for every tool; the relation's build is reported apart.",
            "",
            "| service | sites | candidates | pairs | greedy | exact (HiGHS) | gap | greedy "
            "time | HiGHS time | PuLP/CBC time | CBC / HiGHS |",
            "|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for c in sc["cases"]:
            t = c["tools"]
            lines.append(
                f"| {c['service']} | {c['sites']} | {c['candidates']:,} | {c['pairs']:,} | "
                f"{c['greedy_covered']:,.0f} | {c['exact_covered']:,.0f} | "
                f"{c['gap_people']:,.0f} ({100 * c['gap_share']:.2f}%) | "
                f"{_ms(t['greedy']['median_s'])} | {_ms(t['highs']['median_s'])} | "
                f"{_ms(t['pulp_cbc']['median_s'])} | {_x(c['cbc_over_highs'])} |"
            )
        lines += [
            "",
            f"HiGHS and CBC optima agree: {'yes' if sc['exact_agree'] else 'NO'}.",
        ]
    return lines
