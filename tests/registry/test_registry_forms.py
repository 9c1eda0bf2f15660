"""Field collection: the XLSForm converts with pyxform, and KoboToolbox and ODK Central exports
written from it import with the registry's rules, per-row errors and all or nothing.

The exports are written here the way those tools write them, with columns derived from the
generated form (its groups and questions): KoboToolbox CSV (``;``, ``group/question`` headers,
a geopoint as ``"lat lon alt acc"`` plus ``_group/question_latitude`` … columns, 0/1 columns per
select_multiple choice, ``_uuid``), KoboToolbox GeoJSON, and ODK Central CSV (``,``,
``group-question`` headers, ``-Latitude`` … columns, ``meta-instanceID`` and ``KEY``).
"""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from pyxform.xls2xform import convert

from geomap.registry.vocab import KINDS, POPULATIONS, SERVICES
from geomap.registry.xlsform import LANGUAGES, MULTIPLE, survey, write_xlsform

# answers of three submissions (question -> value), as an officer would fill the form
GOOD = [
    {
        "kind": "support_space", "name_es": "Casa de paso La Parada", "organizations": "ACNUR;OIM",
        "country": "CO", "admin1": "Norte de Santander", "admin1_pcode": "CO54",
        "admin2_pcode": "CO54874", "location": (7.8212, -72.4619), "services": "food connectivity",
        "populations": "everyone women", "languages": "es", "opening_hours": "Mo-Sa 07:00-19:00",
        "wheelchair": "limited", "capacity": "80", "status": "active", "phone": "301 234 5678",
        "whatsapp": "301 234 5678", "visibility": "public", "verified_at": "2025-02-10",
        "verified_by": "Equipo Cúcuta",
    },
    {
        "kind": "information_point", "name_es": "Punto de información Rumichaca",
        "organizations": "Cruz Roja", "country": "EC", "location": (0.8135, -77.6677),
        "services": "information_orientation legal_documentation", "status": "active",
        "visibility": "partners", "verified_at": "2025-01-05",
    },
    {
        "kind": "service_point", "name_es": "Posto de saúde Pacaraima", "organizations": "MSF",
        "country": "BR", "location": (4.4797, -61.1475), "services": "first_aid_health",
        "phone": "(95) 3592-1234", "status": "temporarily_closed", "visibility": "public",
    },
]  # fmt: skip


def questions() -> list[tuple[str, str, str]]:
    """(group, question, type) of every question of the generated form, in order."""
    out, group = [], ""
    for row in survey():
        if row["type"] == "begin_group":
            group = row["name"]
        elif row["type"] == "end_group":
            group = ""
        elif row["type"] not in ("start", "end"):
            out.append((group, row["name"], row["type"]))
    return out


def kobo_csv(submissions: list[dict[str, Any]]) -> str:
    header: list[str] = ["start", "end"]
    for group, name, kind in questions():
        header.append(f"{group}/{name}")
        if kind == "geopoint":
            header += [f"_{group}/{name}_{p}" for p in ("latitude", "longitude", "altitude")]
            header.append(f"_{group}/{name}_precision")
        if kind.startswith("select_multiple"):
            vocabulary = {"services": SERVICES, "populations": POPULATIONS}.get(name, {})
            header += [f"{group}/{name}/{code}" for code in vocabulary]
    header += ["meta/instanceID", "_id", "_uuid", "_submission_time", "_validation_status",
               "_notes", "_status", "_submitted_by", "__version__", "_tags", "_index"]  # fmt: skip
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(header)
    for i, answers in enumerate(submissions):
        ident = str(uuid.UUID(int=i + 1))
        row = []
        for column in header:
            question = column.lstrip("_").split("/")[-1]
            if column.startswith("_") and "/" in column:  # geopoint parts
                lat, lon = answers.get("location", ("", ""))
                part = column.rsplit("_", 1)[1]
                row.append({"latitude": lat, "longitude": lon, "altitude": "312.0",
                            "precision": "4.5"}.get(part, ""))  # fmt: skip
            elif column.count("/") == 2:  # one 0/1 column per select_multiple choice
                field = column.split("/")[1]
                row.append("1" if question in str(answers.get(field, "")).split() else "0")
            elif question == "location":
                lat, lon = answers.get("location", ("", ""))
                row.append(f"{lat} {lon} 312.0 4.5" if lat != "" else "")
            elif column in ("meta/instanceID", "_uuid"):
                row.append(f"uuid:{ident}" if column.startswith("meta") else ident)
            elif column == "_id":
                row.append(str(1000 + i))
            elif column == "_submission_time":
                row.append("2025-02-11T10:00:00")
            else:
                row.append(str(answers.get(question, "")))
        writer.writerow(row)
    return buffer.getvalue()


def odk_csv(submissions: list[dict[str, Any]]) -> str:
    header = ["SubmissionDate", "start", "end"]
    for group, name, kind in questions():
        if kind == "geopoint":
            header += [f"{group}-{name}-{p}" for p in ("Latitude", "Longitude", "Altitude")]
            header.append(f"{group}-{name}-Accuracy")
        else:
            header.append(f"{group}-{name}")
    header += ["meta-instanceID", "KEY", "SubmitterID", "SubmitterName", "AttachmentsPresent",
               "AttachmentsExpected", "Status", "ReviewState", "DeviceID", "Edits",
               "FormVersion"]  # fmt: skip
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for i, answers in enumerate(submissions):
        ident = f"uuid:{uuid.UUID(int=100 + i)}"
        row = []
        for column in header:
            parts = column.split("-")
            if parts[-1] in ("Latitude", "Longitude", "Altitude", "Accuracy"):
                lat, lon = answers.get("location", ("", ""))
                row.append({"Latitude": lat, "Longitude": lon, "Altitude": "100",
                            "Accuracy": "5"}[parts[-1]] if lat != "" else "")  # fmt: skip
            elif column in ("meta-instanceID", "KEY"):
                row.append(ident)
            elif column == "SubmissionDate":
                row.append("2025-02-11T10:00:00.000Z")
            else:
                row.append(str(answers.get(parts[-1], "")))
        writer.writerow(row)
    return buffer.getvalue()


def kobo_geojson(submissions: list[dict[str, Any]]) -> str:
    features = []
    for i, answers in enumerate(submissions):
        lat, lon = answers["location"]
        props = {f"{g}/{n}": answers[n] for g, n, _ in questions() if n in answers}
        props.pop("place/location", None)
        props |= {"_uuid": str(uuid.UUID(int=200 + i)), "_id": 2000 + i,
                  "_geolocation": [lat, lon]}  # fmt: skip
        geometry = {"type": "Point", "coordinates": [lon, lat, 312.0]}
        features.append({"type": "Feature", "geometry": geometry, "properties": props})
    return json.dumps({"type": "FeatureCollection", "name": "geomap_place", "features": features})


def geomap(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GEOMAP_REGISTRY_DB": str(db), "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "geomap", *args], capture_output=True,
                          text=True, timeout=300, check=False, env=env)  # fmt: skip


def versions(db: Path) -> int:
    if not db.exists():
        return 0
    with sqlite3.connect(db) as con:
        return int(con.execute("SELECT COUNT(*) FROM versions").fetchone()[0])


def test_xlsform_converts_to_xform_with_pyxform(tmp_path: Path) -> None:
    path = write_xlsform(tmp_path / "form.xlsx", version="2025021101")
    warnings: list[str] = []
    result = convert(xlsform=str(path), warnings=warnings)
    assert warnings == []
    xform = result.xform
    for _, name, _ in questions():
        assert f"/{name}" in xform, name
    for language in LANGUAGES.values():
        assert f'lang="{language}"' in xform
    for term in SERVICES.values():
        assert term.es in xform
        assert term.pt in xform
        assert term.en in xform
    book = load_workbook(path)
    assert book.sheetnames == ["survey", "choices", "settings"]
    codes = {
        r[1] for r in book["choices"].iter_rows(min_row=2, values_only=True) if r[0] == "kinds"
    }
    assert codes == set(KINDS)


@pytest.mark.parametrize(
    ("name", "writer", "suffix"),
    [
        ("kobo-csv", kobo_csv, ".csv"),
        ("odk-csv", odk_csv, ".csv"),
        ("kobo-geojson", kobo_geojson, ".geojson"),
    ],
)
def test_exports_import_all_or_nothing_and_again_unchanged(tmp_path, name, writer, suffix) -> None:
    db = tmp_path / "registry.sqlite"
    export = tmp_path / f"{name}{suffix}"
    export.write_text(writer(GOOD), encoding="utf-8")
    dry = geomap(db, "registry", "import", str(export), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "would be 3 created" in dry.stdout
    assert versions(db) == 0
    done = geomap(db, "registry", "import", str(export))
    assert done.returncode == 0, done.stderr
    assert "3 created" in done.stdout
    again = geomap(db, "registry", "import", str(export))
    assert "3 unchanged" in again.stdout
    public = tmp_path / "public.geojson"
    assert geomap(db, "registry", "export", "-o", str(public)).returncode == 0
    features = {
        f["properties"]["name"]["es"]: f for f in json.loads(public.read_text())["features"]
    }
    parada = features["Casa de paso La Parada"]
    assert parada["geometry"]["coordinates"] == [-72.4619, 7.8212]  # 2D: height not kept
    props = parada["properties"]
    assert props["organizations"] == ["ACNUR", "OIM"]
    assert props["services"] == ["food", "connectivity"]
    assert props["contact"]["phone"] == "+573012345678"
    assert props["capacity"] == 80
    assert props["admin2_pcode"] == "CO54874"
    assert "Punto de información Rumichaca" not in features  # partners only
    assert features["Posto de saúde Pacaraima"]["properties"]["contact"]["phone"] == "+559535921234"


BAD = [
    {**GOOD[0], "services": "food teleportation"},  # row 2
    GOOD[1],  # row 3: fine
    {**GOOD[2], "location": (-30.03, -51.23)},  # row 4: Porto Alegre, declared BR: fine
    {**GOOD[2], "location": (7.89, -72.50)},  # row 5: Cúcuta declared BR
    {**GOOD[0], "capacity": "ten", "phone": "call us"},  # row 6
    {k: v for k, v in GOOD[1].items() if k != "location"},  # row 7
]


@pytest.mark.parametrize(
    ("writer", "sep", "columns"),
    [
        (kobo_csv, "/", {"services": "offer/services", "location": "place/location",
                         "capacity": "offer/capacity", "phone": "contact/phone"}),
        (odk_csv, "-", {"services": "offer-services", "location": "place-location-Latitude",
                        "capacity": "offer-capacity", "phone": "contact-phone"}),
    ],
    ids=["kobo", "odk"],
)  # fmt: skip
def test_every_bad_row_is_named_and_nothing_is_written(tmp_path, writer, sep, columns) -> None:
    db = tmp_path / "registry.sqlite"
    export = tmp_path / "export.csv"
    export.write_text(writer(BAD), encoding="utf-8")
    result = geomap(db, "registry", "import", str(export))
    assert result.returncode == 1
    assert versions(db) == 0
    lines = result.stderr.splitlines()
    expect = [
        f"row 2, column {columns['services']}: unknown service code 'teleportation'",
        f"row 5, column {columns['location']}: point (-72.5, 7.89) is ",
        f"row 6, column {columns['capacity']}: 'ten' is not a whole number",
        f"row 6, column {columns['phone']}: 'call us' is not a phone number",
    ]
    for fragment in expect:
        assert any(fragment in line for line in lines), (fragment, result.stderr)
    # the submission without any location is named by its row and the location field
    assert any("row 7, column" in line and "location" in line for line in lines), result.stderr
    assert not any("row 3," in line or "row 4," in line for line in lines), result.stderr
    assert "nothing was written" in result.stderr
    assert sep in columns["services"]


def test_the_form_and_due_commands(tmp_path) -> None:
    db = tmp_path / "registry.sqlite"
    made = geomap(db, "registry", "form", "-o", str(tmp_path / "form.xlsx"), "--version", "7")
    assert made.returncode == 0, made.stderr
    assert "XLSForm version 7" in made.stdout
    export = tmp_path / "kobo.csv"
    fresh = dict(GOOD[2], verified_at=__import__("datetime").date.today().isoformat())
    export.write_text(kobo_csv([GOOD[0], GOOD[1], fresh]), encoding="utf-8")
    assert geomap(db, "registry", "import", str(export)).returncode == 0
    due = geomap(db, "registry", "due", "--csv")
    assert due.returncode == 0, due.stderr
    rows = list(csv.DictReader(io.StringIO(due.stdout)))
    assert [r["name"] for r in rows] == ["Punto de información Rumichaca", "Casa de paso La Parada"]
    assert {r["status"] for r in rows} <= {"due", "stale"}
    only_co = geomap(db, "registry", "due", "--country", "co", "--csv")
    assert [r["country"] for r in csv.DictReader(io.StringIO(only_co.stdout))] == ["CO"]
    table = geomap(db, "registry", "due", "--country", "EC")
    assert "1 place(s) in EC to verify" in table.stderr
    assert MULTIPLE == ("services", "populations", "languages")
