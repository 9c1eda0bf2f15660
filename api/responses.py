"""Response classes of the API's media types."""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse, Response

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


class FastJSONResponse(Response):
    """JSON encoded by orjson (numpy values included): the routing answers' response class."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        """The content as compact UTF-8 JSON."""
        import orjson

        return orjson.dumps(content, option=orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS)
