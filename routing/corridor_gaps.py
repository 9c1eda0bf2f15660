"""Corridor gaps: stretches of a way with no place offering a service near it.

Pure computation on a lon/lat line and a set of places; the GeoJSON layer built on it is
:func:`geomap.coverage.gaps.gap_layer`'s job.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np
import numpy.typing as npt

from routing.coverage import offering
from routing.geodesy import cumulative_m, wgs84
from routing.network import Network
from routing.safe import Site

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class CorridorGap:
    """A stretch of a way with no place offering a service near it."""

    start_km: float
    end_km: float

    @property
    def length_km(self) -> float:
        """Length of the gap."""
        return self.end_km - self.start_km


def line_metres(coords: Sequence[Sequence[float]] | FloatArray) -> FloatArray:
    """Cumulative geodesic length (WGS 84) at every vertex of a lon/lat line, in metres."""
    return cumulative_m(coords)


def cut_line(
    coords: Sequence[Sequence[float]] | FloatArray, start_m: float, end_m: float
) -> FloatArray:
    """The part of a lon/lat line from ``start_m`` to ``end_m`` geodesic metres along it.

    The cut points are interpolated linearly in lon/lat within their straight piece.
    """
    xy = np.asarray(coords, dtype=np.float64).reshape(-1, 2)
    cum = line_metres(xy)
    if len(xy) < 2:
        return xy.copy()
    a, b = (float(np.clip(v, 0.0, cum[-1])) for v in (start_m, end_m))

    def at(m: float) -> FloatArray:
        i = int(np.clip(np.searchsorted(cum, m, side="right") - 1, 0, len(xy) - 2))
        span = cum[i + 1] - cum[i]
        t = (m - cum[i]) / span if span > 0 else 0.0
        return np.asarray(xy[i] + t * (xy[i + 1] - xy[i]), dtype=np.float64)

    inner = xy[(cum > a) & (cum < b)]
    return np.vstack([at(a), inner, at(b)])


def corridor_gaps(
    network: Network,
    coords: Sequence[Sequence[float]] | FloatArray,
    sites: Sequence[Site],
    service: str,
    *,
    within_m: float,
    min_gap_km: float,
    length_m: float | None = None,
) -> tuple[list[CorridorGap], list[dict[str, Any]]]:
    """Stretches of a way longer than ``min_gap_km`` with no place offering ``service`` near.

    The places (active, offering the service) within ``within_m`` metres of the line are put
    at their position along it; the stretches between consecutive places, and from the ends
    of the line to the first and last place, longer than ``min_gap_km`` are the gaps.

    Each place is put at the nearest point of the line (found in the network's metric
    projection); its km mark and its distance from the line are geodesic, so long corridors
    keep exact marks.

    Parameters
    ----------
    network : Network
        Gives the metric projection used to find the nearest point of the line.
    coords : sequence of (lon, lat)
        The way (a route's or a corridor's vertices).
    sites : sequence of Site
        Candidate places.
    service : str
        Service code.
    within_m : float
        Distance from the line within which a place counts.
    min_gap_km : float
        Shorter stretches are not gaps.
    length_m : float, optional
        The way's true length (e.g. a route's ``length_m``); km marks are scaled to it.
        Default: the geodesic length of the line.

    Returns
    -------
    gaps : list of CorridorGap
        With start and end km marks, in order along the line.
    places : list of dict
        The places found near the line: ``id``, ``name``, ``at_km``, ``distance_m``.
    """
    xy = np.asarray(coords, dtype=np.float64).reshape(-1, 2)
    if len(xy) < 2:
        raise ValueError("a corridor line needs at least two points")
    cum = line_metres(xy)
    scale = length_m / cum[-1] if length_m is not None and cum[-1] > 0 else 1.0
    total_km = cum[-1] * scale / 1000.0
    chosen = offering(sites, service)
    found: list[dict[str, Any]] = []
    if chosen:
        to_m = network.projection.transform
        lx, ly = (np.asarray(c) for c in to_m(xy[:, 0], xy[:, 1]))
        px, py = (
            np.asarray(c)
            for c in to_m(np.array([s.lon for s in chosen]), np.array([s.lat for s in chosen]))
        )
        ax, ay, dx, dy = lx[:-1], ly[:-1], np.diff(lx), np.diff(ly)
        len2 = dx * dx + dy * dy
        with np.errstate(invalid="ignore", divide="ignore"):
            t = ((px[:, None] - ax) * dx + (py[:, None] - ay) * dy) / len2
        t = np.clip(np.where(len2 > 0, t, 0.0), 0.0, 1.0)
        d2 = (ax + t * dx - px[:, None]) ** 2 + (ay + t * dy - py[:, None]) ** 2
        piece = np.argmin(d2, axis=1)
        rows = np.arange(len(chosen))
        tp = t[rows, piece]
        near = xy[piece] + tp[:, None] * (xy[piece + 1] - xy[piece])
        geod = wgs84()
        _, _, into = geod.inv(xy[piece, 0], xy[piece, 1], near[:, 0], near[:, 1])
        _, _, off = geod.inv(
            near[:, 0],
            near[:, 1],
            np.array([s.lon for s in chosen]),
            np.array([s.lat for s in chosen]),
        )
        along_m = (cum[piece] + np.asarray(into)) * scale
        for s, d, a in zip(chosen, np.asarray(off).tolist(), along_m.tolist(), strict=True):
            if d <= within_m:
                found.append({"id": s.id, "name": s.name, "at_km": a / 1000.0, "distance_m": d})
    found.sort(key=lambda r: (r["at_km"], r["id"]))
    marks = [0.0, *(r["at_km"] for r in found), total_km]
    gaps = [CorridorGap(a, b) for a, b in pairwise(marks) if b - a > min_gap_km]
    return gaps, found
