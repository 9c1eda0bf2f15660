"""H3 cells: demand units, uncovered areas and aggregation, through the ``h3`` package.

Cell boundaries are ``h3.cell_to_boundary`` (so they are the true, slightly irregular H3
hexagons, not hexagons drawn around a centroid); unions of cells are ``h3.cells_to_h3shape``.
Any point or polygon layer can be aggregated to the cells of a chosen resolution: points fall
in the cell containing them, polygons are split over the cells they overlap in proportion to
the overlapping area, so totals are kept exactly.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

#: Finest and coarsest H3 resolutions.
MIN_RESOLUTION, MAX_RESOLUTION = 0, 15


def check_resolution(resolution: int) -> int:
    """The resolution as an int, or ValueError naming the allowed range."""
    if (
        not isinstance(resolution, int | np.integer)
        or isinstance(resolution, bool)
        or not MIN_RESOLUTION <= int(resolution) <= MAX_RESOLUTION
    ):
        raise ValueError(
            f"H3 resolution must be an integer from {MIN_RESOLUTION} to {MAX_RESOLUTION}, "
            f"not {resolution!r}"
        )
    return int(resolution)


def is_cell(value: Any) -> bool:
    """Whether ``value`` is a valid H3 cell index (string form)."""
    import h3

    return isinstance(value, str) and bool(h3.is_valid_cell(value))


def cell_resolution(cell: str) -> int:
    """Resolution of an H3 cell."""
    import h3

    return int(h3.get_resolution(cell))


def point_cells(points: Sequence[Sequence[float]] | FloatArray, resolution: int) -> list[str]:
    """The H3 cell containing every lon/lat point."""
    import h3

    res = check_resolution(resolution)
    return [h3.latlng_to_cell(float(p[1]), float(p[0]), res) for p in points]


def cell_centroids(cells: Sequence[str]) -> FloatArray:
    """``(m, 2)`` lon/lat centre of every cell."""
    import h3

    out = np.zeros((len(cells), 2))
    for i, c in enumerate(cells):
        lat, lon = h3.cell_to_latlng(c)
        out[i] = (lon, lat)
    return out


def cell_polygons(cells: Sequence[str]) -> list[Any]:
    """Every cell's boundary as a shapely Polygon in lon/lat (``h3.cell_to_boundary``)."""
    import h3
    import shapely

    return [shapely.Polygon([(lon, lat) for lat, lon in h3.cell_to_boundary(c)]) for c in cells]


def cells_union(cells: Sequence[str]) -> Any:
    """The union of cells as a shapely (Multi)Polygon in lon/lat (empty collection if none)."""
    import h3
    import shapely.geometry

    if not cells:
        return shapely.GeometryCollection()
    shape = h3.cells_to_h3shape(list(dict.fromkeys(cells)), tight=True)
    return shapely.geometry.shape(shape.__geo_interface__)


def _local_area(geom: Any, lat0: float) -> float:
    """Area of a small lon/lat geometry in (scaled) square degrees, proportional to m²."""
    import shapely

    scaled = shapely.transform(geom, lambda xy: xy * np.array([math.cos(math.radians(lat0)), 1]))
    return float(scaled.area)


def polygon_cells(polygon: Any, resolution: int) -> dict[str, float]:
    """The cells a lon/lat polygon overlaps, each with its share of the polygon's area.

    Shares add up to 1. A polygon smaller than any overlap found falls wholly in the cell of
    its representative point.
    """
    import h3
    import shapely
    import shapely.geometry

    res = check_resolution(resolution)
    shape = h3.geo_to_h3shape(shapely.geometry.mapping(polygon))
    try:
        found = h3.h3shape_to_cells_experimental(shape, res, contain="overlap")
    except (AttributeError, TypeError, ValueError):  # pragma: no cover - older h3
        edge = h3.average_hexagon_edge_length(res, unit="km") / 111.0
        grown = h3.geo_to_h3shape(shapely.geometry.mapping(polygon.buffer(2 * edge)))
        found = h3.h3shape_to_cells(grown, res)
    lat0 = float(polygon.representative_point().y)
    areas: dict[str, float] = {}
    for cell, poly in zip(found, cell_polygons(found), strict=True):
        inter = shapely.intersection(poly, polygon)
        if not inter.is_empty:
            a = _local_area(inter, lat0)
            if a > 0:
                areas[cell] = a
    total = sum(areas.values())
    if total <= 0:
        p = polygon.representative_point()
        return {h3.latlng_to_cell(float(p.y), float(p.x), res): 1.0}
    return {c: a / total for c, a in areas.items()}


def regrid(
    cells: Sequence[str], values: Mapping[str, Sequence[float] | FloatArray], resolution: int
) -> tuple[list[str], dict[str, FloatArray], list[int]]:
    """Move counts on H3 cells to another resolution along the H3 hierarchy.

    A finer cell gives all its counts to its parent (``h3.cell_to_parent``); a coarser cell
    splits its counts equally over its children (``h3.cell_to_children``). Returns as
    :func:`aggregate`.
    """
    import h3

    res = check_resolution(resolution)
    weights: list[dict[str, float]] = []
    for c in cells:
        r = h3.get_resolution(c)
        if r >= res:
            weights.append({h3.cell_to_parent(c, res): 1.0})
        else:
            kids = list(h3.cell_to_children(c, res))
            weights.append({k: 1.0 / len(kids) for k in kids})
    return _gather(weights, values)


def aggregate(
    geometries: Sequence[Any],
    values: Mapping[str, Sequence[float] | FloatArray],
    resolution: int,
) -> tuple[list[str], dict[str, FloatArray], list[int]]:
    """Aggregate a point or polygon layer's counts to H3 cells of ``resolution``.

    Points add their counts to the cell containing them; polygons split theirs over the cells
    they overlap by area. Cells come sorted by index; totals of every column are kept.

    Parameters
    ----------
    geometries : sequence of shapely geometry
        Points or polygons in lon/lat.
    values : mapping
        Column name to counts per geometry.
    resolution : int
        H3 resolution of the output cells.

    Returns
    -------
    cells : list of str
        The cells with any share.
    sums : dict
        Column name to counts per cell.
    main : list of int
        Per cell, the index of the input geometry giving it the largest share (for labels).
    """
    res = check_resolution(resolution)
    weights: list[dict[str, float]] = []
    for g in geometries:
        if g.geom_type in ("Polygon", "MultiPolygon"):
            weights.append(polygon_cells(g, res))
        else:
            weights.append({point_cells([(g.x, g.y)], res)[0]: 1.0})
    return _gather(weights, values)


def _gather(
    weights: Sequence[Mapping[str, float]], values: Mapping[str, Sequence[float] | FloatArray]
) -> tuple[list[str], dict[str, FloatArray], list[int]]:
    """Counts per output cell from each input's shares; the main input of each cell."""
    cells = sorted({c for w in weights for c in w})
    index = {c: i for i, c in enumerate(cells)}
    cols = {k: np.asarray(v, dtype=np.float64) for k, v in values.items()}
    sums = {k: np.zeros(len(cells)) for k in cols}
    best = np.full(len(cells), -1.0)
    main = [0] * len(cells)
    for gi, w in enumerate(weights):
        for cell, share in w.items():
            ci = index[cell]
            for k, v in cols.items():
                sums[k][ci] += v[gi] * share
            if share > best[ci]:
                best[ci], main[ci] = share, gi
    return cells, sums, main
