"""A Folium map of one service's coverage: walking-time choropleth of the H3 cells and more.

Layers: the streets (drawn from the network, no tile server), the choropleth of the demand
units, the uncovered area, the places, duplicate groups, suggested sites (greedy, and exact
when solved) and corridor gaps; a legend and the OpenStreetMap/ODbL attribution.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from geomap.coverage.layers import collection

if TYPE_CHECKING:
    import folium

    from geomap.coverage.report import CoverageReport


#: Walking-time classes of the choropleth (upper bounds in minutes) and their colours.
TIME_CLASSES: tuple[tuple[float, str], ...] = (
    (5.0, "#1a9850"),
    (10.0, "#91cf60"),
    (15.0, "#d9ef8b"),
    (20.0, "#fee08b"),
    (30.0, "#fc8d59"),
    (math.inf, "#d73027"),
)
UNREACHABLE_COLOR = "#4d4d4d"


def time_color(minutes: float | None) -> str:
    """Colour of a walking time in the choropleth (grey when no place can be reached)."""
    if minutes is None or not math.isfinite(minutes):
        return UNREACHABLE_COLOR
    for bound, color in TIME_CLASSES:
        if minutes <= bound:
            return color
    return UNREACHABLE_COLOR  # pragma: no cover


def coverage_map(
    report: CoverageReport,
    service: str,
    *,
    gaps: Mapping[str, Any] | None = None,
    margin_deg: float = 0.003,
) -> folium.Map:
    """A Folium map of one service's coverage.

    Layers: the streets (from the network), the walking-time choropleth of the demand units,
    the uncovered area, the places, duplicate groups, suggested sites and corridor gaps (if
    given, as from :func:`gap_layer`); a legend and the OpenStreetMap/ODbL attribution.
    """
    import folium

    from geomap.maps import OSM_ATTRIBUTION, _attribution, streets_layer

    layers = report.layers()
    lons = [p[0] for p in report.demand.points]
    lats = [p[1] for p in report.demand.points]
    bounds = (
        min(lons) - margin_deg,
        min(lats) - margin_deg,
        max(lons) + margin_deg,
        max(lats) + margin_deg,
    )
    fmap = folium.Map(tiles=None, control_scale=True)
    folium.GeoJson(
        streets_layer(report.network, bounds),
        name="Streets (OpenStreetMap)",
        style_function=lambda _f: {"color": "#9aa5b1", "weight": 1},
    ).add_to(fmap)
    key = f"minutes_{service}"
    folium.GeoJson(
        layers["demand"],
        name=f"Walking time to {service}",
        style_function=lambda f: {
            "fillColor": time_color(f["properties"].get(key)),
            "color": "#ffffff",
            "weight": 0.3,
            "fillOpacity": 0.6,
        },
        tooltip=folium.GeoJsonTooltip(fields=["id", "population", key]),
    ).add_to(fmap)
    uncovered = [
        f
        for f in layers["uncovered"]["features"]
        if f["properties"]["service"] == service and f["properties"]["group"] == "population"
    ]
    if uncovered:
        folium.GeoJson(
            collection(uncovered),
            name=f"Not within {report.minutes:g} min",
            style_function=lambda _f: {"color": "#000000", "weight": 2, "fillOpacity": 0.0},
        ).add_to(fmap)
    places = folium.FeatureGroup(name="Places")
    for f in layers["places"]["features"]:
        if service not in f["properties"]["services"]:
            continue
        lon, lat = f["geometry"]["coordinates"]
        folium.CircleMarker(
            (lat, lon), radius=6, color="#2166ac", fill=True, tooltip=f["properties"]["name"]
        ).add_to(places)
    places.add_to(fmap)
    dup = folium.FeatureGroup(name="Duplicated places")
    for f in layers["duplicates"]["features"]:
        if f["properties"]["service"] != service:
            continue
        lon, lat = f["geometry"]["coordinates"]
        p = f["properties"]
        folium.CircleMarker(
            (lat, lon), radius=10, color="#762a83", weight=3, fill=False,
            tooltip=f"group {p['group']}: {p['name']} ({', '.join(p['organizations'])})",
        ).add_to(dup)  # fmt: skip
    dup.add_to(fmap)
    sug = folium.FeatureGroup(name="Suggested new places")
    for f in layers["suggestions"]["features"]:
        p = f["properties"]
        if p["service"] != service:
            continue
        lon, lat = f["geometry"]["coordinates"]
        if p["method"] == "exact":
            folium.Marker(
                (lat, lon),
                tooltip=f"exact choice {p['rank']}",
                icon=folium.Icon(color="green", icon="star"),
            ).add_to(sug)
            continue
        folium.Marker(
            (lat, lon),
            tooltip=f"#{p['rank']}: +{p['population_gained']:,.0f} people",
            icon=folium.Icon(color="orange", icon="plus"),
        ).add_to(sug)
    sug.add_to(fmap)
    if gaps is not None:
        folium.GeoJson(
            collection([f for f in gaps["features"] if f["properties"]["kind"] == "gap"]),
            name="Corridor gaps",
            style_function=lambda _f: {"color": "#b2182b", "weight": 6, "dashArray": "8 6"},
        ).add_to(fmap)
    _legend(fmap, service, report.minutes)
    fmap.fit_bounds([(bounds[1], bounds[0]), (bounds[3], bounds[2])])
    folium.LayerControl().add_to(fmap)
    _attribution(fmap, OSM_ATTRIBUTION)
    return fmap


def _legend(fmap: folium.Map, service: str, minutes: float) -> None:
    from html import escape

    from branca.element import Element

    items = []
    lower = 0.0
    for bound, color in TIME_CLASSES:
        label = f"{lower:g}-{bound:g} min" if math.isfinite(bound) else f"> {lower:g} min"
        items.append(_legend_item(color, label))
        lower = bound
    items.append(_legend_item(UNREACHABLE_COLOR, "no place reachable"))
    html = (
        '<div class="geomap-legend" style="position: fixed; bottom: 30px; left: 10px; '
        "z-index: 9999; background: white; padding: 6px 8px; font: 12px sans-serif; "
        'border: 1px solid #999;">'
        f"<b>Walking time to {escape(service)}</b><br>"
        f"(threshold {minutes:g} min)<br>" + "".join(items) + "</div>"
    )
    fmap.get_root().html.add_child(Element(html))  # type: ignore[attr-defined]


def _legend_item(color: str, label: str) -> str:
    return (
        f'<span style="display:inline-block;width:12px;height:12px;background:{color};'
        f'margin-right:4px;"></span>{label}<br>'
    )
