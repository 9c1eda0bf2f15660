"""OGC API – Features Part 4 (create, replace, update, delete) and the items' history.

Every change needs a token (401 without; 403 for a role or country that may not write) and,
except creation, ``If-Match`` with the item's current ETag (428 without, 412 when stale). The
reason given in ``X-Change-Reason`` is kept in the history.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from api import editing, ogc
from api.collections import CollectionSpec
from api.deps import (
    AnyCaller,
    BaseUrl,
    Collection,
    CurrentSettings,
    Format,
    IfMatch,
    Reason,
    Store,
    Writer,
    check_query,
)
from api.models import History
from api.models import PlaceFeature as PlaceFeatureModel
from api.responses import GeoJSONResponse
from geomap.registry.store import Record
from geomap.settings import Settings

router = APIRouter(dependencies=[Depends(check_query)], tags=["Changes and history"])

FeatureId = Annotated[str, Path(description="The item id.")]
_ITEM = {"model": PlaceFeatureModel, "description": "The item as stored; its ETag in `ETag`."}


def _body(schema: str, media_types: tuple[str, ...]) -> dict[str, Any]:
    ref = {"$ref": f"#/components/schemas/{schema}"}
    return {
        "requestBody": {
            "required": True,
            "content": {media: {"schema": ref} for media in media_types},
        }
    }


def _written(
    record: Record,
    base: str,
    spec: CollectionSpec,
    settings: Settings,
    *,
    status_code: int = 200,
) -> GeoJSONResponse:
    headers = {"ETag": ogc.etag_header(record.etag)}
    if status_code == 201:
        headers["Location"] = f"{base}/collections/{record.collection}/items/{record.id}"
    ages = settings if spec.verified else None
    body = ogc.item(record, base, ages)
    return GeoJSONResponse(body, status_code=status_code, headers=headers)


@router.post(
    "/collections/{collectionId}/items",
    summary="Create an item",
    operation_id="createFeature",
    status_code=201,
    response_class=GeoJSONResponse,
    responses={201: _ITEM},
    openapi_extra=_body("PlaceFeatureIn", editing.FEATURE_TYPES),
)
async def create_item(
    *,
    request: Request,
    spec: Collection,
    caller: Writer,
    why: Reason,
    store: Store,
    settings: CurrentSettings,
    base: BaseUrl,
) -> GeoJSONResponse:
    """Add an item; the server assigns its id (see `Location`)."""
    feature = await editing.read_json(request, editing.FEATURE_TYPES)
    record = await run_in_threadpool(
        editing.create, store, spec, feature, caller=caller, why=why, settings=settings
    )
    return _written(record, base, spec, settings, status_code=201)


@router.put(
    "/collections/{collectionId}/items/{featureId}",
    summary="Replace an item",
    operation_id="replaceFeature",
    response_class=GeoJSONResponse,
    responses={200: _ITEM},
    openapi_extra=_body("PlaceFeatureIn", editing.FEATURE_TYPES),
)
async def replace_item(
    *,
    request: Request,
    spec: Collection,
    featureId: FeatureId,
    caller: Writer,
    if_match: IfMatch,
    why: Reason,
    store: Store,
    settings: CurrentSettings,
    base: BaseUrl,
) -> GeoJSONResponse:
    """Replace an item whole (`If-Match` needed)."""
    feature = await editing.read_json(request, editing.FEATURE_TYPES)
    record = await run_in_threadpool(
        editing.replace,
        store,
        spec,
        featureId,
        feature,
        if_match=if_match,
        caller=caller,
        why=why,
        settings=settings,
    )
    return _written(record, base, spec, settings)


@router.patch(
    "/collections/{collectionId}/items/{featureId}",
    summary="Update an item (JSON merge patch)",
    operation_id="updateFeature",
    response_class=GeoJSONResponse,
    responses={200: _ITEM},
    openapi_extra=_body("MergePatch", editing.PATCH_TYPES),
)
async def update_item(
    *,
    request: Request,
    spec: Collection,
    featureId: FeatureId,
    caller: Writer,
    if_match: IfMatch,
    why: Reason,
    store: Store,
    settings: CurrentSettings,
    base: BaseUrl,
) -> GeoJSONResponse:
    """Apply an RFC 7396 merge patch to the item's `geometry` and `properties`."""
    patch = await editing.read_json(request, editing.PATCH_TYPES)
    record = await run_in_threadpool(
        editing.update,
        store,
        spec,
        featureId,
        patch,
        if_match=if_match,
        caller=caller,
        why=why,
        settings=settings,
    )
    return _written(record, base, spec, settings)


@router.delete(
    "/collections/{collectionId}/items/{featureId}",
    summary="Retire an item",
    operation_id="deleteFeature",
    status_code=204,
    response_class=Response,
    responses={204: {"description": "Retired; its history stays. The new ETag in `ETag`."}},
)
async def delete_item(
    *,
    request: Request,
    spec: Collection,
    featureId: FeatureId,
    caller: Writer,
    if_match: IfMatch,
    why: Reason,
    store: Store,
) -> Response:
    """Retire an item: it leaves every list; its history stays and it can be restored."""
    await editing.read_nothing(request)
    record = await run_in_threadpool(store.retire, spec.id, featureId, if_match, caller, why)
    return Response(status_code=204, headers={"ETag": ogc.etag_header(record.etag)})


@router.get(
    "/collections/{collectionId}/items/{featureId}/history",
    summary="History of an item",
    operation_id="getFeatureHistory",
    responses={200: {"model": History, "description": "The current ETag in `ETag`."}},
)
def item_history(
    *,
    spec: Collection,
    featureId: FeatureId,
    caller: AnyCaller,
    store: Store,
    base: BaseUrl,
    fmt: Format,
) -> JSONResponse:
    """The versions of an item the caller may see, oldest first.

    Retired items have a history too, for callers with a token.
    """
    doc, etag = editing.history(store, spec, featureId, caller=caller, base=base)
    return JSONResponse(doc, headers={"ETag": ogc.etag_header(etag)})


@router.post(
    "/collections/{collectionId}/items/{featureId}/history/{version}/restore",
    summary="Restore a version of an item",
    operation_id="restoreFeatureVersion",
    response_class=GeoJSONResponse,
    responses={200: _ITEM},
)
async def restore_item(
    *,
    request: Request,
    spec: Collection,
    featureId: FeatureId,
    version: Annotated[
        int, Path(ge=1, le=ogc.MAX_INTEGER, description="The version to make current again.")
    ],
    caller: Writer,
    if_match: IfMatch,
    why: Reason,
    store: Store,
    settings: CurrentSettings,
    base: BaseUrl,
) -> GeoJSONResponse:
    """Make an old version current again, as a new version.

    `If-Match` is the item's current ETag (from its history when it is retired).
    """
    await editing.read_nothing(request)
    record = await run_in_threadpool(
        store.restore, spec.id, featureId, version, if_match=if_match, caller=caller, why=why
    )
    return _written(record, base, spec, settings)
