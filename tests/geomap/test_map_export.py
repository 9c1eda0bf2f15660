"""``geomap map``: layered Folium exports, and the self-contained one in offline Chromium.

Without Playwright or Chromium the browser test skips, except under ``CI=true`` where it fails.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from geomap.mapexport import (
    PLACES_LEGEND,
    ROUTE_LAYER,
    SHORTEST_LAYER,
    ZONES_LAYER,
    fetched_urls,
    service_label,
)
from routing import network_from_file
from tests.paths import DATA, PORTO_ALEGRE_PBF

PLACES = DATA / "porto_alegre" / "sample_registry.geojson"
ZONES = DATA / "porto_alegre" / "sample_risk_zones.geojson"
STREETS_LAYER = "Calles / Ruas / Streets (OpenStreetMap)"
FROM, TO = "-51.2183,-30.0233", "-51.2195,-30.0336"  # Rodoviária -> Centro Histórico
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def geomap(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "geomap", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def mentions(page: str, text: str) -> bool:
    """``text`` is in ``page`` as such or JSON-escaped (folium escapes non-ASCII)."""
    return text in page or json.dumps(text)[1:-1] in page


def public_services() -> set[str]:
    features = json.loads(PLACES.read_text())["features"]
    return {
        code
        for f in features
        if f["properties"].get("visibility") == "public"
        for code in f["properties"]["services"]
    }


@pytest.fixture(scope="module")
def network(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("map")
    return Path(network_from_file(PORTO_ALEGRE_PBF, "walk").save(folder / "poa.npz"))


@pytest.fixture(scope="module")
def offline_map(network, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("offline") / "map.html"
    made = geomap(
        "map", str(network), "-o", str(path), "--places", str(PLACES), "--zones", str(ZONES),
        "--from", FROM, "--to", TO, "--self-contained",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert "self-contained map" in made.stdout
    return path


def test_map_names_every_layer_and_the_attribution(network, tmp_path) -> None:
    path = tmp_path / "map.html"
    made = geomap(
        "map", str(network), "-o", str(path), "--places", str(PLACES), "--zones", str(ZONES),
        "--from", FROM, "--to", TO,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    page = path.read_text(encoding="utf-8")
    services = public_services()
    assert len(services) >= 5
    layers = [STREETS_LAYER, ZONES_LAYER, ROUTE_LAYER, SHORTEST_LAYER]
    layers += [service_label(code) for code in services]
    for name in layers:
        assert mentions(page, name), name
    assert "L.markerClusterGroup" in page
    assert mentions(page, PLACES_LEGEND)
    assert "OpenStreetMap contributors" in page
    assert "ODbL" in page
    # the ordinary export links folium's CDN assets; no awesome-markers icons are used
    assert fetched_urls(page)
    assert "L.AwesomeMarkers.icon" not in page


def test_map_without_route_or_with_half_a_route(network, tmp_path) -> None:
    path = tmp_path / "places.html"
    made = geomap("map", str(network), "-o", str(path), "--places", str(PLACES))
    assert made.returncode == 0, made.stderr
    page = path.read_text(encoding="utf-8")
    assert ROUTE_LAYER not in page
    assert mentions(page, service_label("food"))
    half = geomap("map", str(network), "-o", str(tmp_path / "x.html"), "--from", FROM)
    assert half.returncode != 0
    assert not (tmp_path / "x.html").exists()


def test_self_contained_file_fetches_nothing(offline_map) -> None:
    page = offline_map.read_text(encoding="utf-8")
    assert fetched_urls(page) == []
    for cdn in ("jquery", "bootstrap", "awesome-markers", "fontawesome", "cdn.jsdelivr"):
        assert cdn not in page.lower(), cdn
    assert "url(images/" not in page  # Leaflet's control images are inlined as data URIs
    assert "L.markerClusterGroup" in page
    assert "ODbL" in page


def test_fetched_urls_finds_assets_not_links() -> None:
    assert fetched_urls('<script src="https://cdn.example/x.js"></script>')
    assert fetched_urls("<link rel=stylesheet href=//cdn.example/x.css>")
    assert fetched_urls('<img alt="" src="http://example.org/a.png">')
    assert not fetched_urls('<a href="https://www.openstreetmap.org/copyright">OSM</a>')
    assert not fetched_urls('<script src="data:text/javascript,1"></script>')


def _missing(what: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is needed by the map export test (apt-get install -y chromium)")
    pytest.skip(f"{what} is not installed")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("Playwright (pip install playwright)")
    path = os.environ.get("GEOMAP_CHROMIUM") or shutil.which("chromium")
    if path is None:
        _missing("Chromium")
    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


def test_self_contained_map_works_offline_in_chromium(browser, offline_map) -> None:
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    context.set_default_timeout(30_000)
    context.set_offline(True)
    attempts: list[str] = []
    errors: list[str] = []

    def guard(route: Any) -> None:
        url = route.request.url
        attempts.append(url)
        if url.startswith("file:"):
            route.continue_()
        else:
            route.abort()

    try:
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.route("**/*", guard)
        page.goto(offline_map.as_uri())
        page.wait_for_selector(".geomap-legend")
        page.wait_for_selector(".leaflet-marker-icon")
        markers = page.locator(".leaflet-marker-icon").count()
        places = page.locator(".geomap-place").count()
        clusters = page.locator(".marker-cluster").count()
        streets = page.locator("path.leaflet-interactive").count()
        legend = page.locator(".geomap-legend").inner_text()
        attribution = page.locator(".leaflet-control-attribution").inner_text()
        has_layers = page.locator(".leaflet-control-layers").count()
    finally:
        context.close()
    assert errors == []
    assert [u for u in attempts if not u.startswith("file:")] == []
    assert markers >= 5
    assert places >= 1  # the support-space icon (outside the legend, whose icon is a span)
    assert clusters >= 1
    assert markers == places - 1 + clusters  # every marker is a place or a cluster
    assert streets > 100  # the street base layer, the zones and the routes
    assert "Legend" in legend
    assert "avoid" in legend
    assert "ODbL" in attribution
    assert "OpenStreetMap contributors" in attribution
    assert has_layers == 1
