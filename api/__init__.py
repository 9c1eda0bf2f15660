"""HTTP API of geomap: the registry as OGC API – Features (Part 1 and Part 4).

Layout (after tipg):

* :mod:`api.app` — :func:`~api.app.create_app` (factory and lifespan) and :func:`~api.app.run`;
* :mod:`api.collections` — the table of served collections (id, title, description, validator);
* :mod:`api.deps` — request dependencies: store, caller from the bearer token, checked headers
  and query parameters;
* :mod:`api.errors` — the one table from exception type to HTTP status, problem+json answers;
* :mod:`api.middleware` — the request body limit and common response headers;
* :mod:`api.ogc` — the OGC documents (landing page, collections, item pages, links);
* :mod:`api.editing` — writes: bodies, merge patch, server-assigned ids, history;
* :mod:`api.openapi` — the OpenAPI 3.0 definition served at ``/api``;
* :mod:`api.models` — response and request models (geojson-pydantic) for the definition;
* :mod:`api.routes` — the routers, without business logic.
"""
