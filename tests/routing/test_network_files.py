"""Saved networks: memory-mapped loading, derived arrays, metadata, old files, lazy imports."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from asciimap import AsciiMap

from routing import Network, Router, build_network
from routing.errors import NetworkFormatError
from routing.network import ATTR_KEYS, DERIVED
from routing.synthetic import corridor_osm, write_pbf

REPO = Path(__file__).resolve().parents[2]
GRID = """
a---b---c
|   |   |
d---e---f
"""
WAYS = {
    "abc": {"highway": "residential", "name": "Rua A"},
    "def": {"highway": "residential"},
    "ad": {"highway": "footway"},
    "be": {"highway": "footway"},
    "cf": {"highway": "footway"},
}


@pytest.fixture
def saved(build, tmp_path) -> tuple[AsciiMap, Network, Path]:
    m = AsciiMap(GRID, WAYS)
    net = build(m)
    net.meta.update(id="grid", name="Test grid", countries=["BR"])
    return m, net, net.save(tmp_path / "grid.npz")


def test_load_maps_the_file_read_only_with_everything_derived(saved) -> None:
    _, net, path = saved
    loaded = Network.load(path)
    for name in (*Network._ARRAYS, *DERIVED):
        array = loaded.__dict__[name] if name in DERIVED else getattr(loaded, name)
        assert not array.flags.writeable, name  # a view of the file, not a copy
        assert array.flags.aligned, name
    for name in DERIVED:
        if name.startswith("csr"):
            part = ("indptr", "adj", "order").index(name.rsplit("_", 1)[1])
            want = net.csr(reverse="bwd" in name)[part]
        else:
            want = getattr(net, name)
        assert np.array_equal(loaded.__dict__[name], want), name
    assert "snapper" in loaded.__dict__
    assert "hierarchy_order" in loaded.__dict__
    with np.load(path) as plain:  # still an ordinary .npz for numpy
        assert np.array_equal(plain["seg_length"], net.seg_length)


def test_loaded_networks_route_like_the_original(saved) -> None:
    m, net, path = saved
    a = Router(net).route(m.lonlat("a"), m.lonlat("f"))
    b = Router(Network.load(path)).route(m.lonlat("a"), m.lonlat("f"))
    assert a.length_m == b.length_m
    assert np.array_equal(a.coords, b.coords)


def test_the_header_carries_the_deployment_metadata(saved) -> None:
    _, net, path = saved
    with zipfile.ZipFile(path) as zf, zf.open("header.npy") as fh:
        raw = np.lib.format.read_array(fh)
    header = json.loads(bytes(raw).decode())
    assert header["id"] == "grid"
    assert header["name"] == "Test grid"
    assert header["countries"] == ["BR"]
    assert header["nodes"] == net.n_nodes
    assert header["edges"] == net.n_edges
    west, _south, _east, north = header["bbox"]
    assert west == pytest.approx(net.node_lon.min())
    assert north == pytest.approx(net.node_lat.max())
    assert header["source"] == "map.osm"
    assert len(header["source_sha256"]) == 64
    assert header["built_at"].endswith("+00:00")
    assert header["profile"] == "walk"
    assert "geomap_version" in header
    loaded = Network.load(path)
    assert loaded.meta["id"] == "grid"
    assert loaded.meta["countries"] == ["BR"]


def test_version_1_files_still_load(saved, tmp_path) -> None:
    """A file written by the previous format: plain npz, fewer attribute columns."""
    m, net, _ = saved
    old_keys = [k for k in ATTR_KEYS if k not in {"bridge", "tunnel", "layer"}]
    header = {"format": "geomap-network", "version": 1, "profile": "walk",
              "attr_keys": old_keys, "strings": net.strings, "meta": {"source": "x"}}  # fmt: skip
    arrays = {n: getattr(net, n) for n in Network._ARRAYS}
    arrays["way_attrs"] = net.way_attrs[:, [ATTR_KEYS.index(k) for k in old_keys]]
    arrays["header"] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    path = tmp_path / "old.npz"
    np.savez_compressed(path, **arrays)
    old = Network.load(path)
    assert old.edge_attr("name") == net.edge_attr("name")
    assert Router(old).route(m.lonlat("a"), m.lonlat("f")).length_m == pytest.approx(
        Router(net).route(m.lonlat("a"), m.lonlat("f")).length_m
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"not a zip", "not a geomap network"), (None, "unsupported network format")],
)
def test_bad_files_are_refused_with_a_rebuild_hint(tmp_path, content, message) -> None:
    path = tmp_path / "bad.npz"
    if content is None:
        header = {"format": "geomap-network", "version": 99}
        np.savez(path, header=np.frombuffer(json.dumps(header).encode(), dtype=np.uint8))
    else:
        path.write_bytes(content)
    with pytest.raises(NetworkFormatError, match=message):
        Network.load(path)


def _fresh(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-X", "importtime", "-c", code], cwd=REPO,
                          capture_output=True, text=True, check=True)  # fmt: skip


def test_building_loading_and_exporting_never_import_numba_or_the_hierarchy(tmp_path) -> None:
    pbf = write_pbf(corridor_osm(3000, seed=2), tmp_path / "c.osm.pbf")
    saved = tmp_path / "c.npz"
    Network.load(build_network(corridor_osm(3000, seed=2)).save(saved))
    code = (
        "import routing, sys\n"
        f"net = routing.network_from_file({str(pbf)!r})\n"
        f"loaded = routing.Network.load({str(saved)!r})\n"
        f"loaded.export({str(tmp_path / 'c.geojson')!r})\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'numba', 'pyroutingkit'}))\n"
    )
    proc = _fresh(code)
    assert proc.stdout.strip() == "[]"
    imported = {line.split("|")[-1].strip().split(".")[0] for line in proc.stderr.splitlines()}
    assert "numba" not in imported
    assert "pyroutingkit" not in imported


def test_a_new_process_pays_no_compilation(tmp_path) -> None:
    saved = build_network(corridor_osm(3000, seed=2)).save(tmp_path / "c.npz")
    code = (
        "import routing, json\n"
        "from routing import _kernels\n"
        f"net = routing.Network.load({str(saved)!r})\n"
        "r = routing.Router(net)\n"
        "p, q = (net.node_lon[0], net.node_lat[0]), (net.node_lon[-1], net.node_lat[-1])\n"
        "r.route(p, q); r.nearest_facility([p]); r.reachable(p, 500.0)\n"
        "used = [_kernels.snap_nearest, _kernels.snap_finish, _kernels.search]\n"
        "print(json.dumps([sum(f.stats.cache_misses.values()) for f in used]))\n"
    )
    _fresh(code)  # fills the on-disk cache if it was empty
    misses = json.loads(_fresh(code).stdout)
    assert misses == [0, 0, 0]
