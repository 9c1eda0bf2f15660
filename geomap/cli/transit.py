"""Answers for people in transit: ``safe-route``, ``nearby``, ``catchment``, ``stages``, ``map``.

Each command opens its network, places and zones through :mod:`geomap.cli.inputs` (the same
service layer the API uses) and writes the same GeoJSON answers the API serves
(:mod:`geomap.answers`). Errors reach :func:`geomap.cli.main`, which prints one line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from geomap.cli.common import (
    AtOpt,
    FromOpt,
    PlacesOpt,
    ToOpt,
    ZonesOpt,
    console,
    load_settings,
    out,
    parse_point,
)
from geomap.cli.common import when_opt as _when
from geomap.cli.inputs import open_inputs
from geomap.localtime import local_now
from geomap.registry.access import ANONYMOUS
from geomap.settings import Settings

OutOpt = Annotated[Path | None, typer.Option("--output", "-o", help="GeoJSON file.")]


def _safe_inputs(
    network: Path, places: Path | None, zones: Path | None, settings: Settings
) -> tuple[Any, list[Any], dict[str, Any]]:
    """``(safe router, public sites on the network, public zones)`` for the coverage commands."""
    inputs = open_inputs(network, places, zones, settings)
    return inputs.router, inputs.service.sites(ANONYMOUS), inputs.zone_collection


def _check_output(path: Path | None) -> None:
    """Refuse an output path that is a folder before any work is done."""
    if path is not None:
        from geomap.io import check_output

        check_output(path)


def safe_route(
    network: Path,
    origin: FromOpt,
    destination: ToOpt,
    at: AtOpt = None,
    alternatives: Annotated[int, typer.Option(min=1, max=5)] = 1,
    places: PlacesOpt = None,
    zones: ZonesOpt = None,
    output: OutOpt = None,
    map_path: Annotated[Path | None, typer.Option("--map", help="Folium HTML map.")] = None,
) -> None:
    """The safest walking route, its exposure to risk, and the shortest route beside it."""
    from geomap import answers
    from geomap.io import write_json
    from geomap.maps import safe_route_map, save_map
    from routing.safe import NoSafeRouteError

    settings = load_settings()
    a, b = parse_point(origin, "--from"), parse_point(destination, "--to")
    _check_output(output)
    _check_output(map_path)
    inputs = open_inputs(network, places, zones, settings)
    service, result = answers.route_answer(
        inputs.deployment, ANONYMOUS, origin=a, destination=b, when=_when(at),
        alternatives=alternatives,
    )  # fmt: skip
    collection = answers.safe_route_geojson(service, result)
    if isinstance(result, NoSafeRouteError):
        written = f"; the least-risk route is in {write_json(output, collection)}" if output else ""
        console.print(f"[red]no safe route:[/] {escape(str(result) + written)}")
        raise typer.Exit(code=1)
    for rank, report in enumerate(result.routes, start=1):
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
    cmp = result.comparison()
    out.print(
        f"shortest: {result.shortest.route.length_m:,.0f} m; the safe route is "
        f"{cmp['extra_length_m']:,.0f} m longer and avoids "
        f"{cmp['metres_in_risk_zones_avoided']:,.0f} m inside risk zones"
        + (" (night mode)" if result.night else "")
    )
    if output:
        out.print(f"written: {write_json(output, collection)}")
    if map_path:
        fmap = safe_route_map(
            result.routes, inputs.router.network, zones=inputs.zone_collection,
            sites=service.sites(ANONYMOUS), shortest=result.shortest,
        )  # fmt: skip
        out.print(f"map: {save_map(fmap, map_path)}")


def nearby(
    network: Path,
    at_point: Annotated[str, typer.Option("--point", help="Where you are, lon,lat.")],
    minutes: Annotated[float, typer.Option(help="Walking time limit.", min=0.1, max=600)] = 20.0,
    service: Annotated[str | None, typer.Option(help="Service code.")] = None,
    open_on_arrival: Annotated[bool, typer.Option("--open", help="Open on arrival.")] = False,
    language: Annotated[str | None, typer.Option(help="Language spoken (ISO 639).")] = None,
    population: Annotated[str | None, typer.Option(help="Population served.")] = None,
    at: AtOpt = None,
    places: PlacesOpt = None,
    zones: ZonesOpt = None,
    output: OutOpt = None,
) -> None:
    """Places reachable on foot within a time, by network walking time."""
    from geomap import answers
    from geomap.io import write_json

    settings = load_settings()
    point = parse_point(at_point, "--point")
    if service is not None:
        answers.check_services([service], field="--service")
    _check_output(output)
    when = _when(at) or (local_now(point) if open_on_arrival else None)
    inputs = open_inputs(network, places, zones, settings)
    collection = answers.nearby(
        inputs.deployment, ANONYMOUS, origin=point, minutes=minutes, when=when,
        service=service, open_on_arrival=open_on_arrival, language=language,
        population=population,
    )  # fmt: skip
    found = collection["features"]
    if not found:
        out.print(f"no place within {minutes:g} minutes on foot")
    for feature in found:
        p = feature["properties"]
        state = {True: "open", False: "closed", None: "hours unknown"}[p["open_on_arrival"]]
        out.print(
            f"{p['walking_minutes']:5.1f} min  {p['distance_m']:6.0f} m  {p['name']} ({state})"
        )
    if output:
        out.print(f"written: {write_json(output, collection)}")


def catchment(
    network: Path,
    at_point: Annotated[str, typer.Option("--point", help="Start, lon,lat.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="GeoJSON file.")],
    minutes: Annotated[str, typer.Option(help="Comma-separated thresholds.")] = "5,10,15",
    at: AtOpt = None,
    zones: ZonesOpt = None,
) -> None:
    """Areas reachable on foot within each time, following the streets."""
    from geomap import answers
    from geomap.io import write_json

    settings = load_settings()
    point = parse_point(at_point, "--point")
    try:
        limits = [float(m) for m in minutes.split(",")]
    except ValueError:
        raise typer.BadParameter("--minutes must be numbers such as 5,10,15") from None
    answers.check_minutes(limits, answers.Limits(max_catchments=20, max_catchment_minutes=600))
    _check_output(output)
    inputs = open_inputs(network, None, zones, settings)
    collection = answers.catchments(inputs.deployment, origin=point, minutes=limits, when=_when(at))
    n = len(collection["features"])
    out.print(f"{n} catchments written: {write_json(output, collection)}")


def stages(
    network: Path,
    origin: FromOpt,
    destination: ToOpt,
    max_km: Annotated[float, typer.Option(help="Longest day, km.", min=0.1, max=200)] = 25.0,
    places: PlacesOpt = None,
    zones: ZonesOpt = None,
    output: OutOpt = None,
) -> None:
    """Split a long safe walk into days ending at overnight shelters; report gaps."""
    from geomap import answers
    from geomap.io import write_json

    settings = load_settings()
    a, b = parse_point(origin, "--from"), parse_point(destination, "--to")
    _check_output(output)
    inputs = open_inputs(network, places, zones, settings)
    collection = answers.stages(
        inputs.deployment, ANONYMOUS, origin=a, destination=b, max_km=max_km,
        limits=answers.Limits(max_stage_km=200),
    )  # fmt: skip
    route = collection["features"][0]["properties"]
    days = collection["stages"]
    out.print(f"{route['length_m'] / 1000:.1f} km in {len(days)} day(s)")
    for d in days:
        last = d is days[-1]
        end = d["shelter"]["name"] if d["shelter"] else "(destination)" if last else "(no shelter)"
        out.print(f"  day {d['day']}: km {d['from_km']:.1f} -> {d['to_km']:.1f}  {end}")
    for g in collection["gaps"]:
        out.print(f"  gap: km {g['from_km']:.1f} - {g['to_km']:.1f} without shelter in reach")
    if output:
        out.print(f"written: {write_json(output, collection)}")


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
    from geomap import answers
    from geomap.mapexport import layered_map, save_export
    from routing.safe import NoSafeRouteError

    settings = load_settings()
    if (origin is None) != (destination is None):
        raise typer.BadParameter("give both --from and --to, or neither")
    _check_output(output)
    inputs = open_inputs(network, places, zones, settings)
    sites = inputs.service.sites(ANONYMOUS)
    routes: list[Any] = []
    shortest = None
    if origin is not None and destination is not None:
        _, result = answers.route_answer(
            inputs.deployment, ANONYMOUS, origin=parse_point(origin, "--from"),
            destination=parse_point(destination, "--to"), when=_when(at),
        )  # fmt: skip
        if isinstance(result, NoSafeRouteError):
            console.print(f"[red]no safe route:[/] {escape(str(result))}")
            raise typer.Exit(code=1)
        routes, shortest = list(result.routes), result.shortest
    fmap = layered_map(
        inputs.router.network, sites=sites, zones=inputs.zone_collection, routes=routes,
        shortest=shortest,
    )  # fmt: skip
    written = save_export(fmap, output, self_contained=self_contained)
    kind = "self-contained map" if self_contained else "map"
    out.print(f"{kind}: {written} ({len(sites)} places)")
    out.print("Map data © OpenStreetMap contributors, ODbL 1.0.")
