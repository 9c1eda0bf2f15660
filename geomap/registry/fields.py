"""Field types shared by the registry's models.

Bounded text without control characters, country codes and P-codes.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_PCODE = re.compile(r"^[A-Z]{2}[0-9A-Z]{1,14}$")


def no_control(value: str) -> str:
    """Refuse control characters (NUL, escape, line breaks …) in a text field."""
    found = _CONTROL.search(value)
    if found:
        raise ValueError(f"must not contain control characters (found U+{ord(found.group()):04X})")
    return value


#: Short names (a place, an organization, an admin area, a person).
ShortText = Annotated[str, Field(max_length=200), AfterValidator(no_control)]
#: Required short names.
NameText = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(no_control)]
#: Longer free text (a source, an opening-hours rule).
LongText = Annotated[str, Field(max_length=500), AfterValidator(no_control)]


def country_code(value: str) -> str:
    """An ISO 3166-1 alpha-2 code, upper-cased.

    Raises
    ------
    ValueError
        For anything else (the value is quoted, cut short).
    """
    import pycountry

    from geomap.registry.geometry import clip

    code = value.upper()
    if len(code) != 2 or pycountry.countries.get(alpha_2=code) is None:
        raise ValueError(f"{clip(value)} is not an ISO 3166-1 alpha-2 country code")
    return code


def alpha3(code: str) -> str:
    """The ISO 3166-1 alpha-3 code of an alpha-2 code (``CO`` -> ``COL``)."""
    import pycountry

    country = pycountry.countries.get(alpha_2=code)
    return str(country.alpha_3) if country is not None else code


def pcode(value: str) -> str:
    """An OCHA P-code: the country's alpha-2 code then 1-14 digits or capitals (``CO54001``).

    Raises
    ------
    ValueError
        For a code of another shape.
    """
    from geomap.registry.geometry import clip

    code = value.strip().upper()
    if not _PCODE.match(code):
        raise ValueError(
            f"{clip(value)} is not a P-code: the country's two letters, then digits "
            "(for example CO54 or CO54001)"
        )
    return code
