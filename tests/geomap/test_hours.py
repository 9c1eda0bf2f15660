"""Opening hours in words: checked against the opening-hours library minute by minute."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest
from opening_hours import OpeningHours

from geomap import hours

MONDAY = datetime(2026, 11, 23, 0, 0)  # a Monday
SAMPLES = [
    "Mo-Su 11:30-14:00,18:00-20:00",
    "Mo-Sa 08:00-18:00",
    "24/7",
    "Tu-Su 09:00-17:00",
    "Mo-Su 18:00-08:00",
    "Mo-Fr 08:00-20:00; Sa 09:00-13:00",
    "Mo-Fr 10:00-15:00",
]


@pytest.mark.parametrize("expression", SAMPLES)
def test_open_intervals_agree_with_the_library_at_random_minutes(expression) -> None:
    rng = random.Random(expression)
    oh = OpeningHours(expression)
    when = MONDAY + timedelta(hours=9, minutes=17)
    info = hours.schedule(expression, when=when)
    assert info is not None
    spans = [(datetime.fromisoformat(a), datetime.fromisoformat(b)) for a, b in info["open"]]
    for _ in range(400):
        t = MONDAY + timedelta(minutes=rng.randrange(7 * 24 * 60))
        inside = any(a <= t < b for a, b in spans)
        assert inside == oh.is_open(t), (expression, t)
    assert info["state"] == ("open" if oh.is_open(when) else "closed")
    change = oh.next_change(when)
    if change is None or change.year >= 9999:
        assert info["next_change"] is None
    else:
        assert info["next_change"] == change.isoformat(timespec="minutes")


def test_the_week_in_words_in_three_languages() -> None:
    d = hours.describe("Mo-Fr 08:00-20:00; Sa 09:00-13:00", when=MONDAY, lang="es")
    assert d["week_text"] == "Lunes a viernes 08:00–20:00; sábado 09:00–13:00; domingo cerrado"
    pt = hours.describe("Mo-Su 11:30-14:00,18:00-20:00", when=MONDAY, lang="pt")
    assert pt["week_text"] == "Todos os dias 11:30–14:00 e 18:00–20:00"
    en = hours.describe("24/7", when=MONDAY, lang="en")
    assert en["week_text"] == "Open 24 hours, every day"
    assert en["always_open"] is True
    night = hours.describe("Mo-Su 18:00-08:00", when=MONDAY, lang="en")
    assert night["week_text"] == "Every day 18:00–08:00"  # told on the day it starts


@pytest.mark.parametrize("offset", range(7))
def test_the_week_is_the_same_whatever_the_day(offset) -> None:
    when = MONDAY + timedelta(days=offset, hours=15)
    d = hours.describe("Mo-Su 11:30-14:00,18:00-20:00", when=when, lang="en")
    assert d["week_text"] == "Every day 11:30–14:00 and 18:00–20:00"
    assert [g["days"] for g in d["week"]] == [list(range(7))]
    closed_sunday = hours.describe("Mo-Sa 08:00-18:00", when=when, lang="es")
    assert closed_sunday["week_text"] == "Lunes a sábado 08:00–18:00; domingo cerrado"


def test_both_sides_of_an_opening_time() -> None:
    food = "Mo-Su 11:30-14:00,18:00-20:00"
    before = hours.describe(food, when=MONDAY.replace(hour=17, minute=50), lang="es")
    assert before["state"] == "closed"
    assert before["status_text"] == "Cerrado · abre a las 18:00 (en 10 min)"
    after = hours.describe(food, when=MONDAY.replace(hour=18, minute=5), lang="es")
    assert after["state"] == "open"
    assert after["status_text"] == "Abierto · cierra a las 20:00"
    closing = hours.describe(food, when=MONDAY.replace(hour=19, minute=40), lang="es")
    assert closing["status_text"] == "Abierto · cierra en 20 min"


def test_next_change_on_another_day() -> None:
    friday_evening = MONDAY + timedelta(days=4, hours=17)
    pt = hours.describe("Mo-Fr 09:00-16:00", when=friday_evening, lang="pt")
    assert pt["status_text"] == "Fechado · abre segunda-feira às 09:00"
    es = hours.describe("Mo-Fr 09:00-16:00", when=friday_evening, lang="es")
    assert es["status_text"] == "Cerrado · abre el lunes a las 09:00"
    late = hours.describe("Mo-Su 18:00-08:00", when=MONDAY.replace(hour=23), lang="en")
    assert late["status_text"] == "Open · closes tomorrow at 08:00"


def test_unknown_and_unreadable_hours() -> None:
    for expression in (None, "not hours at all"):
        d = hours.describe(expression, when=MONDAY, lang="es")
        assert d["state"] == "unknown"
        assert d["open"] == []
        assert d["status_text"] == "Horario desconocido"
    assert hours.schedule(None, when=MONDAY) is None


def test_answers_field_has_words_in_every_language_and_needs_a_time() -> None:
    assert hours.for_answers("24/7", when=None) is None
    field = hours.for_answers("Mo-Fr 10:00-15:00", when=MONDAY.replace(hour=9))
    assert field is not None
    assert set(field["week_text"]) == set(hours.LANGUAGES) == set(field["status_text"])
    assert field["status_text"]["en"] == "Closed · opens at 10:00 (in 60 min)"
    assert set(hours.PHRASES["es"]) == set(hours.PHRASES["pt"]) == set(hours.PHRASES["en"])
