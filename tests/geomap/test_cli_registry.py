"""The registry and token commands, run as real subprocesses on a real SQLite file."""

from __future__ import annotations

import csv
import json
import os
import sqlite3
import subprocess
import sys

from tests.paths import DATA

SAMPLE = DATA / "porto_alegre" / "sample_registry.geojson"


def geomap(db, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GEOMAP_REGISTRY_DB": str(db)}
    return subprocess.run(
        [sys.executable, "-m", "geomap", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=env,
    )


def rows(db) -> int:
    if not db.exists():
        return 0
    with sqlite3.connect(db) as con:
        return con.execute("SELECT COUNT(*) FROM versions").fetchone()[0]


def test_sample_registry_is_flagged_and_covers_every_kind_and_service() -> None:
    from geomap.registry.validate import validate_collection
    from geomap.registry.vocab import KINDS, SERVICES

    places = validate_collection(json.loads(SAMPLE.read_text()))
    assert all(p.properties["sample"] for p in places)
    assert all(p.properties["name"]["es"].startswith("[MUESTRA]") for p in places)
    assert {p.properties["kind"] for p in places} == set(KINDS)
    assert set().union(*(p.properties["services"] for p in places)) == set(SERVICES)
    assert {p.properties["visibility"] for p in places} == {"public", "partners", "restricted"}


def test_import_dry_run_then_import_then_reimport(tmp_path) -> None:
    db = tmp_path / "registry.sqlite"
    dry = geomap(db, "registry", "import", str(SAMPLE), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "would be 15 created" in dry.stdout
    assert rows(db) == 0
    done = geomap(db, "registry", "import", str(SAMPLE), "--who", "ana", "--why", "load")
    assert done.returncode == 0, done.stderr
    assert "15 created" in done.stdout
    assert rows(db) == 15
    again = geomap(db, "registry", "import", str(SAMPLE))
    assert "0 created, 0 updated, 15 unchanged" in again.stdout
    assert rows(db) == 15


def test_bad_file_lists_every_problem_and_writes_nothing(tmp_path) -> None:
    db = tmp_path / "registry.sqlite"
    collection = json.loads(SAMPLE.read_text())
    collection["features"][2]["properties"]["services"].append("pizza")
    collection["features"][5]["geometry"]["coordinates"] = [-51.2, 95.0]
    collection["features"][7]["properties"]["opening_hours"] = "Mo-Fr 25:00-99:00"
    bad = tmp_path / "bad.geojson"
    bad.write_text(json.dumps(collection))
    result = geomap(db, "registry", "import", str(bad))
    assert result.returncode == 1
    err = result.stderr
    assert "nothing was written" in err
    assert "feature 2 (id sample-poa-03): properties.services: unknown service code 'pizza'" in err
    assert "feature 5 (id sample-poa-06): geometry.coordinates[1]: latitude 95.0" in err
    assert (
        "feature 7 (id sample-poa-08): properties.opening_hours: invalid OSM opening_hours" in err
    )
    assert rows(db) == 0
    nan = tmp_path / "nan.geojson"
    nan.write_text(SAMPLE.read_text().replace("-30.023285", "NaN", 1))
    result = geomap(db, "registry", "import", str(nan))
    assert result.returncode == 1
    assert "NaN is not valid JSON" in result.stderr


def test_exports_follow_the_view_and_hxl_has_no_contacts(tmp_path) -> None:
    db = tmp_path / "registry.sqlite"
    assert geomap(db, "registry", "import", str(SAMPLE)).returncode == 0
    public = tmp_path / "public.geojson"
    assert geomap(db, "registry", "export", "-o", str(public)).returncode == 0
    features = json.loads(public.read_text())["features"]
    assert {f["properties"]["visibility"] for f in features} == {"public"}
    everything = tmp_path / "all.geojson"
    assert geomap(db, "registry", "export", "-o", str(everything), "--view", "all").returncode == 0
    assert len(json.loads(everything.read_text())["features"]) == 15
    hxl = tmp_path / "places.csv"
    result = geomap(db, "registry", "export", "-o", str(hxl))
    assert result.returncode == 0
    with open(hxl, encoding="utf-8", newline="") as fh:
        table = list(csv.reader(fh))
    assert table[1][:7] == [
        "#loc+id",
        "#loc+name",
        "#loc+name+i_pt",
        "#loc+name+i_en",
        "#loc+type",
        "#geo+lat",
        "#geo+lon",
    ]
    assert "#org+name" in table[1]
    assert "#adm1+name" in table[1]
    assert "#sector+code" in table[1]
    assert len(table) == 2 + sum(len(f["properties"]["services"]) for f in features)
    text = hxl.read_text()
    assert "+55 51 0000 0001" not in text
    assert "example.org" not in text
    assert "sample-poa-13" not in text  # the restricted safe house


def test_tokens_are_shown_once_and_stored_hashed(tmp_path) -> None:
    db = tmp_path / "registry.sqlite"
    made = geomap(db, "token", "create", "ana", "--role", "officer", "--countries", "br,co")
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip()
    assert token.startswith("gm_")
    assert token.encode() not in db.read_bytes()
    listed = geomap(db, "token", "list")
    assert "ana" in listed.stdout
    assert "BR,CO" in listed.stdout
    assert token not in listed.stdout
    assert geomap(db, "token", "create", "ana", "--role", "admin").returncode == 1
    assert geomap(db, "token", "create", "bob", "--role", "officer").returncode == 1
    assert geomap(db, "token", "revoke", "ana").returncode == 0
    assert geomap(db, "token", "revoke", "ana").returncode == 1
