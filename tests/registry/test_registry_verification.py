"""Verification that ages: fresh, due and stale, at the thresholds of the settings."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from geomap.registry.verification import annotated, days_since, rank, status
from geomap.settings import Settings

TODAY = date(2025, 3, 1)
SETTINGS = Settings(verify_due_days=90, verify_stale_days=180)


@pytest.mark.parametrize(
    ("age", "expected"),
    [(-3, "fresh"), (0, "fresh"), (89, "fresh"), (90, "due"), (179, "due"), (180, "stale")],
)
def test_status_changes_at_the_thresholds(age: int, expected: str) -> None:
    verified = TODAY - timedelta(days=age)
    assert status(verified, TODAY, SETTINGS) == expected
    assert status(verified.isoformat(), TODAY, SETTINGS) == expected
    assert days_since(verified, TODAY) == age


def test_never_verified_or_unreadable_is_stale() -> None:
    assert status(None, TODAY, SETTINGS) == "stale"
    assert status("last spring", TODAY, SETTINGS) == "stale"
    assert days_since(None, TODAY) is None


def test_thresholds_come_from_the_settings() -> None:
    strict = Settings(verify_due_days=7, verify_stale_days=30)
    verified = TODAY - timedelta(days=10)
    assert status(verified, TODAY, strict) == "due"
    assert status(verified, TODAY, SETTINGS) == "fresh"
    with pytest.raises(ValueError, match="verify_stale_days"):
        Settings(verify_due_days=30, verify_stale_days=7)


def test_rank_orders_fresh_due_stale_and_annotated_adds_the_property() -> None:
    assert sorted(["stale", "fresh", "due"], key=rank) == ["fresh", "due", "stale"]
    props = {"verified_at": (TODAY - timedelta(days=100)).isoformat()}
    assert annotated(props, TODAY, SETTINGS) == {**props, "verification": "due"}
    assert "verification" not in props
