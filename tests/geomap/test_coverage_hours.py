"""Coverage for each hour of the week: known by construction on an ASCII street, and equal to
``analyse`` at those hours on Porto Alegre; the heat map is a real PNG / SVG."""

from __future__ import annotations

import csv
import importlib.util
import json
import sys
from pathlib import Path

import pytest

from geomap.coverage import analyse, read_demand
from geomap.coverage.hours import HOURS, hour_label, hour_time, hours_of_week
from geomap.coverage.samples import sites_of
from routing import network_from_file
from routing.safe import SafeRouter, Site
from tests.paths import DATA, PORTO_ALEGRE_PBF

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

POA = DATA / "porto_alegre"
R = {"highway": "residential"}
LINE = AsciiMap("a---b---c---d---e", {"ab": R, "bc": R, "cd": R, "de": R})
POP = [10, 20, 30, 40, 50]


def test_hours_are_a_week_from_monday() -> None:
    assert hour_time(0).weekday() == 0
    assert hour_time(0).hour == 0
    assert hour_time(167).weekday() == 6
    assert hour_time(167).hour == 23
    assert hour_label(33) == "Tu 09:00"
    with pytest.raises(ValueError, match="0-167"):
        hour_time(168)


def test_an_office_and_an_always_open_place_over_the_week(tmp_path) -> None:
    net = network_from_file(LINE.write(tmp_path / "line.osm"), "walk")
    path = tmp_path / "pop.csv"
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "lon", "lat", "population"])
        for k, p in zip("abcde", POP, strict=True):
            w.writerow([k, *LINE.lonlat(k), p])
    office = Site("office", "O", *LINE.lonlat("a"), ("food",), opening_hours="Mo-Fr 09:00-17:00")
    always = Site("always", "A", *LINE.lonlat("e"), ("food",), opening_hours="24/7")
    table = hours_of_week(SafeRouter(net), [office, always], ["food"], read_demand(path),
                          minutes=6)  # fmt: skip
    assert table.covered.shape == (1, HOURS)
    office_hours = {d * 24 + h for d in range(5) for h in range(9, 17)}
    for h in range(HOURS):
        # 6 minutes reach one block: the office covers a, b; the other place d, e
        want = (10 + 20 if h in office_hours else 0) + 40 + 50
        assert table.covered[0, h] == want, hour_label(h)
        assert table.open_places[0, h] == (2 if h in office_hours else 1)
    assert table.searches <= 4  # two sets of open places (a router for day and one for night)
    assert table.share[0].max() == pytest.approx(120 / 150)
    rows = table.rows()
    assert len(rows) == HOURS
    assert rows[9]["label"] == "Mo 09:00"
    assert rows[9]["covered"] == 120


@pytest.fixture(scope="module")
def poa_table(tmp_path_factory):
    net = network_from_file(PORTO_ALEGRE_PBF, "walk")
    sites = sites_of(json.loads((POA / "sample_registry.geojson").read_text()))
    demand = read_demand(POA / "population_groups_h3.csv", area="area")
    services = ["food", "water_sanitation", "information_orientation"]
    safe = SafeRouter(net)
    return safe, sites, demand, services, hours_of_week(safe, sites, services, demand, minutes=15)


def test_porto_alegre_hours_equal_analyse_at_those_times(poa_table) -> None:
    safe, sites, demand, services, table = poa_table
    for h in (0, 12, 33, 100, 139, 165):
        rep = analyse(safe, sites, services, demand, minutes=15, when=hour_time(h))
        for i, code in enumerate(services):
            assert table.covered[i, h] == pytest.approx(rep.services[code].shares["covered"])
            assert table.open_places[i, h] == len(rep.services[code].nodes.sites)
    assert table.searches < len(services) * HOURS / 4  # cached by the set of open places
    assert table.meta["illustrative"] is True


def test_the_heat_map_is_written_as_png_and_svg(poa_table, tmp_path) -> None:
    *_, table = poa_table
    png = table.heatmap(tmp_path / "week.png")
    svg = table.heatmap(tmp_path / "week.svg")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.stat().st_size > 5_000
    text = svg.read_text()
    assert "<svg" in text
    assert "illustrative" in text
