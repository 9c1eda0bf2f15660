"""5W activity monitoring: duplication of effort, gaps, and people reached vs within reach.

On a set of :class:`~geomap.coverage.fivew.Activity` rows:

* **overlaps** — the same sector in the same admin2 and month by two or more implementing
  organizations (possible duplication of human and financial effort);
* **gaps** — admin2 areas with need (people, from a demand layer) and no activity of a sector
  in a month;
* **reach** — people reached (the 5W counts, per group and sex/age band) against people within
  walking time of a place offering that sector's service (from coverage reports), per area,
  sector and month.

Outputs: tidy rows (CSV, HXL with :data:`ROW_TAGS`), and GeoJSON (an area is drawn as the union
of its demand cells; overlaps also list the linked places).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from geomap.coverage.fivew import Activity, normalise
from geomap.coverage.groups import SEX_AGE, TOTAL
from routing.safe import Site

if TYPE_CHECKING:
    from geomap.coverage.report import CoverageReport

#: R4V sectors (normalised names) to the registry's service codes.
SECTOR_SERVICES: dict[str, tuple[str, ...]] = {
    "food security": ("food",),
    "food": ("food",),
    "health": ("first_aid_health", "psychosocial_support"),
    "humanitarian transportation": ("humanitarian_transport",),
    "integration": ("integration_employment",),
    "multipurpose cash based interventions": ("cash_assistance",),
    "multipurpose cash": ("cash_assistance",),
    "protection": ("legal_documentation", "information_orientation"),
    "child protection": ("child_protection",),
    "gender based violence": ("protection_gbv_referral",),
    "gbv": ("protection_gbv_referral",),
    "shelter": ("overnight_shelter",),
    "wash": ("water_sanitation",),
    "water sanitation and hygiene": ("water_sanitation",),
    "communication with communities": ("information_orientation", "connectivity"),
}

#: 5W reached columns compared with demand columns: (5W column, demand columns summed).
REACH_COLUMNS = ("reached", "in_destination", "in_transit", "pendular", "returnees",
                 "host_community", "female_0_17", "male_0_17", "female_18_plus",
                 "male_18_plus")  # fmt: skip

#: Tidy output columns and their HXL hashtags.
ROW_TAGS: tuple[tuple[str, str], ...] = (
    ("kind", "#meta+kind"),
    ("country", "#country+name"),
    ("admin1", "#adm1+name"),
    ("admin2", "#adm2+name"),
    ("area", "#adm2+code"),
    ("sector", "#sector"),
    ("service", "#sector+service"),
    ("month", "#date+month"),
    ("organizations", "#org+impl+list"),
    ("activities", "#activity+num"),
    ("places", "#loc+id+list"),
    ("group", "#meta+group"),
    ("need", "#inneed"),
    ("reached", "#reached"),
    ("within_walk", "#reached+potential+walk"),
    ("ratio", "#indicator+ratio+reached"),
    ("note", "#meta+note"),
)


def sector_services(sector: str) -> tuple[str, ...]:
    """Service codes of a sector (by its normalised name; a service code stands for itself)."""
    key = normalise(sector).replace("#sector", "").strip()
    if key in SECTOR_SERVICES:
        return SECTOR_SERVICES[key]
    return (sector,) if "_" in sector or sector.isidentifier() else ()


@dataclass
class Overlap:
    """One sector in one area and month by several implementing organizations."""

    area: str
    sector: str
    month: str
    organizations: list[str]
    rows: list[int]
    reached: float
    places: list[str] = field(default_factory=list)


@dataclass
class Gap:
    """An area with need and no activity of a sector in a month."""

    area: str
    sector: str
    month: str
    need: float


@dataclass
class Reach:
    """People reached against people within walking time, for one area, sector, month, group."""

    area: str
    sector: str
    month: str
    group: str
    reached: float
    within_walk: float | None

    @property
    def ratio(self) -> float | None:
        """Reached over within walking time (None when unknown or zero)."""
        if not self.within_walk:
            return None
        return self.reached / self.within_walk


def overlaps(
    activities: Sequence[Activity], places: Mapping[int, Site] | None = None
) -> list[Overlap]:
    """Area × sector × month cells with two or more implementing organizations."""
    cells: dict[tuple[str, str, str], list[Activity]] = {}
    for a in activities:
        cells.setdefault((a.area, normalise(a.sector), a.month), []).append(a)
    out = []
    for (area, _, month), acts in sorted(cells.items()):
        orgs = sorted({a.implementing_org for a in acts})
        if len(orgs) < 2:
            continue
        linked = sorted({places[a.row].id for a in acts if places and a.row in places})
        out.append(
            Overlap(
                area,
                acts[0].sector,
                month,
                orgs,
                [a.row for a in acts],
                sum(a.reached.get("reached", 0.0) for a in acts),
                linked,
            )
        )
    return out


def gaps(
    activities: Sequence[Activity],
    need: Mapping[str, float],
    *,
    sectors: Iterable[str] | None = None,
    months: Iterable[str] | None = None,
) -> list[Gap]:
    """Areas with need (> 0) and no activity of a sector in a month.

    Sectors and months default to those found in the table.
    """
    seen = {(a.area, normalise(a.sector), a.month) for a in activities}
    names = {normalise(a.sector): a.sector for a in activities}
    for s in sectors or ():
        names.setdefault(normalise(s), s)
    wanted = [normalise(s) for s in sectors] if sectors is not None else sorted(names)
    month_list = sorted(set(months) if months is not None else {a.month for a in activities})
    return [
        Gap(area, names[s], m, float(people))
        for area, people in sorted(need.items())
        if people > 0
        for s in wanted
        for m in month_list
        if (area, s, m) not in seen
    ]


def reach(
    activities: Sequence[Activity],
    within: Mapping[tuple[str, str], Mapping[str, float]],
) -> list[Reach]:
    """People reached (5W) vs within walking time, per area, sector, month and group.

    ``within`` maps ``(area, service)`` to people within walking time per demand column
    (see :func:`within_walk`); a sector's figure is the largest over its services.
    """
    sums: dict[tuple[str, str, str], dict[str, float]] = {}
    names: dict[str, str] = {}
    for a in activities:
        key = (a.area, normalise(a.sector), a.month)
        names[key[1]] = a.sector
        got = sums.setdefault(key, {})
        for c, v in a.reached.items():
            got[c] = got.get(c, 0.0) + v
    out = []
    for (area, s, month), got in sorted(sums.items()):
        services = sector_services(names[s])
        for group in REACH_COLUMNS:
            if group not in got:
                continue
            walk = [
                band_people(within[(area, svc)], group) for svc in services if (area, svc) in within
            ]
            found = [w for w in walk if w is not None]
            out.append(Reach(area, names[s], month, group, got[group],
                             max(found) if found else None))  # fmt: skip
    return out


def band_people(columns: Mapping[str, float], group: str) -> float | None:
    """People of a 5W group from demand columns (sex/age bands summed into wider bands)."""
    name = TOTAL if group == "reached" else group
    if name in columns:
        return float(columns[name])
    m = SEX_AGE.match(group)
    if not m:
        return None
    sex, lo = m.group(1), int(m.group(2))
    hi = float("inf") if m.group(3) == "plus" else int(m.group(3))
    parts = []
    for c, v in columns.items():
        n = SEX_AGE.match(c)
        if not n or n.group(1) != sex:
            continue
        clo = int(n.group(2))
        chi = float("inf") if n.group(3) == "plus" else int(n.group(3))
        if lo <= clo and chi <= hi:
            parts.append(float(v))
    return sum(parts) if parts else None


def area_need(report: CoverageReport) -> dict[str, float]:
    """People per admin area of a coverage report's demand layer."""
    out: dict[str, float] = {}
    for area, pop in zip(report.demand.areas, report.demand.population.tolist(), strict=True):
        if area:
            out[area] = out.get(area, 0.0) + pop
    return out


def within_walk(report: CoverageReport) -> dict[tuple[str, str], dict[str, float]]:
    """``{(area, service): {column: people within walking time}}`` from a coverage report."""
    out: dict[tuple[str, str], dict[str, float]] = {}
    for service, rep in report.services.items():
        for column, s in rep.columns.items():
            for area, a in s.get("by_area", {}).items():
                if area:
                    out.setdefault((area, service), {})[column] = float(a["covered"])
    return out
