"""Optimistic concurrency at the store level: one ETag, many writers, exactly one winner."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from geomap.errors import NotFoundError, PreconditionFailedError
from geomap.registry.access import Caller
from geomap.registry.store import Record, RegistryStore, open_store
from geomap.registry.validate import Place
from tests.paths import ROOT
from tests.registry.placegen import ADMIN, place

C = "places"
WORKER = Path(__file__).resolve().parent / "registry_worker.py"


def _named(record: Record, name: str) -> Place:
    lon, lat = record.geometry["coordinates"]
    return Place(record.id, {**record.properties, "name": {"es": name}}, lon, lat)


def _run_threads(n: int, work: Any) -> list[Any]:
    """Run ``work(i)`` in ``n`` threads released together; return results or exceptions."""
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work(i)
        except Exception as exc:  # collected; the test asserts on them
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    return results


def test_fifty_threads_replacing_with_one_etag_have_one_winner(store: RegistryStore) -> None:
    current = store.create(C, place("race-t", "bogota"), ADMIN)
    for round_ in range(3):
        etag, counter = current.etag, store.collection_version(C)
        versions_before = len(store.history(C, "race-t", ADMIN))

        def work(i: int, etag: str = etag, base: Record = current, r: int = round_) -> Record:
            try:
                name = f"round {r} thread {i}"
                return store.replace(C, _named(base, name), etag, Caller("admin", name=name))
            finally:
                store.close()  # this thread's connection

        results = _run_threads(50, work)
        winners = [r for r in results if isinstance(r, Record)]
        losers = [r for r in results if isinstance(r, PreconditionFailedError)]
        others = [r for r in results if not isinstance(r, Record | PreconditionFailedError)]
        assert others == []
        assert (len(winners), len(losers)) == (1, 49)
        (winner,) = winners
        current = store.get(C, "race-t", ADMIN)
        assert current == winner
        assert current.properties["name"]["es"] == current.updated_by
        history = store.history(C, "race-t", ADMIN)
        assert len(history) == versions_before + 1
        assert (history[-1].who, history[-1].version) == (winner.updated_by, winner.version)
        assert store.collection_version(C) == counter + 1
    assert store.integrity_check() == "ok"


def test_mixed_writers_on_one_etag_have_one_winner(store: RegistryStore) -> None:
    """Replacers, retirers and restorers racing on the same ETag: one of them wins."""
    r1 = store.create(C, place("race-m", "quito", capacity=1), ADMIN)
    base = store.replace(C, place("race-m", "quito", capacity=2), r1.etag, ADMIN)

    def work(i: int) -> Record:
        who = Caller("admin", name=f"w{i}")
        try:
            if i % 5 == 0:
                return store.retire(C, "race-m", base.etag, who, "retire")
            if i % 5 == 1:
                return store.restore(C, "race-m", 1, if_match=base.etag, caller=who)
            return store.replace(C, _named(base, f"w{i}"), base.etag, who)
        finally:
            store.close()

    results = _run_threads(50, work)
    winners = [r for r in results if isinstance(r, Record)]
    assert len(winners) == 1
    assert all(isinstance(r, PreconditionFailedError) for r in results if r is not winners[0])
    (winner,) = winners
    history = store.history(C, "race-m", ADMIN)
    assert len(history) == 3
    assert history[-1].who == winner.updated_by
    if winner.retired:
        with pytest.raises(NotFoundError):
            store.get(C, "race-m", ADMIN)
    else:
        assert store.get(C, "race-m", ADMIN) == winner


def _worker(*args: str) -> subprocess.Popen[str]:
    paths = [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
    return subprocess.Popen(
        [sys.executable, str(WORKER), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=env,
    )


@pytest.mark.slow
def test_eight_processes_replacing_with_one_etag_have_one_winner(
    store: RegistryStore, store_url: str, tmp_path: Path
) -> None:
    current = store.create(C, place("race-p", "lima"), ADMIN)
    store.close()
    for round_ in range(2):
        go = tmp_path / f"go-{round_}"
        names = [f"round {round_} process {i}" for i in range(8)]
        procs = [_worker("race", store_url, "race-p", current.etag, n, str(go)) for n in names]
        try:
            for p in procs:
                assert p.stdout is not None
                line = p.stdout.readline().strip()
                assert line == "ready", (line, p.stderr.read() if p.stderr else "")
            go.touch()  # all 8 have opened the store: release them together
            outcomes = []
            for p in procs:
                out, err = p.communicate(timeout=120)
                assert p.returncode == 0, err
                outcomes.append(json.loads(out.strip().splitlines()[-1]))
        finally:
            for p in procs:
                if p.poll() is None:
                    p.kill()
                    p.wait()
        kinds = sorted(o["outcome"] for o in outcomes)
        assert kinds == ["ok"] + ["precondition_failed"] * 7
        (winner,) = [(n, o) for n, o in zip(names, outcomes, strict=True) if o["outcome"] == "ok"]
        reopened = open_store(store_url)
        try:
            record = reopened.get(C, "race-p", ADMIN)
            assert record.etag == winner[1]["etag"]
            assert record.version == current.version + 1 == winner[1]["version"]
            assert record.properties["name"] == {"es": winner[0]}
            history = reopened.history(C, "race-p", ADMIN)
            assert len(history) == record.version
            assert history[-1].who == winner[0]
            assert reopened.integrity_check() == "ok"
        finally:
            reopened.close()
        current = record


def test_concurrent_imports_are_serialized_whole(store: RegistryStore) -> None:
    """Eight imports of the same 150 ids at once: each applies whole, none interleaves."""
    ids = [f"ci-{n:03d}" for n in range(150)]

    def work(i: int) -> object:
        who = Caller("admin", name=f"importer-{i}")
        batch = [place(fid, "bogota", capacity=i) for fid in ids]
        try:
            return store.import_places(C, batch, who, f"import {i}")
        finally:
            store.close()

    results = _run_threads(8, work)
    assert all(not isinstance(r, Exception) for r in results), results
    created = [r for r in results if r.created]  # type: ignore[attr-defined]
    assert len(created) == 1  # the first to commit created them all; the others updated
    orders = {tuple(v.who for v in store.history(C, fid, ADMIN)) for fid in ids}
    assert len(orders) == 1  # every record saw the imports in the same order
    (order,) = orders
    assert sorted(order) == sorted(f"importer-{i}" for i in range(8))
    last = int(order[-1].split("-")[1])
    assert {store.get(C, fid, ADMIN).properties["capacity"] for fid in ids} == {last}
    assert store.integrity_check() == "ok"
