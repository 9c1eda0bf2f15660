"""Answers for people in transit: ``safe-route``, ``nearby``, ``catchment``, ``stages``, ``map``."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from geomap.cli.common import (
    AtOpt,
    FromOpt,
    PlacesOpt,
    ToOpt,
    ZonesOpt,
    console,
    fail,
    out,
    parse_point,
    print_problems,
)
from geomap.cli.common import when_opt as _when
from geomap.cli.registry import open_store
from geomap.errors import GeomapError, RegistryValidationError
from geomap.settings import Settings


def _safe_inputs(
    network: Path, places: Path | None, zones: Path | None, settings: Settings
) -> tuple[Any, list[Any], dict[str, Any]]:
    """A SafeRouter on a saved network, with public places and zones from files or the registry."""
    from geomap.registry.access import ANONYMOUS
    from geomap.registry.exports import feature_collection, iter_records
    from geomap.registry.risk import cost_zone, validate_risk_collection
    from geomap.registry.validate import parse_json, validate_collection
    from geomap.transit import PLACES, site_from_properties, site_from_record
    from routing import Network
    from routing.safe import SafeRouter, Site

    net = Network.load(network)
    zone_fc: dict[str, Any] = {"type": "FeatureCollection", "features": []}
    sites: list[Site] = []
    if places is not None:
        collection = parse_json(places.read_bytes(), what=str(places))
        tolerance = settings.country_tolerance_km
        sites = [
            site_from_properties(p.id, p.properties, p.lon, p.lat)
            for p in validate_collection(collection, country_tolerance_km=tolerance)
            if p.properties.get("visibility") == "public"
        ]
    elif settings.registry_url or settings.registry_db.exists():
        store = open_store(settings)
        sites = [site_from_record(r) for r in iter_records(store, PLACES, ANONYMOUS)]
        zone_fc = feature_collection(store, "risk_zones", ANONYMOUS)
    if zones is not None:
        zone_fc = parse_json(zones.read_bytes(), what=str(zones))
        validate_risk_collection(zone_fc)
    cost_zones = [
        cost_zone(str(f["id"]), f["properties"], f["geometry"]) for f in zone_fc["features"]
    ]
    router = SafeRouter(net, zones=cost_zones, layer_version=1, max_snap_m=settings.max_snap_m)
    return router, sites, zone_fc


def safe_route(
    network: Path,
    origin: FromOpt,
    destination: ToOpt,
    at: AtOpt = None,
    alternatives: Annotated[int, typer.Option(min=1, max=5)] = 1,
    places: PlacesOpt = None,
    zones: ZonesOpt = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="GeoJSON file.")] = None,
    map_path: Annotated[Path | None, typer.Option("--map", help="Folium HTML map.")] = None,
) -> None:
    """The safest walking route, its exposure to risk, and the shortest route beside it."""
    from geomap.io import write_json
    from geomap.maps import safe_route_map, save_map
    from routing.safe import NoSafeRouteError

    settings = Settings()
    a, b = parse_point(origin, "--from"), parse_point(destination, "--to")
    try:
        router, sites, zone_fc = _safe_inputs(network, places, zones, settings)
        answer = router.safe_route(a, b, when=_when(at), alternatives=alternatives, sites=sites)
    except NoSafeRouteError as exc:
        console.print(f"[red]no safe route:[/] {exc}")
        if exc.least_risk is not None and output:
            feature = exc.least_risk.to_geojson()
            out.print(
                f"least-risk route (crosses avoid zones) written: {write_json(output, feature)}"
            )
        raise typer.Exit(code=2) from exc
    except RegistryValidationError as exc:
        print_problems(exc)
        raise typer.Exit(code=1) from exc
    except GeomapError as exc:
        raise fail(exc) from exc
    for rank, report in enumerate(answer.routes, start=1):
        r = report.route
        out.print(
            f"route {rank}: {r.length_m:,.0f} m, {r.duration_s / 60:.0f} min, "
            f"in risk zones {report.exposure['in_zones_m']:,.0f} m, "
            f"unlit {report.exposure['unlit_m']:,.0f} m; via {', '.join(r.street_names[:5])}"
        )
        for site in report.sites_along:
            out.print(
                f"    km {site['at_km']:.2f}: {site['name']} "
                f"({site['distance_from_route_m']:.0f} m off)"
            )
    cmp = answer.comparison()
    out.print(
        f"shortest: {answer.shortest.route.length_m:,.0f} m; the safe route is "
        f"{cmp['extra_length_m']:,.0f} m longer and avoids "
        f"{cmp['metres_in_risk_zones_avoided']:,.0f} m inside risk zones"
        + (" (night mode)" if answer.night else "")
    )
    if output:
        collection = {
            "type": "FeatureCollection",
            "features": [r.to_geojson() for r in answer.routes]
            + [{**answer.shortest.to_geojson(), "id": "shortest"}],
            "comparison": cmp,
        }
        out.print(f"written: {write_json(output, collection)}")
    if map_path:
        fmap = safe_route_map(
            answer.routes, router.network, zones=zone_fc, sites=sites, shortest=answer.shortest
        )
        out.print(f"map: {save_map(fmap, map_path)}")


def nearby(
    network: Path,
    at_point: Annotated[str, typer.Option("--point", help="Where you are, lon,lat.")],
    minutes: Annotated[float, typer.Option(help="Walking time limit.")] = 20.0,
    service: Annotated[str | None, typer.Option(help="Service code.")] = None,
    open_on_arrival: Annotated[bool, typer.Option("--open", help="Open on arrival.")] = False,
    language: Annotated[str | None, typer.Option(help="Language spoken (ISO 639).")] = None,
    population: Annotated[str | None, typer.Option(help="Population served.")] = None,
    at: AtOpt = None,
    places: PlacesOpt = None,
    zones: ZonesOpt = None,
) -> None:
    """Places reachable on foot within a time, by network walking time."""
    settings = Settings()
    point = parse_point(at_point, "--point")
    when = _when(at) or (datetime.now() if open_on_arrival else None)
    try:
        router, sites, _ = _safe_inputs(network, places, zones, settings)
        found = router.nearby(
            point, sites, minutes=minutes, when=when, service=service,
            open_on_arrival=open_on_arrival, language=language, population=population,
        )  # fmt: skip
    except RegistryValidationError as exc:
        print_problems(exc)
        raise typer.Exit(code=1) from exc
    except GeomapError as exc:
        raise fail(exc) from exc
    if not found:
        out.print(f"no place within {minutes:g} minutes on foot")
    for item in found:
        state = {True: "open", False: "closed", None: "hours unknown"}[item["open"]]
        out.print(
            f"{item['minutes']:5.1f} min  {item['distance_m']:6.0f} m  "
            f"{item['site'].name} ({state})"
        )


def catchment(
    network: Path,
    at_point: Annotated[str, typer.Option("--point", help="Start, lon,lat.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="GeoJSON file.")],
    minutes: Annotated[str, typer.Option(help="Comma-separated thresholds.")] = "5,10,15",
    at: AtOpt = None,
    zones: ZonesOpt = None,
) -> None:
    """Areas reachable on foot within each time, following the streets."""
    import shapely

    from geomap.io import write_json

    settings = Settings()
    point = parse_point(at_point, "--point")
    try:
        limits = [float(m) for m in minutes.split(",")]
    except ValueError:
        raise typer.BadParameter("--minutes must be numbers such as 5,10,15") from None
    try:
        router, _, _ = _safe_inputs(network, None, zones, settings)
        areas = router.catchments(point, limits, when=_when(at))
    except GeomapError as exc:
        raise fail(exc) from exc
    collection = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"minutes": m},
                "geometry": shapely.geometry.mapping(area),
            }
            for m, area in areas
        ],
    }
    out.print(f"{len(areas)} catchments written: {write_json(output, collection)}")


def stages(
    network: Path,
    origin: FromOpt,
    destination: ToOpt,
    max_km: Annotated[float, typer.Option(help="Longest day, km.")] = 25.0,
    places: PlacesOpt = None,
    zones: ZonesOpt = None,
) -> None:
    """Split a long safe walk into days ending at overnight shelters; report gaps."""
    settings = Settings()
    a, b = parse_point(origin, "--from"), parse_point(destination, "--to")
    try:
        router, sites, _ = _safe_inputs(network, places, zones, settings)
        report, days, gaps = router.plan_stages(a, b, sites, max_km_per_day=max_km)
    except GeomapError as exc:
        raise fail(exc) from exc
    out.print(f"{report.route.length_m / 1000:.1f} km in {len(days)} day(s)")
    for d in days:
        end = d.shelter.name if d.shelter else "(destination)" if d is days[-1] else "(no shelter)"
        out.print(f"  day {d.day}: km {d.from_km:.1f} -> {d.to_km:.1f}  {end}")
    for g in gaps:
        out.print(f"  gap: km {g['from_km']:.1f} - {g['to_km']:.1f} without shelter in reach")


def map_export(
    network: Path,
    output: Annotated[Path, typer.Option("--output", "-o", help="HTML file to write.")],
    places: PlacesOpt = None,
    zones: ZonesOpt = None,
    origin: Annotated[str | None, typer.Option("--from", help="Route origin, lon,lat.")] = None,
    destination: Annotated[
        str | None, typer.Option("--to", help="Route destination, lon,lat.")
    ] = None,
    at: AtOpt = None,
    self_contained: Annotated[
        bool,
        typer.Option("--self-contained", help="One HTML file that works offline (no CDN)."),
    ] = False,
) -> None:
    """A layered map: places by service (clustered), risk zones, the safe route, a legend."""
    from geomap.mapexport import layered_map, save_export
    from routing.safe import NoSafeRouteError

    settings = Settings()
    if (origin is None) != (destination is None):
        raise typer.BadParameter("give both --from and --to, or neither")
    try:
        router, sites, zone_fc = _safe_inputs(network, places, zones, settings)
        routes: list[Any] = []
        shortest = None
        if origin is not None and destination is not None:
            answer = router.safe_route(
                parse_point(origin, "--from"), parse_point(destination, "--to"),
                when=_when(at), sites=sites,
            )  # fmt: skip
            routes, shortest = list(answer.routes), answer.shortest
        fmap = layered_map(
            router.network, sites=sites, zones=zone_fc, routes=routes, shortest=shortest
        )
        written = save_export(fmap, output, self_contained=self_contained)
    except NoSafeRouteError as exc:
        console.print(f"[red]no safe route:[/] {exc}")
        raise typer.Exit(code=2) from exc
    except RegistryValidationError as exc:
        print_problems(exc)
        raise typer.Exit(code=1) from exc
    except GeomapError as exc:
        raise fail(exc) from exc
    kind = "self-contained map" if self_contained else "map"
    out.print(f"{kind}: {written} ({len(sites)} places)")
    out.print("Map data © OpenStreetMap contributors, ODbL 1.0.")
