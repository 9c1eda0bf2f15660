"""One measured network build (or load), run in a fresh process by :mod:`bench_build`.

Usage: ``python build_child.py MODE INPUT``, where MODE is

* ``ours``  — ``routing.network_from_file(INPUT, "walk")`` on the PBF;
* ``osmnx`` — ``osmnx.graph_from_xml(INPUT, bidirectional=True)`` on an OSM XML file
  (bidirectional, as osmnx does for its ``walk`` network type);
* ``load``  — ``routing.Network.load(INPUT)`` on a saved network;
* ``ours_save`` — ``network_from_file`` then ``Network.save(OUTPUT)``: what
  ``geomap network build`` does (derived arrays, snapping index, hierarchy order), usage
  ``python build_child.py ours_save INPUT OUTPUT``.

The clock starts before the library is imported, so the report splits import time from
work time. The JSON report (written to ``$BENCH_REPORT``) holds ``import_s``, ``work_s``,
``rss_after_import_mb``, ``rss_peak_mb`` and the graph size.
"""

from __future__ import annotations

import time

T_START = time.perf_counter()

import json  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402


def _rss_mb() -> float:
    """Peak resident memory of this process so far, in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _vm_hwm_mb() -> float | None:
    """Peak resident size of this address space (``VmHWM``), in MiB, as a cross-check."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        return None
    return None


def main(mode: str, path: str, output: str | None = None) -> dict[str, object]:
    """Import the tool for ``mode``, build (or load) from ``path``, and report."""
    if mode == "ours_save":
        from routing import network_from_file

        t_imported = time.perf_counter()
        rss_imported = _rss_mb()
        net = network_from_file(path, "walk")
        assert output is not None
        net.save(output)
        t_done = time.perf_counter()
        size = {"nodes": net.n_nodes, "edges": net.n_edges, "numba": "numba" in sys.modules}
    elif mode == "ours":
        from routing import network_from_file

        t_imported = time.perf_counter()
        rss_imported = _rss_mb()
        net = network_from_file(path, "walk")
        t_done = time.perf_counter()
        size = {"nodes": net.n_nodes, "edges": net.n_edges}
    elif mode == "load":
        from routing import Network

        t_imported = time.perf_counter()
        rss_imported = _rss_mb()
        net = Network.load(path)
        t_done = time.perf_counter()
        size = {"nodes": net.n_nodes, "edges": net.n_edges}
    elif mode == "osmnx":
        import osmnx

        t_imported = time.perf_counter()
        rss_imported = _rss_mb()
        graph = osmnx.graph_from_xml(path, bidirectional=True)
        t_done = time.perf_counter()
        size = {"nodes": graph.number_of_nodes(), "edges": graph.number_of_edges()}
    else:
        raise SystemExit(f"unknown mode {mode!r}")
    return {
        "mode": mode,
        "import_s": t_imported - T_START,
        "work_s": t_done - t_imported,
        "total_s": t_done - T_START,
        "rss_after_import_mb": rss_imported,
        "rss_peak_mb": _rss_mb(),
        "vm_hwm_mb": _vm_hwm_mb(),
        **size,
    }


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        raise SystemExit(__doc__)
    result = main(*sys.argv[1:])
    report = os.environ.get("BENCH_REPORT")
    if report:
        with open(report, "w", encoding="utf-8") as fh:
            json.dump(result, fh)
    else:
        print(json.dumps(result, indent=1))
