"""Demand layers: where people are, how many, and of which groups.

A layer is read from a CSV with lon/lat columns, an H3-indexed table (CSV or XLSX whose id
column holds H3 cells, with or without lon/lat), or any vector file GeoPandas reads (points or
polygons). When the units are H3 cells their point is the cell's centre and their shape the
true cell boundary; any layer can be aggregated to the H3 cells of a chosen resolution
(:func:`to_resolution`). Count columns beyond the total (population groups, sex and age bands)
are kept with the breakdowns they form; every breakdown must add up to the total, unit by unit.

People are counted once: every unit belongs to one admin area at most (the first that contains
its point) and its people are split over columns, never duplicated.
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from geomap.coverage import h3cells
from geomap.coverage.groups import TOTAL, column_tags, detect_breakdowns
from geomap.errors import GeomapError

FloatArray = npt.NDArray[np.float64]
LonLat = tuple[float, float]

#: Largest difference (people) between a breakdown's sum and the total of a unit.
SUM_TOLERANCE = 1e-6


class DemandLayerError(GeomapError, ValueError):
    """A population layer cannot be read (missing columns, bad numbers, no rows)."""


@dataclass
class DemandLayer:
    """Demand units: where people are, how many, and of which groups.

    Attributes
    ----------
    ids : list of str
        Unit identifiers (the H3 index for cell units).
    points : list of (lon, lat)
        The point of each unit (a cell's centre, a polygon's representative point).
    population : ndarray
        People per unit (the total).
    areas : list of str or None
        Admin area of each unit (None: none given or outside every area).
    polygons : list of shapely geometry, optional
        The unit polygons in lon/lat, for polygon layers.
    cells : list of str, optional
        The H3 cell of every unit, when the units are H3 cells.
    columns : dict
        Count columns besides the total (group, sex and age columns), per unit.
    breakdowns : dict
        Breakdown name to the columns that add up to the total.
    tags : dict
        Column to the registry population codes of its people.
    meta : dict
        Provenance flags carried into every output (``illustrative``, ``source`` …).
    """

    ids: list[str]
    points: list[LonLat]
    population: FloatArray
    areas: list[str | None] = field(default_factory=list)
    polygons: list[Any] | None = None
    cells: list[str] | None = None
    columns: dict[str, FloatArray] = field(default_factory=dict)
    breakdowns: dict[str, tuple[str, ...]] = field(default_factory=dict)
    tags: dict[str, tuple[str, ...]] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def resolution(self) -> int | None:
        """H3 resolution of cell units (None for other units)."""
        return h3cells.cell_resolution(self.cells[0]) if self.cells else None

    def column(self, name: str) -> FloatArray:
        """People per unit of a column (``population`` is the total)."""
        if name == TOTAL:
            return self.population
        if name not in self.columns:
            known = ", ".join([TOTAL, *self.columns])
            raise DemandLayerError(f"the demand layer has no column {name!r}; it has {known}")
        return self.columns[name]

    def column_names(self) -> list[str]:
        """``population`` then every breakdown column, in order."""
        return [TOTAL, *dict.fromkeys(c for cols in self.breakdowns.values() for c in cols)]

    def geometries(self) -> list[Any]:
        """The shape of every unit in lon/lat: its H3 cell, its polygon, or its point."""
        import shapely

        if self.cells is not None:
            return h3cells.cell_polygons(self.cells)
        if self.polygons is not None:
            return list(self.polygons)
        return [shapely.Point(p) for p in self.points]


def _label(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _count(value: Any, where: str, name: str = "population") -> float:
    try:
        pop = float(value) if value not in (None, "") else 0.0
    except (TypeError, ValueError):
        raise DemandLayerError(f"{where}: {name} {value!r} is not a number") from None
    if math.isnan(pop):
        return 0.0
    if pop < 0 or math.isinf(pop):
        raise DemandLayerError(f"{where}: {name} must be a non-negative number, not {pop}")
    return pop


def read_demand(
    path: str | os.PathLike[str],
    *,
    population: str = "population",
    id_column: str = "id",
    lon: str = "lon",
    lat: str = "lat",
    area: str | None = None,
    layer: str | None = None,
    columns: Sequence[str] | None = None,
    breakdowns: Mapping[str, Sequence[str]] | None = None,
    resolution: int | None = None,
) -> DemandLayer:
    """Read a population layer: CSV/XLSX (lon/lat or H3 ids), GeoJSON, GeoPackage, etc.

    Parameters
    ----------
    path : path
        ``.csv`` or ``.xlsx`` with ``lon``/``lat`` columns or H3 cell ids (an H3-indexed
        table), or any vector file GeoPandas reads with point or polygon features.
    population : str
        Column of people per unit, the total (empty and NaN mean 0).
    id_column : str
        Column of unit ids (default: the row number when absent). When every id is a valid H3
        cell, the units are those cells.
    lon, lat : str
        Coordinate columns of a table (optional for H3-indexed tables).
    area : str, optional
        Column naming each unit's admin area.
    layer : str, optional
        Layer of a multi-layer file (GeoPackage); default the first.
    columns : sequence of str, optional
        Further count columns to keep (default: the population-group and sex/age columns found
        by name, see :func:`geomap.coverage.groups.detect_breakdowns`).
    breakdowns : mapping, optional
        Breakdown name to columns that must add up to the total (default: detected by name).
    resolution : int, optional
        Aggregate the units to H3 cells of this resolution.

    Raises
    ------
    DemandLayerError
        If a column is missing, a number is bad, a breakdown does not add up or the layer is
        empty.
    """
    src = Path(path)
    suffix = src.suffix.lower()
    if suffix in (".csv", ".xlsx"):
        records = _table_rows(src)
        if not records:
            raise DemandLayerError(f"{src}: the population layer has no units")
        header = list(records[0])
        units = _from_records(
            src, records, header, population=population, id_column=id_column,
            lonlat=(lon, lat), area=area,
        )  # fmt: skip
        names = header
    else:
        units, names = _read_vector(src, population, id_column, area, layer)
    if not len(units):
        raise DemandLayerError(f"{src}: the population layer has no units")
    units.meta = {"source": src.name}
    if "illustrative" in names:
        units.meta["illustrative"] = True
    found = dict(breakdowns) if breakdowns is not None else detect_breakdowns(names)
    wanted = list(dict.fromkeys([*(columns or ()), *(c for v in found.values() for c in v)]))
    missing = [c for c in wanted if c not in names]
    if missing:
        raise DemandLayerError(f"{src}: missing column(s) {', '.join(missing)}")
    units = with_columns(units, _raw_columns(src, wanted, suffix, layer), found, where=str(src))
    if resolution is not None:
        units = to_resolution(units, resolution)
    return units


def _table_rows(src: Path) -> list[dict[str, Any]]:
    if src.suffix.lower() == ".xlsx":
        from openpyxl import load_workbook

        book = load_workbook(src, read_only=True, data_only=True)
        rows = list(book.worksheets[0].iter_rows(values_only=True))
        book.close()
        if not rows:
            return []
        head = [str(h) if h is not None else "" for h in rows[0]]
        return [dict(zip(head, r, strict=False)) for r in rows[1:] if any(v is not None for v in r)]
    with src.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _from_records(
    src: Path,
    rows: list[dict[str, Any]],
    header: list[str],
    *,
    population: str,
    id_column: str,
    lonlat: tuple[str, str],
    area: str | None,
) -> DemandLayer:
    lon, lat = lonlat
    ids = [str(r.get(id_column) or i) for i, r in enumerate(rows)]
    h3_ids = id_column in header and all(h3cells.is_cell(v) for v in ids)
    needed = [population] + ([area] if area else []) + ([] if h3_ids else [lon, lat])
    missing = [c for c in needed if c not in header]
    if missing:
        raise DemandLayerError(f"{src}: missing column(s) {', '.join(missing)}")
    if h3_ids:
        if len(set(ids)) != len(ids):
            dup = next(c for c in ids if ids.count(c) > 1)
            raise DemandLayerError(f"{src}: H3 cell {dup} appears more than once")
        points = [(float(x), float(y)) for x, y in h3cells.cell_centroids(ids)]
    else:
        points = []
        for i, r in enumerate(rows):
            try:
                points.append((float(r[lon]), float(r[lat])))
            except (TypeError, ValueError):
                raise DemandLayerError(f"{src} row {i + 1}: bad coordinates") from None
    return DemandLayer(
        ids=ids,
        points=points,
        population=np.array(
            [_count(r[population], f"{src} row {i + 1}") for i, r in enumerate(rows)],
            dtype=np.float64,
        ),
        areas=[_label(r[area]) if area else None for r in rows],
        cells=ids if h3_ids else None,
    )


def _read_vector(
    src: Path, population: str, id_column: str, area: str | None, layer: str | None
) -> tuple[DemandLayer, list[str]]:
    frame = _frame(src, layer)
    for column in [population] + ([area] if area else []):
        if column not in frame.columns:
            raise DemandLayerError(f"{src}: missing column {column}")
    geoms = list(frame.geometry)
    is_polygon = [g.geom_type in ("Polygon", "MultiPolygon") for g in geoms]
    if any(is_polygon) and not all(is_polygon):
        raise DemandLayerError(f"{src}: mix of polygons and other geometries")
    reps = [
        g.representative_point() if poly else g for g, poly in zip(geoms, is_polygon, strict=True)
    ]
    ids = (
        [str(v) for v in frame[id_column]]
        if id_column in frame.columns
        else [str(i) for i in range(len(frame))]
    )
    units = DemandLayer(
        ids=ids,
        points=[(float(p.x), float(p.y)) for p in reps],
        population=np.array(
            [_count(v, f"{src} unit {ids[i]}") for i, v in enumerate(frame[population])],
            dtype=np.float64,
        ),
        areas=[None if _missing(v) else str(v) for v in frame[area]]
        if area
        else [None] * len(frame),
        polygons=geoms if geoms and all(is_polygon) else None,
    )
    return units, [str(c) for c in frame.columns]


def _frame(src: Path, layer: str | None) -> Any:
    import geopandas as gpd

    try:
        frame = gpd.read_file(src, layer=layer) if layer else gpd.read_file(src)
    except Exception as exc:
        raise DemandLayerError(f"{src}: cannot read the population layer ({exc})") from exc
    if frame.crs is not None:
        frame = frame.to_crs("EPSG:4326")
    return frame[~frame.geometry.is_empty & frame.geometry.notna()]


def _raw_columns(
    src: Path, names: list[str], suffix: str, layer: str | None
) -> dict[str, list[Any]]:
    if not names:
        return {}
    if suffix in (".csv", ".xlsx"):
        rows = _table_rows(src)
        return {c: [r.get(c) for r in rows] for c in names}
    frame = _frame(src, layer)
    return {c: list(frame[c]) for c in names}


def with_columns(
    units: DemandLayer,
    raw: Mapping[str, Sequence[Any]],
    breakdowns: Mapping[str, Sequence[str]],
    *,
    where: str = "demand layer",
    tags: Mapping[str, Sequence[str]] | None = None,
) -> DemandLayer:
    """``units`` with count columns and breakdowns, checked to add up to the total."""
    cols = {
        c: np.array(
            [_count(v, f"{where} unit {units.ids[i]}", c) for i, v in enumerate(vals)],
            dtype=np.float64,
        )
        for c, vals in raw.items()
    }
    for name, members in breakdowns.items():
        if not members:
            continue
        total = np.sum([cols[c] for c in members], axis=0)
        off = np.flatnonzero(np.abs(total - units.population) > SUM_TOLERANCE)
        if len(off):
            i = int(off[0])
            raise DemandLayerError(
                f"{where} unit {units.ids[i]}: the {name} columns ({', '.join(members)}) add "
                f"up to {total[i]:g}, not to the population {units.population[i]:g}"
            )
    given = dict(tags or {})
    return replace(
        units,
        columns=cols,
        breakdowns={k: tuple(v) for k, v in breakdowns.items() if v},
        tags={c: tuple(given.get(c, column_tags(c))) for c in cols},
    )


def to_resolution(units: DemandLayer, resolution: int) -> DemandLayer:
    """The layer aggregated to the H3 cells of ``resolution`` (totals of every column kept).

    Points fall in the cell containing them, polygons are split over the cells they overlap by
    area, and H3 cells follow the H3 hierarchy (to their parent, or equally to their children).
    Each cell takes the admin area of the unit giving it the largest share.
    """
    res = h3cells.check_resolution(resolution)
    if units.cells is not None and units.resolution == res:
        return units
    values = {TOTAL: units.population, **units.columns}
    if units.cells is not None:
        cells, sums, main = h3cells.regrid(units.cells, values, res)
    else:
        cells, sums, main = h3cells.aggregate(units.geometries(), values, res)
    return DemandLayer(
        ids=list(cells),
        points=[(float(x), float(y)) for x, y in h3cells.cell_centroids(cells)],
        population=sums[TOTAL],
        areas=[units.areas[i] if units.areas else None for i in main],
        cells=list(cells),
        columns={c: sums[c] for c in units.columns},
        breakdowns=dict(units.breakdowns),
        tags=dict(units.tags),
        meta={**units.meta, "resolution": res},
    )


def assign_areas(
    layer: DemandLayer, path: str | os.PathLike[str], *, name: str = "name"
) -> DemandLayer:
    """Give every unit the admin area (from a polygon layer) containing its point.

    A point in several areas gets the first; a point in none gets None. People are thus counted
    in one area at most.
    """
    import geopandas as gpd
    import shapely

    areas = gpd.read_file(path)
    if name not in areas.columns:
        raise DemandLayerError(f"{path}: missing column {name}")
    if areas.crs is not None:
        areas = areas.to_crs("EPSG:4326")
    tree = shapely.STRtree(list(areas.geometry))
    points = shapely.points(np.array(layer.points, dtype=np.float64).reshape(-1, 2))
    pairs = tree.query(points, predicate="within")
    first: dict[int, int] = {}
    for unit, poly in zip(pairs[0].tolist(), pairs[1].tolist(), strict=True):
        first[unit] = min(first.get(unit, poly), poly)
    labels = [str(v) for v in areas[name]]
    return replace(
        layer, areas=[labels[first[i]] if i in first else None for i in range(len(layer))]
    )
