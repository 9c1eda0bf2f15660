"""Benchmark geomap's network engine against its peers on the Porto Alegre walking network.

One command runs everything and writes ``benchmarks/results/network.json`` (raw medians,
ratios, target verdicts, machine and package facts) and ``benchmarks/results/network.md``
(a short table)::

    python benchmarks/run.py                 # full run (~5 min on 2 cores)
    python benchmarks/run.py --quick         # smoke run, results under benchmarks/.work/
    python benchmarks/run.py --skip-valhalla # no Python 3.12 venv / pyvalhalla
    python benchmarks/run.py --registry      # the registry store instead (~70 s on 2 cores)
    python benchmarks/run.py --safe          # safe routing instead (safe.json, safe.md)
    python benchmarks/run.py --coverage      # service coverage instead (coverage.json, .md)

Sections: (1) building the network from the extract vs osmnx, and loading the saved
network; (2) 1,000 random routes with geometry vs osmnx, igraph and Valhalla; (3) distance
to the nearest of 50 facilities for every node vs networkx and pandana. ``--registry`` runs
``bench_registry.py`` alone (bbox queries on 50,000 places, one item by id, import of a
10,000-feature file) and writes ``registry.json`` and ``registry.md``. ``--safe`` runs
``bench_safe.py`` alone (safe routes with an exposure summary vs networkx and Valhalla, nearby
services, catchments, re-weighting after a risk-zone edit) and writes ``safe.json`` and
``safe.md``. ``--coverage`` runs ``bench_coverage.py`` alone (every service's walking time from
every node vs networkx, pandana and scipy, and the curve on synthetic grids up to 1M edges) and
writes ``coverage.json`` and ``coverage.md``. See README.md.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from common import BENCH_DIR, DEFAULT_PBF, WORK_DIR, Settings, git_state, machine_info, target

PEERS = ("osmnx", "igraph", "pandana")


def _missing(modules: tuple[str, ...]) -> list[str]:
    missing = []
    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(name)
    return missing


def ensure_requirements(install: bool, peers: tuple[str, ...] = PEERS) -> None:
    """Exit with a clear message when geomap or a peer is missing (install peers if allowed)."""
    if _missing(("routing",)):
        sys.exit(
            "geomap's 'routing' package is not importable: run `pip install -e .` at the "
            "repository root first."
        )
    missing = _missing(peers)
    if not missing:
        return
    req = BENCH_DIR / "requirements.txt"
    if not install:
        sys.exit(
            f"missing benchmark peers: {', '.join(missing)}. Install them with "
            f"`pip install -r {req}` (or drop --no-install)."
        )
    print(f"installing missing peers ({', '.join(missing)}) from {req}", flush=True)
    subprocess.run([sys.executable, "-m", "pip", "install", "-r", str(req)], check=True)
    importlib.invalidate_caches()
    still = _missing(peers)
    if still:
        sys.exit(f"still missing after pip install: {', '.join(still)}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="short smoke run (1 repeat, 100 pairs)")
    p.add_argument(
        "--registry",
        action="store_true",
        help="benchmark the registry store instead of the network engine (no peers)",
    )
    p.add_argument(
        "--safe",
        action="store_true",
        help="benchmark safe routing instead (500 pairs by default, quick 50; vs networkx and "
        "Valhalla), writing safe.json",
    )
    p.add_argument(
        "--coverage",
        action="store_true",
        help="benchmark service coverage instead (vs networkx, pandana, scipy; synthetic "
        "grids), writing coverage.json",
    )
    p.add_argument("--skip-valhalla", action="store_true", help="do not set up or run Valhalla")
    p.add_argument("--skip-osrm", action="store_true", help="do not set up or run OSRM")
    p.add_argument(
        "--sizes",
        default=None,
        help="corridor sizes in directed edges for the growth table, e.g. 10k,100k,1M,5M "
        "(default; quick: 10k,100k); 'none' skips the corridor sections",
    )
    p.add_argument("--repeats", type=int, help="repeats per measurement (default 3, quick 1)")
    p.add_argument("--pairs", type=int, help="random route pairs (default 1000, quick 100)")
    p.add_argument("--pbf", type=Path, default=DEFAULT_PBF, help="OSM extract (.osm.pbf)")
    p.add_argument(
        "--out",
        type=Path,
        help="results folder (default benchmarks/results; quick: benchmarks/.work/results-quick)",
    )
    p.add_argument(
        "--no-install", action="store_true", help="do not pip install missing peers; just fail"
    )
    return p.parse_args(argv)


def _sizes(text: str | None, quick: bool) -> tuple[int, ...]:
    """Corridor sizes from ``10k,1M``-style text."""
    if text is None:
        text = "10k,100k" if quick else "10k,100k,1M,5M"
    if text.strip().lower() == "none":
        return ()
    scale = {"k": 1_000, "m": 1_000_000}
    out = []
    for raw in text.split(","):
        part = raw.strip().lower()
        out.append(int(float(part[:-1]) * scale[part[-1]]) if part[-1] in scale else int(part))
    return tuple(out)


def make_settings(args: argparse.Namespace) -> Settings:
    """Settings from the options (quick mode shrinks every count)."""
    quick = args.quick
    out = args.out or (WORK_DIR / "results-quick" if quick else BENCH_DIR / "results")
    repeats = args.repeats or (1 if quick else 3)
    pairs = args.pairs or (100 if quick else 1000)
    t_start = time.perf_counter()

    def log(message: str) -> None:
        print(f"[{time.perf_counter() - t_start:7.1f}s] {message}", flush=True)

    return Settings(
        pbf=args.pbf.resolve(),
        out_dir=out.resolve(),
        work_dir=WORK_DIR,
        repeats=repeats,
        n_pairs=pairs,
        n_single_pairs=10 if quick else 100,
        quick=quick,
        skip_valhalla=args.skip_valhalla,
        log=log,
    )


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def write_results(
    results: dict[str, Any],
    out_dir: Path,
    stem: str = "network",
    render: Callable[[dict[str, Any]], str] | None = None,
) -> tuple[Path, Path]:
    """Write ``<stem>.json`` and ``<stem>.md`` (``network`` by default) into ``out_dir``."""
    if render is None:
        from report import render

    out_dir.mkdir(parents=True, exist_ok=True)
    json_path, md_path = out_dir / f"{stem}.json", out_dir / f"{stem}.md"
    tmp = json_path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(results, indent=1, default=_json_default) + "\n")
    tmp.replace(json_path)
    md_path.write_text(render(results))
    return json_path, md_path


def run_registry(args: argparse.Namespace) -> int:
    """The registry benchmark (``--registry``): write ``registry.json`` and ``registry.md``."""
    if _missing(("geomap.registry.store",)):
        sys.exit("geomap is not importable: run `pip install -e .` at the repository root first.")
    from bench_registry import PAGE, RegistrySettings, render, run

    quick = args.quick
    out = args.out or (WORK_DIR / "results-quick" if quick else BENCH_DIR / "results")
    t_start = time.perf_counter()

    def log(message: str) -> None:
        print(f"[{time.perf_counter() - t_start:7.1f}s] {message}", flush=True)

    settings = RegistrySettings(
        out_dir=out.resolve(),
        work_dir=WORK_DIR / "registry",
        places=5_000 if quick else 50_000,
        import_features=1_000 if quick else 10_000,
        queries=50 if quick else 200,
        gets=200 if quick else 1000,
        repeats=args.repeats or (1 if quick else 3),
        quick=quick,
        log=log,
    )
    machine = machine_info()
    figures = run(settings)
    results = {
        "benchmark": "registry",
        "machine": {**machine, "sqlite": sqlite3.sqlite_version, "git_at_end": git_state()},
        "settings": {
            "quick": quick,
            "repeats": settings.repeats,
            "places": settings.places,
            "import_features": settings.import_features,
            "queries": settings.queries,
            "page": PAGE,
            "gets": settings.gets,
            "seed": settings.seed,
        },
        **figures,
    }
    json_path, md_path = write_results(results, settings.out_dir, "registry", render)
    log(f"wrote {json_path} and {md_path}")
    return 0


def _log_targets(log: Callable[[str], None], targets: list[dict[str, Any]]) -> None:
    for t in targets:
        mark = {True: "PASS", False: "FAIL", None: "n/a "}[t["passed"]]
        value = "n/a" if t["value"] is None else f"{t['value']:.2f}"
        log(f"  {mark} {t['name']}: {value} (wanted {t['op']} {t['bound']})")


def run_safe(args: argparse.Namespace) -> int:
    """The safe-routing benchmark (``--safe``): write ``safe.json`` and ``safe.md``."""
    ensure_requirements(install=not args.no_install, peers=("networkx",))
    pairs, args.pairs = args.pairs, None  # the network suite's default pair count is not ours
    settings = make_settings(args)
    log = settings.log
    if not settings.pbf.is_file():
        sys.exit(f"OSM extract not found: {settings.pbf} (use --pbf)")

    import bench_safe
    import prepare
    from report_safe import render
    from valhalla_peer import ValhallaPeer

    from routing import Network

    counts = bench_safe.SafeCounts.for_settings(settings, pairs)
    machine = machine_info()
    settings.work_dir.mkdir(parents=True, exist_ok=True)
    log(f"preparing (untimed): a saved network in {settings.work_dir}")
    net = Network.load(prepare.saved_network(settings.pbf, settings.work_dir))
    log(f"network: {net.n_nodes:,} nodes, {net.n_edges:,} directed edges")

    valhalla = None
    if not settings.skip_valhalla:
        log("setting up Valhalla (Python 3.12 venv, pyvalhalla; tiles built if missing)")
        valhalla = ValhallaPeer(settings)
        if not valhalla.setup():
            log(f"  Valhalla unavailable: {valhalla.error}")

    body = bench_safe.run(settings, net, valhalla, counts)
    targets = body["targets"]
    results = {
        "benchmark": "safe",
        "machine": {**machine, "git_at_end": git_state()},
        "settings": {
            "quick": settings.quick,
            "repeats": settings.repeats,
            "seed": settings.seed,
            "valhalla": "skipped" if valhalla is None else "attempted",
            **body.pop("settings"),
        },
        "dataset": {
            "name": "porto_alegre",
            "pbf": str(settings.pbf),
            "profile": "walk",
            "nodes": net.n_nodes,
            "edges": net.n_edges,
            **body.pop("dataset"),
        },
        **body,
        "summary": {
            "targets_passed": sum(t["passed"] is True for t in targets),
            "targets_failed": [t["name"] for t in targets if t["passed"] is False],
            "targets_total": len(targets),
        },
    }
    json_path, md_path = write_results(results, settings.out_dir, "safe", render)
    log(f"wrote {json_path} and {md_path}")
    _log_targets(log, targets)
    return 0


def run_coverage(args: argparse.Namespace) -> int:
    """The coverage benchmark (``--coverage``): write ``coverage.json`` and ``coverage.md``."""
    ensure_requirements(install=not args.no_install, peers=("networkx", "pandana", "scipy"))
    settings = make_settings(args)
    log = settings.log
    if not settings.pbf.is_file():
        sys.exit(f"OSM extract not found: {settings.pbf} (use --pbf)")

    import bench_coverage
    import prepare
    from bench_safe import load_sites

    from routing import Network

    machine = machine_info()
    settings.work_dir.mkdir(parents=True, exist_ok=True)
    log(f"preparing (untimed): a saved network in {settings.work_dir}")
    net = Network.load(prepare.saved_network(settings.pbf, settings.work_dir))
    log(f"network: {net.n_nodes:,} nodes, {net.n_edges:,} directed edges")
    body = bench_coverage.run(settings, net, load_sites())
    targets = body["targets"]
    results = {
        "benchmark": "coverage",
        "machine": {**machine, "git_at_end": git_state()},
        "settings": {
            "quick": settings.quick,
            "repeats": settings.repeats,
            "seed": settings.seed,
            **body.pop("settings"),
        },
        "dataset": {
            "name": "porto_alegre",
            "pbf": str(settings.pbf),
            "profile": "walk",
            "nodes": net.n_nodes,
            "edges": net.n_edges,
        },
        **body,
        "summary": {
            "targets_passed": sum(t["passed"] is True for t in targets),
            "targets_failed": [t["name"] for t in targets if t["passed"] is False],
            "targets_total": len(targets),
        },
    }
    json_path, md_path = write_results(results, settings.out_dir, "coverage", bench_coverage.render)
    log(f"wrote {json_path} and {md_path}")
    _log_targets(log, targets)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run every section and write the results; return the process exit code."""
    args = parse_args(argv)
    if args.coverage:
        return run_coverage(args)
    if args.safe:
        return run_safe(args)
    if args.registry:
        return run_registry(args)
    ensure_requirements(install=not args.no_install)
    settings = make_settings(args)
    log = settings.log
    if not settings.pbf.is_file():
        sys.exit(f"OSM extract not found: {settings.pbf} (use --pbf)")

    import bench_build
    import bench_facilities
    import bench_routes
    import prepare
    from valhalla_peer import ValhallaPeer, describe

    from routing import Network

    machine = machine_info()  # before the run: date and code state measured
    settings.work_dir.mkdir(parents=True, exist_ok=True)
    log(f"preparing (untimed): OSM XML copies and a saved network in {settings.work_dir}")
    xml = prepare.osm_xml_copies(settings.pbf, settings.work_dir)
    saved = prepare.saved_network(settings.pbf, settings.work_dir)
    net = Network.load(saved)
    log(f"network: {net.n_nodes:,} nodes, {net.n_edges:,} directed edges")

    valhalla = None
    if not settings.skip_valhalla:
        log("setting up Valhalla (Python 3.12 venv, pyvalhalla)")
        valhalla = ValhallaPeer(settings)
        if not valhalla.setup():
            log(f"  Valhalla unavailable: {valhalla.error}")

    osrm = None
    if not settings.skip_valhalla and not args.skip_osrm:
        from osrm_peer import OSRMPeer

        log("setting up OSRM (Python 3.12 venv, osrm-bindings, foot profile)")
        osrm = OSRMPeer(settings)
        if not osrm.setup():
            log(f"  OSRM unavailable: {osrm.error}")
            osrm = None

    log("1/5 build from the extract")
    build = bench_build.run(settings, xml, saved)
    if valhalla is not None:
        build["valhalla_tiles"] = valhalla.build_tiles()
        build["valhalla"] = describe(valhalla)
        tiles = build["valhalla_tiles"]
        whole = build["tools"]["ours_build_and_save"]
        if tiles:
            build["ratios"]["whole_build_speedup_vs_valhalla"] = (
                tiles["process_wall_s"] / whole["process_wall_s"]
            )
            build["ratios"]["whole_build_memory_vs_valhalla"] = (
                whole["peak_rss_mb"] / tiles["peak_rss_mb"]
            )
        build["targets"] += [
            target("whole build process (imports, save) vs Valhalla tile build",
                   build["ratios"].get("whole_build_speedup_vs_valhalla"), ">=", 1),
            target("whole build peak memory vs Valhalla's",
                   build["ratios"].get("whole_build_memory_vs_valhalla"), "<=", 1.5),
        ]  # fmt: skip

    log("2/5 random routes with geometry")
    routes = bench_routes.run(settings, net, valhalla, osrm)

    log("3/5 nearest of 50 facilities from every node")
    facilities = bench_facilities.run(settings, net)

    sizes = _sizes(args.sizes, settings.quick)
    corridor: dict[str, Any] = {"targets": [], "skipped": not sizes}
    if sizes:
        import bench_corridor

        log(f"4-5/5 generated corridors: growth {', '.join(f'{s:,}' for s in sizes)} edges")
        corridor = bench_corridor.run(settings, sizes, osrm)

    osmnx_walk = build["tools"]["osmnx_walk_xml"]
    results = {
        "benchmark": "network",
        "machine": {
            **machine,
            "git_at_end": git_state(),
            "load_average_at_end": list(os.getloadavg()),
        },
        "settings": {
            "quick": settings.quick,
            "repeats": settings.repeats,
            "pairs": settings.n_pairs,
            "per_pair_osmnx_subsample": settings.n_single_pairs,
            "facilities": settings.n_facilities,
            "seed": settings.seed,
            "valhalla": "skipped" if valhalla is None else "attempted",
        },
        "dataset": {
            "name": "porto_alegre",
            "pbf": str(settings.pbf),
            "pbf_bytes": settings.pbf.stat().st_size,
            "profile": "walk",
            "nodes": net.n_nodes,
            "edges": net.n_edges,
            "segments": net.n_segments,
            "osmnx_walk_nodes": osmnx_walk["nodes"],
            "osmnx_walk_edges": osmnx_walk["edges"],
        },
        "build": build,
        "routes": routes,
        "facilities": facilities,
        "corridor": corridor,
    }
    targets = [
        t for s in ("build", "routes", "facilities", "corridor") for t in results[s]["targets"]
    ]
    results["summary"] = {
        "targets_passed": sum(t["passed"] is True for t in targets),
        "targets_failed": [t["name"] for t in targets if t["passed"] is False],
        "targets_total": len(targets),
    }
    json_path, md_path = write_results(results, settings.out_dir)
    log(f"wrote {json_path} and {md_path}")
    for t in targets:
        mark = {True: "PASS", False: "FAIL", None: "n/a "}[t["passed"]]
        value = "n/a" if t["value"] is None else f"{t['value']:.2f}"
        log(f"  {mark} {t['name']}: {value} (wanted {t['op']} {t['bound']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
