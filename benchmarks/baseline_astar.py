"""Today's engine before the corridor work (A* with landmarks), as the long-route baseline.

Run by :mod:`bench_corridor` with ``PYTHONPATH`` set to an export of ``routing/`` at the base
commit (``git archive``), so it times exactly the code the issue measured. Usage::

    python baseline_astar.py PBF PAIRS.json [PASSES]

``PAIRS.json`` holds ``[[lon, lat, lon, lat], ...]``. Prints JSON: build and landmark times
(preparation, untimed for the comparison), per-route seconds of every pass over the pairs
(``passes``; ``route_s`` is the last) and lengths.
"""

from __future__ import annotations

import json
import sys
import time


def main(pbf: str, pairs_path: str, passes: int = 1) -> dict[str, object]:
    import routing
    from routing import Router, network_from_file

    with open(pairs_path, encoding="utf-8") as fh:
        pairs = json.load(fh)
    t0 = time.perf_counter()
    net = network_from_file(pbf, "walk")
    build_s = time.perf_counter() - t0
    router = Router(net)
    t0 = time.perf_counter()
    first = router.route((pairs[0][0], pairs[0][1]), (pairs[0][2], pairs[0][3]))
    first_s = time.perf_counter() - t0  # JIT, landmarks (about 30 full searches), STRtree
    every: list[list[float]] = []
    for _ in range(max(1, passes)):
        times, lengths = [], []
        for p in pairs:
            t = time.perf_counter()
            route = router.route((p[0], p[1]), (p[2], p[3]))
            times.append(time.perf_counter() - t)
            lengths.append(route.length_m)
        every.append(times)
    return {
        "routing_file": routing.__file__,
        "edges": net.n_edges,
        "build_s": build_s,
        "first_route_s": first_s,
        "first_length_m": first.length_m,
        "route_s": times,
        "passes": every,
        "lengths_m": lengths,
    }


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], sys.argv[2], *map(int, sys.argv[3:4]))))
