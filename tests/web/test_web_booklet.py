"""The printable booklet of the message bank in Chromium: it loads nothing but itself, prints
on A5 pages without splitting a message, and looks right (screenshot committed under
``benchmarks/results/booklet/``, refreshed on purpose only: ``GEOMAP_WRITE_RESULTS=1``)."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from geomap.registry.access import SYSTEM
from geomap.registry.messages import validate_message
from geomap.registry.store import SQLiteStore
from geomap.registry.validate import validate_collection
from tests.api.seed import Server
from tests.paths import DATA, ROOT

RESULTS = ROOT / "benchmarks" / "results" / "booklet"
MESSAGES = json.loads((DATA / "porto_alegre" / "sample_messages.geojson").read_text())
A5_PX = (148 / 25.4 * 96, 210 / 25.4 * 96)


@pytest.fixture(scope="module")
def bank_server(tmp_path_factory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("bank")
    store = SQLiteStore(folder / "registry.sqlite")
    items = validate_collection(MESSAGES, validator=validate_message)
    store.import_places("messages", items, SYSTEM, "sample")
    store.close()
    running = Server(folder / "registry.sqlite", folder / "server.log")
    running.start()
    try:
        yield running
    finally:
        running.stop()


@pytest.mark.parametrize("lang", ["pt", "es"])
def test_the_booklet_renders_alone_and_prints_on_a5(browser, bank_server, lang, tmp_path) -> None:
    context = browser.new_context(viewport={"width": 560, "height": 794})
    page = context.new_page()
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    url = f"{bank_server.url}/messages/booklet?country=BR&lang={lang}"
    response = page.goto(url)
    assert response is not None
    assert response.status == 200
    assert asked == [url]  # no font, style, script or image from anywhere
    titles = page.locator("article.message h3").all_inner_texts()
    assert len(titles) == 8
    assert all(t.startswith("[AMOSTRA]" if lang == "pt" else "[MUESTRA]") for t in titles)
    assert page.locator("html").get_attribute("lang") == lang
    assert (
        page.evaluate("getComputedStyle(document.querySelector('article.message')).breakInside")
        == "avoid"
    )
    page.emulate_media(media="print")
    pdf = page.pdf(prefer_css_page_size=True)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert pages >= 3  # the cover, then the messages
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= A5_PX[0] + 1  # A5 wide: nothing overflows the page
    boxes = page.locator("article.message").evaluate_all(
        "els => els.map(e => e.getBoundingClientRect().height)"
    )
    assert max(boxes) < A5_PX[1] * 0.8  # each message fits on one page
    page.emulate_media(media="screen")
    out = RESULTS if os.environ.get("GEOMAP_WRITE_RESULTS") == "1" else tmp_path
    out.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(Path(out) / f"booklet-{lang}.png"), full_page=True)
    context.close()
