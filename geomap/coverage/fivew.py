"""R4V 5W activity tables: who does what, where, when, for whom — read from CSV, XLSX or HXL.

A 5W row names the appealing and the implementing organization, the sector and the indicator
(activity), the country, admin1 and admin2 (with P-codes where present), the month, and the
people reached by population group (in destination, in transit, pendular, returnees, host
community) and by sex and age (women and men under 18 and 18 or more). Headers are matched in
three ways: the canonical names of :data:`FIELDS`, common English and Spanish headers of the
platform's templates (:data:`ALIASES`), or HXL hashtags (a hashtag row under the header, read
with ``libhxl``). An activity may name a registry place (``place_id``, or a place name).
"""

from __future__ import annotations

import csv
import io
import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from geomap.errors import GeomapError
from routing.safe import Site

#: Canonical fields and their HXL hashtags (what geomap writes, and reads from HXL input).
FIELDS: tuple[tuple[str, str], ...] = (
    ("appealing_org", "#org+appealing"),
    ("implementing_org", "#org+impl"),
    ("sector", "#sector"),
    ("indicator", "#indicator+name"),
    ("country", "#country+name"),
    ("country_code", "#country+code"),
    ("admin1", "#adm1+name"),
    ("admin1_pcode", "#adm1+code"),
    ("admin2", "#adm2+name"),
    ("admin2_pcode", "#adm2+code"),
    ("month", "#date+month"),
    ("place_id", "#loc+id"),
    ("place_name", "#loc+name"),
    ("reached", "#reached+total"),
    ("in_destination", "#reached+destination"),
    ("in_transit", "#reached+transit"),
    ("pendular", "#reached+pendular"),
    ("returnees", "#reached+returnees"),
    ("host_community", "#reached+host"),
    ("female_0_17", "#reached+f+children"),
    ("male_0_17", "#reached+m+children"),
    ("female_18_plus", "#reached+f+adults"),
    ("male_18_plus", "#reached+m+adults"),
)
REQUIRED = ("implementing_org", "sector", "country", "admin2", "month")
COUNTS = tuple(name for name, _ in FIELDS[FIELDS.index(("reached", "#reached+total")) :])

#: Headers of the platform's 5W templates (normalised: lower case, no accents, single spaces).
ALIASES: dict[str, str] = {
    "appealing organisation": "appealing_org",
    "appealing organization": "appealing_org",
    "organizacion solicitante": "appealing_org",
    "implementing partner": "implementing_org",
    "implementing organisation": "implementing_org",
    "implementing organization": "implementing_org",
    "socio implementador": "implementing_org",
    "organizacion implementadora": "implementing_org",
    "sector": "sector",
    "subsector": "sector",
    "indicator": "indicator",
    "indicador": "indicator",
    "activity name": "indicator",
    "actividad": "indicator",
    "country": "country",
    "pais": "country",
    "admin1": "admin1",
    "admin 1": "admin1",
    "departamento": "admin1",
    "estado": "admin1",
    "admin1 pcode": "admin1_pcode",
    "admin2": "admin2",
    "admin 2": "admin2",
    "municipio": "admin2",
    "admin2 pcode": "admin2_pcode",
    "month": "month",
    "mes": "month",
    "total monthly beneficiaries": "reached",
    "beneficiarios totales del mes": "reached",
    "refugees and migrants in destination": "in_destination",
    "refugees and migrants in transit": "in_transit",
    "refugees and migrants pendular": "pendular",
    "refugees and migrants pendulars": "pendular",
    "colombian returnees": "returnees",
    "returnees": "returnees",
    "host communities beneficiaries": "host_community",
    "host community": "host_community",
    "women under 18": "female_0_17",
    "men under 18": "male_0_17",
    "women above 18": "female_18_plus",
    "men above 18": "male_18_plus",
    "place id": "place_id",
    "place": "place_name",
}


class ActivityTableError(GeomapError, ValueError):
    """A 5W table cannot be read (missing columns, bad numbers or months)."""


@dataclass
class Activity:
    """One 5W row, normalised.

    ``reached`` holds ``reached`` (the total) and every group and sex/age count given.
    """

    row: int
    implementing_org: str
    sector: str
    country: str
    admin2: str
    month: str
    appealing_org: str = ""
    indicator: str = ""
    country_code: str = ""
    admin1: str = ""
    admin1_pcode: str = ""
    admin2_pcode: str = ""
    place_id: str = ""
    place_name: str = ""
    reached: dict[str, float] = field(default_factory=dict)

    @property
    def area(self) -> str:
        """The admin2 key: its P-code, else ``country/admin1/admin2`` names."""
        return self.admin2_pcode or "/".join(
            normalise(x) for x in (self.country, self.admin1, self.admin2)
        )


def normalise(text: Any) -> str:
    """Lower case, accents stripped, punctuation to spaces, single spaces."""
    t = unicodedata.normalize("NFKD", str(text or "")).encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[^a-z0-9#+]+", " ", t.lower()).split())


def read_activities(path: str | Path, *, sheet: str | None = None) -> list[Activity]:
    """Read a 5W table: CSV or XLSX, with plain headers or an HXL hashtag row.

    Raises
    ------
    ActivityTableError
        Naming the row and the column of the first bad value, or the missing columns.
    """
    src = Path(path)
    header, rows, first = _raw(src, sheet)
    mapping = _mapping(header)
    missing = [f for f in REQUIRED if f not in mapping.values()]
    if missing:
        raise ActivityTableError(f"{src}: missing 5W column(s) {', '.join(missing)}")
    out = []
    for k, raw in enumerate(rows):
        values = {mapping[i]: v for i, v in enumerate(raw) if i in mapping}
        if all(v in (None, "") for v in values.values()):
            continue
        out.append(_activity(src, first + k, values))
    return out


def _raw(src: Path, sheet: str | None) -> tuple[list[str], list[list[Any]], int]:
    """Header, data rows and the 1-based line of the first data row (HXL row skipped)."""
    if src.suffix.lower() == ".xlsx":
        from openpyxl import load_workbook

        book = load_workbook(src, read_only=True, data_only=True)
        ws = book[sheet] if sheet else book.worksheets[0]
        table = [list(r) for r in ws.iter_rows(values_only=True)]
        book.close()
    else:
        with src.open(encoding="utf-8-sig", newline="") as fh:
            table = [list(r) for r in csv.reader(fh)]
    if not table:
        raise ActivityTableError(f"{src}: the 5W table is empty")
    header = [str(h or "") for h in table[0]]
    if len(table) > 1 and _is_hashtag_row(table[1]):
        return _hxl_header(src, table), table[2:], 3
    return header, table[1:], 2


def _is_hashtag_row(row: Sequence[Any]) -> bool:
    cells = [str(c).strip() for c in row if c not in (None, "")]
    return bool(cells) and all(c.startswith("#") for c in cells)


def _hxl_header(src: Path, table: list[list[Any]]) -> list[str]:
    """Canonical names for the hashtag row (matched with libhxl tag patterns)."""
    import hxl

    pats = [(name, hxl.model.TagPattern.parse(tag)) for name, tag in FIELDS]
    out = []
    for raw in table[1]:
        text = str(raw or "").strip()
        if not text:
            out.append("")
            continue
        try:
            column = hxl.model.Column.parse(text)
        except Exception as exc:  # libhxl raises its own HXLException types
            raise ActivityTableError(f"{src}: bad HXL hashtag {text!r} ({exc})") from exc
        match = [name for name, pat in pats if pat.match(column)]
        # the most specific pattern that matches (e.g. #reached+f+children before #reached)
        best = max(match, key=lambda n: len(dict(FIELDS)[n]), default="")
        out.append(best)
    return out


def _mapping(header: Sequence[str]) -> dict[int, str]:
    names = {n for n, _ in FIELDS}
    out: dict[int, str] = {}
    for i, h in enumerate(header):
        key = h if h in names else ALIASES.get(normalise(h), "")
        if key and key not in out.values():
            out[i] = key
    return out


def _activity(src: Path, line: int, values: Mapping[str, Any]) -> Activity:
    where = f"{src} row {line}"
    for f in REQUIRED:
        if values.get(f) in (None, ""):
            raise ActivityTableError(f"{where}: {f} is empty")
    reached: dict[str, float] = {}
    for name in COUNTS:
        v = values.get(name)
        if v in (None, ""):
            continue
        try:
            num = float(str(v).replace(",", "")) if not isinstance(v, int | float) else float(v)
        except ValueError:
            raise ActivityTableError(f"{where}: {name} {v!r} is not a number") from None
        if num < 0 or not math.isfinite(num):
            raise ActivityTableError(f"{where}: {name} must be a non-negative number, not {v}")
        reached[name] = num
    if "reached" not in reached:
        groups = [reached[g] for g in COUNTS[1:6] if g in reached]
        if groups:
            reached["reached"] = float(sum(groups))
    text = {k: str(v).strip() for k, v in values.items() if k not in COUNTS and v is not None}
    return Activity(
        row=line,
        implementing_org=text["implementing_org"],
        sector=text["sector"],
        country=text["country"],
        admin2=text["admin2"],
        month=parse_month(values["month"], where),
        appealing_org=text.get("appealing_org", ""),
        indicator=text.get("indicator", ""),
        country_code=text.get("country_code", ""),
        admin1=text.get("admin1", ""),
        admin1_pcode=text.get("admin1_pcode", ""),
        admin2_pcode=text.get("admin2_pcode", ""),
        place_id=text.get("place_id", ""),
        place_name=text.get("place_name", ""),
        reached=reached,
    )


_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [
            "jan ene",
            "feb",
            "mar",
            "apr abr",
            "may",
            "jun",
            "jul",
            "aug ago",
            "sep set",
            "oct out",
            "nov",
            "dec dic dez",
        ]
    )
    for m in names.split()
}


def parse_month(value: Any, where: str = "5W") -> str:
    """``YYYY-MM`` from a date, ``2026-10``, ``2026-10-01``, ``10/2026`` or ``Oct 2026``."""
    if isinstance(value, datetime | date):
        return f"{value.year:04d}-{value.month:02d}"
    text = str(value).strip()
    m = re.fullmatch(r"(\d{4})-(\d{1,2})(?:-\d{1,2})?(?:[ T].*)?", text)
    if m and 1 <= int(m.group(2)) <= 12:
        return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}"
    m = re.fullmatch(r"(\d{1,2})/(\d{4})", text)
    if m and 1 <= int(m.group(1)) <= 12:
        return f"{int(m.group(2)):04d}-{int(m.group(1)):02d}"
    m = re.fullmatch(r"([A-Za-z]{3})[a-z]*[ -](\d{4})", text)
    if m and m.group(1).lower() in _MONTHS:
        return f"{int(m.group(2)):04d}-{_MONTHS[m.group(1).lower()]:02d}"
    raise ActivityTableError(f"{where}: month {value!r} is not a month (use YYYY-MM)")


def link_places(activities: Sequence[Activity], sites: Sequence[Site]) -> dict[int, Site]:
    """``{activity row: place}`` for the activities that name a registry place.

    By ``place_id`` first, else by the place name (case and accents ignored). Unknown names
    are left unlinked (never guessed).
    """
    by_id = {s.id: s for s in sites}
    by_name: dict[str, Site] = {}
    for s in sites:
        by_name.setdefault(normalise(s.name), s)
    out = {}
    for a in activities:
        site = by_id.get(a.place_id) if a.place_id else None
        if site is None and a.place_name:
            site = by_name.get(normalise(a.place_name))
        if site is not None:
            out[a.row] = site
    return out


def write_activities(activities: Sequence[Activity], path: str | Path, *, hxl: bool) -> Path:
    """Write activities as CSV (with the HXL hashtag row if ``hxl``), or XLSX by suffix."""
    from geomap.io import atomic_path, write_text

    dest = Path(path)
    head = [n for n, _ in FIELDS]
    table: list[list[Any]] = [head] + ([[t for _, t in FIELDS]] if hxl else [])
    for a in activities:
        plain = {n: getattr(a, n) for n in head if n not in COUNTS}
        table.append([plain.get(n, a.reached.get(n, "")) for n in head])
    if dest.suffix.lower() == ".xlsx":
        from openpyxl import Workbook

        book = Workbook()
        ws = book.active
        assert ws is not None
        for row in table:
            ws.append(row)
        with atomic_path(dest) as tmp:
            book.save(tmp)
        return dest
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(table)
    return write_text(dest, buffer.getvalue())
