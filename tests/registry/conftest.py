"""Fixtures of the registry tests: every store test runs on both stores, a real SQLite file
in ``tmp_path`` and a fresh database of a private PostGIS cluster."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from geomap.registry.store import RegistryStore, open_store

STORES = ["sqlite", "postgis"]


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """Where the test's SQLite registry file lives."""
    return tmp_path / "registry.sqlite"


@pytest.fixture(params=STORES)
def store_url(request: pytest.FixtureRequest, db_path: Path) -> str:
    """Where the test's registry lives: a SQLite path or a fresh PostGIS database URL."""
    if request.param == "sqlite":
        return str(db_path)
    cluster = request.getfixturevalue("pg_cluster")
    return str(cluster.new_database())


@pytest.fixture
def store(store_url: str) -> Iterator[RegistryStore]:
    """A fresh store of each kind; its connections are closed after the test."""
    s = open_store(store_url)
    yield s
    s.close()
