"""Fixtures of the page tests: real servers (the Porto Alegre network with the sample registry
and risk layer; a drawn map whose safe answers are known), and the system's Chromium driven by
Playwright (never a downloaded browser) as the phone of the issue: 360×740, touch, device
scale 2, and — where a test asks — slow 3G and a CPU four times slower.

Without Playwright or Chromium these tests skip, except under ``CI=true`` where they fail.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from geomap.registry.access import SYSTEM
from geomap.registry.risk import validate_risk_collection
from geomap.registry.store import SQLiteStore
from geomap.registry.validate import validate_collection
from routing import network_from_file
from tests.api.seed import Server
from tests.paths import DATA, PORTO_ALEGRE_PBF, ROOT

SAMPLE = json.loads((DATA / "porto_alegre" / "sample_registry.geojson").read_text())
ZONES = json.loads((DATA / "porto_alegre" / "sample_risk_zones.geojson").read_text())
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
PHONE = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
#: Chrome DevTools' "Slow 3G" (now "3G"): 2 s latency per request, 400 kbit/s each way.
SLOW_3G = {
    "offline": False,
    "latency": 2000,
    "downloadThroughput": 50_000,
    "uploadThroughput": 50_000,
    "connectionType": "cellular3g",
}
NODE_TOOLS = ROOT / "tests" / "web" / "js"


def _missing(what: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is needed by the page tests (see .ci/run)")
    pytest.skip(f"{what} is not installed")


def chromium_path() -> str:
    path = os.environ.get("GEOMAP_CHROMIUM") or shutil.which("chromium")
    if path is None:
        _missing("Chromium")
    assert path is not None
    return path


def axe_source() -> str:
    """axe-core's script (npm package in tests/web/js, installed by .ci/run)."""
    path = NODE_TOOLS / "node_modules" / "axe-core" / "axe.min.js"
    if not path.is_file():
        _missing("axe-core (cd tests/web/js && npm ci)")
    return path.read_text()


def serve(folder: Path, network: Path, places: Any, zones: Any | None = None) -> Server:
    """A started server with ``places`` (and ``zones``) in a fresh registry."""
    store = SQLiteStore(folder / "registry.sqlite")
    store.import_places("places", validate_collection(places), SYSTEM, "sample")
    if zones is not None:
        store.import_places("risk_zones", validate_risk_collection(zones), SYSTEM, "sample")
    store.close()
    running = Server(
        folder / "registry.sqlite", folder / "server.log", env={"GEOMAP_NETWORK": str(network)}
    )
    running.start(timeout_s=120)
    return running


@pytest.fixture(scope="session")
def web_server(tmp_path_factory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("web")
    network = network_from_file(PORTO_ALEGRE_PBF, "walk")
    network.meta["source"] = str(PORTO_ALEGRE_PBF)  # the basemap reads its areas from it
    saved = network.save(folder / "poa.npz")
    running = serve(folder, saved, SAMPLE, ZONES)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Chromium with a fresh profile: each test opens its own context (fresh storage)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("Playwright (pip install playwright)")
    path = chromium_path()
    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


class Phone:
    """A browser context emulating the phone, recording every request it makes."""

    def __init__(self, browser: Any, **options: Any) -> None:
        settings = {
            **PHONE,
            "locale": "es-ES",
            "timezone_id": "America/Sao_Paulo",
            "service_workers": "allow",
            **options,
        }
        self.context = browser.new_context(**settings)
        self.context.set_default_timeout(30_000)
        self.requests: list[str] = []
        self.context.on("request", lambda r: self.requests.append(r.url))
        self.errors: list[str] = []

    def page(self) -> Any:
        made = self.context.new_page()
        made.on("pageerror", lambda e: self.errors.append(str(e)))
        return made

    def throttle(self, page: Any, *, network: dict[str, Any] | None = None, cpu: float = 4) -> None:
        """Slow 3G and a CPU ``cpu`` times slower, through the DevTools protocol."""
        cdp = self.context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", network or SLOW_3G)
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": cpu})

    def foreign(self, server: Server) -> list[str]:
        """Requests to anything but ``server`` (data: and blob: URLs are not requests)."""
        return [
            url
            for url in self.requests
            if not url.startswith(server.url + "/") and not url.startswith(("data:", "blob:"))
        ]

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def phone(browser) -> Iterator[Callable[..., Phone]]:
    made: list[Phone] = []

    def open_phone(**options: Any) -> Phone:
        made.append(Phone(browser, **options))
        return made[-1]

    try:
        yield open_phone
    finally:
        for p in made:
            p.close()


def wait_until(page: Any, expression: str, timeout_s: float = 30.0) -> None:
    """Poll ``expression`` with page.evaluate (the page's CSP forbids wait_for_function's eval)."""
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"timed out waiting for {expression}"
        time.sleep(0.05)


def run_axe(page: Any, source: str) -> list[dict[str, Any]]:
    """axe-core's violations on ``page`` (the context must bypass the page's CSP)."""
    page.evaluate(source)
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]


def small_targets(page: Any) -> list[dict[str, Any]]:
    """Visible tappable elements smaller than 44×44 CSS px (a check box counts with its label)."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll(
            'a[href], button, input, select, textarea, summary, [role=button],'
            + '.leaflet-marker-icon.leaflet-interactive'))
          .map(e => (e.type === 'radio' || e.type === 'checkbox') ? (e.closest('label') || e) : e)
          .filter(e => { const r = e.getBoundingClientRect(); const s = getComputedStyle(e);
            return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' })
          .map(e => { const r = e.getBoundingClientRect();
            return {tag: e.tagName, id: e.id, cls: String(e.className),
                    text: (e.textContent || '').trim().slice(0, 30),
                    w: Math.round(r.width), h: Math.round(r.height)}; })
          .filter(b => b.w < 44 || b.h < 44)"""
    )


def node_tool(*args: str, timeout_s: float = 300) -> subprocess.CompletedProcess[str]:
    """Run a tool installed under tests/web/js/node_modules/.bin."""
    tool = NODE_TOOLS / "node_modules" / ".bin" / args[0]
    if not tool.is_file():
        _missing(f"{args[0]} (cd tests/web/js && npm ci)")
    return subprocess.run(
        [str(tool), *args[1:]], capture_output=True, text=True, timeout=timeout_s, check=False
    )
