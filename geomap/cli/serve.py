"""``geomap demo`` and ``geomap serve``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from geomap.cli.common import BUILD_STEPS, fail, load_settings, out, steps


def demo(
    out_dir: Annotated[Path | None, typer.Option("--out", help="Output folder.")] = None,
) -> None:
    """Build the Porto Alegre walking network, route between two landmarks, write the files."""
    from geomap.demo import run_demo

    settings = load_settings()
    try:
        with steps(BUILD_STEPS + 4, "demo") as say:
            result = run_demo(settings, out_dir=out_dir, progress=say)
    except KeyError as exc:
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


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="Worker processes. Above 1, the networks are loaded and warmed up once, then "
            "the workers are forked and share them.",
        ),
    ] = 1,
    demo: Annotated[
        bool,
        typer.Option(
            "--demo",
            help="Serve the shipped demo: Porto Alegre and Aguascalientes networks and the "
            "sample registry, prepared under --out.",
        ),
    ] = False,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Folder for the demo's networks and registry.")
    ] = None,
) -> None:
    """Run the API and the map page (no access log: coordinates and addresses never logged)."""
    import os
    import time

    from api.app import run

    settings = load_settings()
    if demo:
        from geomap.demo import prepare_demo_server

        with steps(4, "serve --demo") as say:
            settings = prepare_demo_server(settings, out_dir, progress=say)
        out.print(f"demo networks: {settings.networks}")
        out.print(f"demo registry: {settings.registry_db} (illustrative sample data)")
        os.environ.update(
            {
                "GEOMAP_NETWORKS": str(settings.networks),
                "GEOMAP_REGISTRY_DB": str(settings.registry_db),
                "GEOMAP_POPULATION": str(settings.population),
            }
        )
        os.environ.pop("GEOMAP_NETWORK", None)
        os.environ.pop("GEOMAP_REGISTRY_URL", None)
    from geomap.errors import GeomapError
    from geomap.service import network_paths, preflight, prepare_services

    preflight(settings)
    prepared = None
    if workers > 1:  # the pre-fork server: warm up here, once, then fork the workers
        started = time.monotonic()
        try:
            with steps(len(network_paths(settings)) + 1, "serve") as say:
                prepared = prepare_services(settings, progress=say)
                say("forking the workers")
        except GeomapError as exc:
            raise fail(exc) from exc
        out.print(
            f"{len(prepared.deployment)} network(s) loaded and warmed up in "
            f"{time.monotonic() - started:.1f} s; forking {workers} workers"
        )
    out.print(f"serving on http://{host}:{port}/ (map page at /, API description at /api)")
    run(settings, host=host, port=port, workers=workers, prepared=prepared)
