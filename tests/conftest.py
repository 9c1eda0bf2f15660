"""Session-wide fixtures: the private PostgreSQL/PostGIS cluster (started only when a test
asks for it). Under ``CI=true`` a missing PostgreSQL or PostGIS fails the test, never skips."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.postgres import Cluster, find_bindir, postgis_installed


def _missing(what: str) -> None:
    message = f"{what} (install postgresql and postgis: see .ci/run)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    """A PostgreSQL server with PostGIS for this test session, stopped by PID at the end."""
    bindir = find_bindir()
    if bindir is None:
        _missing("PostgreSQL is not installed")
    assert bindir is not None
    if not postgis_installed(bindir):
        _missing(f"PostGIS is not installed for PostgreSQL {bindir.parent.name}")
    cluster = Cluster(bindir)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
