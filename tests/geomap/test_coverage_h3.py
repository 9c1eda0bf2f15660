"""Real H3 cells: unit shapes, uncovered areas and aggregation, checked against ``h3`` itself.

Expected shapes are built here straight from ``h3.cell_to_boundary`` / ``h3.cell_to_parent``,
never from geomap's code.
"""

from __future__ import annotations

import csv
import json

import h3
import numpy as np
import pytest
import shapely
from shapely.geometry import Polygon, shape

from geomap.coverage import DemandLayerError, analyse, read_demand, to_resolution
from geomap.coverage.h3cells import aggregate, check_resolution, polygon_cells
from geomap.coverage.samples import sites_of
from routing import network_from_file
from routing.safe import SafeRouter
from tests.paths import DATA, PORTO_ALEGRE_PBF

POA = DATA / "porto_alegre"


def h3_polygon(cell: str) -> Polygon:
    return Polygon([(lng, lat) for lat, lng in h3.cell_to_boundary(cell)])


def iou(a, b) -> float:
    return float(shapely.intersection(a, b).area / shapely.union(a, b).area)


@pytest.fixture(scope="module")
def report():
    net = network_from_file(PORTO_ALEGRE_PBF, "walk")
    sites = sites_of(json.loads((POA / "sample_registry.geojson").read_text()))
    demand = read_demand(POA / "population_hexgrid.csv")
    return analyse(SafeRouter(net), sites, ["food", "water_sanitation"], demand, minutes=15)


def test_the_hexgrid_units_are_its_h3_cells(report) -> None:
    with (POA / "population_hexgrid.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert report.demand.cells == [r["id"] for r in rows]
    assert report.demand.resolution == 9
    for (lon, lat), r in zip(report.demand.points, rows, strict=True):
        want_lat, want_lon = h3.cell_to_latlng(r["id"])
        assert (lon, lat) == pytest.approx((want_lon, want_lat), abs=1e-12)


def test_unit_boundaries_in_the_geojson_equal_h3_cell_to_boundary(report) -> None:
    features = report.layers()["demand"]["features"]
    assert len(features) == len(report.demand)
    worst = min(iou(shape(f["geometry"]), h3_polygon(f["id"])) for f in features)
    assert worst > 0.999


def test_uncovered_area_is_the_union_of_the_uncovered_cells(report) -> None:
    for service, rep in report.services.items():
        cells = [
            c
            for c, left, pop in zip(
                report.demand.cells,
                rep.uncovered_people().tolist(),
                report.demand.population.tolist(),
                strict=True,
            )
            if left > 0 and pop > 0
        ]
        want = shapely.union_all([h3_polygon(c) for c in cells])
        (feature,) = [
            f
            for f in report.layers()["uncovered"]["features"]
            if f["properties"]["service"] == service
        ]
        got = shape(feature["geometry"])
        assert iou(got, want) > 0.999
        # the area beyond the threshold is covered by cells with no gap (no more slivers)
        assert got.area == pytest.approx(sum(h3_polygon(c).area for c in cells), rel=1e-3)


def test_point_units_are_drawn_as_the_h3_cell_containing_them(tmp_path) -> None:
    pts = [(-51.2, -30.03), (-51.21, -30.04)]
    path = tmp_path / "pts.csv"
    path.write_text("id,lon,lat,population\na,-51.2,-30.03,5\nb,-51.21,-30.04,7\n")
    layer = read_demand(path)
    assert layer.cells is None
    net = network_from_file(PORTO_ALEGRE_PBF, "walk")
    rep = analyse(SafeRouter(net), [], ["food"], layer, minutes=5, resolution=10)
    for geom, (lon, lat) in zip(rep.unit_geometries(), pts, strict=True):
        want = h3_polygon(h3.latlng_to_cell(lat, lon, 10))
        assert iou(geom, want) > 0.999
        assert geom.contains(shapely.Point(lon, lat))


def test_aggregation_to_a_coarser_resolution_keeps_every_column() -> None:
    layer = read_demand(POA / "population_groups_h3.csv", area="area")
    coarse = to_resolution(layer, 8)
    assert coarse.resolution == 8
    want: dict[str, float] = {}
    for cell, pop in zip(layer.cells, layer.population.tolist(), strict=True):
        parent = h3.cell_to_parent(cell, 8)
        want[parent] = want.get(parent, 0.0) + pop
    got = dict(zip(coarse.cells, coarse.population.tolist(), strict=True))
    assert got == pytest.approx(want)
    fine = to_resolution(coarse, 9)  # back down: each parent splits equally over its children
    for parent, pop in want.items():
        kids = list(h3.cell_to_children(parent, 9))
        got_kids = dict(zip(fine.cells, fine.population.tolist(), strict=True))
        assert [got_kids[k] for k in kids] == pytest.approx([pop / len(kids)] * len(kids))
    for column, values in layer.columns.items():
        assert coarse.columns[column].sum() == pytest.approx(values.sum(), rel=1e-9)
    assert coarse.population.sum() == pytest.approx(layer.population.sum(), rel=1e-9)
    for members in coarse.breakdowns.values():
        total = np.sum([coarse.columns[c] for c in members], axis=0)
        np.testing.assert_allclose(total, coarse.population, atol=1e-6)


def test_points_and_polygons_aggregate_by_containment_and_by_area() -> None:
    cell = h3.latlng_to_cell(-30.03, -51.2, 9)
    ring = list(h3.grid_ring(cell, 1))
    lat, lng = h3.cell_to_latlng(cell)
    # three points in one cell; a polygon that is exactly three neighbouring cells
    three = shapely.union_all([h3_polygon(c) for c in ring[:3]])
    cells, sums, _ = aggregate(
        [shapely.Point(lng, lat)] * 3 + [three], {"people": [1, 2, 3, 300]}, 9
    )
    got = dict(zip(cells, sums["people"].tolist(), strict=True))
    assert got[cell] == pytest.approx(6.0)
    for c in ring[:3]:
        assert got[c] == pytest.approx(100.0, rel=0.02)
    assert sum(got.values()) == pytest.approx(306.0)
    shares = polygon_cells(h3_polygon(cell), 9)
    assert shares[cell] == pytest.approx(1.0, abs=1e-6)


def test_h3_indexed_tables_without_coordinates_csv_and_xlsx(tmp_path) -> None:
    from openpyxl import Workbook

    cells = [h3.latlng_to_cell(-30.03 - 0.004 * k, -51.2, 9) for k in range(3)]
    (tmp_path / "cells.csv").write_text(
        "id,population\n" + "".join(f"{c},{10 * (k + 1)}\n" for k, c in enumerate(cells))
    )
    book = Workbook()
    ws = book.active
    ws.append(["id", "population"])
    for k, c in enumerate(cells):
        ws.append([c, 10 * (k + 1)])
    book.save(tmp_path / "cells.xlsx")
    for name in ("cells.csv", "cells.xlsx"):
        layer = read_demand(tmp_path / name)
        assert layer.cells == cells
        assert layer.population.tolist() == [10, 20, 30]
        lat, lng = h3.cell_to_latlng(cells[1])
        assert layer.points[1] == pytest.approx((lng, lat), abs=1e-12)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("id,population,female_0_17,male_0_17\n89a901291abffff,10,3,4\n", "add up to 7"),
        ("id,population\n89a901291abffff,1\n89a901291abffff,2\n", "more than once"),
        ("id,population,in_transit\n89a901291abffff,10,x\n", "in_transit 'x' is not a number"),
    ],
)
def test_bad_group_layers_name_the_unit_and_the_columns(tmp_path, content, message) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(DemandLayerError, match=message):
        read_demand(path)


def test_resolution_must_be_an_h3_resolution() -> None:
    assert check_resolution(9) == 9
    for bad in (-1, 16, 9.5, True):
        with pytest.raises(ValueError, match="H3 resolution must be an integer from 0 to 15"):
            check_resolution(bad)
