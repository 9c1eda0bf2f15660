"""Walking directions in words, from real routes on drawn maps whose turns are known."""

from __future__ import annotations

import pytest

from geomap import directions
from routing import network_from_file
from routing.router import Router
from tests.asciimap import AsciiMap

MAP = """
a---b---c
        |
        d---e
        |
        f
"""
WAYS = {
    "abc": {"highway": "residential", "name": "Avenida Uno"},
    "cd": {"highway": "residential", "name": "Rua Dois"},
    "de": {"highway": "residential", "name": "Rua Tres"},
    "df": {"highway": "footway"},
}


@pytest.fixture(scope="module")
def drawn(tmp_path_factory):
    m = AsciiMap(MAP, WAYS)
    path = m.write(tmp_path_factory.mktemp("directions") / "map.osm")
    return m, Router(network_from_file(path, "walk"))


def route_feature(drawn, start: str, end: str):
    m, router = drawn
    return router.route(m.lonlat(start), m.lonlat(end)).to_geojson()


def test_turns_follow_the_drawing(drawn) -> None:
    m, _ = drawn
    feature = route_feature(drawn, "a", "e")
    turns = directions.steps(feature["geometry"]["coordinates"], feature["properties"]["steps"])
    # east along Avenida Uno, right (south) into Rua Dois, left (east) into Rua Tres
    assert [(t["turn"], t["name"]) for t in turns] == [
        ("start", "Avenida Uno"),
        ("right", "Rua Dois"),
        ("left", "Rua Tres"),
    ]
    assert [t["length_m"] for t in turns] == pytest.approx(
        [m.length("abc"), m.length("cd"), m.length("de")], abs=0.5
    )
    back = route_feature(drawn, "e", "a")
    turns = directions.steps(back["geometry"]["coordinates"], back["properties"]["steps"])
    assert [t["turn"] for t in turns] == ["start", "right", "left"]


def test_text_in_three_languages_is_short_and_numbered(drawn) -> None:
    feature = route_feature(drawn, "a", "f")
    props = feature["properties"]
    turns = directions.steps(feature["geometry"]["coordinates"], props["steps"])
    assert turns[-1]["turn"] == "straight"  # from Rua Dois straight on along the footpath
    es = directions.text(turns, lang="es", length_m=props["length_m"], minutes=9.4)
    lines = es.split("\n")
    assert lines[0] == "1,2 km a pie, unos 9 min."
    assert lines[1] == "1. Sal por Avenida Uno (800 m)"
    assert lines[2] == "2. Gira a la derecha en Rua Dois (200 m)"
    assert lines[3] == "3. Sigue recto por un camino peatonal (200 m)"
    assert lines[4] == "4. Llegas a tu destino"
    pt = directions.text(turns, lang="pt", length_m=1520.0, minutes=0.4, place="Abrigo")
    assert pt.startswith("1,5 km a pé, 1 min.")
    assert pt.endswith("Chegada: Abrigo")
    en = directions.text(turns, lang="en", length_m=props["length_m"], minutes=9.4)
    assert "Turn right onto Rua Dois" in en
    assert len(es) < 320  # fits an SMS-sized message for a short walk


def test_risk_sentence_from_the_exposure() -> None:
    safe = {"exposure": {"by_level_m": {"avoid": 0, "high": 22.0, "medium": 0, "low": 0}}}
    short = {"exposure": {"by_level_m": {"avoid": 0, "high": 212.0, "medium": 40, "low": 0}}}
    text = directions.risk_summary(
        safe, lang="es", shortest=short, comparison={"extra_minutes": 3.2}
    )
    assert text == (
        "Evita 190 m de zona de riesgo alto; 3 min más que la más corta. "
        "Atención: pasa 22 m por zona de riesgo alto."
    )
    plain = directions.risk_summary(short, lang="en")
    assert plain == "Warning: goes 210 m through a high risk zone."
    crossing = {"exposure": {"by_level_m": {"avoid": 80.0}}}
    pt = directions.risk_summary(crossing, lang="pt", safe_found=False, night=True)
    assert pt.startswith("Atenção: nenhuma rota evita")
    assert "80 m" in pt
    assert "À noite" in pt
    assert directions.risk_summary({"exposure": {"by_level_m": {}}}, lang="es") == ""


def test_annotate_a_route_answer(drawn) -> None:
    feature = route_feature(drawn, "a", "e")
    feature["properties"].update({"role": "safe", "exposure": {"by_level_m": {"high": 0.0}}})
    shortest = {**feature, "properties": {**feature["properties"], "role": "shortest"}}
    answer = {
        "safeRouteFound": True,
        "night": False,
        "comparison": {"extra_minutes": 0},
        "features": [feature, shortest],
    }
    directions.annotate(answer)
    d = answer["features"][0]["properties"]["directions"]
    assert set(d["text"]) == set(directions.LANGUAGES) == set(d["summary"])
    assert "Gira a la derecha en Rua Dois" in d["text"]["es"]
    assert [s["turn"] for s in d["steps"]] == ["start", "right", "left"]


@pytest.mark.parametrize(
    ("angle", "kind"),
    [
        (0, "straight"),
        (-20, "straight"),
        (40, "slight_right"),
        (-90, "left"),
        (120, "right"),
        (-170, "sharp_left"),
        (150, "sharp_right"),
    ],
)
def test_turn_kinds(angle, kind) -> None:
    assert directions.turn_kind(angle) == kind
