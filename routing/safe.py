"""Safe routes and the answers built on them.

:class:`SafeRouter` keeps a network, the current risk layer and the cost parameters. Weights are
cached per (risk-layer version, day or night, zones in force) and rebuilt only when the layer
changes; the metres of every edge inside every zone are computed once per layer version.

Answers:

* :meth:`SafeRouter.safe_route` — the safest route A→B with an exposure summary, the support
  sites near it, distinct alternatives, and the plain shortest route beside it; when ``avoid``
  zones leave no route, :class:`NoSafeRouteError` carries the least-risk route, marked as
  crossing them;
* :meth:`SafeRouter.go_to_help` — the best open site offering a service, by walking time, with
  opening hours evaluated at the arrival time; :meth:`SafeRouter.via` — a route through places;
* :meth:`SafeRouter.plan_stages` — days of at most N km ending at overnight shelters, and gaps;
* :meth:`SafeRouter.nearby` — sites reachable within T minutes by network walking time;
* :meth:`SafeRouter.catchments` — areas reachable within several times, following the streets.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from itertools import pairwise
from typing import Any

import numpy as np
import numpy.typing as npt

from routing.costs import (
    CostParams,
    Exposure,
    RiskZone,
    Weights,
    compute_exposure,
    edge_weights,
)
from routing.errors import NoRouteError
from routing.network import Network
from routing.router import Route, Router, check_limit

FloatArray = npt.NDArray[np.float64]
LonLat = tuple[float, float]

#: Weight of each risk level in the exposure score used to rank alternatives.
LEVEL_SCORE = {"avoid": 100.0, "high": 10.0, "medium": 3.0, "low": 1.0}


class NoSafeRouteError(NoRouteError):
    """Avoid zones leave no route; ``least_risk`` is the best route that crosses them."""

    def __init__(self, message: str, least_risk: RouteReport | None) -> None:
        super().__init__(message)
        self.least_risk = least_risk


@dataclass(frozen=True)
class Site:
    """A place that routes can lead to (built from the registry by the caller).

    Attributes
    ----------
    id, name : str
        Identity.
    lon, lat : float
        Location.
    services : tuple of str
        Service codes offered.
    opening_hours : str, optional
        OSM ``opening_hours``; None means unknown.
    languages, populations : tuple of str
        Languages spoken and populations served.
    active : bool
        False for temporarily closed or closed places.
    """

    id: str
    name: str
    lon: float
    lat: float
    services: tuple[str, ...] = ()
    opening_hours: str | None = None
    languages: tuple[str, ...] = ()
    populations: tuple[str, ...] = ("everyone",)
    active: bool = True

    def open_at(self, when: datetime) -> bool | None:
        """Whether the site is open at ``when`` (local time); None when hours are unknown."""
        if self.opening_hours is None:
            return None
        from opening_hours import OpeningHours

        return bool(OpeningHours(self.opening_hours).is_open(when.replace(tzinfo=None)))

    def serves(self, population: str | None) -> bool:
        """Whether the site serves this population (everyone-sites serve all)."""
        return (
            population is None or "everyone" in self.populations or population in self.populations
        )


@dataclass
class RouteReport:
    """A route with what it exposes the walker to."""

    route: Route
    exposure: dict[str, Any]
    risk_score: float
    crosses_avoid: bool = False
    sites_along: list[dict[str, Any]] = field(default_factory=list)

    def to_geojson(self) -> dict[str, Any]:
        """The route as a GeoJSON Feature with the exposure summary and sites along it."""
        feature = self.route.to_geojson()
        feature["properties"].update(
            {
                "exposure": self.exposure,
                "risk_score": round(self.risk_score, 1),
                "crosses_avoid_zones": self.crosses_avoid,
                "sites_along": self.sites_along,
            }
        )
        return feature


@dataclass
class SafeRouteAnswer:
    """The safest route, its alternatives, and the plain shortest route for comparison."""

    routes: list[RouteReport]
    shortest: RouteReport
    night: bool

    def comparison(self) -> dict[str, float]:
        """How much longer and how much safer the safest route is than the shortest."""
        best, short = self.routes[0], self.shortest
        return {
            "extra_length_m": round(best.route.length_m - short.route.length_m, 1),
            "extra_minutes": round((best.route.duration_s - short.route.duration_s) / 60, 1),
            "risk_score_reduction": round(short.risk_score - best.risk_score, 1),
            "metres_in_risk_zones_avoided": round(
                short.exposure["in_zones_m"] - best.exposure["in_zones_m"], 1
            ),
        }


@dataclass
class Stage:
    """One day of a staged walk."""

    day: int
    from_km: float
    to_km: float
    shelter: Site | None
    detour_m: float


class SafeRouter:
    """Safe routing on a network with a risk layer.

    Parameters
    ----------
    network : Network
        The walking network.
    zones : sequence of RiskZone
        The risk layer.
    layer_version : int
        Version of the risk layer (weights are cached per version).
    params : CostParams
        Speeds and penalties.
    elevation : ndarray, optional
        Elevation per node, for the slope factor.
    max_snap_m : float
        Snapping distance limit.
    """

    def __init__(
        self,
        network: Network,
        *,
        zones: Sequence[RiskZone] = (),
        layer_version: int = 0,
        params: CostParams | None = None,
        elevation: FloatArray | None = None,
        max_snap_m: float = 500.0,
    ) -> None:
        self.network = network
        self.params = params or CostParams()
        self.elevation = elevation
        self.max_snap_m = max_snap_m
        self._slots: dict[tuple[Any, ...], tuple[tuple[Any, ...], Router]] = {}
        self._scratch: dict[tuple[Any, ...], Router] = {}
        self._zone_cache: dict[bytes, Any] = {}
        self._lines: dict[int, Any] = {}
        self._site_points: tuple[Sequence[Site], Any] | None = None
        self.set_zones(zones, layer_version)

    # ------------------------------------------------------------------ layer and weights
    def set_zones(self, zones: Sequence[RiskZone], layer_version: int) -> None:
        """Replace the risk layer; exposure is recomputed now and weights lazily.

        Only zones whose geometry is new are measured again; routers keep their compiled
        state and are re-customized, on next use, for the edges whose weight changed only.
        """
        self.zones = tuple(zones)
        self.layer_version = layer_version
        live = {z.geometry.wkb for z in self.zones}
        self._zone_cache = {k: v for k, v in self._zone_cache.items() if k in live}
        self.exposure: Exposure = compute_exposure(self.network, self.zones, cache=self._zone_cache)
        self._seg_zones: dict[int, list[tuple[int, float]]] = {}
        for seg, zone, metres in zip(
            self.exposure.segment.tolist(),
            self.exposure.zone.tolist(),
            self.exposure.metres.tolist(),
            strict=True,
        ):
            self._seg_zones.setdefault(seg, []).append((zone, metres))
        self._arrival_cache: dict[tuple[int, int], dict[tuple[float, float], Any]] = {}

    def zone_metres(self, edge: int, start_m: float, end_m: float) -> list[tuple[int, float]]:
        """Metres inside each zone of the part ``start_m``..``end_m`` of a directed edge.

        Whole edges use the precomputed exposure; parts are measured geometrically, so a zone
        in the half of a street not travelled does not count.
        """
        import shapely
        import shapely.ops

        net = self.network
        seg = int(net.edge_seg[edge])
        touching = self._seg_zones.get(seg)
        length = float(net.edge_length[edge])
        if not touching or length <= 0:
            return []
        if start_m <= 0.0 and end_m >= length:
            return touching
        line = self.segment_line(seg)
        a, b = (length - end_m, length - start_m) if net.edge_rev[edge] else (start_m, end_m)
        piece = shapely.ops.substring(line, a / length, b / length, normalized=True)
        scale = float(net.seg_length[seg]) / line.length if line.length > 0 else 0.0
        return [
            (z, float(shapely.length(shapely.intersection(piece, self.exposure.projected[z])))
             * scale)
            for z, _ in touching
        ]  # fmt: skip

    def _piece_hook(self, weights: Weights) -> Any:
        """The cost of part of an edge under ``weights``, with zones where they really are."""
        net = self.network

        def cost(edge: int, start_m: float, end_m: float) -> float:
            length = float(net.edge_length[edge])
            if int(net.edge_seg[edge]) not in self._seg_zones or length <= 0:
                w = float(weights.seconds[edge])
                return (
                    w * (end_m - start_m) / length
                    if length > 0 and math.isfinite(w)
                    else (0.0 if math.isfinite(w) else math.inf)
                )
            extra = 0.0
            for z, metres in self.zone_metres(edge, start_m, end_m):
                if metres <= 0:
                    continue
                m = float(weights.zone_multiplier[z])
                if not math.isfinite(m):
                    return math.inf
                extra += metres * (m - 1.0)
            return (end_m - start_m + extra) / weights.speed_mps * float(weights.factor[edge])

        return cost

    @cached_property
    def plain(self) -> Router:
        """Shortest paths by length (no penalties, no closed edges)."""
        return Router(self.network, speed_kmh=self.params.speed_kmh, max_snap_m=self.max_snap_m)

    @property
    def customizations(self) -> int:
        """How many hierarchy customizations this router holds (each ~32 bytes per arc)."""
        plain = [self.__dict__["plain"]] if "plain" in self.__dict__ else []
        routers = [*plain, *(r for _, r in self._slots.values()), *self._scratch.values()]
        return sum(r.customized for r in routers)

    def _active_key(self, when: datetime | None, night: bool) -> tuple[str, ...]:
        return tuple(z.id for z in self.zones if z.active(when, night=night))

    def _slot(self, slot: tuple[Any, ...], key: tuple[Any, ...], make: Any) -> Router:
        """The router of a slot, re-weighted in place when its key (layer, zones) changed."""
        held = self._slots.get(slot)
        if held is not None and held[0] == key:
            return held[1]
        weights, hook = make()
        if held is None:
            router = Router(
                self.network, weights=weights, speed_kmh=self.params.speed_kmh,
                max_snap_m=self.max_snap_m, piece_cost=hook,
            )  # fmt: skip
        else:
            router = held[1]
            router.set_weights(weights, piece_cost=hook)
        self._slots[slot] = (key, router)
        return router

    def router(
        self, *, night: bool, when: datetime | None = None, avoid_multiplier: float | None = None
    ) -> Router:
        """The safe router for the current layer by day or night.

        One router per (day or night, avoid multiplier) on the one network, re-customized when
        the layer version or the zones in force change (only the edges whose weight changed).
        """

        def make() -> tuple[FloatArray, Any]:
            weights = edge_weights(
                self.network,
                self.exposure,
                self.params,
                night=night,
                when=when,
                elevation=self.elevation,
                avoid_multiplier=avoid_multiplier,
            )
            return weights.seconds, self._piece_hook(weights)

        key = (self.layer_version, self._active_key(when, night))
        return self._slot(("safe", night, avoid_multiplier), key, make)

    def walking_router(self, *, night: bool, when: datetime | None = None) -> Router:
        """Plain walking time, with edges in force ``avoid`` zones closed (for reach queries)."""

        def make() -> tuple[FloatArray, Any]:
            speed = self.params.speed_kmh / 3.6
            seconds = np.asarray(self.network.edge_length) / speed
            active = [z.active(when, night=night) and z.level == "avoid" for z in self.zones]
            edges, _, _ = self.exposure.per_edge(self.network, active)
            seconds[edges] = math.inf
            walking = Weights(
                seconds=seconds,
                closed=~np.isfinite(seconds),
                night=night,
                factor=np.ones(self.network.n_edges),
                zone_multiplier=np.where(active, math.inf, 1.0) if active else np.zeros(0),
                speed_mps=speed,
            )
            return seconds, self._piece_hook(walking)

        key = (self.layer_version, self._active_key(when, night))
        return self._slot(("walk", night), key, make)

    # ------------------------------------------------------------------ exposure
    @cached_property
    def _edge_kinds(self) -> tuple[npt.NDArray[np.bool_], ...]:
        """Per directed edge: unlit, lighting unknown, main road without sidewalk."""
        net = self.network
        main = {"trunk", "trunk_link", "primary", "primary_link"}
        unlit = net.edge_attr_in("lit", ["no"])
        unknown = net.edge_attr_in("lit", [None])
        no_sidewalk = net.edge_attr_in("highway", main)
        no_sidewalk &= net.edge_attr_in("sidewalk", ["no", "none"])
        return unlit, unknown, no_sidewalk

    def report(self, route: Route, *, night: bool, when: datetime | None = None) -> RouteReport:
        """Exposure summary of a route: metres per risk level and type, unlit, no sidewalk."""
        net = self.network
        levels = dict.fromkeys(("avoid", "high", "medium", "low"), 0.0)
        types: dict[str, float] = {}
        crossed: set[str] = set()
        in_zones = 0.0
        if route.pieces:
            edges = np.array([p[0] for p in route.pieces], dtype=np.int64)
            travelled = np.array([p[2] - p[1] for p in route.pieces])
        else:
            edges, travelled = np.zeros(0, np.int64), np.zeros(0)
        if self._seg_zones:
            active = [z.active(when, night=night) for z in self.zones]
            segs = net.edge_seg[edges].tolist()
            for i, (e, start, end) in enumerate(route.pieces):
                if segs[i] not in self._seg_zones:
                    continue
                for z, m in self.zone_metres(e, start, end):
                    if not active[z]:
                        continue
                    inside = float(min(m, travelled[i]))
                    zone_obj = self.zones[z]
                    levels[zone_obj.level] += inside
                    types[zone_obj.risk_type] = types.get(zone_obj.risk_type, 0.0) + inside
                    in_zones += inside
                    if zone_obj.level == "avoid" and inside > 0:
                        crossed.add(zone_obj.id)
        unlit, unknown, no_sidewalk = self._edge_kinds
        exposure = {
            "by_level_m": {k: round(v, 1) for k, v in levels.items()},
            "by_type_m": {k: round(v, 1) for k, v in sorted(types.items())},
            "in_zones_m": round(in_zones, 1),
            "unlit_m": round(float(travelled[unlit[edges]].sum()), 1),
            "lighting_unknown_m": round(float(travelled[unknown[edges]].sum()), 1),
            "main_road_without_sidewalk_m": round(float(travelled[no_sidewalk[edges]].sum()), 1),
            "avoid_zones_crossed": sorted(crossed),
        }
        score = sum(LEVEL_SCORE[k] * v for k, v in levels.items()) / 1000.0
        return RouteReport(route, exposure, score, crosses_avoid=bool(crossed))

    def sites_along(
        self, route: Route, sites: Sequence[Site], *, within_m: float
    ) -> list[dict[str, Any]]:
        """Sites within ``within_m`` metres of the route line, in the order met along it."""
        import shapely

        if not sites:
            return []
        to_m = self.network.projection.transform
        x, y = to_m(route.coords[:, 0], route.coords[:, 1])
        line = shapely.LineString(np.column_stack([x, y]))
        cached = self._site_points
        if cached is None or cached[0] is not sites:  # projected once per list of sites
            sx, sy = to_m(np.array([s.lon for s in sites]), np.array([s.lat for s in sites]))
            cached = (sites, shapely.points(np.asarray(sx), np.asarray(sy)))
            self._site_points = cached
        points = cached[1]
        dist = shapely.distance(line, points)
        along = shapely.line_locate_point(line, points)
        scale = route.length_m / line.length if line.length > 0 else 1.0
        out = [
            {
                "id": s.id,
                "name": s.name,
                "distance_from_route_m": round(float(d), 1),
                "at_km": round(float(a) * scale / 1000.0, 3),
            }
            for s, d, a in zip(sites, dist, along, strict=True)
            if d <= within_m
        ]
        return sorted(out, key=lambda r: r["at_km"])

    # ------------------------------------------------------------------ answers
    def safe_route(
        self,
        origin: Sequence[float],
        destination: Sequence[float],
        *,
        when: datetime | None = None,
        alternatives: int = 1,
        sites: Sequence[Site] = (),
        near_m: float = 300.0,
    ) -> SafeRouteAnswer:
        """The safest route A→B, up to ``alternatives`` distinct routes, and the shortest.

        Parameters
        ----------
        origin, destination : (lon, lat)
            End points.
        when : datetime, optional
            Local time of departure (night mode and zone validity); None: daytime, all zones.
        alternatives : int
            How many distinct routes to return (ranked by risk, then time).
        sites : sequence of Site
            Support sites to list along the routes.
        near_m : float
            How close to the route a site must be to be listed.

        Raises
        ------
        NoSafeRouteError
            When avoid zones leave no route; it carries the least-risk route crossing them.
        NoRouteError, PointTooFarError, InvalidCoordinateError
            As for :meth:`Router.route`.
        """
        night = self.params.is_night(when) if when is not None else False
        safe = self.router(night=night, when=when)
        a, b = safe.snap_many([origin, destination], names=("origin", "destination"))
        shortest = self.report(self.plain.route_snapped(a, b), night=night, when=when)
        try:
            best = safe.route_snapped(a, b)
        except NoRouteError:
            fallback = self.router(night=night, when=when, avoid_multiplier=50.0)
            least = self.report(fallback.route_snapped(a, b), night=night, when=when)
            least.sites_along = self.sites_along(least.route, sites, within_m=near_m)
            raise NoSafeRouteError(
                "no route avoids the 'avoid' zones between these points; the least-risk route "
                f"crosses {', '.join(least.exposure['avoid_zones_crossed']) or 'them'}",
                least,
            ) from None
        reports = [self.report(best, night=night, when=when)]
        reports += self._alternatives(
            safe, a, b, best, count=alternatives - 1, night=night, when=when
        )
        reports.sort(key=lambda r: (round(r.risk_score, 3), r.route.duration_s))
        for r in [*reports, shortest]:
            r.sites_along = self.sites_along(r.route, sites, within_m=near_m)
        return SafeRouteAnswer(routes=reports, shortest=shortest, night=night)

    def _alternatives(
        self,
        safe: Router,
        a: Any,
        b: Any,
        best: Route,
        *,
        count: int,
        night: bool,
        when: datetime | None,
    ) -> list[RouteReport]:
        """Distinct routes by the penalty method: used edges cost more on each round."""
        if count <= 0:  # no scratch router (a copy of the customization) for nothing
            return []
        found: list[Route] = [best]
        penalty = np.ones(self.network.n_edges)
        slot = ("alternatives", id(safe))
        scratch = self._scratch.get(slot)
        if scratch is None:  # the safe router's customization, then partial updates
            scratch = safe.clone()
            self._scratch[slot] = scratch
        last = best
        for _ in range(count * 4):
            if len(found) > count:
                break
            for e, _m in last.stretches:  # a street costs more, in both directions
                pair = self.network.segment_edges[self.network.edge_seg[e]]
                penalty[pair[pair >= 0]] *= 1.6
            factor = penalty.copy()

            def penalized(e: int, s: float, t: float, f: FloatArray = factor) -> float:
                return safe.piece_cost(e, s, t) * float(f[e])

            scratch.set_weights(safe.weights * factor, piece_cost=penalized)
            candidate = scratch.route_snapped(a, b)
            last = candidate
            if all(_overlap(candidate, other, self.network) < 0.7 for other in found):
                found.append(candidate)
        return [self.report(r, night=night, when=when) for r in found[1:]]

    def via(
        self, points: Sequence[Sequence[float]], *, when: datetime | None = None
    ) -> list[RouteReport]:
        """Safe legs through the given points, in order."""
        night = self.params.is_night(when) if when is not None else False
        safe = self.router(night=night, when=when)
        return [self.report(safe.route(p, q), night=night, when=when) for p, q in pairwise(points)]

    def go_to_help(
        self,
        origin: Sequence[float],
        sites: Sequence[Site],
        *,
        service: str,
        when: datetime,
        candidates: int = 8,
    ) -> tuple[Site, RouteReport, datetime]:
        """The best open site offering ``service``, by walking time, open when you arrive.

        Returns
        -------
        site, report, arrival

        Raises
        ------
        NoRouteError
            If no active site offering the service is reachable and open on arrival.
        """
        night = self.params.is_night(when)
        offering = [s for s in sites if s.active and service in s.services]
        if not offering:
            raise NoRouteError(f"no active place offers {service!r}")
        safe = self.router(night=night, when=when)
        costs = safe.costs_from(origin, [(s.lon, s.lat) for s in offering])
        order = [i for i in np.argsort(costs).tolist() if math.isfinite(costs[i])][:candidates]
        best: tuple[Site, RouteReport, datetime] | None = None
        for i in order:
            report = self.report(
                safe.route(origin, (offering[i].lon, offering[i].lat)), night=night, when=when
            )
            arrival = when + timedelta(seconds=report.route.duration_s)
            if offering[i].open_at(arrival) is False:
                continue
            if best is None or report.route.duration_s < best[1].route.duration_s:
                best = (offering[i], report, arrival)
        if best is None:
            raise NoRouteError(
                f"no place offering {service!r} is reachable and open on arrival "
                f"(checked the {len(order)} nearest)"
            )
        return best

    def nearby(
        self,
        origin: Sequence[float],
        sites: Sequence[Site],
        *,
        minutes: float,
        when: datetime | None = None,
        service: str | None = None,
        open_on_arrival: bool = False,
        language: str | None = None,
        population: str | None = None,
    ) -> list[dict[str, Any]]:
        """Sites reachable on foot within ``minutes``, sorted by network walking time.

        Each result: ``site``, ``minutes``, ``distance_m`` (along the network), ``open`` (on
        arrival; None if hours unknown).
        """
        night = self.params.is_night(when) if when is not None else False
        walk = self.walking_router(night=night, when=when)
        chosen = [
            s
            for s in sites
            if s.active
            and (service is None or service in s.services)
            and (language is None or language in s.languages)
            and s.serves(population)
        ]
        if not chosen:
            return []
        limit = check_limit(minutes * 60.0, what="minutes")
        entry = walk.departures(walk.snap(origin, what="origin"))
        nodes, costs, _ = walk.reach(entry.nodes, source_costs=entry.costs, limit=limit)
        reached = dict(zip(nodes.tolist(), costs.tolist(), strict=True))
        speed = self.params.speed_kmh / 3.6
        results = []
        for site, arrive in zip(chosen, self._arrivals(walk, chosen), strict=True):
            seconds = min(
                (reached.get(n, math.inf) + c
                 for n, c in zip(arrive.nodes.tolist(), arrive.costs.tolist(), strict=True)),
                default=math.inf,
            )  # fmt: skip
            if seconds > limit:
                continue
            is_open = site.open_at(when + timedelta(seconds=seconds)) if when else None
            if open_on_arrival and is_open is not True:
                continue
            results.append(
                {
                    "site": site,
                    "minutes": round(seconds / 60.0, 2),
                    "distance_m": round(seconds * speed, 1),
                    "open": is_open,
                }
            )
        return sorted(results, key=lambda r: r["minutes"])

    def _arrivals(self, router: Router, sites: Sequence[Site]) -> list[Any]:
        """How each site is reached on ``router`` (snapped once per router and site)."""
        cache: dict[tuple[float, float], Any] = self._arrival_cache.setdefault(
            (id(router), router.version), {}
        )
        missing = [s for s in sites if (s.lon, s.lat) not in cache]
        if missing:
            snaps = router.snap_many([(s.lon, s.lat) for s in missing], what="place")
            for site, snap in zip(missing, snaps, strict=True):
                cache[(site.lon, site.lat)] = router.arrivals(snap)
        return [cache[(s.lon, s.lat)] for s in sites]

    def catchments(
        self,
        origin: Sequence[float],
        minutes: Sequence[float],
        *,
        when: datetime | None = None,
        street_buffer_m: float = 40.0,
    ) -> list[tuple[float, Any]]:
        """Areas reachable on foot within each time, following the streets reached.

        Every street piece reached within the time (edges partly reached are cut where the time
        runs out) is buffered by ``street_buffer_m`` and the pieces are merged.

        Returns
        -------
        list of (minutes, shapely geometry in lon/lat), smallest time first
        """
        import shapely
        import shapely.ops

        night = self.params.is_night(when) if when is not None else False
        walk = self.walking_router(night=night, when=when)
        start = walk.snap(origin, what="origin")
        entry = walk.departures(start)
        top = check_limit(max(minutes) * 60.0, what="minutes")
        reached, costs, _ = walk.reach(entry.nodes, source_costs=entry.costs, limit=top)
        net = self.network
        to_m = net.projection.transform
        sx, sy = to_m(start.lon, start.lat)
        out = []
        speed = self.params.speed_kmh / 3.6
        # only the edges leaving a reached node can be walked
        indptr, _, _, order = walk._fwd
        counts = indptr[reached + 1] - indptr[reached]
        arcs = np.repeat(indptr[reached] - np.cumsum(counts) + counts, counts) + np.arange(
            int(counts.sum())
        )
        edges = np.asarray(order[arcs], dtype=np.int64)
        w = walk.weights[edges]
        d_u = np.repeat(costs, counts)
        seg_of = net.edge_seg[edges]
        segs = np.unique(seg_of)
        lines = self.segment_lines(segs)
        line_of = np.searchsorted(segs, seg_of)
        done = np.zeros(len(segs), dtype=bool)
        area: Any = None
        for limit_min in sorted(minutes):
            budget = limit_min * 60.0
            full = (d_u + w <= budget) & np.isfinite(w)
            partial = (d_u < budget) & ~full & np.isfinite(w)
            # streets already merged at a smaller time are not buffered and merged again
            new = np.unique(line_of[full])
            new = new[~done[new]]
            done[new] = True
            pieces = list(lines[new])
            for k in np.flatnonzero(partial).tolist():
                li = int(line_of[k])
                if done[li]:
                    continue
                e = int(edges[k])
                reach = (budget - d_u[k]) * speed
                seg_line = lines[li]
                frac = min(1.0, reach / net.edge_length[e]) if net.edge_length[e] > 0 else 1.0
                if net.edge_rev[e]:
                    piece = shapely.ops.substring(seg_line, 1.0 - frac, 1.0, normalized=True)
                else:
                    piece = shapely.ops.substring(seg_line, 0.0, frac, normalized=True)
                pieces.append(piece)
            pieces += self._origin_pieces(walk, start, budget, speed)
            pieces.append(shapely.Point(sx, sy))
            grown = shapely.buffer(np.array(pieces, dtype=object), street_buffer_m, quad_segs=4)
            area = shapely.union_all(grown if area is None else [area, *grown])
            back = shapely.transform(
                area,
                lambda xy: np.column_stack(
                    net.projection.transform(xy[:, 0], xy[:, 1], direction="INVERSE")
                ),
            )
            out.append((float(limit_min), back))
        return out

    def _origin_pieces(self, walk: Router, start: Any, budget: float, speed: float) -> list[Any]:
        """The parts of the origin's own street walked within ``budget`` seconds."""
        import shapely.ops

        net = self.network
        line = self.segment_line(start.segment)
        length = float(net.seg_length[start.segment])
        if length <= 0:
            return []
        out = []
        for _, edge, a, b in walk._leave_ranges(start):
            reach = min(b - a, budget * speed)
            if reach <= 0 or not math.isfinite(walk.piece_cost(edge, a, a + reach)):
                continue
            lo, hi = (length - a - reach, length - a) if net.edge_rev[edge] else (a, a + reach)
            out.append(shapely.ops.substring(line, lo / length, hi / length, normalized=True))
        return out

    def segment_lines(self, segments: Any) -> Any:
        """Projected LineStrings of some segments (array, in the order given)."""
        from routing.costs import segment_lines

        return segment_lines(self.network, self.network.projection, segments)

    def segment_line(self, segment: int) -> Any:
        """The projected LineString of one segment (kept for the next call)."""
        line = self._lines.get(segment)
        if line is None:
            if len(self._lines) > 100_000:
                self._lines.clear()
            line = self.segment_lines([segment])[0]
            self._lines[segment] = line
        return line

    def plan_stages(
        self,
        origin: Sequence[float],
        destination: Sequence[float],
        shelters: Sequence[Site],
        *,
        max_km_per_day: float,
        when: datetime | None = None,
        shelter_reach_m: float = 2000.0,
    ) -> tuple[RouteReport, list[Stage], list[dict[str, float]]]:
        """Split the safe route into days of at most ``max_km_per_day`` ending at shelters.

        Shelters (sites offering ``overnight_shelter``) within ``shelter_reach_m`` of the route
        are candidate stops; their position along the route and the detour to reach them are
        measured. The fewest days are chosen, then the smallest total detour. Stretches longer
        than a day's walk with no shelter within reach are reported as gaps (``from_km``,
        ``to_km``), and the plan walks through them without a stop.

        Returns
        -------
        report : RouteReport
            The safe route.
        stages : list of Stage
            One per day; the last ends at the destination (``shelter`` None).
        gaps : list of dict
            ``{"from_km": …, "to_km": …, "length_km": …}``.
        """
        answer = self.safe_route(origin, destination, when=when)
        report = answer.routes[0]
        total_km = report.route.length_m / 1000.0
        usable = [s for s in shelters if s.active and "overnight_shelter" in s.services]
        along = self.sites_along(report.route, usable, within_m=shelter_reach_m)
        by_id = {s.id: s for s in usable}
        stops = [(0.0, None, 0.0)] + [
            (a["at_km"], by_id[a["id"]], a["distance_from_route_m"]) for a in along
        ] + [(total_km, None, 0.0)]  # fmt: skip
        n = len(stops)
        inf = (math.inf, math.inf)
        best: list[tuple[float, float]] = [inf] * n
        prev = [-1] * n
        best[0] = (0.0, 0.0)
        for j in range(1, n):
            for i in range(j):
                if best[i] == inf:
                    continue
                hop = stops[j][0] - stops[i][0]
                if hop <= max_km_per_day + 1e-9:
                    days = 1.0
                elif i == j - 1:
                    # no shelter in between: walk the gap, sleeping out where the days end
                    days = float(math.ceil(hop / max_km_per_day - 1e-9))
                else:
                    continue
                cand = (best[i][0] + days, best[i][1] + 2 * stops[j][2])
                if cand < best[j]:
                    best[j], prev[j] = cand, i
        chain = []
        j = n - 1
        while j > 0:
            chain.append(j)
            j = prev[j]
        chain.reverse()
        stages: list[Stage] = []
        gaps: list[dict[str, float]] = []
        last = 0
        for j in chain:
            start_km, end_km = stops[last][0], stops[j][0]
            days = max(1, math.ceil((end_km - start_km) / max_km_per_day - 1e-9))
            if days > 1:
                gaps.append(
                    {"from_km": round(start_km, 3), "to_km": round(end_km, 3),
                     "length_km": round(end_km - start_km, 3)}
                )  # fmt: skip
            step = (end_km - start_km) / days
            for k in range(days):
                final = k == days - 1
                stages.append(
                    Stage(
                        day=len(stages) + 1,
                        from_km=round(start_km + k * step, 3),
                        to_km=round(end_km if final else start_km + (k + 1) * step, 3),
                        shelter=stops[j][1] if final else None,
                        detour_m=stops[j][2] if final else 0.0,
                    )
                )
            last = j
        return report, stages, gaps


def _overlap(a: Route, b: Route, network: Network) -> float:
    """Share of ``a``'s length on streets (segments) that ``b`` also uses."""
    used = {int(network.edge_seg[e]) for e, _ in b.stretches}
    shared = sum(m for e, m in a.stretches if int(network.edge_seg[e]) in used)
    return shared / a.length_m if a.length_m > 0 else 1.0
