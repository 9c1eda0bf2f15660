"""Coverage per population group, sex and age; duplication in people.

On an ASCII street ``a-b-c-d-e`` of 400 m blocks, 6 minutes at 4.5 km/h (450 m) reaches one
block: which units (and so which people) a place covers is known by construction. On Porto
Alegre, the illustrative group layer's breakdowns must add up to the total for every service.
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

from geomap.coverage import analyse, organizations_of, read_demand
from geomap.coverage.groups import column_tags, split_classes
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
LETTERS = "abcde"
# per unit: female_18_59, male_18_59, female_0_17, male_0_17 ; in_transit, host_community
SEX_AGE = {
    "female_18_59": [4, 6, 8, 10, 12],
    "male_18_59": [3, 5, 7, 9, 11],
    "female_0_17": [1, 2, 3, 4, 5],
    "male_0_17": [2, 2, 2, 2, 2],
}
TOTALS = [sum(v[i] for v in SEX_AGE.values()) for i in range(5)]
TRANSIT = [5, 5, 10, 5, 9]


@pytest.fixture(scope="module")
def network(tmp_path_factory):
    return network_from_file(LINE.write(tmp_path_factory.mktemp("line") / "line.osm"), "walk")


@pytest.fixture
def layer(tmp_path):
    path = tmp_path / "groups.csv"
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "lon", "lat", "population", *SEX_AGE, "in_transit", "host_community"])
        for i, k in enumerate(LETTERS):
            w.writerow(
                [f"u-{k}", *LINE.lonlat(k), TOTALS[i], *(v[i] for v in SEX_AGE.values()),
                 TRANSIT[i], TOTALS[i] - TRANSIT[i]]
            )  # fmt: skip
    return read_demand(path)


def place(sid: str, letter: str, *populations: str, service: str = "food") -> Site:
    lon, lat = LINE.lonlat(letter)
    return Site(sid, sid, lon, lat, services=(service,), populations=populations or ("everyone",))


def covered(report, column: str) -> float:
    return float(report.services["food"].columns[column]["covered"])


def test_column_tags_follow_the_registry_populations() -> None:
    assert column_tags("female_18_59") == ("women",)
    assert column_tags("female_0_17") == ("women", "children_adolescents")
    assert column_tags("male_60_plus") == ("older_people",)
    assert column_tags("male_18_59") == ()
    assert column_tags("in_transit") == ()


def test_a_place_serving_only_women_changes_only_womens_coverage(network, layer) -> None:
    safe = SafeRouter(network)
    assert layer.breakdowns == {
        "group": ("in_transit", "host_community"),
        "sex_age": tuple(SEX_AGE),
    }
    base = analyse(safe, [place("A", "a")], ["food"], layer, minutes=6)
    more = analyse(safe, [place("A", "a"), place("W", "e", "women")], ["food"], layer, minutes=6)
    # A covers units a and b; W (at e) covers d and e, for women only
    for column, values in SEX_AGE.items():
        want_base = values[0] + values[1]
        assert covered(base, column) == pytest.approx(want_base)
        extra = values[3] + values[4] if column.startswith("female") else 0
        assert covered(more, column) == pytest.approx(want_base + extra)
    women_gain = sum(SEX_AGE[c][3] + SEX_AGE[c][4] for c in SEX_AGE if c.startswith("female"))
    assert covered(more, "population") - covered(base, "population") == pytest.approx(women_gain)
    # breakdowns add up to the total, before and after
    for rep in (base, more):
        total = covered(rep, "population")
        for members in layer.breakdowns.values():
            assert sum(covered(rep, c) for c in members) == pytest.approx(total)
    # the women of d and e are split over the groups in proportion (independence)
    gain = covered(more, "in_transit") - covered(base, "in_transit")
    women = [SEX_AGE["female_18_59"][i] + SEX_AGE["female_0_17"][i] for i in (3, 4)]
    want = sum(w * TRANSIT[i] / TOTALS[i] for w, i in zip(women, (3, 4), strict=True))
    assert gain == pytest.approx(want)
    # a place serving children covers only the 0-17 columns
    kids = analyse(safe, [place("K", "e", "children_adolescents")], ["food"], layer, minutes=6)
    assert covered(kids, "female_0_17") == pytest.approx(SEX_AGE["female_0_17"][3] + 5)
    assert covered(kids, "male_0_17") == pytest.approx(4)
    assert covered(kids, "female_18_59") == 0 == covered(kids, "male_18_59")


def test_the_tidy_table_has_a_row_per_unit_and_group_adding_up(network, layer) -> None:
    safe = SafeRouter(network)
    rep = analyse(safe, [place("A", "a"), place("W", "e", "women")], ["food"], layer, minutes=6)
    rows = rep.rows()
    totals = {r["group"]: r for r in rows if r["level"] == "total"}
    assert list(totals) == layer.column_names()
    units = [r for r in rows if r["level"] == "unit"]
    assert len(units) == len(LETTERS) * len(layer.column_names())
    for column, total in totals.items():
        mine = [r for r in units if r["group"] == column]
        assert sum(r["covered"] for r in mine) == pytest.approx(total["covered"])
        assert sum(r["population"] for r in mine) == pytest.approx(total["population"])
    by = {(r["id"], r["group"]): r for r in units}
    # men at e have no place for them within reach; women at e have W on the spot
    assert by["u-e", "male_18_59"]["minutes"] > 6
    assert by["u-e", "female_18_59"]["minutes"] == 0.0
    assert by["u-e", "female_18_59"]["nearest_place"] == "W"
    assert by["u-e", "population"]["nearest_place"] == "A"  # nearest serving everyone
    assert rep.totals()["food"]["covered"] == pytest.approx(totals["population"]["covered"])


def test_independent_split_of_people_over_classes() -> None:
    pop = np.array([10.0, 0.0])
    cols = {"g1": np.array([4.0, 0.0]), "g2": np.array([6.0, 0.0]),
            "female_0_17": np.array([5.0, 0.0]), "male_0_17": np.array([5.0, 0.0])}  # fmt: skip
    tags = {c: column_tags(c) for c in cols}
    classes = split_classes(pop, cols, {"g": ("g1", "g2"), "s": ("female_0_17", "male_0_17")}, tags)
    assert classes.keys[0] == frozenset()
    for c, v in cols.items():
        np.testing.assert_allclose(classes.people[c].sum(axis=1), v)
    women = classes.keys.index(frozenset({"women", "children_adolescents"}))
    assert classes.people["g1"][0, women] == pytest.approx(4 * 5 / 10)
    np.testing.assert_allclose(classes.people["population"].sum(axis=1), pop)


def test_duplication_is_counted_in_people_with_the_organizations(network, layer) -> None:
    places = [place("p1", "a"), place("p2", "b"), place("p3", "e")]
    orgs = organizations_of(
        [
            {"id": "p1", "properties": {"organizations": ["Org A"]}},
            {"id": "p2", "properties": {"organizations": ["Org B"]}},
        ]
    )
    rep = analyse(SafeRouter(network), places, ["food"], layer, minutes=6, duplicate_share=0.5,
                  organizations=orgs)  # fmt: skip
    dup = rep.services["food"].duplication
    # p1 reaches units a, b; p2 reaches a, b, c; p3 reaches d, e: a and b are covered twice
    assert dup.counts.tolist() == [2, 2, 1, 1, 1]
    assert dup.people == TOTALS[0] + TOTALS[1]
    assert dup.by_column["female_18_59"] == SEX_AGE["female_18_59"][0] + SEX_AGE["female_18_59"][1]
    (group,) = dup.groups
    assert group.site_ids == ("p1", "p2")
    assert group.people == TOTALS[0] + TOTALS[1]
    assert dup.organizations == {1: ["Org A", "Org B"]}
    pair = next(p for p in dup.pairs if {p["a"], p["b"]} == {"p1", "p2"})
    assert pair["people"] == TOTALS[0] + TOTALS[1]
    assert pair["share"] == 1.0
    feats = rep.layers()["duplicates"]["features"]
    assert {f["properties"]["people_covered_twice"] for f in feats} == {TOTALS[0] + TOTALS[1]}


@pytest.fixture(scope="module")
def poa_groups():
    net = network_from_file(PORTO_ALEGRE_PBF, "walk")
    sites = sites_of(json.loads((POA / "sample_registry.geojson").read_text()))
    demand = read_demand(POA / "population_groups_h3.csv", area="area")
    services = ["food", "water_sanitation", "psychosocial_support", "child_protection"]
    return analyse(SafeRouter(net), sites, services, demand, minutes=15), demand


def test_porto_alegre_groups_add_up_for_every_service(poa_groups) -> None:
    rep, demand = poa_groups
    with (POA / "population_hexgrid.csv").open() as fh:
        hexgrid = {r["id"]: float(r["population"]) for r in csv.DictReader(fh)}
    assert dict(zip(demand.ids, demand.population.tolist(), strict=True)) == hexgrid
    for members in demand.breakdowns.values():
        np.testing.assert_allclose(
            np.sum([demand.columns[c] for c in members], axis=0), demand.population
        )
    for code, srep in rep.services.items():
        total = srep.columns["population"]
        assert total["population"] == pytest.approx(sum(hexgrid.values()))
        for members in demand.breakdowns.values():
            assert sum(srep.columns[c]["covered"] for c in members) == pytest.approx(
                total["covered"], rel=1e-9
            ), code
            assert sum(srep.columns[c]["population"] for c in members) == pytest.approx(
                total["population"]
            )
    # the child-protection place of the sample serves children only
    child = rep.services["child_protection"].columns
    assert child["female_18_59"]["covered"] == 0 == child["male_18_59"]["covered"]
    assert child["female_0_17"]["covered"] > 0


def test_illustrative_group_data_is_flagged_in_every_output(poa_groups) -> None:
    rep, demand = poa_groups
    assert demand.meta["illustrative"] is True
    for name, fc in rep.layers().items():
        assert fc["meta"]["illustrative"] is True, name
    table = list(csv.DictReader(io.StringIO(rep.csv_text())))
    assert {r["note"] for r in table} == {"illustrative data, not real figures"}
    hxl = rep.csv_text(hxl=True).splitlines()[1].split(",")
    assert hxl[-2:] == ["#meta+group", "#meta+note"]
