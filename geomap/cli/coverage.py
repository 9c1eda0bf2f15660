"""``geomap coverage …``: who can walk to which service, gaps, duplicates, new sites."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from geomap.cli.common import (
    AtOpt,
    PlacesOpt,
    ZonesOpt,
    fail,
    out,
    parse_point,
    print_problems,
    steps,
)
from geomap.cli.common import when_opt as _when
from geomap.cli.registry import open_store
from geomap.cli.transit import _safe_inputs
from geomap.errors import GeomapError, RegistryValidationError
from geomap.settings import Settings

app = typer.Typer(
    help="Service coverage: who can walk to which service, by group; gaps, duplicates, new "
    "sites, hours of the week, 5W activities and regional batches.",
    no_args_is_help=True,
)


def _place_features(places: Path | None, settings: Settings) -> list[dict[str, Any]]:
    """The public places' GeoJSON features, from the file or the registry."""
    from geomap.registry.access import ANONYMOUS
    from geomap.registry.exports import feature_collection
    from geomap.registry.validate import parse_json
    from geomap.transit import PLACES

    if places is not None:
        fc = parse_json(places.read_bytes(), what=str(places))
        return [f for f in fc["features"] if f["properties"].get("visibility") == "public"]
    if settings.registry_url or settings.registry_db.exists():
        return list(feature_collection(open_store(settings), PLACES, ANONYMOUS)["features"])
    return []


def _print_report(report: Any, minutes: float) -> None:
    """The summary table, then duplicates, suggestions and the exact choice's gap."""
    table = Table("service", "places", "people", f"within {minutes:g} min", "share")
    for code, rep in report.services.items():
        s = rep.shares
        table.add_row(
            code, str(len(rep.nodes.sites)), f"{s['population']:,.0f}", f"{s['covered']:,.0f}",
            f"{100 * s['share']:.1f}%",
        )  # fmt: skip
    out.print(table)
    if report.demand.breakdowns:
        groups = Table("service", "group", "people", "covered", "share")
        for code, rep in report.services.items():
            for column, s in rep.columns.items():
                groups.add_row(code, column, f"{s['population']:,.0f}", f"{s['covered']:,.0f}",
                               f"{100 * s['share']:.1f}%")  # fmt: skip
        out.print(groups)
    if report.demand.meta.get("illustrative"):
        out.print("note: the demand layer is illustrative, not real figures")
    for code, rep in report.services.items():
        if rep.nodes.off_network:
            out.print(
                f"{len(rep.nodes.off_network)} place(s) offering {code} lie off this network "
                "and cover nobody here"
            )
        if rep.duplication is not None:
            out.print(f"{code}: {rep.duplication.people:,.0f} people within reach of 2+ places")
        for group in rep.duplicates:
            out.print(
                f"duplicated {code}: {', '.join(group.site_ids)} "
                f"({group.people:,.0f} people covered twice)"
            )
        for p in rep.suggestions:
            out.print(
                f"suggested {code} #{p.rank}: {p.lon:.6f},{p.lat:.6f} "
                f"+{p.population_gained:,.0f} people"
            )
        gap = rep.sites.gap() if rep.sites is not None else None
        if gap is not None:
            out.print(
                f"exact {code}: {gap['exact_covered']:,.0f} people with "
                f"{gap['exact_sites']:.0f} site(s); greedy {gap['greedy_covered']:,.0f} "
                f"(gap {gap['people']:,.0f} people, {100 * gap['share']:.2f}%)"
            )


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
    exact: Annotated[
        bool, typer.Option("--exact", help="Also solve the site choice exactly (HiGHS).")
    ] = False,
    weight: Annotated[
        str, typer.Option(help="Column whose uncovered people new places should reach.")
    ] = "population",
    capacity: Annotated[
        float | None, typer.Option(help="Capacity of each new place (capacity-aware).", min=0)
    ] = None,
    resolution: Annotated[
        int | None, typer.Option(help="Aggregate the layer to H3 cells of this resolution.")
    ] = None,
    street_only: Annotated[
        bool, typer.Option("--street-only", help="Leave out the walk from a unit to its street.")
    ] = False,
    map_path: Annotated[Path | None, typer.Option("--map", help="Folium HTML map.")] = None,
) -> None:
    """Share of people (per group) within a walking time of each service; layers and tables."""
    from geomap.coverage import (
        analyse,
        assign_areas,
        capacities_of,
        coverage_map,
        organizations_of,
        read_demand,
    )
    from geomap.maps import save_map

    settings = Settings()
    codes = _services(services)
    out_dir = out_dir or settings.output_dir / "coverage"
    if not population.is_file():
        raise fail(OSError(f"cannot read the population layer {population}: no such file"))
    try:
        router, sites, _ = _safe_inputs(network, places, zones, settings)
        layer = read_demand(
            population, population=pop_column, area=area_column, layer=pop_layer,
            resolution=resolution,
        )  # fmt: skip
        if areas is not None:
            layer = assign_areas(layer, areas, name=area_name)
        features = _place_features(places, settings)
        report = analyse(
            router, sites, codes, layer, minutes=minutes, when=_when(at),
            organizations=organizations_of(features), duplicate_share=duplicates,
            suggest=suggest, exact=exact, weight=weight, capacity=capacity,
            capacities=capacities_of(features), access=not street_only,
        )  # fmt: skip
    except RegistryValidationError as exc:
        print_problems(exc)
        raise typer.Exit(code=1) from exc
    except (GeomapError, ValueError) as exc:
        raise fail(exc) from exc
    _print_report(report, minutes)
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


@app.command("hours")
def coverage_hours(
    network: Path,
    population: Annotated[Path, typer.Option("--population", help="Population layer.")],
    services: Annotated[str, typer.Option(help="Comma-separated service codes.")],
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the outputs.")],
    minutes: Annotated[float, typer.Option(help="Walking time threshold.", min=0)] = 15.0,
    column: Annotated[str, typer.Option(help="Demand column counted.")] = "population",
    places: PlacesOpt = None,
    zones: ZonesOpt = None,
    area_column: Annotated[
        str | None, typer.Option("--area-column", help="Admin area column of the layer.")
    ] = None,
) -> None:
    """Coverage of each service at each of the 168 hours of the week: table and heat map."""
    from geomap.coverage import read_demand
    from geomap.coverage.hours import hours_of_week
    from geomap.coverage.tables import csv_text, write_text

    codes = _services(services)
    try:
        router, sites, _ = _safe_inputs(network, places, zones, Settings())
        layer = read_demand(population, area=area_column)
        with steps(1, "hours of the week") as step:
            step(f"{len(codes)} service(s) x 168 hours")
            table = hours_of_week(router, sites, codes, layer, minutes=minutes, column=column)
    except RegistryValidationError as exc:
        print_problems(exc)
        raise typer.Exit(code=1) from exc
    except (GeomapError, ValueError) as exc:
        raise fail(exc) from exc
    share = table.share
    for i, code in enumerate(codes):
        out.print(
            f"{code}: {100 * share[i].min():.1f}% to {100 * share[i].max():.1f}% of "
            f"{column} within {minutes:g} min over the week"
        )
    out.print(f"{table.searches} distinct searches for {len(codes) * 168} service-hours")
    cols = [(c, "") for c in table.rows()[0]]
    written = [
        write_text(out_dir / "hours.csv", csv_text(table.rows(), columns=cols)),
        table.heatmap(out_dir / "hours.png"),
        table.heatmap(out_dir / "hours.svg"),
    ]
    for path in written:
        out.print(f"written: {path}")


@app.command("activities")
def coverage_activities(
    activities: Annotated[Path, typer.Argument(help="5W table: CSV, XLSX or HXL CSV.")],
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the outputs.")],
    network: Annotated[
        Path | None, typer.Option("--network", help="Saved network, to compare with coverage.")
    ] = None,
    population: Annotated[
        Path | None, typer.Option("--population", help="Population layer with admin2 areas.")
    ] = None,
    area_column: Annotated[
        str, typer.Option("--area-column", help="Admin2 (P-code) column of the layer.")
    ] = "area",
    minutes: Annotated[float, typer.Option(help="Walking time threshold.", min=0)] = 15.0,
    places: PlacesOpt = None,
    zones: ZonesOpt = None,
) -> None:
    """5W monitoring: overlaps of effort, areas with need and no activity, reached vs reach."""
    from geomap.coverage import analyse, read_demand
    from geomap.coverage.activities import sector_services
    from geomap.coverage.activity_report import monitor
    from geomap.coverage.fivew import read_activities

    try:
        rows = read_activities(activities)
        reports: list[Any] = []
        sites: list[Any] = []
        if network is not None and population is not None:
            router, sites, _ = _safe_inputs(network, places, zones, Settings())
            layer = read_demand(population, area=area_column)
            codes = sorted({c for a in rows for c in sector_services(a.sector)})
            reports.append(analyse(router, sites, codes, layer, minutes=minutes))
        report = monitor(rows, sites=sites, reports=reports)
    except RegistryValidationError as exc:
        print_problems(exc)
        raise typer.Exit(code=1) from exc
    except (GeomapError, ValueError) as exc:
        raise fail(exc) from exc
    out.print(f"{len(rows)} activities, {len(report.places)} linked to registry places")
    for o in report.overlaps:
        out.print(f"overlap: {o.sector} in {o.area}, {o.month}: {'; '.join(o.organizations)}")
    for g in report.gaps:
        out.print(f"gap: no {g.sector} in {g.area} in {g.month} ({g.need:,.0f} people)")
    for path in report.write(out_dir):
        out.print(f"written: {path}")


@app.command("batch")
def coverage_batch(
    regions: Annotated[
        Path,
        typer.Argument(help="JSON list of regions: name, network, places, population[, zones]."),
    ],
    services: Annotated[str, typer.Option(help="Comma-separated service codes.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Tidy CSV of the results.")],
    minutes: Annotated[float, typer.Option(help="Walking time threshold.", min=0)] = 15.0,
    workers: Annotated[
        int, typer.Option(help="Local Dask worker processes (0: run in this process).", min=0)
    ] = 2,
    scheduler: Annotated[
        str | None, typer.Option(help="Address of a running Dask scheduler.")
    ] = None,
) -> None:
    """Coverage of every region x service x hour of the week, on Dask (or in this process)."""
    import json

    from geomap.coverage.batch import Region, plan, run_dask, run_local
    from geomap.coverage.tables import csv_text, write_text

    codes = _services(services)
    settings = Settings()
    try:
        specs = json.loads(regions.read_text(encoding="utf-8"))
        base = regions.parent
        built = []
        for spec in specs:
            net = base / spec["network"]
            router, sites, _ = _safe_inputs(
                net, base / spec["places"], base / spec["zones"] if spec.get("zones") else None,
                settings,
            )  # fmt: skip
            from geomap.coverage import read_demand

            layer = read_demand(base / spec["population"], area=spec.get("area_column"))
            built.append(
                Region(spec["name"], str(net), tuple(sites), layer, router.zones, router.params)
            )
        tasks = plan(built, codes)
        with steps(len(tasks) + 1, "regional batch") as step:
            step(f"{len(tasks)} task(s)")

            def progress(done: int, total: int) -> None:
                step(f"{done}/{total} task(s)")

            if workers == 0 and scheduler is None:
                result = run_local(built, tasks, minutes=minutes, progress=progress)
            else:
                result = run_dask(built, tasks, minutes=minutes, address=scheduler,
                                  n_workers=max(workers, 1), progress=progress)  # fmt: skip
    except RegistryValidationError as exc:
        print_problems(exc)
        raise typer.Exit(code=1) from exc
    except (KeyError, TypeError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise fail(ValueError(f"cannot read the regions file {regions}: {exc}")) from exc
    except (GeomapError, ValueError, OSError) as exc:
        raise fail(exc) from exc
    rows = result.rows()
    write_text(output, csv_text(rows, columns=[(c, "") for c in rows[0]]))
    out.print(f"{len(tasks)} task(s) on {result.workers} worker(s) ({result.mode})")
    out.print(f"written: {output}")
