"""One drawing read from every input form gives one network; clipping cuts ways at nodes."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from asciimap import AsciiMap

from routing import Network, Router, build_network, network_from_file, read_osm
from routing.network import ATTR_KEYS
from routing.osm import osm_from_overpass

EXACT = 1e-6

TOWN = """
a---b-------c
|   |       |
|   d---e   |
|       |   |
f-------g---h---i
"""
TOWN_WAYS = {
    "abc": {"highway": "primary", "name": "Avenida São João & Filhos", "maxspeed": "50"},
    "afg": {"highway": "residential", "name": "Rua <Ipê>", "lit": "yes", "surface": "paved"},
    "bde": {"highway": "footway", "surface": "unpaved", "foot": "designated"},
    "egh": {"highway": "residential", "sidewalk": "both", "oneway": "yes"},
    "chi": {"highway": "trunk", "ref": "BR-290", "note": "not kept"},
    "gh": {"highway": "service", "access": "private"},
}


def assert_same_network(a: Network, b: Network) -> None:
    assert a.profile == b.profile
    for name in (
        "node_osmid",
        "node_lon",
        "node_lat",
        "coord_lon",
        "coord_lat",
        "seg_u",
        "seg_v",
        "seg_length",
        "seg_fwd",
        "seg_bwd",
        "way_osmid",
        "edge_u",
        "edge_v",
        "edge_length",
    ):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    for key in ATTR_KEYS:
        assert a.edge_attr(key) == b.edge_attr(key), key


@pytest.fixture
def town() -> AsciiMap:
    return AsciiMap(TOWN, TOWN_WAYS, node_tags={"g": {"highway": "crossing"}})


@pytest.mark.parametrize("profile", ["walk", "drive"])
def test_osm_bz2_gz_pbf_and_overpass_give_identical_networks(town, tmp_path, profile) -> None:
    reference = network_from_file(town.write(tmp_path / "town.osm"), profile)
    for name in ("town.osm.bz2", "town.osm.gz", "town.osm.pbf"):
        assert_same_network(reference, network_from_file(town.write(tmp_path / name), profile))
    doc = town.overpass()
    assert_same_network(reference, build_network(osm_from_overpass([doc]), profile))
    # a response split in two: ways in one, their nodes in the other
    ways = {"elements": [e for e in doc["elements"] if e["type"] == "way"]}
    nodes = {"elements": [e for e in doc["elements"] if e["type"] == "node"]}
    assert_same_network(reference, build_network(osm_from_overpass([nodes, ways]), profile))


def test_the_town_network_is_what_the_drawing_says(town, build) -> None:
    net = build(town)
    # graph nodes: way ends and nodes shared by ways; d, f are shape points
    assert town.names(net, range(net.n_nodes)) == "abceghi"
    # "gh" (access=private) is dropped for walking: g-h is only reachable along "egh"
    lengths = {
        town.names(net, [u, v]): length
        for u, v, length in zip(net.edge_u, net.edge_v, net.edge_length, strict=True)
    }
    expected = {
        "ab": "ab",
        "bc": "bc",
        "ag": "afg",
        "be": "bde",
        "eg": "eg",
        "gh": "gh",
        "ch": "ch",
        "hi": "hi",
    }
    assert len(lengths) == 2 * len(expected)
    for ends, path in expected.items():
        assert lengths[ends] == pytest.approx(town.length(path), abs=EXACT)
        assert lengths[ends[::-1]] == pytest.approx(town.length(path), abs=EXACT)
    # every kept way's OSM id is recorded, and the private one is absent
    kept = {town.way_id(k) for k in ("abc", "afg", "bde", "egh", "chi")}
    assert set(net.way_osmid.tolist()) == kept


def test_read_osm_keeps_only_highway_ways_and_known_tags(town, tmp_path) -> None:
    osm = read_osm(town.write(tmp_path / "town.osm"))
    assert osm.n_ways == len(TOWN_WAYS)
    by_id = dict(zip(osm.way_ids.tolist(), osm.way_tags, strict=True))
    assert by_id[town.way_id("chi")] == {"highway": "trunk", "ref": "BR-290"}  # no "note"
    i = osm.way_ids.tolist().index(town.way_id("afg"))
    part = slice(osm.offsets[i], osm.offsets[i + 1])
    assert osm.node_ids[part].tolist() == [town.node_id(k) for k in "afg"]
    assert list(zip(osm.lon[part], osm.lat[part], strict=True)) == [town.lonlat(k) for k in "afg"]


def test_bbox_prefilter_keeps_ways_with_a_node_inside(town, tmp_path) -> None:
    path = town.write(tmp_path / "town.osm")
    lon, lat = town.lonlat("i")
    osm = read_osm(path, bbox=(lon - 1e-4, lat - 1e-4, lon + 1e-4, lat + 1e-4))
    assert osm.way_ids.tolist() == [town.way_id("chi")]


# ---------------------------------------------------------------------- clipping
LINE = """
a---b---c---d---e
"""


def grid_box(m: AsciiMap, col0: float, row0: float, col1: float, row1: float):
    (x0, y0), (x1, y1) = m.grid_point(col0, row0), m.grid_point(col1, row1)
    return shapely.box(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))


def test_clip_cutting_a_way_in_the_middle_keeps_the_inside_piece(build) -> None:
    m = AsciiMap(LINE, {"abcde": {"highway": "residential", "name": "Rua Longa"}})
    whole = build(m, name="whole.osm")
    assert m.names(whole, range(whole.n_nodes)) == "ae"
    # the polygon ends between b (col 4) and c (col 8): the way is cut after b, its last
    # node inside; nothing of the stretch b-c is kept
    clip = grid_box(m, -1, -1, 6, 1)
    net = build(m, clip=clip, name="clipped.osm")
    assert m.names(net, range(net.n_nodes)) == "ab"
    assert net.n_edges == 2
    assert net.edge_length.tolist() == [pytest.approx(m.length("ab"), abs=EXACT)] * 2
    assert net.way_osmid.tolist() == [m.way_id("abcde")]
    assert net.edge_attr("name") == ["Rua Longa", "Rua Longa"]
    assert net.meta["clipped"] is True
    route = Router(net).route(m.lonlat("a"), m.lonlat("b"))
    assert route.length_m == pytest.approx(m.length("ab"), abs=EXACT)


def test_clip_leaving_both_ends_keeps_the_middle_piece(build) -> None:
    m = AsciiMap(LINE, {"abcde": {"highway": "residential"}})
    net = build(m, clip=grid_box(m, 2, -1, 14, 1))
    assert m.names(net, range(net.n_nodes)) == "bd"
    assert net.edge_length.tolist() == [pytest.approx(m.length("bcd"), abs=EXACT)] * 2


def test_clip_with_a_hole_splits_the_way_in_two(build) -> None:
    m = AsciiMap(LINE, {"abcde": {"highway": "residential"}})
    frame = grid_box(m, -1, -1, 17, 1).difference(grid_box(m, 7, -2, 9, 2))  # c in the hole
    net = build(m, clip=frame, retain_all=True)
    assert m.names(net, range(net.n_nodes)) == "abde"
    pieces = sorted(m.names(net, [u, v]) for u, v in zip(net.edge_u, net.edge_v, strict=True))
    assert pieces == ["ab", "ba", "de", "ed"]
    # without retain_all, one of the two equal pieces is kept
    assert build(m, clip=frame, name="largest.osm").n_nodes == 2


def test_clip_on_overpass_data_matches_clip_on_file(build) -> None:
    m = AsciiMap(TOWN, TOWN_WAYS)
    clip = grid_box(m, -1, -1, 9, 5)  # the west part: a, b, d, e, f, g
    from_file = build(m, clip=clip, retain_all=True)
    from_overpass = build_network(osm_from_overpass([m.overpass()]), clip=clip, retain_all=True)
    assert_same_network(from_file, from_overpass)
    assert m.names(from_file, range(from_file.n_nodes)) == "abeg"


def test_nodes_missing_from_the_data_cut_ways(tmp_path) -> None:
    """A way whose node c is absent (a clipped extract) is cut there, in both readers."""
    m = AsciiMap(LINE, {"abcde": {"highway": "residential"}})
    doc = m.overpass()
    doc["elements"] = [e for e in doc["elements"] if e.get("id") != m.node_id("c")]
    from_overpass = build_network(osm_from_overpass([doc]), retain_all=True)
    xml = "\n".join(
        line for line in m.xml().splitlines() if f'<node id="{m.node_id("c")}"' not in line
    )
    path = tmp_path / "holey.osm"
    path.write_text(xml)
    from_file = network_from_file(path, retain_all=True)
    assert_same_network(from_file, from_overpass)
    assert m.names(from_file, range(from_file.n_nodes)) == "abde"
    ends = sorted(
        m.names(from_file, [u, v]) for u, v in zip(from_file.edge_u, from_file.edge_v, strict=True)
    )
    assert ends == ["ab", "ba", "de", "ed"]
    assert sorted(from_file.seg_length.tolist()) == pytest.approx(
        sorted([m.length("ab"), m.length("de")]), abs=EXACT
    )
