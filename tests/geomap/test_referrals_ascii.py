"""Referral answers on a drawn street map, answered by construction.

One street ``a-b-c-d-e`` (side streets at ``b``, ``c``, ``d``) of 100 m cells (4.5 km/h, 75 m
a minute) near Porto Alegre (Brazil). The person is at ``a``. The GBV pathway for the whole
of Brazil has two steps: the public support space at ``b`` (400 m), then the restricted safe
house at ``e`` (1600 m); its entry point is a hotline. Expected walking times come from
``AsciiMap.length``, never from the code under test.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
import shapely

from geomap.deployment import Deployment, NetworkEntry, network_info
from geomap.errors import NotFoundError
from geomap.referrals import QuestionError, ReferralDirectory, referral_answer
from geomap.registry.access import ANONYMOUS, SYSTEM, Caller
from geomap.registry.pathways import validate_pathway
from geomap.registry.store import SQLiteStore
from geomap.registry.validate import validate_place
from geomap.transit import RegistryPlaces, RegistryZones, TransitService
from routing import network_from_file
from tests.api.seed import feature
from tests.asciimap import AsciiMap

STREET = """
    f   g   h
    |   |   |
a---b---c---d---e
"""
PER_MINUTE = 75.0
MONDAY_1750 = datetime(2026, 3, 2, 17, 50)  # b (5.3 min) is open on arrival, e (21.3 min) not
SAFE_HOUSE = "Casa Refugio Zeta Nueve"
HOTLINE = {"organization": "Ligue 180", "contact": {"phone": "180"}, "hours": "24/7"}
PARTNER_BR = Caller("partner", frozenset({"BR"}), "partner-br")
PARTNER = Caller("partner", frozenset(), "partner")
OFFICER_BR = Caller("officer", frozenset({"BR"}), "officer-br")
OFFICER_CO = Caller("officer", frozenset({"CO"}), "officer-co")


def pathway(fid: str, steps: list[dict], *, visibility: str = "restricted", geometry=None,
            need: str = "gbv_case_management", entry_points=None, **extra) -> dict:  # fmt: skip
    return {
        "type": "Feature",
        "id": fid,
        "geometry": geometry,
        "properties": {
            "name": {"es": f"Ruta {fid}"},
            "need": need,
            "country": "BR",
            "steps": steps,
            "entry_points": [HOTLINE] if entry_points is None else entry_points,
            "visibility": visibility,
            **extra,
        },
    }


FIRST = {"id": "first", "place": "b-space", "consent": "verbal", "visibility": "public"}
SAFE = {"id": "safe-house", "place": "e-house", "consent": "written", "visibility": "restricted"}


@pytest.fixture(scope="module")
def street(tmp_path_factory) -> tuple[AsciiMap, Path]:
    road = {"highway": "residential"}
    m = AsciiMap(STREET, {"abcde": road, "fb": road, "gc": road, "hd": road})
    folder = tmp_path_factory.mktemp("street")
    return m, m.write(folder / "street.osm")


def open_world(folder: Path, street, pathways: list[dict]) -> tuple[Deployment, ReferralDirectory]:
    m, osm = street
    store = SQLiteStore(folder / "registry.sqlite")
    places = [
        feature(*m.lonlat("b"), fid="b-space", name="Espaço Bê"),
        feature(*m.lonlat("e"), fid="e-house", name=SAFE_HOUSE, visibility="restricted",
                services=("overnight_shelter", "protection_gbv_referral")),
    ]  # fmt: skip
    for f in places:
        store.create("places", validate_place(f), SYSTEM, "test")
    for f in pathways:
        store.create("referral_pathways", validate_pathway(f), SYSTEM, "test")
    network = network_from_file(osm, "walk")
    service = TransitService(network, RegistryPlaces(store), RegistryZones(store),
                             network_id="street")  # fmt: skip
    deployment = Deployment([NetworkEntry("street", service, network_info("street", network, []))])
    return deployment, ReferralDirectory(store)


@pytest.fixture
def world(tmp_path, street):
    return open_world(tmp_path, street, [pathway("br-gbv", [FIRST, SAFE])])


def ask(world, caller: Caller, street, **kw) -> dict:
    m, _ = street
    kw.setdefault("at", m.lonlat("a"))
    kw.setdefault("need", "gbv_case_management")
    kw.setdefault("when", MONDAY_1750)
    return referral_answer(*world, caller, **kw)


def steps(answer: dict) -> list[dict]:
    return [f["properties"] for f in answer["features"] if f["properties"]["role"] == "step"]


def entries(answer: dict) -> list[dict]:
    return [f["properties"] for f in answer["features"] if f["properties"]["role"] == "entry_point"]


def test_the_public_gets_the_first_step_and_the_hotline_never_the_safe_house(world, street):
    m, _ = street
    answer = ask(world, ANONYMOUS, street)
    shown = steps(answer)
    assert [s["step"] for s in shown] == [1]
    assert shown[0]["place"]["id"] == "b-space"
    assert shown[0]["walking_minutes"] == pytest.approx(m.length("ab") / PER_MINUTE, abs=0.01)
    assert shown[0]["open_on_arrival"] is True
    assert [e["organization"] for e in entries(answer)] == ["Ligue 180"]
    assert entries(answer)[0]["open_on_arrival"] is True  # 24/7
    assert answer["pathway"] is None  # the record is restricted: not even its name
    text = json.dumps(answer)
    lon = m.lonlat("e")[0]  # every node of the street shares its latitude
    for secret in (SAFE_HOUSE, "e-house", "safe-house", f"{lon}", "written"):
        assert secret not in text


def test_the_hidden_step_changes_nothing_the_public_sees(world, street, tmp_path) -> None:
    without = open_world(tmp_path / "other", street, [pathway("br-gbv", [FIRST])])
    for caller in (ANONYMOUS, PARTNER, OFFICER_CO):
        assert ask(world, caller, street) == ask(without, caller, street)


def test_a_partner_of_brazil_gets_both_steps_with_walking_times(world, street) -> None:
    m, _ = street
    shown = steps(ask(world, PARTNER_BR, street))
    assert [(s["step"], s["id"]) for s in shown] == [(1, "first"), (2, "safe-house")]
    safe = shown[1]
    assert safe["walking_minutes"] == pytest.approx(m.length("abcde") / PER_MINUTE, abs=0.01)
    assert safe["open_on_arrival"] is False  # 18:11 on arrival: closed at 18:00
    assert safe["consent"] == "written"
    assert safe["place"]["name"]["es"] == SAFE_HOUSE
    assert "id" not in safe["place"]  # a partner may not see the place in the registry
    answer = ask(world, PARTNER_BR, street)
    assert answer["features"][1]["geometry"] is None
    assert f"{m.lonlat('e')[0]}" not in json.dumps(answer)


def test_an_officer_of_brazil_sees_the_safe_house_where_it_is(world, street) -> None:
    m, _ = street
    answer = ask(world, OFFICER_BR, street)
    assert [s["id"] for s in steps(answer)] == ["first", "safe-house"]
    assert answer["features"][1]["geometry"]["coordinates"] == list(m.lonlat("e"))
    assert steps(answer)[1]["place"]["id"] == "e-house"
    assert answer["pathway"]["id"] == "br-gbv"


def test_from_a_place_the_person_is_already_at_the_first_step(world, street) -> None:
    m, _ = street
    shown = steps(ask(world, PARTNER_BR, street, at=None, from_place="b-space"))
    assert shown[0]["here"] is True
    assert shown[0]["walking_minutes"] == pytest.approx(0.0, abs=0.01)
    assert shown[1]["walking_minutes"] == pytest.approx(m.length("bcde") / PER_MINUTE, abs=0.01)


def test_a_hidden_place_to_start_from_is_not_found_like_a_missing_one(world, street) -> None:
    errors = []
    for fid in ("e-house", "never-was"):
        with pytest.raises(NotFoundError) as caught:
            ask(world, ANONYMOUS, street, at=None, from_place=fid)
        errors.append(str(caught.value).replace(fid, "ID"))
    assert errors[0] == errors[1]


def test_bad_questions_say_what_is_wrong(world, street) -> None:
    with pytest.raises(QuestionError, match="unknown need 'food'; known: gbv_case_management"):
        ask(world, ANONYMOUS, street, need="food")
    with pytest.raises(QuestionError, match="either at=LON,LAT or from_place=ID"):
        ask(world, ANONYMOUS, street, from_place="b-space")


def test_no_pathway_for_a_need_is_an_empty_answer(world, street) -> None:
    answer = ask(world, OFFICER_BR, street, need="legal_aid")
    assert answer["found"] is False
    assert answer["features"] == []


def test_the_most_specific_pathway_the_caller_can_see_wins(tmp_path, street) -> None:
    m, _ = street
    around = shapely.geometry.mapping(shapely.Point(m.lonlat("a")).buffer(0.01))
    around = json.loads(json.dumps(around))
    local_only_hidden = pathway("br-local", [SAFE], geometry=around, entry_points=[])
    network_wide = pathway("br-net", [FIRST], visibility="public", area={"network": "street"})
    country = pathway("br-all", [dict(FIRST, id="country-first")], visibility="public")
    world = open_world(tmp_path, street, [country, network_wide, local_only_hidden])
    assert ask(world, OFFICER_BR, street)["pathway"]["id"] == "br-local"
    # the public sees nothing of br-local: it is passed over, the network's pathway answers
    public = ask(world, ANONYMOUS, street)
    assert public["pathway"]["id"] == "br-net"
    assert public == ask(open_world(tmp_path / "b", street, [country, network_wide]),
                         ANONYMOUS, street)  # fmt: skip
    far = (m.lonlat("a")[0] + 0.5, m.lonlat("a")[1])  # in Brazil, on no network
    answer = ask(world, ANONYMOUS, street, at=far)
    assert answer["pathway"]["id"] == "br-all"
    assert answer["network"] is None
    assert steps(answer)[0]["walking_minutes"] is None


def test_suspended_and_expired_pathways_are_not_in_force(tmp_path, street) -> None:
    world = open_world(tmp_path, street, [
        pathway("br-old", [FIRST], visibility="public", valid_until="2025-12-31"),
        pathway("br-off", [FIRST], visibility="public", status="suspended"),
    ])  # fmt: skip
    assert ask(world, ANONYMOUS, street)["found"] is False
