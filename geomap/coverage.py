"""Service coverage reports: registry places, population layers and the outputs built on them.

The computation is :mod:`routing.coverage`; this module reads population layers (points or
polygons with a population column, from GeoJSON, GeoPackage or CSV with lon/lat columns), joins
them to admin areas, and writes the answers: GeoJSON layers, a tidy CSV table, an HXL-tagged CSV
and a Folium map.

People are counted once: every demand unit (a point, or a polygon through its representative
point) belongs to one admin area at most (the first that contains its point) and is covered or
not as a whole.
"""

from __future__ import annotations

import csv
import io
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from geomap.errors import GeomapError
from routing.coverage import (
    CorridorGap,
    Coverage,
    DemandCoverage,
    DuplicateGroup,
    ServiceCoverage,
    Suggestion,
    corridor_gaps,
    population_shares,
)
from routing.safe import SafeRouter, Site

if TYPE_CHECKING:
    import folium

    from routing.network import Network

FloatArray = npt.NDArray[np.float64]
LonLat = tuple[float, float]

#: Mean edge length of an H3 resolution-9 cell: the hexagon drawn around a point unit.
H3_RES9_EDGE_M = 174.375668

#: Tidy table columns and their HXL hashtags.
TABLE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("level", "#meta+level"),
    ("id", "#loc+id"),
    ("area", "#adm2+name"),
    ("service", "#sector"),
    ("threshold_min", "#indicator+threshold+minutes"),
    ("minutes", "#indicator+walk+minutes"),
    ("nearest_place", "#loc+id+nearest"),
    ("population", "#population+total"),
    ("covered", "#population+covered"),
    ("share", "#indicator+share+covered"),
    ("latitude", "#geo+lat"),
    ("longitude", "#geo+lon"),
)


class DemandLayerError(GeomapError, ValueError):
    """A population layer cannot be read (missing columns, bad numbers, no rows)."""


@dataclass
class DemandLayer:
    """Demand units: where people are and how many.

    Attributes
    ----------
    ids : list of str
        Unit identifiers.
    points : list of (lon, lat)
        The point of each unit (a polygon's representative point).
    population : ndarray
        People per unit.
    areas : list of str or None
        Admin area of each unit (None: none given or outside every area).
    polygons : list of shapely geometry, optional
        The unit polygons in lon/lat, for polygon layers.
    """

    ids: list[str]
    points: list[LonLat]
    population: FloatArray
    areas: list[str | None] = field(default_factory=list)
    polygons: list[Any] | None = None

    def __len__(self) -> int:
        return len(self.ids)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _population(value: Any, where: str) -> float:
    try:
        pop = float(value) if value not in (None, "") else 0.0
    except (TypeError, ValueError):
        raise DemandLayerError(f"{where}: population {value!r} is not a number") from None
    if math.isnan(pop):
        return 0.0
    if pop < 0 or math.isinf(pop):
        raise DemandLayerError(f"{where}: population must be a non-negative number, not {pop}")
    return pop


def read_demand(
    path: str | os.PathLike[str],
    *,
    population: str = "population",
    id_column: str = "id",
    lon: str = "lon",
    lat: str = "lat",
    area: str | None = None,
    layer: str | None = None,
) -> DemandLayer:
    """Read a population layer: CSV with lon/lat columns, or GeoJSON / GeoPackage.

    Parameters
    ----------
    path : path
        ``.csv`` (``lon``/``lat`` columns), or any vector file GeoPandas reads (``.geojson``,
        ``.gpkg`` ...) with point or polygon features.
    population : str
        Column of people per unit (empty and NaN mean 0).
    id_column : str
        Column of unit ids (default: the row number when absent).
    lon, lat : str
        Coordinate columns of a CSV.
    area : str, optional
        Column naming each unit's admin area.
    layer : str, optional
        Layer of a multi-layer file (GeoPackage); default the first.

    Raises
    ------
    DemandLayerError
        If a column is missing, a number is bad or the layer is empty.
    """
    src = Path(path)
    if src.suffix.lower() == ".csv":
        units = _read_csv(src, population, id_column, (lon, lat), area)
    else:
        units = _read_vector(src, population, id_column, area, layer)
    if not len(units):
        raise DemandLayerError(f"{src}: the population layer has no units")
    return units


def _read_csv(
    src: Path, population: str, id_column: str, lonlat: tuple[str, str], area: str | None
) -> DemandLayer:
    lon, lat = lonlat
    with src.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    needed = [population, lon, lat] + ([area] if area else [])
    missing = [c for c in needed if rows and c not in rows[0]]
    if missing:
        raise DemandLayerError(f"{src}: missing column(s) {', '.join(missing)}")
    points: list[LonLat] = []
    for i, r in enumerate(rows):
        try:
            points.append((float(r[lon]), float(r[lat])))
        except (TypeError, ValueError):
            raise DemandLayerError(f"{src} row {i + 1}: bad coordinates") from None
    return DemandLayer(
        ids=[str(r.get(id_column) or i) for i, r in enumerate(rows)],
        points=points,
        population=np.array(
            [_population(r[population], f"{src} row {i + 1}") for i, r in enumerate(rows)],
            dtype=np.float64,
        ),
        areas=[(r[area] or None) if area else None for r in rows],
    )


def _read_vector(
    src: Path, population: str, id_column: str, area: str | None, layer: str | None
) -> DemandLayer:
    import geopandas as gpd

    try:
        frame = gpd.read_file(src, layer=layer) if layer else gpd.read_file(src)
    except Exception as exc:
        raise DemandLayerError(f"{src}: cannot read the population layer ({exc})") from exc
    for column in [population] + ([area] if area else []):
        if column not in frame.columns:
            raise DemandLayerError(f"{src}: missing column {column}")
    if frame.crs is not None:
        frame = frame.to_crs("EPSG:4326")
    frame = frame[~frame.geometry.is_empty & frame.geometry.notna()]
    geoms = list(frame.geometry)
    is_polygon = [g.geom_type in ("Polygon", "MultiPolygon") for g in geoms]
    if any(is_polygon) and not all(is_polygon):
        raise DemandLayerError(f"{src}: mix of polygons and other geometries")
    reps = [
        g.representative_point() if poly else g for g, poly in zip(geoms, is_polygon, strict=True)
    ]
    ids = (
        [str(v) for v in frame[id_column]]
        if id_column in frame.columns
        else [str(i) for i in range(len(frame))]
    )
    return DemandLayer(
        ids=ids,
        points=[(float(p.x), float(p.y)) for p in reps],
        population=np.array(
            [_population(v, f"{src} unit {ids[i]}") for i, v in enumerate(frame[population])],
            dtype=np.float64,
        ),
        areas=[None if _missing(v) else str(v) for v in frame[area]]
        if area
        else [None] * len(frame),
        polygons=geoms if geoms and all(is_polygon) else None,
    )


def assign_areas(
    layer: DemandLayer, path: str | os.PathLike[str], *, name: str = "name"
) -> DemandLayer:
    """Give every unit the admin area (from a polygon layer) containing its point.

    A point in several areas gets the first; a point in none gets None. People are thus counted
    in one area at most.
    """
    import geopandas as gpd
    import shapely

    areas = gpd.read_file(path)
    if name not in areas.columns:
        raise DemandLayerError(f"{path}: missing column {name}")
    if areas.crs is not None:
        areas = areas.to_crs("EPSG:4326")
    tree = shapely.STRtree(list(areas.geometry))
    points = shapely.points(np.array(layer.points, dtype=np.float64).reshape(-1, 2))
    pairs = tree.query(points, predicate="within")
    first: dict[int, int] = {}
    for unit, poly in zip(pairs[0].tolist(), pairs[1].tolist(), strict=True):
        first[unit] = min(first.get(unit, poly), poly)
    labels = [str(v) for v in areas[name]]
    return DemandLayer(
        ids=layer.ids,
        points=layer.points,
        population=layer.population,
        areas=[labels[first[i]] if i in first else None for i in range(len(layer))],
        polygons=layer.polygons,
    )


def organizations_of(features: Iterable[Mapping[str, Any]]) -> dict[str, list[str]]:
    """``{place id: organizations}`` from registry GeoJSON features."""
    return {
        str(f["id"]): list(f.get("properties", {}).get("organizations", []) or []) for f in features
    }


# ---------------------------------------------------------------------- the report
@dataclass
class ServiceReport:
    """Coverage of one service."""

    service: str
    nodes: ServiceCoverage
    demand: DemandCoverage
    shares: dict[str, Any]
    threshold_s: float
    duplicates: list[DuplicateGroup] = field(default_factory=list)
    suggestions: list[Suggestion] = field(default_factory=list)

    @property
    def covered(self) -> npt.NDArray[np.bool_]:
        """Per unit, whether it is within the threshold."""
        return np.asarray(self.demand.seconds <= self.threshold_s)


@dataclass
class CoverageReport:
    """Coverage of several services for one population layer."""

    network: Network
    demand: DemandLayer
    minutes: float
    when: datetime | None
    services: dict[str, ServiceReport]
    organizations: dict[str, list[str]] = field(default_factory=dict)
    cell_radius_m: float = H3_RES9_EDGE_M

    # ------------------------------------------------------------------ tables
    def rows(self) -> list[dict[str, Any]]:
        """The tidy table: one row per unit and service, per area and service, and totals."""
        out: list[dict[str, Any]] = []
        layer = self.demand
        for service, rep in self.services.items():
            secs = rep.demand.seconds
            covered = rep.covered
            for i, uid in enumerate(layer.ids):
                pop = float(layer.population[i])
                k = int(rep.demand.nearest[i])
                out.append(
                    {
                        "level": "unit",
                        "id": uid,
                        "area": layer.areas[i] or "" if layer.areas else "",
                        "service": service,
                        "threshold_min": self.minutes,
                        "minutes": round(float(secs[i]) / 60.0, 2)
                        if math.isfinite(secs[i])
                        else "",
                        "nearest_place": rep.nodes.sites[k].id if k >= 0 else "",
                        "population": pop,
                        "covered": pop if covered[i] else 0.0,
                        "share": 1.0 if covered[i] else 0.0,
                        "latitude": round(layer.points[i][1], 7),
                        "longitude": round(layer.points[i][0], 7),
                    }
                )
            for name, s in rep.shares.get("by_area", {}).items():
                out.append(self._summary_row("area", name, service, s))
            out.append(self._summary_row("total", "", service, rep.shares))
        return out

    def _summary_row(
        self, level: str, area: str, service: str, s: Mapping[str, Any]
    ) -> dict[str, Any]:
        return {
            "level": level,
            "id": "",
            "area": area,
            "service": service,
            "threshold_min": self.minutes,
            "minutes": "",
            "nearest_place": "",
            "population": s["population"],
            "covered": s["covered"],
            "share": round(float(s["share"]), 6),
            "latitude": "",
            "longitude": "",
        }

    def csv_text(self, *, hxl: bool = False) -> str:
        """The tidy table as CSV (with an HXL hashtag row under the header if ``hxl``)."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow([c for c, _ in TABLE_COLUMNS])
        if hxl:
            writer.writerow([t for _, t in TABLE_COLUMNS])
        for row in self.rows():
            writer.writerow([row[c] for c, _ in TABLE_COLUMNS])
        return buffer.getvalue()

    def write_csv(self, path: str | os.PathLike[str], *, hxl: bool = False) -> Path:
        """Write :meth:`csv_text` atomically."""
        return _write_text(path, self.csv_text(hxl=hxl))

    # ------------------------------------------------------------------ geometry
    def unit_geometries(self) -> list[Any]:
        """The shape of every unit in lon/lat: its polygon, or a hexagon around its point."""
        if self.demand.polygons is not None:
            return list(self.demand.polygons)
        return _hexagons(self.network, self.demand.points, self.cell_radius_m)

    def uncovered_area(self, service: str) -> Any:
        """The union of the units not covered for ``service`` (shapely, lon/lat)."""
        import shapely

        geoms = self.unit_geometries()
        mask = ~self.services[service].covered & (self.demand.population > 0)
        chosen = [g for g, m in zip(geoms, mask.tolist(), strict=True) if m]
        if not chosen:
            return shapely.GeometryCollection()
        return shapely.union_all(chosen)

    def layers(self) -> dict[str, dict[str, Any]]:
        """GeoJSON layers: demand, uncovered, places, duplicates and suggestions."""
        import shapely

        geoms = self.unit_geometries()
        units = []
        for i, uid in enumerate(self.demand.ids):
            props: dict[str, Any] = {
                "id": uid,
                "population": float(self.demand.population[i]),
                "area": self.demand.areas[i] if self.demand.areas else None,
            }
            for service, rep in self.services.items():
                s = float(rep.demand.seconds[i])
                props[f"minutes_{service}"] = round(s / 60.0, 2) if math.isfinite(s) else None
                props[f"covered_{service}"] = bool(rep.covered[i])
            units.append(_feature(uid, shapely.geometry.mapping(geoms[i]), props))
        uncovered = []
        for service, rep in self.services.items():
            area = self.uncovered_area(service)
            if area.is_empty:
                continue
            people = float(self.demand.population[~rep.covered].sum())
            uncovered.append(
                _feature(
                    f"uncovered-{service}",
                    shapely.geometry.mapping(area),
                    {"service": service, "minutes": self.minutes, "population": people},
                )
            )
        places: dict[str, dict[str, Any]] = {}
        for service, rep in self.services.items():
            for site in rep.nodes.sites:
                entry = places.setdefault(
                    site.id,
                    _feature(
                        site.id,
                        {"type": "Point", "coordinates": [site.lon, site.lat]},
                        {
                            "id": site.id,
                            "name": site.name,
                            "organizations": self.organizations.get(site.id, []),
                            "services": [],
                        },
                    ),
                )
                entry["properties"]["services"].append(service)
        duplicates = []
        for service, rep in self.services.items():
            by_id = {s.id: s for s in rep.nodes.sites}
            for g, group in enumerate(rep.duplicates, start=1):
                for sid in group.site_ids:
                    place = by_id[sid]
                    duplicates.append(
                        _feature(
                            f"{service}-{g}-{sid}",
                            {"type": "Point", "coordinates": [place.lon, place.lat]},
                            {
                                "service": service,
                                "group": g,
                                "place": sid,
                                "name": place.name,
                                "organizations": self.organizations.get(sid, []),
                                "group_places": list(group.site_ids),
                                "overlaps": [list(p) for p in group.pairs],
                            },
                        )
                    )
        suggestions = [
            _feature(
                f"{service}-{p.rank}",
                {"type": "Point", "coordinates": [p.lon, p.lat]},
                {
                    "service": service,
                    "rank": p.rank,
                    "node": p.node,
                    "population_gained": p.population_gained,
                    "units_gained": p.units_gained,
                    "cumulative_population": p.cumulative_population,
                },
            )
            for service, rep in self.services.items()
            for p in rep.suggestions
        ]
        return {
            "demand": _collection(units),
            "uncovered": _collection(uncovered),
            "places": _collection(list(places.values())),
            "duplicates": _collection(duplicates),
            "suggestions": _collection(suggestions),
        }

    def write_layers(self, folder: str | os.PathLike[str]) -> list[Path]:
        """Write every layer as ``coverage_<layer>.geojson`` in ``folder``."""
        from geomap.io import write_json

        return [
            write_json(Path(folder) / f"coverage_{name}.geojson", fc)
            for name, fc in self.layers().items()
        ]


def analyse(
    safe: SafeRouter,
    sites: Sequence[Site],
    services: Sequence[str],
    demand: DemandLayer,
    *,
    minutes: float,
    when: datetime | None = None,
    unknown_hours_open: bool = True,
    organizations: Mapping[str, list[str]] | None = None,
    duplicate_share: float | None = None,
    suggest: int = 0,
    cell_radius_m: float = H3_RES9_EDGE_M,
) -> CoverageReport:
    """Coverage of each service for a population layer.

    Parameters
    ----------
    safe : SafeRouter
        Network and risk layer (``avoid`` zones in force are closed).
    sites : sequence of Site
        The places.
    services : sequence of str
        Service codes to report.
    demand : DemandLayer
        People.
    minutes : float
        Walking time threshold.
    when : datetime, optional
        Day and hour: zones in force and places open then.
    unknown_hours_open : bool
        Whether places with unknown hours count as open at ``when``.
    organizations : mapping, optional
        ``{place id: organizations}`` for the duplication layer.
    duplicate_share : float, optional
        Find places whose catchments (within ``minutes``) overlap by more than this share.
    suggest : int
        Number of new places to suggest per service.
    cell_radius_m : float
        Radius of the hexagon drawn around each point unit.
    """
    coverage = Coverage(safe)
    snaps = coverage.snap_demand(demand.points, when=when)
    reports: dict[str, ServiceReport] = {}
    has_areas = any(a is not None for a in demand.areas)
    for service in services:
        nodes = coverage.service(sites, service, when=when, unknown_hours_open=unknown_hours_open)
        times = coverage.demand_times(nodes, demand.points, snaps=snaps)
        shares = population_shares(
            times.seconds,
            demand.population,
            minutes=minutes,
            areas=demand.areas if has_areas else None,
        )
        rep = ServiceReport(service, nodes, times, shares, minutes * 60.0)
        if duplicate_share is not None:
            rep.duplicates = coverage.duplicates(
                nodes.sites, service, minutes=minutes, share=duplicate_share, when=when
            )
        if suggest > 0:
            rep.suggestions = coverage.suggest(
                demand.points,
                demand.population,
                rep.covered,
                minutes=minutes,
                k=suggest,
                when=when,
                snaps=snaps,
            )
        reports[service] = rep
    return CoverageReport(
        network=safe.network,
        demand=demand,
        minutes=minutes,
        when=when,
        services=reports,
        organizations=dict(organizations or {}),
        cell_radius_m=cell_radius_m,
    )


# ---------------------------------------------------------------------- corridor gaps
def gap_layer(
    network: Network,
    coords: Sequence[Sequence[float]] | FloatArray,
    sites: Sequence[Site],
    service: str,
    *,
    within_m: float,
    min_gap_km: float,
    length_m: float | None = None,
) -> tuple[list[CorridorGap], dict[str, Any]]:
    """Corridor gaps (see :func:`routing.coverage.corridor_gaps`) and a GeoJSON layer of them.

    The layer has one LineString per gap (the stretch of the way) with ``start_km``,
    ``end_km`` and ``length_km``, and one Point per place found near the way with ``at_km``.
    """
    from routing.coverage import cut_line, line_metres

    gaps, found = corridor_gaps(
        network, coords, sites, service, within_m=within_m, min_gap_km=min_gap_km,
        length_m=length_m,
    )  # fmt: skip
    xy = np.asarray(coords, dtype=np.float64).reshape(-1, 2)
    geodesic_m = float(line_metres(xy)[-1])
    scale = geodesic_m / length_m if length_m else 1.0
    features = []
    for i, g in enumerate(gaps, start=1):
        piece = cut_line(xy, g.start_km * 1000.0 * scale, g.end_km * 1000.0 * scale)
        features.append(
            _feature(
                f"gap-{i}",
                {"type": "LineString", "coordinates": np.round(piece, 7).tolist()},
                {
                    "kind": "gap",
                    "service": service,
                    "start_km": round(g.start_km, 3),
                    "end_km": round(g.end_km, 3),
                    "length_km": round(g.length_km, 3),
                },
            )
        )
    by_id = {s.id: s for s in sites}
    for r in found:
        s = by_id[r["id"]]
        features.append(
            _feature(
                f"place-{r['id']}",
                {"type": "Point", "coordinates": [s.lon, s.lat]},
                {
                    "kind": "place",
                    "service": service,
                    "id": r["id"],
                    "name": r["name"],
                    "at_km": round(r["at_km"], 3),
                    "distance_m": round(r["distance_m"], 1),
                },
            )
        )
    return gaps, _collection(features)


# ---------------------------------------------------------------------- map
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
        f for f in layers["uncovered"]["features"] if f["properties"]["service"] == service
    ]
    if uncovered:
        folium.GeoJson(
            _collection(uncovered),
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
        folium.Marker(
            (lat, lon),
            tooltip=f"#{p['rank']}: +{p['population_gained']:,.0f} people",
            icon=folium.Icon(color="orange", icon="plus"),
        ).add_to(sug)
    sug.add_to(fmap)
    if gaps is not None:
        folium.GeoJson(
            _collection([f for f in gaps["features"] if f["properties"]["kind"] == "gap"]),
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


# ---------------------------------------------------------------------- helpers
def _feature(fid: str, geometry: Any, properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "id": fid, "geometry": geometry, "properties": properties}


def _collection(features: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": features}


def _hexagons(network: Network, points: Sequence[LonLat], radius_m: float) -> list[Any]:
    """A hexagon of circumradius ``radius_m`` around every point (lon/lat polygons)."""
    import shapely

    if not points:
        return []
    xy = np.asarray(points, dtype=np.float64)
    x, y = network.projection.transform(xy[:, 0], xy[:, 1])
    angles = np.deg2rad(np.arange(6) * 60.0 + 30.0)
    hx = np.asarray(x)[:, None] + radius_m * np.cos(angles)[None, :]
    hy = np.asarray(y)[:, None] + radius_m * np.sin(angles)[None, :]
    lon, lat = network.projection.transform(hx.ravel(), hy.ravel(), direction="INVERSE")
    ring = np.stack([np.asarray(lon).reshape(-1, 6), np.asarray(lat).reshape(-1, 6)], axis=2)
    return list(shapely.polygons(ring))


def _write_text(path: str | os.PathLike[str], text: str) -> Path:
    from geomap.io import write_text

    return write_text(path, text)
