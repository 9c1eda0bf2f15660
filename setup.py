"""Packaging details pyproject.toml cannot say: the shipped data as the ``geomap_data`` package.

The demo, the map page and the validators read files under ``data/`` (OpenStreetMap extracts,
sample registry, page content, boundaries). In a checkout they are read in place; in a wheel
they travel as the package ``geomap_data`` (``data/`` mapped to it), found at run time through
``importlib.resources`` (see ``geomap/resources.py``). Every file under ``data/`` is included.
"""

from pathlib import Path

from setuptools import find_packages, setup

DATA = Path(__file__).parent / "data"
data_files = sorted(
    str(p.relative_to(DATA))
    for p in DATA.rglob("*")
    if p.is_file() and "__pycache__" not in p.parts and p.suffix not in {".pyc", ".tmp"}
)

setup(
    packages=[*find_packages(include=["geomap*", "routing*", "api*"]), "geomap_data"],
    package_dir={"geomap_data": "data"},
    package_data={
        "geomap_data": data_files,
        "geomap": ["py.typed", "templates/*"],
        "routing": ["corridors.geojson", "py.typed"],
        "api": ["py.typed", "page/static/*", "page/templates/*", "page/locales/*/LC_MESSAGES/*.po"],
    },
)
