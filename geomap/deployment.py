"""Many walking networks in one deployment, and which one answers a question.

A regional deployment serves several networks (cities, corridors, in several countries) from
one registry. Each question is answered on the network that covers its point: the network
whose streets lie within the snapping limit of it (the nearest such street wins when networks
overlap). A point no network covers, and a route whose ends lie on different networks, are
clear errors naming the networks there are. Places are candidates only on the network they
lie on; a place on no network is a candidate for nobody and is listed for officers.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from geomap.errors import GeomapError, NotFoundError, ServiceUnavailableError
from geomap.registry.access import Caller
from geomap.transit import Place, TransitService, snap_distances
from routing.errors import InvalidCoordinateError, PointTooFarError
from routing.router import check_lonlat


class OutsideNetworksError(PointTooFarError):
    """A point that no network of the deployment covers."""


class DifferentNetworksError(GeomapError, ValueError):
    """A route whose two ends lie on different networks."""


@dataclass(frozen=True)
class NetworkEntry:
    """One network of the deployment with its description."""

    id: str
    service: TransitService
    info: dict[str, Any]


def network_info(network_id: str, network: Any, towns: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The public description of a network: id, name, countries, bbox, counts, provenance.

    ``towns`` are the known towns (``data/page/towns.json``); those the network's streets
    reach are listed with it, so the map page offers only towns that have data.
    """
    meta = dict(network.meta)
    lon, lat = network.node_lon, network.node_lat
    bbox = [float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max())]
    return {
        "id": network_id,
        "name": str(meta.get("name") or network_id.replace("_", " ").replace("-", " ").title()),
        "countries": list(meta.get("countries") or []),
        "profile": network.profile,
        "bbox": [round(v, 6) for v in bbox],
        "center": [round((bbox[0] + bbox[2]) / 2, 6), round((bbox[1] + bbox[3]) / 2, 6)],
        "nodes": int(network.n_nodes),
        "edges": int(network.n_edges),
        "source": meta.get("source") or meta.get("extract"),
        "built_at": meta.get("built_at"),
        "corridor": meta.get("corridor"),
        "towns": list(towns),
    }


class Deployment:
    """Every network served, each with its transit service.

    Parameters
    ----------
    entries : sequence of NetworkEntry
        The networks, in the order they are listed.
    """

    def __init__(self, entries: Sequence[NetworkEntry]) -> None:
        self.entries = {e.id: e for e in entries}

    def __iter__(self) -> Iterator[NetworkEntry]:
        return iter(self.entries.values())

    def __len__(self) -> int:
        return len(self.entries)

    def names(self) -> str:
        """``id (name)`` of every network, for messages."""
        return ", ".join(f"{e.id} ({e.info['name']})" for e in self) or "none"

    def get(self, network_id: str) -> NetworkEntry:
        """A network by id.

        Raises
        ------
        NotFoundError
            If the deployment has no network of that id.
        """
        try:
            return self.entries[network_id]
        except KeyError:
            raise NotFoundError(
                f"no network {network_id!r} here; networks: {self.names()}"
            ) from None

    def info(self) -> list[dict[str, Any]]:
        """The description of every network."""
        return [e.info for e in self]

    def locate(self, point: Sequence[float], *, what: str = "point") -> TransitService:
        """The transit service of the network covering ``point``.

        Raises
        ------
        InvalidCoordinateError
            For a point that is not a finite lon/lat pair in range.
        OutsideNetworksError
            If no network has a street within the snapping limit of the point.
        ServiceUnavailableError
            If the deployment has no network at all.
        """
        if not self.entries:
            raise ServiceUnavailableError(
                "routing is not available: this server has no walking network "
                "(set GEOMAP_NETWORKS or GEOMAP_NETWORK)"
            )
        lon, lat = check_lonlat(point, what=what)
        best: tuple[float, TransitService] | None = None
        for entry in self:
            service = entry.service
            w, s, e, n = entry.info["bbox"]
            dlat = service.max_snap_m / 110_000.0 + 1e-6
            dlon = dlat / max(math.cos(math.radians(max(abs(s), abs(n)))), 0.01)
            if not (w - dlon <= lon <= e + dlon and s - dlat <= lat <= n + dlat):
                continue
            distance = snap_distances(service.safe.plain, [(lon, lat)])[0]
            if distance <= service.max_snap_m and (best is None or distance < best[0]):
                best = (distance, service)
        if best is None:
            raise OutsideNetworksError(
                f"the {what} is not on any walking network served here (more than the snapping "
                f"limit from every street); networks: {self.names()}"
            )
        return best[1]

    def route_service(
        self, points: Sequence[Sequence[float]], names: Sequence[str]
    ) -> TransitService:
        """The one network on which every point of a route lies.

        Raises
        ------
        DifferentNetworksError
            If the points lie on different networks.
        """
        services = [self.locate(p, what=name) for p, name in zip(points, names, strict=True)]
        first = services[0]
        for service, name in zip(services[1:], names[1:], strict=True):
            if service is not first:
                raise DifferentNetworksError(
                    f"the {names[0]} lies on network {first.network_id!r} and the {name} on "
                    f"{service.network_id!r}: a walking route cannot join different networks"
                )
        return first

    def unmatched(self, caller: Caller) -> list[dict[str, Any]]:
        """Places the caller may see that lie on no network, with the nearest network."""
        if not self.entries:
            return []
        off: dict[str, tuple[Place, list[tuple[str, float]]]] = {}
        on: set[str] = set()
        for entry in self:
            on.update(p.site.id for p in entry.service.places(caller))
            for place, distance in entry.service.unmatched(caller):
                off.setdefault(place.site.id, (place, []))[1].append((entry.id, distance))
        rows = []
        for fid, (place, distances) in sorted(off.items()):
            if fid in on:
                continue
            nearest, metres = min(distances, key=lambda d: d[1])
            rows.append(
                {
                    "id": fid,
                    "name": place.site.name,
                    "country": place.properties.get("country"),
                    "coordinates": [place.site.lon, place.site.lat],
                    "nearest_network": nearest,
                    "distance_m": round(metres, 1) if metres != float("inf") else None,
                }
            )
        return rows


__all__ = [
    "Deployment",
    "DifferentNetworksError",
    "InvalidCoordinateError",
    "NetworkEntry",
    "OutsideNetworksError",
    "network_info",
]
