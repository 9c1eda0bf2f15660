"""Optimistic locking under load: 50 concurrent PUTs with the same ETag, exactly one wins."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from geomap.registry.access import SYSTEM
from geomap.registry.store import SQLiteStore
from tests.api.seed import COLLECTION, PORTO_ALEGRE, assert_problem, feature

WRITERS = 50


def test_fifty_concurrent_puts_with_one_etag(server, seeded) -> None:
    fid = "br-01"
    with server.client(seeded.tokens["admin"]) as admin:
        etag = admin.get(f"/collections/places/items/{fid}").headers["etag"]
    store = SQLiteStore(seeded.db)
    versions_before = len(store.history(COLLECTION, fid, SYSTEM))
    barrier = threading.Barrier(WRITERS)

    def put(i: int):
        body = feature(*PORTO_ALEGRE, name=f"Versão {i}", capacity=i)
        with server.client(seeded.tokens["admin"]) as client:
            barrier.wait()
            return i, client.put(
                f"/collections/places/items/{fid}",
                json=body,
                headers={
                    "Content-Type": "application/geo+json",
                    "If-Match": etag,
                    "X-Change-Reason": f"writer {i}",
                },
            )

    with ThreadPoolExecutor(WRITERS) as pool:
        results = list(pool.map(put, range(WRITERS)))

    statuses = sorted(r.status_code for _, r in results)
    assert statuses == [200] + [412] * (WRITERS - 1)
    [(winner, won)] = [(i, r) for i, r in results if r.status_code == 200]
    for _, response in results:
        if response.status_code == 412:
            assert_problem(response, 412, "If-Match")
    stored = store.get(COLLECTION, fid, SYSTEM)
    assert stored.properties["name"] == {"es": f"Versão {winner}"}
    assert stored.properties["capacity"] == winner
    assert f'"{stored.etag}"' == won.headers["etag"]
    history = store.history(COLLECTION, fid, SYSTEM)
    assert len(history) == versions_before + 1
    assert history[-1].why == f"writer {winner}"
    store.close()
