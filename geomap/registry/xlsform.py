"""The registry's field form as an XLSForm, for KoboToolbox and ODK Collect.

One form records one place: the same fields as the data model, choices drawn from the same
vocabularies (:mod:`geomap.registry.vocab`), labels and hints in Spanish, Portuguese and
English. Exports of its submissions (KoboToolbox or ODK Central, CSV or GeoJSON) import with
:mod:`geomap.registry.formdata`.
"""

from __future__ import annotations

import gettext
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from geomap.registry.boundaries import shipped_countries
from geomap.registry.vocab import (
    FORM_LANGUAGES,
    KINDS,
    POPULATIONS,
    SERVICES,
    STATUS_TERMS,
    VISIBILITY_TERMS,
    WHEELCHAIR_TERMS,
    Term,
)

FORM_ID = "geomap_place"
LANGUAGES = {"es": "Español (es)", "pt": "Português (pt)", "en": "English (en)"}
DEFAULT_LANGUAGE = LANGUAGES["es"]
#: The select_multiple fields (space-separated codes in exports).
MULTIPLE = ("services", "populations", "languages")
#: Separator of several organizations in one text answer.
ORGANIZATION_SEPARATOR = ";"
ID_REGEX = "^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$"
PCODE_REGEX = "^[A-Z]{2}[0-9A-Z]{1,14}$"

Row = dict[str, str]


def _labels(es: str, pt: str, en: str, key: str = "label") -> Row:
    return {f"{key}::{LANGUAGES['es']}": es, f"{key}::{LANGUAGES['pt']}": pt,
            f"{key}::{LANGUAGES['en']}": en}  # fmt: skip


def _question(kind: str, name: str, es: str, pt: str, en: str, **extra: str) -> Row:
    row = {"type": kind, "name": name, **_labels(es, pt, en)}
    hint = extra.pop("hint", None)
    if hint is not None:
        es_, pt_, en_ = hint.split("|")
        row.update(_labels(es_, pt_, en_, key="hint"))
    message = extra.pop("message", None)
    if message is not None:
        es_, pt_, en_ = message.split("|")
        row.update(_labels(es_, pt_, en_, key="constraint_message"))
    return {**row, **extra}


def survey() -> list[Row]:
    """The survey sheet: questions in groups (place, offer, contact, verification)."""
    q = _question
    return [
        {"type": "start", "name": "start"},
        {"type": "end", "name": "end"},
        q("begin_group", "place", "Lugar", "Lugar", "Place"),
        q("text", "record_id", "Identificador en el registro", "Identificador no registro",
          "Registry id",
          hint="Vacío para un lugar nuevo|Vazio para um lugar novo|Empty for a new place",
          constraint=f"regex(., '{ID_REGEX}')",
          message="Letras, cifras, . _ -|Letras, dígitos, . _ -|Letters, digits, . _ -"),
        q("select_one kinds", "kind", "Tipo de lugar", "Tipo de lugar", "Kind of place",
          required="yes"),
        q("text", "name_es", "Nombre (español)", "Nome (espanhol)", "Name (Spanish)",
          required="yes"),
        q("text", "name_pt", "Nombre (portugués)", "Nome (português)", "Name (Portuguese)"),
        q("text", "name_en", "Nombre (inglés)", "Nome (inglês)", "Name (English)"),
        q("text", "organizations", "Organizaciones", "Organizações", "Organizations",
          required="yes",
          hint="Separadas por ;|Separadas por ;|Separated by ;"),
        q("select_one countries", "country", "País", "País", "Country", required="yes"),
        q("text", "admin1", "Departamento / estado", "Estado", "Admin level 1"),
        q("text", "admin1_pcode", "P-code del departamento", "P-code do estado",
          "Admin 1 P-code", constraint=f"regex(., '{PCODE_REGEX}')",
          message="Un P-code como CO54|Um P-code como BR43|A P-code such as CO54"),
        q("text", "admin2", "Municipio", "Município", "Admin level 2"),
        q("text", "admin2_pcode", "P-code del municipio", "P-code do município",
          "Admin 2 P-code", constraint=f"regex(., '{PCODE_REGEX}')",
          message="Un P-code como CO54001|Um P-code como BR4314902|A P-code such as CO54001"),
        q("geopoint", "location", "Ubicación", "Localização", "Location", required="yes"),
        {"type": "end_group", "name": "place"},
        q("begin_group", "offer", "Qué ofrece", "O que oferece", "What it offers"),
        q("select_multiple services", "services", "Servicios", "Serviços", "Services",
          required="yes"),
        q("select_multiple populations", "populations", "A quién atiende", "Quem atende",
          "Who it serves"),
        q("select_multiple languages", "languages", "Idiomas", "Idiomas", "Languages"),
        q("text", "opening_hours", "Horario (formato OSM)", "Horário (formato OSM)",
          "Opening hours (OSM format)", hint="Mo-Fr 08:00-17:00|Mo-Fr 08:00-17:00|"
          "Mo-Fr 08:00-17:00"),
        q("select_one wheelchair", "wheelchair", "Acceso en silla de ruedas",
          "Acesso para cadeira de rodas", "Wheelchair access"),
        q("integer", "capacity", "Capacidad (personas)", "Capacidade (pessoas)",
          "Capacity (people)", constraint=". >= 0 and . <= 100000"),
        q("select_one statuses", "status", "Estado", "Situação", "Status", default="active"),
        {"type": "end_group", "name": "offer"},
        q("begin_group", "contact", "Contacto público", "Contato público", "Public contact"),
        q("text", "phone", "Teléfono", "Telefone", "Phone", appearance="numbers"),
        q("text", "whatsapp", "WhatsApp", "WhatsApp", "WhatsApp", appearance="numbers"),
        q("text", "email", "Correo", "E-mail", "E-mail"),
        q("text", "website", "Sitio web", "Site", "Website"),
        {"type": "end_group", "name": "contact"},
        q("begin_group", "verification", "Verificación", "Verificação", "Verification"),
        q("select_one visibilities", "visibility", "Quién lo puede ver", "Quem pode ver",
          "Who may see it", default="public"),
        q("date", "verified_at", "Fecha de verificación", "Data da verificação",
          "Verified on", default="today()"),
        q("text", "verified_by", "Verificado por", "Verificado por", "Verified by"),
        q("text", "source", "Fuente", "Fonte", "Source"),
        {"type": "end_group", "name": "verification"},
    ]  # fmt: skip


def _translated(domain: str, text: str, language: str) -> str:
    import pycountry

    try:
        catalog = gettext.translation(domain, pycountry.LOCALES_DIR, languages=[language])
    except OSError:
        return text
    return catalog.gettext(text)


def _terms(list_name: str, terms: dict[str, Term]) -> Iterator[Row]:
    for term in terms.values():
        yield {"list_name": list_name, "name": term.code, **_labels(term.es, term.pt, term.en)}


def choices() -> list[Row]:
    """The choices sheet: every vocabulary, countries and languages."""
    import pycountry

    rows = [
        *_terms("kinds", KINDS),
        *_terms("services", SERVICES),
        *_terms("populations", POPULATIONS),
        *_terms("statuses", STATUS_TERMS),
        *_terms("visibilities", VISIBILITY_TERMS),
        *_terms("wheelchair", WHEELCHAIR_TERMS),
    ]
    for code in sorted(shipped_countries()):
        country = pycountry.countries.get(alpha_2=code)
        name = str(country.name) if country else code
        es_, pt_ = (_translated("iso3166-1", name, lang) for lang in ("es", "pt"))
        rows.append({"list_name": "countries", "name": code, **_labels(es_, pt_, name)})
    for code in FORM_LANGUAGES:
        language = pycountry.languages.get(**{"alpha_2" if len(code) == 2 else "alpha_3": code})
        name = str(language.name) if language else code
        es_, pt_ = (_translated("iso639-3", name, lang) for lang in ("es", "pt"))
        rows.append({"list_name": "languages", "name": code, **_labels(es_, pt_, name)})
    return rows


def settings(version: str) -> list[Row]:
    """The settings sheet."""
    return [
        {
            "form_title": "Registro de espacios de apoyo",
            "form_id": FORM_ID,
            "version": version,
            "default_language": DEFAULT_LANGUAGE,
            "instance_name": "concat(${name_es}, ' – ', ${country})",
        }
    ]


def _sheet(book: Any, title: str, rows: list[Row]) -> None:
    sheet = book.create_sheet(title)
    columns: list[str] = []
    for row in rows:
        columns += [c for c in row if c not in columns]
    sheet.append(columns)
    for row in rows:
        sheet.append([row.get(c, "") for c in columns])


def write_xlsform(path: str | os.PathLike[str], *, version: str) -> Path:
    """Write the XLSForm (``.xlsx``) for KoboToolbox and ODK Collect.

    Parameters
    ----------
    path : str or os.PathLike
        Where to write it.
    version : str
        The form version (KoboToolbox and ODK Central keep submissions per version).
    """
    from openpyxl import Workbook

    from geomap.io import atomic_path

    book = Workbook()
    assert book.active is not None
    book.remove(book.active)
    _sheet(book, "survey", survey())
    _sheet(book, "choices", choices())
    _sheet(book, "settings", settings(version))
    with atomic_path(path) as tmp:
        book.save(tmp)
    return Path(path)


def fields() -> list[str]:
    """The names of the form's questions (what an export's columns are made of)."""
    skip = ("begin_group", "end_group", "start", "end")
    return [r["name"] for r in survey() if r["type"] not in skip]
