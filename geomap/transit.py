"""What people in transit ask, answered from the network, the registry and the risk layer.

:class:`TransitService` joins a walking network with the registry's places and risk zones. The
risk layer is read from the store and the safe router's weights are rebuilt only when the
``risk_zones`` collection changes (its version counter). Every answer is computed for a caller:
places the caller may not see never appear in it, and risk zones the caller may not see shape
the route (their danger is real) but are never named.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from geomap.registry.access import SYSTEM, Caller
from geomap.registry.exports import iter_records
from geomap.registry.risk import COLLECTION as RISK_COLLECTION
from geomap.registry.risk import cost_zone
from geomap.registry.store import Record, RegistryStore
from routing.costs import CostParams
from routing.network import Network
from routing.safe import NoSafeRouteError, RouteReport, SafeRouteAnswer, SafeRouter, Site

PLACES = "places"


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


class TransitService:
    """Safe routes, nearby places, catchments and stages for a network and a registry.

    Parameters
    ----------
    network : Network
        The walking network.
    store : RegistryStore
        The registry (places and risk zones).
    params : CostParams, optional
        Cost model parameters.
    elevation : ndarray, optional
        Elevation of every network node.
    max_snap_m : float
        Snapping limit.
    """

    def __init__(
        self,
        network: Network,
        store: RegistryStore,
        *,
        params: CostParams | None = None,
        elevation: Any = None,
        max_snap_m: float = 500.0,
    ) -> None:
        self.network = network
        self.store = store
        self.safe = SafeRouter(
            network, params=params, elevation=elevation, max_snap_m=max_snap_m, layer_version=-1
        )
        self._lock = threading.Lock()
        self._zone_visibility: dict[str, tuple[str, str | None]] = {}
        self._sites: dict[tuple[Any, ...], list[Site]] = {}
        self.refresh()

    def refresh(self) -> int:
        """Reload the risk layer if it changed since last time; return its version."""
        version = self.store.collection_version(RISK_COLLECTION)
        with self._lock:
            if version != self.safe.layer_version:
                records = list(iter_records(self.store, RISK_COLLECTION, SYSTEM))
                zones = [cost_zone(r.id, r.properties, r.geometry) for r in records]
                self._zone_visibility = {
                    r.id: (r.properties.get("visibility", "public"), r.properties.get("country"))
                    for r in records
                }
                self.safe.set_zones(zones, version)
        return version

    def warm_up(self) -> None:
        """Compile the kernels and build the day and night routers before the first request."""
        if self.network.n_nodes == 0:
            return
        lon, lat = float(self.network.node_lon[0]), float(self.network.node_lat[0])
        for hour in (12, 23):
            when = datetime(2026, 1, 1, hour)
            night = self.safe.params.is_night(when)
            self.safe.router(night=night, when=when).route((lon, lat), (lon, lat))
            self.safe.walking_router(night=night, when=when).reachable((lon, lat), 60.0)

    def sites(self, caller: Caller) -> list[Site]:
        """Every current place the caller may see, as routing sites.

        Cached per version of the places collection and per kind of caller (role and
        countries), so a request reads the registry only after it changed.
        """
        version = self.store.collection_version(PLACES)
        key = (version, caller.role, tuple(sorted(caller.countries)))
        cached = self._sites.get(key)
        if cached is None:
            cached = [site_from_record(r) for r in iter_records(self.store, PLACES, caller)]
            with self._lock:
                self._sites = {k: v for k, v in self._sites.items() if k[0] == version}
                self._sites[key] = cached
        return cached

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
                origin,
                destination,
                when=when,
                alternatives=alternatives,
                sites=self.sites(caller),
                near_m=near_m,
            )
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

    def coverage(
        self,
        caller: Caller,
        demand: Any,
        *,
        services: Sequence[str],
        minutes: float,
        when: datetime | None = None,
    ) -> Any:
        """Coverage of ``services`` for a demand layer, from the places the caller may see.

        Returns a :class:`geomap.coverage.CoverageReport`.
        """
        from geomap.coverage import analyse

        self.refresh()
        return analyse(self.safe, self.sites(caller), services, demand, minutes=minutes, when=when)

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
