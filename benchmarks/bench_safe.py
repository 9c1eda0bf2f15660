"""Safe-routing benchmark: safe routes with exposure, nearby services, catchments, re-weighting.

Run through ``run.py --suite safe``; writes ``safe.json`` and ``safe.md``. Two risk layers on
the Porto Alegre walking network: the sample layer shipped in ``data/porto_alegre`` (4 zones)
and a dense synthetic one (30 random boxes of 200–800 m, a third ``avoid``, the rest ``high``
and ``medium``).

1. **Safe route A→B with an exposure summary**, random origin/destination pairs (random nodes
   of the largest strongly connected component left once ``avoid`` edges are closed, moved by
   up to 20 m, never inside an ``avoid`` zone; seeded). Timed calls, interleaved in every
   repeat:

   * ours, whole answer — ``SafeRouter.safe_route(a, b, alternatives=1)`` (snapping, the safe
     route, the plain shortest route and the exposure report of both);
   * ours, route + report — ``router(night=False).route(a, b)`` + ``report(route)``;
   * ours, route only (informational);
   * networkx — ``nx.shortest_path(G, s, t, weight="safe")`` (bidirectional Dijkstra) on
     ``Network.to_networkx()`` whose edges carry our safe weights (closed edges removed), plus
     the same exposure summary computed in Python from the path. It gets the pairs' nodes
     (no snapping) and a precomputed per-edge exposure table, both untimed.
   * Valhalla — a ``pedestrian`` route per pair on the same points, with ``exclude_polygons``
     = the ``avoid`` zones' exterior rings (the service limits on their perimeter and vertex
     count are raised in a copy of the config). Valhalla has no soft penalty per area, so
     ``high``/``medium``/``low`` zones cannot be expressed; the metres each tool's routes
     spend in every level of zone are measured on the returned geometry. A run without
     exclusions is timed too (informational).

   Costs are checked against networkx on the exact node positions (untimed pass).
2. **Nearby services** within 20 minutes (``SafeRouter.nearby``) from random points, and a
   3-threshold **catchment** (``catchments(point, [5, 10, 15])``); per-query median and p95
   (per point: median over repeats).
3. **Re-weighting after a risk-zone edit**: ``set_zones(edited, version + 1)`` (exposure),
   the first ``router(night=False)`` (weights + router) and the first route after it (which
   computes the landmarks), the next route, and the first ``nearby`` (walking router); plus a
   breakdown of the parts.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import json
import math
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np
from common import REPO_DIR, Settings, median, ratio, target
from valhalla_peer import ValhallaPeer, describe

DATA_DIR = REPO_DIR / "data" / "porto_alegre"
ZONES_PATH = DATA_DIR / "sample_risk_zones.geojson"
SITES_PATH = DATA_DIR / "sample_registry.geojson"
#: Valhalla's defaults (10 km of total perimeter, 100 vertices) refuse the dense layer.
VALHALLA_LIMITS = {
    "max_exclude_polygons_length": 1_000_000,
    "max_exclude_polygons_vertices": 10_000,
}
LEVELS = ("avoid", "high", "medium", "low")
MAIN_ROADS = frozenset({"trunk", "trunk_link", "primary", "primary_link"})
NO_SIDEWALK = frozenset({"no", "none"})
M_PER_DEG = 111_320.0


@dataclass
class SafeCounts:
    """Sizes of the safe-routing benchmark."""

    pairs: int = 500
    nearby_points: int = 200
    catchment_points: int = 50
    dense_zones: int = 30
    nearby_minutes: float = 20.0
    catchment_minutes: tuple[float, ...] = (5.0, 10.0, 15.0)
    max_offset_m: float = 20.0

    @classmethod
    def for_settings(cls, settings: Settings, pairs: int | None) -> SafeCounts:
        """Full or quick counts; ``pairs`` overrides the number of route pairs."""
        if settings.quick:
            return cls(pairs=pairs or 50, nearby_points=20, catchment_points=5)
        return cls(pairs=pairs or 500)


# ---------------------------------------------------------------------------------- data
def load_sample_zones() -> list[Any]:
    """The sample risk layer, validated as the registry does, as cost-model zones."""
    from geomap.registry.risk import cost_zone, validate_risk_collection

    items = validate_risk_collection(json.loads(ZONES_PATH.read_text()))
    return [cost_zone(it.id, it.properties, it.geometry()) for it in items]


def load_sites() -> list[Any]:
    """The sample registry's places as routing sites."""
    from geomap.transit import site_from_properties

    features = json.loads(SITES_PATH.read_text())["features"]
    return [
        site_from_properties(str(f["id"]), f["properties"], *f["geometry"]["coordinates"][:2])
        for f in features
    ]


def dense_zones(net: Any, count: int, seed: int) -> list[Any]:
    """``count`` random boxes of 200–800 m centred on random nodes: 1/3 avoid, high, medium."""
    import shapely

    from routing.costs import RISK_TYPES, RiskZone

    rng = np.random.default_rng(seed)
    centres = rng.choice(net.n_nodes, size=count, replace=False)
    sizes = rng.uniform(200.0, 800.0, size=(count, 2))
    n_avoid = count // 3
    levels = ["avoid"] * n_avoid + [("high", "medium")[k % 2] for k in range(count - n_avoid)]
    zones = []
    for k, (node, (w, h), level) in enumerate(zip(centres, sizes, levels, strict=True)):
        lon, lat = float(net.node_lon[node]), float(net.node_lat[node])
        dlat = h / 2 / M_PER_DEG
        dlon = w / 2 / (M_PER_DEG * math.cos(math.radians(lat)))
        zones.append(
            RiskZone(
                id=f"synthetic-{k + 1:02d}",
                geometry=shapely.box(lon - dlon, lat - dlat, lon + dlon, lat + dlat),
                level=level,
                risk_type=str(rng.choice(RISK_TYPES)),
            )
        )
    return zones


def edited_layer(zones: Sequence[Any]) -> list[Any]:
    """The layer with its first ``high`` zone grown by about 100 m (a typical edit)."""
    k = next(i for i, z in enumerate(zones) if z.level == "high")
    grown = dataclasses.replace(zones[k], geometry=zones[k].geometry.buffer(0.001, join_style=2))
    return [*zones[:k], grown, *zones[k + 1 :]]


def offset_points(net: Any, nodes: np.ndarray, rng: Any, max_m: float) -> np.ndarray:
    """Each node's position moved by up to ``max_m`` metres in a random direction."""
    angle = rng.uniform(0.0, 2 * math.pi, len(nodes))
    dist = rng.uniform(0.0, max_m, len(nodes))
    lat = net.node_lat[nodes] + dist * np.sin(angle) / M_PER_DEG
    lon = net.node_lon[nodes] + dist * np.cos(angle) / (
        M_PER_DEG * np.cos(np.radians(net.node_lat[nodes]))
    )
    return np.column_stack([lon, lat])


def pick_pairs(
    net: Any, weights: np.ndarray, zones: Sequence[Any], count: int, seed: int, max_m: float
) -> tuple[np.ndarray, np.ndarray]:
    """Node pairs in the largest strongly connected component of the open edges, and points.

    Returns ``(count, 2)`` node indices and ``(count, 2, 2)`` lon/lat points (the nodes moved
    by up to ``max_m``; points inside an ``avoid`` zone are redrawn).
    """
    import shapely
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    open_ = np.isfinite(weights)
    graph = csr_matrix(
        (np.ones(int(open_.sum())), (net.edge_u[open_], net.edge_v[open_])),
        shape=(net.n_nodes, net.n_nodes),
    )
    _, label = connected_components(graph, directed=True, connection="strong")
    pool = np.flatnonzero(label == np.argmax(np.bincount(label)))
    avoid = [z.geometry for z in zones if z.level == "avoid"]
    blocked = shapely.union_all(avoid) if avoid else None
    rng = np.random.default_rng(seed)
    nodes: list[np.ndarray] = []
    points: list[np.ndarray] = []
    while len(nodes) < count:
        pair = rng.choice(pool, size=2, replace=False)
        pts = offset_points(net, pair, rng, max_m)
        if blocked is not None and shapely.contains_xy(blocked, pts[:, 0], pts[:, 1]).any():
            continue
        nodes.append(pair)
        points.append(pts)
    return np.array(nodes), np.array(points)


def random_points(net: Any, count: int, seed: int, max_m: float) -> list[tuple[float, float]]:
    """``count`` random nodes moved by up to ``max_m`` metres (seeded)."""
    rng = np.random.default_rng(seed)
    nodes = rng.integers(0, net.n_nodes, size=count)
    return [(float(x), float(y)) for x, y in offset_points(net, nodes, rng, max_m)]


# ---------------------------------------------------------------------------------- helpers
def decode_polyline6(encoded: str) -> list[tuple[float, float]]:
    """Decode an encoded polyline with 6 decimals into ``(lon, lat)`` pairs."""
    coords: list[tuple[float, float]] = []
    values = [0, 0]  # running lat, lon in 1e-6 degrees
    index = 0
    while index < len(encoded):
        for axis in (0, 1):
            shift = result = 0
            while True:
                chunk = ord(encoded[index]) - 63
                index += 1
                result |= (chunk & 0x1F) << shift
                shift += 5
                if chunk < 0x20:
                    break
            values[axis] += ~(result >> 1) if result & 1 else result >> 1
        coords.append((values[1] / 1e6, values[0] / 1e6))
    return coords


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Collect, then pause the cyclic garbage collector while timing (as ``timeit`` does).

    The networkx graph keeps millions of Python objects alive in this process; a full
    collection then costs ~100 ms and would land at random in any tool's timings.
    """
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _stats(per_call: np.ndarray) -> dict[str, float]:
    """Median and p95 of per-call times (seconds)."""
    return {
        "median_s": float(np.median(per_call)),
        "p95_s": float(np.percentile(per_call, 95)),
        "mean_s": float(np.mean(per_call)),
    }


class ZoneMeter:
    """Metres of route lines inside the zones of each level, measured in the local projection."""

    def __init__(self, net: Any, zones: Sequence[Any]) -> None:
        import shapely

        self.transform = net.projection.transform
        self.by_level: dict[str, Any] = {}
        for level in LEVELS:
            geoms = [z.geometry for z in zones if z.level == level]
            if geoms:
                union = shapely.union_all(geoms)
                self.by_level[level] = shapely.transform(
                    union, lambda xy: np.column_stack(self.transform(xy[:, 0], xy[:, 1]))
                )

    def metres(self, coords: Sequence[Sequence[float]] | np.ndarray) -> dict[str, float]:
        """Metres of the lon/lat polyline inside each level's zones."""
        import shapely

        xy = np.asarray(coords, dtype=float)
        if len(xy) < 2:
            return dict.fromkeys(self.by_level, 0.0)
        x, y = self.transform(xy[:, 0], xy[:, 1])
        line = shapely.LineString(np.column_stack([x, y]))
        return {
            level: float(shapely.length(shapely.intersection(line, area)))
            for level, area in self.by_level.items()
        }


def _sum_levels(rows: Sequence[dict[str, float] | None]) -> dict[str, float]:
    out: dict[str, float] = {}
    for row in rows:
        for level, m in (row or {}).items():
            out[level] = out.get(level, 0.0) + m
    return {k: round(v, 1) for k, v in out.items()}


# ---------------------------------------------------------------------------------- networkx
def set_nx_weights(graph: Any, weights: np.ndarray, restore: list[tuple]) -> list[tuple]:
    """Put our safe weight on every edge as ``safe``; remove closed (infinite) edges.

    ``restore`` (the edges a previous call removed) are put back first. Returns the removed
    edges ``(u, v, key, data)``.
    """
    for u, v, k, d in restore:
        graph.add_edge(u, v, key=k, **d)
    removed = []
    for u, v, k, d in graph.edges(keys=True, data=True):
        w = float(weights[d["edge_id"]])
        d["safe"] = w
        if not math.isfinite(w):
            removed.append((u, v, k, d))
    graph.remove_edges_from([(u, v, k) for u, v, k, _ in removed])
    return removed


def nx_exposure_table(sr: Any) -> dict[int, list[tuple[str, str, str, float]]]:
    """Per directed edge: ``(level, risk_type, zone id, metres inside)`` for daytime zones."""
    active = [z.active(None, night=False) for z in sr.zones]
    edges, zone, metres = sr.exposure.per_edge(sr.network, active)
    table: dict[int, list[tuple[str, str, str, float]]] = {}
    for e, z, m in zip(edges.tolist(), zone.tolist(), metres.tolist(), strict=True):
        zo = sr.zones[z]
        table.setdefault(e, []).append((zo.level, zo.risk_type, zo.id, m))
    return table


def nx_route_summary(
    graph: Any, path: list[int], table: dict[int, list[tuple[str, str, str, float]]]
) -> tuple[float, float, dict[str, Any]]:
    """Cost, length and the exposure summary of a node path, as ``SafeRouter.report`` has it."""
    cost = length = unlit = unknown_lit = no_sidewalk = in_zones = 0.0
    levels = dict.fromkeys(LEVELS, 0.0)
    types: dict[str, float] = {}
    crossed: set[str] = set()
    for u, v in pairwise(path):
        d = min(graph[u][v].values(), key=lambda data: data["safe"])
        edge_len = d["length"]
        cost += d["safe"]
        length += edge_len
        for level, risk_type, zid, m in table.get(d["edge_id"], ()):
            inside = min(m, edge_len)
            levels[level] += inside
            types[risk_type] = types.get(risk_type, 0.0) + inside
            in_zones += inside
            if level == "avoid" and inside > 0:
                crossed.add(zid)
        lit = d.get("lit")
        if lit == "no":
            unlit += edge_len
        elif lit is None:
            unknown_lit += edge_len
        if d.get("highway") in MAIN_ROADS and d.get("sidewalk") in NO_SIDEWALK:
            no_sidewalk += edge_len
    summary = {
        "by_level_m": {k: round(v, 1) for k, v in levels.items()},
        "by_type_m": {k: round(v, 1) for k, v in sorted(types.items())},
        "in_zones_m": round(in_zones, 1),
        "unlit_m": round(unlit, 1),
        "lighting_unknown_m": round(unknown_lit, 1),
        "main_road_without_sidewalk_m": round(no_sidewalk, 1),
        "avoid_zones_crossed": sorted(crossed),
    }
    return cost, length, summary


# ---------------------------------------------------------------------------------- section 1
def _avoid_rings(zones: Sequence[Any]) -> list[list[list[float]]]:
    rings = []
    for z in zones:
        if z.level != "avoid":
            continue
        polys = getattr(z.geometry, "geoms", [z.geometry])
        rings += [[list(c) for c in p.exterior.coords] for p in polys]
    return rings


def _valhalla_once(
    valhalla: ValhallaPeer, points: np.ndarray, exclude: list, config: Any, tag: str
) -> dict[str, Any] | None:
    """One timed repeat of Valhalla routes for every pair (a fresh worker process)."""
    options: dict[str, Any] = {"shapes": True}
    if exclude:
        options["exclude_polygons"] = exclude
    return valhalla.routes(points.tolist(), options=options, config=config, tag=tag, repeats=1)


def _valhalla_summary(
    raws: list[dict[str, Any]],
    *,
    exclude: list,
    meter: ZoneMeter,
    ours_len: np.ndarray,
    log: Callable[[str], None],
    tag: str,
) -> dict[str, Any]:
    runs = [r["runs"][0] for r in raws]
    last = raws[-1]
    per_query = median([r["mean_query_s"] for r in runs])
    lengths = np.array([np.nan if x is None else x for x in last["lengths_m"]])
    ok = np.isfinite(lengths) & np.isfinite(ours_len)
    rel = (lengths[ok] - ours_len[ok]) / np.maximum(ours_len[ok], 1.0)
    metres = [None if s is None else meter.metres(decode_polyline6(s)) for s in last["shapes"]]
    crossing = sum(1 for m in metres if m and m.get("avoid", 0.0) > 1.0)
    log(
        f"    valhalla ({tag}): {per_query * 1e3:.3f} ms per route, {last['failures']} failures, "
        f"{crossing} routes with > 1 m inside avoid zones"
    )
    return {
        "per_query_s": per_query,
        "median_query_s": median([r["median_query_s"] for r in runs]),
        "p95_query_s": median([r["p95_query_s"] for r in runs]),
        "repeats": len(runs),
        "pairs": len(lengths),
        "raw_repeat_total_s": [r["total_s"] for r in runs],
        "actor_init_s": median([r["actor_init_s"] for r in raws]),
        "failures": last["failures"],
        "error_samples": last["error_samples"],
        "exclude_polygons": len(exclude),
        "length_vs_ours_safe_rel_median": float(np.median(rel)) if ok.any() else None,
        "metres_in_zones_total": _sum_levels(metres),
        "routes_over_1m_inside_avoid": crossing,
    }


def run_routes(
    settings: Settings,
    net: Any,
    graph: Any,
    layer: str,
    zones: Sequence[Any],
    counts: SafeCounts,
    valhalla: ValhallaPeer | None,
    valhalla_config: Any,
    restore: list[tuple],
) -> tuple[dict[str, Any], list[tuple]]:
    """Section 1 for one risk layer. Returns the results and the networkx edges removed."""
    import networkx as nx

    from geomap.errors import NoRouteError
    from routing.safe import SafeRouter

    log = settings.log
    reps = settings.repeats
    prep: dict[str, float] = {}
    t0 = time.perf_counter()
    sr = SafeRouter(net, zones=zones, layer_version=1)
    safe = sr.router(night=False)
    prep["ours_saferouter_init_s"] = time.perf_counter() - t0
    nodes, points = pick_pairs(
        net, safe.weights, zones, counts.pairs, settings.seed, counts.max_offset_m
    )
    n = len(nodes)
    pts = [(tuple(a), tuple(b)) for a, b in points.tolist()]
    t0 = time.perf_counter()
    for a, b in pts[:20]:  # JIT (disk cache), landmarks of both routers, snapping tree
        with contextlib.suppress(NoRouteError):
            sr.safe_route(a, b)
    sr.router(night=False, avoid_multiplier=50.0)._landmarks  # noqa: B018 - fallback's, lazy
    prep["ours_warmup_s"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    removed = set_nx_weights(graph, safe.weights, restore)
    table = nx_exposure_table(sr)
    prep["networkx_weights_and_exposure_table_s"] = time.perf_counter() - t0
    osmid = net.node_osmid.tolist()
    nx_pairs = [(osmid[a], osmid[b]) for a, b in nodes.tolist()]

    answers: list[Any] = [None] * n
    failures = dict.fromkeys(("ours_safe_route", "ours_route_report", "ours_route", "networkx"), 0)

    def ours_safe_route(k: int) -> None:
        try:
            answers[k] = sr.safe_route(pts[k][0], pts[k][1], alternatives=1)
        except NoRouteError:
            answers[k] = None
            failures["ours_safe_route"] += 1

    def ours_route_report(k: int) -> None:
        try:
            sr.report(safe.route(pts[k][0], pts[k][1]), night=False)
        except NoRouteError:
            failures["ours_route_report"] += 1

    def ours_route(k: int) -> None:
        try:
            safe.route(pts[k][0], pts[k][1])
        except NoRouteError:
            failures["ours_route"] += 1

    def networkx_route(k: int) -> None:
        try:
            path = nx.shortest_path(graph, nx_pairs[k][0], nx_pairs[k][1], weight="safe")
        except nx.NetworkXNoPath:
            failures["networkx"] += 1
            return
        nx_route_summary(graph, path, table)

    funcs = {
        "ours_safe_route": ours_safe_route,
        "ours_route_report": ours_route_report,
        "ours_route": ours_route,
        "networkx": networkx_route,
    }
    per_call = {name: np.zeros((reps, n)) for name in funcs}
    rings = _avoid_rings(zones)
    use_valhalla = valhalla is not None and valhalla.error is None and valhalla_config is not None
    v_runs: dict[str, tuple[list, list[dict[str, Any]]]] = {
        "valhalla": (rings, []),
        "valhalla_no_exclusion": ([], []),
    }
    for rep in range(reps):
        for name, func in funcs.items():
            failures[name] = 0  # the count of the last repeat is kept
            row = per_call[name][rep]
            with gc_paused():
                for k in range(n):
                    t = time.perf_counter()
                    func(k)
                    row[k] = time.perf_counter() - t
            log(
                f"  [{layer}] repeat {rep + 1}/{reps} {name:17s} {n} pairs, "
                f"{row.sum() / n * 1e3:.3f} ms per query"
            )
        for key, (exclude, raws) in v_runs.items():
            if not use_valhalla or valhalla is None:
                break
            raw = _valhalla_once(valhalla, points, exclude, valhalla_config, f"safe-{key}")
            if raw is None:
                log(f"    Valhalla failed: {valhalla.error}")
                use_valhalla = False
                break
            raws.append(raw)
            log(
                f"  [{layer}] repeat {rep + 1}/{reps} {key:17s} {n} pairs, "
                f"{raw['runs'][0]['mean_query_s'] * 1e3:.3f} ms per query (Python 3.12 worker)"
            )
    tools: dict[str, dict[str, Any]] = {}
    for name, times in per_call.items():
        totals = times.sum(axis=1)
        tools[name] = {
            "per_query_s": median(totals.tolist()) / n,
            **{f"per_call_{k}": v for k, v in _stats(np.median(times, axis=0)).items()},
            "repeats": reps,
            "pairs": n,
            "failures": failures[name],
            "raw_repeat_total_s": totals.tolist(),
        }

    # ---- agreement with networkx on the exact node positions (untimed)
    node_pts = [
        (
            (float(net.node_lon[a]), float(net.node_lat[a])),
            (float(net.node_lon[b]), float(net.node_lat[b])),
        )
        for a, b in nodes.tolist()
    ]
    cost_diff, zone_diff, checked = [], [], 0
    only_networkx: list[int] = []
    for k, (a, b) in enumerate(node_pts):
        try:
            path = nx.shortest_path(graph, nx_pairs[k][0], nx_pairs[k][1], weight="safe")
        except nx.NetworkXNoPath:
            continue
        try:
            with np.errstate(invalid="ignore"):  # a NaN entry cost shows up as a miss below
                route = safe.route(a, b)
        except NoRouteError:
            only_networkx.append(k)
            continue
        checked += 1
        rep_ours = sr.report(route, night=False).exposure
        cost, _, summary = nx_route_summary(graph, path, table)
        cost_diff.append(abs(route.cost - cost) / max(cost, 1e-9))
        zone_diff.append(abs(rep_ours["in_zones_m"] - summary["in_zones_m"]))
    agreement = {
        "pairs_checked_on_nodes": checked,
        "pairs_no_route_ours_but_networkx_found": len(only_networkx),
        "pairs_no_route_ours_but_networkx_found_nodes": [nodes[k].tolist() for k in only_networkx],
        "max_rel_cost_diff_vs_networkx": max(cost_diff) if cost_diff else None,
        "pairs_cost_differing_over_1e-9": int(sum(d > 1e-9 for d in cost_diff)),
        "pairs_in_zones_m_differing_over_1m": int(sum(d > 1.0 for d in zone_diff)),
        "max_in_zones_m_diff": max(zone_diff) if zone_diff else None,
    }
    log(
        f"  [{layer}] agreement: max relative cost diff vs networkx "
        f"{agreement['max_rel_cost_diff_vs_networkx']:.2g} over {checked} node pairs"
    )

    # ---- exposure of the routes returned (from the last timed repeat), measured alike
    meter = ZoneMeter(net, zones)
    safe_m = [None if ans is None else meter.metres(ans.routes[0].route.coords) for ans in answers]
    short_m = [None if ans is None else meter.metres(ans.shortest.route.coords) for ans in answers]
    ours_len = np.array(
        [np.nan if ans is None else ans.routes[0].route.length_m for ans in answers]
    )
    exposure = {
        "ours_safe_metres_in_zones_total": _sum_levels(safe_m),
        "ours_shortest_metres_in_zones_total": _sum_levels(short_m),
        "ours_safe_routes_over_1m_inside_avoid": sum(
            1 for m in safe_m if m and m.get("avoid", 0.0) > 1.0
        ),
        "median_safe_route_length_m": float(np.nanmedian(ours_len)),
        "median_extra_length_vs_shortest_m": float(
            np.median([a.comparison()["extra_length_m"] for a in answers if a is not None])
        ),
    }

    # ---- Valhalla
    valhalla_result: dict[str, Any] = {"skipped": valhalla is None}
    if valhalla is not None:
        valhalla_result.update(describe(valhalla))
        if valhalla_config is None and valhalla.error is None:
            valhalla_result["error"] = "no Valhalla config"
        for key, (exclude, raws) in v_runs.items():
            if len(raws) == reps:
                tools[key] = _valhalla_summary(
                    raws, exclude=exclude, meter=meter, ours_len=ours_len, log=log, tag=key
                )

    ours_q = tools["ours_safe_route"]["per_query_s"]
    rr_q = tools["ours_route_report"]["per_query_s"]
    ratios = {}
    for name in ("networkx", "valhalla", "valhalla_no_exclusion"):
        if name in tools:
            ratios[f"safe_route_speedup_vs_{name}"] = ratio(tools[name]["per_query_s"], ours_q)
            ratios[f"route_report_speedup_vs_{name}"] = ratio(tools[name]["per_query_s"], rr_q)
    targets = [
        target(
            f"safe_route ({layer} zones) vs networkx",
            ratios.get("safe_route_speedup_vs_networkx"),
            ">=",
            1,
        ),
        target(
            f"safe_route ({layer} zones) vs Valhalla",
            ratios.get("safe_route_speedup_vs_valhalla"),
            ">=",
            1,
        ),
    ]
    levels = {lv: sum(z.level == lv for z in zones) for lv in LEVELS}
    return (
        {
            "layer": layer,
            "zones": len(zones),
            "zones_by_level": levels,
            "pairs": n,
            "closed_edges": int((~np.isfinite(safe.weights)).sum()),
            "preparation_s": prep,
            "tools": tools,
            "ratios": ratios,
            "agreement": agreement,
            "exposure": exposure,
            "valhalla": valhalla_result,
            "targets": targets,
        },
        removed,
    )


# ---------------------------------------------------------------------------------- section 2
def _per_point(
    func: Callable[[Any], Any],
    points: Sequence[Any],
    reps: int,
    log: Callable[[str], None],
    what: str,
) -> tuple[dict[str, Any], list[Any]]:
    times = np.zeros((reps, len(points)))
    last: list[Any] = []
    for rep in range(reps):
        last = []
        with gc_paused():
            for k, p in enumerate(points):
                t = time.perf_counter()
                last.append(func(p))
                times[rep, k] = time.perf_counter() - t
        log(f"  repeat {rep + 1}/{reps} {what}: {times[rep].mean() * 1e3:.2f} ms per query")
    totals = times.sum(axis=1)
    return (
        {
            "per_query_s": median(totals.tolist()) / len(points),
            **_stats(np.median(times, axis=0)),
            "points": len(points),
            "repeats": reps,
            "raw_repeat_total_s": totals.tolist(),
        },
        last,
    )


def run_reach(
    settings: Settings, net: Any, zones: Sequence[Any], sites: Sequence[Any], counts: SafeCounts
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Section 2: nearby services and catchments from random points (sample layer)."""
    from geomap.errors import GeomapError
    from routing.safe import SafeRouter

    log = settings.log
    reps = settings.repeats
    sr = SafeRouter(net, zones=zones, layer_version=1)
    points = random_points(net, counts.nearby_points, settings.seed + 2, counts.max_offset_m)
    errors = {"nearby": 0, "catchments": 0}

    def nearby(p: Any) -> Any:
        try:
            return sr.nearby(p, sites, minutes=counts.nearby_minutes)
        except GeomapError:
            errors["nearby"] += 1
            return None

    t0 = time.perf_counter()
    nearby(points[0])  # walking router, snapping tree, JIT
    prep_nearby = time.perf_counter() - t0
    nearby_stats, found = _per_point(nearby, points, reps, log, "nearby")
    sizes = np.array([len(r) for r in found if r is not None])
    nearby_res = {
        **nearby_stats,
        "minutes": counts.nearby_minutes,
        "sites": len(sites),
        "active_sites": sum(s.active for s in sites),
        "first_call_s": prep_nearby,
        "errors": errors["nearby"] // max(reps, 1),
        "sites_found_mean": float(sizes.mean()) if len(sizes) else 0.0,
        "sites_found_max": int(sizes.max()) if len(sizes) else 0,
        "points_with_any_site": int((sizes > 0).sum()),
    }

    cpoints = random_points(net, counts.catchment_points, settings.seed + 3, counts.max_offset_m)
    minutes = list(counts.catchment_minutes)

    def catchment(p: Any) -> Any:
        try:
            return sr.catchments(p, minutes)
        except GeomapError:
            errors["catchments"] += 1
            return None

    t0 = time.perf_counter()
    catchment(cpoints[0])  # segment lines
    prep_catch = time.perf_counter() - t0
    catch_stats, areas = _per_point(catchment, cpoints, reps, log, "catchments")
    biggest = [a[-1][1] for a in areas if a]
    catch_res = {
        **catch_stats,
        "minutes": minutes,
        "first_call_s": prep_catch,
        "errors": errors["catchments"] // max(reps, 1),
        "median_vertices_largest_area": float(np.median([_vertices(g) for g in biggest]))
        if biggest
        else None,
    }
    return nearby_res, catch_res


def _vertices(geom: Any) -> int:
    import shapely

    return int(shapely.get_num_coordinates(geom))


# ---------------------------------------------------------------------------------- section 3
def run_reweight(
    settings: Settings, net: Any, layer: str, zones: Sequence[Any], sites: Sequence[Any]
) -> dict[str, Any]:
    """Section 3 for one layer: edit a zone, then the first router, route and nearby."""
    from routing import Router
    from routing.costs import compute_exposure, edge_weights
    from routing.safe import SafeRouter

    log = settings.log
    reps = max(settings.repeats, 5)  # edits are cheap: at least 5
    layers = [list(zones), edited_layer(zones)]
    sr = SafeRouter(net, zones=layers[0], layer_version=1)
    safe = sr.router(night=False)
    _, points = pick_pairs(net, safe.weights, zones, 1, settings.seed + 4, 0.0)
    a, b = (tuple(p) for p in points[0].tolist())
    safe.route(a, b)  # warm: JIT, snapping tree
    sr.nearby(a, sites, minutes=20)
    steps = ("set_zones", "router", "first_route", "second_route", "first_nearby")
    times: dict[str, list[float]] = {s: [] for s in steps}
    version = 1
    for rep in range(reps):
        version += 1
        new = layers[(rep + 1) % 2]
        with gc_paused():
            t = time.perf_counter()
            sr.set_zones(new, version)
            times["set_zones"].append(time.perf_counter() - t)
            t = time.perf_counter()
            router = sr.router(night=False)
            times["router"].append(time.perf_counter() - t)
            for step in ("first_route", "second_route"):
                t = time.perf_counter()
                router.route(a, b)
                times[step].append(time.perf_counter() - t)
            t = time.perf_counter()
            sr.nearby(a, sites, minutes=20)
            times["first_nearby"].append(time.perf_counter() - t)
        log(
            f"  [{layer}] edit {rep + 1}/{reps}: set_zones {times['set_zones'][-1] * 1e3:.0f} ms, "
            f"router {times['router'][-1] * 1e3:.0f} ms, first route "
            f"{times['first_route'][-1] * 1e3:.0f} ms, next route "
            f"{times['second_route'][-1] * 1e3:.2f} ms"
        )
    edit_to_route = [
        times["set_zones"][i] + times["router"][i] + times["first_route"][i] for i in range(reps)
    ]
    # breakdown of the parts (the same work, called one by one)
    parts = ("compute_exposure", "edge_weights", "router_init", "landmarks", "snapping_tree")
    part_times: dict[str, list[float]] = {p: [] for p in parts}
    for rep in range(reps):
        new = layers[rep % 2]
        with gc_paused():
            t = time.perf_counter()
            exposure = compute_exposure(net, new)
            part_times["compute_exposure"].append(time.perf_counter() - t)
            t = time.perf_counter()
            weights = edge_weights(net, exposure, sr.params, night=False)
            part_times["edge_weights"].append(time.perf_counter() - t)
            t = time.perf_counter()
            router = Router(
                net, weights=weights.seconds, speed_kmh=sr.params.speed_kmh,
                landmarks_from=sr.plain,
            )  # fmt: skip
            part_times["router_init"].append(time.perf_counter() - t)
            t = time.perf_counter()
            router._landmarks  # noqa: B018 - landmark costs, scaled from the plain router's
            part_times["landmarks"].append(time.perf_counter() - t)
            t = time.perf_counter()
            net.snap_index  # noqa: B018 - snapping tree, built once per network and shared
            part_times["snapping_tree"].append(time.perf_counter() - t)
    return {
        "layer": layer,
        "zones": len(zones),
        "repeats": reps,
        "edit": "the first 'high' zone grown by ~100 m, alternating with the original layer",
        "median_s": {s: median(v) for s, v in times.items()},
        "edit_to_first_route_s": median(edit_to_route),
        "breakdown_median_s": {p: median(v) for p, v in part_times.items()},
        "raw_s": {**times, **part_times, "edit_to_first_route": edit_to_route},
    }


# ---------------------------------------------------------------------------------- all
def run(settings: Settings, net: Any, valhalla: ValhallaPeer | None, counts: SafeCounts) -> dict:
    """Every section; returns the results dictionary (without machine facts)."""
    log = settings.log
    sample = load_sample_zones()
    dense = dense_zones(net, counts.dense_zones, settings.seed)
    sites = load_sites()
    layers = {"sample": sample, "dense": dense}

    valhalla_config = None
    if valhalla is not None and valhalla.error is None:
        if valhalla.ensure_tiles():
            valhalla_config = valhalla.config_with_limits("config-safe.json", VALHALLA_LIMITS)
        else:
            log(f"  Valhalla tiles unavailable: {valhalla.error}")

    t0 = time.perf_counter()
    graph = net.to_networkx()
    nx_graph_s = time.perf_counter() - t0
    routes: dict[str, Any] = {"networkx_graph_s": nx_graph_s}
    restore: list[tuple] = []
    for k, (name, zones) in enumerate(layers.items()):
        log(f"1/3 safe routes with exposure, {name} layer ({len(zones)} zones)")
        routes[name], restore = run_routes(
            settings, net, graph, name, zones, counts, valhalla, valhalla_config, restore
        )
        log(f"  [{name}] done ({k + 1}/{len(layers)})")

    log(f"2/3 nearby services ({counts.nearby_minutes:g} min) and catchments")
    nearby, catchments = run_reach(settings, net, sample, sites, counts)

    log("3/3 re-weighting after a risk-zone edit")
    reweight = {
        name: run_reweight(settings, net, name, zones, sites) for name, zones in layers.items()
    }

    targets = [t for name in layers for t in routes[name]["targets"]]
    return {
        "settings": {
            **dataclasses.asdict(counts),
            "valhalla_service_limits": VALHALLA_LIMITS,
            "method": __doc__,
        },
        "dataset": {
            "sample_zones_file": str(ZONES_PATH.relative_to(REPO_DIR)),
            "sites_file": str(SITES_PATH.relative_to(REPO_DIR)),
            "sites": len(sites),
            "layers": {
                name: {lv: sum(z.level == lv for z in zones) for lv in LEVELS}
                for name, zones in layers.items()
            },
        },
        "valhalla": None if valhalla is None else describe(valhalla),
        "routes": routes,
        "nearby": nearby,
        "catchments": catchments,
        "reweight": reweight,
        "targets": targets,
    }
