"""Import and export through the API, and the risk-zone collection, against a real server."""

from __future__ import annotations

import csv
import io
import json

from tests.api.seed import assert_problem, dump
from tests.paths import DATA

SAMPLE = json.loads((DATA / "porto_alegre" / "sample_registry.geojson").read_text())
ZONES = json.loads((DATA / "porto_alegre" / "sample_risk_zones.geojson").read_text())
GEOJSON = {"Content-Type": "application/geo+json"}


def post_import(client, body, **params):
    return client.post(
        "/collections/places/import", content=json.dumps(body), headers=GEOJSON, params=params
    )


def test_import_dry_run_then_import_then_reimport(clients, seeded) -> None:
    admin = clients["admin"]
    before = dump(seeded.db)
    dry = post_import(admin, SAMPLE, dryRun="true")
    assert dry.status_code == 200, dry.text
    assert dry.json()["summary"] == {"created": 15, "updated": 0, "unchanged": 0, "retired": 0}
    assert dump(seeded.db) == before
    done = post_import(admin, SAMPLE)
    assert done.json()["summary"]["created"] == 15
    again = post_import(admin, SAMPLE)
    assert again.json()["summary"] == {"created": 0, "updated": 0, "unchanged": 15, "retired": 0}
    item = clients["anonymous"].get("/collections/places/items/sample-poa-01")
    assert item.status_code == 200
    hidden = clients["anonymous"].get("/collections/places/items/sample-poa-13")
    assert_problem(hidden, 404)


def test_import_with_problems_lists_every_one_and_writes_nothing(clients, seeded) -> None:
    bad = json.loads(json.dumps(SAMPLE))
    for f in bad["features"]:
        f["id"] = f["id"] + "-b"
    bad["features"][2]["properties"]["services"].append("pizza")
    bad["features"][5]["geometry"]["coordinates"] = [-51.2, 95.0]
    bad["features"][9]["properties"]["country"] = "CO"
    before = dump(seeded.db)
    body = assert_problem(post_import(clients["admin"], bad), 422)
    found = {(e["index"], e["id"], e["field"]) for e in body["errors"]}
    assert (2, "sample-poa-03-b", "properties.services") in found
    assert (5, "sample-poa-06-b", "geometry.coordinates[1]") in found
    assert (9, "sample-poa-10-b", "geometry") in found  # a Porto Alegre point declared CO
    assert dump(seeded.db) == before


def test_import_needs_a_writer_of_those_countries(clients, seeded) -> None:
    before = dump(seeded.db)
    assert_problem(post_import(clients["anonymous"], SAMPLE), 401)
    assert_problem(post_import(clients["partner"], SAMPLE), 403)
    refused = assert_problem(post_import(clients["officer-co"], SAMPLE), 403)  # as PUT (issue 13)
    assert {e["field"] for e in refused["errors"]} == {"properties.country"}
    assert len(refused["errors"]) == len(SAMPLE["features"])
    assert dump(seeded.db) == before


def test_unknown_import_parameter_is_refused(clients) -> None:
    assert_problem(post_import(clients["admin"], SAMPLE, dry_run="true"), 400, "query.dry_run")


def test_exports_follow_the_caller(clients) -> None:
    public = clients["anonymous"].get("/collections/places/export")
    assert public.status_code == 200
    assert public.headers["content-type"] == "application/geo+json"
    anonymous_ids = {f["id"] for f in public.json()["features"]}
    admin_ids = {
        f["id"] for f in clients["admin"].get("/collections/places/export").json()["features"]
    }
    assert anonymous_ids < admin_ids
    listed = clients["anonymous"].get("/collections/places/items", params={"limit": 1000})
    assert anonymous_ids == {f["id"] for f in listed.json()["features"]}
    hxl = clients["anonymous"].get("/collections/places/export", params={"f": "hxl"})
    assert hxl.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(hxl.text)))
    assert rows[1][:3] == ["#loc+id", "#loc+name", "#loc+name+i_pt"]
    assert {r[0] for r in rows[2:]} == anonymous_ids  # one row per place and service
    assert "@" not in hxl.text  # no e-mail, no contact data at all
    assert_problem(
        clients["anonymous"].get("/collections/risk_zones/export", params={"f": "hxl"}), 400
    )


def test_risk_zones_are_a_registry_collection(clients, seeded) -> None:
    admin = clients["admin"]
    imported = admin.post(
        "/collections/risk_zones/import", content=json.dumps(ZONES), headers=GEOJSON
    )
    assert imported.status_code == 200, imported.text
    assert imported.json()["summary"]["created"] == len(ZONES["features"])
    listed = clients["anonymous"].get("/collections/risk_zones/items")
    assert listed.status_code == 200
    assert {f["id"] for f in listed.json()["features"]} == {f["id"] for f in ZONES["features"]}
    zone = clients["anonymous"].get("/collections/risk_zones/items/sample-risk-01")
    assert zone.json()["geometry"]["type"] == "Polygon"
    restricted = {
        "type": "Feature",
        "geometry": {
            "type": "Polygon",
            "coordinates": [
                [[-51.21, -30.03], [-51.20, -30.03], [-51.20, -30.02], [-51.21, -30.03]]
            ],
        },
        "properties": {
            "name": "Zona reservada",
            "country": "BR",
            "risk_type": "trafficking_smuggling",
            "level": "avoid",
            "visibility": "restricted",
        },
    }
    created = admin.post(
        "/collections/risk_zones/items", content=json.dumps(restricted), headers=GEOJSON
    )
    assert created.status_code == 201, created.text
    fid = created.json()["id"]
    assert_problem(clients["anonymous"].get(f"/collections/risk_zones/items/{fid}"), 404)
    assert clients["officer-br"].get(f"/collections/risk_zones/items/{fid}").status_code == 200
    self_crossing = json.loads(json.dumps(restricted))
    self_crossing["geometry"]["coordinates"] = [
        [[-51.21, -30.03], [-51.20, -30.02], [-51.20, -30.03], [-51.21, -30.02], [-51.21, -30.03]]
    ]
    body = assert_problem(
        admin.post(
            "/collections/risk_zones/items", content=json.dumps(self_crossing), headers=GEOJSON
        ),
        422,
    )
    assert "Self-intersection" in json.dumps(body)
