"""The first list of a ``#at=`` link from the public places snapshot the page carries: shown
as soon as the page is parsed (straight-line distances, said so), replaced by the walking-time
list when ``/nearby`` answers; the snapshot holds the public places only."""

from __future__ import annotations

import json
import re

import httpx

from tests.web.conftest import SAMPLE, axe_source, run_axe, small_targets
from tests.web.test_web_page import AT

HIDDEN = [f for f in SAMPLE["features"] if f["properties"].get("visibility") != "public"]


def test_the_approximate_list_comes_before_nearby_and_gives_way_to_it(phone, web_server) -> None:
    device = phone(service_workers="block")
    page = device.page()
    held: list = []

    def hold(route) -> None:  # Playwright needs a Python function here, not a bound builtin
        held.append(route)

    page.route(re.compile(r".*/nearby\?.*"), hold)
    page.goto(f"{web_server.url}/#at={AT}", wait_until="domcontentloaded")
    page.wait_for_selector("#places li.approx")
    assert held, "the page asked for /nearby"
    note = page.inner_text("#places .approx-note")
    assert "vuelo de pájaro" in note
    assert page.locator("#places li[data-id]").count() == 0  # no walking list yet
    shown = page.locator("#places li.approx").all_inner_texts()
    assert shown
    assert all("en línea recta" in text for text in shown)
    for route in held:
        route.continue_()
    page.wait_for_selector("#places li[data-id]")
    assert page.locator("#places li.approx, #places .approx-note").count() == 0
    assert "min a pie" in page.inner_text("#places li[data-id]")
    assert device.foreign(web_server) == []
    assert device.errors == []


def test_the_approximate_list_passes_axe_and_has_big_targets(phone, web_server) -> None:
    device = phone(service_workers="block", bypass_csp=True)  # CSP bypassed to load axe only
    page = device.page()
    held: list = []

    def hold(route) -> None:
        held.append(route)

    page.route(re.compile(r".*/nearby\?.*"), hold)
    page.goto(f"{web_server.url}/#at={AT}", wait_until="domcontentloaded")
    page.wait_for_selector("#places li.approx")
    assert run_axe(page, axe_source()) == []
    assert small_targets(page) == []
    for route in held:
        route.continue_()
    page.wait_for_selector("#places li[data-id]")
    assert device.foreign(web_server) == []


def test_the_snapshot_holds_the_public_places_and_nothing_hidden(web_server) -> None:
    public = httpx.get(f"{web_server.url}/collections/places/items?limit=1000").json()
    public_ids = {f["id"] for f in public["features"]}
    for lang in ("es", "pt", "en"):
        html = httpx.get(f"{web_server.url}/?lang={lang}", headers={"Accept": "text/html"}).text
        block = re.search(r'<script type="application/json" id="snapshot">(.*?)</script>', html)
        assert block is not None
        snap = json.loads(block.group(1))
        ids = {row[0] for row in snap["places"]}
        assert ids
        assert ids <= public_ids
        for hidden in HIDDEN:
            lon, lat = hidden["geometry"]["coordinates"][:2]
            assert hidden["id"] not in html
            for name in hidden["properties"]["name"].values():
                assert name not in html
            assert str(round(lon * 100_000)) not in html
            assert str(round(lat * 100_000)) not in html


def test_a_town_pick_moves_the_messages_to_the_new_country(phone, web_server) -> None:
    """The page tells the panels where the person is now (geomap:where on window)."""
    device = phone(service_workers="block")
    page = device.page()
    page.goto(f"{web_server.url}/#at={AT}")
    page.wait_for_selector("#places li[data-id]")
    got = page.evaluate(
        """() => new Promise(done => {
             window.addEventListener('geomap:where', e => done(e.detail), {once: true});
             document.getElementById('town').value = 'porto-alegre';
             document.getElementById('town').dispatchEvent(new Event('change'));
           })"""
    )
    assert got["network"] is not None
    assert abs(got["lon"] - -51.2177) < 1e-4
