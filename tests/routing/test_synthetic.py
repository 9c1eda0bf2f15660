"""The generated corridor: deterministic, the asked size, buildable from its own PBF."""

from __future__ import annotations

import numpy as np
import pytest

from routing import build_network, network_from_file
from routing.synthetic import corridor_osm, write_pbf


def test_same_seed_same_data_and_other_seed_other_data() -> None:
    a, b, c = corridor_osm(20_000, seed=4), corridor_osm(20_000, seed=4), corridor_osm(20_000)
    assert np.array_equal(a.node_ids, b.node_ids)
    assert np.array_equal(a.lon, b.lon)
    assert a.way_tags == b.way_tags
    assert not (len(a.lon) == len(c.lon) and np.array_equal(a.lon, c.lon))


@pytest.mark.parametrize("edges", [5_000, 50_000])
def test_the_network_has_about_the_asked_size_in_one_piece(edges) -> None:
    osm = corridor_osm(edges, seed=1)
    everything = build_network(osm, retain_all=True)
    assert everything.n_edges == pytest.approx(edges, rel=0.05)
    assert build_network(osm).n_edges == everything.n_edges  # connected: one component


def test_it_has_towns_a_trunk_villages_a_border_bridge_and_tunnels(tmp_path) -> None:
    osm = corridor_osm(80_000, seed=1)
    highways = {t["highway"] for t in osm.way_tags}
    assert {"residential", "primary", "trunk", "track", "footway", "unclassified"} <= highways
    assert any(t.get("name") == "Puente Internacional" and t.get("bridge") == "yes"
               for t in osm.way_tags)  # fmt: skip
    assert any(t.get("tunnel") == "yes" for t in osm.way_tags)
    from_pbf = network_from_file(write_pbf(osm, tmp_path / "c.osm.pbf"))
    direct = build_network(osm)
    assert from_pbf.n_edges == direct.n_edges
    np.testing.assert_allclose(
        np.sort(from_pbf.seg_length), np.sort(direct.seg_length), atol=0.05
    )  # fmt: skip  (PBF keeps 1e-7 degree coordinates)
