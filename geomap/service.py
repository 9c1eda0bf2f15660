"""The one way to open each thing from :class:`~geomap.settings.Settings`.

The CLI, the API and the demo all open the registry, the walking networks, the cost model and
the transit services here, so the same settings always give the same answers (walking speed,
elevation, snapping limit, the networks served).

* :func:`open_registry` — the registry store (SQLite file, or PostgreSQL/PostGIS by URL);
* :func:`cost_params`, :func:`node_elevation` — the cost model a network is routed with;
* :func:`network_paths`, :func:`load_network` — the saved networks a deployment serves;
* :func:`transit_service` — one network with its places and zones;
* :func:`open_deployment` — every network of the deployment on one registry;
* :func:`open_services` — all of it for a server, closed with :meth:`Services.close`;
* :func:`prepare_services`, :func:`bind_registry` — the same split in two for a pre-fork
  server: the parent process loads and warms up every network (no connection left open), each
  worker process opens its own registry connections after the fork and binds the networks to
  them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from geomap.deployment import Deployment, NetworkEntry, network_info
from geomap.errors import ServiceUnavailableError
from geomap.registry.store import RegistryStore
from geomap.settings import Settings
from geomap.transit import PlaceSource, RegistryPlaces, RegistryZones, TransitService, ZoneSource
from routing.costs import CostParams
from routing.network import Network

Progress = Callable[[str], None]


def open_registry(settings: Settings) -> RegistryStore:
    """The registry store the settings name (``GEOMAP_REGISTRY_URL``, else the SQLite file).

    See :func:`geomap.registry.store.open_registry`.
    """
    from geomap.registry.store import open_registry as open_store

    return open_store(settings)


def cost_params(settings: Settings) -> CostParams:
    """The cost model's parameters from the settings (walking speed)."""
    return CostParams(speed_kmh=settings.walk_speed_kmh)


@lru_cache(maxsize=4)
def _raster(path: str, mtime: float) -> Any:
    from routing.costs import Elevation

    del mtime  # part of the cache key: a replaced raster is read again
    return Elevation(path)


def node_elevation(settings: Settings, network: Network) -> Any:
    """Elevation of every node from ``GEOMAP_ELEVATION`` (None when unset).

    Raises
    ------
    ServiceUnavailableError
        If the raster cannot be read.
    """
    if settings.elevation is None:
        return None
    path = settings.elevation
    try:
        raster = _raster(str(path), path.stat().st_mtime)
    except Exception as exc:  # rasterio raises its own errors for unreadable files
        raise ServiceUnavailableError(
            f"cannot read the elevation raster {path} (GEOMAP_ELEVATION): {exc}"
        ) from exc
    return raster.sample(network.node_lon, network.node_lat)


def network_paths(settings: Settings) -> list[Path]:
    """The saved networks the settings name (``GEOMAP_NETWORKS``, else ``GEOMAP_NETWORK``).

    ``GEOMAP_NETWORKS`` is a folder (every ``*.npz`` in it) or a comma-separated list of files.

    Raises
    ------
    ServiceUnavailableError
        If a named file or folder does not exist, or a folder holds no network.
    """
    if settings.networks:
        text = settings.networks.strip()
        folder = Path(text)
        if "," not in text and folder.is_dir():
            paths = sorted(folder.glob("*.npz"))
            if not paths:
                raise ServiceUnavailableError(
                    f"GEOMAP_NETWORKS: the folder {folder} holds no saved network (*.npz)"
                )
            return paths
        paths = [Path(p.strip()) for p in text.split(",") if p.strip()]
    elif settings.network is not None:
        paths = [settings.network]
    else:
        return []
    missing = [p for p in paths if not p.is_file()]
    if missing:
        names = "GEOMAP_NETWORKS" if settings.networks else "GEOMAP_NETWORK"
        raise ServiceUnavailableError(
            f"{names}: no saved network at {', '.join(map(str, missing))} "
            "(build one with 'geomap network build')"
        )
    return paths


def load_network(path: str | os.PathLike[str]) -> Network:
    """A saved network (see :meth:`routing.network.Network.load`)."""
    return Network.load(path)


def network_id(network: Network, path: str | os.PathLike[str]) -> str:
    """A network's id: the one saved with it, else its file name without suffix."""
    return str(network.meta.get("id") or Path(path).stem)


def transit_service(
    settings: Settings,
    network: Network,
    places: PlaceSource,
    zones: ZoneSource,
    *,
    network_id: str = "network",
) -> TransitService:
    """One network's transit service, routed with the settings' cost model and elevation."""
    return TransitService(
        network,
        places,
        zones,
        params=cost_params(settings),
        elevation=node_elevation(settings, network),
        max_snap_m=settings.max_snap_m,
        network_id=network_id,
    )


def known_towns(settings: Settings) -> list[dict[str, Any]]:
    """The towns of ``data/page/towns.json`` (id, name, country, lon, lat)."""
    path = settings.data_dir / "page" / "towns.json"
    try:
        towns: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))["towns"]
    except (OSError, ValueError, KeyError):
        return []
    return towns


def towns_on(network: Network, towns: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The towns whose centre lies inside the network's extent."""
    w, e = float(network.node_lon.min()), float(network.node_lon.max())
    s, n = float(network.node_lat.min()), float(network.node_lat.max())
    return [t for t in towns if w <= t["lon"] <= e and s <= t["lat"] <= n]


def _central_node(network: Network) -> list[float]:
    """The node nearest the middle of the network's extent, as ``[lon, lat]``."""
    import numpy as np

    lon, lat = network.node_lon, network.node_lat
    mid_lon = (float(lon.min()) + float(lon.max())) / 2
    mid_lat = (float(lat.min()) + float(lat.max())) / 2
    k = int(np.argmin((lon - mid_lon) ** 2 + (lat - mid_lat) ** 2))
    return [round(float(lon[k]), 6), round(float(lat[k]), 6)]


def open_deployment(
    settings: Settings,
    store: RegistryStore,
    *,
    warm_up: bool = True,
    progress: Progress | None = None,
) -> Deployment:
    """Every network the settings name, each answering from the registry's places and zones.

    Raises
    ------
    ServiceUnavailableError, NetworkFormatError
        If a network file is missing or not a geomap network.
    """
    say = progress or (lambda _label: None)
    towns = known_towns(settings)
    entries: list[NetworkEntry] = []
    places, zones = RegistryPlaces(store), RegistryZones(store)
    for path in network_paths(settings):
        say(f"loading {path.name}")
        network = load_network(path)
        ident = network_id(network, path)
        if ident in {e.id for e in entries}:
            raise ServiceUnavailableError(f"two networks have the id {ident!r}: rename one")
        service = transit_service(settings, network, places, zones, network_id=ident)
        if warm_up:
            service.warm_up()
        own = network.meta.get("towns") or towns_on(network, towns)
        if not own:  # a network no known town lies on is offered by its own name
            center = _central_node(network)
            countries = network.meta.get("countries") or [None]
            name = str(network.meta.get("name") or ident)
            own = [{"id": ident, "name": name, "country": countries[0],
                    "lon": center[0], "lat": center[1]}]  # fmt: skip
        info = network_info(ident, network, own)
        entries.append(NetworkEntry(ident, service, info))
    if warm_up:
        from geomap import localtime

        localtime.warm_up()  # the zone boundaries: answers without `time` use local time
    return Deployment(entries)


def preflight(settings: Settings) -> None:
    """Check, before a server starts, that every file the settings name is there.

    Raises
    ------
    ServiceUnavailableError
        Naming the first setting whose file is missing.
    """
    network_paths(settings)
    for name in ("elevation", "population"):
        path = getattr(settings, name)
        if path is not None and not Path(path).is_file():
            raise ServiceUnavailableError(f"GEOMAP_{name.upper()}: no file at {path}")


@dataclass
class Services:
    """What a server holds open: the registry, the networks, the population layer."""

    settings: Settings
    store: RegistryStore
    deployment: Deployment
    demand: Any = None
    extras: dict[str, Any] = field(default_factory=dict)

    def close(self) -> None:
        """Close the registry's connections."""
        self.store.close()


@dataclass
class Prepared:
    """What a pre-fork server builds once, before forking its workers: no connection in it.

    The networks, their hierarchies and day and night customizations, the population layer and
    the towns; each worker binds them to its own registry store (:func:`open_services`).
    """

    settings: Settings
    deployment: Deployment
    demand: Any = None


def _read_demand(settings: Settings) -> Any:
    if settings.population is None:
        return None
    from geomap.coverage import read_demand

    return read_demand(settings.population)


def prepare_services(settings: Settings, *, progress: Progress | None = None) -> Prepared:
    """Load and warm up every network and the population layer, closing the registry after.

    The registry is opened only to read the current places and risk zones (the warm-up
    customizes the routers with them) and is closed before returning, so the result holds no
    database connection or thread and can be shared with forked processes.
    """
    store = open_registry(settings)
    try:
        deployment = open_deployment(settings, store, progress=progress)
        demand = _read_demand(settings)
    finally:
        store.close()
    return Prepared(settings, deployment, demand)


def bind_registry(deployment: Deployment, store: RegistryStore) -> Deployment:
    """Make every network of the deployment read its places and zones from ``store``.

    Caches are kept: they are keyed by the collections' version counters, which the new store
    reads from the same database (a version that moved on makes the next request reload).
    """
    places, zones = RegistryPlaces(store), RegistryZones(store)
    for entry in deployment:
        entry.service.place_source = places
        entry.service.zone_source = zones
    return deployment


def open_services(
    settings: Settings,
    *,
    progress: Progress | None = None,
    prepared: Prepared | None = None,
) -> Services:
    """Open the registry, every network and the population layer for a server.

    With ``prepared`` (built by :func:`prepare_services`, typically in a parent process before
    forking), only the registry is opened here and the prepared networks are bound to it.
    """
    store = open_registry(settings)
    try:
        if prepared is None:
            deployment = open_deployment(settings, store, progress=progress)
            demand = _read_demand(settings)
        else:
            deployment = bind_registry(prepared.deployment, store)
            demand = prepared.demand
    except BaseException:
        store.close()
        raise
    return Services(settings, store, deployment, demand)
