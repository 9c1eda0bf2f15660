"""Walking (and driving) network engine built from OpenStreetMap.

The public entry points are :func:`read_osm` / :func:`build_network` to make a
:class:`Network`, and :class:`Router` to query it.
"""

from __future__ import annotations

from routing.build import build_network, network_from_file
from routing.network import Network
from routing.osm import OSMData, read_osm
from routing.profiles import DRIVE, PROFILES, WALK, Profile, get_profile
from routing.router import Route, Router, Snap

__all__ = [
    "DRIVE",
    "PROFILES",
    "WALK",
    "Network",
    "OSMData",
    "Profile",
    "Route",
    "Router",
    "Snap",
    "build_network",
    "get_profile",
    "network_from_file",
    "read_osm",
]
