"""``geomap demo`` and ``geomap serve``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from geomap.cli.common import BUILD_STEPS, fail, out, steps
from geomap.errors import GeomapError
from geomap.settings import Settings


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


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
) -> None:
    """Run the API (no access log: coordinates, addresses and user agents are never logged)."""
    from api.app import run

    run(Settings(), host=host, port=port, workers=workers)
