"""GeoJSON layers of a coverage report: units, uncovered areas, places, duplicates, new sites.

Units are drawn as their H3 cells (``h3.cell_to_boundary``) — for point layers, the cell of the
report's resolution containing each point — or as their own polygons. Uncovered areas are unions
of those cells (``h3.cells_to_h3shape``), per service and column. Every collection carries the
report's ``meta`` (illustrative flags, threshold) as a foreign member.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from geomap.coverage import h3cells
from geomap.coverage.groups import TOTAL

if TYPE_CHECKING:
    from geomap.coverage.report import CoverageReport


def feature(fid: str, geometry: Any, properties: dict[str, Any]) -> dict[str, Any]:
    """A GeoJSON Feature."""
    return {"type": "Feature", "id": fid, "geometry": geometry, "properties": properties}


def collection(
    features: list[dict[str, Any]], meta: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A GeoJSON FeatureCollection (with ``meta`` as a foreign member when given)."""
    out: dict[str, Any] = {"type": "FeatureCollection", "features": features}
    if meta:
        out["meta"] = meta
    return out


def unit_cells(report: CoverageReport) -> list[str] | None:
    """The H3 cell of every unit (None for polygon units)."""
    layer = report.demand
    if layer.cells is not None:
        return list(layer.cells)
    if layer.polygons is not None:
        return None
    return h3cells.point_cells(layer.points, report.resolution)


def unit_geometries(report: CoverageReport) -> list[Any]:
    """The shape of every unit in lon/lat: its H3 cell, its polygon, or its point's cell."""
    cells = unit_cells(report)
    if cells is None:
        return list(report.demand.polygons or [])
    return h3cells.cell_polygons(cells)


def uncovered_area(report: CoverageReport, service: str, column: str = TOTAL) -> Any:
    """Union of the units with people of ``column`` not covered for ``service``."""
    import shapely

    mask = report.services[service].uncovered_people(column) > 1e-9
    cells = unit_cells(report)
    if cells is not None:
        return h3cells.cells_union([c for c, m in zip(cells, mask.tolist(), strict=True) if m])
    chosen = [g for g, m in zip(report.demand.polygons or [], mask.tolist(), strict=True) if m]
    return shapely.union_all(chosen) if chosen else shapely.GeometryCollection()


def layers(report: CoverageReport) -> dict[str, dict[str, Any]]:
    """GeoJSON layers: demand, uncovered, places, duplicates and suggestions."""
    import shapely

    meta = report.meta
    layer = report.demand
    geoms = unit_geometries(report)
    units = []
    for i, uid in enumerate(layer.ids):
        props: dict[str, Any] = {
            "id": uid,
            "population": float(layer.population[i]),
            "area": layer.areas[i] if layer.areas else None,
        }
        for c, v in layer.columns.items():
            props[c] = float(v[i])
        for service, rep in report.services.items():
            s = float(rep.demand.seconds[i])
            props[f"minutes_{service}"] = round(s / 60.0, 2) if math.isfinite(s) else None
            props[f"covered_{service}"] = bool(rep.covered[i])
            props[f"people_covered_{service}"] = round(float(rep.covered_people()[i]), 3)
        units.append(feature(uid, shapely.geometry.mapping(geoms[i]), props))
    uncovered = []
    for service, rep in report.services.items():
        for column in layer.column_names():
            area = uncovered_area(report, service, column)
            if area.is_empty:
                continue
            uncovered.append(
                feature(
                    f"uncovered-{service}" + ("" if column == TOTAL else f"-{column}"),
                    shapely.geometry.mapping(area),
                    {
                        "service": service,
                        "group": column,
                        "minutes": report.minutes,
                        "population": float(rep.uncovered_people(column).sum()),
                    },
                )
            )
    return {
        "demand": collection(units, meta),
        "uncovered": collection(uncovered, meta),
        "places": collection(_places(report), meta),
        "duplicates": collection(_duplicates(report), meta),
        "suggestions": collection(_suggestions(report), meta),
    }


def _places(report: CoverageReport) -> list[dict[str, Any]]:
    places: dict[str, dict[str, Any]] = {}
    for service, rep in report.services.items():
        for site in rep.nodes.sites:
            entry = places.setdefault(
                site.id,
                feature(
                    site.id,
                    {"type": "Point", "coordinates": [site.lon, site.lat]},
                    {
                        "id": site.id,
                        "name": site.name,
                        "organizations": report.organizations.get(site.id, []),
                        "populations": list(site.populations),
                        "services": [],
                    },
                ),
            )
            entry["properties"]["services"].append(service)
    return list(places.values())


def _duplicates(report: CoverageReport) -> list[dict[str, Any]]:
    out = []
    for service, rep in report.services.items():
        by_id = {s.id: s for s in rep.nodes.sites}
        for g, group in enumerate(rep.duplicates, start=1):
            for sid in group.site_ids:
                place = by_id[sid]
                out.append(
                    feature(
                        f"{service}-{g}-{sid}",
                        {"type": "Point", "coordinates": [place.lon, place.lat]},
                        {
                            "service": service,
                            "group": g,
                            "place": sid,
                            "name": place.name,
                            "organizations": report.organizations.get(sid, []),
                            "group_places": list(group.site_ids),
                            "group_organizations": rep.duplication.organizations.get(g, [])
                            if rep.duplication
                            else [],
                            "overlaps": [list(p) for p in group.pairs],
                            "people_covered_twice": group.people,
                        },
                    )
                )
    return out


def _suggestions(report: CoverageReport) -> list[dict[str, Any]]:
    out = []
    for service, rep in report.services.items():
        if rep.sites is None:
            continue
        for p, cols in zip(rep.sites.suggestions, rep.sites.by_column, strict=True):
            out.append(
                feature(
                    f"{service}-{p.rank}",
                    {"type": "Point", "coordinates": [p.lon, p.lat]},
                    {
                        "service": service,
                        "rank": p.rank,
                        "node": p.node,
                        "population_gained": p.population_gained,
                        "units_gained": p.units_gained,
                        "cumulative_population": p.cumulative_population,
                        "weight_column": rep.sites.column,
                        "gained_by_group": {k: round(v, 3) for k, v in cols.items()},
                        "method": "greedy",
                    },
                )
            )
        if rep.sites.exact is not None:
            for rank, cand in enumerate(rep.sites.exact.chosen, start=1):
                node = int(rep.sites.candidates[cand])
                lon = float(report.network.node_lon[node])
                lat = float(report.network.node_lat[node])
                out.append(
                    feature(
                        f"{service}-exact-{rank}",
                        {"type": "Point", "coordinates": [lon, lat]},
                        {
                            "service": service,
                            "rank": rank,
                            "node": node,
                            "weight_column": rep.sites.column,
                            "method": "exact",
                            "covered_by_all_exact": rep.sites.exact.covered,
                            "optimal": rep.sites.exact.optimal,
                        },
                    )
                )
    return out
