"""The message bank on the page, in Chromium on the emulated phone: the messages in force in
Brazil (the country of the network at the person's point) in Portuguese and in Spanish, and
offline after one visit; no request to any other host."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import date

import httpx
import pytest

from geomap.registry.access import SYSTEM
from geomap.registry.messages import in_force, validate_message
from geomap.registry.store import SQLiteStore
from geomap.registry.validate import validate_collection
from routing import network_from_file
from tests.api.seed import Server
from tests.paths import DATA, PORTO_ALEGRE_PBF
from tests.web.conftest import SAMPLE, axe_source, run_axe, small_targets, wait_until

AT = "-51.2177,-30.0346"  # the bus station, inside the Porto Alegre network (Brazil)
MESSAGES = json.loads((DATA / "porto_alegre" / "sample_messages.geojson").read_text())
SHEET_PLACE = "sample-poa-01"
#: what its officers picked: one in force, then an expired one, a partners-only one,
#: Colombia's and an id that never existed (all but the first left out of the printed sheet)
PICKED = ["sample-br-msg-trafficking", "sample-br-msg-expired", "sample-br-msg-partners-border",
          "sample-co-msg-documents", "never-existed"]  # fmt: skip


def expected(lang: str) -> dict[str, str]:
    """Titles in ``lang`` of the public messages in force in Brazil today, by id (from the file)."""
    return {
        f["id"]: f["properties"]["title"][lang]
        for f in MESSAGES["features"]
        if f["properties"].get("visibility", "public") == "public"
        and in_force(f["properties"], country="BR", today=date.today())
        and lang in f["properties"]["title"]
    }


@pytest.fixture(scope="module")
def bank_server(tmp_path_factory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("bank")
    network = network_from_file(PORTO_ALEGRE_PBF, "walk")
    network.meta["countries"] = ["BR"]  # as the demo and regional deployments set it
    saved = network.save(folder / "poa.npz")
    store = SQLiteStore(folder / "registry.sqlite")
    places = copy.deepcopy(SAMPLE)
    for f in places["features"]:
        if f["id"] == SHEET_PLACE:
            f["properties"]["messages"] = PICKED
    store.import_places("places", validate_collection(places), SYSTEM, "sample")
    messages = validate_collection(MESSAGES, validator=validate_message)
    store.import_places("messages", messages, SYSTEM, "sample")
    store.close()
    running = Server(folder / "registry.sqlite", folder / "server.log",
                     env={"GEOMAP_NETWORK": str(saved)})  # fmt: skip
    running.start(timeout_s=120)
    try:
        yield running
    finally:
        running.stop()


def shown(page) -> dict[str, list[str]]:
    """The panel's messages: id -> (language, title)."""
    return page.evaluate(
        """() => Object.fromEntries(Array.from(document.querySelectorAll('#bank-list li'))
             .map(li => [li.dataset.id, [li.lang, li.querySelector('h3').textContent]]))"""
    )


def test_brazil_in_portuguese_then_in_spanish(phone, bank_server) -> None:
    pt, es = expected("pt"), expected("es")
    assert pt
    assert es
    assert "sample-br-msg-expired" not in pt  # expired: never shown
    assert "sample-co-msg-documents" not in pt  # Colombia's
    device = phone(locale="pt-BR")
    page = device.page()
    page.goto(f"{bank_server.url}/?lang=pt#at={AT}")
    wait_until(page, "window.geomapMessagesShown && window.geomapMessagesShown.lang === 'pt'")
    assert page.locator("#bank").is_visible()
    assert page.inner_text("#bank-title") == "Mensagens-chave"
    assert shown(page) == {fid: ["pt", title] for fid, title in pt.items()}
    assert "sample-br-msg-partners-border" not in shown(page)  # partners only
    # the same messages in Spanish, one tap away
    page.click("#bank-langs button[data-lang='es']")
    wait_until(page, "window.geomapMessagesShown.lang === 'es'")
    assert shown(page) == {fid: ["es", title] for fid, title in es.items()}
    assert page.locator("#bank-langs button[data-lang='pt']").count() == 1
    assert device.foreign(bank_server) == []
    assert device.errors == []


def test_a_spanish_page_shows_brazils_messages_in_spanish(phone, bank_server) -> None:
    device = phone()
    page = device.page()
    page.goto(f"{bank_server.url}/?lang=es#at={AT}")
    wait_until(page, "window.geomapMessagesShown && window.geomapMessagesShown.lang === 'es'")
    assert page.inner_text("#bank-title") == "Mensajes clave"
    answer = httpx.get(f"{bank_server.url}/messages", params={"country": "BR", "lang": "es"})
    assert [m["id"] for m in answer.json()["messages"]] == list(shown(page))
    assert device.foreign(bank_server) == []


def test_the_messages_stay_after_one_visit_without_connection(phone, bank_server) -> None:
    device = phone(locale="pt-BR")
    page = device.page()
    page.goto(f"{bank_server.url}/?lang=pt#at={AT}")
    wait_until(page, "window.geomapMessagesSaved === true", timeout_s=60)
    wait_until(page, "window.geomapOfflineReady === true", timeout_s=60)
    device.context.set_offline(True)
    page.reload()
    wait_until(page, "window.geomapMessagesShown && window.geomapMessagesShown.lang === 'pt'")
    pt = expected("pt")
    assert shown(page) == {fid: ["pt", title] for fid, title in pt.items()}
    assert page.inner_text("#bank-status") == "Sem conexão: mensagens guardadas antes."
    page.click("#bank-langs button[data-lang='es']")  # the other language was kept too
    wait_until(page, "window.geomapMessagesShown.lang === 'es'")
    assert shown(page) == {fid: ["es", title] for fid, title in expected("es").items()}
    assert device.foreign(bank_server) == []


def test_the_printed_sheet_carries_the_messages_its_officers_picked(bank_server) -> None:
    titles = {f["id"]: f["properties"]["title"] for f in MESSAGES["features"]}
    pt = httpx.get(f"{bank_server.url}/places/{SHEET_PLACE}/sheet", params={"lang": "pt"})
    assert pt.status_code == 200
    assert 'data-id="sample-br-msg-trafficking"' in pt.text
    assert titles["sample-br-msg-trafficking"]["pt"] in pt.text
    es = httpx.get(f"{bank_server.url}/places/{SHEET_PLACE}/sheet", params={"lang": "es"}).text
    assert titles["sample-br-msg-trafficking"]["es"] in es
    for text in (pt.text, es):
        assert text.count("<article") == 1
        for left_out in PICKED[1:]:
            assert left_out not in text
        assert titles["sample-br-msg-partners-border"]["pt"] not in text
    # a place whose officers picked none prints no message section
    other = httpx.get(f"{bank_server.url}/places/sample-poa-02/sheet", params={"lang": "pt"}).text
    assert "<article" not in other


def test_the_panel_passes_axe_and_its_buttons_are_big_enough(phone, bank_server) -> None:
    axe = axe_source()
    device = phone(bypass_csp=True, locale="pt-BR")  # only so that the test can load axe
    page = device.page()
    page.goto(f"{bank_server.url}/?lang=pt#at={AT}")
    wait_until(page, "window.geomapMessagesShown && window.geomapMessagesShown.count > 0")
    page.locator("#bank").scroll_into_view_if_needed()
    violations = [v for v in run_axe(page, axe) if any("bank" in str(n) for n in v["nodes"])]
    assert violations == []
    small = [b for b in small_targets(page) if "bank" in b["cls"]]
    assert small == []
    assert page.locator("#bank-langs button").count() >= 1


AGS = (-102.2737, 21.8697)  # Aguascalientes (Mexico), on the second network
MX_MESSAGE = "test-mx-msg-health"


@pytest.fixture(scope="module")
def two_countries(tmp_path_factory) -> Iterator[Server]:
    """Porto Alegre (BR) and Aguascalientes (MX) networks; Brazil's messages and one of Mexico."""
    from tests.paths import AGUASCALIENTES_PBF

    folder = tmp_path_factory.mktemp("two-countries")
    for pbf, ident, country in (
        (PORTO_ALEGRE_PBF, "porto-alegre", "BR"),
        (AGUASCALIENTES_PBF, "aguascalientes", "MX"),
    ):
        net = network_from_file(pbf, "walk")
        net.meta.update({"id": ident, "name": ident.title(), "countries": [country]})
        net.save(folder / "networks" / f"{ident}.npz")
    mexico = copy.deepcopy(
        next(f for f in MESSAGES["features"] if f["id"] == "sample-br-msg-health")
    )
    mexico["id"] = MX_MESSAGE
    mexico["properties"].update({"country": "MX", "countries": ["MX"]})
    mexico["properties"]["title"] = {k: f"MX {v}" for k, v in mexico["properties"]["title"].items()}
    store = SQLiteStore(folder / "registry.sqlite")
    store.import_places("places", validate_collection(SAMPLE), SYSTEM, "sample")
    both = {**MESSAGES, "features": [*MESSAGES["features"], mexico]}
    store.import_places("messages", validate_collection(both, validator=validate_message),
                        SYSTEM, "sample")  # fmt: skip
    store.close()
    running = Server(folder / "registry.sqlite", folder / "server.log",
                     env={"GEOMAP_NETWORKS": str(folder / "networks")})  # fmt: skip
    running.start(timeout_s=180)
    try:
        yield running
    finally:
        running.stop()


def test_moving_to_another_country_brings_its_messages(phone, two_countries) -> None:
    device = phone(
        geolocation={"longitude": AGS[0], "latitude": AGS[1]}, permissions=["geolocation"]
    )
    page = device.page()
    page.goto(f"{two_countries.url}/?lang=es#at={AT}")
    wait_until(page, "window.geomapMessagesShown && window.geomapMessagesShown.country === 'BR'")
    assert set(shown(page)) == set(expected("es"))
    page.click("#locate")  # the phone says it is in Aguascalientes now: no reload, no hash event
    wait_until(page, "window.geomapMessagesShown.country === 'MX'")
    titles = shown(page)
    assert list(titles) == [MX_MESSAGE]
    assert titles[MX_MESSAGE][1].startswith("MX ")
    assert device.foreign(two_countries) == []
    assert device.errors == []
