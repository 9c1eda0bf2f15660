"""Schema versions of the registry databases, and the check every store makes when it opens.

Both stores keep their schema version in a one-row ``schema_version`` table. Opening a
database of a newer version than this geomap knows is refused with a clear message (never
half-understood); older versions are migrated step by step, each step in one transaction.

Versions:

1. records, versions, tokens, an R*Tree, and the version counters in ``meta`` (SQLite only:
   the first schema, before ``schema_version`` existed; its number lived in ``meta``).
2. ``schema_version``; ``collection_versions``; each version row keeps its own visibility and
   country (visibility of the history in SQL) and who proposed it; ``proposals``;
   ``feedback``. The PostGIS schema starts here.
3. Records without geometry (``"geometry": null``: messages, country-wide pathways): on
   PostGIS ``geom`` may be NULL (SQLite needed no change: such records stay out of the
   R*Tree); ``referral_logs`` and ``rumours`` for monitoring, with no personal data.
"""

from __future__ import annotations

from geomap.errors import RegistrySchemaError

#: The schema version this geomap writes.
SCHEMA_VERSION = 3


def check_version(found: int, *, where: str) -> None:
    """Refuse a database whose schema is newer than :data:`SCHEMA_VERSION` (or nonsense).

    Raises
    ------
    RegistrySchemaError
        Naming the version found and the versions this geomap supports.
    """
    if found > SCHEMA_VERSION or found < 1:
        raise RegistrySchemaError(
            f"the registry database {where} has schema version {found}; this geomap supports "
            f"versions 1 to {SCHEMA_VERSION} (it migrates older ones): upgrade geomap to open it"
        )
