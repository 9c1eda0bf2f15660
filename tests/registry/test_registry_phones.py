"""Phone and WhatsApp numbers: read in the place's country, stored E.164, shown nationally."""

from __future__ import annotations

import phonenumbers
import pytest

from geomap.errors import RegistryValidationError
from geomap.registry.phones import international, national, tel_link, whatsapp_link
from geomap.registry.validate import validate_place
from tests.registry.placegen import feature

# (written, place city, E.164): national and international spellings of the same numbers
NUMBERS = [
    ("301 234 5678", "cucuta", "+573012345678"),
    ("+57 (301) 234-5678", "cucuta", "+573012345678"),
    ("(607) 594 0000", "cucuta", "+576075940000"),
    ("(51) 3333-4444", "porto_alegre", "+555133334444"),
    ("+58 412-1234567", "cucuta", "+584121234567"),  # a Venezuelan number in Colombia
]


@pytest.mark.parametrize(("written", "city", "e164"), NUMBERS)
def test_numbers_are_stored_in_e164(written: str, city: str, e164: str) -> None:
    place = validate_place(feature("ph-1", city, contact={"phone": written, "whatsapp": written}))
    assert place.properties["contact"] == {"phone": e164, "whatsapp": e164}
    parsed = phonenumbers.parse(e164)
    assert phonenumbers.is_valid_number(parsed)
    assert national(e164) == phonenumbers.format_number(
        parsed, phonenumbers.PhoneNumberFormat.NATIONAL
    )


@pytest.mark.parametrize(
    ("written", "why"),
    [
        ("call us", "is not a phone number"),
        ("12", "has the wrong number of digits"),
        ("+57 7 594 0000", "is not a valid phone number in CO"),  # the pre-2021 landline form
        ("+1 555 0100", "is not a valid phone number in +1"),
        ("9" * 41, "at most 40 characters"),
    ],
)
def test_numbers_that_are_not_valid_are_refused(written: str, why: str) -> None:
    with pytest.raises(RegistryValidationError) as info:
        validate_place(feature("ph-2", "cucuta", contact={"whatsapp": written}))
    (problem,) = info.value.problems
    assert problem["field"] == "properties.contact.whatsapp"
    assert why in problem["message"]


def test_sample_places_may_use_unassigned_numbers() -> None:
    unassigned = {"phone": "+55 51 0000 0001"}
    with pytest.raises(RegistryValidationError):
        validate_place(feature("ph-3", "porto_alegre", contact=unassigned))
    place = validate_place(feature("ph-3", "porto_alegre", contact=unassigned, sample=True))
    assert place.properties["contact"]["phone"] == "+555100000001"


def test_links_and_display() -> None:
    assert whatsapp_link("+573012345678") == "https://wa.me/573012345678"
    assert tel_link("+573012345678") == "tel:+573012345678"
    assert national("+573012345678") == "301 2345678"
    assert international("+573012345678") == "+57 301 2345678"
    assert national("+555100000001").startswith("+55 ")  # unassigned: shown with its code
