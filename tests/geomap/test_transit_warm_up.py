"""A transit service's warm-up, and the routers its answers use, on a drawn map.

A square block ``a-b-c`` over ``d-e-f`` with ``a-d`` and ``c-f`` (100 m cells): from ``a`` to
``c`` the shortest way is ``abc`` (200 m) and the only distinct alternative ``adefc`` (400 m).
The warm-up (run by the server's parent before it forks its workers) must customize every
router a safe-route answer needs, the plain one for "the shortest route beside it" included:
otherwise each worker customizes it again on its first request, privately (seconds and a GB
on a country-sized network).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from geomap.registry.access import ANONYMOUS
from geomap.registry.store import SQLiteStore
from geomap.transit import RegistryPlaces, RegistryZones, TransitService
from routing import network_from_file
from tests.asciimap import AsciiMap

BLOCK = """
a---b---c
|       |
d---e---f
"""
NOON = datetime(2026, 3, 2, 12, 0)
NIGHT = datetime(2026, 3, 2, 23, 0)


@pytest.fixture(scope="module")
def block(tmp_path_factory) -> tuple[AsciiMap, Path]:
    road = {"highway": "residential"}
    m = AsciiMap(BLOCK, {"abc": road, "def": road, "ad": road, "cf": road})
    return m, m.write(tmp_path_factory.mktemp("block") / "block.osm")


def _service(folder: Path, osm: Path) -> TransitService:
    store = SQLiteStore(folder / "registry.sqlite")
    return TransitService(network_from_file(osm, "walk"), RegistryPlaces(store),
                          RegistryZones(store))  # fmt: skip


def test_warm_up_customizes_the_day_night_and_plain_routers(tmp_path, block) -> None:
    _, osm = block
    service = _service(tmp_path, osm)
    safe = service.safe
    assert not safe.plain.customized
    service.warm_up()
    assert safe.plain.customized
    for when in (NOON, NIGHT):
        assert safe.router(night=safe.params.is_night(when), when=when).customized
    assert safe.customizations == 3


def test_answers_without_alternatives_customize_nothing_new(tmp_path, block) -> None:
    m, osm = block
    service = _service(tmp_path, osm)
    service.warm_up()
    for when in (None, NOON, NIGHT):
        answer = service.safe_route(m.lonlat("a"), m.lonlat("c"), ANONYMOUS, when=when)
        assert [m.trace(r.route.coords) for r in answer.routes] == ["abc"]
    assert service.safe.customizations == 3  # a worker forked after warm-up adds none
    service.safe_route(m.lonlat("a"), m.lonlat("c"), ANONYMOUS, when=NOON, alternatives=2)
    assert service.safe.customizations == 4  # the alternatives' own copy


@pytest.mark.parametrize("when", [NOON, NIGHT])
def test_answers_after_warm_up_are_those_of_the_drawing(tmp_path, block, when) -> None:
    m, osm = block
    service = _service(tmp_path, osm)
    service.warm_up()
    answer = service.safe_route(m.lonlat("a"), m.lonlat("c"), ANONYMOUS, when=when,
                                alternatives=2)  # fmt: skip
    assert m.trace(answer.shortest.route.coords) == "abc"
    assert answer.shortest.route.length_m == pytest.approx(m.length("abc"), abs=0.01)
    traces = [m.trace(r.route.coords) for r in answer.routes]
    assert traces == ["abc", "adefc"]
    assert answer.routes[1].route.length_m == pytest.approx(m.length("adefc"), abs=0.01)
    # the alternatives' router started from a copy of the safe router's customization:
    # asking again (its weights now penalized) gives the same answer
    again = service.safe_route(m.lonlat("a"), m.lonlat("c"), ANONYMOUS, when=when,
                               alternatives=2)  # fmt: skip
    assert [m.trace(r.route.coords) for r in again.routes] == traces
