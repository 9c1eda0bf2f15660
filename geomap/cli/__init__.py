"""The ``geomap`` command line: one Typer app, one module per group of commands."""

from __future__ import annotations

import os

# The command line runs graph searches, not linear algebra: one BLAS/OpenMP thread (set before
# numpy loads OpenBLAS), so `geomap serve --workers N` has no idle thread pool when it forks.
for _threads in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_threads, "1")

from typing import Annotated  # noqa: E402

import typer  # noqa: E402
from rich.markup import escape  # noqa: E402

from geomap.cli import coverage, network, referrals, registry, serve, transit  # noqa: E402

app = typer.Typer(
    help="geomap: walking networks, safe routes and support spaces along migration corridors.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        from geomap import __version__

        typer.echo(f"geomap {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """geomap: walking networks, safe routes and support spaces along migration corridors."""


app.add_typer(network.app, name="network")
app.add_typer(registry.registry_app, name="registry")
app.add_typer(registry.token_app, name="token")
app.add_typer(coverage.app, name="coverage")
app.add_typer(referrals.referrals_app, name="referrals")
app.add_typer(referrals.messages_app, name="messages")
app.command()(serve.demo)
app.command()(serve.serve)
app.command()(network.route)
app.command("corridors")(network.list_corridors)
app.command("safe-route")(transit.safe_route)
app.command()(transit.nearby)
app.command()(transit.catchment)
app.command()(transit.stages)
app.command("map")(transit.map_export)


def main(argv: list[str] | None = None) -> None:
    """Run the command line; every error is one line on stderr and exit code 1.

    Usage errors (unknown options, bad values) are typer's: exit code 2 with its message.
    Library errors (bad input files, unreadable networks, a point off the network, a bad
    setting) print one line, or one line per problem for validation reports.
    """
    import sys

    from pydantic import ValidationError

    from geomap.cli.common import console, print_problems
    from geomap.errors import GeomapError, RegistryValidationError
    from geomap.settings import describe_error

    try:
        app(args=argv, prog_name="geomap")
    except RegistryValidationError as exc:
        print_problems(exc)
        sys.exit(1)
    except ValidationError as exc:
        console.print(f"[red]error:[/] {escape(describe_error(exc))}", highlight=False)
        sys.exit(1)
    except (GeomapError, OSError) as exc:
        console.print(f"[red]error:[/] {escape(str(exc))}", highlight=False)
        sys.exit(1)
    except KeyboardInterrupt:
        console.print("interrupted: nothing was left half-written", highlight=False)
        sys.exit(130)


__all__ = ["app", "main"]
