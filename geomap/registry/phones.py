"""Phone and WhatsApp numbers: parsed with ``phonenumbers``, stored E.164, shown nationally.

A number is read in the place's country (so ``301 234 5678`` in CO is ``+573012345678``) and
must be a valid number of its country. Sample places (``sample: true``) may carry numbers that
are only *possible* (the right length, but unassigned, such as ``+55 51 0000 0001``), so that
no illustrative record ever dials a real person.
"""

from __future__ import annotations

from typing import Any

#: Longest text taken as a phone number (the longest E.164 number has 15 digits).
MAX_PHONE_CHARS = 40


class PhoneError(ValueError):
    """A text that is not a phone number of the place's country."""


def _parse(text: str, country: str | None) -> Any:
    import phonenumbers

    if len(text) > MAX_PHONE_CHARS:
        raise PhoneError(f"must be at most {MAX_PHONE_CHARS} characters")
    try:
        return phonenumbers.parse(text, country or None)
    except phonenumbers.NumberParseException as exc:
        reason = {
            phonenumbers.NumberParseException.INVALID_COUNTRY_CODE: (
                "has no country code: write it as +<country code> <number>"
            ),
            phonenumbers.NumberParseException.NOT_A_NUMBER: "is not a phone number",
            phonenumbers.NumberParseException.TOO_SHORT_NSN: "is too short to be a phone number",
            phonenumbers.NumberParseException.TOO_SHORT_AFTER_IDD: (
                "is too short to be a phone number"
            ),
            phonenumbers.NumberParseException.TOO_LONG: "is too long to be a phone number",
        }.get(exc.error_type, "is not a phone number")
        raise PhoneError(reason) from None


def to_e164(text: str, country: str | None, *, sample: bool = False) -> str:
    """The E.164 form (``+573012345678``) of a phone number written in ``country``.

    Parameters
    ----------
    text : str
        The number as written: national (``301 234 5678``) or international (``+57 …``).
    country : str, optional
        ISO 3166-1 alpha-2 code of the place, the region national numbers are read in.
    sample : bool
        Accept numbers that are only possible, not assigned (sample places only).

    Raises
    ------
    PhoneError
        Saying why the text is not a valid number.
    """
    import phonenumbers

    number = _parse(text, country)
    if not phonenumbers.is_possible_number(number):
        raise PhoneError("has the wrong number of digits for a phone number of its country")
    if not sample and not phonenumbers.is_valid_number(number):
        where = phonenumbers.region_code_for_number(number) or f"+{number.country_code}"
        raise PhoneError(f"is not a valid phone number in {where}")
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def national(e164: str) -> str:
    """How the number is dialled inside its own country (``301 2345678``).

    Numbers that are only possible (sample places) are shown in international format.
    """
    import phonenumbers

    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    if not phonenumbers.is_valid_number(number):
        return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL))
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL))


def international(e164: str) -> str:
    """The number with its country code, grouped for reading (``+57 301 2345678``)."""
    import phonenumbers

    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL))


def whatsapp_link(e164: str) -> str:
    """The ``https://wa.me/<digits>`` link that opens a WhatsApp chat with the number."""
    return "https://wa.me/" + "".join(c for c in e164 if c.isdigit())


def tel_link(e164: str) -> str:
    """The ``tel:`` link of the number (RFC 3966: E.164 with its ``+``)."""
    return f"tel:{e164}"
