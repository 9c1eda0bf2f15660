"""Monitoring rows for the SQL stores: referrals made and rumours heard, with no personal data.

The stores keep exactly the reduced rows of :mod:`geomap.registry.monitoring` (a referral's
pathway, need, country, area, month, population group and step; a rumour's topic, country,
area and week): no name, no free text, no place of origin, no day, no recorder. They never
serve raw rows, only counts per cell, which :mod:`geomap.reports` suppresses under 5.
"""

from __future__ import annotations

from geomap.errors import PermissionDeniedError
from geomap.registry.access import Caller
from geomap.registry.monitoring import ReferralRow, RumourRow
from geomap.registry.store.writes import SQLWrites

#: Roles that may record monitoring rows.
RECORDERS = ("partner", "officer", "admin")


def _may_record(caller: Caller, what: str) -> None:
    if caller.role not in RECORDERS:
        raise PermissionDeniedError(f"{what} are recorded by partners, officers and admins only")


class MonitoringMixin(SQLWrites):
    """Referral logs and rumours for the SQL stores."""

    def record_referral(self, row: ReferralRow, caller: Caller) -> None:
        """Keep one referral made (already reduced to what the reports need).

        Raises
        ------
        PermissionDeniedError
            For anonymous callers.
        """
        _may_record(caller, "referrals")
        with self._transaction("monitoring") as cur:
            cur.run(
                "INSERT INTO referral_logs (pathway, need, country, area, month, population, "
                "to_step) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (row.pathway, row.need, row.country, row.area, row.month, row.population,
                 row.to_step),
            )  # fmt: skip

    def record_rumour(self, row: RumourRow, caller: Caller) -> None:
        """Keep one rumour heard (topic, country, area, week).

        Raises
        ------
        PermissionDeniedError
            For anonymous callers.
        """
        _may_record(caller, "rumours")
        with self._transaction("monitoring") as cur:
            cur.run(
                "INSERT INTO rumours (topic, country, area, week) VALUES (?, ?, ?, ?)",
                (row.topic, row.country, row.area, row.week),
            )

    def referral_counts(
        self, *, country: str | None = None
    ) -> list[tuple[str, str, str, str, str, int]]:
        """``(pathway, country, area, month, population, count)`` per cell (unsuppressed).

        Callers publish these through :func:`geomap.reports.referral_report` only, which
        keeps the pathways the reader may see and suppresses small counts.
        """
        where, args = ("WHERE country = ?", [country]) if country else ("", [])
        with self._reading() as cur:
            rows = cur.all(
                "SELECT pathway, country, area, month, population, count(*) AS n "
                f"FROM referral_logs {where} GROUP BY pathway, country, area, month, population "
                "ORDER BY pathway, country, area, month, population",
                args,
            )
        return [
            (r["pathway"], r["country"], r["area"], r["month"], r["population"], int(r["n"]))
            for r in rows
        ]

    def rumour_counts(self, *, country: str | None = None) -> list[tuple[str, str, str, str, int]]:
        """``(country, area, week, topic, count)`` per cell (unsuppressed; see above)."""
        where, args = ("WHERE country = ?", [country]) if country else ("", [])
        with self._reading() as cur:
            rows = cur.all(
                "SELECT country, area, week, topic, count(*) AS n "
                f"FROM rumours {where} GROUP BY country, area, week, topic "
                "ORDER BY country, area, week, topic",
                args,
            )
        return [(r["country"], r["area"], r["week"], r["topic"], int(r["n"])) for r in rows]
