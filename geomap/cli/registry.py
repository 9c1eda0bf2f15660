"""``geomap registry …`` and ``geomap token …``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from geomap.cli.common import console, fail, load_settings, out
from geomap.errors import GeomapError
from geomap.settings import Settings

if TYPE_CHECKING:
    from geomap.registry.access import Caller
    from geomap.registry.store import RegistryStore

registry_app = typer.Typer(
    help="Import and export the support-space registry.", no_args_is_help=True
)
token_app = typer.Typer(help="Manage API tokens (admin, on the server).", no_args_is_help=True)


VIEWS = {"public": "anonymous", "partners": "partner", "all": "admin"}


def open_store(settings: Settings) -> RegistryStore:
    """The registry store named by the settings (see :func:`geomap.service.open_registry`)."""
    from geomap.service import open_registry

    return open_registry(settings)


CollectionOpt = Annotated[str, typer.Option(help="Registry collection: places or risk_zones.")]


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
    collection: CollectionOpt = "places",
) -> None:
    """Validate a GeoJSON FeatureCollection or a GeoPackage and import it, all or nothing.

    KoboToolbox and ODK Central exports (CSV or GeoJSON) of the field form (``geomap registry
    form``) import too, every problem named by row and column.

    An export of the registry (``geomap registry export``, the API's export, or ``ogr2ogr``
    from the OGC endpoint), edited or not, imports back: unchanged records stay unchanged.
    """
    from geomap.cli.fieldwork import import_form_export
    from geomap.registry.access import Caller
    from geomap.registry.collections import collection_rules
    from geomap.registry.formdata import looks_like_form_export
    from geomap.registry.transfer import import_features, read_import_file

    settings = load_settings()
    rules = collection_rules(collection)
    if rules.verified and looks_like_form_export(path):  # KoboToolbox / ODK Central export
        report, _ = import_form_export(
            path, rules, settings, who=who, why=why, dry_run=dry_run,
            retire_missing=retire_missing,
        )  # fmt: skip
    else:
        document = read_import_file(path, rules)
        store = open_store(settings)
        try:
            report = import_features(
                store, rules, document, caller=Caller("admin", name=who), why=why,
                country_tolerance_km=settings.country_tolerance_km, dry_run=dry_run,
                retire_missing=retire_missing,
            )  # fmt: skip
        finally:
            store.close()
    counts = ", ".join(f"{n} {k}" for k, n in report.summary().items())
    prefix = "dry run, nothing written: would be " if dry_run else ""
    total = sum(report.summary().values()) - len(report.retired)
    out.print(f"{prefix}{counts} ({total} features in {path}, collection {rules.id})")
    out.print(f"  registry: {settings.registry_url or settings.registry_db}")


@registry_app.command("export")
def registry_export(
    output: Annotated[
        Path, typer.Option("--output", "-o", help=".geojson, .gpkg, or .csv for HXL (places).")
    ],
    view: Annotated[
        str, typer.Option(help="Whose view: public, partners or all (admin).")
    ] = "public",
    collection: CollectionOpt = "places",
) -> None:
    """Export the registry as RFC 7946 GeoJSON, GeoPackage or HXL-tagged CSV (no contact data)."""
    from geomap.registry.access import Caller
    from geomap.registry.collections import collection_rules
    from geomap.registry.transfer import check_format, export_file, export_format

    if view not in VIEWS:
        raise typer.BadParameter(f"view must be one of {', '.join(VIEWS)}")
    rules = collection_rules(collection)
    check_format(rules, export_format(output))
    caller = Caller(VIEWS[view], name="cli")
    settings = load_settings()
    store = open_store(settings)
    try:
        written = export_file(store, rules, caller, output, ages=settings)
        count = store.count(rules.id, caller)
    finally:
        store.close()
    out.print(f"{count} records of {rules.id} ({view} view) written to {written}")


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
        token = open_store(load_settings()).create_token(name, role, countries.split(","))
    except GeomapError as exc:
        raise fail(exc) from exc
    out.print(token)
    console.print(f"token {name!r} ({role}) created; store it now: it cannot be shown again")


@token_app.command("list")
def token_list() -> None:
    """List tokens (names, roles, countries; never the secrets)."""
    table = Table("name", "role", "countries", "created", "revoked")
    for t in open_store(load_settings()).list_tokens():
        table.add_row(
            t["name"], t["role"], ",".join(t["countries"]), t["created_at"], t["revoked_at"] or ""
        )
    out.print(table)


@token_app.command("revoke")
def token_revoke(name: str) -> None:
    """Revoke a token by name."""
    try:
        open_store(load_settings()).revoke_token(name)
    except GeomapError as exc:
        raise fail(exc) from exc
    out.print(f"token {name!r} revoked")


def _maintainer(who: str, country: str | None) -> Caller:
    """The caller of server-side maintenance: an admin, or an officer of ``--as-country``."""
    from geomap.registry.access import Caller

    if country:
        return Caller("officer", frozenset({country.strip().upper()}), who)
    return Caller("admin", name=who)


@registry_app.command("proposals")
def registry_proposals(
    country: Annotated[
        str | None, typer.Option(help="Only proposals of this country (ISO code).")
    ] = None,
    status: Annotated[
        str | None, typer.Option(help="pending, approved or rejected (default: all).")
    ] = "pending",
    collection: Annotated[str, typer.Option(help="Registry collection.")] = "places",
) -> None:
    """List proposals made by partners (pending ones by default), one per line.

    Columns: proposal id, status, item (``@vN`` for a change of version N), country, name,
    proposed by, when, why.
    """
    from geomap.registry.access import SYSTEM

    store = open_store(Settings())
    try:
        found = store.proposals(collection, SYSTEM, status=status or None, country=country)
    except GeomapError as exc:
        raise fail(exc) from exc
    for p in found:  # one line each (tab-separated), whatever the terminal's width
        name = p.properties.get("name", {})
        item = p.feature_id + ("" if p.base_version is None else f"@v{p.base_version}")
        fields = (
            p.id,
            p.status,
            item,
            p.country or "",
            name.get("es", "") if isinstance(name, dict) else str(name),
            p.proposed_by,
            p.proposed_at,
            p.why,
        )
        out.print("\t".join(fields), markup=False, highlight=False)
    console.print(f"{len(found)} proposal(s)")


@registry_app.command("approve")
def registry_approve(
    proposal: str,
    why: Annotated[str, typer.Option(help="Why (kept in the history).")],
    who: Annotated[str, typer.Option(help="Who decides (kept in the history).")] = "cli",
    as_country: Annotated[
        str | None, typer.Option(help="Decide as an officer of this country only.")
    ] = None,
) -> None:
    """Approve a proposal: it becomes a new version of its item, in one transaction."""
    try:
        done = open_store(Settings()).approve(proposal, _maintainer(who, as_country), why)
    except GeomapError as exc:
        raise fail(exc) from exc
    out.print(f"proposal {done.id} approved: item {done.feature_id} is now current")


@registry_app.command("reject")
def registry_reject(
    proposal: str,
    why: Annotated[str, typer.Option(help="The reason (kept with the proposal).")],
    who: Annotated[str, typer.Option(help="Who decides.")] = "cli",
    as_country: Annotated[
        str | None, typer.Option(help="Decide as an officer of this country only.")
    ] = None,
) -> None:
    """Reject a proposal, with a reason; nothing else changes."""
    try:
        done = open_store(Settings()).reject(proposal, _maintainer(who, as_country), why)
    except GeomapError as exc:
        raise fail(exc) from exc
    out.print(f"proposal {done.id} rejected: {done.reason}")


@registry_app.command("feedback")
def registry_feedback(
    country: Annotated[str | None, typer.Option(help="Only this country (ISO code).")] = None,
) -> None:
    """List the anonymous reports about places, newest first: day, place, country, kind, note."""
    from geomap.registry.access import SYSTEM

    try:
        reports = open_store(Settings()).list_feedback(SYSTEM, country=country)
    except GeomapError as exc:
        raise fail(exc) from exc
    for f in reports:
        fields = (f.received_on, f.place, f.country or "", f.kind, f.note or "")
        out.print("\t".join(fields), markup=False, highlight=False)
    console.print(f"{len(reports)} report(s)")


def _fieldwork_commands() -> None:
    from geomap.cli import fieldwork

    registry_app.command("form")(fieldwork.registry_form)
    registry_app.command("due")(fieldwork.registry_due)


_fieldwork_commands()
