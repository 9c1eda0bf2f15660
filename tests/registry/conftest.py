"""Fixtures of the registry tests: a store on a real SQLite file in ``tmp_path``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from geomap.registry.store import SQLiteStore


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """Where the test's registry file lives."""
    return tmp_path / "registry.sqlite"


@pytest.fixture
def store(db_path: Path) -> Iterator[SQLiteStore]:
    """A fresh store on a file; its connection is closed after the test."""
    s = SQLiteStore(db_path)
    yield s
    s.close()
