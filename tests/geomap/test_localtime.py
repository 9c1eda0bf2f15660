"""Local wall-clock time at a point (opening hours are written in it)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from geomap.localtime import local_now, zone_name

INSTANT = datetime(2026, 12, 3, 21, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("point", "zone", "hours_behind_utc"),
    [
        ((-51.2300, -30.0300), "America/Sao_Paulo", 3),  # Porto Alegre, no summer time
        ((-102.2916, 21.8853), "America/Mexico_City", 6),  # Aguascalientes
        ((-72.5078, 7.8939), "America/Bogota", 5),  # Cúcuta
        ((-60.6733, 2.8235), "America/Boa_Vista", 4),  # Boa Vista
        ((-70.6483, -33.4569), "America/Santiago", 3),  # Santiago, summer time in December
    ],
)
def test_local_time_follows_the_point(point, zone, hours_behind_utc) -> None:
    assert zone_name(*point) == zone
    assert local_now(point, now=INSTANT) == INSTANT.replace(tzinfo=None) - timedelta(
        hours=hours_behind_utc
    )


def test_summer_time_changes_the_offset() -> None:
    santiago = (-70.6483, -33.4569)
    july = datetime(2026, 7, 3, 21, 0, tzinfo=UTC)
    assert local_now(santiago, now=july) == datetime(2026, 7, 3, 17, 0)  # UTC-4 in winter


def test_across_the_antimeridian_the_date_changes() -> None:
    fiji = (179.99, -16.5)  # UTC+12
    assert local_now(fiji, now=INSTANT) == datetime(2026, 12, 4, 9, 0)


def test_naive_instants_are_utc_and_no_point_is_utc() -> None:
    naive = INSTANT.replace(tzinfo=None)
    assert local_now((-51.23, -30.03), now=naive) == naive - timedelta(hours=3)
    assert local_now(None, now=INSTANT) == naive
    other = INSTANT.astimezone(timezone(timedelta(hours=5)))
    assert local_now((-51.23, -30.03), now=other) == naive - timedelta(hours=3)


@pytest.mark.parametrize("point", [(200.0, 10.0), (10.0, -91.0), (float("nan"), 0.0)])
def test_an_invalid_point_is_left_to_the_answer_to_refuse(point) -> None:
    assert zone_name(*point) is None
    assert local_now(point, now=INSTANT) == INSTANT.replace(tzinfo=None)
