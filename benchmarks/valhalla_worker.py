"""Valhalla side of the benchmark, run with the Python 3.12 venv that has ``pyvalhalla``.

pyvalhalla 3.9.1 ships wheels for Python 3.12+ only, so this file runs in its own
interpreter and uses nothing but the standard library and ``valhalla``.

Usage::

    python valhalla_worker.py info OUT_JSON
    python valhalla_worker.py config TILE_DIR OUT_JSON
    python valhalla_worker.py route CONFIG_JSON PAIRS_JSON REPEATS OUT_JSON [OPTIONS_JSON]

``info`` reports the package version and where its tile builder binary is; ``config``
writes a Valhalla config for tiles in TILE_DIR (no admin or timezone databases);
``route`` times one pedestrian route request per pair (JSON string in, JSON parsed out) in
each repeat, after a warm-up, and reports per-query times and route lengths. The optional
OPTIONS_JSON file may hold ``exclude_polygons`` (exterior rings, ``[[[lon, lat], ...], ...]``,
sent with every request) and ``shapes: true`` (also report each route's encoded polyline6
shape, from the last repeat).
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path


def info(out: str) -> None:
    """Write the pyvalhalla version and the tile builder's path to ``out``."""
    import valhalla

    builder = Path(valhalla.PYVALHALLA_DIR) / "bin" / "valhalla_build_tiles"
    result = {
        "version": valhalla.__version__,
        "tile_builder": str(builder) if builder.exists() else None,
        "python": sys.version.split()[0],
    }
    Path(out).write_text(json.dumps(result))


def config(tile_dir: str, out: str) -> None:
    """Write a config whose tiles live in ``tile_dir`` (a directory, no tar extract)."""
    import valhalla

    Path(tile_dir).mkdir(parents=True, exist_ok=True)
    cfg = valhalla.get_config(tile_extract="", tile_dir=tile_dir)
    cfg["mjolnir"]["admin"] = ""
    cfg["mjolnir"]["timezone"] = ""
    Path(out).write_text(json.dumps(cfg, indent=1))


def _request(pair: list[list[float]], exclude_polygons: list | None = None) -> str:
    (lon_a, lat_a), (lon_b, lat_b) = pair
    request = {
        "locations": [{"lon": lon_a, "lat": lat_a}, {"lon": lon_b, "lat": lat_b}],
        "costing": "pedestrian",
        "directions_type": "none",
        "shape_format": "polyline6",
    }
    if exclude_polygons:
        request["exclude_polygons"] = exclude_polygons
    return json.dumps(request)


def route(
    config_path: str, pairs_path: str, repeats: str, out: str, options_path: str = ""
) -> None:
    """Time pedestrian routes for every pair, ``repeats`` times; write the report."""
    import valhalla

    options = json.loads(Path(options_path).read_text()) if options_path else {}
    pairs = json.loads(Path(pairs_path).read_text())
    requests = [_request(p, options.get("exclude_polygons")) for p in pairs]
    t0 = time.perf_counter()
    actor = valhalla.Actor(config_path)
    actor_s = time.perf_counter() - t0
    for req in requests[:20]:  # warm-up: tile cache
        try:
            actor.route(req)
        except Exception:  # failures are counted in the timed runs
            continue
    runs = []
    lengths: list[float | None] = []
    shapes: list[str | None] = []
    errors: list[str] = []
    for _ in range(int(repeats)):
        times = []
        lengths = []
        shapes = []
        errors = []
        for req in requests:
            t = time.perf_counter()
            try:
                reply = json.loads(actor.route(req))
            except Exception as exc:  # Valhalla raises its own error type
                times.append(time.perf_counter() - t)
                lengths.append(None)
                shapes.append(None)
                errors.append(str(exc)[:200])
                continue
            times.append(time.perf_counter() - t)
            lengths.append(reply["trip"]["summary"]["length"] * 1000.0)  # km -> m
            shapes.append(reply["trip"]["legs"][0]["shape"])
        runs.append(
            {
                "total_s": sum(times),
                "mean_query_s": sum(times) / len(times),
                "median_query_s": statistics.median(times),
                "p95_query_s": sorted(times)[min(len(times) - 1, int(0.95 * len(times)))],
            }
        )
    result = {
        "actor_init_s": actor_s,
        "runs": runs,
        "lengths_m": lengths,
        "failures": len(errors),
        "error_samples": errors[:5],
    }
    if options.get("shapes"):
        result["shapes"] = shapes
    Path(out).write_text(json.dumps(result))


if __name__ == "__main__":
    commands = {"info": info, "config": config, "route": route}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        raise SystemExit(__doc__)
    commands[sys.argv[1]](*sys.argv[2:])
