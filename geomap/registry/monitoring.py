"""What partners record for monitoring: referrals made and rumours heard, with no personal data.

A **referral log** says that a referral was made along a pathway, to one of its steps, from a
place, on a date, for a population group: no name, no free text, nothing about the person.
The store keeps even less: the month (not the day) and the area (admin1) of the place the
referral was made from (not the place), enough for the monthly reports and too little to
single anybody out.

A **rumour** is a topic heard in a country (and area) on a date, with no source person; the
store keeps the week it was heard in.

Raw rows are never served: reports (:mod:`geomap.reports`) publish suppressed counts only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from geomap.errors import RegistryValidationError
from geomap.registry.messages import RUMOUR_TOPICS
from geomap.registry.validate import ID_PATTERN, PlaceProperties
from geomap.registry.vocab import POPULATIONS

#: The earliest date a log may carry.
EARLIEST = dt.date(2015, 1, 1)


def _date(value: dt.date) -> dt.date:
    tomorrow = datetime.now(UTC).date() + timedelta(days=1)  # a day ahead: time zones
    if value > tomorrow:
        raise ValueError("is in the future")
    if value < EARLIEST:
        raise ValueError(f"is before {EARLIEST.isoformat()}")
    return value


def _id(value: str) -> str:
    if not ID_PATTERN.match(value):
        raise ValueError("must be a registry id")
    return value


class ReferralLogIn(BaseModel):
    """A referral made: along which pathway, to which step, from where, when, for whom."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    pathway: str = Field(max_length=128, json_schema_extra={"pattern": ID_PATTERN.pattern})
    to_step: str = Field(max_length=40)
    from_place: str | None = Field(
        default=None, max_length=128, json_schema_extra={"pattern": ID_PATTERN.pattern}
    )
    date: dt.date
    population: str = Field(default="everyone", json_schema_extra={"enum": list(POPULATIONS)})

    @field_validator("pathway", "from_place")
    @classmethod
    def _ids(cls, value: str | None) -> str | None:
        return None if value is None else _id(value)

    @field_validator("date")
    @classmethod
    def _when(cls, value: dt.date) -> dt.date:
        return _date(value)

    @field_validator("population")
    @classmethod
    def _population(cls, value: str) -> str:
        if value not in POPULATIONS:
            raise ValueError(f"unknown population {value!r}; known: {', '.join(POPULATIONS)}")
        return value


class RumourIn(BaseModel):
    """A rumour heard: its topic, where and when; never who said it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    topic: str = Field(json_schema_extra={"enum": list(RUMOUR_TOPICS)})
    country: str = Field(json_schema_extra={"pattern": "^[A-Z]{2}$"})
    admin1: str | None = Field(default=None, min_length=1, max_length=100)
    date: dt.date

    @field_validator("topic")
    @classmethod
    def _topic(cls, value: str) -> str:
        if value not in RUMOUR_TOPICS:
            raise ValueError(f"unknown topic {value!r}; known: {', '.join(RUMOUR_TOPICS)}")
        return value

    @field_validator("country")
    @classmethod
    def _country(cls, value: str) -> str:
        return str(PlaceProperties._country(value))

    @field_validator("date")
    @classmethod
    def _when(cls, value: dt.date) -> dt.date:
        return _date(value)


@dataclass(frozen=True)
class ReferralRow:
    """A referral log as stored."""

    pathway: str
    need: str
    country: str
    area: str
    month: str
    population: str
    to_step: str


@dataclass(frozen=True)
class RumourRow:
    """A rumour as stored."""

    topic: str
    country: str
    area: str
    week: str


def parse(model: type[BaseModel], body: Any) -> Any:
    """``body`` read as ``model``, every problem named.

    Raises
    ------
    RegistryValidationError
    """
    if not isinstance(body, dict):
        raise RegistryValidationError(
            [{"index": None, "id": None, "field": "body", "message": "must be a JSON object"}]
        )
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        problems = [
            {
                "index": None,
                "id": None,
                "field": ".".join(str(p) for p in e["loc"]) or "body",
                "message": (
                    f"unknown field: only {', '.join(model.model_fields)} are kept (never a "
                    "name or a note about a person)"
                    if e["type"] == "extra_forbidden"
                    else e["msg"].removeprefix("Value error, ")
                ),
            }
            for e in exc.errors()
        ]
        raise RegistryValidationError(problems) from None


def rumour_row(entry: RumourIn) -> RumourRow:
    """What the store keeps of a rumour: the topic, the country and area, the week."""
    week = entry.date - timedelta(days=entry.date.weekday())
    return RumourRow(entry.topic, entry.country, entry.admin1 or "", week.isoformat())
