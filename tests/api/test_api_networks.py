"""Many networks in one deployment: each question answered on the network that covers it.

A real server with ``GEOMAP_NETWORKS`` naming a folder with the Porto Alegre (BR) and
Aguascalientes (MX) networks, and a registry holding places in BR, MX and CO (a place in
Bogotá lies on no network served).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from geomap.registry.access import SYSTEM
from geomap.registry.store import SQLiteStore
from geomap.registry.validate import validate_place
from routing import network_from_file
from tests.api.seed import Server, assert_problem, feature
from tests.paths import AGUASCALIENTES_PBF, PORTO_ALEGRE_PBF

POA = (-51.2177, -30.0346)
AGS = (-102.2737, 21.8697)
BOGOTA = (-74.0721, 4.7110)
OCEAN = (-30.0, -30.0)

PLACES = [
    feature(-51.2190, -30.0330, "BR", fid="poa-1", name="Lugar POA 1"),
    feature(-51.2150, -30.0360, "BR", fid="poa-2", name="Lugar POA 2"),
    feature(-102.2740, 21.8700, "MX", fid="ags-1", name="Lugar AGS 1"),
    feature(-102.2720, 21.8690, "MX", fid="ags-2", name="Lugar AGS 2"),
]
ON_NO_NETWORK = feature(*BOGOTA, "CO", fid="bog-1", name="Lugar Bogota")


def _at(point: tuple[float, float]) -> str:
    return f"{point[0]},{point[1]}"


@pytest.fixture(scope="module")
def deployment(tmp_path_factory) -> Iterator[tuple[Server, Path, str]]:
    folder = tmp_path_factory.mktemp("regional")
    networks = folder / "networks"
    for pbf, ident, name, country in (
        (PORTO_ALEGRE_PBF, "porto-alegre", "Porto Alegre", "BR"),
        (AGUASCALIENTES_PBF, "aguascalientes", "Aguascalientes", "MX"),
    ):
        net = network_from_file(pbf, "walk")
        net.meta.update({"id": ident, "name": name, "countries": [country]})
        net.save(networks / f"{ident}.npz")
    db = folder / "registry.sqlite"
    store = SQLiteStore(db)
    for f in PLACES:
        store.create("places", validate_place(f), SYSTEM, "seed")
    officer = store.create_token("officer-co", "officer", ["CO"])
    store.close()
    server = Server(db, folder / "server.log", env={"GEOMAP_NETWORKS": str(networks)})
    server.start(timeout_s=120)
    try:
        yield server, db, officer
    finally:
        server.stop()


@pytest.fixture
def anon(deployment) -> Iterator[httpx.Client]:
    with deployment[0].client() as client:
        yield client


def test_networks_are_listed(anon) -> None:
    listed = {n["id"]: n for n in anon.get("/networks").json()["networks"]}
    assert set(listed) == {"porto-alegre", "aguascalientes"}
    poa = listed["porto-alegre"]
    assert poa["countries"] == ["BR"]
    assert poa["name"] == "Porto Alegre"
    w, s, e, n = poa["bbox"]
    assert w < POA[0] < e
    assert s < POA[1] < n
    assert poa["nodes"] > 10_000
    assert poa["edges"] > poa["nodes"]
    assert [t["name"] for t in poa["towns"]] == ["Porto Alegre"]
    assert listed["aguascalientes"]["towns"], "a network is offered by name without a known town"
    assert anon.get("/networks/aguascalientes").json()["countries"] == ["MX"]
    assert_problem(anon.get("/networks/nowhere"), 404)


def _names(response: httpx.Response) -> set[str]:
    assert response.status_code == 200, response.text
    return {f["properties"]["name"] for f in response.json()["features"]}


def test_each_city_answers_with_its_own_places(anon) -> None:
    assert _names(anon.get("/nearby", params={"at": _at(POA), "minutes": 30})) == {
        "Lugar POA 1",
        "Lugar POA 2",
    }
    assert _names(anon.get("/nearby", params={"at": _at(AGS), "minutes": 30})) == {
        "Lugar AGS 1",
        "Lugar AGS 2",
    }
    morning = "2026-12-02T10:00"  # a Wednesday: the answer does not depend on the clock
    help_ags = anon.get("/help", params={"at": _at(AGS), "need": "food", "time": morning}).json()
    assert help_ags["network"] == "aguascalientes"
    assert help_ags["features"][0]["properties"]["place"]["id"].startswith("ags-")


def test_a_place_on_no_network_changes_nothing_for_anyone(deployment, anon) -> None:
    server, db, officer = deployment
    questions = [
        ("/nearby", {"at": _at(POA), "minutes": 30}),
        ("/nearby", {"at": _at(AGS), "minutes": 30}),
        ("/help", {"at": _at(POA), "need": "food", "time": "2026-12-02T10:00"}),
        ("/routes/safe", {"from": _at(POA), "to": "-51.2150,-30.0360"}),
    ]
    before = [anon.get(path, params=params).json() for path, params in questions]
    store = SQLiteStore(db)
    store.create("places", validate_place(ON_NO_NETWORK), SYSTEM, "a place in Bogotá")
    store.close()
    after = [anon.get(path, params=params) for path, params in questions]
    assert [r.status_code for r in after] == [200] * len(questions)
    assert [r.json() for r in after] == before
    with server.client(officer) as client:
        unmatched = client.get("/networks/unmatched").json()["places"]
        assert [p["id"] for p in unmatched] == ["bog-1"]
        assert unmatched[0]["distance_m"] > 1_000_000
        near = client.get(f"/networks/{unmatched[0]['nearest_network']}/unmatched").json()
        assert [p["id"] for p in near["places"]] == ["bog-1"]
    assert_problem(anon.get("/networks/unmatched"), 401)


def test_the_ocean_and_a_route_between_cities_are_clear_422s(anon) -> None:
    ocean = assert_problem(anon.get("/nearby", params={"at": _at(OCEAN)}), 422, "point")
    assert "porto-alegre" in ocean["detail"]
    assert "aguascalientes" in ocean["detail"]
    between = assert_problem(
        anon.get("/routes/safe", params={"from": _at(POA), "to": _at(AGS)}), 422, "route"
    )
    assert "different networks" in between["detail"]
    assert_problem(anon.get("/stages", params={"from": _at(POA), "to": _at(AGS)}), 422, "route")
    assert_problem(anon.get("/catchments", params={"at": _at(OCEAN)}), 422, "point")


def test_the_page_offers_only_towns_with_networks(anon) -> None:
    page = anon.get("/", headers={"Accept": "text/html", "Accept-Language": "es"})
    assert page.status_code == 200
    marker = 'type="application/json"'
    config_text = page.text.split(marker, 1)[1].split(">", 1)[1].split("</script>", 1)[0]
    towns = {t["name"] for t in json.loads(config_text)["towns"]}
    assert "Porto Alegre" in towns
    assert "Aguascalientes" in towns
    assert "Cúcuta" not in towns
    assert "Bogotá" not in towns
