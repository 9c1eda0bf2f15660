"""The places snapshot the map page carries inline, for a first list before ``/nearby`` answers.

A ``#at=`` link's point never reaches the server (it is in the fragment), so without help the
first list waits for two round trips: the page, then ``/nearby``. The page therefore carries a
bounded snapshot of the PUBLIC places (the anonymous read path ``/nearby`` itself uses: the
places an anonymous caller may see on each network, active ones only), from which a small
inline script lists the nearest by straight-line distance as soon as the page is parsed,
labelled as approximate, until the walking-time answer replaces it.

The snapshot is bounded in bytes: each network's places are taken nearest its towns (or its
centre) first, one network after the other in turn, until the budget is spent. A network cut
short says up to which distance from its anchors its places are all there (``r``), so the
page only lists what it knows is complete around the person.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from routing.geodesy import distance_m

#: Coordinates are kept to 5 decimals (about a metre).
SCALE = 100_000


def _anchors(info: dict[str, Any]) -> list[tuple[float, float]]:
    """The points a network's places are taken nearest to: its towns, else its centre."""
    towns = [(float(t["lon"]), float(t["lat"])) for t in info.get("towns") or ()]
    return towns or [(float(info["center"][0]), float(info["center"][1]))]


def _row(place: Any, lang: str) -> list[Any]:
    """One place as the page's script reads it: id, lon, lat (x 1e5), name, services."""
    site = place.site
    names = place.properties.get("name") or {}
    name = names.get(lang) or names.get("es") or site.name
    return [
        site.id,
        round(site.lon * SCALE),
        round(site.lat * SCALE),
        name,
        " ".join(site.services),
    ]


def _size(row: list[Any]) -> int:
    return len(json.dumps(row, ensure_ascii=False, separators=(",", ":"))) + 1


def build(
    networks: Iterable[tuple[dict[str, Any], Sequence[Any]]],
    *,
    lang: str,
    max_bytes: int,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The snapshot of the places of ``networks``, at most about ``max_bytes`` of JSON.

    Parameters
    ----------
    networks : iterable of (dict, sequence of Place)
        Each network's public description (``Deployment.info()``: id, center, towns) and
        the places an ANONYMOUS caller may see on it (``TransitService.places``).
    lang : str
        The page language (the places' names in it, Spanish otherwise).
    max_bytes : int
        Budget for the places' rows, in bytes of compact JSON; 0 leaves the snapshot empty.
    now : datetime, optional
        When the snapshot is taken (UTC now by default); the page shows it when it is old.

    Returns
    -------
    dict
        ``{"at": ISO time, "networks": [{"id", "a": anchors x 1e5, "r": metres or None}],
        "places": [[id, lon, lat, name, services], ...]}``; ``r`` is None when every place
        of the network is in, else the distance from its anchors within which all are.
    """
    queues: list[tuple[dict[str, Any], list[tuple[float, list[Any]]]]] = []
    for info, places in networks:
        anchors = _anchors(info)
        active = [p for p in places if p.site.active]
        nearest = [math.inf] * len(active)
        if active:
            lons = [p.site.lon for p in active]
            lats = [p.site.lat for p in active]
            for lon, lat in anchors:
                found = distance_m(lons, lats, [lon] * len(active), [lat] * len(active))
                nearest = [min(a, float(b)) for a, b in zip(nearest, found, strict=True)]
        ranked = sorted(
            ((d, _row(p, lang)) for d, p in zip(nearest, active, strict=True)),
            key=lambda item: (item[0], item[1][0]),
        )
        entry = {
            "id": info["id"],
            "a": [[round(lon * SCALE), round(lat * SCALE)] for lon, lat in anchors],
            "r": None,
        }
        queues.append((entry, ranked))
    rows: list[list[Any]] = []
    spent = 0
    position = [0] * len(queues)
    open_queues = [i for i, (_, ranked) in enumerate(queues) if ranked]
    while open_queues:
        still = []
        for i in open_queues:
            entry, ranked = queues[i]
            distance, row = ranked[position[i]]
            size = _size(row)
            if spent + size > max_bytes:
                entry["r"] = math.floor(distance)  # all nearer than this one are in
                continue
            rows.append(row)
            spent += size
            position[i] += 1
            if position[i] < len(ranked):
                still.append(i)
        open_queues = still
    taken = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    return {
        "at": taken.isoformat().replace("+00:00", "Z"),
        "networks": [entry for entry, _ in queues],
        "places": rows,
    }
