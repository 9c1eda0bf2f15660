"""Exception types raised by geomap's libraries.

Every error a caller can provoke with bad input is one of these. They subclass the standard
exception that fits (``ValueError``, ``OSError`` ...) so that generic handlers still work, and
``api/`` maps them to HTTP status codes in one table.
"""

from __future__ import annotations

from typing import Any


class GeomapError(Exception):
    """Base class of every error raised on purpose by geomap."""


class OSMReadError(GeomapError, OSError):
    """An OSM file is missing, unreadable, truncated or of an unknown format."""


class EmptyNetworkError(GeomapError, ValueError):
    """Filtering or clipping left no routable way."""


class UnknownCorridorError(GeomapError, KeyError):
    """A corridor name that is not among the defined corridors."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class PointTooFarError(GeomapError, ValueError):
    """A point lies farther from every road than the allowed snapping distance."""


class InvalidCoordinateError(GeomapError, ValueError):
    """A coordinate is not a finite longitude/latitude pair in range."""


class NoRouteError(GeomapError, ValueError):
    """The destination cannot be reached from the origin on the network."""


class ServiceUnavailableError(GeomapError, RuntimeError):
    """A part of the service is not configured (for instance no walking network loaded)."""


class NetworkFormatError(GeomapError, ValueError):
    """A saved network file is not a geomap network or is of an unsupported version."""


class UnknownProfileError(GeomapError, ValueError):
    """A travel profile name that is not defined."""


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
