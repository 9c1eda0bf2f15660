"""The built wheel works from anywhere: installed into a fresh virtualenv, run from an empty folder.

The wheel is built from the checkout (``pip wheel``), installed into a new virtualenv (which may
see the machine's site-packages for the dependencies, but imports geomap from the wheel: the
test checks where ``geomap`` is imported from), and then ``geomap demo`` and
``geomap serve --demo`` run in an empty folder with no checkout on ``sys.path``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.api.seed import free_port
from tests.paths import ROOT

pytestmark = pytest.mark.slow


def run(*args: str | Path, cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GEOMAP_", "PYTHON"))}
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True,
        timeout=timeout, check=False,
    )  # fmt: skip


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    built = run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", dist, ROOT, cwd=dist)
    assert built.returncode == 0, built.stdout + built.stderr
    (found,) = dist.glob("geomap-*.whl")
    return found


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("venv") / "env"
    made = run(sys.executable, "-m", "venv", "--system-site-packages", folder, cwd=folder.parent)
    assert made.returncode == 0, made.stderr
    pip = folder / "bin" / "pip"
    installed = run(pip, "install", "-q", "--no-deps", wheel, cwd=folder.parent)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return folder


def test_wheel_carries_data_license_and_types(wheel) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in (
        "geomap_data/porto_alegre/porto_alegre.osm.pbf",
        "geomap_data/porto_alegre/sample_registry.geojson",
        "geomap_data/porto_alegre/sample_risk_zones.geojson",
        "geomap_data/aguascalientes/aguascalientes.osm.pbf",
        "geomap_data/page/towns.json",
        "geomap_data/README.md",
        "routing/corridors.geojson",
        "api/page/static/app.js",
        "geomap/py.typed",
        "routing/py.typed",
        "api/py.typed",
    ):
        assert needed in names, needed
    assert any(n.endswith("licenses/LICENSE") or n.endswith("/LICENSE") for n in names)
    metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
    text = zipfile.ZipFile(wheel).read(metadata).decode()
    assert "Project-URL:" in text
    assert "Classifier: Programming Language :: Python :: 3.11" in text
    for package in ("geomap", "routing", "api"):  # every sub-package is in the wheel
        for init in (ROOT / package).rglob("__init__.py"):
            assert str(init.relative_to(ROOT)) in names, init


def test_imports_come_from_the_wheel(venv, tmp_path) -> None:
    code = "import geomap, api, routing, geomap_data; print(geomap.__file__, geomap.__version__)"
    result = run(venv / "bin" / "python", "-c", code, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    where, version = result.stdout.split()
    assert where.startswith(str(venv)), where
    version_out = run(venv / "bin" / "geomap", "--version", cwd=tmp_path)
    assert version_out.stdout.strip() == f"geomap {version}"


def test_demo_from_an_empty_folder(venv, tmp_path) -> None:
    result = run(venv / "bin" / "geomap", "demo", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = tmp_path / "geomap-out" / "demo"
    for name in ("porto_alegre_walk.npz", "route.geojson", "safe_route.geojson", "route_map.html"):
        path = out / name
        assert path.is_file(), name
        assert path.stat().st_mode & 0o044, f"{name} is not readable by others"


@pytest.fixture
def demo_server(venv, tmp_path) -> Iterator[str]:
    port = free_port()
    log = (tmp_path / "serve.log").open("wb")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GEOMAP_", "PYTHON"))}
    process = subprocess.Popen(
        [str(venv / "bin" / "geomap"), "serve", "--demo", "--port", str(port)],
        cwd=tmp_path, env=env, stdout=log, stderr=log,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            assert process.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                if httpx.get(f"{url}/conformance", timeout=2, trust_env=False).is_success:
                    break
            except httpx.TransportError:
                time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def test_serve_demo_from_an_empty_folder(demo_server, tmp_path) -> None:
    with httpx.Client(base_url=demo_server, trust_env=False, timeout=60) as client:
        page = client.get("/", headers={"Accept": "text/html"})
        assert page.status_code == 200
        assert "<html" in page.text.lower()
        networks = client.get("/networks").json()["networks"]
        assert {n["id"] for n in networks} == {"porto-alegre", "aguascalientes"}
        near = client.get("/nearby", params={"at": "-51.2177,-30.0346", "minutes": 30})
        assert near.status_code == 200, near.text
        assert len(near.json()["features"]) >= 3
        items = client.get("/collections/places/items", params={"limit": 100}).json()
        assert items["numberMatched"] >= 10
        route = client.get(
            "/routes/safe", params={"from": "-51.2177,-30.0346", "to": "-51.2300,-30.0280"}
        )
        assert route.status_code == 200, route.text
    assert (tmp_path / "geomap-out" / "serve-demo" / "registry.sqlite").is_file()
