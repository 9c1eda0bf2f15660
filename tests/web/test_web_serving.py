"""How the page and its resources are served: content negotiation, gzip, no cookies, no
third parties, the street layer, the service worker and the printable sheet."""

from __future__ import annotations

import io
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
    for bad in ("1,2,3", "a,b,c,d"):  # not a box: bad request
        r = client.get("/streets", params={"bbox": bad})
        assert r.status_code == 400, bad
        assert r.headers["content-type"] == "application/problem+json"
    for unanswered in ("-51.3,-30.1,-50.9,-29.9", "-51.2,-30.0,-51.3,-30.1"):  # too large, inverted
        r = client.get("/streets", params={"bbox": unanswered})
        assert r.status_code == 422, unanswered
        assert r.headers["content-type"] == "application/problem+json"


def test_service_worker_controls_the_whole_site(client) -> None:
    r = client.get("/sw.js")
    assert r.headers["content-type"].startswith("text/javascript")
    assert r.headers["service-worker-allowed"] == "/"
    assert "no-cache" in r.headers["cache-control"]
    assert "__VERSION__" not in r.text  # a digest of the assets: a release renews them
    assert "ignoreSearch: true" not in r.text.split("function networkFirst")[1].split("loose")[0]


def test_the_inline_scripts_and_style_are_the_only_ones_and_their_hashes_are_allowed(
    client,
) -> None:
    """The start (asks for the places) and the first list (from the snapshot) are inlined,
    and so is the style sheet; each by its hash, nothing else inline may run."""
    import base64
    import hashlib

    def allowed(text: str) -> bool:
        digest = base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
        return f"'sha256-{digest}'" in page.headers["content-security-policy"]

    page = client.get("/", headers=HTML)
    scripts = re.findall(r"<script>(.*?)</script>", page.text, flags=re.S)
    assert len(scripts) == 2
    assert all(allowed(s) for s in scripts)
    styles = re.findall(r"<style>(.*?)</style>", page.text, flags=re.S)
    assert len(styles) == 1
    assert allowed(styles[0])
    assert "'unsafe-inline'" not in page.headers["content-security-policy"]
    again = client.get("/", headers={**HTML, "If-None-Match": page.headers["etag"]})
    assert again.status_code == 304


def test_the_exit_page_is_neutral_and_clears_the_site(client) -> None:
    r = client.get("/exit", headers=HTML)
    assert r.status_code == 200
    assert r.headers["clear-site-data"] == '"cache", "storage"'
    assert "<title>New tab</title>" in r.text
    assert "geomap" not in r.text.lower()
    assert "<script" not in r.text


def test_basemap_tiles(client) -> None:
    from geomap.basemap import tiles_covering

    z, x, y = tiles_covering((-51.222, -30.032, -51.221, -30.031), [16])[0]
    r = client.get(f"/basemap/{z}/{x}/{y}.json")
    assert r.status_code == 200
    assert "max-age" in r.headers["cache-control"]
    tile = r.json()
    assert tile["streets"]
    assert tile["names"]  # street names for labels at close zoom
    assert all(index < len(tile["names"]) for _cls, index, _line in tile["streets"])
    for bad in ("/basemap/3/1/1.json", "/basemap/16/0/99999999.json"):  # outside the schema
        problem = client.get(bad)
        assert problem.status_code == 400, bad
        assert problem.headers["content-type"] == "application/problem+json"
    beyond = client.get("/basemap/12/0/5000.json")  # a row zoom 12 does not have: no such tile
    assert beyond.status_code == 404
    assert beyond.headers["content-type"] == "application/problem+json"


def test_printable_sheet(client) -> None:
    r = client.get(f"/places/{PLACE}/sheet", params={"lang": "pt"})
    assert r.status_code == 200
    text = r.text
    assert "[AMOSTRA] Espaço de apoio Rodoviária" in text
    assert "<svg" in text
    assert "<path" in text  # the streets around it
    assert "<textPath" in text  # with their names
    assert 'aria-labelledby="map-title map-desc"' in text  # and a text alternative
    assert "Ruas do mapa:" in text
    assert "Contatos essenciais" in text
    assert "190" in text
    assert "Verificar antes de usar" in text
    from geomap.registry.phones import national, to_e164

    assert national(to_e164("+55 51 0000 0001", "BR", sample=True)) in text  # its public contact
    assert "Todos os dias 07:00–21:00" in text  # hours in words
    assert "Mo-Su" not in text
    assert "Última verificação: 1 de novembro de 2026" in text
    assert "espanhol, português" in text  # languages by name
    assert "<script" not in text
    # nearby places named in the sheet's language
    near = text.split("Lugares próximos")[1].split("</ol>")[0]
    assert "[AMOSTRA]" in near
    assert "[MUESTRA]" not in near
    assert client.get("/places/nowhere/sheet").status_code == 404


def test_the_sheets_qr_code_is_drawn_here_and_reads_back_its_address(client) -> None:
    import segno

    text = client.get(f"/places/{PLACE}/sheet", params={"lang": "es"}).text
    found = re.search(r'<svg[^>]*class="qr"[^>]*viewBox="[^"]+"[^>]*>(.*?)</svg>', text, re.S)
    found = found or re.search(
        r'<svg[^>]*viewBox="[^"]+"[^>]*class="qr"[^>]*>(.*?)</svg>', text, re.S
    )
    assert found is not None  # scalable: printed at a fixed size
    qr = found.group(1)
    assert "<path" in qr
    own = text.split('<span class="url">')[1].split("</span>")[0]
    assert own.endswith(f"/places/{PLACE}/sheet?lang=es")
    # the same modules as segno draws for that address (the code encodes the sheet's address)
    drawn = re.search(r' d="([^"]+)"', qr)
    assert drawn is not None
    buffer = io.BytesIO()
    segno.make(own, error="m").save(buffer, kind="svg", scale=3, border=2, xmldecl=False)
    assert f' d="{drawn.group(1)}"' in buffer.getvalue().decode()
    other = io.BytesIO()
    segno.make(own + "x", error="m").save(other, kind="svg", scale=3, border=2, xmldecl=False)
    assert f' d="{drawn.group(1)}"' not in other.getvalue().decode()


def test_page_without_a_network(tmp_path) -> None:
    bare = Server(tmp_path / "registry.sqlite", tmp_path / "server.log")
    bare.start()
    try:
        with bare.client() as local:
            page = local.get("/", headers=HTML)
            assert page.status_code == 200
            assert 'id="config"' in page.text
            assert local.get("/streets", params={"bbox": "0,0,0.01,0.01"}).status_code == 503
            assert local.get("/basemap/14/0/0.json").status_code == 503
    finally:
        bare.stop()


def test_an_opt_in_tile_server_is_the_only_other_image_host() -> None:
    from api.page.routes import csp as _csp

    assert "img-src 'self' data:;" in _csp(None)
    csp = _csp("https://{s}.tiles.example.org/{z}/{x}/{y}.png")
    assert "img-src 'self' data: https://*.tiles.example.org;" in csp
    assert "connect-src 'self'" in csp
