"""The vector basemap from our own OSM data: streets with names, a park, a lake and a river
written by hand into a small OSM file, read back into tiles and decoded to where they are."""

from __future__ import annotations

import math

import numpy as np
import pytest

from geomap import basemap
from routing import network_from_file

TILE = (15, 11723, 19250)  # a zoom-15 tile of Porto Alegre, about 1 km across
_W, _S, _E, _N = basemap.tile_bounds(*TILE)
LON0, LAT0 = _W + 0.001, _N - 0.001  # the drawing fits inside that tile
STEP = 0.001  # degrees between grid nodes (about 100 m)


def node(i: int, col: float, row: float) -> str:
    return (
        f'<node id="{i}" version="1" lat="{LAT0 - row * STEP:.7f}" lon="{LON0 + col * STEP:.7f}"/>'
    )


def way(i: int, nodes: list[int], tags: dict[str, str]) -> str:
    refs = "".join(f'<nd ref="{n}"/>' for n in nodes)
    text = "".join(f'<tag k="{k}" v="{v}"/>' for k, v in tags.items())
    return f'<way id="{i}" version="1">{refs}{text}</way>'


@pytest.fixture(scope="module")
def drawn(tmp_path_factory):
    nodes = [
        node(1, 0, 0), node(2, 4, 0), node(3, 8, 0),  # a named street, west to east
        node(4, 4, 4),  # a footway south from its middle
        node(11, 1, 1), node(12, 3, 1), node(13, 3, 3), node(14, 1, 3),  # a park (closed way)
        node(21, 5, 1), node(22, 7, 1), node(23, 7, 3), node(24, 5, 3),  # a lake (multipolygon)
        node(31, 0, 5), node(32, 8, 5),  # a river
    ]  # fmt: skip
    ways = [
        way(101, [1, 2, 3], {"highway": "residential", "name": "Rua do Mapa"}),
        way(102, [2, 4], {"highway": "footway"}),
        way(103, [11, 12, 13, 14, 11], {"leisure": "park", "name": "Praça"}),
        way(104, [21, 22, 23, 24, 21], {}),
        way(105, [31, 32], {"waterway": "river"}),
    ]
    relation = (
        '<relation id="201" version="1"><member type="way" ref="104" role="outer"/>'
        '<tag k="type" v="multipolygon"/><tag k="natural" v="water"/></relation>'
    )
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?><osm version="0.6" generator="test">'
        + "".join(nodes) + "".join(ways) + relation + "</osm>"
    )  # fmt: skip
    path = tmp_path_factory.mktemp("basemap") / "drawn.osm"
    path.write_text(xml)
    return path


def decode(flat: list[int]) -> np.ndarray:
    return np.cumsum(np.asarray(flat, dtype=np.int64).reshape(-1, 2), axis=0)


def to_lonlat(xy: np.ndarray, z: int, x: int, y: int) -> np.ndarray:
    n = 2**z
    mx = (x + xy[:, 0] / basemap.EXTENT) / n
    my = (y + xy[:, 1] / basemap.EXTENT) / n
    lon = mx * 360.0 - 180.0
    lat = np.degrees(np.arctan(np.sinh(math.pi * (1 - 2 * my))))
    return np.column_stack([lon, lat])


def test_areas_of_the_extract(drawn) -> None:
    areas = basemap.read_areas(drawn)
    assert areas.counts == {"water": 1, "park": 1, "landuse": 0, "rivers": 1}


def test_a_tile_holds_the_street_its_name_the_park_the_lake_and_the_river(drawn) -> None:
    net = network_from_file(drawn, "walk")
    tiles = basemap.Basemap(net, basemap.read_areas(drawn))
    z, x, y = TILE
    assert basemap.tiles_covering((LON0, LAT0 - 5 * STEP, LON0 + 8 * STEP, LAT0), [z]) == [TILE]
    tile = tiles.tile(z, x, y)
    assert "Rua do Mapa" in tile["names"]
    classes = {s[0] for s in tile["streets"]}
    assert classes == {0, 1}  # the footway is a path, the residential street a street
    named = tile["names"].index("Rua do Mapa")
    got = np.vstack(
        [to_lonlat(decode(s[2]), z, x, y) for s in tile["streets"] if s[1] == named]
    )  # the street in pieces between junctions
    assert got[:, 0].min() == pytest.approx(LON0, abs=2e-5)
    assert got[:, 0].max() == pytest.approx(LON0 + 8 * STEP, abs=2e-5)
    assert got[:, 1] == pytest.approx(LAT0, abs=2e-5)
    (park,) = tile["park"]
    corners = to_lonlat(decode(park[0]), z, x, y)
    assert corners[:, 0].min() == pytest.approx(LON0 + STEP, abs=2e-5)
    assert corners[:, 1].max() == pytest.approx(LAT0 - STEP, abs=2e-5)
    assert len(tile["water"]) == 1
    assert len(tile["rivers"]) == 1


def test_low_zooms_keep_the_main_streets_only_and_bad_tiles_are_refused(drawn) -> None:
    net = network_from_file(drawn, "walk")
    tiles = basemap.Basemap(net)  # an extract with streets only: no areas
    (z, x, y), *_ = basemap.tiles_covering((LON0, LAT0 - 0.001, LON0 + 0.001, LAT0), [13])
    assert tiles.tile(z, x, y)["streets"] == []  # a residential street is not a main one
    (z, x, y), *_ = basemap.tiles_covering((LON0, LAT0 - 0.001, LON0 + 0.001, LAT0), [16])
    detail = tiles.tile(z, x, y)
    assert detail["streets"]
    assert detail["park"] == []
    assert detail["water"] == []
    for bad in ((3, 0, 0), (16, -1, 0), (16, 0, 2**16)):
        with pytest.raises(basemap.TileError):
            tiles.tile(*bad)


def test_tiles_covering_a_box() -> None:
    tiles = basemap.tiles_covering((LON0, LAT0 - 0.01, LON0 + 0.01, LAT0), [14, 15])
    for z, x, y in tiles:
        w, s, e, n = basemap.tile_bounds(z, x, y)
        assert w <= LON0 + 0.01
        assert e >= LON0
        assert s <= LAT0
        assert n >= LAT0 - 0.01
    assert {z for z, _, _ in tiles} == {14, 15}
