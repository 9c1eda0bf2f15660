"""Service coverage: who can walk to which service, by group; gaps, duplication, new sites.

The computation on the network is :mod:`routing.coverage`; this package reads demand and
activity tables, and answers the questions of an information-management officer. One module
per concept:

* :mod:`~geomap.coverage.h3cells` — real H3 cells (``h3``) for units, areas and aggregation;
* :mod:`~geomap.coverage.demand` — demand layers (CSV, XLSX, H3-indexed tables, GeoJSON, GPKG)
  with population groups, sex and age columns;
* :mod:`~geomap.coverage.groups` — who a place serves; people per class of population codes;
* :mod:`~geomap.coverage.engine` — covered people per column, one search per set of places;
* :mod:`~geomap.coverage.report` — :func:`analyse` and the report; :mod:`.tables` (tidy CSV,
  HXL), :mod:`.layers` (GeoJSON), :mod:`.maps` (Folium), :mod:`.gaps` (corridor gaps);
* :mod:`~geomap.coverage.duplication` — people within reach of two or more places;
* :mod:`~geomap.coverage.sites`, :mod:`.optimise`, :mod:`.capacity` — new sites: greedy and
  exact (HiGHS) maximal covering, set covering and capacity-aware covering;
* :mod:`~geomap.coverage.hours` — coverage for each of the 168 hours of the week;
* :mod:`~geomap.coverage.activities` and :mod:`.fivew` — R4V 5W activity tables;
* :mod:`~geomap.coverage.batch` — regional batches over networks × services × hours on Dask;
* :mod:`~geomap.coverage.samples` — the illustrative demo data (groups, Aguascalientes, 5W).
"""

from __future__ import annotations

from geomap.coverage.demand import (
    DemandLayer,
    DemandLayerError,
    assign_areas,
    read_demand,
    to_resolution,
)
from geomap.coverage.gaps import gap_layer
from geomap.coverage.maps import TIME_CLASSES, UNREACHABLE_COLOR, coverage_map, time_color
from geomap.coverage.places import capacities_of, organizations_of
from geomap.coverage.report import CoverageReport, ServiceReport, analyse
from geomap.coverage.tables import TABLE_COLUMNS

__all__ = [
    "TABLE_COLUMNS",
    "TIME_CLASSES",
    "UNREACHABLE_COLOR",
    "CoverageReport",
    "DemandLayer",
    "DemandLayerError",
    "ServiceReport",
    "analyse",
    "assign_areas",
    "capacities_of",
    "coverage_map",
    "gap_layer",
    "organizations_of",
    "read_demand",
    "time_color",
    "to_resolution",
]
