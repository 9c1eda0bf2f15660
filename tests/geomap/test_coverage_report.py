"""Coverage reports: population layers, tables, GeoJSON layers and the map, on an ASCII map.

The street ``a-b-c-d-e`` has 400 m blocks; at the default 4.5 km/h a 6-minute threshold
(450 m) reaches one block and no more, so which unit is covered is known by construction.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import sys
from pathlib import Path

import numpy as np
import pytest
import shapely
from shapely.geometry import Polygon, box, mapping

from geomap.coverage import (
    TABLE_COLUMNS,
    DemandLayerError,
    analyse,
    assign_areas,
    coverage_map,
    gap_layer,
    organizations_of,
    read_demand,
)
from routing import network_from_file
from routing.safe import SafeRouter, Site

if "asciimap" not in sys.modules:
    _spec = importlib.util.spec_from_file_location(
        "asciimap", Path(__file__).resolve().parents[1] / "asciimap.py"
    )
    assert _spec is not None
    assert _spec.loader is not None
    _module = importlib.util.module_from_spec(_spec)
    sys.modules["asciimap"] = _module
    _spec.loader.exec_module(_module)

from asciimap import AsciiMap

SPEED = 4.5 / 3.6
R = {"highway": "residential"}
LINE = AsciiMap("a---b---c---d---e", {"ab": R, "bc": R, "cd": R, "de": R})
LETTERS = "abcde"
POP = [10.0, 20.0, 30.0, 40.0, 50.0]
AREAS = ["N", "N", "S", "S", "S"]


@pytest.fixture(scope="module")
def network(tmp_path_factory):
    return network_from_file(LINE.write(tmp_path_factory.mktemp("line") / "line.osm"), "walk")


@pytest.fixture
def demand_csv(tmp_path) -> Path:
    path = tmp_path / "pop.csv"
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "lon", "lat", "population", "district"])
        for k, p, a in zip(LETTERS, POP, AREAS, strict=True):
            w.writerow([f"u-{k}", *LINE.lonlat(k), p, a])
    return path


def place(sid: str, letter: str, *services: str) -> Site:
    lon, lat = LINE.lonlat(letter)
    return Site(sid, sid.upper(), lon, lat, services=services or ("food",))


def cell_box(col: float, row: float, half: float = 0.5) -> Polygon:
    return Polygon(
        [
            LINE.grid_point(col - half, row - half),
            LINE.grid_point(col + half, row - half),
            LINE.grid_point(col + half, row + half),
            LINE.grid_point(col - half, row + half),
        ]
    )


def test_population_layers_from_csv_geojson_and_geopackage(tmp_path, demand_csv) -> None:
    import geopandas as gpd

    from_csv = read_demand(demand_csv, area="district")
    assert from_csv.ids == [f"u-{k}" for k in LETTERS]
    assert from_csv.population.tolist() == POP
    assert from_csv.areas == AREAS
    assert from_csv.points[1] == pytest.approx(LINE.lonlat("b"), abs=1e-9)
    frame = gpd.GeoDataFrame(
        {"id": from_csv.ids, "pop": POP, "district": AREAS},
        geometry=[cell_box(4 * i, 0) for i in range(5)],
        crs="EPSG:4326",
    )
    frame.to_file(tmp_path / "pop.gpkg", driver="GPKG", layer="people")
    frame.head(2).to_file(tmp_path / "pop.gpkg", driver="GPKG", layer="other")
    frame.to_file(tmp_path / "pop.geojson", driver="GeoJSON")
    for name in ("pop.gpkg", "pop.geojson"):
        layer = read_demand(
            tmp_path / name, population="pop", area="district",
            layer="people" if name.endswith("gpkg") else None,
        )  # fmt: skip
        assert layer.population.sum() == sum(POP)
        assert layer.ids == from_csv.ids
        assert layer.polygons is not None
        for poly, (x, y) in zip(layer.polygons, layer.points, strict=True):
            assert poly.contains(shapely.Point(x, y))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("id,lon,lat\n1,0,0\n", "missing column"),
        ("id,lon,lat,population\n1,0,0,-5\n", "non-negative"),
        ("id,lon,lat,population\n1,0,0,many\n", "not a number"),
        ("id,lon,lat,population\n", "no units"),
        ("id,lon,lat,population\n1,x,0,3\n", "bad coordinates"),
    ],
)
def test_bad_population_layers_are_refused(tmp_path, content: str, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(DemandLayerError, match=message):
        read_demand(path)


def test_shares_tables_and_hxl_are_exact(network, demand_csv) -> None:
    layer = read_demand(demand_csv, area="district")
    report = analyse(SafeRouter(network), [place("p", "a")], ["food", "legal"], layer, minutes=6)
    food = report.services["food"]
    assert food.shares["covered"] == 30.0
    assert food.shares["by_area"]["N"]["share"] == 1.0
    assert food.shares["by_area"]["S"] == {"population": 120.0, "covered": 0.0, "share": 0.0}
    assert report.services["legal"].shares["covered"] == 0.0
    rows = report.rows()
    units = {(r["service"], r["id"]): r for r in rows if r["level"] == "unit"}
    assert units["food", "u-a"]["minutes"] == 0.0
    assert units["food", "u-b"]["minutes"] == pytest.approx(
        LINE.length("ab") / SPEED / 60, abs=0.01
    )
    assert units["food", "u-b"]["nearest_place"] == "p"
    assert units["legal", "u-b"]["minutes"] == ""
    assert [units["food", f"u-{k}"]["covered"] for k in LETTERS] == [10, 20, 0, 0, 0]
    for service in ("food", "legal"):
        unit_pop = sum(
            r["population"] for r in rows if r["service"] == service and r["level"] == "unit"
        )
        area_pop = sum(
            r["population"] for r in rows if r["service"] == service and r["level"] == "area"
        )
        (total,) = [r for r in rows if r["service"] == service and r["level"] == "total"]
        assert unit_pop == area_pop == total["population"] == sum(POP)
    table = list(csv.reader(io.StringIO(report.csv_text(hxl=True))))
    assert table[0] == [c for c, _ in TABLE_COLUMNS]
    assert table[1] == [t for _, t in TABLE_COLUMNS]
    assert all(t.startswith("#") for t in table[1])
    assert len(table) == 2 + len(rows)
    plain = list(csv.reader(io.StringIO(report.csv_text())))
    assert plain[1][0] == "unit"


def test_layers_uncovered_area_and_suggestions(network, demand_csv) -> None:
    layer = read_demand(demand_csv)
    report = analyse(SafeRouter(network), [place("p", "a")], ["food"], layer, minutes=6, suggest=2)
    layers = report.layers()
    props = [f["properties"] for f in layers["demand"]["features"]]
    assert [p["covered_food"] for p in props] == [True, True, False, False, False]
    assert props[0]["minutes_food"] == 0.0
    (uncovered,) = layers["uncovered"]["features"]
    assert uncovered["properties"]["population"] == 120.0
    area = shapely.geometry.shape(uncovered["geometry"])
    for k, inside in zip(LETTERS, [False, False, True, True, True], strict=True):
        assert area.contains(shapely.Point(LINE.lonlat(k))) is inside
    # d reaches c, d and e (120 people); nobody is left for a second pick
    picks = [f["properties"] for f in layers["suggestions"]["features"]]
    assert [(p["rank"], p["population_gained"]) for p in picks] == [(1, 120.0)]
    (sug,) = layers["suggestions"]["features"]
    assert sug["geometry"]["coordinates"] == pytest.approx(list(LINE.lonlat("d")), abs=1e-9)
    assert [f["id"] for f in layers["places"]["features"]] == ["p"]
    json.dumps(layers)  # plain JSON


def test_polygon_units_uncovered_area_is_their_union(network, tmp_path) -> None:
    import geopandas as gpd

    cells = [cell_box(4 * i, 0, half=1.0) for i in range(5)]
    frame = gpd.GeoDataFrame({"population": POP}, geometry=cells, crs="EPSG:4326")
    frame.to_file(tmp_path / "cells.geojson", driver="GeoJSON")
    layer = read_demand(tmp_path / "cells.geojson")
    report = analyse(SafeRouter(network), [place("p", "a")], ["food"], layer, minutes=6)
    area = report.uncovered_area("food")
    want = shapely.union_all(layer.polygons[2:])
    assert area.symmetric_difference(want).area < 1e-12


def test_admin_areas_count_everyone_once(network, demand_csv, tmp_path) -> None:
    west = box(*LINE.grid_point(-1, 1), *LINE.grid_point(9, -1))  # a, b, c
    east = box(*LINE.grid_point(7, 1), *LINE.grid_point(17, -1))  # c, d, e: c is in both
    fc = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"name": "W"}, "geometry": mapping(west)},
            {"type": "Feature", "properties": {"name": "E"}, "geometry": mapping(east)},
        ],
    }
    (tmp_path / "areas.geojson").write_text(json.dumps(fc))
    layer = assign_areas(read_demand(demand_csv), tmp_path / "areas.geojson")
    assert layer.areas == ["W", "W", "W", "E", "E"]
    report = analyse(SafeRouter(network), [place("p", "a")], ["food"], layer, minutes=6)
    by_area = report.services["food"].shares["by_area"]
    assert by_area["W"] == {"population": 60.0, "covered": 30.0, "share": 0.5}
    assert sum(v["population"] for v in by_area.values()) == sum(POP)


def test_duplicates_carry_their_organizations(network, demand_csv) -> None:
    layer = read_demand(demand_csv)
    places = [place("p1", "a"), place("p2", "b"), place("p3", "e")]
    orgs = organizations_of(
        [
            {"id": "p1", "properties": {"organizations": ["Org A"]}},
            {"id": "p2", "properties": {"organizations": ["Org B", "Org C"]}},
            {"id": "p3", "properties": {}},
        ]
    )
    report = analyse(
        SafeRouter(network), places, ["food"], layer, minutes=6, duplicate_share=0.5,
        organizations=orgs,
    )  # fmt: skip
    (group,) = report.services["food"].duplicates
    assert group.site_ids == ("p1", "p2")
    feats = report.layers()["duplicates"]["features"]
    assert {f["properties"]["place"]: f["properties"]["organizations"] for f in feats} == {
        "p1": ["Org A"],
        "p2": ["Org B", "Org C"],
    }
    assert all(f["properties"]["group"] == 1 for f in feats)


def test_corridor_gap_layer(network) -> None:
    coords = [LINE.lonlat(k) for k in LETTERS]
    places = [Site("q", "Q", *LINE.grid_point(4, 0.5), services=("food",))]
    gaps, fc = gap_layer(network, coords, places, "food", within_m=100, min_gap_km=1.0)
    assert [(g.start_km, g.end_km) for g in gaps] == [
        (pytest.approx(0.4, abs=1e-3), pytest.approx(1.6, abs=1e-3))
    ]
    (gap,) = [f for f in fc["features"] if f["properties"]["kind"] == "gap"]
    line = shapely.geometry.shape(gap["geometry"])
    assert line.coords[0] == pytest.approx(LINE.lonlat("b"), abs=1e-6)
    assert line.coords[-1] == pytest.approx(LINE.lonlat("e"), abs=1e-6)
    assert gap["properties"]["length_km"] == pytest.approx(1.2, abs=1e-3)
    (found,) = [f for f in fc["features"] if f["properties"]["kind"] == "place"]
    assert found["properties"]["at_km"] == pytest.approx(0.4, abs=1e-3)


def test_the_map_has_choropleth_legend_layers_and_attribution(network, demand_csv) -> None:
    layer = read_demand(demand_csv)
    places = [place("p1", "a"), place("p2", "b")]
    report = analyse(
        SafeRouter(network), places, ["food"], layer, minutes=6, duplicate_share=0.5, suggest=1
    )
    _, gaps = gap_layer(network, [LINE.lonlat(k) for k in LETTERS], places, "food",
                        within_m=100, min_gap_km=0.5)  # fmt: skip
    html = coverage_map(report, "food", gaps=gaps).get_root().render()
    for text in (
        "OpenStreetMap contributors",
        "ODbL",
        "Walking time to food",
        "no place reachable",
        "Suggested new places",
        "Duplicated places",
        "Corridor gaps",
        "#1a9850",
    ):
        assert text in html, text
    assert np.isfinite(report.services["food"].demand.seconds).all()
