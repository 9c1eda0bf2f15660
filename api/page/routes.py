"""The page's routes: ``/`` for browsers, the basemap tiles, the service worker, the exit page."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from functools import cache
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from markupsafe import Markup

from api.deps import check_query, get_caller
from api.errors import MalformedRequestError
from api.page import content, i18n
from api.page.settings import PageSettings
from api.page.streets import StreetIndex, parse_bbox
from api.transit import BBOX_PATTERN
from geomap import hours
from geomap.basemap import MAX_ZOOM, MIN_ZOOM
from geomap.deployment import OutsideNetworksError
from geomap.errors import NotFoundError, ServiceUnavailableError
from geomap.settings import Settings

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
#: Texts the page's script needs, translated into the page's language when it is served.
SCRIPT_MESSAGES = (
    "{minutes} min on foot",
    "{distance} in a straight line",
    "{distance} on foot, about {minutes} min.",
    "No places within this walking time.",
    "No places match these filters.",
    "{n} places match but are closed now.",
    "Looking for places…",
    "Looking for the safest route…",
    "No connection.",
    "Showing data saved on {when}.",
    "Route saved on {when}.",
    "Without connection only places within {minutes} min are known.",
    "No connection: places cannot be searched from here.",
    "No connection: places of the saved area by straight-line distance, not walking time.",
    "No connection: the route to this place was not saved.",
    "There is no data for this place yet. Pick a town from the list.",
    "The server is busy. Try again in a minute.",
    "Something went wrong. Try again.",
    "Your location could not be found.",
    "Locating…",
    "No walking route to this place.",
    "Open when you arrive ({time}).",
    "Closed when you arrive ({time}).",
    "Services",
    "Opening hours",
    "Languages",
    "Organization",
    "Who it is for",
    "Last verified",
    "verified {ago}",
    "Call",
    "Printable sheet",
    "Back to the list",
    "Directions step by step",
    "Share the directions",
    "Copied: paste it into a message.",
    "Report a problem with this place",
    "What is wrong?",
    "It is closed",
    "The hours are wrong",
    "It is not safe",
    "Something else",
    "Note (optional, do not write your name)",
    "Send anonymously",
    "Thank you. The team of this country will check it.",
    "No connection: not sent. Try again when you are online.",
    "Sample: not a real number",
    "Sample data: not a real service",
    "Verify before use",
    "Forgotten.",
    "Pick a location inside a covered town first.",
    "Saving… {done} of {total}",
    "Saved for offline use: {name} ({size}).",
    "No connection: the area could not be saved.",
    "Approximate: distances as the crow flies. Walking times are on their way.",
)

#: Msgids of the public contact fields of a place.
CONTACT_LABELS = {"phone": "Phone", "whatsapp": "WhatsApp", "email": "Email", "website": "Website"}
#: Msgids of the risk levels, most severe first.
LEVEL_LABELS = {
    "avoid": "Risk zone to avoid",
    "high": "High-risk zone",
    "medium": "Medium-risk zone",
    "low": "Low-risk zone",
}
#: Minutes of walking the first request of a ``#at=`` link asks for (the page's default).
FIRST_MINUTES = 30
#: Started by the page itself before its script arrives: the places of a ``#at=`` link, so
#: the first list waits for one request after the page, not three. Kept in step with app.js.
BOOTSTRAP = (
    "(function(){var m=/at=(-?[0-9.]+),(-?[0-9.]+)/.exec(location.hash),q=/(^#|&)m=([0-9]+)/"
    ".exec(location.hash);if(!m||!window.fetch)return;var w=+(+m[1]).toFixed(5),s=+(+m[2])"
    ".toFixed(5),n=q?+q[2]:" + str(FIRST_MINUTES) + ",d=new Date(),t=function(v){return(v<10"
    '?"0":"")+v},h={headers:{Accept:"application/json"}},dy=n*80/111320,dx=dy/Math.max(Math'
    ".cos(s*Math.PI/180),.2),b=[w-dx,s-dy,w+dx,s+dy].map(function(v){return v.toFixed(3)})"
    '.join(","),u="/collections/places/items?limit=1000&bbox="+b;window.geomapTiming={};'
    'window.geomapFirst={at:w+","+s,minutes:n,detailsUrl:u,nearby:fetch("/nearby?at="+w+","'
    '+s+"&minutes="+n+"&time="+d.getFullYear()+"-"+t(d.getMonth()+1)+"-"+t(d.getDate())+"T"'
    '+t(d.getHours())+":"+t(d.getMinutes()),h),details:fetch(u,h)}})();'
)


def _sha256(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


BOOTSTRAP_HASH = _sha256(BOOTSTRAP)


@cache
def inline_parts() -> dict[str, str]:
    """The page's inlined style sheet and first-list script, and their CSP hashes.

    Both are inlined so that nothing blocks the first list of a ``#at=`` link: a style sheet
    still on its way would hold back the inline script and the first paint for a round trip.
    """
    css = (STATIC / "app.css").read_text()
    first = (STATIC / "first.js").read_text()
    first = first[first.index("*/") + 2 :].strip()  # the comment stays in the source file
    return {"css": css, "css_hash": _sha256(css), "first": first, "first_hash": _sha256(first)}


def places_snapshot(request: Request, lang: str) -> dict[str, Any]:
    """The public places snapshot the page carries (see api.page.snapshot), cached per version.

    Read as an ANONYMOUS caller through each network's transit service, the very path
    ``/nearby`` takes for the public: restricted and partners-only places are never in it.
    """
    from api.page import snapshot
    from geomap.registry.access import ANONYMOUS

    page: PageSettings = request.app.state.page_settings
    entries = list(request.app.state.services.deployment)
    key = (
        lang,
        page.snapshot_bytes,
        tuple((e.id, e.service.place_source.version()) for e in entries),
    )
    cached: dict[Any, dict[str, Any]] = request.app.state.__dict__.setdefault("snapshots", {})
    found = cached.get(key)
    if found is None:
        found = snapshot.build(
            ((e.info, e.service.places(ANONYMOUS)) for e in entries),
            lang=lang,
            max_bytes=page.snapshot_bytes,
        )
        with request.app.state.page_lock:
            stale = [k for k in cached if k[2] != key[2]]
            for k in stale:
                del cached[k]
            cached[key] = found
    return found


router = APIRouter(dependencies=[Depends(check_query), Depends(get_caller)], tags=["Public page"])


@cache
def templates() -> Any:
    """The page's Jinja environment."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    return Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _leaflet_dir() -> str:
    import xstatic.pkg.leaflet

    return str(xstatic.pkg.leaflet.BASE_DIR)


def install(app: FastAPI) -> None:
    """Add the page to ``app``: its routes, its static files and its settings."""
    from api.page import sheet

    app.state.page_settings = PageSettings()
    app.state.page_lock = threading.Lock()
    app.include_router(router)
    app.include_router(sheet.router)
    app.mount("/static/leaflet", StaticFiles(directory=_leaflet_dir()), name="leaflet")
    app.mount("/static/page", StaticFiles(directory=STATIC), name="page-static")


def _network(request: Request, point: tuple[float, float] | None) -> Any:
    """The network covering ``point`` (the first one without a point)."""
    deployment = request.app.state.services.deployment
    if not len(deployment):
        raise ServiceUnavailableError(
            "streets are not available: this server has no walking network (GEOMAP_NETWORKS)"
        )
    if point is None:
        return next(iter(deployment)).service.network
    return deployment.locate(point).network


def street_index(request: Request, point: tuple[float, float] | None = None) -> StreetIndex:
    """The street index of the network covering ``point``, built on first use."""
    network = _network(request, point)
    indexes: dict[int, StreetIndex] = request.app.state.__dict__.setdefault("street_indexes", {})
    index = indexes.get(id(network))
    if index is None or index.network is not network:
        index = StreetIndex(network)
        indexes[id(network)] = index
    return index


def basemap_of(request: Request, network: Any) -> Any:
    """The basemap of ``network`` (areas from its OSM extract), built on first use."""
    from geomap.basemap import Basemap, read_areas

    with request.app.state.page_lock:
        built: dict[int, Any] = request.app.state.__dict__.setdefault("basemaps", {})
        found = built.get(id(network))
        if found is None or found.network is not network:
            page: PageSettings = request.app.state.page_settings
            source = page.basemap_osm or Path(str(network.meta.get("source", "")))
            found = Basemap(network, read_areas(source) if source.is_file() else None)
            built[id(network)] = found
    return found


def _covering(request: Request, bbox: tuple[float, float, float, float]) -> Any | None:
    """The network whose extent meets ``bbox`` the most (None when none does)."""
    deployment = request.app.state.services.deployment
    if not len(deployment):
        raise ServiceUnavailableError(
            "the basemap is not available: this server has no walking network (GEOMAP_NETWORKS)"
        )
    best, best_area = None, 0.0
    for entry in deployment:
        w, s, e, n = entry.info["bbox"]
        area = max(0.0, min(e, bbox[2]) - max(w, bbox[0])) * max(
            0.0, min(n, bbox[3]) - max(s, bbox[1])
        )
        if area > best_area:
            best, best_area = entry.service.network, area
    return best


def csp(
    tile_url: str | None,
    *,
    script_hashes: tuple[str, ...] = (),
    style_hashes: tuple[str, ...] = (),
) -> str:
    """The page's Content-Security-Policy: this server only (and an opt-in tile host)."""
    images = "'self' data:"
    if tile_url:
        scheme, _, rest = tile_url.partition("://")
        host = rest.split("/")[0].replace("{s}", "*")
        images += f" {scheme}://{host}"
    scripts = " ".join(["'self'", *(f"'sha256-{h}'" for h in script_hashes)])
    styles = " ".join(["'self'", *(f"'sha256-{h}'" for h in style_hashes)])
    return (
        f"default-src 'self'; script-src {scripts}; style-src {styles}; "
        f"img-src {images}; connect-src 'self'; worker-src 'self'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )


_csp = csp  # the name the serving tests know


def html_response(
    text: str,
    *,
    tile_url: str | None = None,
    script_hashes: tuple[str, ...] = (),
    style_hashes: tuple[str, ...] = (),
) -> HTMLResponse:
    """An HTML answer with the page's security and caching headers (and an ETag)."""
    response = HTMLResponse(text)
    response.headers["Content-Security-Policy"] = csp(
        tile_url, script_hashes=script_hashes, style_hashes=style_hashes
    )
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Vary"] = "Accept, Accept-Language"
    response.headers["ETag"] = '"' + hashlib.sha256(text.encode()).hexdigest()[:20] + '"'
    return response


def _script_json(value: Any) -> Markup:
    """JSON safe inside a ``<script type="application/json">`` element."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def _days(lang: str) -> list[str]:
    from babel.dates import get_day_names

    names = get_day_names("wide", locale=lang)
    return [str(names[i]) for i in range(7)]


def index_response(request: Request, lang: str | None) -> Response:
    """The map page, in the language asked for or negotiated from ``Accept-Language``."""
    language = i18n.negotiate(lang, request.headers.get("accept-language", ""))
    settings: Settings = request.app.state.settings
    page: PageSettings = request.app.state.page_settings
    deployment = request.app.state.services.deployment
    networks = [
        {k: info[k] for k in ("id", "name", "countries", "bbox", "center", "towns")}
        for info in deployment.info()
    ]
    center = networks[0]["center"] if networks else [0.0, 0.0]
    config = {
        "lang": language,
        "t": {m: i18n.gettext(language, m) for m in SCRIPT_MESSAGES},
        "hours": hours.PHRASES[language],
        "days": _days(language),
        "services": content.service_labels(language),
        "kinds": content.kind_labels(language),
        "populations": content.population_labels(language),
        "contacts": content.contacts(settings.data_dir, language),
        "center": center,
        "networks": networks,
        "towns": [t for n in networks for t in n["towns"]],
        "leaflet": {"js": "/static/leaflet/leaflet.js", "css": "/static/leaflet/leaflet.css"},
        "tiles": {"url": page.tile_url, "attribution": page.tile_attribution}
        if page.tile_url
        else None,
    }
    inline = inline_parts()
    html = (
        templates()
        .get_template("index.html")
        .render(
            lang=language,
            languages=[(code, i18n.language_name(code)) for code in i18n.LANGUAGES],
            _=lambda m: i18n.gettext(language, m),
            services=config["services"],
            populations=config["populations"],
            towns=config["towns"],
            levels={k: i18n.gettext(language, v) for k, v in LEVEL_LABELS.items()},
            bootstrap=Markup(BOOTSTRAP),
            config=_script_json(config),
            snapshot=_script_json(places_snapshot(request, language)),
            css=Markup(inline["css"]),
            first=Markup(inline["first"]),
        )
    )
    response = html_response(
        html,
        tile_url=page.tile_url,
        script_hashes=(BOOTSTRAP_HASH, inline["first_hash"]),
        style_hashes=(inline["css_hash"],),
    )
    if request.headers.get("if-none-match") == response.headers["ETag"]:
        return Response(status_code=304, headers={"ETag": response.headers["ETag"]})
    return response


@router.get("/streets", summary="Streets of the walking network in a box (the page's basemap)")
def streets(
    request: Request,
    bbox: Annotated[
        str,
        Query(description="west,south,east,north in degrees (small boxes).", pattern=BBOX_PATTERN),
    ],
) -> JSONResponse:
    """GeoJSON MultiLineStrings (major and minor streets), simplified for drawing."""
    box = parse_bbox(bbox)
    try:
        index = street_index(request, ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2))
    except OutsideNetworksError:
        return JSONResponse({"type": "FeatureCollection", "features": []})
    response = JSONResponse(index.geojson(box))
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


@router.get("/basemap/{z}/{x}/{y}.json", summary="A tile of the page's vector basemap")
def basemap_tile(
    request: Request,
    z: Annotated[int, PathParam(ge=MIN_ZOOM, le=MAX_ZOOM)],
    x: Annotated[int, PathParam(ge=0, lt=2**MAX_ZOOM)],
    y: Annotated[int, PathParam(ge=0, lt=2**MAX_ZOOM)],
) -> Response:
    """Streets with names, water, parks and land use of a web-mercator tile (quantized).

    A column or row beyond the zoom level's tile matrix is no tile: 404.
    """
    from geomap.basemap import TileError, tile_bounds

    if not (x < 2**z and y < 2**z):
        raise NotFoundError(f"no tile {z}/{x}/{y}: zoom {z} has {2**z} columns and rows")
    try:
        network = _covering(request, tile_bounds(z, x, y))
        tile = basemap_of(request, network).tile(z, x, y) if network is not None else {
            "z": z, "x": x, "y": y, "extent": 4096, "names": [], "streets": []
        }  # fmt: skip
    except TileError as exc:
        raise MalformedRequestError(
            [{"index": None, "id": None, "field": "path", "message": str(exc)}], str(exc)
        ) from None
    body = json.dumps(tile, separators=(",", ":"))
    return Response(
        body, media_type="application/json", headers={"Cache-Control": "public, max-age=86400"}
    )


@cache
def _service_worker_text() -> str:
    digest = hashlib.sha256()
    for name in ("app.js", "messages.js", "app.css", "first.js", "icon.svg", "sw.js"):
        digest.update((STATIC / name).read_bytes())
    return (STATIC / "sw.js").read_text().replace("__VERSION__", digest.hexdigest()[:12])


@router.get("/sw.js", include_in_schema=False)
def service_worker() -> Response:
    """The page's service worker, served at the root so that it controls the whole page.

    Its version is a digest of the page's assets, so a new release renews the phone's copies.
    """
    return Response(
        _service_worker_text(),
        media_type="text/javascript",
        headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/"},
    )


@router.get("/exit", include_in_schema=False)
def exit_page() -> HTMLResponse:
    """A neutral blank page that clears everything this site stored in the browser."""
    response = html_response(
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>New tab</title></head><body></body></html>"
    )
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    response.headers["Cache-Control"] = "no-store"
    return response
