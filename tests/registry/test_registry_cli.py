"""``geomap registry proposals|approve|reject|feedback`` and ``registry import`` as real
subprocesses, on both stores (``GEOMAP_REGISTRY_URL`` picks PostGIS)."""

from __future__ import annotations

import os
import subprocess
import sys

from geomap.registry.access import ANONYMOUS
from geomap.registry.store import open_store
from tests.paths import DATA, ROOT
from tests.registry.placegen import ADMIN, PARTNER, place

SAMPLE = DATA / "porto_alegre" / "sample_registry.geojson"


def geomap(store_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GEOMAP_REGISTRY_DB": "/nonexistent/never.sqlite"}
    env["GEOMAP_REGISTRY_URL"] = (
        store_url if store_url.startswith("postgresql://") else f"sqlite:///{store_url}"
    )
    return subprocess.run(
        [sys.executable, "-m", "geomap", *args],
        capture_output=True, text=True, timeout=300, check=False, env=env, cwd=ROOT,
    )  # fmt: skip


def test_proposals_are_listed_approved_and_rejected_from_the_cli(store_url: str) -> None:
    store = open_store(store_url)
    store.create("places", place("co-a", "bogota"), ADMIN)
    yes = store.propose("places", place("co-new", "cucuta"), PARTNER, "new kitchen")
    no = store.propose("places", place("br-new", "porto_alegre"), PARTNER, "maybe")
    store.add_feedback("co-a", "wrong_hours", "abre 9h")
    store.close()

    listed = geomap(store_url, "registry", "proposals")
    assert listed.returncode == 0, listed.stderr
    assert yes.id in listed.stdout
    assert no.id in listed.stdout
    assert "2 proposal(s)" in listed.stderr
    only_co = geomap(store_url, "registry", "proposals", "--country", "CO")
    assert yes.id in only_co.stdout
    assert no.id not in only_co.stdout

    wrong = geomap(store_url, "registry", "approve", no.id, "--why", "ok", "--as-country", "CO")
    assert wrong.returncode == 1
    assert wrong.stderr.count("\n") == 1
    assert f"no proposal {no.id!r}" in wrong.stderr  # a CO officer does not see it at all
    ok = geomap(store_url, "registry", "approve", yes.id, "--why", "checked", "--who", "ana")
    assert ok.returncode == 0, ok.stderr
    rejected = geomap(store_url, "registry", "reject", no.id, "--why", "duplicate")
    assert rejected.returncode == 0, rejected.stderr
    assert "rejected: duplicate" in rejected.stdout
    again = geomap(store_url, "registry", "reject", no.id, "--why", "twice")
    assert again.returncode == 1
    assert "already rejected" in again.stderr
    missing = geomap(store_url, "registry", "approve", "nope", "--why", "x")
    assert (missing.returncode, missing.stderr.strip()) == (1, "error: no proposal 'nope'")

    store = open_store(store_url)
    try:
        record = store.get("places", "co-new", ANONYMOUS)
        (version,) = store.history("places", "co-new", ADMIN)
        assert (version.who, version.proposed_by, version.why) == ("ana", "partner-ngo", "checked")
        assert record.version == 1
    finally:
        store.close()
    feedback = geomap(store_url, "registry", "feedback", "--country", "CO")
    assert feedback.returncode == 0, feedback.stderr
    assert "abre 9h" in feedback.stdout
    assert "1 report(s)" in feedback.stderr


def test_import_and_export_through_the_url(store_url: str, tmp_path) -> None:
    done = geomap(store_url, "registry", "import", str(SAMPLE), "--why", "load")
    assert done.returncode == 0, done.stderr
    assert "15 created" in done.stdout
    out = tmp_path / "public.geojson"
    exported = geomap(store_url, "registry", "export", "-o", str(out))
    assert exported.returncode == 0, exported.stderr
    assert out.exists()
