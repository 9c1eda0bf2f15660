"""Texts in several languages, keyed by ISO 639 code (``es``, ``pt``, ``en``, ``guc`` …).

Pathways and messages carry their names and texts as ``{"es": …, "pt": …, "guc": …}``: any
ISO 639-1 (two letters) or ISO 639-3 (three letters) language, at least one. Short texts
(names, labels) are one line; long texts (a message's body) may hold line breaks but no other
control character.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Any

from pydantic import AfterValidator

#: Languages the page and the booklets speak first, in this order.
PAGE_LANGUAGES = ("es", "pt", "en")

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_CONTROL_KEEP_BREAKS = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def language_code(value: str) -> str:
    """An ISO 639-1 or 639-3 language code, lower-cased.

    Raises
    ------
    ValueError
        For anything that is not one.
    """
    import pycountry

    code = value.strip().lower()
    key = "alpha_2" if len(code) == 2 else "alpha_3"
    known = len(code) in (2, 3) and code.isalpha() and pycountry.languages.get(**{key: code})
    if not known:
        raise ValueError(f"{value[:20]!r} is not an ISO 639 language code (such as es, pt, guc)")
    return code


def language_name(code: str) -> str:
    """The English name of a language code (the code itself when unknown)."""
    import pycountry

    key = "alpha_2" if len(code) == 2 else "alpha_3"
    found = pycountry.languages.get(**{key: code})
    return str(found.name) if found is not None else code


def _texts(value: dict[str, str], *, max_chars: int, breaks: bool) -> dict[str, str]:
    if not value:
        raise ValueError("give the text in at least one language, e.g. {'es': '…'}")
    control = _CONTROL_KEEP_BREAKS if breaks else _CONTROL
    out: dict[str, str] = {}
    for key, text in value.items():
        code = language_code(key)
        if code in out:
            raise ValueError(f"the language {code!r} is given twice")
        clean = unicodedata.normalize("NFC", text).strip().replace("\r\n", "\n")
        if not clean:
            raise ValueError(f"the {code!r} text is empty")
        if control.search(clean):
            allowed = " (line breaks are allowed)" if breaks else ""
            raise ValueError(f"the {code!r} text holds control characters{allowed}")
        if len(clean) > max_chars:
            raise ValueError(f"the {code!r} text is longer than {max_chars} characters")
        out[code] = clean
    return out


def _short(value: dict[str, str]) -> dict[str, str]:
    return _texts(value, max_chars=200, breaks=False)


def _long(value: dict[str, str]) -> dict[str, str]:
    return _texts(value, max_chars=4000, breaks=True)


#: A name or label in several languages (one line, at most 200 characters each).
ShortTexts = Annotated[dict[str, str], AfterValidator(_short)]
#: A body text in several languages (line breaks allowed, at most 4000 characters each).
LongTexts = Annotated[dict[str, str], AfterValidator(_long)]


def pick(texts: dict[str, Any] | None, lang: str, *, fallback: bool = True) -> str | None:
    """The text in ``lang``; else (with ``fallback``) Spanish, Portuguese, English, any."""
    if not texts:
        return None
    if lang in texts:
        return str(texts[lang])
    if not fallback:
        return None
    for code in (*PAGE_LANGUAGES, *texts):
        if code in texts:
            return str(texts[code])
    return None
