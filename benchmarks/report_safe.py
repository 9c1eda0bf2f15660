"""Markdown summary of the safe-routing results (``safe.md``)."""

from __future__ import annotations

from typing import Any

from report import _ms, _verdict, _x

TOOL_LABELS = {
    "ours_safe_route": "geomap `SafeRouter.safe_route` (safe + shortest route, 2 reports)",
    "ours_route_report": "geomap `router(night=False).route` + `report`",
    "ours_route": "geomap `router(night=False).route` only",
    "networkx": "networkx `shortest_path` (safe weights) + Python exposure summary",
    "valhalla": "Valhalla pedestrian + `exclude_polygons` (avoid zones)",
    "valhalla_no_exclusion": "Valhalla pedestrian, no exclusions (reference)",
}
LEVELS = ("avoid", "high", "medium", "low")


def _levels(row: dict[str, float] | None) -> str:
    if not row:
        return "n/a"
    return " / ".join(f"{row.get(lv, 0.0) / 1000:.1f}" for lv in LEVELS)


def _routes(layer: dict[str, Any]) -> list[str]:
    tools, ratios = layer["tools"], layer["ratios"]
    by = ", ".join(f"{n} {lv}" for lv, n in layer["zones_by_level"].items() if n)
    lines = [
        "",
        f"### {layer['layer'].capitalize()} layer: {layer['zones']} zones ({by}), "
        f"{layer['pairs']} pairs, {layer['closed_edges']:,} closed edges",
        "",
        "| tool | per query | p95 per call | `safe_route` faster by | route + report faster by |",
        "|---|---|---|---|---|",
    ]
    for key, label in TOOL_LABELS.items():
        if key not in tools:
            continue
        t = tools[key]
        p95 = t.get("per_call_p95_s", t.get("p95_query_s"))
        fails = f" ({t['failures']} failed)" if t.get("failures") else ""
        if key.startswith("ours"):
            a = b = "—"
        else:
            a = _x(ratios.get(f"safe_route_speedup_vs_{key}"))
            b = _x(ratios.get(f"route_report_speedup_vs_{key}"))
        lines.append(f"| {label}{fails} | {_ms(t['per_query_s'])} | {_ms(p95)} | {a} | {b} |")
    v = layer["valhalla"]
    if v.get("skipped"):
        lines.append("| Valhalla | skipped (--skip-valhalla) | | | |")
    elif v.get("error"):
        lines.append(f"| Valhalla | failed: {v['error'][:300].replace('|', '/')} | | | |")
    e, ag = layer["exposure"], layer["agreement"]
    lines += [
        "",
        "Kilometres inside zones, summed over all routes (avoid / high / medium / low), "
        "measured alike on each route's geometry:",
        "",
        "| routes | km in zones | routes > 1 m inside avoid |",
        "|---|---|---|",
        f"| geomap safe route | {_levels(e['ours_safe_metres_in_zones_total'])} | "
        f"{e['ours_safe_routes_over_1m_inside_avoid']} |",
        f"| geomap plain shortest route | "
        f"{_levels(e['ours_shortest_metres_in_zones_total'])} | — |",
    ]
    for key in ("valhalla", "valhalla_no_exclusion"):
        if key in tools:
            lines.append(
                f"| {TOOL_LABELS[key]} | {_levels(tools[key]['metres_in_zones_total'])} | "
                f"{tools[key]['routes_over_1m_inside_avoid']} |"
            )
    cost = ag["max_rel_cost_diff_vs_networkx"]
    lines += [
        "",
        f"Median safe route {e['median_safe_route_length_m']:.0f} m, "
        f"{e['median_extra_length_vs_shortest_m']:.0f} m longer than the shortest (median). "
        f"Costs vs networkx on the exact node positions ({ag['pairs_checked_on_nodes']} pairs): "
        f"max relative difference {'n/a' if cost is None else f'{cost:.1e}'}; "
        f"{ag['pairs_in_zones_m_differing_over_1m']} pairs whose metres in zones differ by > 1 m "
        "(equal-cost ties).",
    ]
    missed = ag.get("pairs_no_route_ours_but_networkx_found")
    if missed:
        lines.append(
            f"**{missed} node pair(s) where `Router.route` found no route but networkx did** "
            "(see `pairs_no_route_ours_but_networkx_found_nodes` in `safe.json`)."
        )
    if "valhalla" in tools:
        rel = tools["valhalla"]["length_vs_ours_safe_rel_median"]
        lines.append(
            f"Valhalla's routes (its own graph and costing) are a median "
            f"{'n/a' if rel is None else f'{rel * 100:+.1f}%'} longer than our safe routes."
        )
    return lines


def render(results: dict[str, Any]) -> str:
    """The whole markdown report."""
    m, d, s = results["machine"], results["dataset"], results["settings"]
    lines = [
        "# Safe-routing benchmark: Porto Alegre walking network",
        "",
        f"Run {m['date']} on {m['cpu_count']} CPUs ({m['cpu_model']}), Python {m['python']}"
        f"{' — QUICK smoke run, not for quoting' if s['quick'] else ''}. "
        f"Network: {d['nodes']:,} nodes, {d['edges']:,} directed edges; {d['sites']} sample "
        f"sites. Medians of {s['repeats']} repeat(s); ratios are peer / ours (higher = ours "
        "faster). Daytime routing, all zones in force. Timed with Python's cyclic garbage "
        "collector paused (as `timeit` does), since the networkx graph held by the process "
        "makes full collections cost ~100 ms at random moments.",
        "",
        "## Targets",
        "",
        "| target | measured | wanted | verdict |",
        "|---|---|---|---|",
        *[_verdict(t) for t in results["targets"]],
        "",
        "## 1. Safe route A→B with an exposure summary",
        "",
        "Valhalla cannot express soft penalties: `exclude_polygons` only removes the roads that "
        "cross the *avoid* zones' rings, so its routes ignore the high / medium / low zones that "
        "our cost model makes more expensive (their kilometres inside zones are shown below). "
        "networkx gets our safe weights on its edges and the pairs' nodes (no snapping).",
    ]
    r = results["routes"]
    for layer in ("sample", "dense"):
        if layer in r:
            lines += _routes(r[layer])

    nb, ct = results["nearby"], results["catchments"]
    lines += [
        "",
        "## 2. Reach from a point (sample layer)",
        "",
        "| query | points | median | p95 | mean | first call (set-up) |",
        "|---|---|---|---|---|---|",
        f"| `nearby(point, sites, minutes={nb['minutes']:g})` | {nb['points']} | "
        f"{_ms(nb['median_s'])} | {_ms(nb['p95_s'])} | {_ms(nb['mean_s'])} | "
        f"{_ms(nb['first_call_s'])} |",
        f"| `catchments(point, {[int(x) for x in ct['minutes']]})` | {ct['points']} | "
        f"{_ms(ct['median_s'])} | {_ms(ct['p95_s'])} | {_ms(ct['mean_s'])} | "
        f"{_ms(ct['first_call_s'])} |",
        "",
        f"Per point: median over repeats. Sites found within {nb['minutes']:g} min: mean "
        f"{nb['sites_found_mean']:.1f}, max {nb['sites_found_max']} "
        f"({nb['points_with_any_site']} of {nb['points']} points reach at least one of the "
        f"{nb['active_sites']} active sites).",
        "",
        "## 3. Re-weighting after a risk-zone edit",
        "",
        "| layer | `set_zones` (exposure) | first `router()` (weights + router) | first route "
        "(+ landmarks) | next route | first `nearby` | edit → first route |",
        "|---|---|---|---|---|---|---|",
    ]
    rw = results["reweight"]
    for name, x in rw.items():
        md = x["median_s"]
        lines.append(
            f"| {name} ({x['zones']} zones) | {_ms(md['set_zones'])} | {_ms(md['router'])} | "
            f"{_ms(md['first_route'])} | {_ms(md['second_route'])} | {_ms(md['first_nearby'])} | "
            f"**{_ms(x['edit_to_first_route_s'])}** |"
        )
    lines += [
        "",
        "Breakdown (parts called one by one): "
        + "; ".join(
            f"{name}: " + ", ".join(f"{k} {_ms(v)}" for k, v in x["breakdown_median_s"].items())
            for name, x in rw.items()
        )
        + ".",
        "",
        "Raw numbers, methods and package versions: `safe.json`.",
        "",
    ]
    return "\n".join(lines)
