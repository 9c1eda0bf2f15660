"""Monitoring reports with small-number suppression: referrals made, rumours heard.

Counts come in **groups** (a pathway in an area in a month; a country and area in a week), each
split by a **category** (the population group referred; the rumour's topic), with the
group's total. Statistical disclosure control, as humanitarian data sharing does it:

* a count of 1 to 4 is shown as ``"<5"``; a count of 0 is not listed (no row);
* a group's total is shown only when none of its cells is suppressed: otherwise it is
  ``"suppressed"`` (with the total, a single ``"<5"`` cell could be recomputed by
  subtraction, and two cells summing to 2 or 8 would be known exactly); a total of 1 to 4 is
  ``"<5"`` itself;
* no total across groups is published, so no other sum can undo a suppression.

The same rows are written as JSON, CSV and HXL-tagged CSV (HXL values only where they are
numbers or text, never ``"<5"`` under a numeric hashtag: the counts go under ``#output``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

#: Counts below this are shown as :data:`SMALL`.
THRESHOLD = 5
SMALL = "<5"
#: A total withheld so that no suppressed cell can be recomputed.
WITHHELD = "suppressed"
TOTAL = "total"

Count = int | str


def shown(count: int, *, threshold: int = THRESHOLD) -> Count:
    """A count as published: itself, or ``"<5"`` for 1 to 4."""
    return SMALL if 0 < count < threshold else count


def suppress(
    counts: Mapping[tuple[tuple[str, ...], str], int], *, threshold: int = THRESHOLD
) -> list[tuple[tuple[str, ...], str, Count]]:
    """Published cells and totals: ``(group, category or "total", count as published)``.

    Parameters
    ----------
    counts : mapping
        ``{(group, category): count}``; zero counts are left out.
    threshold : int
        Counts from 1 to ``threshold - 1`` are suppressed.

    Returns
    -------
    list
        Per group (sorted), its categories (sorted) then its total.
    """
    groups: dict[tuple[str, ...], dict[str, int]] = {}
    for (group, category), count in counts.items():
        if count > 0:
            cells = groups.setdefault(group, {})
            cells[category] = cells.get(category, 0) + count
    out: list[tuple[tuple[str, ...], str, Count]] = []
    for group in sorted(groups):
        cells = groups[group]
        any_small = False
        for category in sorted(cells):
            value = shown(cells[category], threshold=threshold)
            any_small |= value == SMALL
            out.append((group, category, value))
        total = sum(cells.values())
        if total < threshold:
            out.append((group, TOTAL, SMALL))
        else:
            out.append((group, TOTAL, WITHHELD if any_small else total))
    return out


def week_start(day: date) -> date:
    """The Monday of the ISO week of ``day``."""
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class Table:
    """A published report: column names, their HXL hashtags, and the rows."""

    columns: tuple[str, ...]
    hashtags: tuple[str, ...]
    rows: list[dict[str, Any]]
    notes: str

    def json(self) -> dict[str, Any]:
        """The report as JSON: rows and how to read them."""
        return {
            "rows": self.rows,
            "suppression": {
                "threshold": THRESHOLD,
                "small": SMALL,
                "withheld": WITHHELD,
                "rule": (
                    f"counts from 1 to {THRESHOLD - 1} are shown as '{SMALL}'; a group's total "
                    f"is '{WITHHELD}' when one of its counts is; zero counts are not listed; "
                    "there are no totals across groups"
                ),
            },
            "notes": self.notes,
        }

    def csv(self, *, hxl: bool = False) -> str:
        """The report as CSV (with the HXL hashtag row under the header when ``hxl``)."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(self.columns)
        if hxl:
            writer.writerow(self.hashtags)
        for row in self.rows:
            writer.writerow(["" if row.get(c) is None else row[c] for c in self.columns])
        return buffer.getvalue()

    def render(self, fmt: str) -> tuple[str | dict[str, Any], str]:
        """``(body, media type)`` for ``json``, ``csv`` or ``hxl``."""
        if fmt == "json":
            return self.json(), "application/json"
        return self.csv(hxl=fmt == "hxl"), "text/csv; charset=utf-8"


def _alpha3(code: str) -> str:
    import pycountry

    country = pycountry.countries.get(alpha_2=code)
    return str(country.alpha_3) if country is not None else code


REFERRAL_COLUMNS = (
    ("pathway", "#activity+code"),
    ("pathway_name", "#activity+name"),
    ("need", "#service+code"),
    ("country", "#country+code"),
    ("area", "#adm1+name"),
    ("month", "#date+month"),
    ("population", "#beneficiary+code"),
    ("referrals", "#output+referrals"),
)


def referral_report(
    counts: Iterable[tuple[str, str, str, str, str, int]],
    pathways: Mapping[str, dict[str, Any]],
) -> Table:
    """Referrals per pathway, area and month, by population group, suppressed.

    Parameters
    ----------
    counts : iterable
        ``(pathway id, country, area, month YYYY-MM, population, count)`` rows.
    pathways : mapping
        The properties of every pathway the reader may see, by id; rows of other pathways
        are left out entirely.
    """
    cells: dict[tuple[tuple[str, ...], str], int] = {}
    for pathway, country, area, month, population, count in counts:
        if pathway in pathways:
            key = ((pathway, country, area, month), population)
            cells[key] = cells.get(key, 0) + int(count)
    rows = []
    for (pathway, country, area, month), population, value in suppress(cells):
        p = pathways[pathway]
        name = p.get("name", {})
        rows.append({
            "pathway": pathway,
            "pathway_name": name.get("es") or next(iter(name.values()), ""),
            "need": p.get("need", ""),
            "country": _alpha3(country),
            "area": area,
            "month": month,
            "population": population,
            "referrals": value,
        })  # fmt: skip
    return Table(
        tuple(c for c, _ in REFERRAL_COLUMNS),
        tuple(t for _, t in REFERRAL_COLUMNS),
        rows,
        "Referrals recorded by partners (no personal data), per pathway, area and month.",
    )


RUMOUR_COLUMNS = (
    ("country", "#country+code"),
    ("area", "#adm1+name"),
    ("week_starting", "#date+week_start"),
    ("topic", "#meta+topic+code"),
    ("topic_label", "#meta+topic+name"),
    ("rumours", "#output+rumours"),
    ("answered_by", "#meta+messages"),
)


def rumour_report(
    counts: Iterable[tuple[str, str, str, str, int]],
    answers: Mapping[str, Sequence[str]],
    labels: Mapping[str, str],
) -> Table:
    """Rumours heard per country, area and week, by topic, suppressed.

    Parameters
    ----------
    counts : iterable
        ``(country, area, week start YYYY-MM-DD, topic, count)`` rows.
    answers : mapping
        The ids of the messages (the reader may see) answering each topic.
    labels : mapping
        The label of each topic.
    """
    cells: dict[tuple[tuple[str, ...], str], int] = {}
    for country, area, week, topic, count in counts:
        key = ((country, area, week), topic)
        cells[key] = cells.get(key, 0) + int(count)
    rows = []
    for (country, area, week), topic, value in suppress(cells):
        rows.append({
            "country": _alpha3(country),
            "area": area,
            "week_starting": week,
            "topic": topic,
            "topic_label": labels.get(topic, "") if topic != TOTAL else "",
            "rumours": value,
            "answered_by": " ".join(answers.get(topic, ())) if topic != TOTAL else "",
        })  # fmt: skip
    return Table(
        tuple(c for c, _ in RUMOUR_COLUMNS),
        tuple(t for _, t in RUMOUR_COLUMNS),
        rows,
        "Rumours heard by partners (no source person), per country, area and ISO week, with "
        "the messages of the bank that answer each topic.",
    )
