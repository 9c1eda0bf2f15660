"""OGC API – Features Part 1 (Core, GeoJSON, OpenAPI 3.0): the read-only resources."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from fastapi.responses import JSONResponse, Response

from api import ogc, page
from api.deps import (
    AnyCaller,
    BaseUrl,
    Collection,
    CurrentSettings,
    Format,
    Store,
    check_query,
    get_caller,
)
from api.models import CollectionInfo, CollectionList, Conformance, LandingPage, PlaceCollection
from api.models import PlaceFeature as PlaceFeatureModel
from api.models import Queryables as QueryablesModel
from api.openapi import document
from api.responses import GeoJSONResponse, OpenAPIResponse, SchemaResponse
from geomap.registry import cql
from geomap.registry.queryables import LEVELS, RISK_TYPES

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
            le=ogc.MAX_LIMIT,
            description=f"Page size (default {ogc.DEFAULT_LIMIT}, at most {ogc.MAX_LIMIT}).",
        ),
    ] = ogc.DEFAULT_LIMIT,
    offset: Annotated[
        int, Query(ge=0, le=ogc.MAX_INTEGER, description="How many items to skip.")
    ] = 0,
    kind: Annotated[str | None, Query(description="Only places of this kind.")] = None,
    status: Annotated[str | None, Query(description="Only places with this status.")] = None,
    country: Annotated[
        str | None,
        Query(
            description="Only items in this country (ISO 3166-1 alpha-2).",
            pattern="^[A-Za-z]{2}$",
        ),
    ] = None,
    level: Annotated[
        str | None,
        Query(description="Only risk zones of this level.", json_schema_extra={"enum": LEVELS}),
    ] = None,
    risk_type: Annotated[
        str | None,
        Query(
            description="Only risk zones of this kind of risk.",
            json_schema_extra={"enum": RISK_TYPES},
        ),
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
    filter_: Annotated[
        str | None,
        Query(
            alias="filter",
            max_length=cql.MAX_FILTER_CHARS,
            description="A CQL2 filter on the collection's queryables (see its `queryables`"
            " link), in the language `filter-lang` names.",
            examples=["kind = 'support_space' AND A_CONTAINS(services, ('food'))"],
        ),
    ] = None,
    filter_lang: Annotated[
        str | None,
        Query(
            alias="filter-lang",
            description="`cql2-text` (default) or `cql2-json`; `cql-text` is read as `cql2-text`.",
            json_schema_extra={"enum": list(cql.LANGUAGES)},
        ),
    ] = None,
    sortby: Annotated[
        str | None,
        Query(
            description="Comma-separated queryables to sort by, each optionally prefixed `+` "
            "(ascending, the default) or `-` (descending); missing values last, the id last.",
            examples=["-verified_at,name"],
        ),
    ] = None,
    settings: CurrentSettings,
) -> GeoJSONResponse:
    """A page of the items the caller may see, filtered, sorted, with paging links."""
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
        filter_=filter_,
        filter_lang=filter_lang,
        sortby=sortby,
        level=level,
        risk_type=risk_type,
    )
    records, matched = store.query(spec.id, query, caller)
    page = ogc.items_page(
        records,
        matched,
        query,
        base=base,
        collection=spec.id,
        params=request.query_params,
        ages=settings if spec.verified else None,
    )
    return GeoJSONResponse(page)


@router.get(
    "/collections/{collectionId}/queryables",
    summary="Queryables",
    operation_id="getQueryables",
    response_class=SchemaResponse,
    responses={200: {"model": QueryablesModel}},
)
def collection_queryables(*, spec: Collection, base: BaseUrl, fmt: Format) -> SchemaResponse:
    """The properties a `filter` or `sortby` may name, as a JSON Schema."""
    return SchemaResponse(ogc.queryables(spec, base))


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
    settings: CurrentSettings,
    if_none_match: Annotated[str | None, Header(alias="If-None-Match")] = None,
) -> Response:
    """One item, with its ETag."""
    record = store.get(spec.id, featureId, caller)
    headers = {"ETag": ogc.etag_header(record.etag)}
    if ogc.none_match(if_none_match, record.etag):
        return Response(status_code=304, headers=headers)
    ages = settings if spec.verified else None
    return GeoJSONResponse(ogc.item(record, base, ages), headers=headers)
