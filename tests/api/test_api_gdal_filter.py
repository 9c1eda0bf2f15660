"""GDAL's ``ogrinfo -where`` on a risk-zone attribute is answered by the server (CQL2).

GDAL's OAPIF driver turns an attribute filter into a server-side ``filter`` when the service
declares the Part 3 conformance classes and the collection's queryables name the attributes;
otherwise it downloads everything and filters on the client. The request lines of a test-only
uvicorn access log (the API itself keeps none) show which happened; the answer must be exactly
the zones the database holds at that level, restricted zones left out.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import httpx
import pytest

from geomap.registry.access import ANONYMOUS, SYSTEM
from geomap.registry.risk import validate_risk_collection, validate_risk_zone
from geomap.registry.store import Query, SQLiteStore
from tests.api.seed import Server, seed
from tests.api.test_api_clients import ogrinfo, read_ids
from tests.paths import DATA

ZONES = json.loads((DATA / "porto_alegre" / "sample_risk_zones.geojson").read_text())
LINE = re.compile(r'"GET (/collections/risk_zones/items\?[^ ]*) HTTP/1\.1" (\d{3})')


def zone(fid: str, level: str, visibility: str, west: float) -> dict[str, Any]:
    ring = [[west, -30.10], [west + 0.01, -30.10], [west + 0.01, -30.09], [west, -30.09]]
    return {
        "type": "Feature",
        "id": fid,
        "geometry": {"type": "Polygon", "coordinates": [[*ring, ring[0]]]},
        "properties": {
            "name": f"Zona {fid}",
            "country": "BR",
            "risk_type": "crime_hotspot",
            "level": level,
            "visibility": visibility,
        },
    }


@pytest.fixture(scope="module")
def zones_server(tmp_path_factory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("gdal-filter")
    seeded = seed(folder / "registry.sqlite")
    store = SQLiteStore(seeded.db)
    store.import_places("risk_zones", validate_risk_collection(ZONES), SYSTEM, "sample")
    for fid, level, visibility, west in (
        ("high-public-2", "high", "public", -51.30),
        ("high-restricted", "high", "restricted", -51.28),  # never in a public answer
        ("medium-public-2", "medium", "public", -51.26),
    ):
        store.create("risk_zones", validate_risk_zone(zone(fid, level, visibility, west)),
                     SYSTEM, "test")  # fmt: skip
    store.close()
    running = Server(seeded.db, folder / "server.log", access_log=True)
    running.start()
    try:
        yield running
    finally:
        running.stop()


def held(server: Server, level: str) -> list[str]:
    """The ids of the public zones at ``level``, read from the database, in id order."""
    store = SQLiteStore(server.db)
    try:
        records, _ = store.query("risk_zones", Query(limit=100_000), ANONYMOUS)
    finally:
        store.close()
    return sorted(r.id for r in records if r.to_feature()["properties"]["level"] == level)


@pytest.mark.parametrize("level", ["high", "avoid"])
def test_ogrinfo_where_on_the_level_is_filtered_by_the_server(zones_server, level) -> None:
    expected = held(zones_server, level)
    assert expected
    assert "high-restricted" not in expected
    start = len(zones_server.log.read_text())
    out = ogrinfo(
        f"OAPIF:{zones_server.url}/",
        "risk_zones",
        "-al",
        "-geom=NO",
        "-where",
        f"level = '{level}'",
    )
    assert sorted(read_ids(out)) == expected
    requests = LINE.findall(zones_server.log.read_text()[start:])
    filtered = [(path, status) for path, status in requests if "filter=" in path]
    assert filtered, requests  # the filter went to the server, not applied by GDAL alone
    for path, status in filtered:
        assert status == "200"
        query = parse_qs(urlsplit(path).query)
        assert re.fullmatch(rf"\(?level\s*=\s*'{level}'\)?", unquote(query["filter"][0]))
        # the server's own answer to that request holds exactly the zones at that level
        params = {k: v[0] for k, v in query.items()} | {"limit": "1000"}
        url = zones_server.url + urlsplit(path).path
        answer = httpx.get(url, params=params, trust_env=False)
        assert sorted(f["id"] for f in answer.json()["features"]) == expected


def test_the_queryables_gdal_reads_name_the_risk_zone_attributes(zones_server) -> None:
    headers = {"Accept": "application/geo+json, application/json"}  # as GDAL 3.6 asks
    r = httpx.get(f"{zones_server.url}/collections/risk_zones/queryables", headers=headers)
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    assert {"level", "risk_type", "country"} <= set(r.json()["properties"])
    schema = httpx.get(f"{zones_server.url}/collections/risk_zones/queryables")
    assert schema.headers["content-type"] == "application/schema+json"
    assert schema.json() == r.json()
