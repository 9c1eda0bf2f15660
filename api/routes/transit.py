"""Routes for people in transit: safe routes, nearby places, catchments, help and stages.

Coordinates in these requests are never logged or stored (the server keeps no access log).

The quick answers (a route, nearby places, help: about 2 ms of CPU each) run on the event loop
itself, so concurrent requests are served one after the other instead of sharing the GIL in
5 ms slices across pool threads, which stretched every request under load. The slow ones
(catchments, stages) run in the thread pool.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import ORJSONResponse as JSONResponse
from fastapi.responses import Response

from api import transit
from api.deps import AnyCaller, check_query
from geomap.transit import TransitService

router = APIRouter(dependencies=[Depends(check_query)], tags=["Routes for people in transit"])

Point = Annotated[str, Query(description="A point as `lon,lat`.")]
Time = Annotated[
    str | None, Query(description="Local date-time, ISO (night mode, hours on arrival).")
]


def get_transit(request: Request) -> TransitService:
    """The transit service (503 problem when the server has no network)."""
    return transit.service_of(getattr(request.app.state, "transit", None))


Transit = Annotated[TransitService, Depends(get_transit)]


@router.get("/routes/safe", summary="Safe walking route, with the shortest beside it")
async def safe_route(
    *,
    service: Transit,
    caller: AnyCaller,
    origin: Annotated[str, Query(alias="from", description="Origin `lon,lat`.")],
    destination: Annotated[str, Query(alias="to", description="Destination `lon,lat`.")],
    time: Time = None,
    alternatives: Annotated[int, Query(ge=1, le=5)] = 1,
    via: Annotated[
        str | None, Query(description="Places to pass through, `lon,lat;lon,lat`, in order.")
    ] = None,
) -> JSONResponse:
    """Routes ranked by risk then time, each with its exposure and the places along it.

    With ``via``, one safe leg per stretch between the points instead.
    """
    if via is not None:
        points = [
            transit.parse_point(origin, "from"),
            *transit.parse_points(via, "via"),
            transit.parse_point(destination, "to"),
        ]
        return JSONResponse(
            transit.via(service, caller, points=points, when=transit.parse_time(time))
        )
    return JSONResponse(
        transit.safe_route(
            service,
            caller,
            origin=transit.parse_point(origin, "from"),
            destination=transit.parse_point(destination, "to"),
            when=transit.parse_time(time),
            alternatives=alternatives,
        )
    )


@router.get("/nearby", summary="Places reachable on foot within a time")
async def nearby(
    *,
    service: Transit,
    caller: AnyCaller,
    at: Point,
    minutes: Annotated[float, Query(gt=0, le=120)] = 20.0,
    services: Annotated[str | None, Query(alias="service")] = None,
    open_now: Annotated[bool, Query(alias="open")] = False,
    lang: str | None = None,
    population: str | None = None,
    time: Time = None,
) -> JSONResponse:
    """Sorted by network walking time; ``open=true`` keeps places open on arrival."""
    from datetime import datetime

    when = transit.parse_time(time) or (datetime.now() if open_now else None)
    return JSONResponse(
        transit.nearby(
            service,
            caller,
            origin=transit.parse_point(at, "at"),
            minutes=minutes,
            when=when,
            service=services,
            open_on_arrival=open_now,
            language=lang,
            population=population,
        )
    )


@router.get("/catchments", summary="Areas reachable on foot within several times")
def catchments(
    *,
    service: Transit,
    at: Point,
    minutes: Annotated[str, Query(description="Comma-separated, e.g. 5,10,15.")] = "5,10,15",
    time: Time = None,
) -> JSONResponse:
    """Polygons following the streets reached, one per time."""
    return JSONResponse(
        transit.catchments(
            service,
            origin=transit.parse_point(at, "at"),
            minutes=transit.parse_minutes(minutes),
            when=transit.parse_time(time),
        )
    )


@router.get("/help", summary="Route to the best open place offering a service")
async def go_to_help(
    *,
    service: Transit,
    caller: AnyCaller,
    at: Point,
    need: Annotated[str, Query(description="Service code, e.g. `food`.")],
    time: Time = None,
) -> JSONResponse:
    """By walking time, with opening hours checked at the arrival time."""
    from datetime import datetime

    return JSONResponse(
        transit.go_to_help(
            service,
            caller,
            origin=transit.parse_point(at, "at"),
            service=need,
            when=transit.parse_time(time) or datetime.now(),
        )
    )


@router.get("/coverage", summary="Who can reach each service on foot (population coverage)")
def coverage(
    *,
    request: Request,
    service: Transit,
    caller: AnyCaller,
    services: Annotated[str, Query(alias="service", description="Service codes, comma-separated.")],
    minutes: Annotated[float, Query(gt=0, le=120)] = 15.0,
    time: Time = None,
    f: Annotated[Literal["json", "csv", "hxl"], Query()] = "json",
) -> Response:
    """The population layer's units with walking times, and the share of people covered."""
    body, media = transit.coverage(
        service,
        caller,
        getattr(request.app.state, "demand", None),
        services=services,
        minutes=minutes,
        when=transit.parse_time(time),
        fmt=f,
    )
    if isinstance(body, str):
        return Response(body, media_type=media)
    return JSONResponse(body, media_type=media)


@router.get("/stages", summary="Split a long walk into days ending at shelters")
def stages(
    *,
    service: Transit,
    caller: AnyCaller,
    origin: Annotated[str, Query(alias="from")],
    destination: Annotated[str, Query(alias="to")],
    max_km: Annotated[float, Query(gt=0, le=80)] = 25.0,
) -> JSONResponse:
    """Stages of at most ``max_km``, the shelters they end at, and gaps without shelter."""
    return JSONResponse(
        transit.stages(
            service,
            caller,
            origin=transit.parse_point(origin, "from"),
            destination=transit.parse_point(destination, "to"),
            max_km=max_km,
        )
    )
