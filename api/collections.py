"""The collections the API serves: the registry's own table of collection rules.

The rules (geometry, validator, filters, export formats) live in
:mod:`geomap.registry.collections`, shared with the CLI; this module names them for the API.
"""

from __future__ import annotations

from geomap.registry.collections import COLLECTIONS, PLACES, RISK_ZONES, CollectionRules

#: A served collection (the registry's rules of it).
CollectionSpec = CollectionRules

__all__ = ["COLLECTIONS", "PLACES", "RISK_ZONES", "CollectionSpec"]
