"""``geomap coverage``: population coverage and corridor gaps, run as a real subprocess."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import pytest

from routing import network_from_file
from tests.paths import DATA, PORTO_ALEGRE_PBF

POA = DATA / "porto_alegre"


def geomap(*args: str, cwd=None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "geomap", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=cwd,
    )


@pytest.fixture(scope="module")
def saved_network(tmp_path_factory):
    path = tmp_path_factory.mktemp("net") / "poa.npz"
    network_from_file(PORTO_ALEGRE_PBF, "walk").save(path)
    return path


def test_population_coverage_writes_layers_tables_and_map(saved_network, tmp_path) -> None:
    out_dir = tmp_path / "out"
    result = geomap(
        "coverage", "population", str(saved_network),
        "--population", str(POA / "population_hexgrid.csv"),
        "--services", "food,information_orientation",
        "--places", str(POA / "sample_registry.geojson"),
        "--minutes", "15", "--suggest", "2", "--duplicates", "0.2",
        "--out", str(out_dir), "--map", str(out_dir / "map.html"),
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "information_orientation" in result.stdout
    assert "suggested food #1" in result.stdout
    for name in ("demand", "uncovered", "places", "duplicates", "suggestions"):
        fc = json.loads((out_dir / f"coverage_{name}.geojson").read_text())
        assert fc["type"] == "FeatureCollection"
    with (POA / "population_hexgrid.csv").open() as fh:
        people = sum(float(r["population"]) for r in csv.DictReader(fh))
    with (out_dir / "coverage.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    for service in ("food", "information_orientation"):
        units = [r for r in rows if r["service"] == service and r["level"] == "unit"]
        (total,) = [r for r in rows if r["service"] == service and r["level"] == "total"]
        assert sum(float(r["population"]) for r in units) == pytest.approx(people)
        assert float(total["population"]) == pytest.approx(people)
        assert 0 < float(total["covered"]) < people
    hxl = (out_dir / "coverage_hxl.csv").read_text().splitlines()
    assert hxl[1].startswith("#meta+level,#loc+id")
    page = (out_dir / "map.html").read_text()
    assert "ODbL" in page
    assert "Walking time to food" in page
    # restricted and partners-only places of the sample never appear
    places = json.loads((out_dir / "coverage_places.geojson").read_text())
    sample = json.loads((POA / "sample_registry.geojson").read_text())
    public = {f["id"] for f in sample["features"] if f["properties"]["visibility"] == "public"}
    assert {f["id"] for f in places["features"]} <= public


def test_corridor_gaps_along_a_route_and_a_line(saved_network, tmp_path) -> None:
    args = ("--places", str(POA / "sample_registry.geojson"), "--service", "food")
    route = geomap(
        "coverage", "gaps", str(saved_network), *args,
        "--from=-51.2182,-30.0233", "--to=-51.20,-30.04",
        "--within-m", "200", "--min-km", "0.5", "-o", str(tmp_path / "gaps.geojson"),
        cwd=tmp_path,
    )  # fmt: skip
    assert route.returncode == 0, route.stderr
    assert "gap: km 0.00" in route.stdout
    fc = json.loads((tmp_path / "gaps.geojson").read_text())
    assert fc["features"][0]["geometry"]["type"] == "LineString"
    line = {
        "type": "Feature",
        "properties": {},
        "geometry": {"type": "LineString", "coordinates": [[-51.2182, -30.0233], [-51.20, -30.04]]},
    }
    (tmp_path / "line.geojson").write_text(json.dumps(line))
    along = geomap(
        "coverage", "gaps", str(saved_network), *args, "--line", str(tmp_path / "line.geojson"),
        "--within-m", "5000", "--min-km", "100", "-o", str(tmp_path / "none.geojson"),
        cwd=tmp_path,
    )  # fmt: skip
    assert along.returncode == 0, along.stderr
    assert "no stretch longer than 100 km" in along.stdout
    both = geomap("coverage", "gaps", str(saved_network), *args, "-o", "x.geojson", cwd=tmp_path)
    assert both.returncode != 0
    assert "--line" in both.stderr


def test_a_bad_population_layer_is_one_clear_line(saved_network, tmp_path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("id,lon,lat\n1,-51.2,-30.0\n")
    result = geomap(
        "coverage", "population", str(saved_network), "--population", str(bad),
        "--services", "food", "--places", str(POA / "sample_registry.geojson"),
        "--out", str(tmp_path / "o"),
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 1
    assert "missing column(s) population" in result.stderr
    assert not (tmp_path / "o").exists()


def test_hours_activities_and_batch_commands(saved_network, tmp_path) -> None:
    from geomap.coverage.fivew import write_activities
    from geomap.coverage.samples import DEMO_AREAS, sample_activities

    groups = str(POA / "population_groups_h3.csv")
    places = ("--places", str(POA / "sample_registry.geojson"))
    hours = geomap(
        "coverage", "hours", str(saved_network), "--population", groups,
        "--services", "food,water_sanitation", *places, "--out", str(tmp_path / "week"),
        cwd=tmp_path,
    )  # fmt: skip
    assert hours.returncode == 0, hours.stderr
    assert "food:" in hours.stdout
    with (tmp_path / "week" / "hours.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 2 * 168
    assert (tmp_path / "week" / "hours.png").read_bytes()[:4] == b"\x89PNG"
    table = sample_activities(
        DEMO_AREAS, ["WASH", "Food Security"], ["2026-10"],
        overlaps={("BR4314902", "WASH", "2026-10")},
        gaps={("BR4314902", "Food Security", "2026-10")},
    )  # fmt: skip
    fivew = write_activities(table, tmp_path / "5w.xlsx", hxl=False)
    acts = geomap(
        "coverage", "activities", str(fivew), "--network", str(saved_network),
        "--population", groups, *places, "--out", str(tmp_path / "5w"),
        cwd=tmp_path,
    )  # fmt: skip
    assert acts.returncode == 0, acts.stderr
    assert "overlap: WASH in BR4314902, 2026-10" in acts.stdout
    assert "gap: no Food Security in BR4314902 in 2026-10" in acts.stdout
    assert (tmp_path / "5w" / "activities_hxl.csv").read_text().splitlines()[1].startswith("#")
    regions = [{"name": "poa", "network": str(saved_network),
                "places": str(POA / "sample_registry.geojson"), "population": groups,
                "area_column": "area"}]  # fmt: skip
    (tmp_path / "regions.json").write_text(json.dumps(regions))
    batch = geomap(
        "coverage", "batch", str(tmp_path / "regions.json"), "--services", "food",
        "--workers", "0", "-o", str(tmp_path / "batch.csv"),
        cwd=tmp_path,
    )  # fmt: skip
    assert batch.returncode == 0, batch.stderr
    with (tmp_path / "batch.csv").open() as fh:
        got = {int(r["hour"]): float(r["covered"]) for r in csv.DictReader(fh)}
    week = {int(r["hour"]): float(r["covered"]) for r in rows if r["service"] == "food"}
    assert got == week
    bad = geomap("coverage", "batch", str(tmp_path / "5w.xlsx"), "--services", "food",
                 "-o", "x.csv", cwd=tmp_path)  # fmt: skip
    assert bad.returncode == 1
    assert "regions file" in bad.stderr
