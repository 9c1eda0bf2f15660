"""Fixtures of the page tests: a real server with the Porto Alegre network and the sample
registry, and the system's Chromium driven by Playwright (never a downloaded browser).

Without Playwright or Chromium these tests skip, except under ``CI=true`` where they fail.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from geomap.registry.access import SYSTEM
from geomap.registry.store import SQLiteStore
from geomap.registry.validate import validate_collection
from routing import network_from_file
from tests.api.seed import Server
from tests.paths import DATA, PORTO_ALEGRE_PBF

SAMPLE = json.loads((DATA / "porto_alegre" / "sample_registry.geojson").read_text())
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


def _missing(what: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is needed by the page tests (apt-get install -y chromium)")
    pytest.skip(f"{what} is not installed")


def chromium_path() -> str:
    path = os.environ.get("GEOMAP_CHROMIUM") or shutil.which("chromium")
    if path is None:
        _missing("Chromium")
    assert path is not None
    return path


@pytest.fixture(scope="module")
def web_server(tmp_path_factory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("web")
    network = network_from_file(PORTO_ALEGRE_PBF, "walk").save(folder / "poa.npz")
    store = SQLiteStore(folder / "registry.sqlite")
    store.import_places("places", validate_collection(SAMPLE), SYSTEM, "sample")
    store.close()
    running = Server(
        folder / "registry.sqlite", folder / "server.log", env={"GEOMAP_NETWORK": str(network)}
    )
    running.start(timeout_s=120)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium with a fresh profile: each test opens its own context (fresh storage)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("Playwright (pip install playwright)")
    path = chromium_path()
    with sync_playwright() as pw:
        launched = pw.chromium.launch(
            executable_path=path,
            args=CHROMIUM_ARGS,
        )
        try:
            yield launched
        finally:
            launched.close()
