"""The ``geomap`` command line."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from geomap.errors import GeomapError, RegistryValidationError
from geomap.settings import Settings

if TYPE_CHECKING:
    from geomap.registry.store import SQLiteStore

app = typer.Typer(
    help="geomap: walking networks, safe routes and support spaces along migration corridors.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
network_app = typer.Typer(help="Build, inspect and export walking networks.", no_args_is_help=True)
app.add_typer(network_app, name="network")
console = Console(stderr=True, soft_wrap=True)
out = Console(soft_wrap=True)

BUILD_STEPS = 7


@contextmanager
def steps(total: int, title: str) -> Iterator[Callable[[str], None]]:
    """A progress bar that advances one step each time the yielded callback is called."""
    columns = (
        SpinnerColumn(),
        TextColumn("[bold]{task.fields[title]}[/] {task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("starting", total=total, title=title)
        seen = 0

        def advance(label: str) -> None:
            nonlocal seen
            if seen:
                bar.advance(task)
            seen += 1
            bar.update(task, description=label)

        yield advance
        bar.update(task, completed=total)


def fail(exc: Exception) -> typer.Exit:
    """Print one clear line for a library error and return the exit to raise."""
    console.print(f"[red]error:[/] {exc}")
    return typer.Exit(code=1)


def parse_point(text: str, what: str) -> tuple[float, float]:
    """``"lon,lat"`` to a pair of floats (validated later by the router)."""
    parts = text.split(",")
    if len(parts) != 2:
        raise typer.BadParameter(f"{what} must be 'lon,lat', got {text!r}")
    try:
        return float(parts[0]), float(parts[1])
    except ValueError:
        raise typer.BadParameter(f"{what} must be two numbers 'lon,lat', got {text!r}") from None


FromOpt = Annotated[str, typer.Option("--from", help="Origin as lon,lat.")]
ToOpt = Annotated[str, typer.Option("--to", help="Destination as lon,lat.")]


@app.command()
def demo(
    out_dir: Annotated[Path | None, typer.Option("--out", help="Output folder.")] = None,
) -> None:
    """Build the Porto Alegre walking network, route between two landmarks, write the files."""
    from geomap.demo import run_demo

    settings = Settings()
    try:
        with steps(BUILD_STEPS + 4, "demo") as say:
            result = run_demo(settings, out_dir=out_dir, progress=say)
    except (GeomapError, KeyError) as exc:
        raise fail(exc) from exc
    net, route = result.network, result.route
    out.print(
        f"Built the Porto Alegre walking network: {net.n_nodes:,} nodes, {net.n_edges:,} directed "
        f"edges, {net.seg_length.sum() / 1000:,.0f} km of streets in {result.build_seconds:.1f} s"
    )
    out.print(
        f"Route {result.origin} -> {result.destination}: {route.length_m / 1000:.2f} km, "
        f"{route.duration_s / 60:.0f} min walking, via {', '.join(route.street_names[:6])}"
    )
    cmp = result.safe.comparison()
    out.print(
        f"Safe route over the sample (illustrative) risk layer: "
        f"{result.safe.routes[0].route.length_m / 1000:.2f} km, {cmp['extra_length_m']:+.0f} m "
        f"vs the shortest, {cmp['metres_in_risk_zones_avoided']:.0f} m inside risk zones avoided"
    )
    out.print(f"  network:    {result.network_path}")
    out.print(f"  route:      {result.route_path}")
    out.print(f"  map:        {result.map_path}")
    out.print(f"  safe route: {result.safe_route_path}")
    out.print(f"  safe map:   {result.safe_map_path}")
    out.print("Map data © OpenStreetMap contributors, ODbL 1.0.")


@network_app.command("build")
def network_build(
    output: Annotated[Path, typer.Option("--output", "-o", help="Network file to write (.npz).")],
    pbf: Annotated[
        Path | None,
        typer.Option("--pbf", "--osm", help="Local OSM file (.osm.pbf, .osm, .osm.bz2)."),
    ] = None,
    corridor: Annotated[
        str | None, typer.Option(help="Clip to this corridor (see 'geomap corridors').")
    ] = None,
    corridor_file: Annotated[
        Path | None,
        typer.Option(help="GeoJSON of your own corridor lines (default: the shipped ones)."),
    ] = None,
    buffer_km: Annotated[
        float | None, typer.Option(help="Corridor half-width in km (default: its own).")
    ] = None,
    online: Annotated[
        bool, typer.Option("--online", help="Download the corridor from Overpass via osmnx.")
    ] = False,
    profile: Annotated[str, typer.Option(help="Travel profile: walk or drive.")] = "walk",
    all_parts: Annotated[
        bool, typer.Option("--all-parts", help="Keep disconnected parts of the network.")
    ] = False,
    export: Annotated[
        Path | None, typer.Option(help="Also export nodes/edges (.gpkg or .geojson).")
    ] = None,
) -> None:
    """Build a network from a local OSM file (optionally clipped to a corridor) or online."""
    from routing import build_network, network_from_file
    from routing.corridors import get_corridor

    if (pbf is None) == (not online):
        raise typer.BadParameter("give exactly one source: --pbf FILE or --online")
    if online and corridor is None:
        raise typer.BadParameter("--online needs --corridor")
    t0 = time.perf_counter()
    try:
        area = None
        if corridor is not None:
            c = get_corridor(corridor, path=corridor_file)
            if buffer_km is not None:
                c = c.with_buffer(buffer_km)
            area = c.polygon()
        with steps(BUILD_STEPS + 1, "build") as say:
            if online:
                from routing.online import download_osm

                say("downloading from Overpass")
                osm = download_osm(area)
                net = build_network(osm, profile, clip=area, retain_all=all_parts, progress=say)
            else:
                assert pbf is not None
                net = network_from_file(pbf, profile, clip=area, retain_all=all_parts, progress=say)
            if corridor:
                net.meta["corridor"] = corridor
            say("saving")
            path = net.save(output)
            exported = net.export(export) if export else None
    except GeomapError as exc:
        raise fail(exc) from exc
    out.print(
        f"{net.profile} network: {net.n_nodes:,} nodes, {net.n_edges:,} directed edges, "
        f"{net.seg_length.sum() / 1000:,.1f} km, built in {time.perf_counter() - t0:.1f} s"
    )
    out.print(f"  written: {path}")
    if exported:
        out.print(f"  exported: {exported}")


@network_app.command("info")
def network_info(path: Path) -> None:
    """Describe a saved network."""
    from routing import Network

    try:
        net = Network.load(path)
    except GeomapError as exc:
        raise fail(exc) from exc
    table = Table(title=str(path), show_header=False)
    table.add_row("profile", net.profile)
    table.add_row("nodes", f"{net.n_nodes:,}")
    table.add_row("directed edges", f"{net.n_edges:,}")
    table.add_row("street length", f"{net.seg_length.sum() / 1000:,.1f} km")
    table.add_row(
        "bounds",
        f"{net.node_lon.min():.4f}, {net.node_lat.min():.4f}, "
        f"{net.node_lon.max():.4f}, {net.node_lat.max():.4f}",
    )
    for key, value in net.meta.items():
        table.add_row(key, str(value))
    out.print(table)


@network_app.command("export")
def network_export(path: Path, destination: Path) -> None:
    """Export a saved network's nodes and edges to GeoPackage (.gpkg) or GeoJSON."""
    from routing import Network

    try:
        written = Network.load(path).export(destination)
    except GeomapError as exc:
        raise fail(exc) from exc
    out.print(f"written: {written}")


@app.command()
def route(
    network: Path,
    origin: FromOpt,
    destination: ToOpt,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="GeoJSON file.")] = None,
) -> None:
    """Shortest walking route between two points of a saved network."""
    from geomap.io import write_json
    from routing import Network, Router

    settings = Settings()
    a, b = parse_point(origin, "--from"), parse_point(destination, "--to")
    try:
        net = Network.load(network)
        router = Router(net, speed_kmh=settings.walk_speed_kmh, max_snap_m=settings.max_snap_m)
        result = router.route(a, b)
    except GeomapError as exc:
        raise fail(exc) from exc
    out.print(
        f"{result.length_m:,.0f} m, {result.duration_s / 60:.0f} min; "
        f"streets: {', '.join(result.street_names) or '(unnamed)'}"
    )
    if output:
        out.print(f"written: {write_json(output, result.to_geojson())}")


@app.command("corridors")
def list_corridors() -> None:
    """List the migration corridors geomap ships (approximate lines through towns)."""
    from routing.corridors import corridors

    table = Table("id", "name", "length", "buffer", "towns")
    for c in corridors():
        table.add_row(
            c.id, c.name, f"{c.length_km():,.0f} km", f"{c.buffer_km:g} km", " - ".join(c.towns)
        )
    out.print(table)
    out.print("Lines join approximate town centres; widen with --buffer-km where roads stray.")


registry_app = typer.Typer(
    help="Import and export the support-space registry.", no_args_is_help=True
)
token_app = typer.Typer(help="Manage API tokens (admin, on the server).", no_args_is_help=True)
app.add_typer(registry_app, name="registry")
app.add_typer(token_app, name="token")

VIEWS = {"public": "anonymous", "partners": "partner", "all": "admin"}


def open_store(settings: Settings) -> SQLiteStore:
    """The registry store named by the settings."""
    from geomap.registry.store import SQLiteStore

    return SQLiteStore(settings.registry_db)


def print_problems(exc: RegistryValidationError) -> None:
    """Every validation problem on its own line: feature index and id, field, message."""
    console.print(f"[red]error:[/] {exc}; nothing was written")
    for p in exc.problems:
        where = f"feature {p['index']}" if p.get("index") is not None else "input"
        ident = f" (id {p['id']})" if p.get("id") else ""
        console.print(f"  {where}{ident}: {p['field']}: {p['message']}")


@registry_app.command("import")
def registry_import(
    path: Path,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Report, write nothing.")] = False,
    retire_missing: Annotated[
        bool,
        typer.Option(help="Retire records of the file's countries that the file lacks."),
    ] = False,
    who: Annotated[str, typer.Option(help="Who makes the change (kept in the history).")] = "cli",
    why: Annotated[str, typer.Option(help="Why (kept in the history).")] = "import",
    collection: Annotated[str, typer.Option(help="Registry collection.")] = "places",
) -> None:
    """Validate a GeoJSON FeatureCollection and import it, all or nothing."""
    from geomap.registry.access import Caller
    from geomap.registry.validate import parse_json, validate_collection

    settings = Settings()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise fail(OSError(f"cannot read {path}: {exc.strerror}")) from exc
    try:
        places = validate_collection(
            parse_json(data, what=str(path)), country_tolerance_km=settings.country_tolerance_km
        )
        report = open_store(settings).import_places(
            collection,
            places,
            Caller("admin", name=who),
            why,
            dry_run=dry_run,
            retire_missing=retire_missing,
        )
    except RegistryValidationError as exc:
        print_problems(exc)
        raise typer.Exit(code=1) from exc
    except GeomapError as exc:
        raise fail(exc) from exc
    counts = ", ".join(f"{n} {k}" for k, n in report.summary().items())
    prefix = "dry run, nothing written: would be " if dry_run else ""
    out.print(f"{prefix}{counts} ({len(places)} features in {path})")
    out.print(f"  registry: {settings.registry_db}")


@registry_app.command("export")
def registry_export(
    output: Annotated[Path, typer.Option("--output", "-o", help=".geojson, or .csv for HXL.")],
    view: Annotated[
        str, typer.Option(help="Whose view: public, partners or all (admin).")
    ] = "public",
    collection: Annotated[str, typer.Option(help="Registry collection.")] = "places",
) -> None:
    """Export the registry as RFC 7946 GeoJSON or HXL-tagged CSV (no contact data)."""
    from geomap.io import write_json
    from geomap.registry.access import Caller
    from geomap.registry.exports import feature_collection, write_hxl_csv

    if view not in VIEWS:
        raise typer.BadParameter(f"view must be one of {', '.join(VIEWS)}")
    caller = Caller(VIEWS[view], name="cli")
    store = open_store(Settings())
    if output.suffix.lower() == ".csv":
        written = write_hxl_csv(store, collection, caller, output)
    else:
        written = write_json(output, feature_collection(store, collection, caller))
    out.print(f"{store.count(collection, caller)} records ({view} view) written to {written}")


@token_app.command("create")
def token_create(
    name: str,
    role: Annotated[str, typer.Option(help="partner, officer or admin.")],
    countries: Annotated[
        str, typer.Option(help="Comma-separated ISO codes an officer works in.")
    ] = "",
) -> None:
    """Create an API token; it is printed once and only its hash is stored."""
    try:
        token = open_store(Settings()).create_token(name, role, countries.split(","))
    except GeomapError as exc:
        raise fail(exc) from exc
    out.print(token)
    console.print(f"token {name!r} ({role}) created; store it now: it cannot be shown again")


@token_app.command("list")
def token_list() -> None:
    """List tokens (names, roles, countries; never the secrets)."""
    table = Table("name", "role", "countries", "created", "revoked")
    for t in open_store(Settings()).list_tokens():
        table.add_row(
            t["name"], t["role"], ",".join(t["countries"]), t["created_at"], t["revoked_at"] or ""
        )
    out.print(table)


@token_app.command("revoke")
def token_revoke(name: str) -> None:
    """Revoke a token by name."""
    try:
        open_store(Settings()).revoke_token(name)
    except GeomapError as exc:
        raise fail(exc) from exc
    out.print(f"token {name!r} revoked")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
) -> None:
    """Run the API (no access log: coordinates, addresses and user agents are never logged)."""
    from api.app import run

    run(Settings(), host=host, port=port, workers=workers)


def _when(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(
            f"--at must be an ISO date-time such as 2026-11-23T21:30, not {text!r}"
        ) from None


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
    elif settings.registry_db.exists():
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


PlacesOpt = Annotated[
    Path | None, typer.Option("--places", help="Places GeoJSON (default: the registry).")
]
ZonesOpt = Annotated[
    Path | None, typer.Option("--zones", help="Risk zones GeoJSON (default: the registry).")
]
AtOpt = Annotated[
    str | None, typer.Option("--at", help="Local departure time, ISO (night mode, opening hours).")
]


@app.command("safe-route")
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


@app.command()
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


@app.command()
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


@app.command()
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


# ---------------------------------------------------------------------- coverage
coverage_app = typer.Typer(
    help="Service coverage: who can walk to which service, gaps, duplicates, new sites.",
    no_args_is_help=True,
)
app.add_typer(coverage_app, name="coverage")


def _place_organizations(places: Path | None, settings: Settings) -> dict[str, list[str]]:
    """``{place id: organizations}`` of the public places, from the file or the registry."""
    from geomap.coverage import organizations_of
    from geomap.registry.access import ANONYMOUS
    from geomap.registry.exports import feature_collection
    from geomap.registry.validate import parse_json
    from geomap.transit import PLACES

    if places is not None:
        return organizations_of(parse_json(places.read_bytes(), what=str(places))["features"])
    if settings.registry_db.exists():
        fc = feature_collection(open_store(settings), PLACES, ANONYMOUS)
        return organizations_of(fc["features"])
    return {}


def _services(text: str) -> list[str]:
    services = [s.strip() for s in text.split(",") if s.strip()]
    if not services:
        raise typer.BadParameter("--services must name at least one service code")
    return services


@coverage_app.command("population")
def coverage_population(
    network: Path,
    population: Annotated[
        Path, typer.Option("--population", help="Population layer: CSV (lon/lat), GeoJSON, GPKG.")
    ],
    services: Annotated[str, typer.Option(help="Comma-separated service codes.")],
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the outputs.")],
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


@coverage_app.command("gaps")
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


@app.command("map")
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
