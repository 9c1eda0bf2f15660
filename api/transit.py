"""The answers for people in transit, as GeoJSON.

Safe routes, nearby places, catchments, the way to help, and stages. Request parsing and the
response shapes live here; the routing itself is :class:`geomap.transit.TransitService`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from api.errors import MalformedRequestError
from geomap.errors import ServiceUnavailableError
from geomap.registry.access import Caller
from geomap.transit import TransitService
from routing.safe import NoSafeRouteError, RouteReport, Site


def _problem(field: str, message: str) -> MalformedRequestError:
    return MalformedRequestError(
        [{"index": None, "id": None, "field": field, "message": message}], message
    )


def parse_point(text: str, field: str) -> tuple[float, float]:
    """``"lon,lat"`` as floats (range checks happen when snapping).

    Raises
    ------
    MalformedRequestError
        Naming the parameter (never echoing other parameters).
    """
    parts = text.split(",")
    if len(parts) != 2:
        raise _problem(f"query.{field}", f"{field} must be 'lon,lat'")
    try:
        return float(parts[0]), float(parts[1])
    except ValueError:
        raise _problem(f"query.{field}", f"{field} must be two numbers 'lon,lat'") from None


def parse_time(text: str | None, field: str = "time") -> datetime | None:
    """An ISO local date-time, or None."""
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text).replace(tzinfo=None)
    except ValueError:
        raise _problem(
            f"query.{field}", f"{field} must be an ISO date-time such as 2026-11-23T21:30"
        ) from None


def parse_minutes(text: str) -> list[float]:
    """Comma-separated positive minutes (at most 5 values, each at most 120)."""
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        raise _problem("query.minutes", "minutes must be numbers such as 5,10,15") from None
    if not values or len(values) > 5 or any(not 0 < v <= 120 for v in values):
        raise _problem("query.minutes", "give 1 to 5 times, each in (0, 120] minutes")
    return values


def service_of(transit: TransitService | None) -> TransitService:
    """The transit service, or a 503 when the server has no network."""
    if transit is None:
        raise ServiceUnavailableError(
            "routing is not available: this server has no walking network (GEOMAP_NETWORK)"
        )
    return transit


def site_json(site: Site) -> dict[str, Any]:
    """The public view of a routing site."""
    return {
        "id": site.id,
        "name": site.name,
        "services": list(site.services),
        "opening_hours": site.opening_hours,
        "languages": list(site.languages),
        "coordinates": [site.lon, site.lat],
    }


def safe_route(
    transit: TransitService,
    caller: Caller,
    *,
    origin: tuple[float, float],
    destination: tuple[float, float],
    when: datetime | None,
    alternatives: int,
) -> dict[str, Any]:
    """Safe routes, ranked, with the shortest beside them; or the least-risk route, marked."""
    try:
        answer = transit.safe_route(
            origin, destination, caller, when=when, alternatives=alternatives
        )
    except NoSafeRouteError as exc:
        features = []
        if exc.least_risk is not None:
            feature = exc.least_risk.to_geojson()
            feature["properties"]["role"] = "least_risk_crossing_avoid_zones"
            features.append(feature)
        return {
            "type": "FeatureCollection",
            "safeRouteFound": False,
            "message": str(exc),
            "features": features,
        }
    features = []
    for rank, report in enumerate(answer.routes, start=1):
        feature = report.to_geojson()
        feature["properties"].update({"role": "safe", "rank": rank})
        features.append(feature)
    shortest = answer.shortest.to_geojson()
    shortest["properties"]["role"] = "shortest"
    features.append(shortest)
    return {
        "type": "FeatureCollection",
        "safeRouteFound": True,
        "night": answer.night,
        "comparison": answer.comparison(),
        "features": features,
    }


def via(
    transit: TransitService,
    caller: Caller,
    *,
    points: list[tuple[float, float]],
    when: datetime | None,
) -> dict[str, Any]:
    """Safe legs through chosen points, one feature per leg, with the totals."""
    legs = transit.via(points, caller, when=when)
    features = []
    for number, report in enumerate(legs, start=1):
        feature = report.to_geojson()
        feature["properties"].update({"role": "leg", "leg": number})
        features.append(feature)
    return {
        "type": "FeatureCollection",
        "safeRouteFound": True,
        "total_length_m": round(sum(r.route.length_m for r in legs), 1),
        "total_minutes": round(sum(r.route.duration_s for r in legs) / 60.0, 1),
        "features": features,
    }


def parse_points(text: str, field: str) -> list[tuple[float, float]]:
    """``"lon,lat;lon,lat"`` (at most 8 points)."""
    parts = [p for p in text.split(";") if p.strip()]
    if not parts or len(parts) > 8:
        raise _problem(f"query.{field}", f"{field} takes 1 to 8 points 'lon,lat;lon,lat'")
    return [parse_point(p, field) for p in parts]


def nearby(
    transit: TransitService,
    caller: Caller,
    *,
    origin: tuple[float, float],
    minutes: float,
    when: datetime | None,
    service: str | None,
    open_on_arrival: bool,
    language: str | None,
    population: str | None,
) -> dict[str, Any]:
    """Places within ``minutes`` on foot, as GeoJSON points sorted by walking time."""
    found = transit.nearby(
        origin, caller, minutes=minutes, when=when, service=service,
        open_on_arrival=open_on_arrival, language=language, population=population,
    )  # fmt: skip
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": item["site"].id,
                "geometry": {"type": "Point", "coordinates": [item["site"].lon, item["site"].lat]},
                "properties": {
                    **{k: v for k, v in site_json(item["site"]).items() if k != "coordinates"},
                    "walking_minutes": item["minutes"],
                    "distance_m": item["distance_m"],
                    "open_on_arrival": item["open"],
                },
            }
            for item in found
        ],
    }


def catchments(
    transit: TransitService, *, origin: tuple[float, float], minutes: list[float], when: Any
) -> dict[str, Any]:
    """Walking catchments as GeoJSON polygons, smallest first."""
    import shapely

    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"minutes": m},
                "geometry": shapely.geometry.mapping(area),
            }
            for m, area in transit.catchments(origin, minutes, when=when)
        ],
    }


def go_to_help(
    transit: TransitService,
    caller: Caller,
    *,
    origin: tuple[float, float],
    service: str,
    when: datetime,
) -> dict[str, Any]:
    """The best open place offering ``service`` and the safe route to it."""
    site, report, arrival = transit.go_to_help(origin, caller, service=service, when=when)
    feature = report.to_geojson()
    feature["properties"].update(
        {"place": site_json(site), "arrival": arrival.isoformat(timespec="minutes")}
    )
    return {"type": "FeatureCollection", "features": [feature]}


def stages(
    transit: TransitService,
    caller: Caller,
    *,
    origin: tuple[float, float],
    destination: tuple[float, float],
    max_km: float,
) -> dict[str, Any]:
    """Days of walking between shelters along the safe route, and the gaps."""
    report, days, gaps = transit.plan_stages(origin, destination, caller, max_km_per_day=max_km)
    route: RouteReport = report
    return {
        "type": "FeatureCollection",
        "features": [route.to_geojson()],
        "stages": [
            {
                "day": d.day,
                "from_km": d.from_km,
                "to_km": d.to_km,
                "shelter": site_json(d.shelter) if d.shelter else None,
                "detour_m": round(d.detour_m, 1),
            }
            for d in days
        ],
        "gaps": gaps,
    }


def coverage(
    transit: TransitService,
    caller: Caller,
    demand: Any,
    *,
    services: str,
    minutes: float,
    when: datetime | None,
    fmt: str,
) -> tuple[Any, str]:
    """Coverage per service for the server's population layer: ``(body, media type)``.

    ``json`` is the demand layer as GeoJSON with the totals per service; ``csv`` the tidy
    table and ``hxl`` the same with HXL hashtags.

    Raises
    ------
    ServiceUnavailableError
        Without a population layer.
    MalformedRequestError
        For an unknown service code.
    """
    from geomap.registry.vocab import SERVICES

    if demand is None:
        raise ServiceUnavailableError(
            "coverage is not available: this server has no population layer (GEOMAP_POPULATION)"
        )
    codes = [c for c in services.split(",") if c]
    unknown = [c for c in codes if c not in SERVICES]
    if not codes or unknown:
        raise _problem(
            "query.service",
            f"unknown service code(s) {', '.join(unknown) or '(none given)'}; "
            f"known: {', '.join(SERVICES)}",
        )
    report = transit.coverage(caller, demand, services=codes, minutes=minutes, when=when)
    if fmt in ("csv", "hxl"):
        return report.csv_text(hxl=fmt == "hxl"), "text/csv; charset=utf-8"
    layer = report.layers()["demand"]
    return {**layer, "minutes": minutes, "totals": report.totals()}, "application/geo+json"
