"""A flood of heavy requests: 48 concurrent 5×120-minute catchments while /nearby is measured.

Starts ``geomap serve`` (one process, default limits: 2 heavy slots, 4 waiting, 20 s budget) on
the Porto Alegre network with the sample registry, measures ``/nearby`` alone for a baseline,
then again while 48 clients each ask ``/catchments?minutes=120,120,120,120,120`` at once
(and ask again when answered, for the length of the flood). Reports ``/nearby`` p50/p99 with
and without the flood, how the heavy requests ended (200, 503 with ``Retry-After``, anything
else), the 5xx count and the server's peak memory (``VmHWM``).

Targets (issue "regional deployment"): ``/nearby`` p99 < 250 ms during the flood, heavy
requests 200 or 503 + Retry-After only, 0 other 5xx, memory bounded (peak under 1.5 GB).

Run: ``python benchmarks/bench_flood.py [--seconds 40] [--clients 48]``. Results:
``benchmarks/results/flood.json`` and ``flood.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_api_load import RESULTS, ROOT, free_port, prepare


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident memory (VmHWM) in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024.0
    return float("nan")


def measure_nearby(url: str, points: list, seconds: float) -> list[float]:
    """Latencies (ms) of /nearby asked one after the other for ``seconds``."""
    out = []
    rng = np.random.default_rng(7)
    with httpx.Client(base_url=url, timeout=60, trust_env=False) as client:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            x, y = points[int(rng.integers(len(points)))]
            t0 = time.perf_counter()
            r = client.get(f"/nearby?at={x},{y}&minutes=20")
            out.append((time.perf_counter() - t0) * 1000.0)
            if r.status_code != 200:
                raise RuntimeError(f"/nearby answered {r.status_code}: {r.text[:200]}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=40.0)
    parser.add_argument("--clients", type=int, default=48)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="geomap-flood-"))
    net_path, db, points = prepare(folder)
    port = free_port()
    env = {**os.environ, "GEOMAP_REGISTRY_DB": str(db), "GEOMAP_NETWORK": str(net_path)}
    log = (folder / "server.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "geomap", "serve", "--port", str(port)],
        env=env, stdout=log, stderr=log, cwd=ROOT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    heavy: list[tuple[int, str | None]] = []
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                if httpx.get(f"{url}/conformance", timeout=5).is_success:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                sys.exit(f"server did not start:\n{(folder / 'server.log').read_text()}")
            time.sleep(0.5)
        measure_nearby(url, points, 3.0)  # warm up
        baseline = measure_nearby(url, points, args.seconds / 2)
        memory_before = peak_rss_mb(server.pid)
        stop = threading.Event()

        def flood() -> None:
            with httpx.Client(base_url=url, timeout=120, trust_env=False) as client:
                while not stop.is_set():
                    x, y = points[0]
                    r = client.get(f"/catchments?at={x},{y}&minutes=120,120,120,120,120")
                    heavy.append((r.status_code, r.headers.get("retry-after")))
                    if r.status_code == 503:
                        time.sleep(float(r.headers.get("retry-after", "1")) / 4)

        threads = [threading.Thread(target=flood) for _ in range(args.clients)]
        for t in threads:
            t.start()
        time.sleep(1.0)  # every heavy request has arrived
        during = measure_nearby(url, points, args.seconds)
        stop.set()
        for t in threads:
            t.join()
        memory_peak = peak_rss_mb(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=60)
        log.close()
    statuses = [s for s, _ in heavy]
    other = [s for s in statuses if s not in (200, 503)]
    without_retry = [s for s, r in heavy if s == 503 and not r]

    def pct(values: list[float], q: float) -> float:
        return float(np.percentile(values, q))

    results = {
        "nearby_alone": {
            "n": len(baseline),
            "p50_ms": pct(baseline, 50),
            "p99_ms": pct(baseline, 99),
        },
        "nearby_during_flood": {
            "n": len(during),
            "p50_ms": pct(during, 50),
            "p99_ms": pct(during, 99),
        },
        "heavy": {
            "requests": len(statuses),
            "answered_200": statuses.count(200),
            "refused_503": statuses.count(503),
            "503_without_retry_after": len(without_retry),
            "other_statuses": sorted(set(other)),
        },
        "server_peak_rss_mb": {"before_flood": memory_before, "after_flood": memory_peak},
    }
    results["targets"] = {
        "nearby_p99_under_250ms": results["nearby_during_flood"]["p99_ms"] < 250.0,
        "heavy_200_or_503_with_retry_after": not other and not without_retry,
        "no_other_5xx": not [s for s in other if s >= 500],
        "memory_bounded_under_1.5GB": memory_peak < 1536.0,
    }
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "settings": vars(args),
        "results": results,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "flood.json").write_text(json.dumps(report, indent=2))
    a, d, h = results["nearby_alone"], results["nearby_during_flood"], results["heavy"]
    lines = [
        "# A flood of heavy requests (localhost)",
        "",
        f"Run {report['date']} on {os.cpu_count()} CPUs; one `geomap serve` process with the "
        "default limits (2 heavy requests at once, 4 waiting, 20 s budget), Porto Alegre network, "
        f"sample registry. {args.clients} clients ask `/catchments?minutes=120,120,120,120,120` "
        f"again and again for {args.seconds:g} s while `/nearby` is asked one request at a time.",
        "",
        "| /nearby | requests | p50 | p99 |",
        "|---|---|---|---|",
        f"| alone | {a['n']} | {a['p50_ms']:.1f} ms | {a['p99_ms']:.1f} ms |",
        f"| during the flood | {d['n']} | {d['p50_ms']:.1f} ms | {d['p99_ms']:.1f} ms |",
        "",
        f"Heavy requests: {h['requests']} — {h['answered_200']} answered (200), "
        f"{h['refused_503']} refused (503, all with Retry-After: "
        f"{'yes' if not h['503_without_retry_after'] else 'NO'}), other statuses: "
        f"{h['other_statuses'] or 'none'}. Server peak memory: "
        f"{results['server_peak_rss_mb']['before_flood']:.0f} MiB before, "
        f"{results['server_peak_rss_mb']['after_flood']:.0f} MiB after the flood.",
        "",
        "| target | result |",
        "|---|---|",
    ]
    lines += [f"| {k} | {'PASS' if v else 'FAIL'} |" for k, v in results["targets"].items()]
    (RESULTS / "flood.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
