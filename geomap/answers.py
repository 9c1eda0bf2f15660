"""The answers for people in transit, built once as GeoJSON for the API, the CLI and the page.

Safe routes, nearby places, catchments, the way to help, stages and coverage. Each answer is
asked of a :class:`~geomap.deployment.Deployment`: the network covering the question's point
answers it; the places the caller may not see never appear. Request limits
(:class:`Limits`) are checked before any search.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from typing import Any

from geomap import directions, hours
from geomap.deployment import Deployment
from geomap.errors import RegistryValidationError, ServiceUnavailableError
from geomap.registry.access import Caller
from geomap.transit import Place, TransitService
from routing.geodesy import distance_m
from routing.safe import NoSafeRouteError, RouteReport, SafeRouteAnswer, Site

LonLat = tuple[float, float]
ATTRIBUTION = "© OpenStreetMap contributors, ODbL 1.0"

#: Place properties shown in answers (public contact included; never private data).
SHOWN = (
    "kind", "name", "organizations", "country", "admin1", "admin2", "services",
    "opening_hours", "languages", "populations", "wheelchair", "contact", "capacity",
    "status", "verified_at", "sample",
)  # fmt: skip


class QuestionError(RegistryValidationError):
    """A question that cannot be answered as asked: an unknown code, a bad value (400)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__([{"index": None, "id": None, "field": field, "message": message}], message)


class LimitError(QuestionError):
    """A question asking for more work than the server's limits allow (400)."""


@dataclass(frozen=True)
class Limits:
    """How much work one request may ask for (see :class:`geomap.settings.Settings`)."""

    max_catchment_minutes: float = math.inf
    max_catchments: int = 1_000
    max_stage_km: float = math.inf
    max_route_km: float = math.inf
    max_coverage_services: int = 1_000

    @classmethod
    def from_settings(cls, settings: Any) -> Limits:
        """The limits the settings set."""
        return cls(
            max_catchment_minutes=settings.max_catchment_minutes,
            max_catchments=settings.max_catchments,
            max_stage_km=settings.max_stage_km,
            max_route_km=settings.max_route_km,
            max_coverage_services=settings.max_coverage_services,
        )

    def check_route(self, points: Sequence[Sequence[float]]) -> None:
        """Refuse a route whose ends lie farther apart (straight line) than the limit."""
        if math.isinf(self.max_route_km) or len(points) < 2:
            return
        total = sum(float(distance_m(a[0], a[1], b[0], b[1])) for a, b in pairwise(points))
        if total > self.max_route_km * 1000:
            raise LimitError(
                "query.to", f"routes are limited to {self.max_route_km:g} km between the points"
            )


def place_json(place: Place | None, site: Site) -> dict[str, Any]:
    """The public properties of a place shown in an answer."""
    props = place.properties if place is not None else {}
    shown = {k: props[k] for k in SHOWN if k in props}
    return {
        "id": site.id,
        **shown,
        "name": site.name,
        "names": props.get("name", {"es": site.name}),
        "services": list(site.services),
        "opening_hours": site.opening_hours,
        "languages": list(site.languages),
        "populations": list(site.populations),
    }


def site_json(site: Site) -> dict[str, Any]:
    """The public view of a routing site (id, name, services, hours, languages, location)."""
    return {
        "id": site.id,
        "name": site.name,
        "services": list(site.services),
        "opening_hours": site.opening_hours,
        "languages": list(site.languages),
        "coordinates": [site.lon, site.lat],
    }


def _route_feature(report: RouteReport, **extra: Any) -> dict[str, Any]:
    feature = report.to_geojson()
    feature["properties"].update(extra)
    return feature


def _collection(features: list[dict[str, Any]], **members: Any) -> dict[str, Any]:
    return {"type": "FeatureCollection", **members, "features": features,
            "attribution": ATTRIBUTION}  # fmt: skip


def route_answer(
    deployment: Deployment,
    caller: Caller,
    *,
    origin: LonLat,
    destination: LonLat,
    when: datetime | None = None,
    alternatives: int = 1,
    limits: Limits | None = None,
) -> tuple[TransitService, SafeRouteAnswer | NoSafeRouteError]:
    """The safe-route answer as objects: the network's service and the answer.

    When avoid zones leave no safe route, the answer is the :class:`NoSafeRouteError` that
    carries the least-risk route.
    """
    service = deployment.route_service([origin, destination], ["origin", "destination"])
    (limits or Limits()).check_route([origin, destination])
    try:
        return service, service.safe_route(
            origin, destination, caller, when=when, alternatives=alternatives
        )
    except NoSafeRouteError as exc:
        return service, exc


def safe_route_geojson(
    service: TransitService, result: SafeRouteAnswer | NoSafeRouteError
) -> dict[str, Any]:
    """Safe routes, ranked, with the shortest beside them; or the least-risk route, marked."""
    if isinstance(result, NoSafeRouteError):
        features = []
        if result.least_risk is not None:
            features.append(
                _route_feature(result.least_risk, role="least_risk_crossing_avoid_zones")
            )
        # [page] directions and the risk sentence in words (geomap.directions)
        return directions.annotate(
            _collection(
                features, network=service.network_id, safeRouteFound=False, message=str(result)
            )
        )
    features = [
        _route_feature(report, role="safe", rank=rank)
        for rank, report in enumerate(result.routes, start=1)
    ]
    features.append(_route_feature(result.shortest, role="shortest"))
    # [page] directions and the risk sentence in words for every route (geomap.directions)
    return directions.annotate(
        _collection(
            features,
            network=service.network_id,
            safeRouteFound=True,
            night=result.night,
            comparison=result.comparison(),
        )
    )


def safe_route(
    deployment: Deployment,
    caller: Caller,
    *,
    origin: LonLat,
    destination: LonLat,
    when: datetime | None = None,
    alternatives: int = 1,
    limits: Limits | None = None,
) -> dict[str, Any]:
    """The safe-route answer as GeoJSON (see :func:`route_answer`)."""
    return safe_route_geojson(
        *route_answer(
            deployment, caller, origin=origin, destination=destination, when=when,
            alternatives=alternatives, limits=limits,
        )
    )  # fmt: skip


def via(
    deployment: Deployment,
    caller: Caller,
    *,
    points: list[LonLat],
    when: datetime | None = None,
    limits: Limits | None = None,
) -> dict[str, Any]:
    """Safe legs through chosen points, one feature per leg, with the totals."""
    names = ["origin", *(f"via point {i}" for i in range(1, len(points) - 1)), "destination"]
    service = deployment.route_service(points, names)
    (limits or Limits()).check_route(points)
    legs = service.via(points, caller, when=when)
    features = [_route_feature(r, role="leg", leg=n) for n, r in enumerate(legs, start=1)]
    return _collection(
        features,
        network=service.network_id,
        safeRouteFound=True,
        total_length_m=round(sum(r.route.length_m for r in legs), 1),
        total_minutes=round(sum(r.route.duration_s for r in legs) / 60.0, 1),
    )


def nearby(
    deployment: Deployment,
    caller: Caller,
    *,
    origin: LonLat,
    minutes: float,
    when: datetime | None = None,
    service: str | None = None,
    open_on_arrival: bool = False,
    language: str | None = None,
    population: str | None = None,
) -> dict[str, Any]:
    """Places within ``minutes`` on foot, as GeoJSON points sorted by walking time."""
    transit = deployment.locate(origin, what="point")
    found = transit.nearby(
        origin, caller, minutes=minutes, when=when, service=service,
        open_on_arrival=open_on_arrival, language=language, population=population,
    )  # fmt: skip
    places = {p.site.id: p for p in transit.places(caller)}
    return _collection(
        [
            {
                "type": "Feature",
                "id": item["site"].id,
                "geometry": {"type": "Point", "coordinates": [item["site"].lon, item["site"].lat]},
                "properties": {
                    **place_json(places.get(item["site"].id), item["site"]),
                    "walking_minutes": item["minutes"],
                    "distance_m": item["distance_m"],
                    "open_on_arrival": item["open"],
                    # [page] hours in words and the next change (geomap.hours)
                    "hours": hours.for_answers(item["site"].opening_hours, when=when),
                },
            }
            for item in found
        ],
        network=transit.network_id,
    )


def catchments(
    deployment: Deployment,
    *,
    origin: LonLat,
    minutes: list[float],
    when: datetime | None = None,
    limits: Limits | None = None,
) -> dict[str, Any]:
    """Walking catchments as GeoJSON polygons, smallest first (repeated times once)."""
    import shapely

    check_minutes(minutes, limits or Limits())
    minutes = sorted(set(minutes))
    transit = deployment.locate(origin, what="point")
    return _collection(
        [
            {
                "type": "Feature",
                "properties": {"minutes": m},
                "geometry": shapely.geometry.mapping(area),
            }
            for m, area in transit.catchments(origin, minutes, when=when)
        ],
        network=transit.network_id,
    )


def check_minutes(minutes: Sequence[float], limits: Limits) -> None:
    """Refuse catchment times beyond the limits (before any search)."""
    if not minutes or len(minutes) > limits.max_catchments:
        raise LimitError("query.minutes", f"give 1 to {limits.max_catchments} times")
    bad = [m for m in minutes if not (0 < m <= limits.max_catchment_minutes)]
    if bad:
        raise LimitError(
            "query.minutes", f"each time must be in (0, {limits.max_catchment_minutes:g}] minutes"
        )


def go_to_help(
    deployment: Deployment, caller: Caller, *, origin: LonLat, service: str, when: datetime
) -> dict[str, Any]:
    """The best open place offering ``service`` and the safe route to it."""
    transit = deployment.locate(origin, what="point")
    site, report, arrival = transit.go_to_help(origin, caller, service=service, when=when)
    feature = _route_feature(
        report,
        place=place_json(transit.place(site.id, caller), site),
        arrival=arrival.isoformat(timespec="minutes"),
    )
    # [page] the place's hours in words and the route's directions (geomap.hours, .directions)
    feature["properties"]["place"]["hours"] = hours.for_answers(site.opening_hours, when=when)
    return directions.annotate(_collection([feature], network=transit.network_id))


def stages(
    deployment: Deployment,
    caller: Caller,
    *,
    origin: LonLat,
    destination: LonLat,
    max_km: float,
    when: datetime | None = None,
    limits: Limits | None = None,
) -> dict[str, Any]:
    """Days of walking between shelters along the safe route, and the gaps."""
    limits = limits or Limits()
    if not 0 < max_km <= limits.max_stage_km:
        raise LimitError("query.max_km", f"max_km must be in (0, {limits.max_stage_km:g}]")
    transit = deployment.route_service([origin, destination], ["origin", "destination"])
    limits.check_route([origin, destination])
    report, days, gaps = transit.plan_stages(
        origin, destination, caller, max_km_per_day=max_km, when=when
    )
    return _collection(
        [report.to_geojson()],
        network=transit.network_id,
        stages=[
            {
                "day": d.day,
                "from_km": d.from_km,
                "to_km": d.to_km,
                "shelter": site_json(d.shelter) if d.shelter else None,
                "detour_m": round(d.detour_m, 1),
            }
            for d in days
        ],
        gaps=gaps,
    )


def check_services(codes: Sequence[str], *, field: str = "query.service") -> list[str]:
    """Service codes, each known; refused with the list of valid ones.

    Raises
    ------
    QuestionError
        For an empty list or an unknown code.
    """
    from geomap.registry.vocab import SERVICES

    clean = [c.strip() for c in codes if c.strip()]
    unknown = [c for c in clean if c not in SERVICES]
    if not clean or unknown:
        message = (
            f"unknown service code(s) {', '.join(unknown) or '(none given)'}; "
            f"known: {', '.join(SERVICES)}"
        )
        raise QuestionError(field, message)
    return clean


def layer_service(deployment: Deployment, points: Sequence[LonLat]) -> TransitService | None:
    """The network covering most of a layer's points (sampled), or None if none covers any."""
    if not points or not len(deployment):
        return None
    step = max(1, len(points) // 50)
    votes: dict[str, int] = {}
    services: dict[str, TransitService] = {}
    for point in points[::step]:
        try:
            found = deployment.locate(point)
        except (ServiceUnavailableError, ValueError):
            continue
        votes[found.network_id] = votes.get(found.network_id, 0) + 1
        services[found.network_id] = found
    if not votes:
        return None
    return services[max(votes, key=lambda k: votes[k])]


def coverage(
    transit: TransitService | None,
    caller: Caller,
    demand: Any,
    *,
    services: Sequence[str],
    minutes: float,
    when: datetime | None,
    fmt: str,
    limits: Limits | None = None,
) -> tuple[Any, str]:
    """Coverage per service for a population layer: ``(body, media type)``.

    ``json`` is the demand layer as GeoJSON with the totals per service; ``csv`` the tidy
    table and ``hxl`` the same with HXL hashtags.

    Raises
    ------
    ServiceUnavailableError
        Without a network or a population layer.
    RegistryValidationError
        For an unknown service code or too many services.
    """
    codes = check_services(services)
    limits = limits or Limits()
    if len(codes) > limits.max_coverage_services:
        raise LimitError(
            "query.service", f"at most {limits.max_coverage_services} services per request"
        )
    if transit is None:
        raise ServiceUnavailableError("coverage is not available: no network covers the layer")
    if demand is None:
        raise ServiceUnavailableError(
            "coverage is not available: this server has no population layer (GEOMAP_POPULATION)"
        )
    report = transit.coverage(caller, demand, services=codes, minutes=minutes, when=when)
    if fmt in ("csv", "hxl"):
        return report.csv_text(hxl=fmt == "hxl"), "text/csv; charset=utf-8"
    layer = report.layers()["demand"]
    totals = report.totals()  # the total column (group layers also have per-group totals)
    return {**layer, "minutes": minutes, "totals": totals, "attribution": ATTRIBUTION}, (
        "application/geo+json"
    )
