"""The demo job on the shipped Porto Alegre data.

Build the walking network, route between two landmarks, and write the network, the route as
GeoJSON and a Folium map.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from geomap.io import read_landmarks, write_json
from geomap.maps import route_map, safe_route_map, save_map
from geomap.settings import Settings
from routing import Route, Router, network_from_file
from routing.costs import CostParams
from routing.network import Network
from routing.safe import SafeRouteAnswer, SafeRouter, Site

DEMO_ORIGIN = "bus_central_station"
DEMO_DESTINATION = "ufrgs"


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


def run_demo(
    settings: Settings,
    *,
    out_dir: Path | None = None,
    origin: str = DEMO_ORIGIN,
    destination: str = DEMO_DESTINATION,
    progress: Callable[[str], None] | None = None,
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
    say = progress or (lambda _label: None)
    data = settings.data_dir / "porto_alegre"
    out = out_dir or settings.output_dir / "demo"
    landmarks = read_landmarks(data / "landmarks.csv")
    for name in (origin, destination):
        if name not in landmarks:
            raise KeyError(f"unknown landmark {name!r}; known: {', '.join(sorted(landmarks))}")
    t0 = time.perf_counter()
    network = network_from_file(data / "porto_alegre.osm.pbf", "walk", progress=say)
    build_seconds = time.perf_counter() - t0
    say("saving the network")
    network_path = network.save(out / "porto_alegre_walk.npz")
    say("routing")
    router = Router(network, speed_kmh=settings.walk_speed_kmh, max_snap_m=settings.max_snap_m)
    route = router.route(landmarks[origin], landmarks[destination])
    feature = route.to_geojson()
    feature["properties"].update({"from": origin, "to": destination})
    collection = {
        "type": "FeatureCollection",
        "features": [
            feature,
            *(
                {
                    "type": "Feature",
                    "properties": {"landmark": name, "role": role},
                    "geometry": {"type": "Point", "coordinates": list(landmarks[name])},
                }
                for name, role in ((origin, "origin"), (destination, "destination"))
            ),
        ],
        "attribution": "© OpenStreetMap contributors, ODbL 1.0",
    }
    route_path = write_json(out / "route.geojson", collection)
    say("drawing the map")
    map_path = save_map(
        route_map(route, network, labels=(origin, destination)), out / "route_map.html"
    )
    say("safe route over the sample risk layer")
    safe, sites, zones = _safe_demo(
        network, data, settings, landmarks[origin], landmarks[destination]
    )
    safe_route_path = write_json(
        out / "safe_route.geojson",
        {
            "type": "FeatureCollection",
            "features": [r.to_geojson() for r in safe.routes]
            + [{**safe.shortest.to_geojson(), "id": "shortest"}],
            "comparison": safe.comparison(),
            "note": "illustrative sample risk zones and places: not real",
            "attribution": "© OpenStreetMap contributors, ODbL 1.0",
        },
    )
    safe_map_path = save_map(
        safe_route_map(safe.routes, network, zones=zones, sites=sites, shortest=safe.shortest),
        out / "safe_route_map.html",
    )
    return DemoResult(
        network, route, build_seconds, network_path, route_path, map_path, origin, destination,
        safe, safe_route_path, safe_map_path,
    )  # fmt: skip


def _safe_demo(
    network: Network,
    data: Path,
    settings: Settings,
    origin: tuple[float, float],
    destination: tuple[float, float],
) -> tuple[SafeRouteAnswer, list[Site], dict[str, Any]]:
    """The safe route between the landmarks with the sample places and risk zones."""
    from geomap.registry.risk import cost_zone, validate_risk_collection
    from geomap.registry.validate import parse_json, validate_collection
    from geomap.transit import site_from_properties

    zones = parse_json((data / "sample_risk_zones.geojson").read_bytes())
    items = validate_risk_collection(zones)
    places = validate_collection(parse_json((data / "sample_registry.geojson").read_bytes()))
    sites = [
        site_from_properties(p.id, p.properties, p.lon, p.lat)
        for p in places
        if p.properties.get("visibility") == "public"
    ]
    router = SafeRouter(
        network,
        zones=[cost_zone(z.id, z.properties, z.shape) for z in items],
        layer_version=1,
        params=CostParams(speed_kmh=settings.walk_speed_kmh),
        max_snap_m=settings.max_snap_m,
    )
    answer = router.safe_route(origin, destination, alternatives=2, sites=sites)
    return answer, sites, zones
