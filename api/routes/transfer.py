"""Import a FeatureCollection into a collection, and export a whole collection."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from api import editing, transfer
from api.deps import AnyCaller, Collection, CurrentSettings, Reason, Store, Writer, check_query
from api.models import ImportReport

router = APIRouter(dependencies=[Depends(check_query)], tags=["Import and export"])


_IMPORT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            **{
                media: {"schema": {"$ref": "#/components/schemas/PlaceImport"}}
                for media in editing.FEATURE_TYPES
            },
            transfer.GEOPACKAGE: {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


@router.post(
    "/collections/{collectionId}/import",
    summary="Import a FeatureCollection (all or nothing)",
    operation_id="importFeatures",
    response_model=None,
    responses={200: {"model": ImportReport, "description": "What changed (or would)."}},
    openapi_extra=_IMPORT_BODY,
)
async def import_features(
    *,
    request: Request,
    spec: Collection,
    caller: Writer,
    why: Reason,
    store: Store,
    settings: CurrentSettings,
    dry_run: Annotated[
        bool, Query(alias="dryRun", description="Report what would change; write nothing.")
    ] = False,
    retire_missing: Annotated[
        bool,
        Query(
            alias="retireMissing",
            description="Retire records of the file's countries that the file lacks.",
        ),
    ] = False,
) -> JSONResponse:
    """Validate every feature first; any problem answers 422 listing all, nothing written.

    Features are matched by id: created, updated or left unchanged (re-importing the same
    collection, or an export of it, changes nothing). The body is a GeoJSON FeatureCollection
    or a GeoPackage (`application/geopackage+sqlite3`, e.g. written by `ogr2ogr` from this
    service).
    """
    media = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if media == transfer.GEOPACKAGE:
        body = await run_in_threadpool(transfer.read_geopackage_body, spec, await request.body())
    else:
        body = await editing.read_json(request, (*editing.FEATURE_TYPES, transfer.GEOPACKAGE))
    report = await run_in_threadpool(
        transfer.import_collection,
        store,
        spec,
        body,
        caller=caller,
        why=why,
        settings=settings,
        dry_run=dry_run,
        retire_missing=retire_missing,
    )
    return JSONResponse(report)


@router.get(
    "/collections/{collectionId}/export",
    summary="Export a whole collection (GeoJSON, GeoPackage, or HXL-tagged CSV for places)",
    operation_id="exportFeatures",
    response_class=Response,
    responses={
        200: {
            "description": "Everything the caller may see.",
            "content": {
                "application/geo+json": {"schema": {"$ref": "#/components/schemas/PlaceExport"}},
                "application/geopackage+sqlite3": {
                    "schema": {"type": "string", "format": "binary"}
                },
                "text/csv": {"schema": {"type": "string"}},
            },
        }
    },
)
def export_features(
    *,
    spec: Collection,
    caller: AnyCaller,
    store: Store,
    settings: CurrentSettings,
    f: Annotated[
        Literal["geojson", "gpkg", "hxl"],
        Query(
            description="`geojson` (RFC 7946), `gpkg` (GeoPackage) or `hxl` (CSV for HDX, "
            "places only, no contact data)."
        ),
    ] = "geojson",
) -> Response:
    """Everything the caller may see, in one document."""
    body, media = transfer.export_collection(store, spec, f, caller, settings)
    return Response(body, media_type=media)
