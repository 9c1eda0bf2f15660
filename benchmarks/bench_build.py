"""Section 1: build the walking network from the extract, ours vs osmnx; load vs build.

Every build runs in a fresh Python process (:mod:`build_child`), so its peak resident memory
(``ru_maxrss``) is its own and imports are counted. The runs are interleaved tool by tool in
each repeat, after one discarded warm-up run per tool (page cache, ``.pyc`` files).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from common import BENCH_DIR, ChildResult, Settings, median, ratio, run_measured, target

CHILD = str(BENCH_DIR / "build_child.py")


def _child(mode: str, path: Path, output: Path | None = None) -> ChildResult:
    extra = [str(output)] if output is not None else []
    result = run_measured([sys.executable, CHILD, mode, str(path), *extra])
    if result.returncode != 0 or not result.report:
        raise RuntimeError(f"build child {mode} {path} failed:\n{result.stderr}")
    return result


def _summary(runs: list[ChildResult]) -> dict[str, Any]:
    """Medians of the runs of one tool (seconds, MiB)."""
    reports = [r.report for r in runs]
    return {
        "repeats": len(runs),
        "process_wall_s": median([r.wall_s for r in runs]),
        "import_s": median([r["import_s"] for r in reports]),
        "work_s": median([r["work_s"] for r in reports]),
        "with_imports_s": median([r["total_s"] for r in reports]),
        "rss_after_import_mb": median([r["rss_after_import_mb"] for r in reports]),
        "peak_rss_mb": median([r.max_rss_mb for r in runs]),
        "peak_vm_hwm_mb": median([r.get("vm_hwm_mb") or 0.0 for r in reports]),
        "peak_rss_above_imports_mb": median(
            [r.max_rss_mb - r.report["rss_after_import_mb"] for r in runs]
        ),
        "nodes": reports[0]["nodes"],
        "edges": reports[0]["edges"],
        "raw": {
            "work_s": [r["work_s"] for r in reports],
            "with_imports_s": [r["total_s"] for r in reports],
            "peak_rss_mb": [r.max_rss_mb for r in runs],
        },
    }


def run(settings: Settings, xml: dict[str, Path], saved: Path) -> dict[str, Any]:
    """Measure the builds and the load; return medians, ratios and target verdicts."""
    log = settings.log
    out = settings.work_dir / "build-bench.npz"
    jobs: dict[str, tuple[str, Path]] = {
        "ours_build": ("ours", settings.pbf),
        "ours_build_and_save": ("ours_save", settings.pbf),
        "osmnx_walk_xml": ("osmnx", xml["walk"]),
        "osmnx_full_xml": ("osmnx", xml["full"]),
        "ours_load": ("load", saved),
    }
    if not settings.quick:
        log("  warm-up run of each tool (discarded)")
        for mode, path in jobs.values():
            _child(mode, path, out if mode == "ours_save" else None)
    runs: dict[str, list[ChildResult]] = {name: [] for name in jobs}
    for rep in range(settings.repeats):
        for name, (mode, path) in jobs.items():
            result = _child(mode, path, out if mode == "ours_save" else None)
            runs[name].append(result)
            log(
                f"  repeat {rep + 1}/{settings.repeats} {name:15s} "
                f"work {result.report['work_s']:.3f} s, with imports "
                f"{result.report['total_s']:.3f} s, peak {result.max_rss_mb:.0f} MiB"
            )
    tools = {name: _summary(r) for name, r in runs.items()}
    ours, peer, load = tools["ours_build"], tools["osmnx_walk_xml"], tools["ours_load"]
    ratios = {
        "speedup_vs_osmnx_walk_xml": ratio(peer["work_s"], ours["work_s"]),
        "speedup_vs_osmnx_walk_xml_with_imports": ratio(
            peer["with_imports_s"], ours["with_imports_s"]
        ),
        "speedup_vs_osmnx_walk_xml_process_wall": ratio(
            peer["process_wall_s"], ours["process_wall_s"]
        ),
        "speedup_vs_osmnx_full_xml": ratio(tools["osmnx_full_xml"]["work_s"], ours["work_s"]),
        "memory_vs_osmnx_walk_xml": ratio(ours["peak_rss_mb"], peer["peak_rss_mb"]),
        "memory_above_imports_vs_osmnx_walk_xml": ratio(
            ours["peak_rss_above_imports_mb"], peer["peak_rss_above_imports_mb"]
        ),
        "load_speedup_vs_build": ratio(ours["work_s"], load["work_s"]),
        "load_speedup_vs_build_with_imports": ratio(ours["with_imports_s"], load["with_imports_s"]),
    }
    targets = [
        target("build time (no imports) vs osmnx", ratios["speedup_vs_osmnx_walk_xml"], ">=", 4),
        target(
            "build time (with imports) vs osmnx",
            ratios["speedup_vs_osmnx_walk_xml_with_imports"],
            ">=",
            4,
        ),
        target("build peak memory vs osmnx", ratios["memory_vs_osmnx_walk_xml"], "<=", 0.5),
        target(
            "build peak memory above imports vs osmnx",
            ratios["memory_above_imports_vs_osmnx_walk_xml"],
            "<=",
            0.5,
        ),
        target("load vs build (no imports)", ratios["load_speedup_vs_build"], ">=", 10),
        target("load of the saved network, ms", load["work_s"] * 1e3, "<=", 50),
    ]
    return {
        "inputs": {
            "pbf": str(settings.pbf),
            "osm_xml_walk": str(xml["walk"]),
            "osm_xml_full": str(xml["full"]),
            "saved_network": str(saved),
        },
        "method": (
            "fresh process per run; wall time split into imports and work by the child; "
            "peak memory = ru_maxrss of the child from wait4; osmnx.graph_from_xml("
            "bidirectional=True, simplify=True, retain_all=False); ratios use the osmnx run on "
            "the walk-filtered XML (fewer ways, so faster for osmnx); medians of repeats"
        ),
        "tools": tools,
        "ratios": ratios,
        "targets": targets,
    }
