"""``geomap serve --workers 2``: a warm parent forks two workers that answer as one server.

Real processes: the command line's pre-fork server (gunicorn + uvicorn workers) on the Porto
Alegre network and a SQLite registry. Shown: both workers answer; a risk zone added through
the API reroutes the safe routes *every* worker serves; a worker killed with ``SIGKILL`` is
re-forked and the service answers again; ``SIGTERM`` to the parent's PID stops all of them; the
parent forks with a single thread.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import psutil
import pytest
import shapely

from geomap.registry.access import SYSTEM
from geomap.registry.risk import validate_risk_collection
from geomap.registry.store import SQLiteStore
from geomap.registry.validate import validate_collection
from routing import network_from_file
from tests.api.seed import free_port
from tests.paths import DATA, PORTO_ALEGRE_PBF, ROOT

SAMPLE = json.loads((DATA / "porto_alegre" / "sample_registry.geojson").read_text())
ZONES = json.loads((DATA / "porto_alegre" / "sample_risk_zones.geojson").read_text())
FROM, TO = "-51.2300,-30.0300", "-51.2000,-30.0300"
GEOJSON = {"Content-Type": "application/geo+json"}


class Prefork:
    def __init__(self, folder: Path, network: Path, db: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = folder / "serve.log"
        env = {**os.environ, "GEOMAP_NETWORK": str(network), "GEOMAP_REGISTRY_DB": str(db)}
        for name in ("GEOMAP_NETWORKS", "GEOMAP_REGISTRY_URL", "GEOMAP_PUBLIC_URL"):
            env.pop(name, None)
        command = [sys.executable, "-m", "geomap", "serve", "--port", str(self.port),
                   "--workers", "2"]  # fmt: skip
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out)
        self.parent = psutil.Process(self.process.pid)

    def workers(self) -> list[psutil.Process]:
        return self.parent.children()

    def wait_ready(self, timeout_s: float = 180) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server stopped:\n{self.log.read_text()}")
            try:
                ok = httpx.get(f"{self.url}/conformance", timeout=2, trust_env=False).is_success
                if ok and len(self.workers()) == 2:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"no answer in {timeout_s} s:\n{self.log.read_text()}")

    def get(self, path: str, **params: str) -> httpx.Response:
        # a new connection per request, so the kernel hands them to either worker
        return httpx.get(f"{self.url}{path}", params=params, timeout=60, trust_env=False)


def cpu(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


def from_every_worker(server: Prefork, path: str, **params: str) -> list[httpx.Response]:
    """Concurrent rounds of the same request until every worker has done work for it."""
    workers = server.workers()
    busy = dict.fromkeys((w.pid for w in workers), False)
    answers: list[httpx.Response] = []
    with ThreadPoolExecutor(max_workers=8) as pool:
        for _ in range(30):
            before = {w.pid: cpu(w) for w in workers}
            answers += pool.map(lambda _i: server.get(path, **params), range(8))
            for w in workers:
                busy[w.pid] |= cpu(w) - before[w.pid] > 0.0
            if all(busy.values()):
                return answers
    raise AssertionError(f"not every worker answered {path}: {busy}")


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[tuple[Prefork, str]]:
    folder = tmp_path_factory.mktemp("prefork")
    network = network_from_file(PORTO_ALEGRE_PBF, "walk").save(folder / "poa.npz")
    db = folder / "registry.sqlite"
    store = SQLiteStore(db)
    store.import_places("places", validate_collection(SAMPLE), SYSTEM, "sample")
    store.import_places("risk_zones", validate_risk_collection(ZONES), SYSTEM, "sample")
    token = store.create_token("admin-prefork", "admin")
    store.close()
    running = Prefork(folder, network, db)
    try:
        running.wait_ready()
        yield running, token
    finally:
        if running.process.poll() is None:
            running.process.kill()
            for child in running.workers():
                child.kill()
            running.process.wait()


def test_the_parent_forks_two_workers_with_one_thread(server) -> None:
    running, _ = server
    workers = running.workers()
    assert len(workers) == 2
    assert running.parent.num_threads() == 1
    assert "threads run in the parent while it forks" not in running.log.read_text()
    answers = from_every_worker(running, "/nearby", at=FROM, minutes="15")
    assert {a.status_code for a in answers} == {200}
    assert len({json.dumps(a.json(), sort_keys=True) for a in answers}) == 1  # one truth


def test_a_risk_zone_added_reroutes_every_worker(server) -> None:
    running, token = server
    first = running.get("/routes/safe", **{"from": FROM, "to": TO}).json()
    coords = first["features"][0]["geometry"]["coordinates"]
    lon, lat = coords[len(coords) // 2]
    box = shapely.box(lon - 0.0006, lat - 0.0006, lon + 0.0006, lat + 0.0006)
    assert any(box.contains(shapely.Point(c)) for c in coords)
    from_every_worker(running, "/routes/safe", **{"from": FROM, "to": TO})  # both warm, old
    zone = {
        "type": "Feature",
        "geometry": json.loads(json.dumps(shapely.geometry.mapping(box))),
        "properties": {"name": "Cerrado", "country": "BR", "risk_type": "crime_hotspot",
                       "level": "avoid"},
    }  # fmt: skip
    made = httpx.post(
        f"{running.url}/collections/risk_zones/items",
        json=zone,
        headers={**GEOJSON, "Authorization": f"Bearer {token}"},
        trust_env=False,
    )
    assert made.status_code == 201, made.text
    for answer in from_every_worker(running, "/routes/safe", **{"from": FROM, "to": TO}):
        body = answer.json()
        assert answer.status_code == 200, answer.text
        if body["safeRouteFound"]:
            safe = body["features"][0]["geometry"]["coordinates"]
            assert not any(box.contains(shapely.Point(c)) for c in safe)
        else:
            assert body["features"][0]["properties"]["role"] == "least_risk_crossing_avoid_zones"


def test_a_killed_worker_is_forked_again(server) -> None:
    running, _ = server
    victim = running.workers()[0]
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=30)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        pids = {w.pid for w in running.workers()}
        if len(pids) == 2 and victim.pid not in pids:
            break
        time.sleep(0.1)
    else:
        raise AssertionError("the parent did not fork a new worker")
    answers = from_every_worker(running, "/nearby", at=FROM, minutes="15")
    assert {a.status_code for a in answers} == {200}


def test_sigterm_to_the_parent_stops_every_worker(tmp_path) -> None:
    network = network_from_file(PORTO_ALEGRE_PBF, "walk").save(tmp_path / "poa.npz")
    db = tmp_path / "registry.sqlite"
    SQLiteStore(db).close()
    running = Prefork(tmp_path, network, db)  # its own server: the others keep theirs
    try:
        running.wait_ready()
        workers = running.workers()
        assert len(workers) == 2
        running.process.send_signal(signal.SIGTERM)
        assert running.process.wait(timeout=60) == 0
        _, alive = psutil.wait_procs(workers, timeout=30)
        assert not alive
        with pytest.raises(httpx.TransportError):
            httpx.get(f"{running.url}/conformance", timeout=2, trust_env=False)
    finally:
        if running.process.poll() is None:
            running.process.kill()
            running.process.wait()
