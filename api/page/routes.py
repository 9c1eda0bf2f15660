"""The page's routes: ``/`` for browsers, the street layer, the service worker, the sheets."""

from __future__ import annotations

import json
import math
from functools import cache
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from markupsafe import Markup

from api.deps import AnyCaller, Store, check_query, get_caller, get_settings
from api.page import content, i18n
from api.page.settings import PageSettings
from api.page.streets import StreetIndex, parse_bbox
from geomap.deployment import OutsideNetworksError
from geomap.errors import ServiceUnavailableError
from geomap.settings import Settings

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
#: Texts the page's script needs, translated into the page's language when it is served.
SCRIPT_MESSAGES = (
    "min on foot",
    "Open now",
    "Closed now",
    "Hours unknown",
    "No places within this walking time.",
    "Looking for places…",
    "Could not reach the server: showing the last places saved.",
    "Could not reach the server.",
    "Your location could not be found.",
    "Route drawn: {km} km, about {minutes} min on foot.",
    "No route avoiding risk zones: this one crosses them.",
    "Services",
    "Opening hours",
    "Languages",
    "Contact",
    "Printable sheet",
    "Back to the list",
    "You are here",
    "Sample: not a real number",
    "Verify before use",
    "Locating…",
    "Forgotten.",
)

#: Msgids of the public contact fields of a place.
CONTACT_LABELS = {"phone": "Phone", "whatsapp": "WhatsApp", "email": "Email", "website": "Website"}

router = APIRouter(dependencies=[Depends(check_query), Depends(get_caller)], tags=["Public page"])


@cache
def _templates() -> Any:
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
    app.state.page_settings = PageSettings()
    app.include_router(router)
    app.mount("/static/leaflet", StaticFiles(directory=_leaflet_dir()), name="leaflet")
    app.mount("/static/page", StaticFiles(directory=STATIC), name="page-static")


def _streets(request: Request, point: tuple[float, float] | None = None) -> StreetIndex:
    """The street index of the network covering ``point`` (the first network without one)."""
    deployment = request.app.state.services.deployment
    if not len(deployment):
        raise ServiceUnavailableError(
            "streets are not available: this server has no walking network (GEOMAP_NETWORKS)"
        )
    if point is None:
        network = next(iter(deployment)).service.network
    else:
        network = deployment.locate(point).network
    indexes: dict[int, StreetIndex] = request.app.state.__dict__.setdefault("street_indexes", {})
    index = indexes.get(id(network))
    if index is None or index.network is not network:
        index = StreetIndex(network)
        indexes[id(network)] = index
    return index


def _csp(tile_url: str | None) -> str:
    images = "'self' data:"
    if tile_url:
        scheme, _, rest = tile_url.partition("://")
        host = rest.split("/")[0].replace("{s}", "*")
        images += f" {scheme}://{host}"
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        f"img-src {images}; connect-src 'self'; worker-src 'self'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )


def _html(text: str, *, tile_url: str | None = None) -> HTMLResponse:
    response = HTMLResponse(text)
    response.headers["Content-Security-Policy"] = _csp(tile_url)
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Vary"] = "Accept, Accept-Language"
    return response


def _script_json(value: Any) -> Markup:
    """JSON safe inside a ``<script type="application/json">`` element."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def index_response(request: Request, lang: str | None) -> HTMLResponse:
    """The map page, in the language asked for or negotiated from ``Accept-Language``."""
    language = i18n.negotiate(lang, request.headers.get("accept-language", ""))
    settings: Settings = request.app.state.settings
    page: PageSettings = request.app.state.page_settings
    deployment = request.app.state.services.deployment
    towns = [t for info in deployment.info() for t in info["towns"]]
    center = deployment.info()[0]["center"] if len(deployment) else None
    if not towns:
        towns = content.towns(settings.data_dir)
    config = {
        "lang": language,
        "t": {m: i18n.gettext(language, m) for m in SCRIPT_MESSAGES},
        "services": content.service_labels(language),
        "kinds": content.kind_labels(language),
        "towns": towns,
        "contacts": content.contacts(settings.data_dir, language),
        "center": center or [towns[0]["lon"], towns[0]["lat"]],
        "tiles": {"url": page.tile_url, "attribution": page.tile_attribution}
        if page.tile_url
        else None,
    }
    html = (
        _templates()
        .get_template("index.html")
        .render(
            lang=language,
            languages=i18n.LANGUAGES,
            _=lambda m: i18n.gettext(language, m),
            services=config["services"],
            towns=towns,
            config=_script_json(config),
        )
    )
    return _html(html, tile_url=page.tile_url)


@router.get("/streets", summary="Streets of the walking network in a box (the page's basemap)")
def streets(
    request: Request,
    bbox: Annotated[str, Query(description="west,south,east,north in degrees (small boxes).")],
) -> JSONResponse:
    """GeoJSON MultiLineStrings (major and minor streets), simplified for drawing."""
    box = parse_bbox(bbox)
    center = ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
    try:
        index = _streets(request, center)
    except OutsideNetworksError:
        return JSONResponse({"type": "FeatureCollection", "features": []})
    response = JSONResponse(index.geojson(box))
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


@router.get("/sw.js", include_in_schema=False)
def service_worker() -> FileResponse:
    """The page's service worker, served at the root so that it controls the whole page."""
    return FileResponse(
        STATIC / "sw.js",
        media_type="text/javascript",
        headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/"},
    )


def _svg_map(
    index: StreetIndex | None,
    center: tuple[float, float],
    places: list[dict[str, Any]],
    *,
    half_m: float = 500.0,
    size: int = 600,
) -> Markup:
    """A plain SVG map of the streets around ``center`` with numbered places (drawing only)."""
    lon0, lat0 = center
    dlat = half_m / 111_320.0
    dlon = half_m / (111_320.0 * max(math.cos(math.radians(lat0)), 0.01))
    box = (lon0 - dlon, lat0 - dlat, lon0 + dlon, lat0 + dlat)

    def xy(lon: float, lat: float) -> str:
        x = (lon - box[0]) / (box[2] - box[0]) * size
        y = (box[3] - lat) / (box[3] - box[1]) * size
        return f"{x:.1f},{y:.1f}"

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" '
        f'class="sheet-map" role="img">',
        f'<rect width="{size}" height="{size}" fill="#fff"/>',
    ]
    if index is not None:
        for feature in index.geojson(box)["features"]:
            width = 2.5 if feature["properties"]["major"] else 1
            paths = " ".join(
                "M" + " L".join(xy(lon, lat) for lon, lat in line)
                for line in feature["geometry"]["coordinates"]
            )
            parts.append(f'<path d="{paths}" fill="none" stroke="#888" stroke-width="{width}"/>')
    for number, place in enumerate(places, start=1):
        x, y = xy(*place["coordinates"]).split(",")
        parts.append(f'<circle cx="{x}" cy="{y}" r="9" fill="#1565c0"/>')
        parts.append(
            f'<text x="{x}" y="{y}" dy="4" text-anchor="middle" font-size="11" '
            f'fill="#fff">{number}</text>'
        )
    x, y = xy(lon0, lat0).split(",")
    here = f'<circle cx="{x}" cy="{y}" r="11" fill="#c62828" stroke="#fff" stroke-width="3"/>'
    parts.append(here)
    parts.append("</svg>")
    return Markup("".join(parts))


@router.get("/places/{place_id}/sheet", summary="Printable sheet of a place", tags=["Public page"])
def sheet(
    *,
    request: Request,
    place_id: str,
    caller: AnyCaller,
    store: Store,
    settings: Annotated[Settings, Depends(get_settings)],
    lang: Annotated[str | None, Query(description="es, pt or en.")] = None,
) -> HTMLResponse:
    """One printable page: the place, a map of its surroundings, services near it, contacts."""
    language = i18n.negotiate(lang, request.headers.get("accept-language", ""))
    record = store.get("places", place_id, caller)
    props = record.properties
    lon, lat = record.geometry["coordinates"][:2]
    labels = content.service_labels(language)
    near: list[dict[str, Any]] = []
    index = None
    try:
        transit = request.app.state.services.deployment.locate((lon, lat))
    except (OutsideNetworksError, ServiceUnavailableError):
        transit = None
    if transit is not None:
        index = _streets(request, (lon, lat))
        try:
            found = transit.nearby((lon, lat), caller, minutes=15.0)
        except ValueError:
            found = []
        near = [
            {
                "name": f["site"].name,
                "minutes": round(f["minutes"]),
                "services": [labels.get(s, s) for s in f["site"].services],
                "coordinates": [f["site"].lon, f["site"].lat],
            }
            for f in found
            if f["site"].id != place_id
        ][:8]
    country = content.contacts(settings.data_dir, language).get(props.get("country", ""))
    html = (
        _templates()
        .get_template("sheet.html")
        .render(
            lang=language,
            _=lambda m: i18n.gettext(language, m),
            name=content.place_name(props, language),
            kind=content.kind_labels(language).get(props.get("kind", ""), ""),
            props=props,
            services=[labels.get(s, s) for s in props.get("services", [])],
            near=near,
            country=country,
            contact_labels=CONTACT_LABELS,
            svg=_svg_map(index, (lon, lat), near, half_m=800.0),
        )
    )
    return _html(html)
