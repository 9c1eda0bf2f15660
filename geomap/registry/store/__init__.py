"""The versioned registry store: one interface, two stores.

* :mod:`~geomap.registry.store.records` — records, versions, queries, proposals, feedback;
* :mod:`~geomap.registry.store.interface` — :class:`RegistryStore`, what callers use;
* :mod:`~geomap.registry.store.core` — the logic both SQL stores share (visibility in SQL,
  versions, ETags, counters); :mod:`~.imports`, :mod:`~.tokens`, :mod:`~.proposals` and
  :mod:`~.feedback` add the rest;
* :mod:`~geomap.registry.store.sqlite` — :class:`SQLiteStore`, the embedded default;
* :mod:`~geomap.registry.store.postgis` — :class:`PostGISStore`, for several processes;
* :mod:`~geomap.registry.store.schema` — schema versions and the check at open;
* :mod:`~geomap.registry.store.factory` — :func:`open_store` (URL or path) and
  :func:`open_registry` (settings).

Nothing is overwritten or hard-deleted: every change adds a version (who, when, what changed,
why); retiring a record hides it and keeps its history; any version can be restored.
"""

from geomap.registry.store.factory import open_registry, open_store
from geomap.registry.store.interface import RegistryStore
from geomap.registry.store.postgis import PostGISStore  # psycopg is imported when used
from geomap.registry.store.records import (
    FEEDBACK_KINDS,
    BBox,
    Feedback,
    ImportReport,
    Item,
    Proposal,
    Query,
    Record,
    StoredItem,
    Version,
    check_if_match,
)
from geomap.registry.store.schema import SCHEMA_VERSION
from geomap.registry.store.sqlite import SQLiteStore

__all__ = [
    "FEEDBACK_KINDS",
    "SCHEMA_VERSION",
    "BBox",
    "Feedback",
    "ImportReport",
    "Item",
    "PostGISStore",
    "Proposal",
    "Query",
    "Record",
    "RegistryStore",
    "SQLiteStore",
    "StoredItem",
    "Version",
    "check_if_match",
    "open_registry",
    "open_store",
]
