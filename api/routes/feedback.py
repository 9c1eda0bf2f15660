"""Anonymous feedback on public places: "report a problem with this place".

``POST /feedback`` takes ``{"place": "<id>", "kind": "closed|wrong_hours|unsafe|other",
"note": "optional text"}`` (``application/json``, note at most 500 characters, no control
characters) and answers 202 ``{"received": true}``. Nothing about the sender is kept: no
coordinates, no address, no user agent, the day only. An id that is not a current public place
answers 404 exactly like an unknown one. ``GET /feedback`` lists the reports of the caller's
countries (officers) or all (admins).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from api import editing
from api.deps import AnyCaller, Store, check_query
from api.errors import MalformedRequestError
from geomap.errors import AuthenticationError

router = APIRouter(dependencies=[Depends(check_query)], tags=["Feedback"])

_FIELDS = ("place", "kind", "note")


def _problem(field: str, message: str) -> MalformedRequestError:
    return MalformedRequestError(
        [{"index": None, "id": None, "field": field, "message": message}], message
    )


def _read(body: Any) -> tuple[str, str, str | None]:
    if not isinstance(body, dict):
        raise _problem("body", 'send a JSON object: {"place": …, "kind": …, "note": …}')
    unknown = sorted(set(body) - set(_FIELDS))
    if unknown:
        raise _problem(unknown[0], f"unknown member {unknown[0]!r}; send only place, kind, note")
    place, kind, note = body.get("place"), body.get("kind"), body.get("note")
    if not isinstance(place, str) or not place:
        raise _problem("place", "place must be the id of a place (a string)")
    if not isinstance(kind, str):
        raise _problem("kind", "kind must be one of closed, wrong_hours, unsafe, other")
    if note is not None and not isinstance(note, str):
        raise _problem("note", "note must be a string")
    return place, kind, note


@router.post("/feedback", summary="Report a problem with a place (anonymous)", status_code=202)
async def post_feedback(*, request: Request, store: Store) -> JSONResponse:
    """Keep an anonymous report; officers of the place's country read it."""
    body = await editing.read_json(request, ("application/json",))
    place, kind, note = _read(body)
    await run_in_threadpool(store.add_feedback, place, kind, note)
    return JSONResponse({"received": True}, status_code=202)


@router.get("/feedback", summary="Reports about places of the caller's countries")
def list_feedback(
    *,
    caller: AnyCaller,
    store: Store,
    country: Annotated[
        str | None, Query(min_length=2, max_length=2, description="ISO code of the country.")
    ] = None,
) -> JSONResponse:
    """Officers read their countries' reports, admins all; newest first."""
    if caller.is_anonymous:
        raise AuthenticationError("reading feedback needs an officer or admin token")
    reports = store.list_feedback(caller, country=country)
    return JSONResponse(
        {
            "feedback": [
                {
                    "id": f.id,
                    "place": f.place,
                    "country": f.country,
                    "kind": f.kind,
                    "note": f.note,
                    "receivedOn": f.received_on,
                }
                for f in reports
            ],
            "numberReturned": len(reports),
        }
    )
