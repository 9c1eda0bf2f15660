"""``geomap network generate``, ``build`` with deployment metadata, and ``info``."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile

import numpy as np

from tests.paths import PORTO_ALEGRE_PBF


def geomap(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "geomap", *args], capture_output=True,
                          text=True, timeout=600, check=False)  # fmt: skip


def _header(path) -> dict:
    with zipfile.ZipFile(path) as zf, zf.open("header.npy") as fh:
        return json.loads(bytes(np.lib.format.read_array(fh)).decode())


def test_generate_then_build_with_metadata_then_info(tmp_path) -> None:
    pbf = tmp_path / "corridor.osm.pbf"
    gen = geomap("network", "generate", "--edges", "20000", "--seed", "3", "-o", str(pbf))
    assert gen.returncode == 0, gen.stderr
    assert pbf.exists()
    assert "written" in gen.stdout
    out = tmp_path / "corridor-norte.npz"
    built = geomap("network", "build", "--pbf", str(pbf), "-o", str(out),
                   "--name", "Corredor Norte", "--countries", "ve,co")  # fmt: skip
    assert built.returncode == 0, built.stderr
    header = _header(out)
    assert header["id"] == "corridor-norte"  # from the file's stem
    assert header["name"] == "Corredor Norte"
    assert header["countries"] == ["VE", "CO"]
    assert header["source"] == "corridor.osm.pbf"
    assert len(header["source_sha256"]) == 64
    info = geomap("network", "info", str(out))
    assert info.returncode == 0, info.stderr
    for label in ("id", "name", "countries", "profile", "source sha256", "built at"):
        lines = [line for line in info.stdout.splitlines() if line.split("│")[1:2]
                 and line.split("│")[1].strip() == label]  # fmt: skip
        assert len(lines) == 1, (label, info.stdout)


def test_countries_default_to_where_the_nodes_lie(tmp_path) -> None:
    out = tmp_path / "poa.npz"
    built = geomap("network", "build", "--pbf", str(PORTO_ALEGRE_PBF), "-o", str(out),
                   "--id", "porto-alegre")  # fmt: skip
    assert built.returncode == 0, built.stderr
    header = _header(out)
    assert header["id"] == "porto-alegre"
    assert header["countries"] == ["BR"]


def test_a_bad_id_or_country_is_a_usage_error(tmp_path) -> None:
    bad_id = geomap("network", "build", "--pbf", str(PORTO_ALEGRE_PBF), "-o",
                    str(tmp_path / "x.npz"), "--id", "Not A Slug")  # fmt: skip
    assert bad_id.returncode == 2
    assert "slug" in bad_id.stderr
    bad_country = geomap("network", "build", "--pbf", str(PORTO_ALEGRE_PBF), "-o",
                         str(tmp_path / "x.npz"), "--countries", "Brazil")  # fmt: skip
    assert bad_country.returncode == 2
    assert "ISO alpha-2" in bad_country.stderr
    assert not (tmp_path / "x.npz").exists()
