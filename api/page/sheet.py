"""The printable sheet of a place: hours in words, a map with street names, a QR code.

One page to print and pin up or hand out: the place, its hours in words, when it was last
verified, a map of its surroundings (with a text alternative), the places nearby named in the
sheet's language, the essential contacts of its country and a QR code of this sheet's address,
drawn here as SVG (``segno``): nothing is fetched from anywhere else.
"""

from __future__ import annotations

import io
import math
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup, escape

from api.deps import AnyCaller, Store, check_query, get_caller, get_settings
from api.page import content, i18n
from api.page.routes import CONTACT_LABELS, html_response, street_index, templates
from api.page.streets import StreetIndex
from geomap import hours
from geomap.deployment import OutsideNetworksError
from geomap.errors import NotFoundError, ServiceUnavailableError
from geomap.localtime import local_now
from geomap.settings import Settings

router = APIRouter(dependencies=[Depends(check_query), Depends(get_caller)], tags=["Public page"])
#: How many street names the sheet's map writes at most.
MAX_LABELS = 14


def svg_map(
    index: StreetIndex | None,
    center: tuple[float, float],
    places: list[dict[str, Any]],
    *,
    title: str,
    half_m: float = 500.0,
    size: int = 600,
) -> tuple[Markup, list[str]]:
    """An SVG map of the streets around ``center`` with their names and numbered places.

    Returns the SVG and the names of the streets written on it (for the text alternative).
    """
    lon0, lat0 = center
    dlat = half_m / 111_320.0
    dlon = half_m / (111_320.0 * max(math.cos(math.radians(lat0)), 0.01))
    box = (lon0 - dlon, lat0 - dlat, lon0 + dlon, lat0 + dlat)

    def xy(lon: float, lat: float) -> tuple[float, float]:
        x = (lon - box[0]) / (box[2] - box[0]) * size
        y = (box[3] - lat) / (box[3] - box[1]) * size
        return x, y

    def pts(coords: Any) -> str:
        return " L".join("{:.1f},{:.1f}".format(*xy(lon, lat)) for lon, lat in coords)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" class="sheet-map" '
        f'role="img" aria-labelledby="map-title map-desc"><title id="map-title">{escape(title)}'
        "</title>",
        f'<rect width="{size}" height="{size}" fill="#fff"/>',
    ]
    named: list[str] = []
    if index is not None:
        net = index.network
        names = net.segment_attr("name")
        longest: dict[str, tuple[float, int]] = {}
        for seg in index.segments_in(box).tolist():
            coords = net.segment_coords(seg)
            width = 2.5 if index.major[seg] else 1.0
            parts.append(
                f'<path d="M{pts(coords)}" fill="none" stroke="#888" stroke-width="{width}"/>'
            )
            name = names[seg]
            inside = all(box[0] <= c[0] <= box[2] and box[1] <= c[1] <= box[3] for c in coords)
            if name and inside and net.seg_length[seg] > longest.get(name, (0.0, -1))[0]:
                longest[name] = (float(net.seg_length[seg]), seg)
        ranked = sorted(longest.items(), key=lambda kv: -kv[1][0])[:MAX_LABELS]
        for number, (name, (_length, seg)) in enumerate(ranked):
            coords = net.segment_coords(seg)
            (x1, _y1), (x2, _y2) = xy(*coords[0]), xy(*coords[-1])
            if x2 < x1:  # write left to right
                coords = coords[::-1]
            parts.append(f'<path id="street-{number}" d="M{pts(coords)}" fill="none"/>')
            parts.append(
                '<text font-size="11" fill="#333" stroke="#fff" stroke-width="3" '
                f'paint-order="stroke" dy="-3"><textPath href="#street-{number}" '
                f'startOffset="50%" text-anchor="middle">{escape(name)}</textPath></text>'
            )
            named.append(name)
    for number, place in enumerate(places, start=1):
        x, y = xy(*place["coordinates"])
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="9" fill="#0d47a1"/>')
        parts.append(
            f'<text x="{x:.1f}" y="{y:.1f}" dy="4" text-anchor="middle" font-size="11" '
            f'fill="#fff">{number}</text>'
        )
    x, y = xy(lon0, lat0)
    parts.append(
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="11" fill="#c62828" stroke="#fff" stroke-width="3"/>'
    )
    parts.append("</svg>")
    return Markup("".join(parts)), named


def qr_svg(text: str) -> Markup:
    """``text`` as a QR code, inline SVG (drawn here by segno)."""
    import segno

    out = io.BytesIO()
    segno.make(text, error="m").save(
        out, kind="svg", scale=3, border=2, xmldecl=False, svgns=True, svgclass="qr",
        omitsize=True,
    )  # fmt: skip
    return Markup(out.getvalue().decode())


def _verified(value: Any, lang: str) -> str | None:
    from babel.dates import format_date

    if not value:
        return None
    try:
        day = date.fromisoformat(str(value)[:10])
    except ValueError:
        return None
    return str(format_date(day, format="long", locale=lang))


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
        index = street_index(request, (lon, lat))
        try:
            found = transit.nearby((lon, lat), caller, minutes=15.0)
        except ValueError:
            found = []
        for f in found:
            site = f["site"]
            if site.id == place_id or len(near) >= 8:
                continue
            try:
                other = content.place_name(
                    store.get("places", site.id, caller).properties, language
                )
            except NotFoundError:
                continue
            near.append(
                {
                    "name": other or site.name,
                    "minutes": max(1, round(f["minutes"])),
                    "services": [labels.get(s, s) for s in site.services],
                    "coordinates": [site.lon, site.lat],
                }
            )
    picked = sheet_messages(store, caller, props, language, today=date.today())
    country = content.contacts(settings.data_dir, language).get(props.get("country", ""))
    name = content.place_name(props, language)
    _ = lambda m: i18n.gettext(language, m)  # noqa: E731
    svg, streets = svg_map(
        index, (lon, lat), near, half_m=800.0, title=_("Map of the surroundings")
    )
    described = hours.describe(
        props.get("opening_hours"), when=local_now((lon, lat)), lang=language
    )
    own_url = str(request.url.replace(query=f"lang={language}"))
    html = (
        templates()
        .get_template("sheet.html")
        .render(
            lang=language,
            _=_,
            name=name,
            kind=content.kind_labels(language).get(props.get("kind", ""), ""),
            props=props,
            services=[labels.get(s, s) for s in props.get("services", [])],
            populations=[
                content.population_labels(language).get(p, p) for p in props.get("populations", [])
            ],
            languages=[i18n.language_name(code, language) for code in props.get("languages", [])],
            week_text=described["week_text"],
            verified=_verified(props.get("verified_at"), language),
            near=near,
            streets=streets,
            country=country,
            contact_labels=CONTACT_LABELS,
            contact=_shown_contact(props.get("contact") or {}),
            messages=picked,
            svg=svg,
            qr=qr_svg(own_url),
            own_url=own_url,
        )
    )
    return html_response(html)


def sheet_messages(
    store: Any, caller: Any, props: dict[str, Any], lang: str, *, today: date
) -> list[dict[str, Any]]:
    """The key messages the place's officers picked (``messages``), as the sheet prints them.

    Only messages the caller may see that are in force in the place's country today; any
    other id (unknown, hidden, expired, another country's) is left out without a trace.
    """
    from geomap.registry.messages import in_force, shown

    out = []
    for fid in props.get("messages") or []:
        try:
            record = store.get("messages", fid, caller)
        except NotFoundError:
            continue
        if record.retired or not in_force(
            record.properties, country=str(props.get("country", "")), today=today
        ):
            continue
        out.append(shown(record.id, record.properties, lang))
    return out


def _shown_contact(contact: dict[str, Any]) -> dict[str, Any]:
    """Public contact as printed: phone numbers stored E.164, shown as dialled nationally."""
    from geomap.registry.phones import national

    return {
        k: national(v) if k in ("phone", "whatsapp") and isinstance(v, str) else v
        for k, v in contact.items()
    }
