"""Printable booklets of the message bank: one per country and language, print-ready HTML.

One HTML file with its styles inline and no external resource (no font, script or image from
anywhere): it prints from any browser, on A5 (folded A4) or A4 pages, one message never split
across pages. A cover names the country, the language, the date and the agencies; messages
follow by topic. A booklet of sample messages says so on every page.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from geomap.registry.access import Caller
from geomap.registry.messages import TOPICS
from geomap.registry.store import RegistryStore
from geomap.registry.texts import language_name, pick

PAPERS = ("A5", "A4")

#: The booklet's own words; other languages use the Spanish ones.
WORDS: dict[str, dict[str, str]] = {
    "es": {
        "title": "Mensajes clave",
        "for": "para personas refugiadas y migrantes en",
        "language": "Idioma",
        "printed": "Impreso el",
        "contents": "Contenido",
        "agencies": "Agencias",
        "approved": "Aprobado por",
        "valid_until": "Válido hasta",
        "none": "No hay mensajes vigentes en este idioma para este país.",
        "sample": "DATOS DE MUESTRA: no distribuir",
        "verify": "Verifique que los mensajes sigan vigentes antes de imprimir más copias.",
        "free": "Los servicios humanitarios son gratuitos.",
    },
    "pt": {
        "title": "Mensagens-chave",
        "for": "para pessoas refugiadas e migrantes em",
        "language": "Idioma",
        "printed": "Impresso em",
        "contents": "Conteúdo",
        "agencies": "Agências",
        "approved": "Aprovado por",
        "valid_until": "Válido até",
        "none": "Não há mensagens vigentes neste idioma para este país.",
        "sample": "DADOS DE AMOSTRA: não distribuir",
        "verify": "Verifique se as mensagens continuam vigentes antes de imprimir mais cópias.",
        "free": "Os serviços humanitários são gratuitos.",
    },
    "en": {
        "title": "Key messages",
        "for": "for refugees and migrants in",
        "language": "Language",
        "printed": "Printed on",
        "contents": "Contents",
        "agencies": "Agencies",
        "approved": "Approved by",
        "valid_until": "Valid until",
        "none": "There are no messages in force in this language for this country.",
        "sample": "SAMPLE DATA: do not distribute",
        "verify": "Check that the messages are still in force before printing more copies.",
        "free": "Humanitarian services are free of charge.",
    },
}


@cache
def _template() -> Any:
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    folder = Path(__file__).parent / "templates"
    env = Environment(
        loader=FileSystemLoader(folder), autoescape=select_autoescape(["html"]), trim_blocks=True
    )
    return env.get_template("booklet.html")


#: Languages by their own names (others by their English name).
ENDONYMS = {"es": "Español", "pt": "Português", "en": "English", "guc": "Wayuunaiki",
            "wba": "Warao", "fr": "Français"}  # fmt: skip


def _country_name(code: str, lang: str) -> str:
    import pycountry

    names = {"BR": {"es": "Brasil", "pt": "Brasil"}, "CO": {"es": "Colombia", "pt": "Colômbia"}}
    found = names.get(code, {}).get(lang)
    if found:
        return found
    country = pycountry.countries.get(alpha_2=code)
    return str(country.name) if country is not None else code


def render(
    messages: Sequence[dict[str, Any]],
    *,
    country: str,
    lang: str,
    today: date,
    paper: str = "A5",
) -> str:
    """The booklet as one self-contained HTML document.

    Parameters
    ----------
    messages : sequence of dict
        Messages as :func:`geomap.messagebank.messages_in_force` gives them.
    country, lang : str
        ISO 3166-1 alpha-2 and ISO 639 codes.
    today : date
        The printing date.
    paper : str
        ``A5`` or ``A4``.
    """
    words = WORDS.get(lang, WORDS["es"])
    topics: dict[str, list[dict[str, Any]]] = {}
    for message in messages:
        topics.setdefault(message["topic"], []).append(message)
    sections = [
        {
            "code": code,
            "label": pick({"es": t.es, "pt": t.pt, "en": t.en}, lang),
            "messages": topics[code],
        }
        for code, t in TOPICS.items()
        if code in topics
    ]
    agencies = sorted({a for m in messages for a in m["agencies"]})
    html: str = _template().render(
        words=words,
        lang=lang,
        language=ENDONYMS.get(lang) or language_name(lang),
        country=_country_name(country, lang),
        today=today.isoformat(),
        paper=paper if paper in PAPERS else "A5",
        sections=sections,
        agencies=agencies,
        sample=any(m["sample"] for m in messages),
        count=len(messages),
    )
    return html


def booklet(
    store: RegistryStore,
    caller: Caller,
    *,
    country: str,
    lang: str,
    today: date,
    paper: str = "A5",
) -> str:
    """The booklet of the messages in force in ``country``, in ``lang``, the caller may see."""
    from geomap.messagebank import messages_in_force

    items = messages_in_force(store, caller, country=country, lang=lang, today=today)
    items = [m for m in items if m["lang"] == lang]  # a booklet speaks one language
    return render(items, country=country, lang=lang, today=today, paper=paper)


def write_booklet(path: str | os.PathLike[str], html: str) -> Path:
    """Write a booklet whole or not at all."""
    from geomap.io import write_text

    return write_text(path, html)
