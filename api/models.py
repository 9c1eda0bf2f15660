"""Response and request models of the API, for its OpenAPI document and for checking answers.

GeoJSON bodies are ``geojson-pydantic`` Features and FeatureCollections extended with the OGC
members (links, counts) and our place properties. Request bodies are *not* parsed through these
models: :mod:`geomap.registry.validate` reads them strictly and reports every problem at once.
"""

from __future__ import annotations

from typing import Any, Literal

from geojson_pydantic import Feature, FeatureCollection, Point
from pydantic import BaseModel, ConfigDict, Field

from geomap.registry.validate import PlaceProperties


class Link(BaseModel):
    """A web link (OGC API Common)."""

    href: str
    rel: str
    type: str | None = None
    title: str | None = None


class LandingPage(BaseModel):
    """The landing page: what this service is and where its parts are."""

    title: str
    description: str
    links: list[Link]


class Conformance(BaseModel):
    """The conformance classes the service implements."""

    model_config = ConfigDict(populate_by_name=True)
    conforms_to: list[str] = Field(alias="conformsTo")


class SpatialExtent(BaseModel):
    """Bounding box of the records the caller may see (longitude/latitude, CRS84)."""

    bbox: list[list[float]]
    crs: str


class Extent(BaseModel):
    """Extent of a collection."""

    spatial: SpatialExtent


class CollectionInfo(BaseModel):
    """Metadata of one collection."""

    model_config = ConfigDict(populate_by_name=True)
    id: str
    title: str
    description: str
    item_type: Literal["feature"] = Field(alias="itemType")
    crs: list[str]
    extent: Extent | None = None
    links: list[Link]


class CollectionList(BaseModel):
    """The collections of the service."""

    links: list[Link]
    collections: list[CollectionInfo]


class PlacePropertiesOut(PlaceProperties):
    """The properties of a place as served: as stored, plus its version number."""

    version: int = Field(ge=1)


class PlaceFeature(Feature[Point, PlacePropertiesOut]):
    """One place as served by ``GET /collections/places/items/{featureId}``."""

    id: str  # type: ignore[assignment]
    links: list[Link] | None = None


class PlaceFeatureIn(Feature[Point, PlaceProperties]):
    """A place sent by a client (POST, PUT). The server assigns ids: leave ``id`` out."""


class PlaceCollection(FeatureCollection[PlaceFeature]):
    """A page of places (``GET /collections/places/items``)."""

    model_config = ConfigDict(populate_by_name=True)
    links: list[Link]
    number_matched: int = Field(alias="numberMatched")
    number_returned: int = Field(alias="numberReturned")
    time_stamp: str = Field(alias="timeStamp")


class ProblemItem(BaseModel):
    """One problem of a request."""

    index: int | None
    id: str | None
    field: str | None
    message: str


class Problem(BaseModel):
    """An RFC 9457 problem document, with every problem listed in ``errors``."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[ProblemItem]


class HistoryVersion(BaseModel):
    """One version of a record.

    ``who`` and ``why`` are shown to callers with a token only.
    """

    version: int
    op: str
    retired: bool
    changed: list[str]
    at: str
    who: str | None
    why: str | None
    feature: dict[str, Any]


class History(BaseModel):
    """The versions of a record the caller may see, oldest first."""

    id: str
    collection: str
    etag: str
    versions: list[HistoryVersion]
    links: list[Link]
