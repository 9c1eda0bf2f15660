"""Illustrative demo data: population groups, an Aguascalientes sample, a 5W activity table.

Nothing here is real. Group, sex and age shares are drawn per H3 cell from fixed seeds around
plausible means, and every count column adds up exactly to the cell's total (largest-remainder
rounding). Files written from these functions carry an ``illustrative`` column (or
``sample: true`` properties) so every output built on them says so.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from geomap.coverage import h3cells
from geomap.coverage.groups import POPULATION_GROUPS, sex_age_columns

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Mean illustrative shares of the R4V population groups in a destination city.
GROUP_SHARES = {
    "in_destination": 0.06,
    "in_transit": 0.02,
    "pendular": 0.01,
    "returnees": 0.01,
    "host_community": 0.90,
}
#: Mean illustrative sex and age shares (female 0-17, 18-59, 60+, then male).
SEX_AGE_SHARES = (0.12, 0.31, 0.09, 0.125, 0.29, 0.065)


def split_counts(total: int, shares: Sequence[float] | FloatArray) -> IntArray:
    """Integers proportional to ``shares`` adding up exactly to ``total`` (largest remainder)."""
    s = np.asarray(shares, dtype=np.float64)
    raw = total * s / s.sum()
    base = np.floor(raw).astype(np.int64)
    left = int(total - base.sum())
    order = np.argsort(-(raw - base), kind="stable")
    base[order[:left]] += 1
    return np.asarray(base, dtype=np.int64)


def _cell_rng(cell: str, salt: int) -> np.random.Generator:
    return np.random.default_rng([int(cell, 16) % (2**32), salt])


def group_columns(
    cells: Sequence[str], population: Sequence[float] | FloatArray
) -> dict[str, IntArray]:
    """Illustrative group and sex/age counts per cell, each breakdown adding up to the total."""
    groups = list(POPULATION_GROUPS)
    sexage = list(sex_age_columns())
    out = {c: np.zeros(len(cells), dtype=np.int64) for c in groups + sexage}
    for i, (cell, pop) in enumerate(zip(cells, population, strict=True)):
        total = round(float(pop))
        g = _cell_rng(cell, 1).dirichlet([GROUP_SHARES[c] * 300 for c in groups])
        s = _cell_rng(cell, 2).dirichlet([x * 300 for x in SEX_AGE_SHARES])
        for c, v in zip(groups, split_counts(total, g), strict=True):
            out[c][i] = v
        for c, v in zip(sexage, split_counts(total, s), strict=True):
            out[c][i] = v
    return out


def write_group_layer(
    cells: Sequence[str],
    population: Sequence[float] | FloatArray,
    path: str | os.PathLike[str],
    *,
    areas: Sequence[str] | None = None,
) -> Path:
    """Write an H3-indexed CSV: ``id`` (cell), ``population``, groups, sex/age, flags."""
    from geomap.io import write_text

    cols = group_columns(cells, population)
    buffer = io.StringIO()
    w = csv.writer(buffer, lineterminator="\n")
    head = ["id", "population", *cols, "area", "illustrative"]
    w.writerow(head)
    for i, cell in enumerate(cells):
        w.writerow(
            [cell, round(float(population[i])), *(int(v[i]) for v in cols.values()),
             areas[i] if areas else "", "true"]
        )  # fmt: skip
    return write_text(path, buffer.getvalue())


def porto_alegre_groups(hexgrid: str | os.PathLike[str], path: str | os.PathLike[str]) -> Path:
    """The Porto Alegre group layer: the hexgrid's cells and totals with illustrative groups."""
    with Path(hexgrid).open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    cells = [r["id"] for r in rows]
    pop = [float(r["population"]) for r in rows]
    return write_group_layer(cells, pop, path, areas=["BR4314902"] * len(cells))


def network_population(
    network: Any, *, resolution: int = 9, people_per_node: float = 55.0
) -> tuple[list[str], FloatArray]:
    """Illustrative people per H3 cell, proportional to the street nodes in it."""
    cells = h3cells.point_cells(np.column_stack([network.node_lon, network.node_lat]), resolution)
    uniq, counts = np.unique(np.asarray(cells), return_counts=True)
    return [str(c) for c in uniq], np.round(counts * people_per_node).astype(np.float64)


#: The illustrative Aguascalientes places: (id suffix, node rank, services, hours, populations,
#: organization, capacity).
AGS_PLACES: tuple[tuple[str, float, tuple[str, ...], str | None, tuple[str, ...], str, int | None], ...] = (  # noqa: E501
    ("01", 0.10, ("information_orientation", "legal_documentation", "water_sanitation"),
     "Mo-Fr 08:00-18:00", ("everyone",), "Organización ilustrativa A (muestra)", None),
    ("02", 0.30, ("food", "water_sanitation", "overnight_shelter"), "Mo-Su 18:00-08:00",
     ("everyone",), "Organización ilustrativa B (muestra)", 40),
    ("03", 0.50, ("first_aid_health", "psychosocial_support"), "24/7", ("everyone",),
     "Organización ilustrativa C (muestra)", None),
    ("04", 0.55, ("food", "information_orientation"), "Mo-Sa 11:00-15:00", ("everyone",),
     "Organización ilustrativa A (muestra)", None),
    ("05", 0.70, ("protection_gbv_referral", "psychosocial_support"), "Mo-Fr 09:00-17:00",
     ("women",), "Organización ilustrativa D (muestra)", None),
    ("06", 0.85, ("child_protection", "water_sanitation"), "Tu-Su 09:00-17:00",
     ("children_adolescents",), "Organización ilustrativa B (muestra)", None),
    ("07", 0.92, ("cash_assistance", "information_orientation", "connectivity"), None,
     ("everyone",), "Organización ilustrativa C (muestra)", None),
)  # fmt: skip


def aguascalientes_registry(network: Any) -> dict[str, Any]:
    """Illustrative sample places on the Aguascalientes network (GeoJSON, ``sample: true``)."""
    order = np.lexsort((network.node_lat, network.node_lon))
    features = []
    for suffix, rank, services, hours, pops, org, cap in AGS_PLACES:
        node = int(order[int(rank * (len(order) - 1))])
        props: dict[str, Any] = {
            "kind": "service_point",
            "name": {
                "es": f"[MUESTRA] Punto de servicio {suffix} (muestra)",
                "pt": f"[AMOSTRA] Ponto de serviço {suffix} (amostra)",
                "en": f"[SAMPLE] Service point {suffix} (sample)",
            },
            "organizations": [org],
            "country": "MX",
            "admin1": "Aguascalientes",
            "admin2": "Aguascalientes",
            "services": list(services),
            "languages": ["es"],
            "populations": list(pops),
            "wheelchair": "unknown",
            "status": "active",
            "visibility": "public",
            "verified_at": "2026-11-01",
            "verified_by": "geomap sample generator",
            "source": "geomap illustrative sample data: not a real service",
            "sample": True,
        }
        if hours is not None:
            props["opening_hours"] = hours
        if cap is not None:
            props["capacity"] = cap
        features.append(
            {
                "type": "Feature",
                "id": f"sample-ags-{suffix}",
                "geometry": {
                    "type": "Point",
                    "coordinates": [
                        round(float(network.node_lon[node]), 7),
                        round(float(network.node_lat[node]), 7),
                    ],
                },
                "properties": props,
            }
        )
    return {
        "type": "FeatureCollection",
        "name": "geomap sample registry: Aguascalientes (ILLUSTRATIVE SAMPLE DATA)",
        "note": "Every record is illustrative sample data on street nodes. None is a real service.",
        "features": features,
    }


def write_aguascalientes(network: Any, folder: str | os.PathLike[str]) -> list[Path]:
    """Write ``sample_population_h3.csv`` and ``sample_registry.geojson`` for Aguascalientes."""
    from geomap.io import write_json

    cells, pop = network_population(network)
    out = Path(folder)
    return [
        write_group_layer(
            cells, pop, out / "sample_population_h3.csv", areas=["MX01001"] * len(cells)
        ),
        write_json(out / "sample_registry.geojson", aguascalientes_registry(network)),
    ]


def sites_of(fc: Mapping[str, Any], *, public_only: bool = True) -> list[Any]:
    """Sites of a registry FeatureCollection (public ones by default)."""
    from geomap.transit import site_from_properties

    return [
        site_from_properties(str(f["id"]), f["properties"], *f["geometry"]["coordinates"])
        for f in fc["features"]
        if not public_only or f["properties"].get("visibility", "public") == "public"
    ]


#: Admin2 areas of the demo: P-code -> (country, admin1, admin2, admin1 P-code).
DEMO_AREAS: dict[str, tuple[str, str, str, str]] = {
    "BR4314902": ("Brazil", "Rio Grande do Sul", "Porto Alegre", "BR43"),
    "MX01001": ("Mexico", "Aguascalientes", "Aguascalientes", "MX01"),
}
DEMO_ORGS = tuple(f"Organización ilustrativa {c} (muestra)" for c in "ABCDE")


def sample_activities(
    areas: Mapping[str, tuple[str, str, str, str]],
    sectors: Sequence[str],
    months: Sequence[str],
    *,
    overlaps: set[tuple[str, str, str]],
    gaps: set[tuple[str, str, str]],
    places: Mapping[str, Sequence[str]] | None = None,
    seed: int = 5,
) -> list[Any]:
    """An illustrative 5W table with exactly the given overlaps and gaps.

    Every (area, sector, month) not in ``gaps`` has activities: by two implementing
    organizations when in ``overlaps``, else by one. People reached are split over the groups
    and the sex/age bands of the 5W (each adding up to the total). ``places`` (area → place
    ids) makes some activities name a registry place.
    """
    from geomap.coverage.fivew import Activity

    rng = np.random.default_rng(seed)
    rows: list[Activity] = []
    line = 2
    for area, (country, admin1, admin2, pcode1) in areas.items():
        ids = list((places or {}).get(area, ()))
        for s, sector in enumerate(sectors):
            for month in months:
                key = (area, sector, month)
                if key in gaps:
                    continue
                orgs = DEMO_ORGS[s % 3 : s % 3 + (2 if key in overlaps else 1)]
                for k, org in enumerate(orgs):
                    total = int(rng.integers(50, 400))
                    groups = split_counts(total, [0.5, 0.2, 0.05, 0.05, 0.2])
                    bands = split_counts(total, [0.2, 0.2, 0.3, 0.3])
                    reached = {"reached": float(total)}
                    reached.update(
                        zip(
                            [
                                "in_destination",
                                "in_transit",
                                "pendular",
                                "returnees",
                                "host_community",
                            ],
                            map(float, groups),
                            strict=True,
                        )
                    )
                    reached.update(
                        zip(
                            ["female_0_17", "male_0_17", "female_18_plus", "male_18_plus"],
                            map(float, bands),
                            strict=True,
                        )
                    )
                    rows.append(
                        Activity(
                            row=line,
                            implementing_org=org,
                            sector=sector,
                            country=country,
                            admin2=admin2,
                            month=month,
                            appealing_org=DEMO_ORGS[-1],
                            indicator=f"{sector}: people assisted (illustrative)",
                            admin1=admin1,
                            admin1_pcode=pcode1,
                            admin2_pcode=area,
                            place_id=ids[(s + k) % len(ids)] if ids else "",
                            reached=reached,
                        )
                    )
                    line += 1
    return rows
