"""Response classes of the API's media types."""

from __future__ import annotations

from fastapi.responses import JSONResponse

from api.ogc import GEOJSON, OPENAPI_JSON, SCHEMA_JSON


class GeoJSONResponse(JSONResponse):
    """A JSON response of media type ``application/geo+json``."""

    media_type = GEOJSON


class OpenAPIResponse(JSONResponse):
    """The API definition: ``application/vnd.oai.openapi+json;version=3.0``."""

    media_type = OPENAPI_JSON


class SchemaResponse(JSONResponse):
    """A JSON Schema document: ``application/schema+json``."""

    media_type = SCHEMA_JSON
