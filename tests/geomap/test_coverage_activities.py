"""5W activities: a generated table with known overlaps and gaps gives exactly those.

The table is written as CSV, XLSX and HXL-tagged CSV and read back; its monitoring report is
compared with the overlaps and gaps it was built with, its reach figures with the coverage
report's own numbers, and its HXL output is parsed and validated by ``libhxl``.
"""

from __future__ import annotations

import csv
import io
import json

import hxl
import pytest

from geomap.coverage import analyse, read_demand
from geomap.coverage.activities import band_people, sector_services
from geomap.coverage.activity_report import monitor
from geomap.coverage.fivew import (
    ActivityTableError,
    link_places,
    parse_month,
    read_activities,
    write_activities,
)
from geomap.coverage.samples import DEMO_AREAS, sample_activities, sites_of
from routing import network_from_file
from routing.safe import SafeRouter
from tests.paths import DATA, PORTO_ALEGRE_PBF

POA = DATA / "porto_alegre"
SECTORS = ["Food Security", "WASH", "Shelter"]
MONTHS = ["2026-09", "2026-10"]
OVERLAPS = {("BR4314902", "WASH", "2026-10"), ("MX01001", "Food Security", "2026-09")}
GAPS = {("MX01001", "Shelter", "2026-09"), ("BR4314902", "Food Security", "2026-10")}


@pytest.fixture(scope="module")
def table():
    return sample_activities(
        DEMO_AREAS, SECTORS, MONTHS, overlaps=OVERLAPS, gaps=GAPS,
        places={"BR4314902": ["sample-poa-06", "sample-poa-09"]},
    )  # fmt: skip


@pytest.fixture(scope="module")
def coverage():
    net = network_from_file(PORTO_ALEGRE_PBF, "walk")
    fc = json.loads((POA / "sample_registry.geojson").read_text())
    demand = read_demand(POA / "population_groups_h3.csv", area="area")
    services = sorted({c for s in SECTORS for c in sector_services(s)})
    return analyse(SafeRouter(net), sites_of(fc), services, demand, minutes=15), sites_of(fc)


@pytest.mark.parametrize(("suffix", "hxl_row"), [("csv", False), ("csv", True), ("xlsx", False)])
def test_tables_round_trip_through_csv_xlsx_and_hxl(tmp_path, table, suffix, hxl_row) -> None:
    path = write_activities(table, tmp_path / f"5w.{suffix}", hxl=hxl_row)
    back = read_activities(path)

    def key(a):
        return (a.implementing_org, a.sector, a.area, a.month, a.place_id, a.reached)

    assert [key(a) for a in back] == [key(a) for a in table]


def test_platform_headers_and_hashtags_are_recognised(tmp_path) -> None:
    text = (
        "Appealing organisation,Implementing partner,Sector,Indicator,Country,Admin1,"
        "Admin2,Admin2 Pcode,Month,Total monthly beneficiaries,"
        "Refugees and Migrants IN TRANSIT,Women under 18\n"
        'Org X,Org Y,WASH,Kits,Brazil,RS,Porto Alegre,BR4314902,Oct 2026,"1,200",300,40\n'
    )
    (tmp_path / "plain.csv").write_text(text)
    (a,) = read_activities(tmp_path / "plain.csv")
    assert (a.appealing_org, a.implementing_org, a.month) == ("Org X", "Org Y", "2026-10")
    assert a.reached == {"reached": 1200.0, "in_transit": 300.0, "female_0_17": 40.0}
    tagged = (
        "who,what,where,when,people,girls\n"
        "#org +impl,#sector,#adm2 +name,#date +month,#reached +total,#reached +children +f\n"
        "Org Z,Shelter,Aguascalientes,2026-09-15,10,4\n"
    )
    (tmp_path / "tagged.csv").write_text(tagged)
    with pytest.raises(ActivityTableError, match=r"missing 5W column.*country"):
        read_activities(tmp_path / "tagged.csv")
    (tmp_path / "tagged.csv").write_text(
        tagged.replace("who,", "country,who,").replace("#org", "#country+name,#org")
        .replace("Org Z", "Mexico,Org Z")
    )  # fmt: skip
    (b,) = read_activities(tmp_path / "tagged.csv")
    assert (b.country, b.implementing_org, b.month) == ("Mexico", "Org Z", "2026-09")
    assert b.reached == {"reached": 10.0, "female_0_17": 4.0}


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("Org,WASH,Brazil,Porto Alegre,2026-13,5", "month '2026-13' is not a month"),
        ("Org,WASH,Brazil,Porto Alegre,2026-10,-5", "reached must be a non-negative"),
        ("Org,WASH,Brazil,,2026-10,5", "row 2: admin2 is empty"),
        ("Org,WASH,Brazil,Porto Alegre,2026-10,many", "reached 'many' is not a number"),
    ],
)
def test_bad_rows_name_the_row_and_the_field(tmp_path, row, message) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("implementing_org,sector,country,admin2,month,reached\n" + row + "\n")
    with pytest.raises(ActivityTableError, match=message):
        read_activities(path)


def test_months_in_the_shapes_people_write_them() -> None:
    assert parse_month("2026-10") == parse_month("2026-10-31") == "2026-10"
    assert parse_month("10/2026") == parse_month("Oct 2026") == parse_month("dic 2026")[:5] + "10"
    assert parse_month("dic 2026") == "2026-12"


def test_overlaps_and_gaps_are_exactly_those_built_in(table, coverage) -> None:
    report, sites = coverage
    # need for both areas (the Aguascalientes need is given directly)
    need = {"BR4314902": report.demand.population.sum(), "MX01001": 1000.0}
    m = monitor(table, sites=sites, reports=[report], need=need)
    assert {(o.area, o.sector, o.month) for o in m.overlaps} == OVERLAPS
    for o in m.overlaps:
        assert len(o.organizations) == 2
    assert {(g.area, g.sector, g.month) for g in m.gaps} == GAPS
    brazil = next(o for o in m.overlaps if o.area == "BR4314902")
    assert brazil.places == ["sample-poa-06", "sample-poa-09"]
    gaps_only_where_need = monitor(table, reports=[report]).gaps
    assert {(g.area, g.sector, g.month) for g in gaps_only_where_need} == {
        ("BR4314902", "Food Security", "2026-10")
    }


def test_reached_against_people_within_walking_time(table, coverage) -> None:
    report, sites = coverage
    m = monitor(table, sites=sites, reports=[report])
    wash = {
        r.group: r
        for r in m.reach
        if (r.area, r.sector, r.month) == ("BR4314902", "WASH", "2026-09")
    }
    cols = report.services["water_sanitation"].columns
    assert wash["reached"].within_walk == pytest.approx(cols["population"]["covered"])
    assert wash["in_transit"].within_walk == pytest.approx(cols["in_transit"]["covered"])
    # 5W's women 18+ are the layer's women 18-59 and 60+
    assert wash["female_18_plus"].within_walk == pytest.approx(
        cols["female_18_59"]["covered"] + cols["female_60_plus"]["covered"]
    )
    rows = [a for a in table if (a.area, a.sector, a.month) == ("BR4314902", "WASH", "2026-09")]
    assert wash["reached"].reached == sum(a.reached["reached"] for a in rows)
    assert wash["reached"].ratio == pytest.approx(
        wash["reached"].reached / wash["reached"].within_walk
    )
    mexico = [r for r in m.reach if r.area == "MX01001"]
    assert mexico
    assert all(r.within_walk is None for r in mexico)  # no coverage report there
    assert band_people({"female_0_17": 3.0, "male_0_17": 4.0}, "male_0_17") == 4.0


def test_outputs_tidy_csv_geojson_and_hxl_validated_by_libhxl(table, coverage, tmp_path) -> None:
    report, sites = coverage
    m = monitor(table, sites=sites, reports=[report])
    paths = m.write(tmp_path)
    plain = list(csv.DictReader(io.StringIO(paths[0].read_text())))
    assert {r["kind"] for r in plain} == {"overlap", "gap", "reach"}
    assert all(r["note"] == "illustrative data, not real figures" for r in plain)
    raw = paths[1].read_bytes()
    data = hxl.data(io.BytesIO(raw))
    tags = [c.display_tag for c in data.columns]
    assert "#sector" in tags
    assert "#date+month" in tags
    assert "#adm2+code" in tags
    kinds = [r.get("#meta+kind") for r in data]
    assert len(kinds) == len(plain)
    assert set(kinds) == {"overlap", "gap", "reach"}
    problems: list[str] = []
    schema = hxl.schema(
        [
            ["#valid_tag", "#valid_required", "#valid_datatype", "#valid_value+list"],
            ["#sector", "true", "", ""],
            ["#date+month", "true", "date", ""],
            ["#adm2+code", "true", "", ""],
            ["#reached", "", "number", ""],
            ["#meta+kind", "", "", "overlap|gap|reach"],
        ],
        callback=lambda e: problems.append(str(e)),
    )
    ok = schema.validate(hxl.data(io.BytesIO(raw)))
    assert ok, problems[:5]
    # the validator does catch a bad value
    assert not schema.validate(hxl.data(io.BytesIO(raw.replace(b"\ngap,", b"\nhole,", 1))))
    assert any("hole" in p for p in problems)
    fc = json.loads(paths[2].read_text())
    assert len(fc["features"]) == len(plain)
    assert fc["meta"]["illustrative"] is True
    geoms = {f["properties"]["kind"]: f["geometry"] for f in fc["features"]}
    assert geoms["gap"]["type"] in ("Polygon", "MultiPolygon")  # the area's cells


def test_places_are_linked_by_id_or_by_name_never_guessed(table, coverage) -> None:
    _, sites = coverage
    from dataclasses import replace

    named = [
        replace(table[0], place_id="", place_name=sites[0].name.upper()),
        replace(table[1], place_id="", place_name="nowhere in particular"),
        replace(table[2], place_id=sites[1].id),
    ]
    linked = link_places(named, sites)
    assert linked == {named[0].row: sites[0], named[2].row: sites[1]}
