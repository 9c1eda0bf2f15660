"""Opening the registry store a URL, a path or the settings name."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from geomap.errors import GeomapError
from geomap.registry.store.interface import RegistryStore

if TYPE_CHECKING:
    from geomap.settings import Settings

_SCHEMES = ("postgresql://", "postgres://")


def open_store(target: str | os.PathLike[str], *, max_connections: int = 10) -> RegistryStore:
    """The registry store at ``target``.

    Parameters
    ----------
    target : str or os.PathLike
        ``postgresql://…`` (or ``postgres://…``) for PostGIS; ``sqlite:///relative/path``,
        ``sqlite:////absolute/path`` or a plain file path for SQLite.
    max_connections : int
        PostGIS connection pool size (ignored for SQLite).

    Raises
    ------
    GeomapError
        For a URL of another scheme.
    ServiceUnavailableError
        If a PostGIS database cannot be reached.
    RegistrySchemaError
        If the database's schema is newer than this geomap knows.
    """
    text = os.fspath(target)
    if text.startswith(_SCHEMES):
        from geomap.registry.store.postgis import PostGISStore

        return PostGISStore(text, max_connections=max_connections)
    if text.startswith("sqlite:///"):  # as SQLAlchemy: sqlite:///relative, sqlite:////absolute
        text = text.removeprefix("sqlite:///")
    elif "://" in text:
        scheme = text.split("://", 1)[0]
        raise GeomapError(
            f"unknown registry URL scheme {scheme!r}: use postgresql://… or sqlite:///path"
        )
    from geomap.registry.store.sqlite import SQLiteStore

    return SQLiteStore(text)


def open_registry(settings: Settings) -> RegistryStore:
    """The store the settings name: ``registry_url`` when set, else ``registry_db``."""
    return open_store(settings.registry_url or settings.registry_db)
