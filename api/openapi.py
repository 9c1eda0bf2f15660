"""The API definition in OpenAPI 3.0, served at ``/api``.

FastAPI writes OpenAPI 3.1 with JSON Schema 2020-12; the OGC "OpenAPI 3.0" conformance class,
GDAL's OAPIF driver and OWSLib look for a 3.0 document (``service-desc`` link of type
``application/vnd.oai.openapi+json;version=3.0``). :func:`document` takes FastAPI's output and
rewrites the few 3.1-only constructs pydantic emits (``null`` in ``anyOf``/``type``, ``const``,
``examples`` in schemas, numeric ``exclusiveMinimum``/``exclusiveMaximum``, siblings of
``$ref``) into their 3.0 forms. It also documents every error answer as problem+json, replaces
FastAPI's 422 validation-error schema (this API answers 400 problem+json instead) and marks
reading as possible without a token.
"""

from __future__ import annotations

import copy
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from api import models
from api.collections import CollectionSpec

OPENAPI_VERSION = "3.0.3"
_REF = "#/components/schemas/{model}"
_SCHEMA_KEYS = ("items", "not", "additionalProperties")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf")
_NULL = {"type": "null"}

#: Error answers every operation may give, and those of changes only.
_READ_ERRORS = {
    "400": "Bad request: a query parameter or header is invalid.",
    "401": "The token is unknown or revoked.",
    "404": "No such resource, or one the caller may not see.",
    "422": "Well formed, but it cannot be answered: a point off every network, a limit passed.",
    "500": "The server failed; nothing about it is disclosed.",
    "503": "Busy, or that part of the service is not configured: retry after `Retry-After`.",
}
_WRITE_ERRORS = {
    "401": "A token is needed.",
    "403": "The caller's role or countries may not make this change.",
    "409": "The change conflicts with the item's state.",
    "412": "The item changed since it was read: If-Match is stale.",
    "413": "The body is larger than the limit.",
    "415": "The body's media type is not accepted.",
    "422": "The body is not a valid item; `errors` lists every problem.",
    "428": "If-Match is required.",
}
_MERGE_PATCH = {
    "type": "object",
    "description": (
        "A JSON merge patch (RFC 7396) of the item as served: members set to null are removed,"
        " objects are merged, anything else replaces."
    ),
    "additionalProperties": True,
}


def _extra_schemas(models: list[type[BaseModel]]) -> dict[str, Any]:
    _, top = models_json_schema([(m, "validation") for m in models], ref_template=_REF)
    schemas: dict[str, Any] = top.get("$defs", {})
    return schemas


def _downgrade_schema(schema: Any) -> Any:
    """One JSON Schema (2020-12, as pydantic writes it) as an OpenAPI 3.0 schema object."""
    if not isinstance(schema, dict):
        return schema
    out = dict(schema)
    for key in _SCHEMA_KEYS:
        if isinstance(out.get(key), dict):
            out[key] = _downgrade_schema(out[key])
    if isinstance(out.get("properties"), dict):
        out["properties"] = {k: _downgrade_schema(v) for k, v in out["properties"].items()}
    for key in _SCHEMA_LISTS:
        if isinstance(out.get(key), list):
            # a bare null among options is nullable (below), not a null-only schema
            out[key] = [s if s == _NULL else _downgrade_schema(s) for s in out[key]]
    if "prefixItems" in out:  # a tuple: 3.0 has arrays of one item schema only
        items = [_downgrade_schema(s) for s in out.pop("prefixItems")]
        bare = [{k: v for k, v in i.items() if k not in ("title", "description")} for i in items]
        distinct = [b for n, b in enumerate(bare) if b not in bare[:n]]
        out.setdefault("items", distinct[0] if len(distinct) == 1 else {"anyOf": distinct})
        out.setdefault("minItems", len(items))
    if "const" in out:
        out["enum"] = [out.pop("const")]
    if "examples" in out:
        examples = out.pop("examples")
        if isinstance(examples, list) and examples:
            out["example"] = examples[0]
    for bound, flag in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if isinstance(out.get(bound), int | float) and not isinstance(out.get(bound), bool):
            out[flag] = out.pop(bound)
            out[bound] = True
    if out.get("type") == "null":  # only null (a message's geometry): 3.0 has no null type
        out.pop("type")
        out.update({"type": "object", "nullable": True, "enum": [None]})
    if isinstance(out.get("type"), list):
        types = [t for t in out["type"] if t != "null"]
        if len(types) < len(out["type"]):
            out["nullable"] = True
        out["type"] = types[0] if len(types) == 1 else types
        if len(types) != 1:
            out.pop("type")
            out["anyOf"] = [{"type": t} for t in types]
    for key in ("anyOf", "oneOf"):
        options = out.get(key)
        if isinstance(options, list) and _NULL in options:
            rest = [o for o in options if o != _NULL]
            out["nullable"] = True
            if len(rest) == 1:
                del out[key]
                only = rest[0]
                if "$ref" in only:
                    out["allOf"] = [only]
                else:
                    out = {**only, **out}
            else:
                out[key] = rest
    if "$ref" in out and len(out) > 1:  # 3.0 ignores siblings of $ref
        ref = out.pop("$ref")
        out["allOf"] = [{"$ref": ref}, *out.get("allOf", [])]
    return out


def _downgrade_operation(operation: dict[str, Any]) -> None:
    for parameter in operation.get("parameters", []):
        if "schema" in parameter:
            schema = _downgrade_schema(parameter["schema"])
            # a parameter is given or absent: ``str | None = None`` is optional, not null
            schema.pop("nullable", None)
            parameter["schema"] = schema
    bodies = [operation.get("requestBody", {}), *operation.get("responses", {}).values()]
    for body in bodies:
        for content in body.get("content", {}).values():
            if "schema" in content:
                content["schema"] = _downgrade_schema(content["schema"])


#: Headers the routes take as optional to answer their absence themselves (428 Precondition
#: Required for a change without ``If-Match``, RFC 6585) but that a change needs.
_REQUIRED_HEADERS = ("If-Match",)


def _required_headers(operation: dict[str, Any]) -> None:
    for parameter in operation.get("parameters", []):
        if parameter.get("in") == "header" and parameter.get("name") in _REQUIRED_HEADERS:
            parameter["required"] = True


def _problem_responses(operation: dict[str, Any], method: str) -> None:
    responses = operation.setdefault("responses", {})
    responses.pop("422", None)  # FastAPI's HTTPValidationError
    errors = dict(_READ_ERRORS)
    if method != "get":
        errors.update(_WRITE_ERRORS)
    for status, description in sorted(errors.items()):
        problem = {"schema": {"$ref": _REF.format(model="Problem")}}
        responses[status] = {
            "description": description,
            "content": {"application/problem+json": problem},
        }
    if method == "get":  # reading works without a token
        operation["security"] = [{}, *operation.get("security", [])]


#: Models every definition carries (the per-collection ones are renamed per collection).
_MODELS = (
    models.PlaceFeatureIn,
    models.RiskZoneFeatureIn,
    models.PlaceFeature,
    models.RiskZoneFeature,
    models.PlaceCollection,
    models.RiskZoneCollection,
    models.PlaceImport,
    models.RiskZoneImport,
    models.PlaceExport,
    models.RiskZoneExport,
    *(
        getattr(models, f"{name}{part}")
        for name in ("Pathway", "Message")
        for part in ("FeatureIn", "Feature", "Collection", "Import", "Export")
    ),
    models.ImportReport,
    models.Queryables,
    models.Problem,
)
#: Parameters of ``/items`` and the collections that take them (see CollectionSpec).
_COLLECTION_PARAMETERS = ("kind", "status", "country", "services", "level", "risk_type")


def _renamed(value: Any, schema: str) -> Any:
    """Schema references to the place models, pointed at another collection's models."""
    if isinstance(value, dict):
        return {k: _renamed(v, schema) for k, v in value.items()}
    if isinstance(value, list):
        return [_renamed(v, schema) for v in value]
    if isinstance(value, str) and value.startswith("#/components/schemas/Place"):
        return value.replace("/Place", f"/{schema}", 1)
    return value


def _for_collection(operation: dict[str, Any], spec: CollectionSpec, path: str) -> dict[str, Any]:
    """One operation of a ``/collections/{collectionId}/…`` path, for one collection.

    The collection's own filter parameters (``kind``, ``status``, ...) are those of its
    ``/items``; a parameter of the same name elsewhere (a proposal's ``status``) is another.
    """
    out: dict[str, Any] = _renamed(copy.deepcopy(operation), spec.schema)
    out["operationId"] = f"{spec.id}.{operation.get('operationId', '')}"
    items = path.endswith("/items")
    kept = []
    for parameter in out.get("parameters", []):
        name = parameter.get("name")
        if parameter.get("in") == "path" and name == "collectionId":
            continue
        own = items and name in _COLLECTION_PARAMETERS
        if own and name not in spec.parameters:
            continue
        schema = parameter.get("schema", {})
        enums = {"kind": spec.kinds, "status": spec.statuses}
        if own and enums.get(name):
            parameter["schema"] = {**schema, "enum": list(enums[name])}
        if own and name == "services" and spec.services:
            codes = "|".join(spec.services)
            parameter["schema"] = {**schema, "pattern": f"^({codes})(,({codes}))*$"}
        if name == "f" and "hxl" in str(schema) and spec.id != "places":
            parameter["schema"] = {**schema, "enum": ["geojson"]}
        if name in spec.examples:
            parameter.pop("examples", None)
            parameter["schema"] = {k: v for k, v in schema.items() if k != "example"}
            parameter["example"] = spec.examples[name]
        kept.append(parameter)
    out["parameters"] = kept
    return out


def _expand_collections(doc: dict[str, Any], specs: dict[str, CollectionSpec]) -> None:
    """Write every ``{collectionId}`` path once per collection, with its own schemas.

    Clients (GDAL looks for ``/collections/{id}/items`` first) and testers then see each
    collection's parameters, request bodies and answers as they are.
    """
    paths: dict[str, Any] = doc.get("paths", {})
    for path in [p for p in paths if "{collectionId}" in p]:
        operations = paths.pop(path)
        for spec in specs.values():
            concrete = path.replace("{collectionId}", spec.id)
            paths[concrete] = {
                method: _for_collection(operation, spec, path)
                for method, operation in operations.items()
            }
    doc["paths"] = dict(sorted(paths.items()))


def build(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI 3.0 definition of ``app`` (without ``servers``)."""
    doc = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
        separate_input_output_schemas=False,
    )
    components = doc.setdefault("components", {})
    schemas: dict[str, Any] = components.setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    for name, schema in _extra_schemas(list(_MODELS)).items():
        schemas[name] = schema
    schemas["MergePatch"] = _MERGE_PATCH
    components["schemas"] = {k: _downgrade_schema(v) for k, v in sorted(schemas.items())}
    for path in doc.get("paths", {}).values():
        for method, operation in path.items():
            _problem_responses(operation, method)
            _downgrade_operation(operation)
            _required_headers(operation)
    _expand_collections(doc, getattr(app.state, "collections", {}))
    doc["openapi"] = OPENAPI_VERSION
    return doc


def document(app: FastAPI, base: str) -> dict[str, Any]:
    """The OpenAPI 3.0 definition with ``servers`` pointing at ``base`` (built once per app)."""
    cached: dict[str, Any] | None = getattr(app.state, "openapi", None)
    if cached is None:
        cached = build(app)
        app.state.openapi = cached
    doc = copy.copy(cached)
    doc["servers"] = [{"url": base or "/"}]
    return doc
