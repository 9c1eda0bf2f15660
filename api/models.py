"""Response and request models of the API, for its OpenAPI document and for checking answers.

GeoJSON bodies are ``geojson-pydantic`` Features and FeatureCollections extended with the OGC
members (links, counts) and our place properties. Request bodies are *not* parsed through these
models: :mod:`geomap.registry.validate` reads them strictly and reports every problem at once.
"""

from __future__ import annotations

from typing import Any, Literal

from geojson_pydantic import MultiPolygon, Point, Polygon
from pydantic import BaseModel, ConfigDict, Field

from geomap.registry.messages import MessageProperties
from geomap.registry.pathways import PathwayProperties
from geomap.registry.risk import RiskZoneProperties
from geomap.registry.validate import PlaceProperties
from geomap.registry.verification import Status


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
    """The properties of a place as served: as stored, plus its version and verification.

    ``verification`` (fresh, due or stale) is computed from ``verified_at`` on the day of the
    answer; like ``version`` it is read-only and dropped from PUT and PATCH bodies.
    """

    version: int = Field(ge=1)
    verification: Status


class RiskZonePropertiesOut(RiskZoneProperties):
    """The properties of a risk zone as served: as stored, plus its version number."""

    version: int = Field(ge=1)


class _Feature(BaseModel):
    """A GeoJSON Feature (RFC 7946) with a geometry that is never null."""

    type: Literal["Feature"]
    bbox: list[float] | None = None


class PlaceFeature(_Feature):
    """One place as served by ``GET /collections/places/items/{featureId}``."""

    id: str
    geometry: Point
    properties: PlacePropertiesOut
    links: list[Link] | None = None


class PlaceFeatureIn(_Feature):
    """A place sent by a client (POST, PUT). The server assigns ids: leave ``id`` out."""

    id: str | None = None
    geometry: Point
    properties: PlaceProperties


class RiskZoneFeature(_Feature):
    """One risk zone as served by ``GET /collections/risk_zones/items/{featureId}``."""

    id: str
    geometry: Polygon | MultiPolygon
    properties: RiskZonePropertiesOut
    links: list[Link] | None = None


class RiskZoneFeatureIn(_Feature):
    """A risk zone sent by a client (POST, PUT). The server assigns ids: leave ``id`` out."""

    id: str | None = None
    geometry: Polygon | MultiPolygon
    properties: RiskZoneProperties


class PathwayPropertiesOut(PathwayProperties):
    """The properties of a referral pathway as served: as stored, plus its version number."""

    version: int = Field(ge=1)


class MessagePropertiesOut(MessageProperties):
    """The properties of a key message as served: as stored, plus its version number."""

    version: int = Field(ge=1)


class PathwayFeature(_Feature):
    """One pathway (``GET /collections/referral_pathways/items/{featureId}``); null: country."""

    id: str
    geometry: Polygon | MultiPolygon | None
    properties: PathwayPropertiesOut
    links: list[Link] | None = None


class PathwayFeatureIn(_Feature):
    """A pathway sent by a client (POST, PUT); ``geometry`` null for the whole country."""

    id: str | None = None
    geometry: Polygon | MultiPolygon | None
    properties: PathwayProperties


class MessageFeature(_Feature):
    """One key message (``GET /collections/messages/items/{featureId}``): no location."""

    id: str
    geometry: None
    properties: MessagePropertiesOut
    links: list[Link] | None = None


class MessageFeatureIn(_Feature):
    """A key message sent by a client (POST, PUT): ``"geometry": null``."""

    id: str | None = None
    geometry: None
    properties: MessageProperties


class _Page(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    type: Literal["FeatureCollection"]
    links: list[Link]
    number_matched: int = Field(alias="numberMatched")
    number_returned: int = Field(alias="numberReturned")
    time_stamp: str = Field(alias="timeStamp")


class PlaceCollection(_Page):
    """A page of places (``GET /collections/places/items``)."""

    features: list[PlaceFeature]


class RiskZoneCollection(_Page):
    """A page of risk zones (``GET /collections/risk_zones/items``)."""

    features: list[RiskZoneFeature]


class PlaceImport(BaseModel):
    """A FeatureCollection of places to import (each with its ``id``)."""

    type: Literal["FeatureCollection"]
    features: list[PlaceFeatureIn]


class RiskZoneImport(BaseModel):
    """A FeatureCollection of risk zones to import (each with its ``id``)."""

    type: Literal["FeatureCollection"]
    features: list[RiskZoneFeatureIn]


class PlaceExport(BaseModel):
    """Every place the caller may see, as one RFC 7946 FeatureCollection."""

    type: Literal["FeatureCollection"]
    features: list[PlaceFeature]


class RiskZoneExport(BaseModel):
    """Every risk zone the caller may see, as one RFC 7946 FeatureCollection."""

    type: Literal["FeatureCollection"]
    features: list[RiskZoneFeature]


class ImportSummary(BaseModel):
    """Counts of what an import did (or would do)."""

    created: int
    updated: int
    unchanged: int
    retired: int


class ImportReport(BaseModel):
    """What an import did, or for a dry run would do, by id."""

    model_config = ConfigDict(populate_by_name=True)
    dry_run: bool = Field(alias="dryRun")
    summary: ImportSummary
    created: list[str]
    updated: list[str]
    unchanged: list[str]
    retired: list[str]


class Queryables(BaseModel):
    """The queryables of a collection: a JSON Schema of the properties a filter may name."""

    model_config = ConfigDict(populate_by_name=True, extra="allow")
    schema_uri: str = Field(alias="$schema")
    id_uri: str = Field(alias="$id")
    type: Literal["object"]
    title: str
    properties: dict[str, dict[str, Any]]


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


class PathwayCollection(_Page):
    """A page of referral pathways."""

    features: list[PathwayFeature]


class MessageCollection(_Page):
    """A page of key messages."""

    features: list[MessageFeature]


class PathwayImport(BaseModel):
    """A FeatureCollection of referral pathways to import (each with its ``id``)."""

    type: Literal["FeatureCollection"]
    features: list[PathwayFeatureIn]


class MessageImport(BaseModel):
    """A FeatureCollection of key messages to import (each with its ``id``)."""

    type: Literal["FeatureCollection"]
    features: list[MessageFeatureIn]


class PathwayExport(BaseModel):
    """Every referral pathway the caller may see, as one RFC 7946 FeatureCollection."""

    type: Literal["FeatureCollection"]
    features: list[PathwayFeature]


class MessageExport(BaseModel):
    """Every key message the caller may see, as one RFC 7946 FeatureCollection."""

    type: Literal["FeatureCollection"]
    features: list[MessageFeature]
