"""The shipped illustrative files are what geomap's generators write, and add up."""

from __future__ import annotations

import csv
import json

import numpy as np

from geomap.coverage.samples import (
    aguascalientes_registry,
    network_population,
    porto_alegre_groups,
    split_counts,
)
from routing import network_from_file
from tests.paths import AGUASCALIENTES_PBF, DATA


def test_the_porto_alegre_group_layer_is_regenerated_exactly(tmp_path) -> None:
    out = porto_alegre_groups(DATA / "porto_alegre" / "population_hexgrid.csv", tmp_path / "g.csv")
    assert out.read_bytes() == (DATA / "porto_alegre" / "population_groups_h3.csv").read_bytes()


def test_the_aguascalientes_sample_is_regenerated_exactly() -> None:
    net = network_from_file(AGUASCALIENTES_PBF, "walk")
    shipped = json.loads((DATA / "aguascalientes" / "sample_registry.geojson").read_text())
    assert shipped == aguascalientes_registry(net)
    assert all(f["properties"]["sample"] for f in shipped["features"])
    cells, pop = network_population(net)
    with (DATA / "aguascalientes" / "sample_population_h3.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert [r["id"] for r in rows] == cells
    assert [float(r["population"]) for r in rows] == pop.tolist()
    assert {r["illustrative"] for r in rows} == {"true"}


def test_split_counts_adds_up_exactly() -> None:
    rng = np.random.default_rng(3)
    for _ in range(200):
        total = int(rng.integers(0, 5000))
        shares = rng.dirichlet(np.ones(int(rng.integers(1, 8))))
        got = split_counts(total, shares)
        assert got.sum() == total
        assert (got >= 0).all()
        assert np.abs(got - total * shares).max() < 1.0
