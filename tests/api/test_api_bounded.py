"""Bounded work: limits before any search, heavy requests gated (503 + Retry-After), no-store.

The flood's timings (``/nearby`` p99 while 48 heavy requests arrive) are measured by
``benchmarks/bench_flood.py``; here the behaviour is checked: every heavy request either
finishes or gets 503 with ``Retry-After``, nothing else fails, and ``/nearby`` keeps answering.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from geomap.settings import Settings
from routing import network_from_file
from tests.api.seed import Server, assert_problem, seed
from tests.paths import PORTO_ALEGRE_PBF

AT = "-51.2177,-30.0346"
HEAVY = {"at": AT, "minutes": "120,120,120,120,120"}


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[tuple[Server, dict[str, str]]]:
    folder = tmp_path_factory.mktemp("bounded")
    network = network_from_file(PORTO_ALEGRE_PBF, "walk").save(folder / "poa.npz")
    seeded = seed(folder / "registry.sqlite")
    env = {
        "GEOMAP_NETWORK": str(network),
        "GEOMAP_HEAVY_CONCURRENCY": "1",
        "GEOMAP_HEAVY_QUEUE": "1",
        "GEOMAP_TIME_BUDGET_S": "6",
    }
    running = Server(seeded.db, folder / "server.log", env=env)
    running.start(timeout_s=120)
    try:
        yield running, seeded.tokens
    finally:
        running.stop()


def test_limits_are_checked_before_any_search(server) -> None:
    running, _ = server
    with running.client() as client:
        # beyond the server's limits: well formed, unprocessable
        for minutes in ("121", "5,10,15,20,25,30"):
            params = {"at": AT, "minutes": minutes}
            assert_problem(client.get("/catchments", params=params), 422, "query.minutes")
        # outside what the OpenAPI document allows: bad requests
        for minutes in ("-5", "nan"):
            params = {"at": AT, "minutes": minutes}
            assert_problem(client.get("/catchments", params=params), 400, "query.minutes")
        assert_problem(client.get("/stages", params={"from": AT, "to": AT, "max_km": 81}), 400)
        assert_problem(client.get("/nearby", params={"at": AT, "minutes": 121}), 400)
        assert_problem(client.get("/coverage", params={"service": ",".join(["food"] * 14)}), 422)


def test_a_flood_of_heavy_requests_is_bounded(server) -> None:
    running, _ = server
    answered: list[tuple[int, str | None]] = []
    nearby: list[int] = []
    stop = threading.Event()

    def heavy(_: int) -> None:
        with running.client() as client:
            r = client.get("/catchments", params=HEAVY, timeout=120)
            answered.append((r.status_code, r.headers.get("retry-after")))

    def keep_asking() -> None:
        with running.client() as client:
            while not stop.is_set():
                nearby.append(client.get("/nearby", params={"at": AT}).status_code)

    asker = threading.Thread(target=keep_asking)
    asker.start()
    try:
        with ThreadPoolExecutor(max_workers=12) as pool:
            list(pool.map(heavy, range(12)))
    finally:
        stop.set()
        asker.join()
    statuses = [status for status, _ in answered]
    assert set(statuses) <= {200, 503}, statuses
    assert statuses.count(503) >= 9, statuses  # 1 slot, 1 waiting: the rest are refused
    assert all(r is not None and int(r) >= 1 for s, r in answered if s == 503)
    assert nearby, "nearby was never answered during the flood"
    assert set(nearby) == {200}, nearby
    with running.client() as client:  # and the server is fine afterwards
        assert client.get("/nearby", params={"at": AT}).status_code == 200


def test_answers_with_coordinates_are_not_stored(server) -> None:
    running, _ = server
    with running.client() as client:
        for path, params in (
            ("/nearby", {"at": AT}),
            ("/routes/safe", {"from": AT, "to": "-51.2300,-30.0280"}),
            ("/help", {"at": AT, "need": "food", "time": "2026-12-02T10:00"}),  # a Wednesday, open
            ("/catchments", {"at": AT, "minutes": "5"}),
        ):
            r = client.get(path, params=params)
            assert r.status_code == 200, r.text
            assert "no-store" in r.headers["cache-control"], path


def test_a_revoked_token_is_refused_by_every_answer(server, tmp_path) -> None:
    running, _ = server
    from geomap.registry.store import SQLiteStore

    store = SQLiteStore(running.db)
    token = store.create_token("soon-revoked", "partner")
    store.revoke_token("soon-revoked")
    store.close()
    with running.client(token) as client:
        for path, params in (
            ("/catchments", {"at": AT, "minutes": "5"}),
            ("/nearby", {"at": AT}),
            ("/routes/safe", {"from": AT, "to": AT}),
        ):
            assert_problem(client.get(path, params=params), 401)


def test_fastapi_telemetry_is_off() -> None:
    from api.app import create_app

    app = create_app(Settings())
    config = getattr(app, "_telemetry", {})  # a FastAPI without native telemetry has none
    assert not any(config.get(k) for k in ("tracing", "metrics", "logs", "operation_spans"))
