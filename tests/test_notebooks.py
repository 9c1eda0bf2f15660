"""Execute the analyst notebooks and check the numbers they report."""

from __future__ import annotations

import csv
import itertools
import json
import math
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.paths import DATA, LANDMARKS, PORTO_ALEGRE_PBF, ROOT

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
kernelspec = pytest.importorskip("ipykernel.kernelspec")

NOTEBOOKS = ROOT / "notebooks"
PORTO_ALEGRE = DATA / "porto_alegre"
KERNEL = "python3"

pytestmark = [
    pytest.mark.slow,
    # noise from the Jupyter/ZMQ machinery, not from the project
    pytest.mark.filterwarnings("ignore::DeprecationWarning:jupyter_client.*"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning:jupyter_core.*"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning:zmq.*"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning:nbclient.*"),
    pytest.mark.filterwarnings("ignore:.*Proactor event loop.*:RuntimeWarning"),
]


@pytest.fixture(scope="module")
def kernel_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A ``python3`` kernel spec running this interpreter, found first on JUPYTER_PATH.

    Works on a fresh machine with no kernel registered, and never runs the notebooks in
    another Python that lacks the project.
    """
    root = tmp_path_factory.mktemp("jupyter")
    kernelspec.write_kernel_spec(path=root / "kernels" / KERNEL)
    spec = json.loads((root / "kernels" / KERNEL / "kernel.json").read_text())
    assert spec["argv"][0] == sys.executable
    return root


def run_notebook(name: str, kernel_dir: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Execute ``notebooks/<name>`` in its folder; the JSON printed by its last cell."""
    monkeypatch.setenv("JUPYTER_PATH", str(kernel_dir))
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), (
        f"{name} is committed with outputs; clear them before saving"
    )
    client = nbclient.NotebookClient(
        nb, timeout=300, kernel_name=KERNEL, resources={"metadata": {"path": str(NOTEBOOKS)}}
    )
    client.execute()
    assert sum(c.cell_type == "markdown" for c in nb.cells) >= 5, "each step needs prose"
    last = [c for c in nb.cells if c.cell_type == "code"][-1]
    text = "".join(o.get("text", "") for o in last.outputs if o.output_type == "stream")
    return json.loads(text.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def safe_inputs() -> tuple[Any, list[Any], dict[str, Any]]:
    """Network, public places and risk zones, built independently of the notebooks."""
    from geomap.registry.risk import cost_zone
    from geomap.transit import site_from_properties
    from routing import network_from_file
    from routing.safe import SafeRouter

    net = network_from_file(PORTO_ALEGRE_PBF)
    registry = json.loads((PORTO_ALEGRE / "sample_registry.geojson").read_text("utf-8"))
    sites = [
        site_from_properties(str(f["id"]), f["properties"], *f["geometry"]["coordinates"])
        for f in registry["features"]
        if f["properties"].get("visibility") == "public"
    ]
    zone_fc = json.loads((PORTO_ALEGRE / "sample_risk_zones.geojson").read_text("utf-8"))
    zones = [cost_zone(str(f["id"]), f["properties"], f["geometry"]) for f in zone_fc["features"]]
    return SafeRouter(net, zones=zones, layer_version=1), sites, registry


def test_coverage_gaps_notebook(
    kernel_dir: Path, monkeypatch: pytest.MonkeyPatch, safe_inputs: Any
) -> None:
    from geomap.coverage import analyse, read_demand

    summary = run_notebook("coverage_gaps.ipynb", kernel_dir, monkeypatch)
    safe, sites, _ = safe_inputs

    with (PORTO_ALEGRE / "population_hexgrid.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert summary["cells"] == len(rows)
    assert summary["population"] == sum(float(r["population"]) for r in rows)

    demand = read_demand(PORTO_ALEGRE / "population_hexgrid.csv")
    services = list(summary["services"])
    assert len(services) >= 3
    again = analyse(safe, sites, services, demand, minutes=summary["minutes"])
    for code, got in summary["services"].items():
        assert 0.0 <= got["share"] <= 1.0
        assert got["share"] == pytest.approx(got["covered"] / summary["population"])
        rep = again.services[code]
        assert got["places"] == len(rep.nodes.sites) > 0
        assert got["covered"] == pytest.approx(rep.shares["covered"])
        assert got["share"] == pytest.approx(rep.shares["share"])
        # independently: people in cells whose walking time is within the threshold
        within = sum(
            float(r["population"])
            for r, s in zip(rows, rep.demand.seconds.tolist(), strict=True)
            if s <= summary["minutes"] * 60.0
        )
        assert got["covered"] == pytest.approx(within)

    for code, a, b, share in summary["duplications"]:
        assert code in services
        assert a != b
        assert 0.5 < share <= 1.0
    assert summary["duplications"], "the sample has overlapping places"

    gains = [s["gain"] for s in summary["suggestions"]]
    assert [s["rank"] for s in summary["suggestions"]] == [1, 2, 3]
    assert all(g > 0 for g in gains)
    assert gains == sorted(gains, reverse=True)
    assert summary["suggestions"][-1]["cumulative"] == pytest.approx(sum(gains))
    water = summary["services"]["water_sanitation"]
    assert water["covered"] + sum(gains) <= summary["population"]

    for code, night_share in summary["sunday_night"].items():
        assert 0.0 <= night_share <= summary["services"][code]["share"] + 1e-12


def test_corridor_stages_notebook(
    kernel_dir: Path, monkeypatch: pytest.MonkeyPatch, safe_inputs: Any
) -> None:
    summary = run_notebook("corridor_stages.ipynb", kernel_dir, monkeypatch)
    safe, _, _ = safe_inputs

    with LANDMARKS.open(encoding="utf-8", newline="") as fh:
        landmarks = {r["id"]: (float(r["lon"]), float(r["lat"])) for r in csv.DictReader(fh)}
    a, b = landmarks[summary["origin"]], landmarks[summary["destination"]]
    answer = safe.safe_route(a, b)
    route_m = answer.routes[0].route.length_m
    assert summary["route_m"] == pytest.approx(route_m)
    assert summary["shortest_m"] == pytest.approx(safe.plain.route(a, b).length_m)
    assert summary["shortest_m"] <= summary["route_m"]
    assert summary["staged_route_m"] == pytest.approx(route_m)
    assert 0.0 <= summary["in_zones_m"] <= route_m

    stages = summary["stages"]
    assert stages[0]["from_km"] == 0.0
    assert stages[-1]["to_km"] == pytest.approx(route_m / 1000.0, abs=1e-3)
    assert stages[-1]["shelter"] is None  # the last day ends at the destination
    assert [s["day"] for s in stages] == list(range(1, len(stages) + 1))
    for prev, nxt in itertools.pairwise(stages):
        assert nxt["from_km"] == prev["to_km"]
    for s in stages:
        assert 0.0 < s["to_km"] - s["from_km"] <= summary["max_km"] + 1e-3
    assert len(stages) >= math.ceil(route_m / 1000.0 / summary["max_km"])
    # few sample shelters: at least one stretch has no shelter within reach
    assert summary["stage_gaps"]
    for g in summary["stage_gaps"]:
        assert g["length_km"] > summary["max_km"]

    marks = [km for gap in summary["water_gaps"] for km in gap]
    assert marks == sorted(marks)
    assert all(end - start > 1.0 for start, end in summary["water_gaps"])
    assert marks[0] >= 0.0
    assert marks[-1] <= route_m / 1000.0 + 1e-6


def test_regional_coverage_notebook(kernel_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two networks, groups, 5W, exact vs greedy and the week, recomputed independently.

    Coverage per sex/age column is recomputed with the engine directly (the places that serve
    each column, routing's unit times, people within the threshold); overlaps and gaps from the
    5W file the notebook wrote, with the csv module; the exact choice by opening its sites.
    """
    import numpy as np

    from geomap.coverage import read_demand
    from geomap.coverage.groups import column_tags, serves
    from geomap.coverage.hours import hour_time
    from geomap.coverage.samples import sites_of
    from routing import network_from_file
    from routing.coverage import Coverage, offering
    from routing.safe import SafeRouter, Site
    from tests.paths import AGUASCALIENTES_PBF

    summary = run_notebook("regional_coverage.ipynb", kernel_dir, monkeypatch)
    assert summary["illustrative"] is True
    minutes = summary["minutes"]
    inputs = {
        "porto_alegre": (PORTO_ALEGRE_PBF, DATA / "porto_alegre", "population_groups_h3.csv"),
        "aguascalientes": (AGUASCALIENTES_PBF, DATA / "aguascalientes", "sample_population_h3.csv"),
    }
    engines = {}

    def covered(name: str, places: list[Any], code: str, when: Any = None) -> dict[str, float]:
        """People of every sex/age column within reach of a place serving them."""
        _, _, demand, cov, units = engines[name]
        chosen = offering(places, code, when=when)
        out = {}
        for column in demand.breakdowns["sex_age"]:
            mine = [s for s in chosen if serves(s, column_tags(column))]
            secs = cov.demand_times(cov.service(mine, code, when=when), units=units).seconds
            out[column] = float(demand.columns[column][secs <= minutes * 60].sum())
        return out

    for name, (pbf, folder, people) in inputs.items():
        net = network_from_file(pbf, "walk")
        sites = sites_of(json.loads((folder / "sample_registry.geojson").read_text("utf-8")))
        demand = read_demand(folder / people, area="area")
        cov = Coverage(SafeRouter(net))
        engines[name] = (net, sites, demand, cov, cov.place_units(demand.points))
        for code, columns in summary["coverage"][name].items():
            want = covered(name, sites, code)
            for column, people_in in want.items():
                assert columns[column][1] == pytest.approx(people_in), (name, code, column)
            total = sum(want.values())
            assert columns["population"][1] == pytest.approx(total)
            groups = sum(columns[g][1] for g in demand.breakdowns["group"])
            assert groups == pytest.approx(total)
            assert columns["population"][0] == pytest.approx(demand.population.sum())

    # 5W: overlaps and gaps from the file itself
    with open(summary["fivew_path"], encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    head, data = rows[0], rows[2:]  # second row: HXL hashtags
    assert rows[1][head.index("sector")] == "#sector"
    cells: dict[tuple[str, str, str], set[str]] = {}
    for r in data:
        rec = dict(zip(head, r, strict=True))
        key = (rec["admin2_pcode"], rec["sector"], rec["month"])
        cells.setdefault(key, set()).add(rec["implementing_org"])
    overlaps = sorted([*k, sorted(v)] for k, v in cells.items() if len(v) >= 2)
    assert summary["overlaps"] == overlaps
    areas = {a for _, _, d, _, _ in engines.values() for a in d.areas}
    sectors = {k[1] for k in cells}
    months = {k[2] for k in cells}
    want_gaps = sorted(
        [a, s, m] for a in areas for s in sectors for m in months if (a, s, m) not in cells
    )
    assert summary["gaps"] == want_gaps
    assert want_gaps, "the notebook's table has a gap"
    for area, sector, month, group, reached, _ in summary["reach"]:
        got = sum(
            float(dict(zip(head, r, strict=True))[group] or 0)
            for r in data
            if (r[head.index("admin2_pcode")], r[head.index("sector")], r[head.index("month")])
            == (area, sector, month)
        )
        assert reached == pytest.approx(got)

    # exact vs greedy: open the chosen sites (serving everyone) and count again
    for name, ex in summary["exact"].items():
        net, sites, *_ = engines[name]
        assert ex["exact"] >= ex["greedy"] - 1e-9
        before = sum(covered(name, sites, "water_sanitation").values())
        for key, claimed in (("candidates", ex["exact"]), ("greedy_candidates", ex["greedy"])):
            new = [
                Site(
                    f"n{i}",
                    "n",
                    float(net.node_lon[n]),
                    float(net.node_lat[n]),
                    ("water_sanitation",),
                )
                for i, n in enumerate(ex[key])
            ]
            after = sum(covered(name, [*sites, *new], "water_sanitation").values())
            assert after - before == pytest.approx(claimed)
    assert summary["shelters"]["exact"] >= summary["shelters"]["greedy"] - 1e-9

    # the week: a few hours recomputed; the batch gives the same numbers
    sites = engines["porto_alegre"][1]
    week = np.array(summary["week"]["covered"])
    for h in (0, 33, 90, 140):
        for i, code in enumerate(summary["week"]["services"]):
            total = sum(covered("porto_alegre", sites, code, when=hour_time(h)).values())
            assert week[i, h] == pytest.approx(total), (code, h)
    for i, code in enumerate(summary["week"]["services"]):
        assert summary["batch"][f"porto_alegre|{code}"] == pytest.approx(week[i].tolist())
