"""The online path: osmnx downloads from an Overpass server and feeds the same builder.

The Overpass server is a stand-in on the loopback interface that answers every query with the
Aguascalientes extract as Overpass JSON; osmnx's real HTTP code talks to it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest
import shapely

from geomap.errors import OSMReadError
from routing import Network, build_network, network_from_file, read_osm
from routing.online import download_osm
from tests.paths import AGUASCALIENTES_PBF


def overpass_json() -> dict:
    osm = read_osm(AGUASCALIENTES_PBF)
    nodes: dict[int, tuple[float, float]] = {}
    ways = []
    for i, way_id in enumerate(osm.way_ids.tolist()):
        a, b = osm.offsets[i], osm.offsets[i + 1]
        refs = osm.node_ids[a:b].tolist()
        for ref, x, y in zip(refs, osm.lon[a:b].tolist(), osm.lat[a:b].tolist(), strict=True):
            nodes[ref] = (x, y)
        ways.append({"type": "way", "id": way_id, "nodes": refs, "tags": osm.way_tags[i]})
    elements = [{"type": "node", "id": n, "lat": y, "lon": x} for n, (x, y) in nodes.items()]
    return {"version": 0.6, "generator": "test stand-in", "elements": ways + elements}


@pytest.fixture
def overpass_server() -> Iterator[dict]:
    import osmnx as ox

    body = json.dumps(overpass_json()).encode()
    seen: dict = {"posts": 0, "status": 200}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            seen["posts"] += 1
            self.send_response(seen["status"])
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body if seen["status"] == 200 else b"{}")

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    saved = (ox.settings.overpass_url, ox.settings.overpass_rate_limit, ox.settings.use_cache)
    ox.settings.overpass_url = f"http://127.0.0.1:{server.server_port}/api"
    ox.settings.overpass_rate_limit = False
    ox.settings.use_cache = False
    try:
        yield seen
    finally:
        ox.settings.overpass_url, ox.settings.overpass_rate_limit, ox.settings.use_cache = saved
        server.shutdown()
        server.server_close()


AREA = shapely.box(-102.30, 21.855, -102.26, 21.875)


def test_online_download_builds_the_same_network_as_the_file(overpass_server) -> None:
    online = build_network(download_osm(AREA), "walk", clip=AREA)
    offline = network_from_file(AGUASCALIENTES_PBF, "walk", clip=AREA)
    assert overpass_server["posts"] >= 1
    assert online.n_edges > 100
    for name in Network._ARRAYS:
        assert np.array_equal(getattr(online, name), getattr(offline, name)), name


def test_online_download_failure_is_a_clear_error(overpass_server) -> None:
    overpass_server["status"] = 400
    with pytest.raises(OSMReadError, match="Overpass"):
        download_osm(AREA)
