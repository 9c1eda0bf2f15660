"""Monitoring with no personal data: referrals made and rumours heard, and their reports.

``POST /monitoring/referrals`` takes ``{"pathway", "to_step", "from_place"?, "date",
"population"?}`` and ``POST /monitoring/rumours`` ``{"topic", "country", "admin1"?, "date"}``
from partners, officers and admins (a token; anything else about a person is refused, 422).
Both answer 201 with what was kept (month or week, area; never the day or the place).
``GET /reports/referrals`` and ``GET /reports/rumours`` publish counts per cell with counts
under 5 shown as ``<5`` (``?f=json|csv|hxl``).
"""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from api import editing
from api.deps import AnyCaller, Store, check_query
from geomap import messagebank, monitoring
from geomap.errors import AuthenticationError
from geomap.registry.monitoring import ReferralLogIn, RumourIn
from geomap.reports import Table

router = APIRouter(dependencies=[Depends(check_query)], tags=["Monitoring"])

Format = Annotated[Literal["json", "csv", "hxl"], Query(description="json, csv or hxl.")]
CountryFilter = Annotated[str | None, Query(description="ISO 3166-1 alpha-2 code, e.g. `BR`.")]


def _body(model: type[ReferralLogIn | RumourIn]) -> dict[str, Any]:
    schema = {"schema": model.model_json_schema()}
    return {"requestBody": {"required": True, "content": {"application/json": schema}}}


def _recorder(caller: AnyCaller) -> None:
    if caller.is_anonymous:
        raise AuthenticationError("recording needs a partner, officer or admin token")


@router.post("/monitoring/referrals", summary="Record a referral made (no personal data)",
             status_code=201, openapi_extra=_body(ReferralLogIn))  # fmt: skip
async def post_referral(*, request: Request, store: Store, caller: AnyCaller) -> JSONResponse:
    """Keep that a referral was made: pathway, step, from which place, date, population."""
    _recorder(caller)
    body = await editing.read_json(request, ("application/json",))
    row = await run_in_threadpool(monitoring.record_referral, store, body, caller)
    return JSONResponse({"recorded": dataclasses.asdict(row)}, status_code=201)


@router.post("/monitoring/rumours", summary="Record a rumour heard (no source person)",
             status_code=201, openapi_extra=_body(RumourIn))  # fmt: skip
async def post_rumour(*, request: Request, store: Store, caller: AnyCaller) -> JSONResponse:
    """Keep a rumour's topic, country, area and week."""
    _recorder(caller)
    body = await editing.read_json(request, ("application/json",))
    kept = await run_in_threadpool(monitoring.record_rumour, store, body, caller)
    return JSONResponse({"recorded": kept}, status_code=201)


def _answer(table: Table, fmt: str, name: str) -> Response:
    body, media = table.render(fmt)
    if isinstance(body, dict):
        return JSONResponse(body)
    disposition = f'attachment; filename="{name}.csv"'
    return Response(body, media_type=media, headers={"Content-Disposition": disposition})


@router.get(
    "/reports/referrals",
    summary="Referrals per pathway, area and month (<5 hidden)",
    responses={200: {"content": {"application/json": {}, "text/csv": {}}}},
)
async def referrals_report(
    *, store: Store, caller: AnyCaller, f: Format = "json", country: CountryFilter = None
) -> Response:
    """Counts for the pathways the caller may see; counts under 5 shown as ``<5``."""
    code = None if country is None else messagebank.check_country(country, field="query.country")
    table = await run_in_threadpool(monitoring.referrals_table, store, caller, country=code)
    return _answer(table, f, "referrals")


@router.get(
    "/reports/rumours",
    summary="Rumours per topic and week (<5 hidden)",
    responses={200: {"content": {"application/json": {}, "text/csv": {}}}},
)
async def rumours_report(
    *, store: Store, caller: AnyCaller, f: Format = "json", country: CountryFilter = None
) -> Response:
    """Counts per country, area, week and topic, with the messages answering each topic."""
    code = None if country is None else messagebank.check_country(country, field="query.country")
    table = await run_in_threadpool(
        monitoring.rumours_table, store, caller, country=code, today=date.today()
    )
    return _answer(table, f, "rumours")
