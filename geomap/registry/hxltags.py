"""HXL for the Humanitarian Data Exchange: one row per place and service, never contact data.

The table is "long", as HDX 3W data are: a place offering three services is three rows, each
with one ``#sector+code`` and one ``#service+code``, so that every cell holds one value. Codes
follow what HDX expects: ISO 3166-1 alpha-3 in ``#country+code``, OCHA P-codes in
``#adm1+code``/``#adm2+code`` where the place carries them, humanitarian sector codes
(:data:`geomap.registry.vocab.SECTORS`) in ``#sector+code``. Only numbers go under numeric
hashtags (``#capacity``); populations served are ``#beneficiary+code`` text.

:data:`SCHEMA` adds the registry's own rules (ISO3, P-code shape, known sectors and services,
coordinates in range) to the HXL core schema; both are checked by ``libhxl`` in the tests.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any

from geomap.registry.fields import alpha3
from geomap.registry.verification import Ages, place_status
from geomap.registry.vocab import KINDS, POPULATIONS, SECTORS, SERVICES

#: (column header, HXL hashtag) in order.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "#loc+id"),
    ("name", "#loc+name"),
    ("name_pt", "#loc+name+i_pt"),
    ("name_en", "#loc+name+i_en"),
    ("kind", "#loc+type"),
    ("latitude", "#geo+lat"),
    ("longitude", "#geo+lon"),
    ("organizations", "#org+name"),
    ("country_code", "#country+code"),
    ("country", "#country+name"),
    ("admin1", "#adm1+name"),
    ("admin1_pcode", "#adm1+code"),
    ("admin2", "#adm2+name"),
    ("admin2_pcode", "#adm2+code"),
    ("sector_code", "#sector+code"),
    ("sector", "#sector+name"),
    ("service_code", "#service+code"),
    ("service", "#service+name"),
    ("populations", "#beneficiary+code"),
    ("opening_hours", "#meta+hours"),
    ("status", "#status+code"),
    ("languages", "#meta+languages"),
    ("wheelchair", "#access+wheelchair"),
    ("capacity", "#capacity+num"),
    ("verified_at", "#date+verified"),
    ("verification", "#status+verification"),
    ("source", "#meta+source"),
    ("sample", "#meta+sample"),
)


def _rule(tag: str, description: str, **tests: Any) -> dict[str, Any]:
    return {"#valid_tag": tag, "#valid_severity": "error", "#description": description, **tests}


#: The registry's HXL schema (libhxl JSON schema rules), checked with the core schema.
SCHEMA: list[dict[str, Any]] = [
    _rule("#loc+id", "every row names its place", **{"#valid_required": "true"}),
    _rule("#country+code", "ISO 3166-1 alpha-3", **{"#valid_value+regex": "^[A-Z]{3}$"}),
    _rule("#adm1+code", "an OCHA P-code", **{"#valid_value+regex": "^[A-Z]{2}[0-9A-Z]{1,14}$"}),
    _rule("#adm2+code", "an OCHA P-code", **{"#valid_value+regex": "^[A-Z]{2}[0-9A-Z]{1,14}$"}),
    _rule("#sector+code", "a known sector", **{"#valid_value+list": "|".join(SECTORS)}),
    _rule("#service+code", "a registry service", **{"#valid_value+list": "|".join(SERVICES)}),
    _rule(
        "#geo+lat",
        "a latitude",
        **{"#valid_datatype": "number"},
        **{"#valid_value+min": "-90"},
        **{"#valid_value+max": "90"},
    ),
    _rule(
        "#geo+lon",
        "a longitude",
        **{"#valid_datatype": "number"},
        **{"#valid_value+min": "-180"},
        **{"#valid_value+max": "180"},
    ),
    _rule("#capacity+num", "a number of people", **{"#valid_datatype": "number"}),
    _rule("#date+verified", "a date", **{"#valid_datatype": "date"}),
]


def _country_name(code: str) -> str:
    import pycountry

    country = pycountry.countries.get(alpha_2=code)
    return str(country.name) if country is not None else ""


def rows(
    fid: str,
    properties: dict[str, Any],
    lon: float,
    lat: float,
    *,
    today: date,
    ages: Ages | None,
) -> Iterator[list[str]]:
    """The HXL rows of one place (one per service): never its contact data."""
    p = properties
    name = p.get("name", {})
    country = p.get("country", "")
    shared: dict[str, str] = {
        "id": fid,
        "name": name.get("es", ""),
        "name_pt": name.get("pt", ""),
        "name_en": name.get("en", ""),
        "kind": KINDS[p["kind"]].en if p.get("kind") in KINDS else str(p.get("kind", "")),
        "latitude": f"{lat:.6f}",
        "longitude": f"{lon:.6f}",
        "organizations": " | ".join(p.get("organizations", [])),
        "country_code": alpha3(country) if country else "",
        "country": _country_name(country) if country else "",
        "admin1": p.get("admin1", ""),
        "admin1_pcode": p.get("admin1_pcode", ""),
        "admin2": p.get("admin2", ""),
        "admin2_pcode": p.get("admin2_pcode", ""),
        "populations": " ".join(
            POPULATIONS[c].code for c in p.get("populations", []) if c in POPULATIONS
        ),
        "opening_hours": p.get("opening_hours", ""),
        "status": p.get("status", ""),
        "languages": " ".join(p.get("languages", [])),
        "wheelchair": p.get("wheelchair", ""),
        "capacity": "" if p.get("capacity") is None else str(p["capacity"]),
        "verified_at": p.get("verified_at", ""),
        "verification": place_status(p, today, ages) if ages is not None else "",
        "source": p.get("source", ""),
        "sample": "yes" if p.get("sample") else "no",
    }
    for code in p.get("services", []):
        term = SERVICES.get(code)
        sector = term.sector if term else ""
        values = {
            **shared,
            "sector_code": sector,
            "sector": SECTORS.get(sector, ""),
            "service_code": code,
            "service": term.en if term else "",
        }
        yield [" ".join(str(values[column]).split()) for column, _ in COLUMNS]


def write(fh: Any, places: Iterable[tuple[str, dict[str, Any], float, float]], **kw: Any) -> int:
    """Write the header row, the hashtag row and every place's rows; returns the data rows."""
    writer = csv.writer(fh)
    writer.writerow([c for c, _ in COLUMNS])
    writer.writerow([t for _, t in COLUMNS])
    count = 0
    for fid, properties, lon, lat in places:
        for row in rows(fid, properties, lon, lat, **kw):
            writer.writerow(row)
            count += 1
    return count


def schema_table() -> list[list[str]]:
    """:data:`SCHEMA` as an HXL table (hashtag row, then one rule a row), as libhxl reads it."""
    tags = sorted({tag for rule in SCHEMA for tag in rule})
    return [tags, *([rule.get(tag, "") for tag in tags] for rule in SCHEMA)]
