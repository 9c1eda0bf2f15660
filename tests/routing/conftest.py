"""Shared fixtures of the routing tests, and ``tests/asciimap.py`` importable as ``asciimap``.

``tests/`` itself must not go on ``sys.path``: its ``routing`` folder (these tests) would then
shadow the ``routing`` package as a namespace package. The helper is loaded from its file.
"""

import importlib.util
import sys
from pathlib import Path

import pytest

from routing import Network, network_from_file

if "asciimap" not in sys.modules:
    _spec = importlib.util.spec_from_file_location(
        "asciimap", Path(__file__).resolve().parents[1] / "asciimap.py"
    )
    assert _spec is not None
    assert _spec.loader is not None
    _module = importlib.util.module_from_spec(_spec)
    sys.modules["asciimap"] = _module
    _spec.loader.exec_module(_module)


@pytest.fixture
def build(tmp_path):
    """``build(asciimap, profile="walk", name="map.osm", **kwargs)``: a Network read from a file.

    ``kwargs`` go to :func:`routing.network_from_file` (``clip``, ``retain_all``).
    """

    def _build(m, profile: str = "walk", *, name: str = "map.osm", **kwargs) -> Network:
        return network_from_file(m.write(tmp_path / name), profile, **kwargs)

    return _build
