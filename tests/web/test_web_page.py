"""The map page on the emulated phone, in real headless Chromium against a real server.

"I am at the Rodoviária; where can I get water and food open now, and how do I walk there
safely?" — asked in Spanish, Portuguese and English, online and offline.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from geomap import hours
from tests.paths import ROOT
from tests.web.conftest import small_targets, wait_until

RODOVIARIA = (-51.218256, -30.023285)  # the sample support space at the bus station
AT = f"{RODOVIARIA[0]},{RODOVIARIA[1]}"
SAO_PAULO = ZoneInfo("America/Sao_Paulo")
HEALTH_24_7 = "sample-poa-03"  # inside the sample high-risk zone
FOOD = "sample-poa-06"  # Mo-Su 11:30-14:00,18:00-20:00
SHOTS = ROOT / "benchmarks" / "results" / "page"


def nearby(server, **params) -> list[dict]:
    with server.client() as client:
        body = client.get("/nearby", params={"at": AT, "minutes": 30, **params}).json()
    return body["features"]


def shown_ids(page) -> list[str]:
    return page.evaluate(
        "Array.from(document.querySelectorAll('#places li[data-id]')).map(e => e.dataset.id)"
    )


def open_place(page, place_id: str) -> None:
    page.locator(f"#places li[data-id='{place_id}'] button").click()
    page.wait_for_selector("#details:not([hidden])")


def test_the_task_in_three_languages_map_list_and_route_together(
    phone, web_server, tmp_path
) -> None:
    """List from a link, a place in words, its safe route with the risk told; screenshots."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    when = datetime(2026, 11, 23, 12, 10, tzinfo=SAO_PAULO)  # a Monday, lunch time
    for lang in ("es", "pt", "en"):
        device = phone(locale={"es": "es-ES", "pt": "pt-BR", "en": "en-GB"}[lang])
        page = device.page()
        page.clock.install(time=when)
        page.clock.resume()
        page.goto(f"{web_server.url}/?lang={lang}#at={AT}")
        page.wait_for_selector("#places li[data-id]")
        local = when.replace(tzinfo=None).isoformat(timespec="minutes")
        expected = nearby(web_server, time=local)
        assert shown_ids(page) == [f["id"] for f in expected]
        # the status of every place is the server's opening-hours library, worded the same
        texts = page.locator("#places .hours").all_inner_texts()
        assert texts == [
            hours.status_text(
                hours.schedule(f["properties"]["opening_hours"], when=when), when=when, lang=lang
            )
            for f in expected
        ]
        open_place(page, FOOD)
        page.wait_for_selector("path.route", state="attached")
        details = page.inner_text("#details")
        week = hours.describe("Mo-Su 11:30-14:00,18:00-20:00", when=when, lang=lang)
        assert week["week_text"] in details
        assert {"es": "Alimentación", "pt": "Alimentação", "en": "Food"}[lang] in details
        page.wait_for_timeout(300)  # the map has moved to show the route
        wait_until(page, "window.geomapBasemapLoaded === true")
        # the committed screenshots are refreshed on purpose only (GEOMAP_WRITE_RESULTS=1)
        shots = SHOTS if os.environ.get("GEOMAP_WRITE_RESULTS") == "1" else tmp_path
        page.screenshot(path=str(shots / f"task-{lang}.png"))
        # map, list entry (details) and route on one 360×740 screen
        for selector in ("#map", "#details-name", "#route-info .route-len", "path.route"):
            box = page.locator(selector).first.bounding_box()
            assert box is not None, selector
            assert 0 <= box["y"] <= 740 - 20, selector
        assert device.foreign(web_server) == []
        assert device.context.cookies() == []
        assert device.errors == []


def test_a_route_into_a_high_risk_zone_shows_the_zone_and_the_warning(phone, web_server) -> None:
    device = phone()
    page = device.page()
    page.goto(f"{web_server.url}/#at={AT}")
    page.wait_for_selector("#places li[data-id]")
    open_place(page, HEALTH_24_7)
    page.wait_for_selector("#route-info .warn")
    warning = page.inner_text("#route-info .warn")
    with web_server.client() as client:
        to = "-51.221896,-30.030426"
        answer = client.get("/routes/safe", params={"from": AT, "to": to}).json()
    metres = answer["features"][0]["properties"]["exposure"]["by_level_m"]["high"]
    assert metres > 20, "the sample place lies inside the sample high-risk zone"
    assert "zona de riesgo alto" in warning
    assert page.locator("#route-info .warn").get_attribute("role") == "alert"
    assert page.locator("path.route.risky").count() == 1
    page.wait_for_selector("path.zone-high", state="attached")  # zones load as the map settles
    assert device.foreign(web_server) == []


def test_open_now_on_both_sides_of_an_opening_time(phone, web_server) -> None:
    for hour, minute, is_open in ((17, 50, False), (18, 5, True)):
        device = phone()
        page = device.page()
        when = datetime(2026, 11, 23, hour, minute, tzinfo=SAO_PAULO)
        page.clock.install(time=when)
        page.clock.resume()
        page.goto(f"{web_server.url}/#at={AT}&s=food")
        page.wait_for_selector(f"#places li[data-id='{FOOD}']")
        text = page.inner_text(f"#places li[data-id='{FOOD}'] .hours")
        assert text.startswith("Abierto" if is_open else "Cerrado"), text
        if not is_open:
            assert "abre a las 18:00" in text
        page.check("#open")
        assert (FOOD in shown_ids(page)) is is_open
        if not is_open:
            assert "cerrados ahora" in page.inner_text("#places")  # not "no places"
        device.close()


def test_filters_search_and_language_switch(phone, web_server) -> None:
    device = phone()
    page = device.page()
    page.goto(f"{web_server.url}/#at={AT}")
    page.wait_for_selector("#places li[data-id]")
    page.click("#filters summary")
    page.select_option("#service", "water_sanitation")
    assert shown_ids(page) == [f["id"] for f in nearby(web_server, service="water_sanitation")]
    page.select_option("#service", "")
    page.select_option("#population", "children_adolescents")
    assert shown_ids(page) == [
        f["id"] for f in nearby(web_server, population="children_adolescents")
    ]
    page.select_option("#population", "")
    page.fill("#search", "comedor")
    assert shown_ids(page) == [FOOD]
    page.fill("#search", "ilustrativa")  # the organization's name
    assert len(shown_ids(page)) == len(nearby(web_server))
    page.fill("#search", "")
    page.select_option("#service", "food")
    page.click("a[data-lang=pt]")
    page.wait_for_selector("html[lang=pt]")
    page.wait_for_selector("#places li[data-id]")
    assert page.input_value("#service") == "food"  # the filters stay
    assert shown_ids(page) == [f["id"] for f in nearby(web_server, service="food")]
    wait_until(page, "document.querySelector('#places .name').textContent.includes('[AMOSTRA]')")
    assert "min a pé" in page.inner_text("#places")
    open_place(page, FOOD)
    details = page.inner_text("#details")
    assert "espanhol" in details.lower() or "Espanhol" in details  # languages by name
    assert "verificado há" in details
    assert device.foreign(web_server) == []


def test_contacts_are_buttons_and_numbers_are_in_words_of_the_locale(phone, web_server) -> None:
    device = phone()
    page = device.page()
    page.goto(f"{web_server.url}/#at={AT}&m=60")
    page.wait_for_selector("#places li[data-id]")
    text = page.inner_text("#places")
    assert "1.5 km" not in text
    assert "unos 1 min" not in text
    far = [f for f in nearby(web_server, minutes=60) if f["properties"]["distance_m"] >= 1000]
    assert far
    assert any("," in t for t in page.locator("#places .meta").all_inner_texts())
    open_place(page, "sample-poa-01")
    assert page.locator("#details a[href^='tel:']").count() >= 1
    assert page.locator("#contacts a[href='tel:190']").count() == 1
    page.click("#details .back")
    assert small_targets(page) == []
    assert device.foreign(web_server) == []


def test_quick_exit_leaves_for_a_neutral_page_and_clears_what_was_stored(phone, web_server) -> None:
    device = phone()
    page = device.page()
    page.goto(f"{web_server.url}/#at={AT}")
    page.wait_for_selector("#places li[data-id]")
    wait_until(page, "window.geomapOfflineReady === true")
    assert page.evaluate("localStorage.length") > 0
    page.click("#exit")
    page.wait_for_url(f"{web_server.url}/exit")
    assert page.title() == "New tab"
    assert page.evaluate("localStorage.length") == 0
    # the exit page's Clear-Site-Data finishes the wipe a moment after it loads
    wait_until(page, "caches.keys().then(k => k.length === 0)")
    assert page.evaluate("navigator.serviceWorker.getRegistrations().then(r => r.length)") == 0
    page.go_back()  # the map page is replaced in the history, not kept behind the exit
    assert "Ayuda" not in page.content()
    assert device.foreign(web_server) == []


def test_the_problem_report_sends_the_place_the_kind_and_the_note_only(phone, web_server) -> None:
    device = phone()
    page = device.page()
    page.goto(f"{web_server.url}/#at={AT}")
    page.wait_for_selector("#places li[data-id]")
    open_place(page, FOOD)
    page.click("#details .report summary")
    page.check("input[name=kind][value=wrong_hours]")
    page.fill("textarea[name=note]", "cerrado el domingo")
    with page.expect_request("**/feedback") as sent:
        page.click("#details .report button[type=submit]")
    request = sent.value
    assert json.loads(request.post_data) == {
        "place": FOOD,
        "kind": "wrong_hours",
        "note": "cerrado el domingo",
    }
    sent_headers = request.all_headers()  # what went on the wire
    assert "cookie" not in sent_headers
    assert "referer" not in sent_headers, sent_headers.get("referer")
    wait_until(page, "document.querySelector('#details .report [role=status]').textContent")
    assert device.foreign(web_server) == []


def test_only_towns_with_a_network_are_offered(phone, web_server) -> None:
    with web_server.client() as client:
        served = [t["id"] for n in client.get("/networks").json()["networks"] for t in n["towns"]]
    device = phone()
    page = device.page()
    page.goto(f"{web_server.url}/")
    offered = page.evaluate(
        "Array.from(document.querySelectorAll('#town option')).map(o => o.value).filter(v => v)"
    )
    assert offered == served
    assert "porto-alegre" in offered
    assert "cucuta" not in offered
    page.select_option("#town", "porto-alegre")
    page.wait_for_selector("#places li[data-id]")
    assert "190" in page.inner_text("#contacts")  # Brazil's contacts for a Brazilian town
    assert "Colombia" not in page.inner_text("#contacts")


@pytest.mark.parametrize("lang", ["es", "pt", "en"])
def test_a_point_no_network_covers_is_told_in_the_users_language(phone, web_server, lang) -> None:
    device = phone()
    page = device.page()
    page.goto(f"{web_server.url}/?lang={lang}#at=-72.5078,7.8939")  # Cúcuta
    wait_until(page, "document.getElementById('status').textContent.length > 0")
    expected = {
        "es": "Todavía no hay datos para este lugar",
        "pt": "Ainda não há dados para este lugar",
        "en": "There is no data for this place yet",
    }[lang]
    assert expected in page.inner_text("#status")
    assert page.locator("#places li[data-id]").count() == 0
