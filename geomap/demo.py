"""The demo on the shipped data: the job ``geomap demo`` runs and the server ``serve --demo`` opens.

:func:`run_demo` builds the Porto Alegre walking network from the shipped OpenStreetMap
extract, routes between two landmarks, computes the safe route over the illustrative sample
risk layer with the sample support spaces, and writes the network, the routes (GeoJSON) and
two Folium maps. It routes through the same service layer as the CLI and the API
(:func:`geomap.service.transit_service`), so the settings (walking speed, elevation) apply alike.

:func:`prepare_demo_server` makes what a demo server needs under one folder: the Porto Alegre
and Aguascalientes networks (two countries), and a registry with the sample places and risk
zones imported; it returns the settings that serve them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from geomap.io import read_landmarks, write_json
from geomap.settings import Settings
from routing.network import Network
from routing.router import Route
from routing.safe import SafeRouteAnswer

DEMO_ORIGIN = "bus_central_station"
DEMO_DESTINATION = "ufrgs"
ATTRIBUTION = "© OpenStreetMap contributors, ODbL 1.0"

#: The networks of the demo server: file stem, extract, id, name, countries.
DEMO_NETWORKS = (
    ("porto_alegre", "porto_alegre/porto_alegre.osm.pbf", "porto-alegre", "Porto Alegre", "BR"),
    (
        "aguascalientes",
        "aguascalientes/aguascalientes.osm.pbf",
        "aguascalientes",
        "Aguascalientes",
        "MX",
    ),
)

Progress = Callable[[str], None]


@dataclass
class DemoResult:
    """What the demo did and where it wrote it."""

    network: Network
    route: Route
    build_seconds: float
    network_path: Path
    route_path: Path
    map_path: Path
    origin: str
    destination: str
    safe: SafeRouteAnswer
    safe_route_path: Path
    safe_map_path: Path


def build_demo_network(
    settings: Settings, stem: str, *, progress: Progress | None = None
) -> Network:
    """One of the demo networks built from its shipped extract, with its id, name, countries."""
    from routing import network_from_file

    for name, extract, ident, title, countries in DEMO_NETWORKS:
        if name == stem:
            network = network_from_file(settings.data_dir / extract, "walk", progress=progress)
            network.meta.update(
                {"id": ident, "name": title, "countries": [countries], "source": Path(extract).name}
            )
            return network
    raise KeyError(f"no demo network {stem!r}")


def sample_inputs(settings: Settings) -> tuple[list[Any], list[Any], dict[str, Any]]:
    """The sample places and risk zones, validated by the registry's rules, and the zones file."""
    from geomap.registry.collections import PLACES, RISK_ZONES, validate_features
    from geomap.registry.transfer import read_import_file

    data = settings.data_dir / "porto_alegre"
    tolerance = settings.country_tolerance_km
    zones_doc = read_import_file(data / "sample_risk_zones.geojson", RISK_ZONES)
    zones = validate_features(RISK_ZONES, zones_doc, country_tolerance_km=tolerance)
    places_doc = read_import_file(data / "sample_registry.geojson", PLACES)
    places = validate_features(PLACES, places_doc, country_tolerance_km=tolerance)
    return places, zones, zones_doc


def run_demo(
    settings: Settings,
    *,
    out_dir: Path | None = None,
    origin: str = DEMO_ORIGIN,
    destination: str = DEMO_DESTINATION,
    progress: Progress | None = None,
) -> DemoResult:
    """Run the demo on the shipped Porto Alegre data.

    Parameters
    ----------
    settings : Settings
        Where the data is and how to route.
    out_dir : Path, optional
        Output folder (default ``settings.output_dir / "demo"``).
    origin, destination : str
        Landmark ids from ``porto_alegre/landmarks.csv``.
    progress : callable, optional
        Called with a label at each step.

    Returns
    -------
    DemoResult
    """
    from geomap import answers
    from geomap.deployment import Deployment, NetworkEntry, network_info
    from geomap.maps import route_map, safe_route_map, save_map
    from geomap.registry.access import ANONYMOUS
    from geomap.service import transit_service
    from geomap.transit import StaticPlaces, StaticZones
    from routing.safe import NoSafeRouteError

    say = progress or (lambda _label: None)
    out = out_dir or settings.output_dir / "demo"
    landmarks = read_landmarks(settings.data_dir / "porto_alegre" / "landmarks.csv")
    for name in (origin, destination):
        if name not in landmarks:
            raise KeyError(f"unknown landmark {name!r}; known: {', '.join(sorted(landmarks))}")
    t0 = time.perf_counter()
    network = build_demo_network(settings, "porto_alegre", progress=say)
    build_seconds = time.perf_counter() - t0
    say("saving the network")
    network_path = network.save(out / "porto_alegre_walk.npz")
    places, zones, zones_doc = sample_inputs(settings)
    service = transit_service(
        settings, network, StaticPlaces(places), StaticZones(zones), network_id="porto-alegre"
    )
    deployment = Deployment([NetworkEntry("porto-alegre", service, network_info(
        "porto-alegre", network, []))])  # fmt: skip
    say("routing")
    route = service.safe.plain.route(landmarks[origin], landmarks[destination])
    feature = route.to_geojson()
    feature["properties"].update({"from": origin, "to": destination})
    ends = [
        {
            "type": "Feature",
            "properties": {"landmark": name, "role": role},
            "geometry": {"type": "Point", "coordinates": list(landmarks[name])},
        }
        for name, role in ((origin, "origin"), (destination, "destination"))
    ]
    route_path = write_json(
        out / "route.geojson",
        {"type": "FeatureCollection", "features": [feature, *ends], "attribution": ATTRIBUTION},
    )
    say("drawing the map")
    map_path = save_map(
        route_map(route, network, labels=(origin, destination)), out / "route_map.html"
    )
    say("safe route over the sample risk layer")
    _, result = answers.route_answer(
        deployment, ANONYMOUS, origin=landmarks[origin], destination=landmarks[destination],
        alternatives=2,
    )  # fmt: skip
    if isinstance(result, NoSafeRouteError):
        raise result
    collection = answers.safe_route_geojson(service, result)
    collection["note"] = "illustrative sample risk zones and places: not real"
    safe_route_path = write_json(out / "safe_route.geojson", collection)
    safe_map_path = save_map(
        safe_route_map(
            result.routes, network, zones=zones_doc, sites=service.sites(ANONYMOUS),
            shortest=result.shortest,
        ),
        out / "safe_route_map.html",
    )  # fmt: skip
    return DemoResult(
        network, route, build_seconds, network_path, route_path, map_path, origin, destination,
        result, safe_route_path, safe_map_path,
    )  # fmt: skip


def prepare_demo_server(
    settings: Settings, out_dir: Path | None = None, *, progress: Progress | None = None
) -> Settings:
    """Networks and a registry for a demo server under ``out_dir``; the settings serving them.

    Networks already saved there are loaded, not rebuilt; importing the samples again into an
    existing registry changes nothing (re-imports are idempotent).
    """
    from geomap.registry.access import Caller
    from geomap.registry.collections import PLACES, RISK_ZONES
    from geomap.registry.store import SQLiteStore
    from geomap.registry.transfer import import_features, read_import_file
    from routing.errors import NetworkFormatError

    say = progress or (lambda _label: None)
    out = out_dir or settings.output_dir / "serve-demo"
    folder = out / "networks"
    for stem, *_ in DEMO_NETWORKS:
        path = folder / f"{stem}.npz"
        try:
            Network.load(path)
            continue
        except (NetworkFormatError, OSError):
            pass
        say(f"building the {stem} network")
        build_demo_network(settings, stem).save(path)
    say("importing the sample registry")
    db = out / "registry.sqlite"
    store = SQLiteStore(db)
    admin = Caller("admin", name="demo")
    try:
        for rules, name in ((RISK_ZONES, "sample_risk_zones"), (PLACES, "sample_registry")):
            document = read_import_file(
                settings.data_dir / "porto_alegre" / f"{name}.geojson", rules
            )
            import_features(
                store, rules, document, caller=admin, why="demo samples",
                country_tolerance_km=settings.country_tolerance_km,
            )  # fmt: skip
    finally:
        store.close()
    population = (
        settings.population or settings.data_dir / "porto_alegre" / "population_hexgrid.csv"
    )
    return settings.model_copy(
        update={
            "networks": str(folder),
            "network": None,
            "registry_db": db,
            "registry_url": None,
            "population": population,
        }
    )
