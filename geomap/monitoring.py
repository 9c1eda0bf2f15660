"""Monitoring, end to end: referrals and rumours recorded by partners, reports published.

Recording reduces an entry (:mod:`geomap.registry.monitoring`) to what reports need before the
store sees it: a referral keeps its pathway, need, country, area (admin1 of the place it was
made from, else of the pathway), month, population group and step; a rumour its topic,
country, area and week. The pathway must be one the recorder may see, and the step one of its
steps, so a log cannot reveal or invent a hidden pathway. Reports count per cell and suppress
counts under 5 (:mod:`geomap.reports`); the referral report keeps the pathways its reader may
see, the rumour report names the messages (in force, visible to the reader) answering each
topic.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from geomap.errors import NotFoundError, RegistryValidationError
from geomap.messagebank import answers_by_topic
from geomap.registry.access import Caller
from geomap.registry.exports import iter_records
from geomap.registry.messages import RUMOUR_TOPICS
from geomap.registry.monitoring import (
    ReferralLogIn,
    ReferralRow,
    RumourIn,
    parse,
    rumour_row,
)
from geomap.registry.store import RegistryStore
from geomap.reports import Table, referral_report, rumour_report

PATHWAYS = "referral_pathways"
PLACES = "places"


def _invalid(field: str, message: str) -> RegistryValidationError:
    return RegistryValidationError(
        [{"index": None, "id": None, "field": field, "message": message}], message
    )


def referral_row(store: RegistryStore, entry: ReferralLogIn, caller: Caller) -> ReferralRow:
    """What the store keeps of a referral made.

    Raises
    ------
    NotFoundError
        For a pathway or place the caller may not see (the same as an unknown one).
    RegistryValidationError
        For a step that is not one of the pathway's.
    """
    pathway = store.get(PATHWAYS, entry.pathway, caller)
    if pathway.retired:
        raise NotFoundError(f"no referral pathway {entry.pathway!r}")
    steps = [str(s.get("id")) for s in pathway.properties.get("steps", [])]
    if entry.to_step not in steps:
        raise _invalid(
            "to_step", f"pathway {entry.pathway!r} has no step {entry.to_step!r}; its steps: "
            + ", ".join(steps)
        )  # fmt: skip
    area = str(pathway.properties.get("area", {}).get("admin1") or "")
    if entry.from_place is not None:
        place = store.get(PLACES, entry.from_place, caller)
        area = str(place.properties.get("admin1") or area)
    return ReferralRow(
        pathway=pathway.id,
        need=str(pathway.properties["need"]),
        country=str(pathway.properties["country"]),
        area=area,
        month=entry.date.strftime("%Y-%m"),
        population=entry.population,
        to_step=entry.to_step,
    )


def record_referral(store: RegistryStore, body: Any, caller: Caller) -> ReferralRow:
    """Check a referral log (a JSON object), reduce it and keep it; returns what was kept."""
    row = referral_row(store, parse(ReferralLogIn, body), caller)
    store.record_referral(row, caller)
    return row


def record_rumour(store: RegistryStore, body: Any, caller: Caller) -> dict[str, str]:
    """Check a rumour (a JSON object: topic, country, admin1, date) and keep its reduction."""
    row = rumour_row(parse(RumourIn, body))
    store.record_rumour(row, caller)
    return {"topic": row.topic, "country": row.country, "area": row.area, "week": row.week}


def referrals_table(store: RegistryStore, caller: Caller, *, country: str | None) -> Table:
    """Referrals per pathway, area and month (pathways the caller may see), suppressed."""
    pathways = {r.id: r.properties for r in iter_records(store, PATHWAYS, caller)}
    return referral_report(store.referral_counts(country=country), pathways)


def rumours_table(
    store: RegistryStore, caller: Caller, *, country: str | None, today: date
) -> Table:
    """Rumours per country, area and week by topic, with the messages answering each."""
    answers = answers_by_topic(store, caller, country=country, today=today)
    labels = {code: term.es for code, term in RUMOUR_TOPICS.items()}
    return rumour_report(store.rumour_counts(country=country), answers, labels)
