"""The ``geomap`` command line, run as a real subprocess."""

from __future__ import annotations

import bz2
import json
import subprocess
import sys

import pytest

from tests.paths import AGUASCALIENTES_PBF, PORTO_ALEGRE_PBF


def geomap(*args: str, cwd=None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "geomap", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=cwd,
    )


def test_demo_writes_network_route_and_map(tmp_path) -> None:
    result = geomap("demo", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "bus_central_station -> ufrgs" in result.stdout
    files = ("porto_alegre_walk.npz", "route.geojson", "route_map.html")
    for name in (*files, "safe_route.geojson", "safe_route_map.html"):
        assert (tmp_path / name).is_file()
        assert str(tmp_path / name) in result.stdout.replace("\n", "")
    collection = json.loads((tmp_path / "route.geojson").read_text())
    route = collection["features"][0]
    assert route["geometry"]["type"] == "LineString"
    assert 500 < route["properties"]["length_m"] < 3000
    assert route["properties"]["streets"]
    for page_name in ("route_map.html", "safe_route_map.html"):
        page = (tmp_path / page_name).read_text()
        assert "OpenStreetMap contributors" in page
        assert "ODbL" in page
    safe = json.loads((tmp_path / "safe_route.geojson").read_text())
    best = safe["features"][0]["properties"]
    shortest = safe["features"][-1]["properties"]
    # the sample high-risk zone lies on the shortest way: the safe route walks around it
    assert shortest["exposure"]["by_level_m"]["high"] > 100
    assert best["exposure"]["by_level_m"]["high"] < shortest["exposure"]["by_level_m"]["high"]
    assert safe["comparison"]["extra_length_m"] > 0


def test_build_info_export_and_route(tmp_path) -> None:
    net = tmp_path / "ags.npz"
    built = geomap(
        "network",
        "build",
        "--pbf",
        str(AGUASCALIENTES_PBF),
        "-o",
        str(net),
        "--export",
        str(tmp_path / "ags.gpkg"),
    )
    assert built.returncode == 0, built.stderr
    assert "walk network" in built.stdout
    info = geomap("network", "info", str(net))
    assert info.returncode == 0
    assert "walk" in info.stdout
    import pyogrio

    layers = {name for name, _ in pyogrio.list_layers(tmp_path / "ags.gpkg")}
    assert layers == {"nodes", "edges"}
    exported = geomap("network", "export", str(net), str(tmp_path / "edges.geojson"))
    assert exported.returncode == 0
    assert json.loads((tmp_path / "edges.geojson").read_text())["features"]
    routed = geomap(
        "route",
        str(net),
        "--from",
        "-102.2850,21.8650",
        "--to",
        "-102.2600,21.8750",
        "-o",
        str(tmp_path / "r.geojson"),
    )
    assert routed.returncode == 0, routed.stderr
    assert json.loads((tmp_path / "r.geojson").read_text())["properties"]["length_m"] > 1000


def test_build_clips_to_a_corridor_file(tmp_path) -> None:
    corridor_file = tmp_path / "corridors.geojson"
    corridor_file.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"id": "ags", "buffer_km": 0.5},
                        "geometry": {
                            "type": "LineString",
                            "coordinates": [[-102.31, 21.855], [-102.26, 21.875]],
                        },
                    }
                ],
            }
        )
    )
    whole = tmp_path / "whole.npz"
    clipped = tmp_path / "clipped.npz"
    assert (
        geomap("network", "build", "--pbf", str(AGUASCALIENTES_PBF), "-o", str(whole)).returncode
        == 0
    )
    result = geomap(
        "network",
        "build",
        "--pbf",
        str(AGUASCALIENTES_PBF),
        "--corridor",
        "ags",
        "--corridor-file",
        str(corridor_file),
        "-o",
        str(clipped),
    )
    assert result.returncode == 0, result.stderr
    from routing import Network

    assert 0 < Network.load(clipped).n_edges < Network.load(whole).n_edges
    assert Network.load(clipped).meta["corridor"] == "ags"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--corridor", "cucuta-bogota"],
            "no way usable by the 'walk' profile inside the clip area",
        ),
        (["--corridor", "atlantis"], "unknown corridor 'atlantis'"),
        (["--profile", "boat"], "unknown profile 'boat'"),
    ],
)
def test_build_errors_are_one_line_and_write_nothing(tmp_path, args, message) -> None:
    out = tmp_path / "net.npz"
    result = geomap("network", "build", "--pbf", str(AGUASCALIENTES_PBF), "-o", str(out), *args)
    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty-xml", "missing"])
def test_unreadable_osm_files_fail_cleanly(tmp_path, damage) -> None:
    if damage == "truncated":
        bad = tmp_path / "bad.osm.pbf"
        bad.write_bytes(PORTO_ALEGRE_PBF.read_bytes()[:50_000])
    elif damage == "garbage":
        bad = tmp_path / "bad.osm.pbf"
        bad.write_bytes(b"\x00\x01not a pbf" * 100)
    elif damage == "empty-xml":
        bad = tmp_path / "bad.osm.bz2"
        bad.write_bytes(bz2.compress(b"<osm version='0.6'><node id='1' lat='1' lon="))
    else:
        bad = tmp_path / "absent.osm.pbf"
    out = tmp_path / "net.npz"
    result = geomap("network", "build", "--pbf", str(bad), "-o", str(out))
    assert result.returncode == 1
    assert "error:" in result.stderr
    assert str(bad.name) in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()


def test_route_far_from_roads_is_refused(tmp_path) -> None:
    net = tmp_path / "ags.npz"
    assert (
        geomap("network", "build", "--pbf", str(AGUASCALIENTES_PBF), "-o", str(net)).returncode == 0
    )
    result = geomap("route", str(net), "--from", "-102.2850,21.8650", "--to", "-100.0,21.0")
    assert result.returncode == 1
    assert "destination" in result.stderr
    assert "from the nearest road" in result.stderr
    bad = geomap("route", str(net), "--from", "nan,21.8650", "--to", "-102.27,21.87")
    assert bad.returncode == 1
    assert "finite" in bad.stderr


def test_corridors_are_listed() -> None:
    result = geomap("corridors")
    assert result.returncode == 0
    for name in ("cucuta-bogota", "bogota-quito", "quito-lima", "pacaraima-manaus"):
        assert name in result.stdout
