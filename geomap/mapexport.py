"""Layered Folium maps of support spaces, risk zones and safe routes, optionally offline.

The base layer is drawn from our own streets (no tile server). ``self_contained=True`` inlines
Leaflet and Leaflet.markercluster from the ``xstatic`` packages and drops folium's other CDN
assets, so the single HTML file works without any network.
"""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from geomap.errors import GeomapError
from geomap.maps import (
    _LEVEL_COLORS,
    OSM_ATTRIBUTION,
    _attribution,
    _street_map,
    add_route_lines,
)

if TYPE_CHECKING:
    import folium

    from routing.network import Network

ZONES_LAYER = "Zonas de riesgo / Zonas de risco / Risk zones"
ROUTE_LAYER = "Ruta segura / Rota segura / Safe route"
PLACES_LEGEND = "Espacio de apoyo / Espaço de apoio / Support space"
SHORTEST_LAYER = "Ruta más corta / Rota mais curta / Shortest route"

#: One support-space icon for every place: plain HTML and CSS, no icon font or image.
_PLACE_ICON = (
    '<div class="geomap-place" style="width:18px;height:18px;border-radius:50%;'
    "background:#2166ac;border:2px solid #fff;box-shadow:0 0 2px #000;color:#fff;"
    'font:bold 12px/18px sans-serif;text-align:center">i</div>'
)
_SOURCE_MAP = re.compile(r"^//# sourceMappingURL=.*$", re.MULTILINE)
_CSS_IMAGE = re.compile(r"url\(images/([\w.-]+\.png)\)")
_FETCHED_URL = re.compile(
    r"<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=\s*[\"']?(?:https?:)?//", re.IGNORECASE
)


class OfflineMapError(GeomapError, RuntimeError):
    """A map meant to work offline would still fetch something from the network."""


def service_label(code: str) -> str:
    """The trilingual layer name of a service code (the code itself when unknown)."""
    from geomap.registry.vocab import SERVICES

    term = SERVICES.get(code)
    return f"{term.es} / {term.pt} / {term.en}" if term else code


def _points(sites: list[Any], zones: dict[str, Any] | None, routes: list[Any]) -> Any:
    """Every coordinate the map should frame, as an (n, 2) array of lon, lat."""
    import shapely

    pts: list[list[float]] = [[s.lon, s.lat] for s in sites]
    for feature in (zones or {}).get("features", []):
        geom = shapely.geometry.shape(feature["geometry"])
        pts.extend([[x, y] for x, y, *_ in shapely.get_coordinates(geom).tolist()])
    for report in routes:
        pts.extend(report.route.coords.tolist())
    return np.asarray(pts, dtype=float).reshape(-1, 2)


def _legend(fmap: folium.Map, rows: list[tuple[str, str]]) -> None:
    """A legend control (bottom right) with one ``(swatch html, label)`` row each."""
    from branca.element import MacroElement
    from jinja2 import Template

    body = "".join(
        f'<div style="margin:2px 0">{swatch} {html.escape(label)}</div>' for swatch, label in rows
    )
    content = (
        '<div class="geomap-legend" style="background:#fff;padding:6px 8px;border-radius:4px;'
        'box-shadow:0 0 4px rgba(0,0,0,.4);font:12px sans-serif">'
        f"<b>Leyenda / Legenda / Legend</b>{body}</div>"
    )
    element = MacroElement()  # type: ignore[no-untyped-call]
    element._template = Template(
        "{% macro script(this, kwargs) %}"
        "(function(){var c = L.control({position: 'bottomright'});"
        "c.onAdd = function(){var d = L.DomUtil.create('div'); "
        "d.innerHTML = {{ this.content|tojson }}; return d;};"
        "c.addTo({{ this._parent.get_name() }});})();"
        "{% endmacro %}"
    )
    element.content = content  # type: ignore[attr-defined]
    fmap.add_child(element)


def _bind_popup(layer: Any, content: str) -> None:
    """A popup of plain HTML (folium's own Popup needs jQuery, which offline maps lack)."""
    from branca.element import MacroElement
    from jinja2 import Template

    element = MacroElement()  # type: ignore[no-untyped-call]
    element._template = Template(
        "{% macro script(this, kwargs) %}"
        "{{ this._parent.get_name() }}.bindPopup({{ this.content|tojson }});"
        "{% endmacro %}"
    )
    element.content = content  # type: ignore[attr-defined]
    layer.add_child(element)


def _swatch(color: str, *, line: bool = False, dashed: bool = False) -> str:
    if line:
        style = "dashed" if dashed else "solid"
        css = f"display:inline-block;width:18px;border-top:4px {style} {color}"
        return f'<span style="{css}"></span>'
    return (
        f'<span style="display:inline-block;width:14px;height:14px;background:{color};'
        'opacity:.7;border:1px solid #555"></span>'
    )


def layered_map(
    network: Network,
    *,
    sites: list[Any] | None = None,
    zones: dict[str, Any] | None = None,
    routes: list[Any] | None = None,
    shortest: Any = None,
    margin_deg: float = 0.004,
) -> folium.Map:
    """A layered map: places by service (clustered), risk zones by level, the safe route.

    Parameters
    ----------
    network : Network
        Its streets around the content are the base layer (no tile server is needed).
    sites : list of Site, optional
        Support spaces; each service they offer is a layer of clustered markers.
    zones : dict, optional
        GeoJSON FeatureCollection of risk zones (``level``, ``risk_type``, ``name``).
    routes : list of RouteReport, optional
        Safe routes, safest first.
    shortest : RouteReport, optional
        The plain shortest route, drawn dashed.
    margin_deg : float
        Margin around the content for the street layer, in degrees.

    Returns
    -------
    folium.Map
    """
    import folium
    from folium.plugins import MarkerCluster

    sites, routes = sites or [], routes or []
    coords = _points(sites, zones, routes)
    if not len(coords):
        coords = np.column_stack([network.coord_lon, network.coord_lat])
    fmap, bounds = _street_map(coords, network, margin_deg)
    fmap.options["max_zoom"] = 19  # clustering needs a maximum zoom; there is no tile layer
    legend: list[tuple[str, str]] = []
    if zones and zones.get("features"):
        folium.GeoJson(
            zones,
            name=ZONES_LAYER,
            style_function=lambda f: {
                "color": _LEVEL_COLORS.get(f["properties"].get("level"), "#888"),
                "fillOpacity": 0.35,
                "weight": 1,
            },
            tooltip=folium.GeoJsonTooltip(fields=["name", "level", "risk_type"]),
        ).add_to(fmap)
        levels = {f["properties"].get("level") for f in zones["features"]}
        legend += [
            (_swatch(color), f"Riesgo / risco / risk: {level}")
            for level, color in _LEVEL_COLORS.items()
            if level in levels
        ]
    if shortest is not None:
        dashed = folium.FeatureGroup(name=SHORTEST_LAYER)
        folium.PolyLine(  # type: ignore[no-untyped-call]
            [(y, x) for x, y in shortest.route.coords.tolist()],
            color="#555555",
            weight=3,
            dash_array="6 6",
            tooltip=f"{shortest.route.length_m / 1000:.2f} km",
        ).add_to(dashed)
        dashed.add_to(fmap)
        legend.append((_swatch("#555555", line=True, dashed=True), SHORTEST_LAYER))
    if routes:
        group = folium.FeatureGroup(name=ROUTE_LAYER)
        add_route_lines(group, list(routes))
        group.add_to(fmap)
        legend.append((_swatch("#1a9850", line=True), ROUTE_LAYER))
    by_service: dict[str, list[Any]] = {}
    for site in sites:
        for code in site.services or ("",):
            by_service.setdefault(code, []).append(site)
    for code in sorted(by_service):
        cluster = MarkerCluster(  # type: ignore[no-untyped-call]
            name=service_label(code) if code else "Otros / Outros / Other"
        )
        for site in by_service[code]:
            services = ", ".join(html.escape(service_label(c)) for c in site.services)
            marker = folium.Marker(
                (site.lat, site.lon),
                icon=folium.DivIcon(html=_PLACE_ICON, icon_size=(22, 22), icon_anchor=(11, 11)),
                tooltip=html.escape(site.name),
            )
            _bind_popup(marker, f"<b>{html.escape(site.name)}</b><br>{services}")
            marker.add_to(cluster)
        cluster.add_to(fmap)
    if sites:
        icon = _PLACE_ICON.replace("<div", "<span").replace("div>", "span>")
        icon = icon.replace('style="', 'style="display:inline-block;', 1)
        legend.insert(0, (icon, PLACES_LEGEND))
    fmap.fit_bounds([(bounds[1], bounds[0]), (bounds[3], bounds[2])])
    folium.LayerControl().add_to(fmap)
    _legend(fmap, legend)
    _attribution(fmap, OSM_ATTRIBUTION)
    return fmap


def _inline_css(path: Path) -> str:
    images = path.parent / "images"

    def data_uri(match: re.Match[str]) -> str:
        raw = (images / match.group(1)).read_bytes()
        return f"url(data:image/png;base64,{base64.b64encode(raw).decode('ascii')})"

    return _CSS_IMAGE.sub(data_uri, path.read_text(encoding="utf-8"))


def _inline_js(path: Path) -> str:
    return _SOURCE_MAP.sub("", path.read_text(encoding="utf-8"))


def make_self_contained(fmap: folium.Map) -> folium.Map:
    """Inline Leaflet and Leaflet.markercluster; drop every other CDN asset of the map.

    Call it once every element has been added. The only icons, controls and widgets used by
    :func:`layered_map` need nothing else (no jQuery, Bootstrap, icon fonts).
    """
    import xstatic.pkg.leaflet
    import xstatic.pkg.leaflet_markercluster
    from branca.element import Element
    from folium.elements import JSCSSMixin

    root = fmap.get_root()
    stack: list[Any] = [root]
    while stack:
        element = stack.pop()
        if isinstance(element, JSCSSMixin):
            element.default_js = []
            element.default_css = []
        stack.extend(element._children.values())
    leaflet = Path(xstatic.pkg.leaflet.BASE_DIR)
    cluster = Path(xstatic.pkg.leaflet_markercluster.BASE_DIR)
    styles = [leaflet / "leaflet.css", cluster / "MarkerCluster.css"]
    styles.append(cluster / "MarkerCluster.Default.css")
    scripts = [leaflet / "leaflet.js", cluster / "leaflet.markercluster.js"]
    parts = [f"<style>\n{_inline_css(p)}\n</style>" for p in styles]
    parts += [f"<script>\n{_inline_js(p)}\n</script>" for p in scripts]
    root.header.add_child(Element("\n".join(parts)), name="geomap_inline_assets")  # type: ignore[attr-defined]
    return fmap


def fetched_urls(page: str) -> list[str]:
    """Tags of ``page`` that would make a browser fetch from the network (empty when offline)."""
    return [m.group(0) for m in _FETCHED_URL.finditer(page)]


def save_export(fmap: folium.Map, path: Path, *, self_contained: bool = False) -> Path:
    """Write the map as HTML; with ``self_contained`` check it needs no network."""
    from geomap.maps import save_map

    if self_contained:
        make_self_contained(fmap)
    dest = save_map(fmap, path)
    if self_contained:
        leaks = fetched_urls(dest.read_text(encoding="utf-8"))
        if leaks:
            dest.unlink()
            raise OfflineMapError(f"the self-contained map would still fetch: {leaks[:3]}")
    return dest
