"""OGC API – Features Part 1 (Core, GeoJSON, OpenAPI 3.0): the read-only resources."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from fastapi.responses import JSONResponse, Response

from api import ogc, page
from api.deps import AnyCaller, BaseUrl, Collection, Format, Store, check_query, get_caller
from api.models import CollectionInfo, CollectionList, Conformance, LandingPage, PlaceCollection
from api.models import PlaceFeature as PlaceFeatureModel
from api.openapi import document
from api.responses import GeoJSONResponse, OpenAPIResponse

# every route checks its query and the caller's credentials (a bad token is 401 everywhere)
router = APIRouter(
    dependencies=[Depends(check_query), Depends(get_caller)], tags=["OGC API – Features"]
)

FeatureId = Annotated[str, Path(description="The item id.")]


@router.get(
    "/",
    summary="Landing page",
    operation_id="getLandingPage",
    responses={200: {"model": LandingPage}},
)
def landing(
    *,
    request: Request,
    base: BaseUrl,
    fmt: Format,
    lang: Annotated[
        str | None, Query(description="Language of the map page for browsers: es, pt or en.")
    ] = None,
) -> Response:
    """The landing page: links to the API definition, conformance and collections.

    Browsers (``Accept`` preferring ``text/html``) get the public map page instead.
    """
    if fmt == "html":
        return page.index_response(request, lang)
    return JSONResponse(ogc.landing_page(base))


@router.get(
    "/conformance",
    summary="Conformance classes",
    operation_id="getConformanceDeclaration",
    responses={200: {"model": Conformance}},
)
def conformance(*, fmt: Format) -> JSONResponse:
    """The conformance classes this service implements."""
    return JSONResponse(ogc.conformance())


@router.get(
    "/api",
    summary="API definition",
    operation_id="getAPI",
    response_class=OpenAPIResponse,
    responses={200: {"description": "The OpenAPI 3.0 definition of this API."}},
)
def api_definition(*, request: Request, base: BaseUrl, fmt: Format) -> OpenAPIResponse:
    """The definition of this API, in OpenAPI 3.0."""
    return OpenAPIResponse(document(request.app, base))


@router.get(
    "/collections",
    summary="Collections",
    operation_id="getCollections",
    responses={200: {"model": CollectionList}},
)
def collections(
    *, request: Request, caller: AnyCaller, store: Store, base: BaseUrl, fmt: Format
) -> JSONResponse:
    """The collections, each with the extent of the records the caller may see."""
    specs = request.app.state.collections
    extents = {cid: store.extent(cid, caller) for cid in specs}
    return JSONResponse(ogc.collection_list(specs, base, extents))


@router.get(
    "/collections/{collectionId}",
    summary="Collection",
    operation_id="describeCollection",
    responses={200: {"model": CollectionInfo}},
)
def collection(
    *, spec: Collection, caller: AnyCaller, store: Store, base: BaseUrl, fmt: Format
) -> JSONResponse:
    """One collection, with the extent of the records the caller may see."""
    return JSONResponse(ogc.collection_info(spec, base, store.extent(spec.id, caller)))


@router.get(
    "/collections/{collectionId}/items",
    summary="Items",
    operation_id="getFeatures",
    response_class=GeoJSONResponse,
    responses={200: {"model": PlaceCollection}},
)
def items(
    *,
    request: Request,
    spec: Collection,
    caller: AnyCaller,
    store: Store,
    base: BaseUrl,
    fmt: Format,
    bbox: Annotated[
        str | None,
        Query(
            description="west,south,east,north in degrees (CRS84); items that intersect it.",
            examples=["-51.3,-30.2,-51.0,-29.9"],
        ),
    ] = None,
    limit: Annotated[
        int,
        Query(
            ge=1,
            description=f"Page size (default {ogc.DEFAULT_LIMIT}; above {ogc.MAX_LIMIT} is "
            f"served as {ogc.MAX_LIMIT}).",
            json_schema_extra={"maximum": ogc.MAX_LIMIT},
        ),
    ] = ogc.DEFAULT_LIMIT,
    offset: Annotated[
        int, Query(ge=0, le=ogc.MAX_INTEGER, description="How many items to skip.")
    ] = 0,
    kind: Annotated[str | None, Query(description="Only items of this kind.")] = None,
    status: Annotated[str | None, Query(description="Only items with this status.")] = None,
    country: Annotated[
        str | None, Query(description="Only items in this country (ISO 3166-1 alpha-2).")
    ] = None,
    services: Annotated[
        str | None,
        Query(description="Comma-separated service codes: only items offering all of them."),
    ] = None,
    datetime: Annotated[
        str | None,
        Query(
            description="An RFC 3339 instant or interval (`start/end`, `..` for an open end). "
            "Places have no time of their own, so every place matches.",
            examples=["2024-05-01T00:00:00Z/.."],
        ),
    ] = None,
) -> GeoJSONResponse:
    """A page of the items the caller may see, filtered, with paging links."""
    query = ogc.items_query(
        spec,
        bbox=bbox,
        limit=limit,
        offset=offset,
        kind=kind,
        status=status,
        country=country,
        services=services,
        datetime_=datetime,
    )
    records, matched = store.query(spec.id, query, caller)
    page = ogc.items_page(
        records, matched, query, base=base, collection=spec.id, params=request.query_params
    )
    return GeoJSONResponse(page)


@router.get(
    "/collections/{collectionId}/items/{featureId}",
    summary="Item",
    operation_id="getFeature",
    response_class=GeoJSONResponse,
    responses={
        200: {"model": PlaceFeatureModel, "description": "The item; its ETag in `ETag`."},
        304: {"description": "Not modified (`If-None-Match`)."},
    },
)
def feature(
    *,
    spec: Collection,
    featureId: FeatureId,
    caller: AnyCaller,
    store: Store,
    base: BaseUrl,
    fmt: Format,
    if_none_match: Annotated[str | None, Header(alias="If-None-Match")] = None,
) -> Response:
    """One item, with its ETag."""
    record = store.get(spec.id, featureId, caller)
    headers = {"ETag": ogc.etag_header(record.etag)}
    if ogc.none_match(if_none_match, record.etag):
        return Response(status_code=304, headers=headers)
    return GeoJSONResponse(ogc.item(record, base), headers=headers)
