"""What coverage reads from registry features besides the places: organizations, capacities."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def organizations_of(features: Iterable[Mapping[str, Any]]) -> dict[str, list[str]]:
    """``{place id: organizations}`` from registry GeoJSON features."""
    return {
        str(f["id"]): list(f.get("properties", {}).get("organizations", []) or []) for f in features
    }


def capacities_of(features: Iterable[Mapping[str, Any]]) -> dict[str, float]:
    """``{place id: capacity}`` of the registry features that state one (beds, places)."""
    out: dict[str, float] = {}
    for f in features:
        cap = (f.get("properties") or {}).get("capacity")
        if isinstance(cap, int | float) and not isinstance(cap, bool) and cap >= 0:
            out[str(f["id"])] = float(cap)
    return out
