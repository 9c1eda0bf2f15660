"""OSRM routes, timed inside the peer's own Python 3.12 venv (run by :mod:`osrm_peer`).

Usage: ``python osrm_worker.py REQUEST.json``; the request holds ``dataset`` (``.osrm`` base
path), ``algorithm`` (``CH`` or ``MLD``), ``pairs`` (``[[lon, lat, lon, lat], ...]``) and
``repeats``. Each query asks for the full route geometry as GeoJSON coordinates (``overview
full``), as geomap returns it. Prints a JSON report: per-repeat totals, lengths, failures.
"""

from __future__ import annotations

import json
import sys
import time


def main(request_path: str) -> dict[str, object]:
    import osrm

    with open(request_path, encoding="utf-8") as fh:
        request = json.load(fh)
    t0 = time.perf_counter()
    engine = osrm.OSRM(storage_config=request["dataset"], algorithm=request["algorithm"],
                       use_shared_memory=False)  # fmt: skip
    load_s = time.perf_counter() - t0
    pairs = request["pairs"]

    def one(p: list[float]) -> tuple[float, int]:
        params = osrm.RouteParameters(
            coordinates=[(p[0], p[1]), (p[2], p[3])], geometries="geojson", overview="full"
        )
        res = engine.Route(params)
        route = res["routes"][0]
        coords = route["geometry"]["coordinates"]
        return float(route["distance"]), len(coords)

    lengths: list[float | None] = []
    failed = 0
    for p in pairs:  # warm-up, and the lengths
        try:
            lengths.append(one(p)[0])
        except (RuntimeError, KeyError, IndexError):
            lengths.append(None)
            failed += 1
    ok = [p for p, d in zip(pairs, lengths, strict=True) if d is not None]
    totals = []
    for _ in range(int(request["repeats"])):
        t = time.perf_counter()
        for p in ok:
            one(p)
        totals.append(time.perf_counter() - t)
    return {"load_s": load_s, "totals_s": totals, "queries": len(ok), "failed": failed,
            "lengths_m": lengths}  # fmt: skip


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1])))
