"""The page's translation catalogs, language negotiation and its data files."""

from __future__ import annotations

import json
import re

import pytest

from api.page import i18n
from api.page.routes import CONTACT_LABELS, HERE, LEVEL_LABELS, SCRIPT_MESSAGES
from tests.paths import DATA


def used_messages() -> set[str]:
    found = set(SCRIPT_MESSAGES) | set(CONTACT_LABELS.values()) | set(LEVEL_LABELS.values())
    for source in [*(HERE / "templates").glob("*.html"), HERE / "sheet.py"]:
        found |= set(re.findall(r'_\("([^"]+)"\)', source.read_text()))
    return found


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_every_text_of_the_page_is_in_every_catalog(lang) -> None:
    missing = used_messages() - set(i18n.catalog(lang))
    assert not missing, f"{lang} catalog lacks {sorted(missing)}"


def test_spanish_and_portuguese_are_translations() -> None:
    assert i18n.gettext("es", "Open now") == "Abierto ahora"
    assert i18n.gettext("pt", "Open now") == "Aberto agora"
    assert i18n.gettext("en", "Open now") == "Open now"
    for lang in ("es", "pt"):
        same = [m for m in used_messages() if i18n.gettext(lang, m) == m and len(m) > 9]
        assert not same, f"untranslated in {lang}: {same}"


@pytest.mark.parametrize(
    ("requested", "accept", "expected"),
    [
        (None, "", "es"),
        (None, "pt-BR,pt;q=0.9,en;q=0.8", "pt"),
        (None, "en-US,en;q=0.9", "en"),
        (None, "fr-FR,fr;q=0.9", "es"),
        (None, "fr;q=1, en;q=0.3, pt;q=0.5", "pt"),
        ("en", "pt-BR", "en"),
        ("PT", "", "pt"),
        ("de", "en", "en"),
        (None, "en;q=bad, pt", "pt"),
    ],
)
def test_language_negotiation(requested, accept, expected) -> None:
    assert i18n.negotiate(requested, accept) == expected


def test_essential_contacts_are_marked_sample_or_verify_before_use() -> None:
    data = json.loads((DATA / "page" / "essential_contacts.json").read_text())
    assert "SAMPLE" in data["note"]
    for code, country in data["countries"].items():
        assert set(country["name"]) == {"es", "pt", "en"}, code
        for contact in country["contacts"]:
            assert set(contact["label"]) == {"es", "pt", "en"}, contact
            assert contact.get("sample") or contact.get("verify_before_use"), contact


def test_towns_have_a_country_with_contacts() -> None:
    towns = json.loads((DATA / "page" / "towns.json").read_text())["towns"]
    contacts = json.loads((DATA / "page" / "essential_contacts.json").read_text())["countries"]
    assert {t["country"] for t in towns} <= set(contacts)
    assert len({t["id"] for t in towns}) == len(towns)
