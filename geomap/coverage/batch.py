"""Regional batches: coverage over many networks × services × hours, in one process or on Dask.

The unit of work is a :class:`Task` — one region (a saved network with its places, zones and
demand), one service, a set of hours of the week. :func:`run_task` computes it with the same
code as :func:`geomap.coverage.hours.hours_of_week`; :func:`run_local` runs every task in this
process and :func:`run_dask` submits them to a ``dask.distributed`` cluster (a ``LocalCluster``
on a laptop, or a scheduler address). Networks travel *by path*: each worker process loads the
saved network file once and keeps it, so no big array is pickled. The numbers are identical
either way (same code, deterministic searches).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from geomap.coverage.demand import DemandLayer
from geomap.coverage.groups import TOTAL
from geomap.coverage.hours import HOURS
from routing.costs import CostParams, RiskZone
from routing.safe import Site

FloatArray = npt.NDArray[np.float64]

#: Per worker process: network path -> (file mtime, SafeRouter) built once.
_ROUTERS: dict[tuple[str, str], tuple[float, Any]] = {}


@dataclass(frozen=True)
class Region:
    """One network with what is needed to compute coverage on it.

    Attributes
    ----------
    name : str
        Region name (unique in a batch).
    network_path : str
        A saved network (``Network.save``), loaded by each worker from this path.
    sites : tuple of Site
        Places (already filtered to what may be seen).
    demand : DemandLayer
        People.
    zones : tuple of RiskZone
        Risk layer (``avoid`` zones in force are closed).
    params : CostParams
        Walking speed and night hours.
    """

    name: str
    network_path: str
    sites: tuple[Site, ...]
    demand: DemandLayer
    zones: tuple[RiskZone, ...] = ()
    params: CostParams = field(default_factory=CostParams)


@dataclass(frozen=True)
class Task:
    """One unit of work: a region, a service and hours of the week."""

    region: str
    service: str
    hours: tuple[int, ...]


@dataclass
class TaskResult:
    """People covered in one task, per hour."""

    region: str
    service: str
    hours: tuple[int, ...]
    population: float
    covered: FloatArray
    open_places: npt.NDArray[np.int64]
    searches: int


def plan(
    regions: Sequence[Region],
    services: Sequence[str] | Mapping[str, Sequence[str]],
    *,
    hours: Iterable[int] = range(HOURS),
    hours_per_task: int = HOURS,
) -> list[Task]:
    """Tasks for every region × service, the hours cut into chunks of ``hours_per_task``."""
    hour_list = list(hours)
    chunks = [
        tuple(hour_list[i : i + hours_per_task]) for i in range(0, len(hour_list), hours_per_task)
    ]
    out: list[Task] = []
    for r in regions:
        codes = services[r.name] if isinstance(services, Mapping) else services
        out.extend(Task(r.name, s, chunk) for s in codes for chunk in chunks)
    return out


def _router(region: Region) -> Any:
    """The region's SafeRouter in this process (network loaded from its path once)."""
    from routing.network import Network
    from routing.safe import SafeRouter

    path = str(Path(region.network_path).resolve())
    mtime = Path(path).stat().st_mtime
    key = (path, region.name)
    hit = _ROUTERS.get(key)
    if hit is None or hit[0] != mtime:
        safe = SafeRouter(Network.load(path), zones=region.zones, params=region.params)
        _ROUTERS[key] = (mtime, safe)
        return safe
    return hit[1]


def run_task(region: Region, task: Task, *, minutes: float, column: str = TOTAL) -> TaskResult:
    """Compute one task (in this process): coverage of one service at each of its hours."""
    from geomap.coverage.hours import hours_of_week

    table = hours_of_week(
        _router(region), region.sites, [task.service], region.demand, minutes=minutes,
        hours=task.hours, column=column,
    )  # fmt: skip
    return TaskResult(
        task.region,
        task.service,
        task.hours,
        table.population,
        table.covered[0],
        table.open_places[0],
        table.searches,
    )


@dataclass
class BatchResult:
    """Every task's result, and how the batch ran."""

    results: list[TaskResult]
    workers: int
    mode: str

    def table(self) -> dict[tuple[str, str], FloatArray]:
        """``{(region, service): covered people per hour (168, NaN where not computed)}``."""
        out: dict[tuple[str, str], FloatArray] = {}
        for r in self.results:
            row = out.setdefault((r.region, r.service), np.full(HOURS, np.nan))
            row[list(r.hours)] = r.covered
        return out

    def rows(self) -> list[dict[str, Any]]:
        """Tidy rows: region, service, hour, open places, people, covered, share."""
        from geomap.coverage.hours import hour_label

        return [
            {
                "region": r.region,
                "service": r.service,
                "hour": h,
                "label": hour_label(h),
                "open_places": int(r.open_places[k]),
                "population": r.population,
                "covered": float(r.covered[k]),
                "share": float(r.covered[k] / r.population) if r.population > 0 else 0.0,
            }
            for r in sorted(self.results, key=lambda x: (x.region, x.service, x.hours))
            for k, h in enumerate(r.hours)
        ]


def run_local(
    regions: Sequence[Region],
    tasks: Sequence[Task],
    *,
    minutes: float,
    column: str = TOTAL,
    progress: Callable[[int, int], None] | None = None,
) -> BatchResult:
    """Run every task in this process, in order."""
    by_name = _by_name(regions)
    out: list[TaskResult] = []
    for k, t in enumerate(tasks, start=1):
        out.append(run_task(by_name[t.region], t, minutes=minutes, column=column))
        if progress is not None:
            progress(k, len(tasks))
    return BatchResult(out, 1, "local")


def run_dask(
    regions: Sequence[Region],
    tasks: Sequence[Task],
    *,
    minutes: float,
    column: str = TOTAL,
    client: Any = None,
    address: str | None = None,
    n_workers: int = 2,
    progress: Callable[[int, int], None] | None = None,
) -> BatchResult:
    """Run the tasks on a ``dask.distributed`` cluster.

    Parameters
    ----------
    regions, tasks
        As for :func:`run_local`.
    minutes : float
        Time standard.
    column : str
        Demand column counted.
    client : distributed.Client, optional
        A client to use (left open).
    address : str, optional
        Scheduler address of a running cluster (when no client is given).
    n_workers : int
        Without client or address: a ``LocalCluster`` of this many single-threaded worker
        processes, closed at the end.
    progress : callable, optional
        ``progress(done, total)`` after each task.
    """
    from distributed import Client, LocalCluster, as_completed

    own: list[Any] = []
    if client is None:
        if address is not None:
            client = Client(address)
            own.append(client)
        else:
            cluster = LocalCluster(
                n_workers=n_workers, threads_per_worker=1, processes=True,
                dashboard_address=None,
            )  # fmt: skip
            client = Client(cluster)
            own.extend([client, cluster])
    try:
        by_name = _by_name(regions)
        scattered = {n: client.scatter(r, broadcast=True, hash=False) for n, r in by_name.items()}
        futures = [
            client.submit(
                run_task, scattered[t.region], t, minutes=minutes, column=column, pure=False
            )
            for t in tasks
        ]
        for done, _ in enumerate(as_completed(futures), start=1):
            if progress is not None:
                progress(done, len(tasks))
        results = client.gather(futures)
        workers = len(client.scheduler_info().get("workers", {}))
    finally:
        for thing in own:
            thing.close()
    return BatchResult(list(results), workers, "dask")


def _by_name(regions: Sequence[Region]) -> dict[str, Region]:
    names = [r.name for r in regions]
    if len(set(names)) != len(names):
        raise ValueError(f"region names must be unique, got {names}")
    return {r.name: r for r in regions}
