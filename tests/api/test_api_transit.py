"""The routing endpoints (safe routes, nearby, help, catchments, stages) on a real server
with the Porto Alegre network, the sample registry and the sample risk layer."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import shapely

from geomap.registry.access import SYSTEM
from geomap.registry.risk import cost_zone, validate_risk_collection, validate_risk_zone
from geomap.registry.store import SQLiteStore
from geomap.registry.validate import validate_collection, validate_place
from routing import network_from_file
from tests.api.seed import Server, assert_problem
from tests.paths import DATA, PORTO_ALEGRE_PBF

SAMPLE = json.loads((DATA / "porto_alegre" / "sample_registry.geojson").read_text())
POPULATION = DATA / "porto_alegre" / "population_hexgrid.csv"
ZONES = json.loads((DATA / "porto_alegre" / "sample_risk_zones.geojson").read_text())
A = "-51.2300,-30.0300"
B = "-51.2000,-30.0300"
SECRET_PLACE = (-51.22851, -30.03052)  # right beside the route from A to B
SECRET_ZONE = "hidden-zone-x"
NETWORKS: list = []  # the saved network of the module's server


@pytest.fixture(scope="module")
def transit_server(tmp_path_factory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("transit")
    network = network_from_file(PORTO_ALEGRE_PBF, "walk").save(folder / "poa.npz")
    NETWORKS.append(network)
    store = SQLiteStore(folder / "registry.sqlite")
    store.import_places("places", validate_collection(SAMPLE), SYSTEM, "sample")
    store.import_places("risk_zones", validate_risk_collection(ZONES), SYSTEM, "sample")
    secret = {
        "type": "Feature",
        "id": "secret-house",
        "geometry": {"type": "Point", "coordinates": list(SECRET_PLACE)},
        "properties": {
            "kind": "support_space",
            "name": {"es": "Casa Secreta Xyz"},
            "organizations": ["Org"],
            "country": "BR",
            "services": ["overnight_shelter", "food"],
            "opening_hours": "24/7",
            "visibility": "restricted",
        },
    }
    store.create("places", validate_place(secret), SYSTEM, "test")
    box = shapely.box(-51.2110, -30.0330, -51.2090, -30.0270)
    zone = {
        "type": "Feature",
        "id": SECRET_ZONE,
        "geometry": shapely.geometry.mapping(box),
        "properties": {
            "name": "Hidden",
            "country": "BR",
            "risk_type": "armed_groups",
            "level": "avoid",
            "visibility": "restricted",
        },
    }
    zone["geometry"] = json.loads(json.dumps(zone["geometry"]))
    store.create("risk_zones", validate_risk_zone(zone), SYSTEM, "test")
    store.close()
    running = Server(
        folder / "registry.sqlite",
        folder / "server.log",
        env={"GEOMAP_NETWORK": str(network), "GEOMAP_POPULATION": str(POPULATION)},
    )
    running.start(timeout_s=120)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def anon(transit_server) -> Iterator:
    with transit_server.client() as client:
        yield client


def test_safe_route_with_shortest_and_comparison(anon) -> None:
    r = anon.get("/routes/safe", params={"from": A, "to": B, "alternatives": 2})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["safeRouteFound"] is True
    roles = [f["properties"]["role"] for f in body["features"]]
    assert roles[0] == "safe"
    assert roles[-1] == "shortest"
    best, shortest = body["features"][0]["properties"], body["features"][-1]["properties"]
    assert best["exposure"]["by_level_m"]["high"] < shortest["exposure"]["by_level_m"]["high"]
    assert body["comparison"]["extra_length_m"] == pytest.approx(
        best["length_m"] - shortest["length_m"], abs=0.2
    )
    text = r.text
    assert "secret-house" not in text
    assert "Casa Secreta" not in text
    assert SECRET_ZONE not in text


def test_no_safe_route_offers_the_least_risk_route_marked(anon) -> None:
    inside_avoid = "-51.2030,-30.0390"  # in the sample avoid zone
    body = anon.get("/routes/safe", params={"from": inside_avoid, "to": A}).json()
    assert body["safeRouteFound"] is False
    assert "avoid" in body["message"]
    [least] = body["features"]
    assert least["properties"]["role"] == "least_risk_crossing_avoid_zones"
    assert least["properties"]["crosses_avoid_zones"] is True
    assert least["properties"]["exposure"]["avoid_zones_crossed"] == ["sample-risk-01"]


def test_nearby_is_sorted_by_walking_time_and_hides_restricted_places(anon) -> None:
    body = anon.get("/nearby", params={"at": A, "minutes": 15}).json()
    minutes = [f["properties"]["walking_minutes"] for f in body["features"]]
    assert minutes == sorted(minutes)
    assert minutes
    assert all(m <= 15 for m in minutes)
    assert "secret-house" not in {f["id"] for f in body["features"]}
    only_food = anon.get("/nearby", params={"at": A, "minutes": 60, "service": "food"}).json()
    assert all("food" in f["properties"]["services"] for f in only_food["features"])


def test_help_checks_opening_hours_on_arrival(anon) -> None:
    noon = anon.get("/help", params={"at": A, "need": "food", "time": "2026-11-23T13:00"})
    place = noon.json()["features"][0]["properties"]["place"]
    assert place["id"] == "sample-poa-06"  # the kitchen, open 11:30-14:00
    night = anon.get("/help", params={"at": A, "need": "food", "time": "2026-11-23T21:00"})
    assert night.json()["features"][0]["properties"]["place"]["id"] == "sample-poa-09"


def test_catchments_grow_with_time(anon) -> None:
    body = anon.get("/catchments", params={"at": A, "minutes": "5,10,15"}).json()
    areas = [shapely.geometry.shape(f["geometry"]) for f in body["features"]]
    assert [f["properties"]["minutes"] for f in body["features"]] == [5, 10, 15]
    assert areas[0].area < areas[1].area < areas[2].area
    assert areas[2].contains(areas[0].representative_point())


def test_stages(anon) -> None:
    body = anon.get("/stages", params={"from": "-51.24,-30.10", "to": B, "max_km": 4}).json()
    assert body["stages"]
    assert body["stages"][-1]["to_km"] == pytest.approx(
        body["features"][0]["properties"]["length_m"] / 1000, abs=0.01
    )


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"at": "-40,-30"}, 422, "point"),
        ({"at": "abc"}, 400, "query.at"),
        ({"at": A, "time": "tomorrow"}, 400, "query.time"),
        ({"at": A, "minutes": "0"}, 400, None),
        ({"at": A, "whatever": "1"}, 400, "query.whatever"),
        ({"at": "nan,nan"}, 400, "query.at"),
        ({"at": "-200,10"}, 400, "query.at"),
    ],
)
def test_bad_requests_get_problems(anon, params, status, field) -> None:
    assert_problem(anon.get("/nearby", params=params), status, field)


def test_without_a_network_routing_answers_503(anonymous) -> None:
    body = assert_problem(anonymous.get("/nearby", params={"at": A}), 503)
    assert "no walking network" in body["detail"]


def test_100_requests_leave_no_coordinate_address_or_agent_anywhere(transit_server) -> None:
    """100 requests carrying a sentinel coordinate and user agent, then every file the server
    writes (its log, the registry database and its WAL) is searched: zero hits."""
    lon, lat = "-51.2261234", "-30.0301234"
    agent = "Sentinel-UA-42"
    at = f"{lon},{lat}"
    requests = [
        ("/nearby", {"at": at}),
        ("/routes/safe", {"from": at, "to": B}),
        ("/help", {"at": at, "need": "food", "time": "2026-11-23T13:00"}),
        ("/catchments", {"at": at, "minutes": "5"}),
        ("/", {"lang": "pt"}),
    ]
    with transit_server.client() as client:
        for i in range(100):
            path, params = requests[i % len(requests)]
            response = client.get(path, params=params, headers={"User-Agent": agent})
            assert response.status_code == 200
    folder = transit_server.db.parent
    searched = [transit_server.log, *folder.glob("registry.sqlite*")]
    assert len(searched) >= 2
    for path in searched:
        data = path.read_bytes()
        for needle in (lon[1:].encode(), lat[1:].encode(), agent.encode()):
            assert needle not in data, f"{needle!r} found in {path.name}"
    log = transit_server.log.read_text()
    assert "127.0.0.1:" not in log.replace(transit_server.url, "")


def test_route_via_chosen_places(anon) -> None:
    via = "-51.2203,-30.0334"
    body = anon.get("/routes/safe", params={"from": A, "to": B, "via": via}).json()
    legs = body["features"]
    assert [f["properties"]["leg"] for f in legs] == [1, 2]
    assert body["total_length_m"] == pytest.approx(
        sum(f["properties"]["length_m"] for f in legs), abs=0.5
    )
    first_end = legs[0]["geometry"]["coordinates"][-1]
    second_start = legs[1]["geometry"]["coordinates"][0]
    assert first_end == second_start
    assert_problem(
        anon.get("/routes/safe", params={"from": A, "to": B, "via": "x"}), 400, "query.via"
    )


def test_coverage_counts_public_places_only(anon) -> None:
    """Anonymous coverage equals the library's from the public places: the restricted shelter
    (which offers food right in the centre) changes nothing a stranger can see."""
    import csv

    from geomap.coverage import analyse, read_demand
    from geomap.transit import site_from_properties
    from routing import Network
    from routing.safe import SafeRouter

    body = anon.get("/coverage", params={"service": "food,water_sanitation", "minutes": 15})
    assert body.status_code == 200, body.text
    data = body.json()
    with POPULATION.open(encoding="utf-8") as fh:
        people = sum(float(r["population"]) for r in csv.DictReader(fh))
    assert data["totals"]["food"]["population"] == pytest.approx(people)
    assert len(data["features"]) == 1227
    public = [
        site_from_properties(f["id"], f["properties"], *f["geometry"]["coordinates"])
        for f in SAMPLE["features"]
        if f["properties"]["visibility"] == "public"
    ]
    zones = [cost_zone(z.id, z.properties, z.shape) for z in validate_risk_collection(ZONES)]
    network = Network.load(next(iter(NETWORKS)))
    report = analyse(
        SafeRouter(network, zones=zones, layer_version=1), public, ["food"],
        read_demand(POPULATION), minutes=15,
    )  # fmt: skip
    total = next(r for r in report.rows() if r["level"] == "total")
    assert data["totals"]["food"]["covered"] == pytest.approx(total["covered"], rel=1e-9)
    assert 0 < data["totals"]["food"]["share"] < 1
    hxl = anon.get("/coverage", params={"service": "food", "f": "hxl"})
    assert hxl.headers["content-type"].startswith("text/csv")
    assert "#" in hxl.text.splitlines()[1]
    assert_problem(anon.get("/coverage", params={"service": "pizza"}), 400, "query.service")
