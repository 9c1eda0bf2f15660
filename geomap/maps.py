"""Folium maps of networks and routes (every map carries the OSM/ODbL attribution)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import folium

    from routing.network import Network
    from routing.router import Route

#: Attribution that every map showing OpenStreetMap-derived data must carry.
OSM_ATTRIBUTION = (
    '© <a href="https://www.openstreetmap.org/copyright">OpenStreetMap contributors</a>, ODbL 1.0'
)


def _attribution(fmap: folium.Map, text: str) -> None:
    from branca.element import MacroElement
    from jinja2 import Template

    element = MacroElement()  # type: ignore[no-untyped-call]
    element._template = Template(
        "{% macro script(this, kwargs) %}"
        "{{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.text|tojson }});"
        "{% endmacro %}"
    )
    element.text = text  # type: ignore[attr-defined]
    fmap.add_child(element)


def streets_layer(network: Network, bounds: tuple[float, float, float, float]) -> dict[str, Any]:
    """GeoJSON of the network's segments that touch ``bounds`` (west, south, east, north).

    Used as a light basemap drawn from our own street data, so the map needs no tile server.
    """
    west, south, east, north = bounds
    inside = (
        (network.coord_lon >= west)
        & (network.coord_lon <= east)
        & (network.coord_lat >= south)
        & (network.coord_lat <= north)
    )
    starts, ends = network.seg_start, network.seg_end
    cum = np.concatenate([[0], np.cumsum(inside)])
    hit = cum[ends + 1] - cum[starts] > 0
    names = network.segment_attr("name")
    features = []
    for s in np.flatnonzero(hit).tolist():
        coords = network.segment_coords(s)
        features.append(
            {
                "type": "Feature",
                "properties": {"name": names[s] or ""},
                "geometry": {"type": "LineString", "coordinates": np.round(coords, 6).tolist()},
            }
        )
    return {"type": "FeatureCollection", "features": features}


def _street_map(
    coords: Any, network: Network, margin_deg: float
) -> tuple[folium.Map, tuple[float, float, float, float]]:
    """A tile-less map whose base layer is the network's streets around ``coords``."""
    import folium

    lon, lat = coords[:, 0], coords[:, 1]
    bounds = (
        float(lon.min()) - margin_deg,
        float(lat.min()) - margin_deg,
        float(lon.max()) + margin_deg,
        float(lat.max()) + margin_deg,
    )
    fmap = folium.Map(tiles=None, control_scale=True)
    folium.GeoJson(
        streets_layer(network, bounds),
        name="Calles / Ruas / Streets (OpenStreetMap)",
        style_function=lambda _f: {"color": "#9aa5b1", "weight": 1.5},
        tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False),
    ).add_to(fmap)
    return fmap, bounds


def route_map(
    route: Route,
    network: Network,
    *,
    labels: tuple[str, str] = ("A", "B"),
    margin_deg: float = 0.004,
) -> folium.Map:
    """A Folium map of a route over the surrounding streets.

    The streets are drawn from the network itself (no tile server is needed); the map carries
    the OpenStreetMap attribution.

    Parameters
    ----------
    route : Route
        The route to draw.
    network : Network
        The network the route was computed on.
    labels : tuple of str
        Names of the origin and the destination.
    margin_deg : float
        Margin around the route for the street layer, in degrees.

    Returns
    -------
    folium.Map
    """
    import folium

    fmap, bounds = _street_map(route.coords, network, margin_deg)
    folium.PolyLine(  # type: ignore[no-untyped-call]
        [(y, x) for x, y in route.coords.tolist()],
        color="#d7301f",
        weight=5,
        tooltip=f"{route.length_m / 1000:.2f} km, {route.duration_s / 60:.0f} min",
    ).add_to(fmap)
    for (name, snap), color in zip(
        ((labels[0], route.origin), (labels[1], route.destination)), ("green", "red"), strict=True
    ):
        folium.CircleMarker(
            (snap.lat, snap.lon), radius=7, color=color, fill=True, tooltip=name
        ).add_to(fmap)
    fmap.fit_bounds([(bounds[1], bounds[0]), (bounds[3], bounds[2])])
    folium.LayerControl().add_to(fmap)
    _attribution(fmap, OSM_ATTRIBUTION)
    return fmap


def add_route_lines(target: Any, reports: list[Any], *, prefix: str = "") -> None:
    """Draw ranked routes on a map or layer: the safest bold green, alternatives light blue."""
    import folium

    for rank, report in reversed(list(enumerate(reports))):
        folium.PolyLine(  # type: ignore[no-untyped-call]
            [(y, x) for x, y in report.route.coords.tolist()],
            color="#1a9850" if rank == 0 else "#74add1",
            weight=6 if rank == 0 else 4,
            tooltip=(
                f"{prefix}{rank + 1}: {report.route.length_m / 1000:.2f} km, "
                f"{report.route.duration_s / 60:.0f} min, riesgo {report.risk_score:.1f}"
            ),
        ).add_to(target)


def save_map(fmap: folium.Map, path: str | os.PathLike[str]) -> Path:
    """Write a Folium map to an HTML file atomically."""
    from geomap.io import atomic_path

    with atomic_path(path) as tmp:
        fmap.save(str(tmp))
    return Path(path)


_LEVEL_COLORS = {"avoid": "#67000d", "high": "#d7301f", "medium": "#fc8d59", "low": "#fdcc8a"}


def safe_route_map(
    reports: list[Any],
    network: Network,
    *,
    zones: dict[str, Any] | None = None,
    sites: list[Any] | None = None,
    shortest: Any = None,
    margin_deg: float = 0.006,
) -> folium.Map:
    """A Folium map of safe routes with the risk zones and the support sites along them.

    Parameters
    ----------
    reports : list of RouteReport
        Routes, safest first (the first is drawn boldest).
    network : Network
        The network (its streets are drawn as the base layer; no tile server is needed).
    zones : dict, optional
        GeoJSON FeatureCollection of risk zones (``level``, ``risk_type``, ``name``).
    sites : list of Site, optional
        Support sites to mark.
    shortest : RouteReport, optional
        The plain shortest route, drawn dashed for comparison.
    margin_deg : float
        Margin around the route for the street layer, in degrees.

    Returns
    -------
    folium.Map
    """
    import folium

    fmap, bounds = _street_map(reports[0].route.coords, network, margin_deg)
    if zones and zones.get("features"):
        folium.GeoJson(
            zones,
            name="Zonas de riesgo / Zonas de risco / Risk zones",
            style_function=lambda f: {
                "color": _LEVEL_COLORS.get(f["properties"].get("level"), "#888"),
                "fillOpacity": 0.35,
                "weight": 1,
            },
            tooltip=folium.GeoJsonTooltip(fields=["name", "level", "risk_type"]),
        ).add_to(fmap)
    if shortest is not None:
        folium.PolyLine(  # type: ignore[no-untyped-call]
            [(y, x) for x, y in shortest.route.coords.tolist()],
            color="#555555",
            weight=3,
            dash_array="6 6",
            tooltip=f"Más corta / shortest: {shortest.route.length_m / 1000:.2f} km",
        ).add_to(fmap)
    add_route_lines(fmap, reports, prefix="Ruta ")
    for site in sites or []:
        folium.Marker(
            (site.lat, site.lon),
            tooltip=site.name,
            icon=folium.Icon(color="blue", icon="info-sign"),
        ).add_to(fmap)
    fmap.fit_bounds([(bounds[1], bounds[0]), (bounds[3], bounds[2])])
    folium.LayerControl().add_to(fmap)
    _attribution(fmap, OSM_ATTRIBUTION)
    return fmap
