"""Routes for people in transit: safe routes, nearby places, catchments, help, stages, coverage.

Coordinates in these requests are never logged or stored (the server keeps no access log), and
every answer that carries them is sent with ``Cache-Control: no-store``.

The quick answers (a route, nearby places, help: a few ms of CPU each) run on the event loop
itself, so concurrent requests are served one after the other instead of sharing the GIL in
5 ms slices across pool threads. The heavy ones (catchments, stages, coverage) pass the
:class:`~api.limits.HeavyGate` and run in the thread pool: a few at a time, the rest 503.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from api import transit
from api.deps import AnyCaller, CurrentSettings, Networks, check_query
from api.errors import PATTERN_MESSAGES
from api.limits import HeavyGate
from api.responses import FastJSONResponse
from api.transit import MINUTES_PATTERN, POINT_PATTERN, POINTS_PATTERN
from geomap import answers
from geomap.localtime import local_now
from geomap.registry.vocab import SERVICES

router = APIRouter(dependencies=[Depends(check_query)], tags=["Routes for people in transit"])

Point = Annotated[str, Query(description="A point as `lon,lat`.", pattern=POINT_PATTERN)]
Time = Annotated[
    str | None,
    Query(
        description="Local date-time, ISO (night mode, hours on arrival).",
        json_schema_extra={"format": "date-time"},
    ),
]
_CODES = "|".join(SERVICES)
SERVICE_PATTERN = f"^({_CODES})$"
SERVICES_PATTERN = f"^({_CODES})(,({_CODES}))*$"
PATTERN_MESSAGES[SERVICE_PATTERN] = f"must be one service code: {', '.join(SERVICES)}"
PATTERN_MESSAGES[SERVICES_PATTERN] = (
    f"must be service codes, comma-separated: {', '.join(SERVICES)}"
)
NO_STORE = {"Cache-Control": "no-store"}
#: The answers are GeoJSON (declared beside FastAPI's default ``application/json``).
GEOJSON: dict[int | str, dict[str, Any]] = {200: {"content": {"application/geo+json": {}}}}


def _answer(body: Any, media_type: str = "application/geo+json") -> FastJSONResponse:
    return FastJSONResponse(body, media_type=media_type, headers=NO_STORE)


def _gate(request: Request) -> HeavyGate:
    gate: HeavyGate = request.app.state.gate
    return gate


@router.get(
    "/routes/safe", summary="Safe walking route, with the shortest beside it", responses=GEOJSON
)
async def safe_route(
    *,
    networks: Networks,
    caller: AnyCaller,
    settings: CurrentSettings,
    origin: Annotated[
        str, Query(alias="from", description="Origin `lon,lat`.", pattern=POINT_PATTERN)
    ],
    destination: Annotated[
        str, Query(alias="to", description="Destination `lon,lat`.", pattern=POINT_PATTERN)
    ],
    time: Time = None,
    alternatives: Annotated[int, Query(ge=1, le=5)] = 1,
    via: Annotated[
        str | None,
        Query(
            description="Places to pass through, `lon,lat;lon,lat`, in order.",
            pattern=POINTS_PATTERN,
        ),
    ] = None,
) -> FastJSONResponse:
    """Routes ranked by risk then time, each with its exposure and the places along it.

    With ``via``, one safe leg per stretch between the points instead.
    """
    limits = answers.Limits.from_settings(settings)
    a, b = transit.parse_point(origin, "from"), transit.parse_point(destination, "to")
    when = transit.parse_time(time)
    if via is not None:
        points = [a, *transit.parse_points(via, "via"), b]
        return _answer(answers.via(networks, caller, points=points, when=when, limits=limits))
    return _answer(
        answers.safe_route(
            networks,
            caller,
            origin=a,
            destination=b,
            when=when,
            alternatives=alternatives,
            limits=limits,
        )
    )


@router.get("/nearby", summary="Places reachable on foot within a time", responses=GEOJSON)
async def nearby(
    *,
    networks: Networks,
    caller: AnyCaller,
    at: Point,
    minutes: Annotated[float, Query(gt=0, le=120)] = 20.0,
    services: Annotated[str | None, Query(alias="service", pattern=SERVICES_PATTERN)] = None,
    open_now: Annotated[bool, Query(alias="open")] = False,
    lang: str | None = None,
    population: str | None = None,
    time: Time = None,
) -> FastJSONResponse:
    """Sorted by network walking time; ``open=true`` keeps places open on arrival."""
    origin = transit.parse_point(at, "at")
    when = transit.parse_time(time) or (local_now(origin) if open_now else None)
    if services is not None:
        answers.check_services(services.split(","))
    return _answer(
        answers.nearby(
            networks,
            caller,
            origin=origin,
            minutes=minutes,
            when=when,
            service=services,
            open_on_arrival=open_now,
            language=lang,
            population=population,
        )
    )


@router.get(
    "/catchments", summary="Areas reachable on foot within several times", responses=GEOJSON
)
async def catchments(
    *,
    request: Request,
    networks: Networks,
    caller: AnyCaller,
    settings: CurrentSettings,
    at: Point,
    minutes: Annotated[
        str, Query(description="Comma-separated, e.g. 5,10,15.", pattern=MINUTES_PATTERN)
    ] = "5,10,15",
    time: Time = None,
) -> FastJSONResponse:
    """Polygons following the streets reached, one per time (a heavy request)."""
    del caller  # a bad or revoked token is refused like everywhere else
    limits = answers.Limits.from_settings(settings)
    origin, when = transit.parse_point(at, "at"), transit.parse_time(time)
    values = transit.parse_minutes(minutes)
    answers.check_minutes(values, limits)
    body = await _gate(request).run(
        answers.catchments, networks, origin=origin, minutes=values, when=when, limits=limits
    )
    return _answer(body)


@router.get("/help", summary="Route to the best open place offering a service", responses=GEOJSON)
async def go_to_help(
    *,
    networks: Networks,
    caller: AnyCaller,
    at: Point,
    need: Annotated[str, Query(description="Service code, e.g. `food`.", pattern=SERVICE_PATTERN)],
    time: Time = None,
) -> FastJSONResponse:
    """By walking time, with opening hours checked at the arrival time."""
    (code,) = answers.check_services([need], field="query.need")
    origin = transit.parse_point(at, "at")
    return _answer(
        answers.go_to_help(
            networks,
            caller,
            origin=origin,
            service=code,
            when=transit.parse_time(time) or local_now(origin),
        )
    )


@router.get(
    "/coverage",
    summary="Who can reach each service on foot (population coverage)",
    responses={200: {"content": {"application/geo+json": {}, "text/csv": {}}}},
)
async def coverage(
    *,
    request: Request,
    networks: Networks,
    caller: AnyCaller,
    settings: CurrentSettings,
    services: Annotated[
        str,
        Query(
            alias="service", description="Service codes, comma-separated.", pattern=SERVICES_PATTERN
        ),
    ],
    minutes: Annotated[float, Query(gt=0, le=120)] = 15.0,
    time: Time = None,
    f: Annotated[Literal["json", "csv", "hxl"], Query()] = "json",
) -> Response:
    """The population layer's units with walking times, and the share of people covered."""
    limits = answers.Limits.from_settings(settings)
    codes = answers.check_services(services.split(","))
    when = transit.parse_time(time)
    demand = request.app.state.services.demand
    service = answers.layer_service(networks, demand.points) if demand is not None else None
    body, media = await _gate(request).run(
        answers.coverage, service, caller, demand, services=codes, minutes=minutes,
        when=when, fmt=f, limits=limits,
    )  # fmt: skip
    if isinstance(body, str):
        return Response(body, media_type=media)
    return FastJSONResponse(body, media_type=media)


@router.get("/stages", summary="Split a long walk into days ending at shelters", responses=GEOJSON)
async def stages(
    *,
    request: Request,
    networks: Networks,
    caller: AnyCaller,
    settings: CurrentSettings,
    origin: Annotated[str, Query(alias="from", pattern=POINT_PATTERN)],
    destination: Annotated[str, Query(alias="to", pattern=POINT_PATTERN)],
    max_km: Annotated[float, Query(gt=0, le=80)] = 25.0,
) -> FastJSONResponse:
    """Stages of at most ``max_km``, the shelters they end at, and gaps without shelter."""
    limits = answers.Limits.from_settings(settings)
    a, b = transit.parse_point(origin, "from"), transit.parse_point(destination, "to")
    networks.route_service([a, b], ["origin", "destination"])
    limits.check_route([a, b])
    body = await _gate(request).run(
        answers.stages, networks, caller, origin=a, destination=b, max_km=max_km, limits=limits
    )
    return _answer(body)
