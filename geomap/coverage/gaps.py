"""Corridor gaps as a GeoJSON layer: stretches of a way with no place near, and the places.

The computation is :func:`routing.corridor_gaps.corridor_gaps`; uncovered *areas* (H3 cells
beyond the time standard) are :func:`geomap.coverage.layers.uncovered_area`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from geomap.coverage.layers import collection, feature
from routing.corridor_gaps import CorridorGap, corridor_gaps, cut_line, line_metres
from routing.network import Network
from routing.safe import Site

FloatArray = npt.NDArray[np.float64]


def gap_layer(
    network: Network,
    coords: Sequence[Sequence[float]] | FloatArray,
    sites: Sequence[Site],
    service: str,
    *,
    within_m: float,
    min_gap_km: float,
    length_m: float | None = None,
) -> tuple[list[CorridorGap], dict[str, Any]]:
    """Corridor gaps (see :func:`routing.corridor_gaps.corridor_gaps`) and a GeoJSON layer of them.

    The layer has one LineString per gap (the stretch of the way) with ``start_km``,
    ``end_km`` and ``length_km``, and one Point per place found near the way with ``at_km``.
    """
    gaps, found = corridor_gaps(
        network, coords, sites, service, within_m=within_m, min_gap_km=min_gap_km,
        length_m=length_m,
    )  # fmt: skip
    xy = np.asarray(coords, dtype=np.float64).reshape(-1, 2)
    geodesic_m = float(line_metres(xy)[-1])
    scale = geodesic_m / length_m if length_m else 1.0
    features = []
    for i, g in enumerate(gaps, start=1):
        piece = cut_line(xy, g.start_km * 1000.0 * scale, g.end_km * 1000.0 * scale)
        features.append(
            feature(
                f"gap-{i}",
                {"type": "LineString", "coordinates": np.round(piece, 7).tolist()},
                {
                    "kind": "gap",
                    "service": service,
                    "start_km": round(g.start_km, 3),
                    "end_km": round(g.end_km, 3),
                    "length_km": round(g.length_km, 3),
                },
            )
        )
    by_id = {s.id: s for s in sites}
    for r in found:
        s = by_id[r["id"]]
        features.append(
            feature(
                f"place-{r['id']}",
                {"type": "Point", "coordinates": [s.lon, s.lat]},
                {
                    "kind": "place",
                    "service": service,
                    "id": r["id"],
                    "name": r["name"],
                    "at_km": round(r["at_km"], 3),
                    "distance_m": round(r["distance_m"], 1),
                },
            )
        )
    return gaps, collection(features)
