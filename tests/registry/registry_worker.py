"""A separate process acting on a registry file, for the concurrency and crash tests.

Run as a script (not collected by pytest)::

DB is a SQLite path or a ``postgresql://`` URL (see :func:`geomap.registry.store.open_store`).

    python registry_worker.py race DB ID ETAG NAME GO_FILE
        open the store, print "ready", wait until GO_FILE exists, replace record ID (its
        name set to NAME) with If-Match ETAG, print one JSON line with the outcome.

    python registry_worker.py import DB PREFIX N
        build N places with ids PREFIX0..PREFIX{N-1}, print "started", import them in one
        import_places call, print "committed SECONDS".
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from geomap.errors import PreconditionFailedError
from geomap.registry.access import SYSTEM, Caller
from geomap.registry.store import open_store
from geomap.registry.validate import Place

COLLECTION = "places"


def race(db: str, fid: str, etag: str, name: str, go_file: str) -> None:
    store = open_store(db)
    current = store.get(COLLECTION, fid, SYSTEM)
    lon, lat = current.geometry["coordinates"]
    mine = Place(fid, {**current.properties, "name": {"es": name}}, lon, lat)
    print("ready", flush=True)
    go = Path(go_file)
    deadline = time.monotonic() + 60
    while not go.exists() and time.monotonic() < deadline:
        time.sleep(0.001)
    try:
        record = store.replace(COLLECTION, mine, etag, Caller("admin", name=name), f"race {name}")
        outcome = {"outcome": "ok", "etag": record.etag, "version": record.version}
    except PreconditionFailedError:
        outcome = {"outcome": "precondition_failed"}
    except Exception as exc:  # reported to the test, which fails on it
        outcome = {"outcome": f"{type(exc).__name__}: {exc}"}
    store.close()
    print(json.dumps(outcome), flush=True)


def places(prefix: str, n: int) -> list[Place]:
    """N valid places scattered around Bogotá (built directly: the store is what is tested)."""
    out = []
    for i in range(n):
        properties = {
            "kind": "support_space",
            "name": {"es": f"Espacio {prefix}{i}", "en": f"Space {i}"},
            "organizations": ["ACNUR", "OIM"],
            "country": "CO",
            "services": ["food", "water_sanitation", "connectivity"][: 1 + i % 3],
            "opening_hours": "Mo-Fr 08:00-17:00",
            "languages": ["es"],
            "populations": ["everyone"],
            "wheelchair": "unknown",
            "status": "active",
            "visibility": ("public", "partners", "restricted")[i % 3],
            "source": f"crash test batch {prefix}",
            "sample": True,
        }
        lon = -74.3 + (i % 200) * 0.002
        lat = 4.4 + (i // 200) * 0.002
        out.append(Place(f"{prefix}{i}", properties, lon, lat))
    return out


def bulk_import(db: str, prefix: str, n: int) -> None:
    batch = places(prefix, n)
    store = open_store(db)
    print("started", flush=True)
    t0 = time.perf_counter()
    store.import_places(COLLECTION, batch, SYSTEM, f"batch {prefix}")
    print(f"committed {time.perf_counter() - t0:.4f}", flush=True)
    store.close()


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    if command == "race":
        race(*args)
    elif command == "import":
        bulk_import(args[0], args[1], int(args[2]))
    else:
        sys.exit(f"unknown command {command!r}")
