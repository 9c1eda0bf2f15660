"""Night rules reach the page: the phone's local time goes with the route request.

A drawn map whose answer is known by construction: the direct street to the place is unlit
(``lit=no``, 600 m), the lit way round is 800 m. By day the safe route takes the direct
street; at 22:30 local time the unlit street costs 1.5 times more and the lit way wins.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from routing import network_from_file
from tests.api.seed import Server, feature
from tests.asciimap import AsciiMap
from tests.web.conftest import serve, wait_until

MAP = """
a-----------b
|           |
c-----------e
"""
WAYS = {
    "ab": {"highway": "residential", "name": "Rua Escura", "lit": "no"},
    "ac": {"highway": "residential", "name": "Rua Um", "lit": "yes"},
    "ce": {"highway": "residential", "name": "Rua Dois", "lit": "yes"},
    "eb": {"highway": "residential", "name": "Rua Tres", "lit": "yes"},
}
DRAWN = AsciiMap(MAP, WAYS, spacing=50.0)


@pytest.fixture(scope="module")
def night_server(tmp_path_factory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("night")
    osm = DRAWN.write(folder / "drawn.osm")
    network = network_from_file(osm, "walk").save(folder / "drawn.npz")
    lon, lat = DRAWN.lonlat("b")
    place = feature(lon, lat, "BR", fid="drawn-shelter", name="Abrigo del dibujo",
                    services=("overnight_shelter",), opening_hours="24/7")  # fmt: skip
    running = serve(folder, network, {"type": "FeatureCollection", "features": [place]})
    try:
        yield running
    finally:
        running.stop()


@pytest.mark.parametrize(("hour", "minute", "night"), [(12, 0, False), (22, 30, True)])
def test_the_route_at_the_phones_local_time(phone, night_server, hour, minute, night) -> None:
    device = phone()
    page = device.page()
    local = datetime(2026, 11, 24, hour, minute, tzinfo=ZoneInfo("America/Sao_Paulo"))
    page.clock.install(time=local)
    page.clock.resume()
    start = ",".join(f"{v:.5f}" for v in DRAWN.lonlat("a"))
    page.goto(f"{night_server.url}/#at={start}")
    page.wait_for_selector("#places li[data-id='drawn-shelter']")
    with page.expect_response("**/routes/safe?**") as answered:
        page.locator("#places li[data-id='drawn-shelter'] button").click()
    response = answered.value
    assert f"time=2026-11-24T{hour:02d}:{minute:02d}" in response.url
    best = response.json()["features"][0]
    walked = DRAWN.trace(best["geometry"]["coordinates"])
    assert walked == ("aceb" if night else "ab"), walked
    page.wait_for_selector("path.route", state="attached")
    page.click("#route-info .steps summary")
    steps = page.inner_text("#route-info .steps pre")
    if night:
        assert "Rua Escura" not in steps
        assert "Rua Dois" in steps
        assert "De noche" in page.inner_text("#route-info")
        wait_until(page, "document.getElementById('route-info').dataset.night === 'true'")
    else:
        assert "Rua Escura" in steps
        assert "Rua Dois" not in steps
        assert "De noche" not in page.inner_text("#route-info")
    assert device.foreign(night_server) == []
