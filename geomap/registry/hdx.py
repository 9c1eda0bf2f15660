"""HDX dataset metadata for an HXL export of the registry.

The fields are those HDX requires of a dataset (``name``, ``title``, ``notes``,
``dataset_source``, ``owner_org``, ``maintainer``, ``dataset_date``, ``data_update_frequency``,
``groups``, ``license_id``, ``methodology``, ``tags``, ``private``) plus ``caveats``,
``subnational`` and the resource. ``groups`` are the lower-case ISO3 codes of the countries the
records are in; ``dataset_date`` spans their verification dates. ``owner_org`` and
``maintainer`` are HDX identifiers only the publisher knows: they stay ``null`` until given.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from geomap.registry.fields import alpha3
from geomap.registry.store import Record
from geomap.registry.vocab import SECTORS, SERVICES

TITLE = "Support spaces for refugees and migrants from Venezuela"
TAGS = ("refugees", "migration", "facilities-infrastructure", "geodata", "hxl")
#: HDX's "Registry" methodology; updates are expected every month.
METHODOLOGY = "Registry"
UPDATE_DAYS = "30"


def _span(days: Sequence[date], today: date) -> str:
    start = min(days) if days else today
    end = max(*days, today) if days else today
    return f"[{start.isoformat()}T00:00:00 TO {end.isoformat()}T23:59:59]"


def metadata(
    records: Sequence[Record],
    *,
    resource: str,
    today: date,
    organization: str | None = None,
    maintainer: str | None = None,
    license_id: str = "cc-by",
) -> dict[str, Any]:
    """The HDX dataset metadata of the places exported to ``resource``."""
    countries = sorted({r.properties.get("country", "") for r in records} - {""})
    days = []
    for r in records:
        text = r.properties.get("verified_at")
        if text:
            days.append(date.fromisoformat(text))
    sectors = sorted(
        {SERVICES[s].sector for r in records for s in r.properties.get("services", [])}
    )
    subnational = any(
        r.properties.get("admin1") or r.properties.get("admin1_pcode") for r in records
    )
    samples = sum(1 for r in records if r.properties.get("sample"))
    caveats = [
        "Places change: check the verification status (fresh, due, stale) and verified_at of "
        "each place before relying on it.",
        "Restricted records (safe houses) are never exported; contact data is left out.",
    ]
    if samples:
        caveats.append(
            f"{samples} record(s) are illustrative samples (sample = yes), not services."
        )
    return {
        "name": "support-spaces-" + "-".join(c.lower() for c in map(alpha3, countries)),
        "title": TITLE,
        "notes": (
            "Support spaces, information points and service points for refugees and migrants "
            "in transit: who runs them, which services they offer (by humanitarian sector), to "
            "whom and when. One row per place and service, HXL-tagged."
        ),
        "dataset_source": "geomap registry (mapping officers' verified records)",
        "owner_org": organization,
        "maintainer": maintainer,
        "private": False,
        "dataset_date": _span(days, today),
        "data_update_frequency": UPDATE_DAYS,
        "groups": [{"name": alpha3(c).lower()} for c in countries],
        "license_id": license_id,
        "methodology": METHODOLOGY,
        "methodology_other": None,
        "caveats": " ".join(caveats),
        "subnational": "1" if subnational else "0",
        "tags": [{"name": t} for t in TAGS],
        "sectors": [{"code": s, "name": SECTORS[s]} for s in sectors if s in SECTORS],
        "resources": [
            {
                "name": resource,
                "format": "CSV",
                "description": "HXL-tagged CSV, one row per place and service (no contact data)",
            }
        ],
    }
