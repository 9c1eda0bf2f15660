"""Translation catalogs (gettext ``.po`` read with Babel) and language negotiation."""

from __future__ import annotations

from functools import cache
from pathlib import Path

LOCALES = Path(__file__).resolve().parent / "locales"
LANGUAGES = ("es", "pt", "en")
DEFAULT = "es"


@cache
def catalog(lang: str) -> dict[str, str]:
    """The translations of ``lang``: msgid to msgstr (untranslated entries left out)."""
    from babel.messages.pofile import read_po

    with (LOCALES / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        po = read_po(fh, locale=lang)
    return {
        str(m.id): str(m.string)
        for m in po
        if m.id and isinstance(m.id, str) and isinstance(m.string, str) and m.string
    }


def language_name(code: str, in_language: str | None = None) -> str:
    """A language's name: in ``in_language``, or in itself ("Español") when not given."""
    from babel import Locale, UnknownLocaleError

    try:
        name = Locale.parse(in_language or code).languages.get(code)
    except (UnknownLocaleError, ValueError):
        return code
    return name[:1].upper() + name[1:] if name and not in_language else name or code


def gettext(lang: str, message: str) -> str:
    """``message`` translated into ``lang`` (the msgid itself when untranslated)."""
    return catalog(lang).get(message, message)


def negotiate(requested: str | None, accept_language: str) -> str:
    """The page language: ``requested`` if supported, else the best of ``Accept-Language``.

    Only the primary subtag counts (``pt-BR`` is ``pt``); Spanish when nothing matches.
    """
    if requested and requested.lower() in LANGUAGES:
        return requested.lower()
    best, best_q = DEFAULT, 0.0
    for entry in accept_language.split(","):
        tag, *params = (part.strip() for part in entry.split(";"))
        primary = tag.split("-")[0].lower()
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if primary in LANGUAGES and q > best_q:
            best, best_q = primary, q
    return best
