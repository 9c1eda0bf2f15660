"""What people in transit ask, answered on one walking network from places and risk zones.

:class:`TransitService` joins one walking network with a source of places and a source of
risk zones (the registry, or files given to the CLI). The risk layer is re-read and the safe
router's weights rebuilt only when the zone source's version changes; the places a caller may
see are cached per version of the place source and per kind of caller. Every answer is computed
for a caller: places the caller may not see never appear in it, and risk zones the caller may
not see shape the route (their danger is real) but are never named.

A place lying farther than the snapping limit from this network's streets is simply not a
candidate here (it may lie on another network of the deployment): it never makes an answer
fail for anybody, and :meth:`TransitService.unmatched` lists such places for officers.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import numpy as np

from geomap.registry.access import SYSTEM, Caller
from geomap.registry.exports import iter_records
from geomap.registry.risk import cost_zone
from geomap.registry.store import Record, RegistryStore
from routing.costs import CostParams, RiskZone
from routing.hierarchy import topology
from routing.network import Network
from routing.safe import NoSafeRouteError, RouteReport, SafeRouteAnswer, SafeRouter, Site

PLACES = "places"
RISK_ZONES = "risk_zones"


def site_from_record(record: Record) -> Site:
    """A routing site from a registry place."""
    lon, lat = record.geometry["coordinates"][:2]
    return site_from_properties(record.id, record.properties, lon, lat)


def site_from_properties(fid: str, p: dict[str, Any], lon: float, lat: float) -> Site:
    """A routing site from a place's id, properties and location."""
    return Site(
        id=fid,
        name=p.get("name", {}).get("es", fid),
        lon=float(lon),
        lat=float(lat),
        services=tuple(p.get("services", ())),
        opening_hours=p.get("opening_hours"),
        languages=tuple(p.get("languages", ())),
        populations=tuple(p.get("populations", ("everyone",))),
        active=p.get("status", "active") == "active",
    )


@dataclass(frozen=True)
class Place:
    """A place as answers show it: the routing site and the record's public properties."""

    site: Site
    properties: dict[str, Any]


@dataclass(frozen=True)
class Zone:
    """A risk zone with who may see it (its danger shapes every route either way)."""

    zone: RiskZone
    visibility: str
    country: str | None


class PlaceSource(Protocol):
    """Where places come from: the registry, or a validated file."""

    def version(self) -> Hashable:
        """Changes whenever the places change."""
        ...

    def places(self, caller: Caller) -> list[Place]:
        """Every current place the caller may see."""
        ...


class ZoneSource(Protocol):
    """Where risk zones come from: the registry, or a validated file."""

    def version(self) -> int:
        """Changes whenever the zones change."""
        ...

    def zones(self) -> list[Zone]:
        """Every current zone, whoever may see it."""
        ...


class RegistryPlaces:
    """Places of a registry store, as each caller may see them."""

    def __init__(self, store: RegistryStore) -> None:
        self.store = store

    def version(self) -> Hashable:
        """The places collection's version counter."""
        return self.store.collection_version(PLACES)

    def places(self, caller: Caller) -> list[Place]:
        """Every current place the caller may see."""
        return [
            Place(site_from_record(r), r.properties)
            for r in iter_records(self.store, PLACES, caller)
        ]


class RegistryZones:
    """Risk zones of a registry store."""

    def __init__(self, store: RegistryStore) -> None:
        self.store = store

    def version(self) -> int:
        """The risk-zone collection's version counter."""
        return self.store.collection_version(RISK_ZONES)

    def zones(self) -> list[Zone]:
        """Every current zone."""
        return [
            Zone(
                cost_zone(r.id, r.properties, r.geometry),
                r.properties.get("visibility", "public"),
                r.properties.get("country"),
            )
            for r in iter_records(self.store, RISK_ZONES, SYSTEM)
        ]


class StaticPlaces:
    """Places from a validated file: only its public ones, for everybody."""

    def __init__(self, items: Sequence[Any]) -> None:
        self._places = [
            Place(site_from_properties(i.id, i.properties, *i.geometry()["coordinates"][:2]),
                  i.properties)
            for i in items
            if i.properties.get("visibility", "public") == "public"
        ]  # fmt: skip

    def version(self) -> Hashable:
        """Always the same: a file does not change under a running command."""
        return 0

    def places(self, caller: Caller) -> list[Place]:
        """The file's public places."""
        return list(self._places)


class StaticZones:
    """Risk zones from a validated file."""

    def __init__(self, items: Sequence[Any]) -> None:
        self._zones = [
            Zone(cost_zone(i.id, i.properties, i.geometry()),
                 i.properties.get("visibility", "public"), i.properties.get("country"))
            for i in items
        ]  # fmt: skip

    def version(self) -> int:
        """Always the same."""
        return 1

    def zones(self) -> list[Zone]:
        """The file's zones."""
        return list(self._zones)


class TransitService:
    """Safe routes, nearby places, catchments and stages on one network.

    Parameters
    ----------
    network : Network
        The walking network.
    places : PlaceSource
        Where the places come from.
    zones : ZoneSource
        Where the risk zones come from.
    params : CostParams, optional
        Cost model parameters (walking speed among them).
    elevation : ndarray, optional
        Elevation of every network node (slope factor).
    max_snap_m : float
        Snapping limit: points and places farther than this from the streets are off the
        network.
    network_id : str
        The network's id in a deployment of several.
    """

    def __init__(
        self,
        network: Network,
        places: PlaceSource,
        zones: ZoneSource,
        *,
        params: CostParams | None = None,
        elevation: Any = None,
        max_snap_m: float = 500.0,
        network_id: str = "network",
    ) -> None:
        self.network = network
        self.network_id = network_id
        self.place_source = places
        self.zone_source = zones
        self.max_snap_m = max_snap_m
        self.safe = SafeRouter(
            network, params=params, elevation=elevation, max_snap_m=max_snap_m, layer_version=-1
        )
        self._lock = threading.Lock()
        self._zone_visibility: dict[str, tuple[str, str | None]] = {}
        self._places: dict[tuple[Any, ...], tuple[list[Place], list[Place]]] = {}
        self._on_network: dict[tuple[float, float], float] = {}
        self.refresh()

    # ------------------------------------------------------------------ freshness
    def refresh(self) -> int:
        """Reload the risk layer if it changed since last time; return its version."""
        version = self.zone_source.version()
        with self._lock:
            if version != self.safe.layer_version:
                zones = self.zone_source.zones()
                self._zone_visibility = {z.zone.id: (z.visibility, z.country) for z in zones}
                self.safe.set_zones([z.zone for z in zones], version)
        return version

    def warm_up(self) -> None:
        """Compile the kernels and build the day, night and plain routers before any request.

        The hierarchy's lists for partial customization are built too: the first risk-zone
        edit then costs what later ones do, and a pre-forking server shares them.
        """
        if self.network.n_nodes == 0:
            return
        topology(self.network).update_lists()
        lon, lat = float(self.network.node_lon[0]), float(self.network.node_lat[0])
        self.safe.plain.route((lon, lat), (lon, lat))  # the shortest route beside each answer
        for hour in (12, 23):
            when = datetime(2026, 1, 1, hour)
            night = self.safe.params.is_night(when)
            self.safe.router(night=night, when=when).route((lon, lat), (lon, lat))
            self.safe.walking_router(night=night, when=when).reachable((lon, lat), 60.0)

    # ------------------------------------------------------------------ places
    def _snap_distances(self, places: Sequence[Place]) -> list[float]:
        """Metres from each place to this network's streets (cached per location)."""
        missing = [p for p in places if (p.site.lon, p.site.lat) not in self._on_network]
        if missing:
            found = snap_distances(self.safe.plain, [(p.site.lon, p.site.lat) for p in missing])
            for p, d in zip(missing, found, strict=True):
                self._on_network[(p.site.lon, p.site.lat)] = d
        return [self._on_network[(p.site.lon, p.site.lat)] for p in places]

    def _split(self, caller: Caller) -> tuple[list[Place], list[Place]]:
        """The places the caller may see: ``(on this network, off it)``; cached per version."""
        version = self.place_source.version()
        key = (version, caller.role, tuple(sorted(caller.countries)))
        cached = self._places.get(key)
        if cached is None:
            every = self.place_source.places(caller)
            distances = self._snap_distances(every)
            on = [p for p, d in zip(every, distances, strict=True) if d <= self.max_snap_m]
            off = [p for p, d in zip(every, distances, strict=True) if d > self.max_snap_m]
            cached = (on, off)
            with self._lock:
                self._places = {k: v for k, v in self._places.items() if k[0] == version}
                self._places[key] = cached
        return cached

    def places(self, caller: Caller) -> list[Place]:
        """The places the caller may see that lie on this network."""
        return self._split(caller)[0]

    def sites(self, caller: Caller) -> list[Site]:
        """The routing sites of :meth:`places`."""
        return [p.site for p in self.places(caller)]

    def place(self, fid: str, caller: Caller) -> Place | None:
        """One place on this network by id, if the caller may see it."""
        return next((p for p in self.places(caller) if p.site.id == fid), None)

    def unmatched(self, caller: Caller) -> list[tuple[Place, float]]:
        """Places the caller may see that lie off this network, with their distance to it."""
        off = self._split(caller)[1]
        return list(zip(off, self._snap_distances(off), strict=True))

    # ------------------------------------------------------------------ answers
    def _public_view(self, report: RouteReport, caller: Caller) -> RouteReport:
        crossed = [
            z
            for z in report.exposure.get("avoid_zones_crossed", [])
            if caller.can_see(*self._zone_visibility.get(z, ("restricted", None)))
        ]
        report.exposure = {**report.exposure, "avoid_zones_crossed": crossed}
        return report

    def safe_route(
        self,
        origin: Sequence[float],
        destination: Sequence[float],
        caller: Caller,
        *,
        when: datetime | None = None,
        alternatives: int = 1,
        near_m: float = 300.0,
    ) -> SafeRouteAnswer:
        """The safe route for a caller (see :meth:`SafeRouter.safe_route`)."""
        self.refresh()
        try:
            answer = self.safe.safe_route(
                origin, destination, when=when, alternatives=alternatives,
                sites=self.sites(caller), near_m=near_m,
            )  # fmt: skip
        except NoSafeRouteError as exc:
            if exc.least_risk is not None:
                self._public_view(exc.least_risk, caller)
            raise
        for report in [*answer.routes, answer.shortest]:
            self._public_view(report, caller)
        return answer

    def via(
        self, points: Sequence[Sequence[float]], caller: Caller, *, when: datetime | None = None
    ) -> list[RouteReport]:
        """Safe legs through the given points in order (see :meth:`SafeRouter.via`)."""
        self.refresh()
        return [self._public_view(r, caller) for r in self.safe.via(points, when=when)]

    def nearby(
        self, origin: Sequence[float], caller: Caller, *, minutes: float, **filters: Any
    ) -> list[dict[str, Any]]:
        """Places reachable within ``minutes`` (see :meth:`SafeRouter.nearby`)."""
        self.refresh()
        return self.safe.nearby(origin, self.sites(caller), minutes=minutes, **filters)

    def go_to_help(
        self, origin: Sequence[float], caller: Caller, *, service: str, when: datetime
    ) -> tuple[Site, RouteReport, datetime]:
        """The best open place offering ``service`` (see :meth:`SafeRouter.go_to_help`)."""
        self.refresh()
        site, report, arrival = self.safe.go_to_help(
            origin, self.sites(caller), service=service, when=when
        )
        return site, self._public_view(report, caller), arrival

    def catchments(
        self, origin: Sequence[float], minutes: Sequence[float], *, when: datetime | None = None
    ) -> list[tuple[float, Any]]:
        """Walking catchments (see :meth:`SafeRouter.catchments`)."""
        self.refresh()
        return self.safe.catchments(origin, minutes, when=when)

    def plan_stages(
        self,
        origin: Sequence[float],
        destination: Sequence[float],
        caller: Caller,
        *,
        max_km_per_day: float,
        when: datetime | None = None,
    ) -> tuple[RouteReport, list[Any], list[dict[str, float]]]:
        """Stages between shelters (see :meth:`SafeRouter.plan_stages`)."""
        self.refresh()
        report, stages, gaps = self.safe.plan_stages(
            origin, destination, self.sites(caller), max_km_per_day=max_km_per_day, when=when
        )
        return self._public_view(report, caller), stages, gaps

    def coverage(
        self,
        caller: Caller,
        demand: Any,
        *,
        services: Sequence[str],
        minutes: float,
        when: datetime | None = None,
        **options: Any,
    ) -> Any:
        """Coverage of ``services`` for a demand layer, from the places the caller may see.

        Returns a :class:`geomap.coverage.CoverageReport`.
        """
        from geomap.coverage import analyse

        self.refresh()
        return analyse(
            self.safe, self.sites(caller), services, demand, minutes=minutes, when=when, **options
        )


def snap_distances(router: Any, points: Sequence[tuple[float, float]]) -> list[float]:
    """Metres from each point to the router's network (its streets, or its nodes if far).

    Within the snapping limit the distance is to the nearest street; beyond it, to the
    nearest node (at least the limit).

    Points are snapped together; when that fails (a point too far or invalid) each is measured
    alone, so one bad point never hides the others.
    """
    from routing.errors import GeomapError
    from routing.geodesy import distance_m

    if not points:
        return []
    try:
        return [float(s.distance_m) for s in router.snap_many(points)]
    except GeomapError:
        pass
    net = router.network
    out = []
    for lon, lat in points:
        try:
            out.append(float(router.snap_many([(lon, lat)])[0].distance_m))
        except GeomapError:
            if not (np.isfinite(lon) and np.isfinite(lat)) or net.n_nodes == 0:
                out.append(float("inf"))
                continue
            d = distance_m(
                np.full(net.n_nodes, lon), np.full(net.n_nodes, lat), net.node_lon, net.node_lat
            )
            out.append(max(float(np.min(d)), router.max_snap_m + 1.0))
    return out
