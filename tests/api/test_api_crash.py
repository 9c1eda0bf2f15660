"""SIGKILL of an API server process in the middle of an import, on PostGIS.

A real uvicorn process receives ``POST /collections/places/import`` with thousands of places;
once its import transaction holds the collection's lock in the database (seen in
``pg_locks``), the test waits a random while and kills the process with SIGKILL. The database
must then hold the batch entirely or not at all, stay sound, and serve a restarted process.
"""

from __future__ import annotations

import random
import signal
import threading
import time

import httpx
import psycopg
import pytest

from geomap.registry.access import ANONYMOUS, SYSTEM
from geomap.registry.store import Query, open_store
from tests.api.test_api_processes import Process

N = 5000
ROUNDS = 5


def _batch(prefix: str) -> dict:
    features = []
    for i in range(N):
        features.append(
            {
                "type": "Feature",
                "id": f"{prefix}{i}",
                "geometry": {
                    "type": "Point",
                    "coordinates": [-51.25 + (i % 100) * 0.0005, -30.05 + (i // 100) * 0.0005],
                },
                "properties": {
                    "kind": "support_space",
                    "name": {"es": f"Espaço {i}"},
                    "organizations": ["Org"],
                    "country": "BR",
                    "services": ["food"],
                    "visibility": ("public", "partners", "restricted")[i % 3],
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def _import_locked(url: str) -> bool:
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
        ).fetchone()
    return bool(row and row[0])


def _count(url: str, prefix: str) -> tuple[int, int]:
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT (SELECT count(*) FROM records WHERE id LIKE %s), "
            "(SELECT count(*) FROM versions WHERE id LIKE %s)",
            (prefix + "%", prefix + "%"),
        ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


@pytest.mark.slow
def test_sigkill_of_a_server_mid_import_leaves_all_or_nothing(pg_cluster, tmp_path) -> None:
    url = pg_cluster.new_database()
    store = open_store(url)
    token = store.create_token("admin-crash", "admin")
    store.close()
    env = {"GEOMAP_REGISTRY_URL": url, "GEOMAP_MAX_BODY_BYTES": str(64 * 1024 * 1024)}
    rng = random.Random(2026)
    outcomes = []
    for round_ in range(ROUNDS):
        prefix = f"crash{round_}-"
        server = Process(env, tmp_path / f"server-{round_}.log")
        server.wait()
        body = _batch(prefix)
        answer: list[object] = []

        def send(s: Process = server, b: dict = body, out: list[object] = answer) -> None:
            try:
                with s.client(token) as client:
                    out.append(client.post("/collections/places/import", json=b).status_code)
            except httpx.TransportError as exc:
                out.append(type(exc).__name__)

        sender = threading.Thread(target=send)
        sender.start()
        deadline = time.monotonic() + 120
        while not _import_locked(url) and time.monotonic() < deadline and not answer:
            time.sleep(0.005)
        time.sleep(rng.uniform(0.0, 0.5))
        server.process.send_signal(signal.SIGKILL)
        server.process.wait()
        sender.join(60)
        got = _count(url, prefix)
        assert got in ((0, 0), (N, N)), f"round {round_}: partial import {got}"
        outcomes.append((got, answer))
    # most kills landed inside the transaction: nothing of their batch is there
    assert sum(1 for got, _ in outcomes if got == (0, 0)) >= 3, outcomes
    store = open_store(url)
    try:
        assert store.integrity_check() == "ok"
        whole = sum(1 for got, _ in outcomes if got == (N, N))
        assert store.query("places", Query(limit=0), SYSTEM)[1] == (whole * N)
        assert store.count("places", ANONYMOUS) == whole * (N // 3 + (N % 3 > 0))
    finally:
        store.close()
    restarted = Process(env, tmp_path / "after.log")
    restarted.wait()
    try:
        with restarted.client(token) as client:
            assert (
                client.post("/collections/places/import", json=_batch("after-")).status_code == 200
            )
    finally:
        restarted.stop()
