"""The bounded places snapshot the map page carries inline (``api/page/snapshot.py``).

Places are laid out on rings of known radius around a network's anchor, so which ones a byte
budget keeps, and the radius it can vouch for, are known by construction.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime

from api.page.snapshot import build
from geomap.transit import Place, site_from_properties

EARTH_M = 6_371_008.8


def ring_places(prefix: str, lon: float, lat: float, rings: int, per_ring: int, **props) -> list:
    """``per_ring`` places on each ring of radius 100 m, 200 m, … around (lon, lat)."""
    out = []
    for r in range(1, rings + 1):
        for k in range(per_ring):
            angle = 2 * math.pi * k / per_ring
            dlat = math.degrees(100.0 * r * math.cos(angle) / EARTH_M)
            dlon = math.degrees(100.0 * r * math.sin(angle) / EARTH_M) / math.cos(math.radians(lat))
            fid = f"{prefix}-{r:03d}-{k:02d}"
            properties = {"name": {"es": f"Lugar {fid}"}, "services": ["food"], **props}
            site = site_from_properties(fid, properties, lon + dlon, lat + dlat)
            out.append(Place(site=site, properties=properties))
    return out


def info(ident: str, lon: float, lat: float) -> dict:
    return {"id": ident, "center": [lon, lat], "towns": []}


def row_bytes(rows: list) -> int:
    return sum(len(json.dumps(r, ensure_ascii=False, separators=(",", ":"))) + 1 for r in rows)


def ring_of(fid: str) -> int:
    return int(fid.split("-")[1])


def test_the_byte_budget_keeps_the_nearest_rings_and_says_how_far_it_is_complete() -> None:
    places = ring_places("p", -51.23, -30.03, rings=20, per_ring=8)
    snap = build([(info("poa", -51.23, -30.03), places)], lang="es", max_bytes=3000)
    rows = snap["places"]
    assert 0 < row_bytes(rows) <= 3000
    assert len(rows) < len(places)
    kept = {ring_of(r[0]) for r in rows}
    # nearest first: every ring below the farthest kept one is kept whole
    farthest = max(kept)
    assert kept == set(range(1, farthest + 1))
    for ring in range(1, farthest):
        assert sum(ring_of(r[0]) == ring for r in rows) == 8
    radius = snap["networks"][0]["r"]
    assert radius is not None
    # the first place left out is on ring `farthest` or the next: all nearer ones are in
    assert 100 * farthest - 1 <= radius <= 100 * (farthest + 1)


def test_everything_fits_then_the_network_is_complete() -> None:
    places = ring_places("p", -102.29, 21.88, rings=3, per_ring=4)
    snap = build([(info("ags", -102.29, 21.88), places)], lang="es", max_bytes=100_000)
    assert len(snap["places"]) == 12
    assert snap["networks"][0]["r"] is None
    assert snap["networks"][0]["a"] == [[round(-102.29 * 1e5), round(21.88 * 1e5)]]


def test_networks_share_the_budget_in_turn() -> None:
    poa = ring_places("a", -51.23, -30.03, rings=30, per_ring=6)
    ags = ring_places("b", -102.29, 21.88, rings=30, per_ring=6)
    snap = build(
        [(info("poa", -51.23, -30.03), poa), (info("ags", -102.29, 21.88), ags)],
        lang="es",
        max_bytes=4000,
    )
    a = sum(r[0].startswith("a-") for r in snap["places"])
    b = sum(r[0].startswith("b-") for r in snap["places"])
    assert a > 0
    assert b > 0
    assert abs(a - b) <= 1  # rows of the same size, taken one network after the other
    assert all(n["r"] is not None for n in snap["networks"])


def test_inactive_places_and_a_zero_budget() -> None:
    active = ring_places("on", -51.23, -30.03, rings=2, per_ring=4)
    closed = ring_places("off", -51.23, -30.03, rings=2, per_ring=4, status="closed")
    snap = build([(info("poa", -51.23, -30.03), active + closed)], lang="es", max_bytes=10_000)
    assert {r[0].split("-")[0] for r in snap["places"]} == {"on"}
    empty = build([(info("poa", -51.23, -30.03), active)], lang="es", max_bytes=0)
    assert empty["places"] == []
    assert empty["networks"][0]["r"] is not None


def test_names_in_the_page_language_and_the_time_taken() -> None:
    site = site_from_properties("x", {"name": {"es": "Comedor", "pt": "Refeitório"}}, -51.2, -30.0)
    place = Place(site=site, properties={"name": {"es": "Comedor", "pt": "Refeitório"}})
    when = datetime(2026, 12, 3, 21, 30, 15, 999, tzinfo=UTC)
    pt = build([(info("poa", -51.2, -30.0), [place])], lang="pt", max_bytes=1000, now=when)
    en = build([(info("poa", -51.2, -30.0), [place])], lang="en", max_bytes=1000, now=when)
    assert pt["places"][0][3] == "Refeitório"
    assert en["places"][0][3] == "Comedor"  # no English name: Spanish
    assert pt["at"] == "2026-12-03T21:30:15Z"
