"""Exception types raised by geomap's libraries.

The network engine's errors live in :mod:`routing.errors` and are re-exported here, so
``from geomap.errors import NoRouteError`` keeps working.

Every error a caller can provoke with bad input is one of these. They subclass the standard
exception that fits (``ValueError``, ``OSError`` ...) so that generic handlers still work, and
``api/`` maps them to HTTP status codes in one table.
"""

from __future__ import annotations

from typing import Any

from routing.errors import (
    EmptyNetworkError,
    GeomapError,
    InvalidCoordinateError,
    InvalidLimitError,
    NetworkFormatError,
    NoRouteError,
    OSMReadError,
    PointTooFarError,
    UnknownCorridorError,
    UnknownProfileError,
)


class ServiceUnavailableError(GeomapError, RuntimeError):
    """A part of the service is not configured (for instance no walking network loaded)."""


class RegistryValidationError(GeomapError, ValueError):
    """One or more features or fields are invalid; ``problems`` lists every one.

    Each problem is a dict with ``index`` (feature position, or None), ``id`` (feature id, or
    None), ``field`` (a dotted path such as ``properties.services[1]``) and ``message``.
    """

    def __init__(self, problems: list[dict[str, Any]], summary: str | None = None) -> None:
        self.problems = problems
        super().__init__(summary or f"{len(problems)} problem(s) in the input")


class NotFoundError(GeomapError, LookupError):
    """No record with that id that the caller may see."""


class ConflictError(GeomapError, ValueError):
    """The record already exists (create) or the change conflicts with its state."""


class PreconditionRequiredError(GeomapError, ValueError):
    """A change to an existing record was sent without ``If-Match``."""


class PreconditionFailedError(GeomapError, ValueError):
    """The record changed since the caller read it: its ETag no longer matches."""


class AuthenticationError(GeomapError, PermissionError):
    """The API token is missing where needed, unknown or revoked."""


class PermissionDeniedError(GeomapError, PermissionError):
    """The caller is known but its role or countries do not allow this action."""


class ImportPermissionError(PermissionDeniedError, RegistryValidationError):
    """An import touches records the caller may not write (403); ``problems`` names each."""


class RegistrySchemaError(GeomapError, RuntimeError):
    """The registry database has a schema version this geomap does not know (newer)."""


__all__ = [
    "AuthenticationError",
    "ConflictError",
    "EmptyNetworkError",
    "GeomapError",
    "ImportPermissionError",
    "InvalidCoordinateError",
    "InvalidLimitError",
    "NetworkFormatError",
    "NoRouteError",
    "NotFoundError",
    "OSMReadError",
    "PermissionDeniedError",
    "PointTooFarError",
    "PreconditionFailedError",
    "PreconditionRequiredError",
    "RegistrySchemaError",
    "RegistryValidationError",
    "ServiceUnavailableError",
    "UnknownCorridorError",
    "UnknownProfileError",
]
