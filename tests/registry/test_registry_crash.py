"""Crash safety: a process killed with SIGKILL in the middle of a large import, on both stores.

Each round starts a fresh process that imports 20,000 places in one ``import_places`` call
and kills it after a random delay spread over the import's measured duration. After every
kill the database must be sound (SQLite: ``PRAGMA integrity_check`` and the R*Tree check;
PostGIS: every record found through the GiST index, with its current version) and the batch
must be entirely there (records, versions and index entries) or not at all.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from geomap.registry.access import SYSTEM
from geomap.registry.store import Query, open_store
from geomap.registry.validate import Place
from tests.paths import ROOT
from tests.registry.conftest import STORES

C = "places"
N = 20_000
ROUNDS = 20
WORKER = Path(__file__).resolve().parent / "registry_worker.py"


def _worker(*args: str) -> subprocess.Popen[str]:
    paths = [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
    return subprocess.Popen(
        [sys.executable, str(WORKER), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(paths)},
    )


@dataclass
class Batch:
    records: int
    versions: int
    indexed: int

    @property
    def counts(self) -> tuple[int, int, int]:
        return self.records, self.versions, self.indexed


def _inspect(target: str, prefixes: list[str]) -> dict[str, Batch]:
    """Check the database is sound; count each batch's rows (SQLite: reset the WAL)."""
    if target.startswith("postgresql://"):
        return _inspect_postgis(target, prefixes)
    db_path = Path(target)
    db = sqlite3.connect(db_path, isolation_level=None)
    try:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert db.execute("SELECT rtreecheck('records_rtree')").fetchone() == ("ok",)
        records, indexed = db.execute(
            "SELECT (SELECT COUNT(*) FROM records), (SELECT COUNT(*) FROM records_rtree)"
        ).fetchone()
        assert records == indexed
        out = {}
        for prefix in prefixes:
            k = len(prefix)
            out[prefix] = Batch(
                *db.execute(
                    "SELECT (SELECT COUNT(*) FROM records WHERE substr(id, 1, ?) = ?), "
                    "(SELECT COUNT(*) FROM versions WHERE substr(id, 1, ?) = ?), "
                    "(SELECT COUNT(*) FROM records_rtree WHERE rid IN "
                    "  (SELECT rid FROM records WHERE substr(id, 1, ?) = ?))",
                    (k, prefix) * 3,
                ).fetchone()
            )
        assert db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0] == 0
    finally:
        db.close()
    return out


def _inspect_postgis(url: str, prefixes: list[str]) -> dict[str, Batch]:
    import psycopg

    store = open_store(url)
    try:
        assert store.integrity_check() == "ok"
    finally:
        store.close()
    out = {}
    with psycopg.connect(url) as conn:
        conn.execute("SET enable_seqscan = off")  # count index entries through the GiST index
        for prefix in prefixes:
            like = prefix + "%"
            row = conn.execute(
                "SELECT (SELECT COUNT(*) FROM records WHERE id LIKE %s), "
                "(SELECT COUNT(*) FROM versions WHERE id LIKE %s), "
                "(SELECT COUNT(*) FROM records WHERE id LIKE %s "
                "AND geom && ST_MakeEnvelope(-180, -90, 180, 90, 4326))",
                (like, like, like),
            ).fetchone()
            assert row is not None
            out[prefix] = Batch(*row)
    return out


def _written(target: str) -> int:
    """How much the database has written so far: SQLite's WAL size, PostgreSQL's WAL position.

    Uncommitted rows of a large transaction reach the WAL before the commit, so a kill that
    finds it grown since the import started hit the transaction mid-way.
    """
    if target.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(target) as conn:
            row = conn.execute("SELECT pg_current_wal_insert_lsn() - '0/0'::pg_lsn").fetchone()
            assert row is not None
            return int(row[0])
    wal = Path(f"{target}-wal")
    return wal.stat().st_size if wal.exists() else 0


@pytest.mark.slow
@pytest.mark.parametrize("kind", STORES)
def test_sigkill_during_large_imports_leaves_each_import_all_or_nothing(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if kind == "sqlite":
        target = str(tmp_path / "crash.sqlite")
    else:
        target = request.getfixturevalue("pg_cluster").new_database()
    open_store(target).close()
    postgis = kind == "postgis"

    # a complete import first: it is the baseline and measures how long an import takes
    proc = _worker("import", target, "base-", str(N))
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    lines = out.split()
    assert lines[0] == "started"
    assert lines[1] == "committed"
    duration = float(lines[2])
    assert _inspect(target, ["base-"])["base-"].counts == (N, N, N)

    rng = random.Random(1789)
    rounds = []  # every attempt, killed or (when the import beat the kill) finished
    attempt = 0
    while sum(1 for x in rounds if x["killed"]) < ROUNDS:
        assert attempt < 3 * ROUNDS, "imports kept finishing before the kill"
        prefix = f"kill{attempt:02d}-"
        # an import that finished before its kill is retried with an earlier kill
        retries = sum(1 for x in rounds[-3:] if not x["killed"])
        wal_at_start = _written(target) if postgis else 0
        proc = _worker("import", target, prefix, str(N))
        try:
            assert proc.stdout is not None
            assert proc.stdout.readline().strip() == "started"
            delay = rng.uniform(0.05, 0.95) * duration / (2**retries)
            time.sleep(delay)
            wal_at_kill = _written(target) - (wal_at_start if postgis else 0)
            proc.send_signal(signal.SIGKILL)
            out, _ = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        killed = proc.returncode == -signal.SIGKILL
        assert killed or proc.returncode == 0
        batches = _inspect(target, ["base-", prefix])
        assert batches["base-"].counts == (N, N, N)
        got = batches[prefix].counts
        assert got in ((0, 0, 0), (N, N, N)), f"attempt {attempt}: partial import {got}"
        if "committed" in out or not killed:
            assert got == (N, N, N)
        rounds.append(
            {"delay": delay, "wal": wal_at_kill, "rows": got[0], "out": out.strip(),
             "killed": killed}
        )  # fmt: skip
        attempt += 1

    summary = "\n".join(
        f"round {i:2d}: killed after {x['delay']:.3f}s (import takes {duration:.3f}s), "
        f"WAL {x['wal']:>10,} bytes, rows {x['rows']}"
        + ("" if x["killed"] else " (finished before the kill: retried earlier)")
        for i, x in enumerate(rounds)
    )
    print(summary)  # shown with -s, and with the failure report
    mid_transaction = [x for x in rounds if x["killed"] and x["rows"] == 0]
    assert len(mid_transaction) >= 15, summary
    # most kills hit while the uncommitted transaction was already spilling pages to the WAL
    spilled = [x for x in mid_transaction if x["wal"] > 0]
    assert len(spilled) >= len(mid_transaction) // 2, summary

    # the file still takes a normal import, and every committed batch is whole and queryable
    store = open_store(target)
    try:
        report = store.import_places(C, _after_places(), SYSTEM, "after the kills")
        assert len(report.created) == 100
        assert store.integrity_check() == "ok"
        committed = 1 + sum(1 for x in rounds if x["rows"] == N)
        total = store.query(C, Query(limit=0), SYSTEM)[1]
        assert total == committed * N + 100
        in_bogota = store.query(C, Query(bbox=(-74.31, 4.39, -73.89, 4.61), limit=0), SYSTEM)[1]
        assert in_bogota == committed * N
    finally:
        store.close()


def _after_places() -> list[Place]:
    properties = {
        "kind": "information_point",
        "name": {"es": "Después"},
        "organizations": ["OIM"],
        "country": "EC",
        "services": ["information_orientation"],
    }
    return [Place(f"after-{i}", properties, -78.5 + i * 1e-4, -0.2) for i in range(100)]
