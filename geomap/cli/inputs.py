"""What the transit and coverage commands answer from: a saved network, places and zones.

Places and zones come from the files given (``--places``, ``--zones``: their public records)
or else from the registry the settings name (its public view). The network is routed exactly
as the server routes it: :func:`geomap.service.transit_service` with the same settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from geomap.deployment import Deployment, NetworkEntry, network_info
from geomap.settings import Settings
from geomap.transit import (
    PlaceSource,
    RegistryPlaces,
    RegistryZones,
    StaticPlaces,
    StaticZones,
    TransitService,
    ZoneSource,
)

EMPTY: dict[str, Any] = {"type": "FeatureCollection", "features": []}


@dataclass
class Inputs:
    """A one-network deployment and the public zones to draw on maps."""

    deployment: Deployment
    service: TransitService
    zone_collection: dict[str, Any]

    @property
    def router(self) -> Any:
        """The service's safe router (for maps and coverage)."""
        return self.service.safe


def _read(path: Path, collection: str, settings: Settings) -> tuple[list[Any], dict[str, Any]]:
    """Validated features of a file for a collection, and the file's public features."""
    from geomap.registry.collections import collection_rules, validate_features
    from geomap.registry.transfer import read_import_file

    rules = collection_rules(collection)
    document = read_import_file(path, rules)
    items = validate_features(rules, document, country_tolerance_km=settings.country_tolerance_km)
    public = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "id": i.id, "geometry": i.geometry(), "properties": i.properties}
            for i in items
            if i.properties.get("visibility", "public") == "public"
        ],
    }
    return items, public


def open_inputs(
    network: Path, places: Path | None, zones: Path | None, settings: Settings
) -> Inputs:
    """The network with places and zones from the files, else from the registry.

    Raises
    ------
    NetworkFormatError, OSMReadError
        For a missing or unreadable network file.
    RegistryValidationError
        For a places or zones file that cannot be read or holds invalid features.
    """
    from geomap.registry.access import ANONYMOUS
    from geomap.registry.exports import feature_collection
    from geomap.service import load_network, network_id, open_registry, transit_service

    net = load_network(network)
    store = None
    if (places is None or zones is None) and (
        settings.registry_url or settings.registry_db.exists()
    ):
        store = open_registry(settings)
    place_source: PlaceSource = StaticPlaces([])
    zone_source: ZoneSource = StaticZones([])
    zone_collection = EMPTY
    if places is not None:
        place_source = StaticPlaces(_read(places, "places", settings)[0])
    elif store is not None:
        place_source = RegistryPlaces(store)
    if zones is not None:
        items, zone_collection = _read(zones, "risk_zones", settings)
        zone_source = StaticZones(items)
    elif store is not None:
        zone_source = RegistryZones(store)
        zone_collection = feature_collection(store, "risk_zones", ANONYMOUS)
    ident = network_id(net, network)
    service = transit_service(settings, net, place_source, zone_source, network_id=ident)
    entry = NetworkEntry(ident, service, network_info(ident, net, []))
    return Inputs(Deployment([entry]), service, zone_collection)
