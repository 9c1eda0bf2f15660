"""``geomap registry …`` and ``geomap token …``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from geomap.cli.common import console, fail, out, print_problems
from geomap.errors import GeomapError, RegistryValidationError
from geomap.settings import Settings

if TYPE_CHECKING:
    from geomap.registry.store import SQLiteStore

registry_app = typer.Typer(
    help="Import and export the support-space registry.", no_args_is_help=True
)
token_app = typer.Typer(help="Manage API tokens (admin, on the server).", no_args_is_help=True)


VIEWS = {"public": "anonymous", "partners": "partner", "all": "admin"}


def open_store(settings: Settings) -> SQLiteStore:
    """The registry store named by the settings."""
    from geomap.registry.store import SQLiteStore

    return SQLiteStore(settings.registry_db)


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
    output: Annotated[
        Path, typer.Option("--output", "-o", help=".geojson, .gpkg, or .csv for HXL.")
    ],
    view: Annotated[
        str, typer.Option(help="Whose view: public, partners or all (admin).")
    ] = "public",
    collection: Annotated[str, typer.Option(help="Registry collection.")] = "places",
) -> None:
    """Export the registry as RFC 7946 GeoJSON, GeoPackage or HXL-tagged CSV (no contacts)."""
    from geomap.io import write_json
    from geomap.registry.access import Caller
    from geomap.registry.exports import feature_collection, write_geopackage, write_hxl_csv

    if view not in VIEWS:
        raise typer.BadParameter(f"view must be one of {', '.join(VIEWS)}")
    caller = Caller(VIEWS[view], name="cli")
    settings = Settings()
    store = open_store(settings)
    ages = settings if collection == "places" else None
    if output.suffix.lower() == ".csv":
        written = write_hxl_csv(store, collection, caller, output, ages=settings)
    elif output.suffix.lower() == ".gpkg":
        written = write_geopackage(store, collection, caller, output, ages=ages)
    else:
        written = write_json(output, feature_collection(store, collection, caller, ages=ages))
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
