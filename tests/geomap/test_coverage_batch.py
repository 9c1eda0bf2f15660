"""Regional batches: the same numbers in one process and on a Dask ``LocalCluster``.

Two real networks (Porto Alegre, Aguascalientes) saved to files, their sample places and
illustrative population cells, several services × the 168 hours of the week cut into tasks.
The batch run in this process, on 1 and on 2 worker processes must agree exactly, and with
:func:`geomap.coverage.hours.hours_of_week` called directly.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from geomap.coverage import read_demand
from geomap.coverage.batch import Region, plan, run_dask, run_local
from geomap.coverage.hours import HOURS, hours_of_week
from geomap.coverage.samples import sites_of
from routing import network_from_file
from routing.safe import SafeRouter
from tests.paths import AGUASCALIENTES_PBF, DATA, PORTO_ALEGRE_PBF

SERVICES = ["food", "water_sanitation", "information_orientation"]

pytestmark = [
    pytest.mark.slow,
    # noise from the cluster's own shutdown, not from the project
    pytest.mark.filterwarnings("ignore::DeprecationWarning:distributed.*"),
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]


@pytest.fixture(scope="module")
def regions(tmp_path_factory):
    folder = tmp_path_factory.mktemp("regions")
    out = []
    for name, pbf, sub, population in (
        ("porto_alegre", PORTO_ALEGRE_PBF, "porto_alegre", "population_groups_h3.csv"),
        ("aguascalientes", AGUASCALIENTES_PBF, "aguascalientes", "sample_population_h3.csv"),
    ):
        path = network_from_file(pbf, "walk").save(folder / f"{name}.npz")
        fc = json.loads((DATA / sub / "sample_registry.geojson").read_text())
        demand = read_demand(DATA / sub / population, area="area")
        out.append(Region(name, str(path), tuple(sites_of(fc)), demand))
    return out


@pytest.fixture(scope="module")
def local(regions):
    tasks = plan(regions, SERVICES, hours_per_task=56)
    assert len(tasks) == 2 * len(SERVICES) * 3
    return tasks, run_local(regions, tasks, minutes=15)


def test_the_batch_equals_the_hours_of_the_week_called_directly(regions, local) -> None:
    from routing.network import Network

    _, result = local
    table = result.table()
    for region in regions:
        direct = hours_of_week(
            SafeRouter(Network.load(region.network_path)), region.sites, SERVICES,
            region.demand, minutes=15,
        )  # fmt: skip
        for i, code in enumerate(SERVICES):
            np.testing.assert_array_equal(table[region.name, code], direct.covered[i])
    assert not any(np.isnan(v).any() for v in table.values())
    rows = result.rows()
    assert len(rows) == 2 * len(SERVICES) * HOURS
    assert {r["region"] for r in rows} == {"porto_alegre", "aguascalientes"}


@pytest.mark.parametrize("workers", [1, 2])
def test_dask_gives_identical_numbers(regions, local, workers) -> None:
    tasks, result = local
    seen: list[int] = []
    on_dask = run_dask(
        regions, tasks, minutes=15, n_workers=workers, progress=lambda d, _t: seen.append(d)
    )
    assert on_dask.mode == "dask"
    assert on_dask.workers == workers
    assert seen == list(range(1, len(tasks) + 1))
    a, b = result.table(), on_dask.table()
    assert a.keys() == b.keys()
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])
    assert [r.searches for r in on_dask.results] == [r.searches for r in result.results]


def test_region_names_must_be_unique(regions) -> None:
    with pytest.raises(ValueError, match="unique"):
        run_local([regions[0], regions[0]], [], minutes=15)
