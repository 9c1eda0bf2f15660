"""Every CLI error is one line on stderr, exit code 1 (usage errors 2), and nothing half-written.

Each case is a mistake a new user made (issue: one service layer); each runs the real
``geomap`` command in a fresh folder and checks the folder holds nothing new afterwards.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.paths import AGUASCALIENTES_PBF, DATA

AGS = "-102.2737,21.8697"
SAMPLE_ZONES = DATA / "porto_alegre" / "sample_risk_zones.geojson"


def geomap(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("GEOMAP_")}
    environment.update({"GEOMAP_REGISTRY_DB": str(cwd / "registry.sqlite"), **(env or {})})
    return subprocess.run(
        [sys.executable, "-m", "geomap", *args],
        capture_output=True, text=True, timeout=300, check=False, cwd=cwd, env=environment,
    )  # fmt: skip


@pytest.fixture(scope="module")
def network(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("net")
    path = folder / "ags.npz"
    built = geomap(
        "network", "build", "--pbf", str(AGUASCALIENTES_PBF), "-o", str(path), cwd=folder
    )
    assert built.returncode == 0, built.stderr
    return path


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def a_file(tmp: Path) -> Path:
    blocker = tmp / "a-file.txt"
    blocker.write_text("not a folder")
    return blocker


CASES = {
    # name: (args builder, extra env, expected exit code, words expected in the message)
    "missing --places": (
        lambda n, t: ["nearby", str(n), "--point", AGS, "--places", str(t / "nope.geojson")],
        {}, 1, ["nope.geojson", "no such file"],
    ),
    "missing --zones": (
        lambda n, t: ["safe-route", str(n), "--from", AGS, "--to", AGS,
                      "--zones", str(t / "nozones.geojson")],
        {}, 1, ["nozones.geojson", "no such file"],
    ),
    "missing --population": (
        lambda n, t: ["coverage", "population", str(n), "--population", str(t / "nopop.csv"),
                      "--services", "food", "--out", str(t / "cov")],
        {}, 1, ["nopop.csv", "no such file"],
    ),
    "missing --line": (
        lambda n, t: ["coverage", "gaps", str(n), "--service", "food",
                      "--line", str(t / "noline.geojson"), "-o", str(t / "g.geojson")],
        {}, 1, ["noline.geojson", "no such file"],
    ),
    "-o is a folder": (
        lambda n, t: ["nearby", str(n), "--point", AGS, "-o", str(t)],
        {}, 1, ["is a folder"],
    ),
    "-o is a folder (network build)": (
        lambda n, t: ["network", "build", "--pbf", str(AGUASCALIENTES_PBF), "-o", str(t)],
        {}, 1, ["is a folder"],
    ),
    "-o unwritable": (
        lambda n, t: ["catchment", str(n), "--point", AGS,
                      "-o", str(a_file(t) / "out.geojson")],
        {}, 1, ["cannot write"],
    ),
    "--max-km 0": (
        lambda n, t: ["stages", str(n), "--from", AGS, "--to", AGS, "--max-km", "0"],
        {}, 2, ["max-km"],
    ),
    "empty GEOMAP_ELEVATION": (
        lambda n, t: ["safe-route", str(n), "--from", AGS, "--to", AGS],
        {"GEOMAP_ELEVATION": ""}, 1, ["GEOMAP_ELEVATION", "empty"],
    ),
    "missing GEOMAP_NETWORK at server start": (
        lambda n, t: ["serve", "--port", "1"],
        {"GEOMAP_NETWORK": "/nonexistent/net.npz"}, 1, ["GEOMAP_NETWORK", "/nonexistent/net.npz"],
    ),
    "risk-zone CSV export": (
        lambda n, t: ["registry", "export", "--collection", "risk_zones", "-o",
                      str(t / "zones.csv")],
        {}, 1, ["risk_zones", "geojson"],
    ),
    "unknown service (nearby)": (
        lambda n, t: ["nearby", str(n), "--point", AGS, "--service", "pizza"],
        {}, 1, ["pizza", "food"],
    ),
    "unknown service (coverage)": (
        lambda n, t: ["coverage", "population", str(n), "--population",
                      str(DATA / "porto_alegre" / "population_hexgrid.csv"),
                      "--services", "food,pizza", "--out", str(t / "cov")],
        {}, 1, ["pizza", "water_sanitation"],
    ),
    "unknown collection": (
        lambda n, t: ["registry", "import", str(SAMPLE_ZONES), "--collection", "zones"],
        {}, 1, ["zones", "places", "risk_zones"],
    ),
    "point off the network": (
        lambda n, t: ["nearby", str(n), "--point", "-51.2,-30.0"],
        {}, 1, ["not on any walking network"],
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", list(CASES))
def test_each_mistake_is_one_line(case: str, network: Path, tmp_path: Path) -> None:
    build, env, code, words = CASES[case]
    work = tmp_path / "work"
    work.mkdir()
    args = build(network, work)
    before = sorted(p.name for p in work.iterdir())
    result = geomap(*args, cwd=work, env=env)
    assert result.returncode == code, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    if code == 1:
        lines = _lines(result.stderr)
        assert len(lines) == 1, result.stderr
        assert lines[0].startswith("error:"), lines
    for word in words:
        assert word in result.stderr, result.stderr
    after = sorted(p.name for p in work.iterdir() if p.name != "registry.sqlite")
    assert after == [p for p in before if p != "registry.sqlite"], "something was written"
    assert not list(work.rglob("*.tmp*")), "a temporary file was left behind"


def test_outputs_are_readable_by_others(network: Path, tmp_path: Path) -> None:
    out = tmp_path / "near.geojson"
    result = geomap("nearby", str(network), "--point", AGS, "-o", str(out), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(out.read_text())["type"] == "FeatureCollection"
    assert out.stat().st_mode & 0o777 == 0o666 & ~_umask()
    assert network.stat().st_mode & 0o777 == 0o666 & ~_umask()


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def test_version(tmp_path: Path) -> None:
    import geomap as package

    result = geomap("--version", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"geomap {package.__version__}"
