"""The registry of support spaces, information points and service points.

* :mod:`geomap.registry.vocab` — controlled vocabularies (kinds, services, populations ...);
* :mod:`geomap.registry.validate` — strict parsing and validation of GeoJSON features;
* :mod:`geomap.registry.access` — callers, roles, visibility and API tokens;
* :mod:`geomap.registry.store` — the versioned stores (SQLite, PostGIS) behind one interface;
* :mod:`geomap.registry.exports` — GeoJSON and HXL-tagged CSV exports.
"""
