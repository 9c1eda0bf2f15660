"""``geomap network …``, ``geomap route`` and ``geomap corridors``."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from geomap.cli.common import BUILD_STEPS, FromOpt, ToOpt, fail, out, parse_point, steps
from geomap.errors import GeomapError
from geomap.settings import Settings

if TYPE_CHECKING:
    from routing import Network

app = typer.Typer(help="Build, inspect and export walking networks.", no_args_is_help=True)

_SLUG = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
#: Countries looked for when ``--countries`` is not given (the R4V region).
REGION = [
    "AR",
    "BO",
    "BR",
    "CL",
    "CO",
    "CR",
    "CU",
    "DO",
    "EC",
    "SV",
    "GT",
    "GY",
    "HT",
    "HN",
    "MX",
    "NI",
    "PA",
    "PY",
    "PE",
    "SR",
    "TT",
    "UY",
    "VE",
    "BZ",
]


def _country_codes(text: str) -> list[str]:
    codes = [c.strip().upper() for c in text.split(",") if c.strip()]
    bad = [c for c in codes if not re.fullmatch(r"[A-Z]{2}", c)]
    if bad:
        raise typer.BadParameter(f"--countries: {', '.join(bad)} is not an ISO alpha-2 code")
    return codes


def countries_of(net: Network, *, sample: int = 2000) -> list[str]:
    """ISO codes of the region's countries where at least 1% of a sample of nodes lie."""
    import numpy as np
    import shapely
    from countryinfo import CountryInfo

    if not net.n_nodes:
        return []
    pick = np.random.default_rng(0).choice(net.n_nodes, min(sample, net.n_nodes), replace=False)
    lon, lat = net.node_lon[pick], net.node_lat[pick]
    west, south, east, north = net.bbox
    found = []
    for code in REGION:
        try:
            features = CountryInfo(code).geo_json()["features"]
        except (KeyError, ValueError, AttributeError):
            continue
        shape = shapely.union_all([shapely.geometry.shape(f["geometry"]) for f in features])
        x0, y0, x1, y1 = shape.bounds
        if x0 > east + 1 or x1 < west - 1 or y0 > north + 1 or y1 < south - 1:
            continue
        if shapely.contains_xy(shape, lon, lat).mean() >= 0.01:
            found.append(code)
    return found


@app.command("build")
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
    network_id: Annotated[
        str | None, typer.Option("--id", help="Network id, a slug (default: the file's stem).")
    ] = None,
    name: Annotated[str | None, typer.Option(help="Human-readable network name.")] = None,
    countries: Annotated[
        str | None,
        typer.Option(help="ISO alpha-2 codes, comma-separated (default: where the nodes lie)."),
    ] = None,
) -> None:
    """Build a network from a local OSM file (optionally clipped to a corridor) or online."""
    from routing import build_network, network_from_file
    from routing.corridors import get_corridor

    if (pbf is None) == (not online):
        raise typer.BadParameter("give exactly one source: --pbf FILE or --online")
    if online and corridor is None:
        raise typer.BadParameter("--online needs --corridor")
    slug = network_id or output.name.split(".")[0]
    if not _SLUG.fullmatch(slug):
        raise typer.BadParameter(
            f"network id {slug!r} must be a slug (lowercase letters, digits, '-' and '_')"
        )
    codes = _country_codes(countries) if countries is not None else None
    from geomap.io import check_output

    check_output(output)
    if export is not None:
        check_output(export)
    t0 = time.perf_counter()
    try:
        area = None
        if corridor is not None:
            c = get_corridor(corridor, path=corridor_file)
            if buffer_km is not None:
                c = c.with_buffer(buffer_km)
            area = c.polygon()
        with steps(BUILD_STEPS + 3, "build") as say:
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
            if codes is None:
                say("finding the countries crossed")
                codes = countries_of(net)
            net.meta.update(id=slug, name=name or slug, countries=codes)
            say("ordering the hierarchy and saving")
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


@app.command("info")
def network_info(path: Path) -> None:
    """Describe a saved network."""
    from routing import Network

    try:
        net = Network.load(path)
    except GeomapError as exc:
        raise fail(exc) from exc
    header = net.header()
    table = Table(title=str(path), show_header=False)
    table.add_row("id", str(header["id"]))
    table.add_row("name", str(header["name"]))
    table.add_row("countries", ", ".join(header["countries"]) or "(unknown)")
    table.add_row("profile", net.profile)
    table.add_row("nodes", f"{net.n_nodes:,}")
    table.add_row("directed edges", f"{net.n_edges:,}")
    table.add_row("street length", f"{net.seg_length.sum() / 1000:,.1f} km")
    table.add_row("bounds", ", ".join(f"{v:.4f}" for v in header["bbox"]))
    table.add_row("source", str(header["source"]))
    table.add_row("source sha256", str(header["source_sha256"]))
    table.add_row("built at", str(header["built_at"]))
    table.add_row("geomap version", str(header["geomap_version"]))
    for key, value in header["meta"].items():
        table.add_row(key, str(value))
    out.print(table)


@app.command("export")
def network_export(path: Path, destination: Path) -> None:
    """Export a saved network's nodes and edges to GeoPackage (.gpkg) or GeoJSON."""
    from routing import Network

    try:
        from geomap.io import check_output

        written = Network.load(path).export(check_output(destination))
    except GeomapError as exc:
        raise fail(exc) from exc
    out.print(f"written: {written}")


@app.command("generate")
def network_generate(
    output: Annotated[
        Path, typer.Option("--output", "-o", help="OSM file (.osm.pbf) or network file (.npz).")
    ],
    edges: Annotated[int, typer.Option(help="Directed walking edges to generate.")] = 5_000_000,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same network).")] = 0,
) -> None:
    """Generate a corridor-like network (towns, trunk road, villages, a border bridge)."""
    from routing import build_network
    from routing.synthetic import corridor_osm, write_pbf

    if edges < 100:
        raise typer.BadParameter("--edges must be at least 100")
    t0 = time.perf_counter()
    with steps(3, "generate") as say:
        say("laying out towns and roads")
        osm = corridor_osm(edges, seed=seed)
        if output.name.endswith(".npz"):
            say("building the network")
            net = build_network(osm)
            net.meta.update(id=output.name.split(".")[0], name="synthetic corridor", countries=[])
            say("saving")
            written = net.save(output)
        else:
            say("writing OSM")
            written = write_pbf(osm, output)
    out.print(
        f"{osm.n_ways:,} ways, {len(osm.node_ids):,} node references, "
        f"in {time.perf_counter() - t0:.1f} s"
    )
    out.print(f"  written: {written}")


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
