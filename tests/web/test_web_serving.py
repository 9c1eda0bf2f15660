"""How the page and its resources are served: content negotiation, gzip, no cookies, no
third parties, the street layer, the service worker and the printable sheet."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.api.seed import Server

HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
PLACE = "sample-poa-01"


@pytest.fixture
def client(web_server) -> Iterator[httpx.Client]:
    with web_server.client() as made:
        yield made


def test_browsers_get_the_page_and_clients_the_json_landing(client) -> None:
    page = client.get("/", headers=HTML)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert '<html lang="es">' in page.text
    for accept in ("application/json", "*/*", ""):
        body = client.get("/", headers={"Accept": accept}).json()
        assert {link["rel"] for link in body["links"]} >= {"conformance", "data"}
    assert client.get("/", params={"f": "json"}, headers=HTML).json()["links"]
    assert client.get("/", params={"lang": "pt"}).json()["links"]  # lang is no error for JSON
    assert '<html lang="pt">' in client.get("/", params={"lang": "pt"}, headers=HTML).text


def test_page_is_compressed_cookieless_and_names_no_other_host(client) -> None:
    paths = [
        "/",
        "/static/leaflet/leaflet.js",
        "/static/leaflet/leaflet.css",
        "/static/page/app.js",
        "/static/page/app.css",
        "/sw.js",
    ]
    for path in paths:
        r = client.get(path, headers={**HTML, "Accept-Encoding": "gzip"})
        assert r.status_code == 200, path
        assert r.headers.get("content-encoding") == "gzip", path
        assert "set-cookie" not in r.headers, path
    page = client.get("/", headers=HTML)
    csp = page.headers["content-security-policy"]
    assert "default-src 'self'" in csp
    assert "http" not in csp
    assert page.headers["referrer-policy"] == "no-referrer"
    for path in ("/", "/static/page/app.js", "/static/page/app.css", "/sw.js"):
        text = client.get(path, headers=HTML).text
        assert not re.search(r"(src|href)=\"?(https?:)?//", text), path
        assert "https://" not in text.replace("http://www.w3.org", ""), path


def test_leaflet_comes_from_the_xstatic_package(client) -> None:
    import xstatic.pkg.leaflet

    shipped = Path(xstatic.pkg.leaflet.BASE_DIR) / "leaflet.js"
    assert client.get("/static/leaflet/leaflet.js").content == shipped.read_bytes()


def test_streets_in_a_box(client) -> None:
    box = (-51.225, -30.04, -51.21, -30.03)
    body = client.get("/streets", params={"bbox": ",".join(map(str, box))}).json()
    lines = [line for f in body["features"] for line in f["geometry"]["coordinates"]]
    assert len(lines) > 50
    assert {f["properties"]["major"] for f in body["features"]} == {True, False}
    margin = 0.02  # segments meeting the box may reach a little out of it
    for line in lines:
        assert any(
            box[0] - margin <= lon <= box[2] + margin and box[1] - margin <= lat <= box[3] + margin
            for lon, lat in line
        )
    for bad in ("1,2,3", "a,b,c,d", "-51.3,-30.1,-50.9,-29.9", "-51.2,-30.0,-51.3,-30.1"):
        r = client.get("/streets", params={"bbox": bad})
        assert r.status_code == 400, bad
        assert r.headers["content-type"] == "application/problem+json"


def test_service_worker_controls_the_whole_site(client) -> None:
    r = client.get("/sw.js")
    assert r.headers["content-type"].startswith("text/javascript")
    assert r.headers["service-worker-allowed"] == "/"
    assert "no-cache" in r.headers["cache-control"]


def test_printable_sheet(client) -> None:
    r = client.get(f"/places/{PLACE}/sheet", params={"lang": "pt"})
    assert r.status_code == 200
    text = r.text
    assert "[AMOSTRA] Espaço de apoio Rodoviária" in text
    assert "<svg" in text
    assert "<path" in text  # the streets around it
    assert "Contatos essenciais" in text
    assert "190" in text
    assert "Verificar antes de usar" in text
    assert "+55 51 0000 0001" in text  # its public contact
    assert "<script" not in text
    assert client.get("/places/nowhere/sheet").status_code == 404


def test_page_without_a_network(tmp_path) -> None:
    bare = Server(tmp_path / "registry.sqlite", tmp_path / "server.log")
    bare.start()
    try:
        with bare.client() as local:
            page = local.get("/", headers=HTML)
            assert page.status_code == 200
            assert 'id="config"' in page.text
            assert local.get("/streets", params={"bbox": "0,0,0.01,0.01"}).status_code == 503
    finally:
        bare.stop()


def test_an_opt_in_tile_server_is_the_only_other_image_host() -> None:
    from api.page.routes import _csp

    assert "img-src 'self' data:;" in _csp(None)
    csp = _csp("https://{s}.tiles.example.org/{z}/{x}/{y}.png")
    assert "img-src 'self' data: https://*.tiles.example.org;" in csp
    assert "connect-src 'self'" in csp
