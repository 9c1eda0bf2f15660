"""The ``geomap`` command line: one Typer app, one module per group of commands."""

from __future__ import annotations

import typer

from geomap.cli import coverage, network, registry, serve, transit

app = typer.Typer(
    help="geomap: walking networks, safe routes and support spaces along migration corridors.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(network.app, name="network")
app.add_typer(registry.registry_app, name="registry")
app.add_typer(registry.token_app, name="token")
app.add_typer(coverage.app, name="coverage")
app.command()(serve.demo)
app.command()(serve.serve)
app.command()(network.route)
app.command("corridors")(network.list_corridors)
app.command("safe-route")(transit.safe_route)
app.command()(transit.nearby)
app.command()(transit.catchment)
app.command()(transit.stages)
app.command("map")(transit.map_export)

__all__ = ["app"]
