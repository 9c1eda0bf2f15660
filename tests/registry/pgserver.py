"""A throw-away PostgreSQL server for tests: ``initdb`` in a temporary folder, a Unix socket.

PostgreSQL refuses to run as root, so as root the server runs as the ``postgres`` user. Under
``CI=true`` a missing PostgreSQL is a failure, elsewhere a skip.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

BIN = Path("/usr/lib/postgresql/15/bin")


def _tool(name: str) -> str:
    found = BIN / name if (BIN / name).exists() else shutil.which(name)
    if not found:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{name} is missing on CI (install postgresql-15)")
        pytest.skip(f"{name} (PostgreSQL) is not installed")
    return str(found)


def _run(args: list[str], user: str | None) -> None:
    command = ["runuser", "-u", user, "--", *args] if user else args
    subprocess.run(command, check=True, capture_output=True, timeout=120)


@contextmanager
def postgres() -> Iterator[str]:
    """Start a server; yields a psycopg connection string; stops and removes it after."""
    initdb, pg_ctl = _tool("initdb"), _tool("pg_ctl")
    user = "postgres" if os.geteuid() == 0 else None
    folder = Path(tempfile.mkdtemp(prefix="geomap-pg-"))
    data, socket = folder / "data", folder / "socket"
    socket.mkdir()
    if user:
        shutil.chown(folder, user)
        shutil.chown(socket, user)
    _run([initdb, "-D", str(data), "-A", "trust", "-U", "geomap", "--no-sync"], user)
    options = f"-k {socket} -c listen_addresses='' -c fsync=off"
    _run([pg_ctl, "-D", str(data), "-o", options, "-w", "-l", str(folder / "log"), "start"], user)
    try:
        yield f"host={socket} user=geomap dbname=postgres"
    finally:
        _run([pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"], user)
        shutil.rmtree(folder, ignore_errors=True)
