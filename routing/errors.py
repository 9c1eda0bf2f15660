"""Exception types raised by the network engine.

They subclass the standard exception that fits (``ValueError``, ``OSError`` ...) so generic
handlers still work. :mod:`geomap.errors` re-exports them beside the registry's own errors,
and ``api/`` maps all of them to HTTP status codes in one table.
"""

from __future__ import annotations


class GeomapError(Exception):
    """Base class of every error raised on purpose by geomap (engine and registry)."""


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


class InvalidLimitError(GeomapError, ValueError):
    """A search limit (distance, time, count) is negative, NaN or otherwise unusable."""


class NoRouteError(GeomapError, ValueError):
    """The destination cannot be reached from the origin on the network."""


class NetworkFormatError(GeomapError, ValueError):
    """A saved network file is not a geomap network or is of an unsupported version."""


class UnknownProfileError(GeomapError, ValueError):
    """A travel profile name that is not defined."""


class OutputPathError(GeomapError, OSError):
    """An output path cannot be written (a folder, a missing or read-only location)."""
