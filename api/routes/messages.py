"""The message bank: messages in force per country and language, and printable booklets."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from api.deps import AnyCaller, Store, check_query
from api.responses import FastJSONResponse
from geomap import booklet, messagebank

router = APIRouter(dependencies=[Depends(check_query)], tags=["Message bank"])

Country = Annotated[str, Query(description="ISO 3166-1 alpha-2 code, e.g. `BR`.")]
#: A booklet loads nothing: its styles are inline.
BOOKLET_CSP = "default-src 'none'; style-src 'unsafe-inline'"
Lang = Annotated[str, Query(description="ISO 639 language code, e.g. `pt`, `es`, `guc`.")]


@router.get("/messages", summary="Key messages in force in a country, in a language")
async def messages(
    *, store: Store, caller: AnyCaller, country: Country, lang: Lang = "es"
) -> FastJSONResponse:
    """Messages the caller may see, by topic; each in ``lang`` when it has it.

    A message without ``lang`` comes in Spanish, Portuguese or English (its ``lang`` says).
    """
    code, language = messagebank.check_country(country), messagebank.check_language(lang)
    body = await run_in_threadpool(
        messagebank.bank_json, store, caller, country=code, lang=language, today=date.today()
    )
    return FastJSONResponse(body)


@router.get(
    "/messages/booklet",
    summary="A printable booklet of the messages in force (print-ready HTML)",
    response_class=HTMLResponse,
)
async def messages_booklet(
    *,
    store: Store,
    caller: AnyCaller,
    country: Country,
    lang: Lang = "es",
    paper: Annotated[Literal["A5", "A4"], Query()] = "A5",
) -> HTMLResponse:
    """One self-contained HTML page per country and language, for print (A5 or A4)."""
    code, language = messagebank.check_country(country), messagebank.check_language(lang)
    html = await run_in_threadpool(
        booklet.booklet, store, caller, country=code, lang=language, today=date.today(),
        paper=paper,
    )  # fmt: skip
    return HTMLResponse(html, headers={"Content-Security-Policy": BOOKLET_CSP})
