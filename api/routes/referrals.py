"""Referral answers: the pathway in force where a person is, as the caller may see it.

The point asked about is never logged or stored, and the answer is sent with
``Cache-Control: no-store`` (as every answer carrying a person's whereabouts).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from api import transit
from api.deps import AnyCaller, CurrentSettings, Networks, check_query
from api.responses import FastJSONResponse
from geomap.localtime import local_now
from geomap.referrals import ReferralDirectory, referral_answer
from geomap.registry.pathways import NEEDS

router = APIRouter(dependencies=[Depends(check_query)], tags=["Referrals"])
NO_STORE = {"Cache-Control": "no-store"}


def get_directory(request: Request) -> ReferralDirectory:
    """The registry's pathways, kept with the app's services (read once per version)."""
    services = request.app.state.services
    directory = services.extras.get("referrals")
    if directory is None:
        directory = ReferralDirectory(
            services.store, country_tolerance_km=services.settings.country_tolerance_km
        )
        services.extras["referrals"] = directory
    return directory  # type: ignore[no-any-return]


Directory = Annotated[ReferralDirectory, Depends(get_directory)]


@router.get("/referrals", summary="The referral pathway in force here, for a need")
async def referrals(
    *,
    networks: Networks,
    caller: AnyCaller,
    directory: Directory,
    settings: CurrentSettings,
    need: Annotated[str, Query(description=f"One of: {', '.join(NEEDS)}.")],
    at: Annotated[str | None, Query(description="Where the person is, `lon,lat`.")] = None,
    from_place: Annotated[
        str | None, Query(description="Or the id of the place the person is at.")
    ] = None,
    time: Annotated[
        str | None, Query(description="Local date-time, ISO (validity, hours on arrival).")
    ] = None,
) -> FastJSONResponse:
    """The steps the caller may see, numbered in order, with walking times and opening.

    Steps come first (``role: step``), then the public entry points (``role: entry_point``).
    Anonymous callers get public steps and the entry points only.
    """
    point = transit.parse_point(at, "at") if at is not None else None
    body = referral_answer(
        networks,
        directory,
        caller,
        need=need,
        when=transit.parse_time(time) or local_now(point),
        at=point,
        from_place=from_place,
        max_minutes=settings.max_catchment_minutes,
    )
    return FastJSONResponse(body, media_type="application/geo+json", headers=NO_STORE)
