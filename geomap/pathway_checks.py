"""Checks officers run on the pathways: what an answer would quietly leave out, and why.

A referral answer drops a step whose place is gone and an entry point whose place is not
public, and shows a step only to those who may see its place; none of that is an error for the
person asking. :func:`check_pathways` lists it for the officers who keep the pathways.
"""

from __future__ import annotations

from typing import Any

from geomap.deployment import Deployment
from geomap.referrals import ReferralDirectory
from geomap.registry.pathways import VISIBILITY_ORDER
from geomap.transit import snap_distances


def _on_a_network(deployment: Deployment, lon: float, lat: float) -> bool:
    for entry in deployment:
        service = entry.service
        if snap_distances(service.safe.plain, [(lon, lat)])[0] <= service.max_snap_m:
            return True
    return False


def check_pathways(
    directory: ReferralDirectory, deployment: Deployment, *, country: str | None = None
) -> list[dict[str, Any]]:
    """Problems of every pathway (of ``country``): ``{"pathway", "step", "problem"}`` rows."""
    rows: list[dict[str, Any]] = []
    for pathway in directory.pathways():
        p = pathway.properties
        if country is not None and p["country"] != country:
            continue

        def say(step: str, problem: str, pathway_id: str = pathway.id) -> None:
            rows.append({"pathway": pathway_id, "step": step, "problem": problem})

        for step in p["steps"]:
            if "place" not in step:
                continue
            record = directory.place(step["place"])
            if record is None:
                say(step["id"], f"place {step['place']!r} does not exist (or is retired): "
                    "the step is shown to nobody")  # fmt: skip
                continue
            hidden = record.properties.get("visibility", "public")
            declared = step.get("visibility", "partners")
            if VISIBILITY_ORDER[hidden] > VISIBILITY_ORDER[declared]:
                say(step["id"], f"the step is declared {declared} but its place is {hidden}: "
                    f"it is shown as {hidden}")  # fmt: skip
            lon, lat = record.geometry["coordinates"][:2]
            if len(deployment) and not _on_a_network(deployment, lon, lat):
                say(step["id"], "its place lies on no network served: no walking time")
        for i, entry in enumerate(p.get("entry_points", []), start=1):
            if "place" not in entry:
                continue
            record = directory.place(entry["place"])
            if record is None or record.properties.get("visibility", "public") != "public":
                say(f"entry point {i}", f"place {entry['place']!r} is not a current public "
                    "place: the entry point is shown to nobody")  # fmt: skip
        if not p.get("entry_points"):
            say("", "no entry point: callers who may not see its steps get nothing")
    return rows
