"""The 5W monitoring report: overlaps, gaps and reach as tidy CSV, HXL and GeoJSON.

:func:`monitor` is the entry point: it links activities to registry places, finds the overlaps,
the gaps (against the need of one or more coverage reports' demand) and the reach figures
(against their people within walking time), and returns an :class:`ActivityReport`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from geomap.coverage import activities as act
from geomap.coverage.fivew import Activity, link_places
from geomap.coverage.layers import collection, feature
from geomap.coverage.tables import ILLUSTRATIVE_NOTE, csv_text, write_text
from routing.safe import Site

if TYPE_CHECKING:
    from geomap.coverage.report import CoverageReport


@dataclass
class ActivityReport:
    """What the 5W says against where people are and what they can reach on foot."""

    activities: list[Activity]
    places: dict[int, Site]
    overlaps: list[act.Overlap]
    gaps: list[act.Gap]
    reach: list[act.Reach]
    area_shapes: dict[str, Any] = field(default_factory=dict)
    illustrative: bool = False

    def _names(self) -> dict[str, tuple[str, str, str]]:
        return {a.area: (a.country, a.admin1, a.admin2) for a in self.activities}

    def rows(self) -> list[dict[str, Any]]:
        """Tidy rows: one per overlap, per gap and per reach figure (area, sector, month, group)."""
        names = self._names()
        note = ILLUSTRATIVE_NOTE if self.illustrative else ""

        def base(kind: str, area: str, sector: str, month: str) -> dict[str, Any]:
            country, admin1, admin2 = names.get(area, ("", "", ""))
            return {
                "kind": kind, "country": country, "admin1": admin1, "admin2": admin2,
                "area": area, "sector": sector,
                "service": ",".join(act.sector_services(sector)), "month": month,
                "note": note,
            }  # fmt: skip

        out = []
        for o in self.overlaps:
            out.append(
                {
                    **base("overlap", o.area, o.sector, o.month),
                    "organizations": "; ".join(o.organizations),
                    "activities": len(o.rows),
                    "places": "; ".join(o.places),
                    "group": "reached",
                    "reached": o.reached,
                }
            )
        for g in self.gaps:
            out.append({**base("gap", g.area, g.sector, g.month), "need": g.need,
                        "activities": 0, "group": "population"})  # fmt: skip
        for r in self.reach:
            ratio = r.ratio
            out.append(
                {
                    **base("reach", r.area, r.sector, r.month),
                    "group": r.group,
                    "reached": r.reached,
                    "within_walk": "" if r.within_walk is None else r.within_walk,
                    "ratio": "" if ratio is None else round(ratio, 6),
                }
            )
        return out

    def csv_text(self, *, hxl: bool = False) -> str:
        """The tidy rows as CSV (with the HXL hashtag row if ``hxl``)."""
        return csv_text(self.rows(), hxl=hxl, columns=act.ROW_TAGS)

    def write_csv(self, path: str | os.PathLike[str], *, hxl: bool = False) -> Path:
        """Write :meth:`csv_text` atomically."""
        return write_text(path, self.csv_text(hxl=hxl))

    def geojson(self) -> dict[str, Any]:
        """One feature per row: the area's cells (union), or the overlap's linked places."""
        import shapely.geometry

        by_id = {s.id: s for s in self.places.values()}
        features = []
        for k, row in enumerate(self.rows()):
            shape = self.area_shapes.get(row["area"])
            geometry = shapely.geometry.mapping(shape) if shape is not None else None
            if row["kind"] == "overlap" and row.get("places"):
                pts = [by_id[p] for p in row["places"].split("; ") if p in by_id]
                geometry = {"type": "MultiPoint",
                            "coordinates": [[s.lon, s.lat] for s in pts]}  # fmt: skip
            features.append(feature(f"{row['kind']}-{k}", geometry, row))
        return collection(
            features, {"illustrative": self.illustrative} if self.illustrative else None
        )

    def write(self, folder: str | os.PathLike[str]) -> list[Path]:
        """Write ``activities.csv``, ``activities_hxl.csv`` and ``activities.geojson``."""
        from geomap.io import write_json

        out = Path(folder)
        return [
            self.write_csv(out / "activities.csv"),
            self.write_csv(out / "activities_hxl.csv", hxl=True),
            write_json(out / "activities.geojson", self.geojson()),
        ]


def monitor(
    activities: Sequence[Activity],
    *,
    sites: Sequence[Site] = (),
    reports: Iterable[CoverageReport] = (),
    need: Mapping[str, float] | None = None,
    sectors: Iterable[str] | None = None,
    months: Iterable[str] | None = None,
    illustrative: bool | None = None,
) -> ActivityReport:
    """Overlaps, gaps and reach of a 5W table.

    Parameters
    ----------
    activities : sequence of Activity
        The 5W rows (:func:`geomap.coverage.fivew.read_activities`).
    sites : sequence of Site
        Registry places the activities may name.
    reports : iterable of CoverageReport
        Coverage reports whose demand areas are admin2 keys (P-codes): they give the need per
        area and the people within walking time per area, service and column.
    need : mapping, optional
        People per area (default: from ``reports``).
    sectors, months : iterable of str, optional
        What gaps are looked for (default: those of the table).
    illustrative : bool, optional
        Flag the outputs as illustrative (default: when any report's demand is).
    """
    from geomap.coverage import h3cells
    from geomap.coverage.layers import unit_cells

    reps = list(reports)
    wanted_need: dict[str, float] = dict(need or {})
    within: dict[tuple[str, str], dict[str, float]] = {}
    shapes: dict[str, Any] = {}
    counted: list[Any] = []
    for r in reps:
        if need is None and not any(r.demand is d for d in counted):
            counted.append(r.demand)  # each demand layer's people once, however many reports
            for area, people in act.area_need(r).items():
                wanted_need[area] = wanted_need.get(area, 0.0) + people
        within.update(act.within_walk(r))
        cells = unit_cells(r)
        if cells is not None:
            by_area: dict[str, list[str]] = {}
            for c, a in zip(cells, r.demand.areas, strict=True):
                if a:
                    by_area.setdefault(a, []).append(c)
            shapes.update({a: h3cells.cells_union(cs) for a, cs in by_area.items()})
    places = link_places(activities, sites)
    flag = (
        any(r.demand.meta.get("illustrative") for r in reps)
        if illustrative is None
        else illustrative
    )
    return ActivityReport(
        list(activities),
        places,
        act.overlaps(activities, places),
        act.gaps(activities, wanted_need, sectors=sectors, months=months),
        act.reach(activities, within),
        shapes,
        bool(flag),
    )
