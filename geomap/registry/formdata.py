"""Reading KoboToolbox and ODK Central exports of the field form into place features.

The exports name their columns after the form's questions, with their group path:
KoboToolbox joins groups with ``/`` (``place/kind``; ``;``-separated CSV by default) and splits
a geopoint into ``_place/location_latitude`` … beside the ``"lat lon alt acc"`` column; ODK
Central joins with ``-`` (``place-kind``) and splits a geopoint into ``place-location-Latitude``
… Select-multiple answers are space-separated codes (KoboToolbox may add one 0/1 column per
choice, ``place/services/food``: those are ignored). Each submission carries its instance id
(``meta-instanceID`` in ODK, ``_uuid`` in KoboToolbox), which becomes the record id unless the
officer typed the registry id of the place to update (``record_id``).

:func:`validate_export` validates every row with the registry's own rules and reports every
problem with its row number (as a spreadsheet counts: the header is row 1), its column as
written in the file, and why. Height and accuracy of a geopoint are not kept.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geomap.errors import RegistryValidationError
from geomap.registry.geometry import clip, number
from geomap.registry.validate import capped
from geomap.registry.xlsform import MULTIPLE, ORGANIZATION_SEPARATOR, fields

Problem = dict[str, Any]
#: The form's questions and where each goes in a place feature.
_NAMES = ("name_es", "name_pt", "name_en")
_CONTACT = ("phone", "whatsapp", "email", "website")
_INSTANCE = ("instanceID", "_uuid", "uuid", "KEY")
_GEOPOINT = {"latitude": "lat", "longitude": "lon", "altitude": "alt", "precision": "acc",
             "accuracy": "acc"}  # fmt: skip


@dataclass
class Row:
    """One submission: its line in the file and its answers by question name."""

    line: int
    answers: dict[str, str] = field(default_factory=dict)
    columns: dict[str, str] = field(default_factory=dict)  # question -> column as written
    geometry: dict[str, Any] | None = None  # a GeoJSON export's own geometry


def _question(column: str) -> tuple[str, str | None]:
    """The form question a column holds, and the geopoint part it is (or None)."""
    text = column.strip().lstrip("_")
    parts = [p for p in text.replace("-", "/").split("/") if p]
    if not parts:
        return "", None
    last = parts[-1]
    lowered = last.lower()
    if lowered in _GEOPOINT and len(parts) >= 2:  # ODK: place-location-Latitude
        return parts[-2], _GEOPOINT[lowered]
    for suffix, part in _GEOPOINT.items():  # Kobo: _place/location_latitude
        if lowered.endswith("_" + suffix) and len(last) > len(suffix) + 1:
            return last[: -len(suffix) - 1], part
    if len(parts) >= 2 and parts[-2] in MULTIPLE:
        return "", None  # Kobo's one-column-per-choice of a select_multiple
    return last, None


def _rows_from_table(header: list[str], lines: list[list[str]], first_line: int) -> list[Row]:
    known = set(fields()) | set(_INSTANCE)
    out = []
    for n, values in enumerate(lines):
        row = Row(line=first_line + n)
        for column, value in zip(header, values, strict=False):
            question, part = _question(column)
            if question not in known:
                continue
            key = f"{question}.{part}" if part else question
            if value.strip() and key not in row.answers:
                row.answers[key] = value.strip()
                row.columns[key] = column
        out.append(row)
    return out


def read_csv(text: str) -> list[Row]:
    """The rows of a KoboToolbox (``;`` or ``,``) or ODK Central (``,``) CSV export."""
    first = text.splitlines()[0] if text.strip() else ""
    delimiter = ";" if first.count(";") > first.count(",") else ","
    table = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    if not table:
        return []
    return _rows_from_table(table[0], table[1:], first_line=2)


def read_geojson(document: Any) -> list[Row]:
    """The rows of a KoboToolbox GeoJSON export (one Feature per submission)."""
    features = document.get("features") if isinstance(document, dict) else None
    if not isinstance(features, list):
        raise RegistryValidationError(
            [{"index": None, "id": None, "field": "features", "message": "must be a list"}]
        )
    out = []
    for i, f in enumerate(features):
        props = f.get("properties") if isinstance(f, dict) else None
        props = props if isinstance(props, dict) else {}
        header = [str(k) for k in props]
        values = ["" if v is None else str(v) for v in props.values()]
        [row] = _rows_from_table(header, [values], first_line=i)
        row.geometry = f.get("geometry") if isinstance(f, dict) else None
        out.append(row)
    return out


def looks_like_form_export(path: Path) -> bool:
    """Whether a file is a form export (a CSV, or GeoJSON whose features have flat answers)."""
    if path.suffix.lower() == ".csv":
        return True
    if path.suffix.lower() not in (".geojson", ".json"):
        return False
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    features = document.get("features") if isinstance(document, dict) else None
    if not isinstance(features, list) or not features or not isinstance(features[0], dict):
        return False
    props = features[0].get("properties")
    return isinstance(props, dict) and any(_question(str(k))[0] == "name_es" for k in props)


def read_export(path: Path) -> list[Row]:
    """The submissions of a KoboToolbox or ODK Central export (CSV or GeoJSON)."""
    from geomap.registry.validate import parse_json

    data = path.read_bytes()
    if path.suffix.lower() == ".csv":
        try:
            return read_csv(data.decode("utf-8-sig"))
        except UnicodeDecodeError as exc:
            raise RegistryValidationError(
                [{"index": None, "id": None, "field": "file", "message": f"not UTF-8: {exc}"}]
            ) from None
    return read_geojson(parse_json(data, what=str(path)))


def _location(row: Row, problem: Any) -> dict[str, Any] | None:
    lat, lon = row.answers.get("location.lat"), row.answers.get("location.lon")
    if (lat is None or lon is None) and "location" in row.answers:
        parts = row.answers["location"].split()  # "lat lon alt accuracy"
        if len(parts) >= 2:
            lat, lon = parts[0], parts[1]
    if (lat is None or lon is None) and isinstance(row.geometry, dict):
        coords = row.geometry.get("coordinates")
        if isinstance(coords, list) and len(coords) >= 2:
            lon, lat = str(coords[0]), str(coords[1])
    if lat is None or lon is None:
        problem("location", "no location: the geopoint was not recorded")
        return None
    try:
        lon_f, lat_f = number(float(lon)), number(float(lat))
    except ValueError:
        lon_f = lat_f = None
    if lon_f is None or lat_f is None:
        problem("location", f"{clip(f'{lat} {lon}')} is not a latitude and longitude")
        return None
    return {"type": "Point", "coordinates": [lon_f, lat_f]}


def _feature(row: Row, problem: Any) -> dict[str, Any]:
    a = row.answers
    properties: dict[str, Any] = {}
    name = {lang: a[f"name_{lang}"] for lang in ("es", "pt", "en") if f"name_{lang}" in a}
    if name:
        properties["name"] = name
    contact = {k: a[k] for k in _CONTACT if k in a}
    if contact:
        properties["contact"] = contact
    if "organizations" in a:
        properties["organizations"] = [
            o.strip() for o in a["organizations"].split(ORGANIZATION_SEPARATOR) if o.strip()
        ]
    for key in MULTIPLE:
        if key in a:
            properties[key] = a[key].split()
    if "capacity" in a:
        try:
            properties["capacity"] = int(float(a["capacity"]))
        except ValueError:
            problem("capacity", f"{clip(a['capacity'])} is not a whole number")
    skip = {*_NAMES, *_CONTACT, "organizations", *MULTIPLE, "capacity", "record_id", "location"}
    for key, value in a.items():
        if key in fields() and key not in skip:
            properties[key] = value[:10] if key == "verified_at" else value
    out: dict[str, Any] = {"type": "Feature", "properties": properties}
    instance = next((a[k] for k in _INSTANCE if k in a), None)
    fid = a.get("record_id") or (instance.removeprefix("uuid:") if instance else None)
    if fid:
        out["id"] = fid
    else:
        problem("record_id", "no record id and no instance id (meta/instanceID or _uuid)")
    geometry = _location(row, problem)
    if geometry is not None:
        out["geometry"] = geometry
    return out


def _column(problem: Problem, row: Row) -> str:
    """The column (as written in the file) a validation problem is about."""
    path = str(problem.get("field") or "")
    if path.startswith("geometry"):
        key = "location"
    elif path == "id":
        key = (
            "record_id"
            if "record_id" in row.answers
            else next((k for k in _INSTANCE if k in row.answers), "record_id")
        )
    else:
        parts = path.removeprefix("properties.").replace("[", ".").split(".")
        key = parts[0]
        if key == "name" and len(parts) > 1:
            key = f"name_{parts[1]}"
        elif key == "contact" and len(parts) > 1:
            key = parts[1]
    for candidate in (key, f"{key}.lat", f"{key}.lon"):
        if candidate in row.columns:
            return row.columns[candidate]
    return key or path


def validate_export(rows: list[Row], validator: Any, *, country_tolerance_km: float) -> list[Any]:
    """Validate every submission as a place; every problem names its row and column.

    Parameters
    ----------
    rows : list of Row
        From :func:`read_export`.
    validator : callable
        The collection's feature validator (:func:`geomap.registry.validate.validate_place`).
    country_tolerance_km : float
        How far outside its declared country a place may lie.

    Raises
    ------
    RegistryValidationError
        Problems with ``field`` = ``row N, column C`` (and ``row``/``column`` members).
    """
    problems: list[Problem] = []
    items = []
    seen: dict[str, int] = {}
    for row in rows:
        found: list[Problem] = []

        def problem(key: str, message: str, row: Row = row, found: list[Problem] = found) -> None:
            column = row.columns.get(key) or row.columns.get(f"{key}.lat") or key
            found.append(_located(row, column, message, None))

        feature = _feature(row, problem)
        fid = feature.get("id")
        if isinstance(fid, str) and fid in seen:
            found.append(_located(row, _column({"field": "id"}, row),
                                  f"repeats the id of row {seen[fid]}", fid))  # fmt: skip
        elif isinstance(fid, str):
            seen[fid] = row.line
        try:
            item = validator(feature, country_tolerance_km=country_tolerance_km)
        except RegistryValidationError as exc:
            found += [_located(row, _column(p, row), p["message"], fid) for p in exc.problems]
        if found:
            problems += found
        else:
            items.append(item)
    if problems:
        raise capped(problems, f"{len(problems)} problem(s) in {len(rows)} submission(s)")
    return items


def _located(row: Row, column: str, message: str, fid: Any) -> Problem:
    return {
        "index": None,
        "id": fid if isinstance(fid, str) else None,
        "field": f"row {row.line}, column {column}",
        "message": message,
        "row": row.line,
        "column": column,
    }


def summary(rows: list[Row]) -> Mapping[str, int]:
    """How many submissions, and how many name a registry id to update."""
    return {
        "submissions": len(rows),
        "updates": sum(1 for r in rows if "record_id" in r.answers),
    }
