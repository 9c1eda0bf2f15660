"""geomap: service mapping and safe routes for refugees and migrants in transit."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("geomap")
except PackageNotFoundError:  # a plain checkout that was never installed
    __version__ = "0.2.0"
