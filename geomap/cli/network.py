"""``geomap network …``, ``geomap route`` and ``geomap corridors``."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from geomap.cli.common import BUILD_STEPS, FromOpt, ToOpt, fail, out, parse_point, steps
from geomap.errors import GeomapError
from geomap.settings import Settings

app = typer.Typer(help="Build, inspect and export walking networks.", no_args_is_help=True)


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
) -> None:
    """Build a network from a local OSM file (optionally clipped to a corridor) or online."""
    from routing import build_network, network_from_file
    from routing.corridors import get_corridor

    if (pbf is None) == (not online):
        raise typer.BadParameter("give exactly one source: --pbf FILE or --online")
    if online and corridor is None:
        raise typer.BadParameter("--online needs --corridor")
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


@app.command("info")
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
