"""The ASCII map helper itself: grid scale, ids, files and Overpass documents it produces."""

from __future__ import annotations

import bz2
import math
import xml.etree.ElementTree as ET

import pytest
from asciimap import NODE_ID_BASE, TIMESTAMP, WAY_ID_BASE, AsciiMap, geodesic, moved

MAP = """
a---b---c
    |
    d---e
"""
WAYS = {"abc": {"highway": "primary", "name": "Av A"}, "bde": {"highway": "trunk"}}


def test_grid_cells_are_spacing_metres_apart_at_lat_minus_30() -> None:
    m = AsciiMap(MAP, WAYS)
    assert m.lonlat("a")[1] == pytest.approx(-30.03, abs=1e-6)
    # 4 cells east, 2 cells south; the 1e-7 degree rounding moves a node by < 6 mm
    assert m.length("ab") == pytest.approx(400.0, abs=0.01)
    assert m.length("bd") == pytest.approx(200.0, abs=0.01)
    assert m.length("abde") == pytest.approx(1000.0, abs=0.03)
    # east-west: one degree of longitude is shorter than one of latitude away from the equator
    lon_per_m = (m.lonlat("b")[0] - m.lonlat("a")[0]) / 400
    lat_per_m = (m.lonlat("b")[1] - m.lonlat("d")[1]) / 200
    assert lon_per_m / lat_per_m == pytest.approx(1 / math.cos(math.radians(30)), rel=0.01)


def test_spacing_and_explicit_positions() -> None:
    m = AsciiMap(
        "a-b",
        {"ab": {"highway": "residential"}},
        spacing=1000,
        positions={"m": (1, 0.5)},
        coords={"x": (-51.0, -30.0)},
    )
    assert m.length("ab") == pytest.approx(2000.0, abs=0.01)
    assert geodesic(m.lonlat("a"), m.lonlat("m")) == pytest.approx(
        (1000**2 + 500**2) ** 0.5, abs=0.01
    )
    assert m.lonlat("x") == (-51.0, -30.0)


def test_coordinates_are_on_the_osm_fixed_point_grid() -> None:
    m = AsciiMap(MAP, WAYS)
    for k in "abcde":
        lon, lat = m.lonlat(k)
        assert round(lon * 1e7) / 1e7 == lon
        assert round(lat * 1e7) / 1e7 == lat


def test_ids_and_trace() -> None:
    m = AsciiMap(MAP, [("abc", {"highway": "primary"}), ("bde", {"highway": "trunk", "@id": 77})])
    assert m.node_id("a") == NODE_ID_BASE + ord("a")
    assert m.letter(m.node_id("d")) == "d"
    assert m.way_id("abc") == WAY_ID_BASE
    assert m.way_id("bde") == 77
    mid = m.along("b", "d", 0.5)
    coords = [m.lonlat("a"), m.lonlat("a"), m.lonlat("b"), mid, m.lonlat("d")]
    assert m.trace(coords) == "ab*d"
    assert geodesic(moved(mid, 90, 30), mid) == pytest.approx(30, abs=1e-9)


def test_bad_maps_are_refused() -> None:
    with pytest.raises(ValueError, match="drawn twice"):
        AsciiMap("a--a", {})
    with pytest.raises(KeyError, match="'z'"):
        AsciiMap("a--b", {"az": {"highway": "residential"}})
    with pytest.raises(ValueError, match="two nodes"):
        AsciiMap("a--b", {"a": {"highway": "residential"}})


def test_xml_file_looks_like_a_real_osm_file(tmp_path) -> None:
    m = AsciiMap(
        MAP,
        {**WAYS, "cd": {"highway": "footway", "name": "Rua São João & <Cia>"}},
        node_tags={"c": {"highway": "traffic_signals"}},
    )
    root = ET.fromstring(bz2.decompress(m.write(tmp_path / "m.osm.bz2").read_bytes()))
    assert root.tag == "osm"
    assert root.get("version") == "0.6"
    nodes = root.findall("node")
    ways = root.findall("way")
    assert [int(n.get("id")) for n in nodes] == sorted(m.node_id(k) for k in "abcde")
    assert all(e.get("version") == "1" and e.get("timestamp") == TIMESTAMP for e in nodes + ways)
    signals = next(n for n in nodes if n.get("id") == str(m.node_id("c")))
    assert {t.get("k"): t.get("v") for t in signals.findall("tag")} == {
        "highway": "traffic_signals"
    }
    footway = ways[2]
    assert [int(nd.get("ref")) for nd in footway.findall("nd")] == [m.node_id("c"), m.node_id("d")]
    assert {t.get("k"): t.get("v") for t in footway.findall("tag")}["name"] == (
        "Rua São João & <Cia>"
    )


def test_overpass_document() -> None:
    m = AsciiMap(MAP, WAYS)
    doc = m.overpass()
    ways = [e for e in doc["elements"] if e["type"] == "way"]
    nodes = [e for e in doc["elements"] if e["type"] == "node"]
    assert doc["elements"][: len(ways)] == ways  # ways first, then their nodes
    assert ways[0] == {
        "type": "way",
        "id": m.way_id("abc"),
        "nodes": [m.node_id(k) for k in "abc"],
        "tags": {"highway": "primary", "name": "Av A"},
    }
    assert {n["id"]: (n["lon"], n["lat"]) for n in nodes} == {
        m.node_id(k): m.lonlat(k) for k in "abcde"
    }
