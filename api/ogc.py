"""The OGC API – Features documents: landing page, conformance, collections, items, links.

Pure functions of what the store returned for the caller and of the request's base URL; the
route handlers only call them. Coordinates given in a query (``bbox``) are used to answer and to
build the paging links of that same answer, never kept or logged.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from api.collections import CollectionSpec
from api.errors import MalformedRequestError
from geomap.registry.store import BBox, Query, Record

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
JSON = "application/json"
GEOJSON = "application/geo+json"
OPENAPI_JSON = "application/vnd.oai.openapi+json;version=3.0"

#: Default and largest page size of ``/items``; a larger ``limit`` is served as the largest.
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
    raise _problem(f"query.{field}", f"unknown {field} {value!r}; known: {', '.join(allowed)}")


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
) -> Query:
    """The store query of an ``/items`` request (``limit`` above :data:`MAX_LIMIT` is capped).

    Raises
    ------
    MalformedRequestError
        For a bad bbox or datetime, or an unknown filter value.
    """
    if datetime_ is not None:
        check_datetime(datetime_)
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
        limit=min(limit, MAX_LIMIT),
        offset=offset,
    )


def item(record: Record, base: str) -> dict[str, Any]:
    """One record as a GeoJSON Feature with its links."""
    url = f"{base}/collections/{record.collection}"
    feature = record.to_feature()
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
) -> dict[str, Any]:
    """A FeatureCollection page with ``numberMatched``/``numberReturned`` and paging links.

    ``params`` are the request's query parameters, kept in the paging links.
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
        "features": [item(r, base) for r in records],
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
