"""The OGC API – Features documents: landing page, conformance, collections, items, links.

Pure functions of what the store returned for the caller and of the request's base URL; the
route handlers only call them. Coordinates given in a query (``bbox``) are used to answer and to
build the paging links of that same answer, never kept or logged.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlencode

from api.collections import CollectionSpec
from api.errors import MalformedRequestError
from geomap.errors import RegistryValidationError
from geomap.registry import cql
from geomap.registry import queryables as queryable_docs
from geomap.registry.store import BBox, Query, Record
from geomap.registry.verification import PROPERTY as VERIFICATION
from geomap.registry.verification import Ages, place_status

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
JSON = "application/json"
GEOJSON = "application/geo+json"
OPENAPI_JSON = "application/vnd.oai.openapi+json;version=3.0"
SCHEMA_JSON = "application/schema+json"
QUERYABLES_REL = "http://www.opengis.net/def/rel/ogc/1.0/queryables"

#: Default and largest page size of ``/items``; a larger ``limit`` is refused.
DEFAULT_LIMIT = 10
MAX_LIMIT = 1000
#: Largest integer taken in a query or path (``offset``, versions): SQLite integers are 64-bit.
MAX_INTEGER = 2**62

CONFORMANCE = (
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
    "http://www.opengis.net/spec/cql2/1.0/conf/case-insensitive-comparison",
    "http://www.opengis.net/spec/cql2/1.0/conf/array-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/property-property",
)


def _problem(field: str, message: str) -> MalformedRequestError:
    return MalformedRequestError(
        [{"index": None, "id": None, "field": field, "message": message}], message
    )


def link(href: str, rel: str, type_: str, title: str | None = None) -> dict[str, str]:
    """A link object."""
    out = {"href": href, "rel": rel, "type": type_}
    if title:
        out["title"] = title
    return out


def landing_page(base: str) -> dict[str, Any]:
    """The landing page document."""
    return {
        "title": "geomap registry",
        "description": (
            "Support spaces, information points and service points for refugees and migrants "
            "in transit, as OGC API – Features."
        ),
        "links": [
            link(f"{base}/", "self", JSON, "This document"),
            link(f"{base}/api", "service-desc", OPENAPI_JSON, "The API definition (OpenAPI 3.0)"),
            link(f"{base}/conformance", "conformance", JSON, "Conformance classes"),
            link(f"{base}/collections", "data", JSON, "The collections"),
        ],
    }


def conformance() -> dict[str, Any]:
    """The conformance declaration."""
    return {"conformsTo": list(CONFORMANCE)}


def collection_info(spec: CollectionSpec, base: str, extent: BBox | None) -> dict[str, Any]:
    """Metadata of one collection; ``extent`` is that of the records the caller may see."""
    url = f"{base}/collections/{spec.id}"
    info: dict[str, Any] = {
        "id": spec.id,
        "title": spec.title,
        "description": spec.description,
        "itemType": "feature",
        "crs": [CRS84],
        "links": [
            link(url, "self", JSON, "This collection"),
            link(f"{url}/items", "items", GEOJSON, "Its items"),
            link(f"{url}/queryables", QUERYABLES_REL, SCHEMA_JSON, "What filters may name"),
            link(f"{url}/queryables", "queryables", SCHEMA_JSON, "What filters may name"),
        ],
    }
    if extent is not None:
        info["extent"] = {"spatial": {"bbox": [list(extent)], "crs": CRS84}}
    return info


def collection_list(
    specs: Mapping[str, CollectionSpec], base: str, extents: Mapping[str, BBox | None]
) -> dict[str, Any]:
    """The collections document."""
    return {
        "links": [link(f"{base}/collections", "self", JSON, "The collections")],
        "collections": [collection_info(s, base, extents[s.id]) for s in specs.values()],
    }


def parse_bbox(text: str) -> BBox:
    """Read a ``bbox`` parameter: west,south,east,north in degrees (or six numbers with z).

    Raises
    ------
    MalformedRequestError
        Saying precisely what is wrong.
    """
    parts = text.split(",")
    if len(parts) not in (4, 6):
        raise _problem(
            "query.bbox",
            f"bbox needs 4 comma-separated numbers west,south,east,north; got {len(parts)} "
            "value(s)",
        )
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        raise _problem("query.bbox", "bbox values must be numbers") from None
    if not all(math.isfinite(n) for n in numbers):
        raise _problem("query.bbox", "bbox values must be finite numbers")
    if len(numbers) == 6:  # west,south,zmin,east,north,zmax: heights are ignored
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    west, south, east, north = numbers
    problems = []
    for name, value in (("west", west), ("east", east)):
        if not -180 <= value <= 180:
            problems.append(f"{name} longitude {value} is outside [-180, 180]")
    for name, value in (("south", south), ("north", north)):
        if not -90 <= value <= 90:
            problems.append(f"{name} latitude {value} is outside [-90, 90]")
    if south > north:
        problems.append(f"south {south} is greater than north {north}")
    if west > east:
        problems.append(
            f"west {west} is greater than east {east}: boxes crossing the antimeridian are not "
            "supported; send two requests"
        )
    if problems:
        raise MalformedRequestError(
            [{"index": None, "id": None, "field": "query.bbox", "message": m} for m in problems],
            "; ".join(problems),
        )
    return west, south, east, north


def _instant(text: str) -> datetime | None:
    if text in ("", ".."):
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise _problem(
            "query.datetime",
            f"{text!r} is not an RFC 3339 date-time such as 2024-05-01T00:00:00Z; intervals "
            "are start/end, with '..' for an open end",
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def check_datetime(text: str) -> None:
    """Check a ``datetime`` parameter: an instant or an interval (``start/end``, ``..`` open).

    Places carry no temporal geometry, and OGC API – Features says such features match every
    ``datetime``: the parameter is checked, then selects everything.

    Raises
    ------
    MalformedRequestError
        For a value that is not an RFC 3339 instant or interval.
    """
    parts = text.split("/")
    if len(parts) > 2 or all(p in ("", "..") for p in parts):
        raise _problem("query.datetime", "datetime must be an instant or start/end")
    bounds = [_instant(p) for p in parts]
    if len(bounds) == 2 and bounds[0] and bounds[1] and bounds[0] > bounds[1]:
        raise _problem("query.datetime", "the interval ends before it starts")


def _choice(field: str, value: str | None, allowed: tuple[str, ...]) -> str | None:
    if value is None or value in allowed:
        return value
    shown = value if len(value) <= 40 else value[:39] + "…"
    raise _problem(f"query.{field}", f"unknown {field} {shown!r}; known: {', '.join(allowed)}")


def queryables(spec: CollectionSpec, base: str) -> dict[str, Any]:
    """The ``/collections/{id}/queryables`` document (a JSON Schema)."""
    url = f"{base}/collections/{spec.id}/queryables"
    return queryable_docs.schema(spec.queryables, url=url, title=spec.title)


def _refused_by(spec: CollectionSpec, given: Mapping[str, str | None]) -> None:
    for name, value in given.items():
        if value is not None and name not in spec.parameters:
            raise _problem(
                f"query.{name}",
                f"collection {spec.id} has no {name}; its parameters: {', '.join(spec.parameters)}",
            )


def _filter(
    spec: CollectionSpec,
    text: str | None,
    lang: str | None,
    equal: Mapping[str, str | None],
) -> cql.Filter | None:
    """The CQL2 filter of a request with its plain equality parameters ANDed in."""
    parts: list[Any] = []
    try:
        if text is not None:  # filter-lang alone changes nothing
            parts.append(cql.parse_filter(text, lang or "cql2-text", spec.queryables).tree)
        for name, value in equal.items():
            if value is not None:
                _choice(name, value, spec.queryables[name].enum)
                parts.append({"op": "=", "args": [{"property": name}, value]})
        if not parts:
            return None
        tree = parts[0] if len(parts) == 1 else {"op": "and", "args": parts}
        found = cql.Filter(tree, spec.queryables)
        found.sql("sqlite")  # checked once more as a whole
    except MalformedRequestError:
        raise
    except RegistryValidationError as exc:
        raise MalformedRequestError(exc.problems, str(exc)) from None
    return found


def _sortby(spec: CollectionSpec, text: str | None) -> tuple[cql.SortKey, ...]:
    if text is None:
        return ()
    try:
        return cql.parse_sortby(text, spec.queryables)
    except RegistryValidationError as exc:
        raise MalformedRequestError(exc.problems, str(exc)) from None


def items_query(
    spec: CollectionSpec,
    *,
    bbox: str | None,
    limit: int,
    offset: int,
    kind: str | None,
    status: str | None,
    country: str | None,
    services: str | None,
    datetime_: str | None = None,
    filter_: str | None = None,
    filter_lang: str | None = None,
    sortby: str | None = None,
    level: str | None = None,
    risk_type: str | None = None,
) -> Query:
    """The store query of an ``/items`` request.

    Plain parameters (``kind``, ``level`` ...) are equality filters on the collection's
    queryables; ``filter`` is CQL2 (text or JSON per ``filter-lang``); they are ANDed.

    Raises
    ------
    MalformedRequestError
        For a bad bbox, datetime, filter or sortby, a parameter the collection does not take,
        or an unknown value.
    """
    _refused_by(
        spec,
        {"kind": kind, "status": status, "services": services, "country": country}
        | {"level": level, "risk_type": risk_type},
    )
    if datetime_ is not None:
        check_datetime(datetime_)
    if limit > MAX_LIMIT:
        raise _problem("query.limit", f"limit must be at most {MAX_LIMIT}; page with offset")
    codes: tuple[str, ...] = ()
    if services is not None:
        codes = tuple(c.strip() for c in services.split(",") if c.strip())
        if not codes:
            raise _problem("query.services", "services needs at least one service code")
        for code in codes:
            _choice("services", code, spec.services)
    if country is not None and not (len(country) == 2 and country.isascii() and country.isalpha()):
        raise _problem("query.country", "country must be an ISO 3166-1 alpha-2 code such as CO")
    return Query(
        bbox=parse_bbox(bbox) if bbox is not None else None,
        kind=_choice("kind", kind, spec.kinds),
        status=_choice("status", status, spec.statuses),
        country=country.upper() if country else None,
        services=codes,
        limit=limit,
        offset=offset,
        filter=_filter(spec, filter_, filter_lang, {"level": level, "risk_type": risk_type}),
        sortby=_sortby(spec, sortby),
    )


def today() -> date:
    """The day verification statuses are computed for (UTC)."""
    return datetime.now(UTC).date()


def item(record: Record, base: str, ages: Ages | None = None) -> dict[str, Any]:
    """One record as a GeoJSON Feature with its links.

    With ``ages`` (collections whose items are verified), the read-only ``verification``
    status is added to its properties.
    """
    url = f"{base}/collections/{record.collection}"
    feature = record.to_feature()
    if ages is not None:
        feature["properties"][VERIFICATION] = place_status(record.properties, today(), ages)
    feature["links"] = [
        link(f"{url}/items/{record.id}", "self", GEOJSON, "This item"),
        link(url, "collection", JSON, "Its collection"),
        link(f"{url}/items/{record.id}/history", "version-history", JSON, "Its history"),
    ]
    return feature


def _page_url(url: str, params: Mapping[str, str], offset: int, limit: int) -> str:
    kept = {k: v for k, v in params.items() if k not in ("offset", "limit")}
    return f"{url}?{urlencode({**kept, 'limit': limit, 'offset': offset})}"


def items_page(
    records: list[Record],
    matched: int,
    query: Query,
    *,
    base: str,
    collection: str,
    params: Mapping[str, str],
    ages: Ages | None = None,
) -> dict[str, Any]:
    """A FeatureCollection page with ``numberMatched``/``numberReturned`` and paging links.

    ``params`` are the request's query parameters, kept in the paging links; ``ages`` as in
    :func:`item`.
    """
    url = f"{base}/collections/{collection}/items"
    links = [
        link(_page_url(url, params, query.offset, query.limit), "self", GEOJSON, "This page"),
        link(f"{base}/collections/{collection}", "collection", JSON, "The collection"),
    ]
    if query.offset + len(records) < matched:
        following = query.offset + query.limit
        links.append(link(_page_url(url, params, following, query.limit), "next", GEOJSON))
    if query.offset > 0:
        previous = max(0, query.offset - query.limit)
        links.append(link(_page_url(url, params, previous, query.limit), "prev", GEOJSON))
    return {
        "type": "FeatureCollection",
        "features": [item(r, base, ages) for r in records],
        "links": links,
        "numberMatched": matched,
        "numberReturned": len(records),
        "timeStamp": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
    }


def etag_header(etag: str) -> str:
    """The quoted (strong) form of a store ETag."""
    return f'"{etag}"'


def none_match(header: str | None, etag: str) -> bool:
    """Whether an ``If-None-Match`` header names this ETag (weak comparison, as RFC 9110)."""
    if header is None:
        return False
    tags = [t.strip().removeprefix("W/").strip('"') for t in header.split(",")]
    return "*" in tags or etag in tags
