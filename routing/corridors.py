"""Migration corridors: a line through towns plus a buffer width.

The shipped definitions (``corridors.geojson`` beside this module) join *approximate* town
centres; they are marked ``approximate`` and are meant to be widened or replaced by a mapping
office that knows the road. Buffers are computed in metres: each stretch of the line is
buffered in its own azimuthal equidistant projection centred on it, and the pieces are joined
back in lon/lat, so a corridor of 1,500 km keeps its width everywhere.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np

from routing.errors import InvalidCoordinateError, UnknownCorridorError

#: Longest stretch of a corridor line buffered in one local projection.
_STRETCH_M = 50_000.0


@dataclass(frozen=True)
class Corridor:
    """A corridor: a line in lon/lat and the half-width of the area around it.

    Attributes
    ----------
    id : str
        Short identifier (``cucuta-bogota``).
    name : str
        Human-readable name.
    coords : tuple of (lon, lat)
        The line's vertices.
    buffer_km : float
        Distance kept on each side of the line, in kilometres.
    approximate : bool
        Whether the line only joins approximate town centres.
    towns : tuple of str
        Names of the vertices.
    """

    id: str
    name: str
    coords: tuple[tuple[float, float], ...]
    buffer_km: float
    approximate: bool = True
    towns: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        if len(self.coords) < 2:
            raise InvalidCoordinateError(f"corridor {self.id!r}: a line needs two or more points")
        for lon, lat in self.coords:
            if not (
                np.isfinite(lon) and np.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90
            ):
                raise InvalidCoordinateError(f"corridor {self.id!r}: invalid vertex ({lon}, {lat})")
        if not self.buffer_km > 0:
            raise InvalidCoordinateError(f"corridor {self.id!r}: buffer must be > 0 km")

    def with_buffer(self, buffer_km: float) -> Corridor:
        """The same corridor with another buffer width."""
        return Corridor(self.id, self.name, self.coords, buffer_km, self.approximate, self.towns)

    def polygon(self) -> Any:
        """The corridor area as a shapely (Multi)Polygon in lon/lat."""
        return buffer_line_m(self.coords, self.buffer_km * 1000.0)

    def length_km(self) -> float:
        """Geodesic length of the line in kilometres."""
        from routing.geodesy import line_length_m

        lon, lat = zip(*self.coords, strict=True)
        return line_length_m(lon, lat) / 1000.0


def buffer_line_m(coords: Sequence[tuple[float, float]], distance_m: float) -> Any:
    """Buffer a lon/lat line by a distance in metres.

    Parameters
    ----------
    coords : sequence of (lon, lat)
        The line.
    distance_m : float
        Buffer distance in metres.

    Returns
    -------
    shapely geometry
        The buffered area in lon/lat.
    """
    import shapely
    from pyproj import Transformer

    from routing.geodesy import wgs84

    geod = wgs84()
    pieces = []
    for (lon1, lat1), (lon2, lat2) in pairwise(coords):
        _, _, dist = geod.inv(lon1, lat1, lon2, lat2)
        n = max(1, int(np.ceil(dist / _STRETCH_M)))
        inner = geod.npts(lon1, lat1, lon2, lat2, n - 1) if n > 1 else []
        points = [(lon1, lat1), *inner, (lon2, lat2)]
        for (a_lon, a_lat), (b_lon, b_lat) in pairwise(points):
            mid_lon, mid_lat = (a_lon + b_lon) / 2, (a_lat + b_lat) / 2
            local = Transformer.from_crs(
                "EPSG:4326",
                f"+proj=aeqd +lat_0={mid_lat} +lon_0={mid_lon} +ellps=WGS84 +units=m",
                always_xy=True,
            )
            x, y = local.transform([a_lon, b_lon], [a_lat, b_lat])
            area = shapely.LineString(np.column_stack([x, y])).buffer(distance_m, quad_segs=16)
            back = shapely.transform(
                area,
                lambda xy, t=local: np.column_stack(
                    t.transform(xy[:, 0], xy[:, 1], direction="INVERSE")
                ),
            )
            pieces.append(back)
    return shapely.union_all(pieces)


@cache
def _shipped() -> dict[str, Corridor]:
    text = resources.files("routing").joinpath("corridors.geojson").read_text(encoding="utf-8")
    return {c.id: c for c in corridors_from_geojson(json.loads(text))}


def corridors_from_geojson(collection: dict[str, Any]) -> list[Corridor]:
    """Corridors from a GeoJSON FeatureCollection of LineStrings.

    Each feature needs ``properties.id`` (or a feature ``id``) and ``properties.buffer_km``.
    """
    out = []
    for i, feature in enumerate(collection.get("features", [])):
        props = feature.get("properties") or {}
        geometry = feature.get("geometry") or {}
        cid = str(props.get("id") or feature.get("id") or f"corridor-{i}")
        if geometry.get("type") != "LineString":
            raise InvalidCoordinateError(f"corridor {cid!r}: geometry must be a LineString")
        try:
            coords = tuple((float(x), float(y)) for x, y, *_ in geometry["coordinates"])
            buffer_km = float(props.get("buffer_km", 10.0))
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidCoordinateError(
                f"corridor {cid!r}: coordinates must be [lon, lat] numbers and buffer_km a "
                f"number ({exc})"
            ) from exc
        out.append(
            Corridor(
                id=cid,
                name=str(props.get("name", cid)),
                coords=coords,
                buffer_km=buffer_km,
                approximate=bool(props.get("approximate", True)),
                towns=tuple(props.get("towns", ())),
            )
        )
    return out


def corridors() -> list[Corridor]:
    """The corridors shipped with geomap."""
    return list(_shipped().values())


def get_corridor(name: str, *, path: str | os.PathLike[str] | None = None) -> Corridor:
    """The corridor with this id, shipped or from a GeoJSON file of corridor lines.

    Parameters
    ----------
    name : str
        Corridor id.
    path : str or os.PathLike, optional
        A FeatureCollection of LineStrings (see :func:`corridors_from_geojson`); by default
        the corridors shipped with geomap.

    Raises
    ------
    UnknownCorridorError
        If no corridor has that id.
    InvalidCoordinateError
        If the file's geometry is not a valid line.
    """
    if path is None:
        known = _shipped()
    else:
        try:
            collection = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise InvalidCoordinateError(f"{path}: not a readable GeoJSON file ({exc})") from exc
        known = {c.id: c for c in corridors_from_geojson(collection)}
    try:
        return known[name]
    except KeyError:
        raise UnknownCorridorError(
            f"unknown corridor {name!r}; known corridors: {', '.join(sorted(known))}"
        ) from None
