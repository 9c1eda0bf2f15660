"""Field work of mapping officers: the field form, what is due for verification, form exports.

``geomap registry form``, ``geomap registry due`` and the import of KoboToolbox and ODK
Central exports (called by ``geomap registry import``).
"""

from __future__ import annotations

import csv
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from geomap.cli.common import console, load_settings, out

if TYPE_CHECKING:
    from geomap.registry.collections import CollectionRules
    from geomap.registry.store import ImportReport
    from geomap.settings import Settings


def registry_form(
    output: Annotated[Path, typer.Option("--output", "-o", help="The XLSForm (.xlsx).")],
    version: Annotated[
        str | None, typer.Option(help="Form version (default: today, YYYYMMDD).")
    ] = None,
) -> None:
    """Write the field form (XLSForm) for KoboToolbox and ODK Collect, in es/pt/en.

    Its submissions, exported from KoboToolbox or ODK Central as CSV or GeoJSON, import with
    ``geomap registry import``.
    """
    from geomap.registry.xlsform import choices, fields, write_xlsform

    stamp = version or datetime.now(UTC).strftime("%Y%m%d")
    written = write_xlsform(output, version=stamp)
    out.print(
        f"XLSForm version {stamp} ({len(fields())} questions, {len(choices())} choices) "
        f"written to {written}: upload it to KoboToolbox or ODK Central"
    )


def registry_due(
    country: Annotated[
        str | None, typer.Option(help="Only places of this country (ISO alpha-2).")
    ] = None,
    status: Annotated[str, typer.Option(help="due, stale, or all (due and stale).")] = "all",
    csv_output: Annotated[
        bool, typer.Option("--csv", help="Write CSV to standard output instead of a table.")
    ] = False,
) -> None:
    """List the places to verify: due or stale, the longest unverified first."""
    from geomap.registry.access import SYSTEM
    from geomap.registry.exports import iter_records
    from geomap.registry.fields import country_code
    from geomap.registry.verification import days_since, place_status

    if status not in ("due", "stale", "all"):
        raise typer.BadParameter("status must be due, stale or all")
    code = None
    if country is not None:
        try:
            code = country_code(country)
        except ValueError as exc:
            raise typer.BadParameter(str(exc)) from None
    settings = load_settings()
    today = datetime.now(UTC).date()
    from geomap.cli.registry import open_store

    store = open_store(settings)
    try:
        rows = []
        for record in iter_records(store, "places", SYSTEM):
            p = record.properties
            if code is not None and p.get("country") != code:
                continue
            found = place_status(p, today, settings)
            if found == "fresh" or status not in ("all", found):
                continue
            age = days_since(p.get("verified_at"), today)
            rows.append((record.id, p["name"]["es"], p["country"], p.get("verified_at") or "",
                         "never" if age is None else str(age), found))  # fmt: skip
    finally:
        store.close()
    rows.sort(key=lambda r: (r[4] != "never", -int(r[4]) if r[4] != "never" else 0, r[0]))
    header = ("id", "name", "country", "verified_at", "days", "status")
    if csv_output:
        writer = csv.writer(sys.stdout)
        writer.writerow(header)
        writer.writerows(rows)
        return
    table = Table(*header)
    for row in rows:
        table.add_row(*row)
    out.print(table)
    where = f" in {code}" if code else ""
    console.print(
        f"{len(rows)} place(s){where} to verify (due after {settings.verify_due_days} days, "
        f"stale after {settings.verify_stale_days})"
    )


def import_form_export(
    path: Path,
    rules: CollectionRules,
    settings: Settings,
    *,
    who: str,
    why: str,
    dry_run: bool,
    retire_missing: bool,
) -> tuple[ImportReport, int]:
    """Import a KoboToolbox or ODK Central export of the field form, all or nothing.

    Returns the import report and the number of submissions.

    Raises
    ------
    RegistryValidationError
        Every problem, each with its row and column; nothing written.
    """
    from geomap.cli.registry import open_store
    from geomap.registry.access import Caller
    from geomap.registry.formdata import read_export, validate_export

    rows = read_export(path)
    items = validate_export(
        rows, rules.validator, country_tolerance_km=settings.country_tolerance_km
    )
    store = open_store(settings)
    try:
        report = store.import_places(
            rules.id, items, Caller("admin", name=who), why, dry_run=dry_run,
            retire_missing=retire_missing,
        )  # fmt: skip
    finally:
        store.close()
    return report, len(rows)
