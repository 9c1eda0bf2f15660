"""Memory and start-up of several API worker processes on a country-sized (5M-edge) network.

Generates (once) a corridor network of at least ``--edges`` directed edges under
``benchmarks/.work/`` with ``geomap network generate``, then serves it with
``geomap serve --workers N`` for each N in ``--workers`` (default 2 and 3), warms every worker up
(concurrent rounds of ``/nearby`` and ``/routes/safe`` until each worker has used CPU for both),
and reads each worker's ``/proc/<pid>/smaps_rollup``: Rss, Pss, Shared_* and Private_* (USS).
The memory a second or later worker adds is its private memory (USS): its shared pages are the
memory-mapped network files, already counted for the first worker. Target: USS of every later
worker at most 25% of the first worker's RSS.

Start-up of a worker: ``geomap serve --workers 2`` warms the networks up once in the parent and
forks; every worker is killed (``SIGKILL``) ``--starts`` times and the seconds from the kill to
the next answered ``/nearby`` are what the parent's new workers take to start (target under
2 s). The parent's own warm-up is reported apart (it happens once per deployment).

Run: ``flock /work/bench.lock nice -n 5 python benchmarks/bench_workers.py``.
Results: ``benchmarks/results/workers.json`` and ``workers.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "benchmarks" / ".work"
RESULTS = ROOT / "benchmarks" / "results"
FIELDS = ("Rss", "Pss", "Shared_Clean", "Shared_Dirty", "Private_Clean", "Private_Dirty")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def smaps(pid: int) -> dict[str, float]:
    """MiB per field of /proc/<pid>/smaps_rollup, plus USS (private clean + dirty)."""
    out: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        key, _, rest = line.partition(":")
        if key in FIELDS:
            out[key] = int(rest.split()[0]) / 1024
    out["USS"] = out["Private_Clean"] + out["Private_Dirty"]
    return out


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def network_file(edges: int) -> Path:
    path = WORK / f"corridor-{edges}.npz"
    if not path.exists():
        WORK.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [sys.executable, "-m", "geomap", "network", "generate", "-o", str(path),
             "--edges", str(edges)],
            check=True, cwd=ROOT,
        )  # fmt: skip
    return path


def street_points(path: Path, n: int) -> list[tuple[float, float]]:
    from routing import Network

    net = Network.load(path)
    rng = random.Random(2026)
    picks = [rng.randrange(net.n_nodes) for _ in range(n)]
    return [(round(float(net.node_lon[i]), 6), round(float(net.node_lat[i]), 6)) for i in picks]


def start(net: Path, db: Path, workers: int, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "GEOMAP_NETWORK": str(net), "GEOMAP_REGISTRY_DB": str(db)}
    env.pop("GEOMAP_NETWORKS", None)
    env.pop("GEOMAP_REGISTRY_URL", None)
    fh = log.open("wb")
    return subprocess.Popen(
        [sys.executable, "-m", "geomap", "serve", "--port", str(port), "--workers", str(workers)],
        env=env, stdout=fh, stderr=fh, cwd=ROOT,
    )  # fmt: skip


def wait_answer(url: str, server: subprocess.Popen[bytes], log: Path) -> float:
    t0 = time.monotonic()
    while True:
        try:
            if httpx.get(url, timeout=10).is_success:
                return time.monotonic() - t0
        except httpx.TransportError:
            pass
        if server.poll() is not None or time.monotonic() - t0 > 300:
            sys.exit(f"server did not start:\n{log.read_text()}")
        time.sleep(0.02)


def worker_pids(master: int, workers: int) -> list[int]:
    """The pre-fork server's workers: the parent's children (``--workers 1``: the process)."""
    import psutil

    if workers == 1:
        return [master]
    return sorted(c.pid for c in psutil.Process(master).children())


def measure(net: Path, db: Path, workers: int, points: list[tuple[float, float]]) -> dict:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = db.parent / f"serve-{workers}.log"
    t0 = time.monotonic()
    server = start(net, db, workers, port, log)
    try:
        first = wait_answer(f"{base}/nearby?at={points[0][0]},{points[0][1]}", server, log)
        pids = worker_pids(server.pid, workers)
        deadline = time.monotonic() + 120
        while len(pids) < workers and time.monotonic() < deadline:
            time.sleep(0.2)
            pids = worker_pids(server.pid, workers)
        all_up = time.monotonic() - t0
        nearby = [f"{base}/nearby?at={x},{y}" for x, y in points]
        routes = [
            f"{base}/routes/safe?from={a[0]},{a[1]}&to={b[0]},{b[1]}"
            for a, b in zip(points[::2], points[1::2], strict=True)
        ]
        statuses: dict[int, int] = {}

        def get(u: str) -> None:
            code = httpx.get(u, timeout=60).status_code
            statuses[code] = statuses.get(code, 0) + 1

        # warm-up: rounds of concurrent requests until every worker has done work for both
        warmed = {pid: [False, False] for pid in pids}
        with ThreadPoolExecutor(max_workers=2 * workers) as pool:
            for _ in range(20):
                for kind, urls in enumerate((nearby, routes)):
                    before = {pid: cpu_seconds(pid) for pid in pids}
                    list(pool.map(get, random.sample(urls, 4 * workers)))
                    for pid in pids:
                        if cpu_seconds(pid) - before[pid] > 0.005:
                            warmed[pid][kind] = True
                if all(all(w) for w in warmed.values()):
                    break
        time.sleep(1.0)
        memory = {str(pid): smaps(pid) for pid in pids}
        master = smaps(server.pid) if server.pid not in pids else None
    finally:
        server.terminate()
        server.wait(timeout=60)
    per = [memory[str(pid)] for pid in pids]
    first_rss = per[0]["Rss"]
    later = [m["USS"] / first_rss for m in per[1:]]
    return {
        "workers": workers,
        "first_answer_s": first,
        "all_workers_up_s": all_up,
        "warmed": {str(k): v for k, v in warmed.items()},
        "statuses": statuses,
        "per_worker_mib": per,
        "master_mib": master,
        "later_uss_over_first_rss": later,
        "sum_pss_mib": sum(m["Pss"] for m in per),
        "target_later_at_most_25pct": bool(later) and max(later) <= 0.25,
    }


def startups(net: Path, db: Path, points: list[tuple[float, float]], n: int) -> list[float]:
    """Seconds from the SIGKILL of every worker to the next answer (fork + worker start-up).

    The parent of ``geomap serve --workers 2`` holds the warmed networks; the workers it forks
    again are what a new worker costs once the server runs.
    """
    import signal

    import psutil

    port = free_port()
    log = db.parent / "serve-start.log"
    server = start(net, db, 2, port, log)
    out = []
    try:
        url = f"http://127.0.0.1:{port}/nearby?at={points[1][0]},{points[1][1]}"
        wait_answer(url, server, log)
        for _ in range(n):
            old = worker_pids(server.pid, 2)
            while len(old) < 2:
                time.sleep(0.05)
                old = worker_pids(server.pid, 2)
            t0 = time.monotonic()
            for pid in old:
                os.kill(pid, signal.SIGKILL)
            psutil.wait_procs([psutil.Process(p) for p in old if psutil.pid_exists(p)], timeout=30)
            while True:
                try:
                    if httpx.get(url, timeout=10).is_success:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.005)
            out.append(time.monotonic() - t0)
            time.sleep(1.0)
    finally:
        server.terminate()
        server.wait(timeout=60)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edges", type=int, default=5_000_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[2, 3])
    parser.add_argument("--starts", type=int, default=3)
    args = parser.parse_args()
    from routing import Network

    net = network_file(args.edges)
    info = Network.load(net)
    n_edges, n_nodes = int(info.n_edges), int(info.n_nodes)
    del info
    folder = Path(tempfile.mkdtemp(prefix="geomap-workers-"))
    db = folder / "registry.sqlite"
    from geomap.registry.store import SQLiteStore

    SQLiteStore(db).close()
    points = street_points(net, 200)
    load_before = os.getloadavg()
    runs = [measure(net, db, w, points) for w in args.workers]
    starts = startups(net, db, points, args.starts)
    load_after = os.getloadavg()
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "load_average_before": load_before,
        "load_average_after": load_after,
        "network": {"file": net.name, "edges": n_edges, "nodes": n_nodes,
                    "file_mib": net.stat().st_size / 2**20},
        "runs": runs,
        "startup_s": starts,
        "target_startup_under_2s": max(starts) < 2.0,
    }  # fmt: skip
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "workers.json").write_text(json.dumps(report, indent=2))
    lines = [
        "# Several API workers on a country-sized network",
        "",
        f"Run {report['date']} on {os.cpu_count()} CPUs (load average before "
        f"{load_before[0]:.2f}, after {load_after[0]:.2f}: the machine is shared). Network "
        f"`{net.name}`: {n_edges:,} directed edges, {n_nodes:,} nodes, file "
        f"{report['network']['file_mib']:.0f} MiB (memory-mapped). Memory from "
        "`/proc/<pid>/smaps_rollup` after warm-up (each worker answered `/nearby` and "
        "`/routes/safe`); USS = Private_Clean + Private_Dirty = what a worker adds.",
        "",
        "| workers | worker | RSS MiB | PSS MiB | Shared MiB | USS MiB | USS / first RSS |",
        "|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        for k, m in enumerate(run["per_worker_mib"]):
            ratio = "-" if k == 0 else f"{m['USS'] / run['per_worker_mib'][0]['Rss']:.1%}"
            shared = m["Shared_Clean"] + m["Shared_Dirty"]
            lines.append(
                f"| {run['workers']} | {k + 1} | {m['Rss']:.0f} | {m['Pss']:.0f} | "
                f"{shared:.0f} | {m['USS']:.0f} | {ratio} |"
            )
    lines += [
        "",
        "| workers | later workers add ≤ 25% of first RSS "
        "| server start (parent warm-up + fork) to first answer, s | all workers up, s |",
        "|---|---|---|---|",
    ]
    for run in runs:
        worst = max(run["later_uss_over_first_rss"], default=0.0)
        verdict = "**PASS**" if run["target_later_at_most_25pct"] else "**FAIL**"
        lines.append(
            f"| {run['workers']} | {verdict}"
            f" (worst {worst:.1%}) | {run['first_answer_s']:.2f} | {run['all_workers_up_s']:.2f} |"
        )
    lines += [
        "",
        f"Start-up of a worker (all workers SIGKILLed, the parent forks new ones; kill to next "
        f"answered `/nearby`), {args.starts} runs: "
        + ", ".join(f"{s:.2f} s" for s in starts)
        + f" — target under 2 s: {'**PASS**' if report['target_startup_under_2s'] else '**FAIL**'}",
    ]
    (RESULTS / "workers.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
