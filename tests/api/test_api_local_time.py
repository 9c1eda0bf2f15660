"""Answers without ``time`` are evaluated at the local time of the point, not the server's.

Two food places beside each other in Porto Alegre (UTC-3): one open in a window around the
local time now, the other in the same window around UTC now. Only the first is open.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from geomap.registry.access import SYSTEM
from geomap.registry.store import SQLiteStore
from geomap.registry.validate import validate_place
from routing import network_from_file
from tests.api.seed import Server
from tests.paths import PORTO_ALEGRE_PBF

AT = "-51.2300,-30.0300"


def window(now: datetime) -> str:
    """Open from 30 min before ``now`` to 90 min after (OSM syntax wraps past midnight)."""
    start, end = now - timedelta(minutes=30), now + timedelta(minutes=90)
    return f"Mo-Su {start:%H:%M}-{end:%H:%M}"


def place(fid: str, lon: float, hours: str) -> dict:
    return {
        "type": "Feature",
        "id": fid,
        "geometry": {"type": "Point", "coordinates": [lon, -30.0300]},
        "properties": {
            "kind": "support_space",
            "name": {"es": fid},
            "organizations": ["Org"],
            "country": "BR",
            "services": ["food"],
            "opening_hours": hours,
            "visibility": "public",
        },
    }


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("local-time")
    network = network_from_file(PORTO_ALEGRE_PBF, "walk").save(folder / "poa.npz")
    now = datetime.now(UTC)
    store = SQLiteStore(folder / "registry.sqlite")
    local = now.astimezone(ZoneInfo("America/Sao_Paulo")).replace(tzinfo=None)
    store.create(
        "places", validate_place(place("local-clock", -51.2280, window(local))), SYSTEM, "t"
    )
    utc = now.replace(tzinfo=None)
    store.create("places", validate_place(place("utc-clock", -51.2282, window(utc))), SYSTEM, "t")
    store.close()
    running = Server(
        folder / "registry.sqlite", folder / "server.log", env={"GEOMAP_NETWORK": str(network)}
    )
    running.start(timeout_s=120)
    try:
        yield running
    finally:
        running.stop()


def test_open_now_uses_the_local_clock(server) -> None:
    with server.client() as client:
        near = client.get("/nearby", params={"at": AT, "minutes": 20, "open": "true"})
        assert near.status_code == 200, near.text
        assert [f["id"] for f in near.json()["features"]] == ["local-clock"]
        everything = client.get("/nearby", params={"at": AT, "minutes": 20}).json()
        assert {f["id"] for f in everything["features"]} == {"local-clock", "utc-clock"}


def test_help_goes_to_the_place_open_by_the_local_clock(server) -> None:
    with server.client() as client:
        answer = client.get("/help", params={"at": AT, "need": "food"})
        assert answer.status_code == 200, answer.text
        assert answer.json()["features"][0]["properties"]["place"]["id"] == "local-clock"
        # the server's clock (UTC) given as the time opens the other one: the test can tell
        utc = datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="minutes")
        other = client.get("/help", params={"at": AT, "need": "food", "time": utc}).json()
        assert other["features"][0]["properties"]["place"]["id"] == "utc-clock"
