"""API latency under load on localhost: wrk against the nearby and safe-route endpoints.

Starts ``geomap serve`` (uvicorn, no access log) on 127.0.0.1 with the Porto Alegre network, the
sample registry and the sample risk layer, then runs wrk with 32 connections for 60 s per
endpoint. Each request picks a random origin (and destination) near a street from a list
generated once, so caches of a single query do not flatter the numbers. Reports p50, p90, p99,
requests per second and errors (non-2xx responses and socket errors), and the target
p99 < 100 ms with 0 errors.

Run: ``python benchmarks/bench_api_load.py [--duration 60] [--connections 32] [--workers 2]``.
Needs Debian's ``wrk`` (``apt-get install wrk``). Results: ``benchmarks/results/api_load.json``
and ``api_load.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data" / "porto_alegre"
RESULTS = ROOT / "benchmarks" / "results"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def postgres_cluster() -> tuple[object, str]:
    """A private PostgreSQL/PostGIS cluster (as the tests start one) and a fresh database URL."""
    sys.path.insert(0, str(ROOT / "tests"))
    from postgres import Cluster, find_bindir, postgis_installed  # type: ignore[import-not-found]

    bindir = find_bindir()
    if bindir is None or not postgis_installed(bindir):
        sys.exit("PostgreSQL with PostGIS is missing: apt-get install postgresql postgis")
    cluster = Cluster(bindir)
    cluster.start()
    return cluster, cluster.new_database()


def prepare(
    folder: Path, *, registry_url: str | None = None
) -> tuple[Path, Path, list[tuple[float, float]]]:
    """Network, registry with the samples, and 400 random points near streets.

    The registry is a SQLite file in ``folder``, or the PostGIS database ``registry_url``.
    """
    from geomap.registry.access import SYSTEM
    from geomap.registry.risk import validate_risk_collection
    from geomap.registry.store import SQLiteStore, open_store
    from geomap.registry.validate import validate_collection
    from routing import network_from_file

    network = network_from_file(DATA / "porto_alegre.osm.pbf", "walk")
    net_path = network.save(folder / "poa.npz")
    db = folder / "registry.sqlite"
    store = open_store(registry_url) if registry_url else SQLiteStore(db)
    places = json.loads((DATA / "sample_registry.geojson").read_text())
    zones = json.loads((DATA / "sample_risk_zones.geojson").read_text())
    store.import_places("places", validate_collection(places), SYSTEM, "bench")
    store.import_places("risk_zones", validate_risk_collection(zones), SYSTEM, "bench")
    store.close()
    rng = random.Random(2026)
    # points around the city centre, where the sample places are
    centre = [
        i
        for i in range(network.n_nodes)
        if -51.245 < network.node_lon[i] < -51.19 and -30.06 < network.node_lat[i] < -30.01
    ]
    points = []
    for _ in range(400):
        i = rng.choice(centre)
        points.append(
            (
                round(float(network.node_lon[i]) + rng.uniform(-2e-4, 2e-4), 6),
                round(float(network.node_lat[i]) + rng.uniform(-2e-4, 2e-4), 6),
            )
        )
    return net_path, db, points


def lua_script(paths: list[str]) -> str:
    """A wrk script that requests the given paths in random order."""
    quoted = ",\n".join(json.dumps(p) for p in paths)
    return (
        "local paths = {\n" + quoted + "\n}\n"
        "math.randomseed(42)\n"
        "request = function()\n"
        "  return wrk.format('GET', paths[math.random(#paths)])\n"
        "end\n"
    )


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}


def parse_wrk(text: str) -> dict[str, float]:
    """Latency percentiles (ms), requests/s and errors from wrk's --latency output."""
    out: dict[str, float] = {}
    for pct in ("50", "75", "90", "99"):
        m = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
        if m:
            out[f"p{pct}_ms"] = float(m.group(1)) * _UNITS[m.group(2)]
    m = re.search(r"Requests/sec:\s+([\d.]+)", text)
    out["requests_per_s"] = float(m.group(1)) if m else 0.0
    m = re.search(r"(\d+) requests in", text)
    out["requests"] = float(m.group(1)) if m else 0.0
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    non2xx = float(m.group(1)) if m else 0.0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    sockets = float(sum(int(g) for g in m.groups())) if m else 0.0
    out["errors"] = non2xx + sockets
    return out


def run_wrk(url: str, paths: list[str], *, duration: int, connections: int) -> dict[str, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(lua_script(paths))
        script = fh.name
    try:
        proc = subprocess.run(
            [
                "wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency",
                "--timeout", "10s", "-s", script, url,
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=duration + 60,
        )  # fmt: skip
    finally:
        os.unlink(script)
    return parse_wrk(proc.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=60)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--store", choices=("sqlite", "postgis", "both"), default="both")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install wrk")
    stores = ("sqlite", "postgis") if args.store == "both" else (args.store,)
    load_before = os.getloadavg()
    results: dict[str, dict[str, float]] = {}
    for store in stores:
        for name, r in run_store(store, args).items():
            results[f"{store}:{name}"] = r
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "load_average_before": load_before,
        "load_average_after": os.getloadavg(),
        "settings": vars(args),
        "results": results,
    }
    write_report(report, args)


def run_store(store: str, args: argparse.Namespace) -> dict[str, dict[str, float]]:
    """Serve the sample registry from ``store`` and run wrk against both endpoints."""
    folder = Path(tempfile.mkdtemp(prefix="geomap-load-"))
    cluster, registry_url = postgres_cluster() if store == "postgis" else (None, None)
    try:
        return _serve_and_load(folder, registry_url, args)
    finally:
        if cluster is not None:
            cluster.stop()  # type: ignore[attr-defined]


def _serve_and_load(
    folder: Path, registry_url: str | None, args: argparse.Namespace
) -> dict[str, dict[str, float]]:
    net_path, db, points = prepare(folder, registry_url=registry_url)
    port = free_port()
    env = {
        **os.environ,
        "GEOMAP_REGISTRY_DB": str(db),
        "GEOMAP_NETWORK": str(net_path),
    }
    env.pop("GEOMAP_NETWORKS", None)
    if registry_url:
        env["GEOMAP_REGISTRY_URL"] = registry_url
    else:
        env.pop("GEOMAP_REGISTRY_URL", None)
    log = (folder / "server.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "geomap", "serve", "--port", str(port),
         "--workers", str(args.workers)],
        env=env, stdout=log, stderr=log, cwd=ROOT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                if httpx.get(
                    f"{url}/nearby?at={points[0][0]},{points[0][1]}", timeout=5
                ).is_success:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                sys.exit(f"server did not start:\n{(folder / 'server.log').read_text()}")
            time.sleep(0.5)
        for p in points[:20]:  # warm every worker
            httpx.get(f"{url}/nearby?at={p[0]},{p[1]}", timeout=30)
        nearby = [f"/nearby?at={x},{y}&minutes=20" for x, y in points]
        routes = [
            f"/routes/safe?from={a[0]},{a[1]}&to={b[0]},{b[1]}"
            for a, b in zip(points[::2], points[1::2], strict=True)
        ]
        results: dict[str, dict[str, float]] = {}
        for name, paths in (("nearby_20min", nearby), ("safe_route", routes)):
            print(f"wrk {name}: {args.connections} connections, {args.duration} s", flush=True)
            results[name] = run_wrk(
                url, paths, duration=args.duration, connections=args.connections
            )
            r = results[name]
            r["target_p99_under_100ms"] = r.get("p99_ms", 1e9) < 100.0 and r["errors"] == 0
            print(json.dumps(r), flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    return results


def write_report(report: dict, args: argparse.Namespace) -> None:
    """``api_load.json`` and ``api_load.md`` under benchmarks/results."""
    results = report["results"]
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "api_load.json").write_text(json.dumps(report, indent=2))
    lines = [
        "# API latency under load (localhost, wrk)",
        "",
        f"Run {report['date']} on {os.cpu_count()} CPUs; `geomap serve --workers {args.workers}`"
        f" (no access log); wrk with {args.connections} connections for {args.duration} s per "
        "endpoint, random points near streets in central Porto Alegre; sample registry and "
        "risk layer, on a SQLite file and on PostGIS (a private PostgreSQL cluster, "
        "`GEOMAP_REGISTRY_URL`). The same machine (2 cores, shared) runs the server, the "
        f"database and wrk; load average before {report['load_average_before'][0]:.2f}, after "
        f"{report['load_average_after'][0]:.2f}.",
        "",
        "| store:endpoint | p50 | p90 | p99 | requests/s | errors | p99 < 100 ms, 0 errors |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, r in results.items():
        lines.append(
            f"| {name} | {r.get('p50_ms', 0):.1f} ms | {r.get('p90_ms', 0):.1f} ms | "
            f"{r.get('p99_ms', 0):.1f} ms | {r['requests_per_s']:.0f} | {r['errors']:.0f} | "
            f"{'**PASS**' if r['target_p99_under_100ms'] else '**FAIL**'} |"
        )
    (RESULTS / "api_load.md").write_text("\n".join(lines) + "\n")
    print(f"wrote {RESULTS / 'api_load.json'} and {RESULTS / 'api_load.md'}")


if __name__ == "__main__":
    main()
