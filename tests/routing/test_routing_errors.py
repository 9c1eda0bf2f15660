"""Errors a caller can provoke: unreachable or far points, bad coordinates, bad OSM input."""

from __future__ import annotations

import bz2
import math

import pytest
import shapely
from asciimap import AsciiMap, geodesic, moved

from geomap.errors import (
    EmptyNetworkError,
    InvalidCoordinateError,
    NoRouteError,
    OSMReadError,
    PointTooFarError,
)
from routing import Router, build_network, network_from_file, read_osm
from routing.osm import osm_from_overpass

# Two parts that no way joins: a-b-c (3 graph nodes) and e-f (2 graph nodes).
PARTS = """
a---b---c       e---f
"""
PARTS_WAYS = {
    "ab": {"highway": "residential"},
    "bc": {"highway": "residential"},
    "ef": {"highway": "residential"},
}


# ---------------------------------------------------------------------- unreachable
def test_unreachable_destination_raises_no_route(build) -> None:
    m = AsciiMap(PARTS, PARTS_WAYS)
    net = build(m, retain_all=True)
    assert net.n_nodes == 5
    router = Router(net)
    with pytest.raises(NoRouteError, match=r"no route from \(-51\.230000, -30\.030000\) to"):
        router.route(m.lonlat("a"), m.lonlat("f"))
    with pytest.raises(NoRouteError, match="cannot be reached on the walk network"):
        router.route(m.lonlat("e"), m.lonlat("b"))
    assert router.node_path(m.node_index(net, "a"), m.node_index(net, "f")) == (math.inf, [])
    matrix = router.cost_matrix([m.lonlat("a")], [m.lonlat("c"), m.lonlat("f")])
    assert matrix[0, 0] == pytest.approx(m.length("abc"), abs=1e-6)
    assert matrix[0, 1] == math.inf


def test_default_build_keeps_the_largest_part_only(build) -> None:
    m = AsciiMap(PARTS, PARTS_WAYS)
    net = build(m)
    assert m.names(net, range(net.n_nodes)) == "abc"
    # f is 1200 m from c, the nearest node left
    with pytest.raises(PointTooFarError):
        Router(net).route(m.lonlat("a"), m.lonlat("f"))


def test_crossing_without_a_shared_node_is_no_junction(build) -> None:
    """A bridge over a street: the lines cross in the drawing but share no node."""
    m = AsciiMap(
        """
            e
            |
        a---+---b
            |
            f
        """,
        {"ab": {"highway": "primary"}, "ef": {"highway": "footway", "bridge": "yes"}},
    )
    net = build(m, retain_all=True)
    router = Router(net)
    assert router.route(m.lonlat("a"), m.lonlat("b")).length_m == pytest.approx(
        m.length("ab"), abs=1e-6
    )
    with pytest.raises(NoRouteError):
        router.route(m.lonlat("a"), m.lonlat("f"))


def test_oneway_dead_end_is_unreachable_backwards_in_drive(build) -> None:
    m = AsciiMap(
        "a---b---c",
        {
            "ab": {"highway": "residential", "oneway": "yes"},
            "bc": {"highway": "residential", "oneway": "yes"},
        },
    )
    router = Router(build(m, "drive"))
    assert router.route(m.lonlat("a"), m.lonlat("c")).length_m == pytest.approx(
        m.length("abc"), abs=1e-6
    )
    with pytest.raises(NoRouteError, match="drive network"):
        router.route(m.lonlat("c"), m.lonlat("a"))


# ---------------------------------------------------------------------- far points
def test_point_too_far_names_the_distance(build) -> None:
    m = AsciiMap(PARTS, PARTS_WAYS)
    router = Router(build(m))
    far = moved(m.lonlat("a"), 180, 1234.0)  # due south of a, the nearest network point
    assert geodesic(far, m.lonlat("a")) == pytest.approx(1234.0, abs=1e-6)
    with pytest.raises(PointTooFarError, match=r"^origin \(.*\) is 1234 m from .* limit is 500 m"):
        router.route(far, m.lonlat("c"))
    with pytest.raises(PointTooFarError, match=r"^destination .* is 1234 m"):
        router.route(m.lonlat("c"), far)
    with pytest.raises(PointTooFarError, match="1234 m"):
        router.snap(far)
    with pytest.raises(PointTooFarError, match=r"facility 1 .* is 1234 m"):
        router.nearest_facility([m.lonlat("b"), far])


def test_max_snap_distance_is_a_parameter(build) -> None:
    m = AsciiMap(PARTS, PARTS_WAYS)
    net = build(m)
    far = moved(m.lonlat("a"), 180, 1234.0)
    with pytest.raises(PointTooFarError, match="limit is 1000 m"):
        Router(net, max_snap_m=1000).snap(far)
    snap = Router(net, max_snap_m=1300).snap(far)
    assert snap.distance_m == pytest.approx(1234.0, abs=0.01)
    assert m.trace([(snap.lon, snap.lat)]) == "a"


# ---------------------------------------------------------------------- bad coordinates
BAD_POINTS = [
    (math.nan, -30.03),
    (-51.23, math.nan),
    (math.inf, -30.03),
    (-51.23, -math.inf),
    (180.0001, -30.03),
    (-181.0, -30.03),
    (-51.23, 90.5),
    (-51.23, -91.0),
    (-30.03, -151.23),  # lat/lon swapped
    ("west", -30.03),
    (-51.23,),
    (-51.23, -30.03, 0.0),
    None,
]


@pytest.mark.parametrize("bad", BAD_POINTS, ids=repr)
def test_invalid_coordinates_are_refused(build, bad) -> None:
    m = AsciiMap(PARTS, PARTS_WAYS)
    router = Router(build(m))
    good = m.lonlat("b")
    with pytest.raises(InvalidCoordinateError, match=r"^origin"):
        router.route(bad, good)
    with pytest.raises(InvalidCoordinateError, match=r"^destination"):
        router.route(good, bad)
    with pytest.raises(InvalidCoordinateError):
        router.snap(bad)
    with pytest.raises(InvalidCoordinateError, match=r"^destination 1"):
        router.cost_matrix([good], [good, bad])
    with pytest.raises(InvalidCoordinateError):
        router.reachable(bad, 100.0)
    with pytest.raises(InvalidCoordinateError):
        router.nearest_facility([bad])


def test_coordinate_limits_are_inclusive() -> None:
    """(+-180, +-90) are valid coordinates; they are merely far from the map."""
    from routing.router import check_lonlat

    assert check_lonlat((180, -90)) == (180.0, -90.0)
    assert check_lonlat((-180.0, 90.0)) == (-180.0, 90.0)


# ---------------------------------------------------------------------- unreadable files
@pytest.fixture
def pbf(tmp_path):
    m = AsciiMap(PARTS, PARTS_WAYS)
    return m.write(tmp_path / "good.osm.pbf")


def test_the_pbf_fixture_is_readable(pbf) -> None:
    assert network_from_file(pbf, retain_all=True).n_nodes == 5


@pytest.mark.parametrize("keep", [0.5, 0.9])
def test_truncated_pbf_raises_osm_read_error(pbf, tmp_path, keep: float) -> None:
    data = pbf.read_bytes()
    cut = tmp_path / "cut.osm.pbf"
    cut.write_bytes(data[: int(len(data) * keep)])
    with pytest.raises(OSMReadError, match=r"cut\.osm\.pbf"):
        network_from_file(cut)


@pytest.mark.parametrize(
    "content",
    [b"this is not a protocol buffer", bytes(range(256)) * 8, b"\x00\x00\x00\x0dOSMHeader"],
)
def test_garbage_pbf_raises_osm_read_error(tmp_path, content: bytes) -> None:
    path = tmp_path / "garbage.osm.pbf"
    path.write_bytes(content)
    with pytest.raises(OSMReadError, match=r"garbage\.osm\.pbf"):
        read_osm(path)


@pytest.mark.parametrize(
    "text",
    [
        '<?xml version="1.0"?><osm version="0.6"><node id="1" lat="-30" lon="-51"',
        '<?xml version="1.0"?><osm version="0.6"><way id="1"><nd ref="1"/></node></osm>',
        "hello, world",
    ],
)
def test_malformed_xml_raises_osm_read_error(tmp_path, text: str) -> None:
    path = tmp_path / "broken.osm"
    path.write_text(text)
    with pytest.raises(OSMReadError, match=r"broken\.osm"):
        network_from_file(path)


def test_truncated_xml_raises_osm_read_error(tmp_path) -> None:
    m = AsciiMap(PARTS, PARTS_WAYS)
    xml = m.xml()
    path = tmp_path / "half.osm"
    path.write_text(xml[: xml.index("<way")])  # nodes, then the file stops
    with pytest.raises(OSMReadError, match=r"half\.osm"):
        read_osm(path)


def test_truncated_bz2_raises_osm_read_error(tmp_path) -> None:
    m = AsciiMap(PARTS, PARTS_WAYS)
    data = bz2.compress(m.xml().encode())
    path = tmp_path / "half.osm.bz2"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(OSMReadError, match=r"half\.osm\.bz2"):
        network_from_file(path)


def test_missing_file_and_unknown_suffix(tmp_path) -> None:
    with pytest.raises(OSMReadError, match="not found"):
        read_osm(tmp_path / "nowhere.osm.pbf")
    other = tmp_path / "map.txt"
    other.write_text(AsciiMap(PARTS, PARTS_WAYS).xml())
    with pytest.raises(OSMReadError, match="unknown OSM file type"):
        read_osm(other)


@pytest.mark.parametrize(
    "doc",
    [
        {"remark": "runtime error: Query timed out"},
        {"elements": "nope"},
        {"elements": [{"type": "node", "id": 1, "lat": -30.0}]},
        {"elements": [{"type": "way", "id": 1, "tags": {"highway": "residential"}}]},
        {"elements": [{"id": 1}]},
    ],
)
def test_malformed_overpass_raises_osm_read_error(doc) -> None:
    with pytest.raises(OSMReadError, match="Overpass response 0"):
        osm_from_overpass([doc])


# ---------------------------------------------------------------------- empty networks
def test_clip_polygon_far_away_leaves_nothing(build) -> None:
    m = AsciiMap(PARTS, PARTS_WAYS)
    elsewhere = shapely.box(-47.0, -16.0, -46.9, -15.9)
    with pytest.raises(EmptyNetworkError, match="inside the clip area"):
        build(m, clip=elsewhere)


def test_clip_polygon_around_one_node_leaves_nothing(build) -> None:
    """A single node inside the polygon makes no segment."""
    m = AsciiMap(PARTS, PARTS_WAYS)
    (x0, y0), (x1, y1) = m.grid_point(3.5, -0.5), m.grid_point(4.5, 0.5)
    around_b = shapely.box(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
    assert shapely.contains_xy(around_b, *m.lonlat("b"))
    with pytest.raises(EmptyNetworkError, match="inside the clip area"):
        build(m, clip=around_b)


@pytest.mark.parametrize(
    ("ways", "profile"),
    [
        pytest.param(
            {"ab": {"highway": "motorway"}, "bc": {"highway": "motorway_link"}},
            "walk",
        ),
        pytest.param(
            {
                "ab": {"highway": "primary", "foot": "no"},
                "bc": {"highway": "residential", "access": "private"},
            },
            "walk",
        ),
        pytest.param(
            {"ab": {"highway": "footway"}, "bc": {"highway": "cycleway"}},
            "drive",
        ),
        pytest.param(
            {"ab": {"highway": "proposed"}, "bc": {"highway": "construction"}},
            "walk",
        ),
        ({"ab": {"building": "yes"}, "bc": {"waterway": "stream"}}, "walk"),
    ],
)
def test_no_way_for_the_profile_raises_empty_network(build, ways, profile: str) -> None:
    m = AsciiMap("a---b---c", ways)
    with pytest.raises(EmptyNetworkError, match=f"no way usable by the '{profile}' profile"):
        build(m, profile)


def test_one_usable_way_is_enough(build) -> None:
    m = AsciiMap("a---b---c", {"ab": {"highway": "motorway"}, "bc": {"highway": "footway"}})
    net = build(m, "walk")
    assert m.names(net, range(net.n_nodes)) == "bc"


def test_clip_leaving_nothing_raises_empty_network_on_overpass_data() -> None:
    """The online path: no bbox pre-filter, the clip polygon alone empties the network."""
    m = AsciiMap(PARTS, PARTS_WAYS)
    elsewhere = shapely.box(-47.0, -16.0, -46.9, -15.9)
    with pytest.raises(EmptyNetworkError, match="inside the clip area"):
        build_network(osm_from_overpass([m.overpass()]), clip=elsewhere)


def test_empty_overpass_response_raises_empty_network() -> None:
    with pytest.raises(EmptyNetworkError):
        build_network(osm_from_overpass([{"elements": []}]))
