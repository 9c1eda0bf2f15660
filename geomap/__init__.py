"""geomap: service mapping and safe routes for refugees and migrants in transit."""

from __future__ import annotations

__version__ = "0.1.0"
