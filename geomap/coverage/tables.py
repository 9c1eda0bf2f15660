"""The tidy coverage table: one row per unit, area and total, per service and column; HXL.

Rows carry the column (``group``: ``population`` for the total, then the groups, sex and age
bands) so the table stays long and tidy; the covered people of any breakdown's rows add up to
the total's. A ``note`` says when the demand data is illustrative.
"""

from __future__ import annotations

import csv
import io
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from geomap.coverage.groups import TOTAL

if TYPE_CHECKING:
    from geomap.coverage.report import CoverageReport

#: Tidy table columns and their HXL hashtags.
TABLE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("level", "#meta+level"),
    ("id", "#loc+id"),
    ("area", "#adm2+name"),
    ("service", "#sector"),
    ("threshold_min", "#indicator+threshold+minutes"),
    ("minutes", "#indicator+walk+minutes"),
    ("nearest_place", "#loc+id+nearest"),
    ("population", "#population+total"),
    ("covered", "#population+covered"),
    ("share", "#indicator+share+covered"),
    ("latitude", "#geo+lat"),
    ("longitude", "#geo+lon"),
    ("group", "#meta+group"),
    ("note", "#meta+note"),
)

ILLUSTRATIVE_NOTE = "illustrative data, not real figures"


def note_of(meta: Mapping[str, Any]) -> str:
    """The ``note`` of every row: flags illustrative data."""
    return ILLUSTRATIVE_NOTE if meta.get("illustrative") else ""


def rows(report: CoverageReport) -> list[dict[str, Any]]:
    """One row per unit and column, per area and column, and per column total, per service.

    Unit rows of the breakdown columns are written only when the layer has breakdowns.
    """
    out: list[dict[str, Any]] = []
    layer = report.demand
    note = note_of(report.meta)
    names = layer.column_names()
    for service, rep in report.services.items():
        for column in names:
            times = rep.cover.times[column] if rep.cover is not None else rep.demand
            people = rep.cover.people[column] if rep.cover is not None else layer.population
            covered = rep.covered_people(column)
            secs = times.seconds
            for i, uid in enumerate(layer.ids):
                pop = float(people[i])
                k = int(times.nearest[i])
                got = float(covered[i]) if rep.cover is not None else pop * float(covered[i])
                out.append(
                    {
                        "level": "unit",
                        "id": uid,
                        "area": (layer.areas[i] or "") if layer.areas else "",
                        "service": service,
                        "threshold_min": report.minutes,
                        "minutes": round(float(secs[i]) / 60.0, 2)
                        if math.isfinite(secs[i])
                        else "",
                        "nearest_place": rep.cover.nearest_id(column, i)
                        if rep.cover is not None
                        else (rep.nodes.sites[k].id if k >= 0 else ""),
                        "population": pop,
                        "covered": got,
                        "share": round(got / pop, 6) if pop > 0 else 0.0,
                        "latitude": round(layer.points[i][1], 7),
                        "longitude": round(layer.points[i][0], 7),
                        "group": column,
                        "note": note,
                    }
                )
            s = rep.columns.get(column, rep.shares)
            for name, a in s.get("by_area", {}).items():
                out.append(
                    _summary_row(
                        report, "area", area=name, service=service, column=column, s=a, note=note
                    )
                )
            out.append(
                _summary_row(
                    report, "total", area="", service=service, column=column, s=s, note=note
                )
            )
    return out


def _summary_row(
    report: CoverageReport,
    level: str,
    *,
    area: str,
    service: str,
    column: str,
    s: Mapping[str, Any],
    note: str,
) -> dict[str, Any]:
    return {
        "level": level,
        "id": "",
        "area": area,
        "service": service,
        "threshold_min": report.minutes,
        "minutes": "",
        "nearest_place": "",
        "population": s["population"],
        "covered": s["covered"],
        "share": round(float(s["share"]), 6),
        "latitude": "",
        "longitude": "",
        "group": column,
        "note": note,
    }


def csv_text(
    table: Sequence[Mapping[str, Any]],
    *,
    hxl: bool = False,
    columns: Sequence[tuple[str, str]] = TABLE_COLUMNS,
) -> str:
    """Rows as CSV (with an HXL hashtag row under the header if ``hxl``)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([c for c, _ in columns])
    if hxl:
        writer.writerow([t for _, t in columns])
    for row in table:
        writer.writerow([row.get(c, "") for c, _ in columns])
    return buffer.getvalue()


def write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write a text file whole or not at all (:func:`geomap.io.write_text`)."""
    from geomap.io import write_text as atomic_text

    return atomic_text(path, text)


__all__ = ["TABLE_COLUMNS", "TOTAL", "csv_text", "rows", "write_text"]
