"""The page without a connection: honest about it, right on cached data, never another
place's route; and the area saved for offline use."""

from __future__ import annotations

from tests.web.conftest import wait_until
from tests.web.test_web_page import AT, FOOD, nearby, open_place, shown_ids

ROUTED = "sample-poa-03"
NEVER_ROUTED = "sample-poa-02"


def visit_then_go_offline(device, server):
    page = device.page()
    page.goto(f"{server.url}/#at={AT}")
    page.wait_for_selector("#places li[data-id]")
    wait_until(page, "window.geomapOfflineReady === true")
    open_place(page, ROUTED)
    page.wait_for_selector("path.route", state="attached")
    page.click("#details .back")
    device.context.set_offline(True)
    page.reload()
    page.wait_for_selector("#places li[data-id]")
    return page


def test_offline_banner_filters_and_routes(phone, web_server) -> None:
    everything = [f["id"] for f in nearby(web_server)]
    food = [f["id"] for f in nearby(web_server, service="food")]
    assert 0 < len(food) < len(everything)
    device = phone()
    page = visit_then_go_offline(device, web_server)
    banner = page.locator("#offline")
    assert banner.is_visible()
    assert banner.inner_text().startswith("Sin conexión.")
    assert "Datos guardados el" in banner.inner_text()  # with the time they were fetched
    assert shown_ids(page) == everything
    page.click("#filters summary")
    page.select_option("#service", "food")
    assert shown_ids(page) == food  # the right subset of the cached answer
    page.select_option("#service", "")
    # a place whose route was never fetched says so and draws nothing
    open_place(page, NEVER_ROUTED)
    wait_until(page, "document.getElementById('route-info').textContent.includes('no se guardó')")
    assert page.locator("path.route").count() == 0
    page.click("#details .back")
    # the place routed before shows its own route, dated
    open_place(page, ROUTED)
    page.wait_for_selector("path.route", state="attached")
    assert "Ruta guardada el" in page.inner_text("#route-info")
    page.click("#details .back")
    # a new location offline: no old list passed off as the new one; without a saved area,
    # the public places the cached page carries, by straight-line distance and dated
    page.evaluate("location.hash = '#at=-51.2300,-30.0400'; location.reload()")
    page.wait_for_selector("#places li")
    wait_until(page, "document.getElementById('status').textContent.length > 0")
    assert "línea recta" in page.inner_text("#status")
    assert "Datos guardados el" in page.inner_text("#offline")
    texts = page.locator("#places li[data-id]").all_inner_texts()
    assert all("en línea recta" in text for text in texts)
    assert "min a pie" not in " ".join(texts)
    assert device.foreign(web_server) == []


def test_saved_area_offline_lists_by_straight_line_and_says_so(phone, web_server) -> None:
    device = phone()
    page = device.page()
    page.goto(f"{web_server.url}/#at={AT}")
    page.wait_for_selector("#places li[data-id]")
    wait_until(page, "window.geomapOfflineReady === true")
    page.click("#save-area")
    wait_until(page, "window.geomapPackReady === true", timeout_s=120)
    assert "Guardado para usar sin conexión" in page.inner_text("#pack-status")
    device.context.set_offline(True)
    page.evaluate("location.hash = '#at=-51.2290,-30.0330'; location.reload()")
    page.wait_for_selector("#places li[data-id]")
    assert "línea recta" in page.inner_text("#status")
    assert "en línea recta" in page.inner_text("#places")
    assert FOOD in shown_ids(page)
    open_place(page, FOOD)
    assert "no se guardó" in page.inner_text("#route-info")
    assert page.locator("path.route").count() == 0
    # the saved streets draw the map with no connection
    wait_until(page, "window.geomapBasemapLoaded === true")
    assert page.locator("canvas.leaflet-tile-loaded").count() >= 1
    assert device.foreign(web_server) == []
