"""Real OGC clients read the service: OWSLib and GDAL's ``ogrinfo`` see what the DB holds.

Each client must see exactly the records the database holds for its caller: the public ones
when anonymous, the public and partners ones with a partner token.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import UTC, datetime

import owslib.ogcapi
import pytest
from owslib.ogcapi.features import Features

from geomap.registry.access import ANONYMOUS
from geomap.registry.store import Query, SQLiteStore
from geomap.registry.verification import annotated
from geomap.settings import Settings
from tests.api.seed import COLLECTION


def visible(seeded, token: str | None = None) -> list[dict]:
    store = SQLiteStore(seeded.db)
    try:
        caller = store.authenticate(token) if token else ANONYMOUS
        records, _ = store.query(COLLECTION, Query(limit=100_000), caller)
        today = datetime.now(UTC).date()
        features = [r.to_feature() for r in records]
        for f in features:  # served with their verification status, as of today
            f["properties"] = annotated(f["properties"], today, Settings())
        return features
    finally:
        store.close()


def bounds(features: list[dict]) -> tuple[float, float, float, float]:
    xs = [f["geometry"]["coordinates"][0] for f in features]
    ys = [f["geometry"]["coordinates"][1] for f in features]
    return min(xs), min(ys), max(xs), max(ys)


@pytest.fixture
def owslib_headers(monkeypatch):
    """OWSLib updates its module-wide default headers in place: give each test its own."""
    monkeypatch.setattr(owslib.ogcapi, "REQUEST_HEADERS", dict(owslib.ogcapi.REQUEST_HEADERS))


def test_owslib_reads_exactly_the_public_records(server, seeded, owslib_headers) -> None:
    expected = visible(seeded)
    service = Features(server.url)
    assert service.feature_collections() == [
        "places",
        "risk_zones",
        "referral_pathways",
        "messages",
    ]
    assert "conformsTo" in service.conformance()
    assert service.api()["openapi"].startswith("3.0")
    info = service.collection("places")
    assert info["extent"]["spatial"]["bbox"] == [list(bounds(expected))]
    page = service.collection_items("places", limit=1000)
    assert page["numberMatched"] == len(expected)
    assert page["features"] == [
        {**f, "links": g["links"]} for f, g in zip(expected, page["features"], strict=True)
    ]
    small = service.collection_items("places", limit=2, offset=2)
    assert [f["id"] for f in small["features"]] == [f["id"] for f in expected[2:4]]
    one = service.collection_item("places", expected[0]["id"])
    assert one["properties"] == expected[0]["properties"]
    filtered = service.collection_items("places", bbox=[-80, 0, -70, 10], limit=100)
    assert {f["id"] for f in filtered["features"]} == {
        f["id"] for f in expected if f["properties"]["country"] == "CO"
    }


def test_owslib_with_a_partner_token_sees_partner_records(server, seeded, owslib_headers) -> None:
    token = seeded.tokens["partner"]
    expected = visible(seeded, token)
    assert len(expected) > len(visible(seeded))
    service = Features(server.url, headers={"Authorization": f"Bearer {token}"})
    page = service.collection_items("places", limit=1000)
    assert [f["id"] for f in page["features"]] == [f["id"] for f in expected]
    assert page["numberMatched"] == len(expected)
    assert service.collection("places")["extent"]["spatial"]["bbox"] == [list(bounds(expected))]


def ogrinfo(*args: str, config: dict[str, str] | None = None) -> str:
    path = shutil.which("ogrinfo")
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("ogrinfo is missing on CI (install gdal-bin)")
        pytest.skip("ogrinfo (gdal-bin) is not installed")
    options = [x for k, v in (config or {}).items() for x in ("--config", k, v)]
    result = subprocess.run(
        [path, *options, *args], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_ogrinfo_summary_counts_only_public_records(server, seeded) -> None:
    expected = visible(seeded)
    out = ogrinfo(f"OAPIF:{server.url}/", "-al", "-so")
    assert "Layer name: places" in out
    assert f"Feature Count: {len(expected)}" in out
    west, south, east, north = bounds(expected)
    assert f"Extent: ({west:.6f}, {south:.6f}) - ({east:.6f}, {north:.6f})" in out


def read_ids(out: str) -> list[str]:
    return re.findall(r"^\s+id \(String\) = (.+)$", out, flags=re.MULTILINE)


def test_ogrinfo_reads_every_public_record_through_the_pages(server, seeded) -> None:
    expected = [f["id"] for f in visible(seeded)]
    out = ogrinfo(f"OAPIF:{server.url}/", "places", "-al", "-geom=NO", "-oo", "PAGE_SIZE=3")
    assert read_ids(out) == expected
    for hidden in seeded.hidden:
        assert hidden.name not in out


def test_ogrinfo_bbox_filter(server, seeded) -> None:
    expected = [f["id"] for f in visible(seeded) if f["properties"]["country"] == "BR"]
    out = ogrinfo(
        f"OAPIF:{server.url}/", "places", "-al", "-geom=NO", "-spat", "-52", "-31", "-50", "-29"
    )
    assert read_ids(out) == expected


def test_ogrinfo_with_a_partner_token(server, seeded) -> None:
    token = seeded.tokens["partner"]
    expected = [f["id"] for f in visible(seeded, token)]
    out = ogrinfo(
        f"OAPIF:{server.url}/",
        "places",
        "-al",
        "-geom=NO",
        config={"GDAL_HTTP_HEADERS": f"Authorization: Bearer {token}"},
    )
    assert read_ids(out) == expected
