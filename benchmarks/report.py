"""Markdown summary of a results dictionary (``network.md``)."""

from __future__ import annotations

from typing import Any


def _x(value: float | None) -> str:
    """A ratio as ``12.3x`` (or ``n/a``)."""
    return "n/a" if value is None else f"{value:.1f}x" if value >= 10 else f"{value:.2f}x"


def _ms(seconds: float | None) -> str:
    if seconds is None:
        return "n/a"
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.0f} µs"


def _verdict(t: dict[str, Any]) -> str:
    mark = {True: "PASS", False: "FAIL", None: "n/a"}[t["passed"]]
    value = "n/a" if t["value"] is None else f"{t['value']:.2f}"
    return f"| {t['name']} | {value} | {t['op']} {t['bound']} | **{mark}** |"


def _load_average(machine: dict[str, Any]) -> str:
    """The 1/5/15-minute load averages at the start and end of the run, when recorded."""
    parts = []
    for key, when in (("load_average", "start"), ("load_average_at_end", "end")):
        if machine.get(key):
            parts.append(f"{when} {' / '.join(f'{x:.2f}' for x in machine[key])}")
    return f" Load average (1/5/15 min): {', '.join(parts)}." if parts else ""


def render(results: dict[str, Any]) -> str:
    """The whole markdown report."""
    m = results["machine"]
    d = results["dataset"]
    lines = [
        "# Network benchmark: Porto Alegre walking network",
        "",
        f"Run {m['date']} on {m['cpu_count']} CPUs ({m['cpu_model']}), Python {m['python']}"
        f"{' — QUICK smoke run, not for quoting' if results['settings']['quick'] else ''}. "
        f"Network: {d['nodes']:,} nodes, {d['edges']:,} directed edges "
        f"(osmnx's own walk graph of the same ways: {d['osmnx_walk_nodes']:,} nodes, "
        f"{d['osmnx_walk_edges']:,} edges). Medians of {results['settings']['repeats']} "
        "repeat(s); ratios are peer / ours (higher = ours faster) except memory (ours / peer)."
        + _load_average(m),
        "",
        "## Targets",
        "",
        "| target | measured | wanted | verdict |",
        "|---|---|---|---|",
    ]
    for section in ("build", "routes", "facilities", "corridor"):
        lines += [_verdict(t) for t in results.get(section, {}).get("targets", [])]

    b = results["build"]
    bt, br = b["tools"], b["ratios"]
    lines += [
        "",
        "## 1. Build from the extract (fresh process each)",
        "",
        "| tool | work | with imports | peak RSS | peak above imports | nodes / edges |",
        "|---|---|---|---|---|---|",
    ]
    labels = {
        "ours_build": "geomap `network_from_file` (PBF)",
        "osmnx_walk_xml": "osmnx `graph_from_xml` (walk-filtered XML)",
        "osmnx_full_xml": "osmnx `graph_from_xml` (full XML)",
        "ours_load": "geomap `Network.load` (.npz)",
    }
    for key, label in labels.items():
        t = bt[key]
        lines.append(
            f"| {label} | {_ms(t['work_s'])} | {_ms(t['with_imports_s'])} | "
            f"{t['peak_rss_mb']:.0f} MiB | {t['peak_rss_above_imports_mb']:.0f} MiB | "
            f"{t['nodes']:,} / {t['edges']:,} |"
        )
    vt = b.get("valhalla_tiles")
    if vt:
        lines.append(
            f"| Valhalla tile build (binary, whole process) | {_ms(vt['process_wall_s'])} | — | "
            f"{vt['peak_rss_mb']:.0f} MiB | — | — |"
        )
    lines += [
        "",
        f"Build speed-up vs osmnx (walk XML): **{_x(br['speedup_vs_osmnx_walk_xml'])}** "
        f"without imports, {_x(br['speedup_vs_osmnx_walk_xml_with_imports'])} with imports "
        f"(vs the full XML: {_x(br['speedup_vs_osmnx_full_xml'])}). Peak memory "
        f"**{_x(br['memory_vs_osmnx_walk_xml'])}** of osmnx's "
        f"({_x(br['memory_above_imports_vs_osmnx_walk_xml'])} counting only memory above "
        f"the imports). Load vs build: **{_x(br['load_speedup_vs_build'])}** faster.",
    ]

    r = results["routes"]
    rt, rr = r["tools"], r["ratios"]
    lines += [
        "",
        f"## 2. {r['pairs']:,} random routes with path geometry",
        "",
        "| tool | per route | ours faster by |",
        "|---|---|---|",
        f"| geomap `Router.route` (snap + A* + coords) | {_ms(rt['ours']['per_query_s'])} | — |",
    ]
    route_labels = {
        "igraph": "igraph `get_shortest_path` + coords",
        "osmnx_batched": "osmnx `shortest_path` (lists of all pairs) + LineString",
        "osmnx_per_pair": "osmnx `shortest_path`, one call per pair + LineString",
        "valhalla": "Valhalla pedestrian route (pyvalhalla, JSON)",
        "osrm": "OSRM route, foot profile, CH (osrm-bindings, full GeoJSON geometry)",
    }
    for key, label in route_labels.items():
        if key in rt:
            n = rt[key]["pairs"]
            extra = f" ({n} pairs)" if n != r["pairs"] else ""
            lines.append(
                f"| {label}{extra} | {_ms(rt[key]['per_query_s'])} | "
                f"{_x(rr['speedup_vs_' + key])} |"
            )
    v = r["valhalla"]
    if v.get("skipped"):
        lines.append("| Valhalla | skipped (--skip-valhalla) | |")
    elif v.get("error"):
        lines.append(f"| Valhalla | failed: {v['error'][:300].replace('|', '/')} | |")
    a = r["agreement"]
    lines += [
        "",
        f"Route lengths: max |ours − osmnx| = {a['max_abs_diff_m_vs_osmnx']:.3g} m "
        f"({a['pairs_differing_over_1cm_vs_osmnx']} pairs differ by > 1 cm), max |ours − "
        f"igraph| = {a['max_abs_diff_m_vs_igraph']:.3g} m; median route "
        f"{a['median_route_length_m']:.0f} m.",
    ]
    lines.append(
        "Preparation, not timed above: "
        + ", ".join(f"{k} {_ms(s)}" for k, s in r["preparation_s"].items())
        + "."
    )
    if "valhalla" in rt:
        lines.append(
            f"Valhalla's lengths (its own graph) differ from ours by a median "
            f"{rt['valhalla']['length_rel_diff_vs_ours_median'] * 100:.1f}% "
            f"({rt['valhalla']['failures']} failed requests)."
        )

    f = results["facilities"]
    ft, fr = f["tools"], f["ratios"]
    lines += [
        "",
        f"## 3. Distance from every node to the nearest of {f['facilities']} facilities",
        "",
        "| tool | time | ours (`nearest_facility`) faster by |",
        "|---|---|---|",
        f"| geomap `Router.nearest_facility` (snaps points) | "
        f"{_ms(ft['ours_nearest_facility']['median_s'])} | — |",
        f"| geomap `Router.node_costs(reverse=True)` | "
        f"{_ms(ft['ours_node_costs']['median_s'])} | — |",
        f"| networkx `multi_source_dijkstra_path_length` | {_ms(ft['networkx']['median_s'])} | "
        f"{_x(fr['speedup_vs_networkx'])} |",
        f"| pandana `set_pois` + `nearest_pois` (100 km radius) | "
        f"{_ms(ft['pandana']['median_s'])} | {_x(fr['speedup_vs_pandana'])} |",
        f"| scipy `csgraph.dijkstra(min_only=True)`, same reversed CSR arrays | "
        f"{_ms(ft['scipy']['median_s'])} | {_x(fr['vs_scipy'])} |",
        "",
        f"Snapping {f['snapping']['points']:,} points in one call: "
        f"{f['snapping']['per_point_us']:.2f} µs a point.",
        "",
        "Max |difference| vs networkx: ours "
        f"{f['agreement']['max_abs_diff_m_ours_nearest_facility_vs_networkx']:.3g} m, "
        f"pandana {f['agreement']['max_abs_diff_m_pandana_vs_networkx']:.3g} m "
        "(pandana keeps float32 distances). Preparation, not timed above: "
        + ", ".join(f"{k} {_ms(s)}" for k, s in f["preparation_s"].items())
        + ".",
        "",
    ]
    lines += _corridor(results.get("corridor", {}))
    lines += ["", "Raw numbers, methods and package versions: `network.json`.", ""]
    return "\n".join(lines)


def _corridor(c: dict[str, Any]) -> list[str]:
    if not c or c.get("skipped"):
        return ["", "Corridor sections skipped (--sizes none)."]
    lines = [
        "",
        "## 4. Growth on generated corridors (towns, trunk road, villages, a border bridge)",
        "",
        "| edges | build (process) | build peak | load | first route | route | multi-source "
        "| scipy | ours faster | file B/edge | load RSS B/edge |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in c["growth"]:
        lines.append(
            f"| {r['edges']:,} | {_ms(r['build_process_s'])} | {r['build_peak_rss_mb']:.0f} MiB | "
            f"{_ms(r['load_s'])} | {_ms(r['first_route_s'])} | {_ms(r['route_s'])} | "
            f"{_ms(r['multi_source_s'])} | {_ms(r['scipy_multi_source_s'])} | "
            f"{_x(r['multi_source_speedup_vs_scipy'])} | {r['file_bytes_per_edge']:.0f} | "
            f"{r['load_rss_bytes_per_edge']:.0f} |"
        )
    lines.append("")
    lines.append(
        "Route = snap + search + coordinates + steps, random node pairs; first route = the "
        "process's hierarchy topology (from the saved order) + customization; multi-source = "
        "nearest of 50 nodes on the reversed graph. Build = a fresh process importing, "
        "building, ordering the hierarchy and saving."
    )
    k = c.get("corridor_5m")
    if not k:
        return lines
    lr = k["long_routes"]
    lines += [
        "",
        f"## 5. The {k['edges']:,}-edge corridor",
        "",
        f"Routes over 100 km ({lr['pairs']} pairs, median {lr['median_length_km']:.0f} km): ours "
        f"{_ms(lr['ours_s'])} (first pass {_ms((lr.get('ours_pass_medians_s') or [None])[0])}), "
        f"today's A* (base commit, network built in memory) {_ms(lr['baseline_astar_s'])}: "
        f"**{_x(lr['speedup_vs_baseline'])}**. Random routes: ours "
        f"{_ms(k['random_routes']['ours_s'])}. Per route: the median over the pairs of one pass, "
        "then the median of the passes (the same passes for both engines; ours reads its "
        "memory-mapped file on the first).",
    ]
    if k.get("osrm_per_route_s"):
        o = k["osrm_per_route_s"]
        lines.append(
            f"OSRM (MLD, foot): long routes {_ms(o.get('long'))}, random routes "
            f"{_ms(o.get('random'))}."
        )
    if k.get("osrm_note"):
        lines.append(f"OSRM: {k['osrm_note']}")
    e = k["zone_edit"]
    lines.append(
        f"Risk-zone edit ({e['zones']} zones, one grown by 150 m): set_zones + re-weighting + "
        f"next safe route {_ms(e['edit_applied_s'])} (first set-up {_ms(e['setup_s'])})."
    )
    for key, label in (("workers_load", "after load + one snap"),
                       ("workers_serve", "in service (a route, a one-to-all search)")):  # fmt: skip
        w = k[key]
        lines.append(
            f"{w['workers']} workers on the same file, {label}: first RSS "
            f"{w['first_rss_mb']:.0f} MiB, later ones add (unique set) "
            + ", ".join(f"{x:.0f}" for x in w["later_added_mb"])
            + f" MiB ({w['later_added_share_of_first'] * 100:.0f}% of the first); start-up "
            + ", ".join(f"{t['ready_s']:.2f}" for t in w["timings"])
            + " s."
        )
    lines.append(
        "These are independent processes (each started on its own, each customizing its own "
        "hierarchy), for scale; the memory target is met by the server's pre-forked workers, "
        "which share the parent's warmed-up network and customizations: `workers.md`."
    )
    return lines
