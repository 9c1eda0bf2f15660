"""One service layer under the CLI, the API and the library.

* the collection rules: the sample risk layer imports into ``risk_zones`` through the CLI; a
  places file into ``risk_zones`` (and zones into ``places``) is refused, nothing written;
* round trips: export -> (edit) -> import brings the same records back, through the CLI and the
  API, as GeoJSON and as a GeoPackage, including one written by ``ogr2ogr`` from the OGC
  endpoint;
* same settings, same answer: the CLI, the API and the library give identical route lengths
  and times with ``GEOMAP_WALK_SPEED_KMH`` and ``GEOMAP_ELEVATION`` set.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from geomap import answers
from geomap.registry.access import ANONYMOUS
from geomap.service import open_deployment, open_registry
from geomap.settings import Settings
from routing import network_from_file
from tests.api.seed import Server, dump
from tests.paths import DATA, PORTO_ALEGRE_PBF

SAMPLE = DATA / "porto_alegre" / "sample_registry.geojson"
ZONES = DATA / "porto_alegre" / "sample_risk_zones.geojson"
ELEVATION = DATA / "porto_alegre" / "elevation.tif"
FROM, TO = "-51.2300,-30.0300", "-51.2000,-30.0300"


def geomap(*args: str, db: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("GEOMAP_")}
    environment.update({"GEOMAP_REGISTRY_DB": str(db), **env})
    return subprocess.run(
        [sys.executable, "-m", "geomap", *args],
        capture_output=True, text=True, timeout=300, check=False, env=environment, cwd=db.parent,
    )  # fmt: skip


def ogr2ogr() -> str:
    found = shutil.which("ogr2ogr")
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("ogr2ogr is missing on CI (install gdal-bin)")
        pytest.skip("ogr2ogr (gdal-bin) is not installed")
    return found


@pytest.fixture(scope="module")
def network(tmp_path_factory) -> Path:
    return network_from_file(PORTO_ALEGRE_PBF, "walk").save(
        tmp_path_factory.mktemp("net") / "poa.npz"
    )


@pytest.fixture
def db(tmp_path) -> Path:
    path = tmp_path / "registry.sqlite"
    for source, collection in ((SAMPLE, "places"), (ZONES, "risk_zones")):
        done = geomap("registry", "import", str(source), "--collection", collection, db=path)
        assert done.returncode == 0, done.stderr
    return path


# ---------------------------------------------------------------------- collection rules
def test_the_sample_risk_layer_imports_through_the_cli(db) -> None:
    store = open_registry(Settings(registry_db=db))
    try:
        assert store.count("risk_zones", ANONYMOUS) == len(
            json.loads(ZONES.read_text())["features"]
        )
    finally:
        store.close()


@pytest.mark.parametrize(
    ("source", "into", "belongs"),
    [(SAMPLE, "risk_zones", "places"), (ZONES, "places", "risk_zones")],
)
def test_a_file_of_the_wrong_collection_is_refused(db, source, into, belongs) -> None:
    before = dump(db)
    result = geomap("registry", "import", str(source), "--collection", into, db=db)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"it belongs in '{belongs}'" in result.stderr
    assert "feature 0" in result.stderr
    assert dump(db) == before


def test_an_unknown_collection_is_refused(db) -> None:
    before = dump(db)
    result = geomap("registry", "import", str(ZONES), "--collection", "zonas", db=db)
    assert result.returncode == 1
    assert "no collection 'zonas'" in result.stderr
    assert dump(db) == before


# ---------------------------------------------------------------------- round trips (CLI)
@pytest.mark.parametrize("suffix", [".geojson", ".gpkg"])
@pytest.mark.parametrize("collection", ["places", "risk_zones"])
def test_export_then_import_changes_nothing(db, tmp_path, suffix, collection) -> None:
    path = tmp_path / f"export{suffix}"
    exported = geomap(
        "registry", "export", "--collection", collection, "--view", "all", "-o", str(path), db=db
    )
    assert exported.returncode == 0, exported.stderr
    before = dump(db)
    again = geomap("registry", "import", str(path), "--collection", collection, db=db)
    assert again.returncode == 0, again.stderr
    assert "0 created, 0 updated" in again.stdout
    count = len(json.loads(SAMPLE.read_text() if collection == "places" else ZONES.read_text())[
        "features"
    ])  # fmt: skip
    assert f"{count} unchanged" in again.stdout
    assert dump(db) == before


def test_an_edited_export_updates_only_what_changed(db, tmp_path) -> None:
    path = tmp_path / "places.geojson"
    assert geomap("registry", "export", "--view", "all", "-o", str(path), db=db).returncode == 0
    doc = json.loads(path.read_text())
    doc["features"][3]["properties"]["opening_hours"] = "Mo-Fr 09:00-17:00"
    path.write_text(json.dumps(doc))
    result = geomap("registry", "import", str(path), db=db)
    assert result.returncode == 0, result.stderr
    assert "0 created, 1 updated" in result.stdout
    assert f"{len(doc['features']) - 1} unchanged" in result.stdout


# ---------------------------------------------------------------------- round trips (API)
@pytest.fixture
def server(db, tmp_path) -> Iterator[Server]:
    from geomap.registry.store import SQLiteStore

    store = SQLiteStore(db)
    token = store.create_token("admin-roundtrip", "admin")
    store.close()
    running = Server(db, tmp_path / "server.log")
    running.token = token  # type: ignore[attr-defined]
    running.start()
    try:
        yield running
    finally:
        running.stop()


def test_api_export_then_import_changes_nothing(server, db) -> None:
    with server.client(server.token) as admin:  # type: ignore[attr-defined]
        for collection in ("places", "risk_zones"):
            for fmt, media in (("geojson", "application/geo+json"),
                               ("gpkg", "application/geopackage+sqlite3")):  # fmt: skip
                exported = admin.get(f"/collections/{collection}/export", params={"f": fmt})
                assert exported.status_code == 200, exported.text
                before = dump(db)
                back = admin.post(
                    f"/collections/{collection}/import",
                    content=exported.content,
                    headers={"Content-Type": media},
                )
                assert back.status_code == 200, back.text
                summary = back.json()["summary"]
                assert summary["created"] == summary["updated"] == 0, summary
                assert summary["unchanged"] > 0
                assert dump(db) == before


def test_ogr2ogr_geopackage_from_the_ogc_endpoint_imports_back(server, db, tmp_path) -> None:
    tool = ogr2ogr()
    for collection in ("places", "risk_zones"):
        gpkg = tmp_path / f"{collection}.gpkg"
        copied = subprocess.run(
            [tool, "-f", "GPKG", str(gpkg), f"OAPIF:{server.url}/", collection],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert copied.returncode == 0, copied.stderr
        before = dump(db)
        cli = geomap("registry", "import", str(gpkg), "--collection", collection, db=db)
        assert cli.returncode == 0, cli.stderr
        assert "0 created, 0 updated" in cli.stdout
        with server.client(server.token) as admin:  # type: ignore[attr-defined]
            api = admin.post(
                f"/collections/{collection}/import",
                content=gpkg.read_bytes(),
                headers={"Content-Type": "application/geopackage+sqlite3"},
            )
        assert api.status_code == 200, api.text
        assert api.json()["summary"]["updated"] == 0
        assert api.json()["summary"]["unchanged"] > 0
        assert dump(db) == before


# ---------------------------------------------------------------------- same settings
def test_same_settings_same_answer(network, db, tmp_path) -> None:
    env = {"GEOMAP_WALK_SPEED_KMH": "3.6", "GEOMAP_ELEVATION": str(ELEVATION)}
    # the CLI
    out = tmp_path / "cli.geojson"
    cli = geomap("safe-route", str(network), "--from", FROM, "--to", TO, "-o", str(out), db=db,
                 **env)  # fmt: skip
    assert cli.returncode == 0, cli.stderr
    by_cli = json.loads(out.read_text())
    # the API
    server = Server(db, tmp_path / "server.log", env={"GEOMAP_NETWORK": str(network), **env})
    server.start()
    try:
        with server.client() as client:
            by_api = client.get("/routes/safe", params={"from": FROM, "to": TO}).json()
    finally:
        server.stop()
    # the library
    settings = Settings(registry_db=db, network=network, walk_speed_kmh=3.6, elevation=ELEVATION)
    store = open_registry(settings)
    try:
        deployment = open_deployment(settings, store, warm_up=False)
        by_library = answers.safe_route(
            deployment, ANONYMOUS,
            origin=tuple(map(float, FROM.split(","))),  # type: ignore[arg-type]
            destination=tuple(map(float, TO.split(","))),  # type: ignore[arg-type]
        )  # fmt: skip
    finally:
        store.close()

    def key(doc: dict) -> list[tuple[str, float, float, float]]:
        return [
            (p["role"], p["length_m"], p["duration_min"], round(p["cost"], 6))
            for p in (f["properties"] for f in doc["features"])
        ]

    assert key(by_cli) == key(by_api) == key(by_library)
    # and each setting mattered: without elevation, or at the default speed, costs differ
    for other in (
        Settings(registry_db=db, network=network, walk_speed_kmh=3.6),
        Settings(registry_db=db, network=network, elevation=ELEVATION),
    ):
        store = open_registry(other)
        try:
            deployment = open_deployment(other, store, warm_up=False)
            doc = answers.safe_route(
                deployment, ANONYMOUS, origin=(-51.23, -30.03), destination=(-51.2, -30.03)
            )
        finally:
            store.close()
        assert key(doc)[0][3] != key(by_library)[0][3]
