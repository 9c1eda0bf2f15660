"""Builders of registry features, places and callers shared by the registry tests.

Coordinates are real places on the migration corridors, so the country check of
:func:`geomap.registry.validate.validate_place` passes for the country given.
"""

from __future__ import annotations

import copy
import sqlite3
from pathlib import Path
from typing import Any

from geomap.registry.access import Caller
from geomap.registry.validate import Place, validate_place

#: (longitude, latitude, ISO country) of well-known places.
CITIES: dict[str, tuple[float, float, str]] = {
    "bogota": (-74.0817, 4.6097, "CO"),
    "cucuta": (-72.5078, 7.8939, "CO"),
    "ipiales": (-77.6440, 0.8302, "CO"),
    "quito": (-78.4678, -0.1807, "EC"),
    "lima": (-77.0428, -12.0464, "PE"),
    "porto_alegre": (-51.2300, -30.0331, "BR"),
    "boa_vista": (-60.6733, 2.8235, "BR"),
    "caracas": (-66.9036, 10.4806, "VE"),
    "santiago": (-70.6483, -33.4569, "CL"),
}

#: Border posts that lie on (or a hair off) the generalized country outlines.
RUMICHACA = (-77.6656, 0.8161)  # bridge between Ipiales (CO) and Tulcán (EC)
PACARAIMA = (-61.1475, 4.4797)  # BR side of the Santa Elena de Uairén crossing (VE)

PARTNER = Caller("partner", name="partner-ngo")
OFFICER_CO = Caller("officer", frozenset({"CO"}), "officer-co")
OFFICER_BR = Caller("officer", frozenset({"BR"}), "officer-br")
ADMIN = Caller("admin", name="admin-1")


def properties(country: str = "CO", **overrides: Any) -> dict[str, Any]:
    """Minimal valid properties of a place in ``country``, with ``overrides`` applied."""
    props: dict[str, Any] = {
        "kind": "support_space",
        "name": {"es": "Espacio de apoyo"},
        "organizations": ["ACNUR"],
        "country": country,
        "services": ["information_orientation"],
    }
    props.update(overrides)
    return props


def feature(
    fid: Any = "p-1",
    where: str | tuple[float, float] = "bogota",
    *,
    country: str | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """A valid GeoJSON Feature at a city (or a lon/lat pair), with property ``overrides``."""
    if isinstance(where, str):
        lon, lat, city_country = CITIES[where]
    else:
        (lon, lat), city_country = where, "CO"
    out: dict[str, Any] = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": properties(country or city_country, **overrides),
    }
    if fid is not None:
        out["id"] = fid
    return out


def full_feature(fid: str = "full-1") -> dict[str, Any]:
    """A feature using every field of the data model."""
    return feature(
        fid,
        "cucuta",
        kind="service_point",
        name={"es": "Punto de atención", "pt": "Ponto de atendimento", "en": "Service point"},
        organizations=["ACNUR", "OIM", "Cruz Roja Colombiana"],
        admin1="Norte de Santander",
        admin1_pcode="CO54",
        admin2="Cúcuta",
        admin2_pcode="CO54001",
        services=["food", "water_sanitation", "connectivity", "legal_documentation"],
        opening_hours="Mo-Fr 08:00-17:00; Sa 08:00-12:00; PH off",
        languages=["es", "en", "pt"],
        populations=["everyone", "women", "children_adolescents"],
        wheelchair="limited",
        contact={
            "phone": "+576075940000",
            "whatsapp": "+573001234567",
            "email": "info@example.org",
            "website": "https://example.org/punto",
        },
        capacity=250,
        status="temporarily_closed",
        visibility="partners",
        verified_at="2024-05-17",
        verified_by="Monitoring team",
        source="R4V mapping 2024",
        sample=True,
    )


def place(fid: str = "p-1", where: str | tuple[float, float] = "bogota", **overrides: Any) -> Place:
    """A validated :class:`Place` (see :func:`feature`)."""
    return validate_place(feature(fid, where, **overrides))


def collection(*features: dict[str, Any]) -> dict[str, Any]:
    """A FeatureCollection of deep copies of ``features``."""
    return {"type": "FeatureCollection", "features": [copy.deepcopy(f) for f in features]}


def table_rows(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every registry table, read on a separate connection (for equality checks)."""
    db = sqlite3.connect(path)
    try:
        return {
            table: sorted(db.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
            for table in ("meta", "records", "records_rtree", "versions", "tokens")
        }
    finally:
        db.close()
