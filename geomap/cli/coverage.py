"""``geomap coverage …``: who can walk to which service, gaps, duplicates, new sites."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from geomap.cli.common import AtOpt, PlacesOpt, ZonesOpt, fail, out, parse_point, print_problems
from geomap.cli.common import when_opt as _when
from geomap.cli.registry import open_store
from geomap.cli.transit import _safe_inputs
from geomap.errors import GeomapError, RegistryValidationError
from geomap.settings import Settings

app = typer.Typer(
    help="Service coverage: who can walk to which service, gaps, duplicates, new sites.",
    no_args_is_help=True,
)


def _place_organizations(places: Path | None, settings: Settings) -> dict[str, list[str]]:
    """``{place id: organizations}`` of the public places, from the file or the registry."""
    from geomap.coverage import organizations_of
    from geomap.registry.access import ANONYMOUS
    from geomap.registry.exports import feature_collection
    from geomap.registry.validate import parse_json
    from geomap.transit import PLACES

    if places is not None:
        return organizations_of(parse_json(places.read_bytes(), what=str(places))["features"])
    if settings.registry_url or settings.registry_db.exists():
        fc = feature_collection(open_store(settings), PLACES, ANONYMOUS)
        return organizations_of(fc["features"])
    return {}


def _services(text: str) -> list[str]:
    """Service codes, each known (refused with the list of valid ones)."""
    from geomap.answers import check_services

    return check_services(text.split(","), field="--services")


@app.command("population")
def coverage_population(
    network: Path,
    population: Annotated[
        Path, typer.Option("--population", help="Population layer: CSV (lon/lat), GeoJSON, GPKG.")
    ],
    services: Annotated[str, typer.Option(help="Comma-separated service codes.")],
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Folder for the outputs (geomap-out/coverage).")
    ] = None,
    minutes: Annotated[float, typer.Option(help="Walking time threshold.", min=0)] = 15.0,
    at: AtOpt = None,
    places: PlacesOpt = None,
    zones: ZonesOpt = None,
    pop_column: Annotated[str, typer.Option("--pop-column", help="Population column.")] = (
        "population"
    ),
    pop_layer: Annotated[
        str | None, typer.Option("--pop-layer", help="Layer of a GeoPackage population file.")
    ] = None,
    area_column: Annotated[
        str | None, typer.Option("--area-column", help="Admin area column of the layer.")
    ] = None,
    areas: Annotated[
        Path | None, typer.Option("--areas", help="Admin area polygons (GeoJSON, GPKG).")
    ] = None,
    area_name: Annotated[str, typer.Option("--area-name", help="Name column of --areas.")] = (
        "name"
    ),
    duplicates: Annotated[
        float | None,
        typer.Option("--duplicates", help="Report places whose catchments overlap > share."),
    ] = None,
    suggest: Annotated[int, typer.Option(help="New places to suggest per service.", min=0)] = 0,
    map_path: Annotated[Path | None, typer.Option("--map", help="Folium HTML map.")] = None,
) -> None:
    """Share of people within a walking time of each service; layers, tables and a map."""
    from geomap.coverage import analyse, assign_areas, coverage_map, read_demand
    from geomap.maps import save_map

    settings = Settings()
    codes = _services(services)
    out_dir = out_dir or settings.output_dir / "coverage"
    if not population.is_file():
        raise fail(OSError(f"cannot read the population layer {population}: no such file"))
    try:
        router, sites, _ = _safe_inputs(network, places, zones, settings)
        layer = read_demand(population, population=pop_column, area=area_column, layer=pop_layer)
        if areas is not None:
            layer = assign_areas(layer, areas, name=area_name)
        report = analyse(
            router, sites, codes, layer, minutes=minutes, when=_when(at),
            organizations=_place_organizations(places, settings),
            duplicate_share=duplicates, suggest=suggest,
        )  # fmt: skip
    except RegistryValidationError as exc:
        print_problems(exc)
        raise typer.Exit(code=1) from exc
    except GeomapError as exc:
        raise fail(exc) from exc
    table = Table("service", "places", "people", f"within {minutes:g} min", "share")
    for code, rep in report.services.items():
        s = rep.shares
        table.add_row(
            code,
            str(len(rep.nodes.sites)),
            f"{s['population']:,.0f}",
            f"{s['covered']:,.0f}",
            f"{100 * s['share']:.1f}%",
        )
    out.print(table)
    for code, rep in report.services.items():
        if rep.nodes.off_network:
            out.print(
                f"{len(rep.nodes.off_network)} place(s) offering {code} lie off this network "
                "and cover nobody here"
            )
        for group in rep.duplicates:
            out.print(f"duplicated {code}: {', '.join(group.site_ids)}")
        for p in rep.suggestions:
            out.print(
                f"suggested {code} #{p.rank}: {p.lon:.6f},{p.lat:.6f} "
                f"+{p.population_gained:,.0f} people"
            )
    written = report.write_layers(out_dir)
    written.append(report.write_csv(out_dir / "coverage.csv"))
    written.append(report.write_csv(out_dir / "coverage_hxl.csv", hxl=True))
    if map_path:
        written.append(save_map(coverage_map(report, codes[0]), map_path))
    for path in written:
        out.print(f"written: {path}")


@app.command("gaps")
def coverage_gaps(
    network: Path,
    service: Annotated[str, typer.Option(help="Service code.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="GeoJSON file.")],
    origin: Annotated[str | None, typer.Option("--from", help="Route origin, lon,lat.")] = None,
    destination: Annotated[
        str | None, typer.Option("--to", help="Route destination, lon,lat.")
    ] = None,
    line: Annotated[
        Path | None, typer.Option("--line", help="Corridor line (GeoJSON LineString).")
    ] = None,
    within_m: Annotated[float, typer.Option("--within-m", help="Distance from the way.")] = 500.0,
    min_km: Annotated[float, typer.Option("--min-km", help="Shortest gap reported.")] = 5.0,
    at: AtOpt = None,
    places: PlacesOpt = None,
    zones: ZonesOpt = None,
) -> None:
    """Stretches of a route or corridor longer than --min-km with no place offering a service."""
    import json

    import shapely

    from geomap.coverage import gap_layer
    from geomap.io import write_json

    settings = Settings()
    _services(service)
    if line is not None and not line.is_file():
        raise fail(OSError(f"cannot read the corridor line {line}: no such file"))
    if (line is None) == (origin is None or destination is None):
        raise typer.BadParameter("give either --from and --to, or --line")
    coords: list[Any] = []
    try:
        router, sites, _ = _safe_inputs(network, places, zones, settings)
        length: float | None = None
        if line is not None:
            doc = json.loads(line.read_text(encoding="utf-8"))
            geom = doc["features"][0]["geometry"] if "features" in doc else doc.get("geometry", doc)
            coords = list(shapely.geometry.shape(geom).coords)
        elif origin is not None and destination is not None:
            when = _when(at)
            walk = router.walking_router(
                night=router.params.is_night(when) if when else False, when=when
            )
            route = walk.route(parse_point(origin, "--from"), parse_point(destination, "--to"))
            coords, length = route.coords.tolist(), route.length_m
        gaps, layer = gap_layer(
            router.network, coords, sites, service, within_m=within_m, min_gap_km=min_km,
            length_m=length,
        )  # fmt: skip
    except RegistryValidationError as exc:
        print_problems(exc)
        raise typer.Exit(code=1) from exc
    except GeomapError as exc:
        raise fail(exc) from exc
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        raise fail(ValueError(f"cannot read the corridor line {line}: {exc}")) from exc
    if not gaps:
        out.print(f"no stretch longer than {min_km:g} km without {service}")
    for g in gaps:
        out.print(
            f"gap: km {g.start_km:.2f} - {g.end_km:.2f} ({g.length_km:.2f} km) without {service}"
        )
    out.print(f"written: {write_json(output, layer)}")
