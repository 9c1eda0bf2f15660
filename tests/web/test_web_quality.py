"""Weight, the first list's critical path, the low-data mode, accessibility (axe-core) and
touch targets on the emulated phone, in every state the page has.

Times are measured, never asserted (speed is a benchmark): with ``GEOMAP_WRITE_RESULTS=1``
the figures go to ``benchmarks/results/page.md`` and ``page.json``.
"""

from __future__ import annotations

import json
import os
from typing import Any

from tests.paths import ROOT
from tests.web.conftest import SLOW_3G, axe_source, run_axe, small_targets, wait_until
from tests.web.test_web_page import AT, FOOD, open_place

RESULTS = ROOT / "benchmarks" / "results"
#: Chrome DevTools' "Slow 4G" (formerly "Fast 3G"), Lighthouse's mobile default.
SLOW_4G = {**SLOW_3G, "latency": 562.5, "downloadThroughput": 180_000, "uploadThroughput": 84_375}


class Wire:
    """Bytes that crossed the network (bodies as sent, compressed, plus headers)."""

    def __init__(self, context: Any) -> None:
        self.rows: list[dict[str, Any]] = []
        self.events: list[tuple[str, str]] = []
        context.on("request", lambda r: self.events.append(("request", r.url)))
        context.on("requestfinished", self._finished)

    def _finished(self, request: Any) -> None:
        self.events.append(("finished", request.url))
        response = request.response()
        if response is None or response.from_service_worker:
            return  # answered on the phone, nothing crossed the network
        sizes = request.sizes()
        self.rows.append(
            {
                "path": request.url.split("?")[0].split("/", 3)[-1],
                "body_bytes": sizes["responseBodySize"],
                "header_bytes": sizes["responseHeadersSize"],
                "status": response.status,
            }
        )

    @property
    def total(self) -> int:
        return sum(r["body_bytes"] + r["header_bytes"] for r in self.rows)

    def index(self, kind: str, fragment: str) -> int:
        return next(i for i, (k, url) in enumerate(self.events) if k == kind and fragment in url)


def settle(page: Any) -> None:
    page.wait_for_selector("#places li[data-id]")
    wait_until(page, "window.geomapBasemapLoaded === true && window.geomapOfflineReady === true")
    page.wait_for_load_state("networkidle")


def test_first_load_repeat_visit_and_the_first_lists_critical_path(phone, web_server) -> None:
    device = phone()
    wire = Wire(device.context)
    page = device.page()
    page.goto(f"{web_server.url}/#at={AT}")
    settle(page)
    first = wire.total
    first_rows = list(wire.rows)
    # the places were asked for by the page itself, before its script had even arrived
    assert wire.index("request", "/nearby?") < wire.index("finished", "/static/page/app.js")
    assert first < 100 * 1024, first_rows
    wire.rows.clear()
    again = device.page()
    again.goto(f"{web_server.url}/#at={AT}")
    again.wait_for_selector("#places li[data-id]")
    wait_until(again, "window.geomapBasemapLoaded === true")
    again.wait_for_load_state("networkidle")
    repeat = wire.total
    assert repeat < 10 * 1024, wire.rows
    assert device.foreign(web_server) == []
    timings = {
        name: first_list_ms(phone, web_server, net)
        for name, net in (("slow_3g", SLOW_3G), ("slow_4g", SLOW_4G))
    }
    write_results(first, first_rows, repeat, list(wire.rows), timings)


def first_list_ms(phone, server, network: dict[str, Any]) -> dict[str, Any]:
    device = phone()
    page = device.page()
    device.throttle(page, network=network, cpu=4)
    page.goto(f"{server.url}/#at={AT}", timeout=120_000)
    page.wait_for_selector("#places li[data-id]", timeout=120_000)
    approx = page.evaluate("window.geomapTiming.approxList || null")
    out = {
        # the first list shown: the approximate one from the page's snapshot when there is one
        "first_list_ms": round(
            approx if approx is not None else page.evaluate("window.geomapTiming.firstList")
        ),
        "walking_list_ms": round(page.evaluate("window.geomapTiming.firstList")),
        "approximate_first": approx is not None,
        "latency_ms": network["latency"],
        "low_data_mode": page.evaluate("document.body.classList.contains('lowdata')"),
    }
    device.close()
    return out


def write_results(first, first_rows, repeat, repeat_rows, timings) -> None:
    if os.environ.get("GEOMAP_WRITE_RESULTS") != "1":
        return
    result = {
        "description": "The map page opened from a #at= link at Porto Alegre's bus station "
        "(sample registry and risk layer, Porto Alegre network), headless Chromium emulating "
        "a 360x740 touch phone; bytes on the wire until the list, the basemap and the offline "
        "copy are done and the network is idle; first list with the CPU 4x slower.",
        "first_load_bytes": first,
        "repeat_visit_bytes": repeat,
        "first_list": timings,
        "first_load": first_rows,
        "repeat_visit": repeat_rows,
    }
    (RESULTS / "page.json").write_text(json.dumps(result, indent=2) + "\n")
    lines = [
        "# Map page: weight and time to first list",
        "",
        result["description"],
        "",
        f"- first load, compressed bytes on the wire: **{first}** ({first / 1024:.1f} KiB; "
        "budget 100 KiB)",
        f"- repeat visit: **{repeat}** bytes ({repeat / 1024:.1f} KiB; budget 10 KiB)",
        "- time to first list from a `#at=` link, CPU 4x slower: "
        + "; ".join(
            f"{name.replace('_', ' ')} ({t['latency_ms']} ms per request): "
            f"**{t['first_list_ms']} ms**"
            + (" (approximate, straight line)" if t["approximate_first"] else "")
            + f", walking-time list {t['walking_list_ms']} ms"
            + (" (low-data mode on)" if t["low_data_mode"] else "")
            for name, t in timings.items()
        ),
        "",
        "The first list comes with the page itself: a bounded snapshot of the public places "
        "(api/page/snapshot.py) is inlined and listed by straight-line distance, labelled "
        "approximate, as soon as the page is parsed (one round trip). The walking-time list "
        "needs two requests one after the other (the page, then `/nearby`, which the page "
        "starts before its script arrives), so it cannot come before twice the latency per "
        "request: 4 s on DevTools' Slow 3G (2 s per request), 1.1 s on Slow 4G; it replaces "
        "the approximate list when it arrives.",
        "",
        "| first load | body bytes | header bytes | status |",
        "|---|---:|---:|---|",
        *(
            f"| `/{r['path']}` | {r['body_bytes']} | {r['header_bytes']} | {r['status']} |"
            for r in first_rows
        ),
        "",
        "| repeat visit | body bytes | header bytes | status |",
        "|---|---:|---:|---|",
        *(
            f"| `/{r['path']}` | {r['body_bytes']} | {r['header_bytes']} | {r['status']} |"
            for r in repeat_rows
        ),
        "",
    ]
    (RESULTS / "page.md").write_text("\n".join(lines))


def test_a_slow_connection_switches_the_low_data_mode_on(phone, web_server) -> None:
    device = phone()
    page = device.page()
    device.throttle(page, network=SLOW_3G, cpu=1)
    page.goto(f"{web_server.url}/#at={AT}", timeout=120_000)
    page.wait_for_selector("#places li[data-id]", timeout=120_000)
    assert page.evaluate("navigator.connection.effectiveType") in ("2g", "slow-2g")
    assert page.evaluate("document.body.classList.contains('lowdata')")
    assert not page.locator("#map").is_visible()
    assert page.is_checked("#lowdata")
    assert not any("leaflet" in url for url in device.requests)
    page.click("#filters summary")
    page.uncheck("#lowdata")  # the person can ask for the map anyway
    page.wait_for_selector("#map .leaflet-control-zoom", timeout=120_000)
    assert device.foreign(web_server) == []


def test_axe_and_touch_targets_in_every_state(phone, web_server) -> None:
    axe = axe_source()
    device = phone(bypass_csp=True)  # only so that the test can load axe into the page
    page = device.page()
    found: dict[str, Any] = {}

    def check(state: str, touch: bool = True) -> None:
        found[state] = {"axe": run_axe(page, axe), "small": small_targets(page) if touch else []}

    page.goto(f"{web_server.url}/")
    page.wait_for_selector("#map .leaflet-control-zoom")
    check("no location yet")
    page.goto(f"{web_server.url}/#at={AT}")
    page.reload()
    settle(page)
    check("list")
    page.click("#filters summary")
    page.click("#legend summary")
    check("filters and legend open")
    page.click("#filters summary")
    open_place(page, FOOD)
    page.wait_for_selector("#route-info .route-len")
    page.click("#route-info .steps summary")
    page.click("#details .report summary")
    check("place with route, directions and report form")
    page.click("#details .back")
    device.context.set_offline(True)
    page.reload()
    page.wait_for_selector("#offline:not([hidden])")
    check("offline")
    device.context.set_offline(False)
    page.goto(f"{web_server.url}/places/{FOOD}/sheet?lang=pt")
    check("printable sheet", touch=False)
    bad = {k: v for k, v in found.items() if v["axe"] or v["small"]}
    assert bad == {}
    assert device.foreign(web_server) == []


def lighthouse(url: str, out: Any) -> dict[str, Any]:
    """Lighthouse's mobile audit (simulated slow 4G, CPU 4x slower) of ``url``."""
    from tests.web.conftest import chromium_path, node_tool

    ran = node_tool(
        "lighthouse",
        url,
        f"--chrome-path={chromium_path()}",
        "--chrome-flags=--headless --no-sandbox --disable-gpu",
        "--only-categories=performance,accessibility,best-practices",
        "--output=json",
        f"--output-path={out}",
        "--quiet",
    )
    assert ran.returncode == 0, ran.stderr[-2000:]
    report: dict[str, Any] = json.loads(out.read_text())
    return report


def test_lighthouse_accessibility_and_best_practices(web_server, tmp_path) -> None:
    """Scores that are not speed (performance is a benchmark: see benchmarks/results/page.md)."""
    report = lighthouse(f"{web_server.url}/#at={AT}", tmp_path / "lighthouse.json")
    scores = {k: v["score"] for k, v in report["categories"].items()}
    assert scores["accessibility"] >= 0.95, scores
    assert scores["best-practices"] >= 0.95, scores
    requested = [r["url"] for r in report["audits"]["network-requests"]["details"]["items"]]
    assert all(u.startswith((web_server.url, "data:")) for u in requested), requested
    if os.environ.get("GEOMAP_WRITE_RESULTS") == "1":
        keep = {
            "scores": scores,
            "metrics": {
                k: report["audits"][k]["displayValue"]
                for k in (
                    "first-contentful-paint",
                    "largest-contentful-paint",
                    "speed-index",
                    "total-blocking-time",
                    "cumulative-layout-shift",
                )
            },
            "lighthouse": report["lighthouseVersion"],
        }
        (RESULTS / "page_lighthouse.json").write_text(json.dumps(keep, indent=2) + "\n")
        md = RESULTS / "page.md"
        text = md.read_text().split("\n## Lighthouse")[0] if md.is_file() else ""
        lines = [
            "## Lighthouse (mobile: simulated slow 4G, CPU 4x slower)",
            "",
            f"Lighthouse {keep['lighthouse']} on the same `#at=` link: "
            + ", ".join(f"{k} **{round(v * 100)}**" for k, v in scores.items())
            + "; "
            + ", ".join(f"{k} {v}" for k, v in keep["metrics"].items()).replace("\u00a0", " ")
            + ". Scores vary with the machine's load (2 cores shared while measuring).",
            "",
        ]
        md.write_text(text.rstrip("\n") + "\n\n" + "\n".join(lines))
