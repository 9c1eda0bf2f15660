"""A private PostgreSQL/PostGIS cluster for the tests: own data folder, own port, stopped by PID.

``initdb`` and ``postgres`` refuse to run as root, so as root they run as the ``postgres``
system user (created by Debian's ``postgresql`` package) through ``runuser``; as anyone else,
as that user. Authentication is ``trust`` on 127.0.0.1 only: the cluster lives for one test
session in a temporary folder.

Each test gets its own database, copied from a template that already has PostGIS.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

SUPERUSER = "geomap"
TEMPLATE = "geomap_template"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def find_bindir() -> Path | None:
    """The folder of ``initdb`` and ``pg_ctl`` (newest Debian version first), if installed."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
        reverse=True,
    )
    found = candidates[0] if candidates else shutil.which("initdb")
    return Path(found).parent if found else None


def postgis_installed(bindir: Path) -> bool:
    """Whether the PostGIS extension is installed for this PostgreSQL version."""
    version = bindir.parent.name
    return bool(glob.glob(f"/usr/share/postgresql/{version}/extension/postgis.control"))


class Cluster:
    """A PostgreSQL server started with ``pg_ctl`` in its own temporary folder."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="geomap-pg-", dir="/tmp"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.pid: int | None = None
        self._names = itertools.count()
        self._as: list[str] = []
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.root, owner.pw_uid, owner.pw_gid)
            self._as = ["runuser", "-u", "postgres", "--"]

    def _run(self, *args: str) -> None:
        done = subprocess.run(
            [*self._as, *args], capture_output=True, text=True, timeout=120, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")

    def start(self) -> None:
        """initdb, start the server, and make the PostGIS template database."""
        self._run(
            str(self.bindir / "initdb"),
            "-D", str(self.data),
            "-U", SUPERUSER,
            "--auth=trust",
            "-E", "UTF8",
            "--locale=C.UTF-8",
            "--no-instructions",
        )  # fmt: skip
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
            "-c max_connections=200 -c shared_buffers=64MB"
        )
        self._run(
            str(self.bindir / "pg_ctl"),
            "-D", str(self.data),
            "-o", options,
            "-l", str(self.root / "server.log"),
            "-w", "-t", "60",
            "start",
        )  # fmt: skip
        self.pid = int((self.data / "postmaster.pid").read_text().split()[0])
        self.sql("postgres", f"CREATE DATABASE {TEMPLATE}")
        self.sql(TEMPLATE, "CREATE EXTENSION postgis")

    def url(self, database: str) -> str:
        """The libpq URL of a database of the cluster."""
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def sql(self, database: str, statement: str) -> None:
        """Run one statement (autocommit) in ``database``."""
        import psycopg

        with psycopg.connect(self.url(database), autocommit=True) as conn:
            conn.execute(statement)  # type: ignore[arg-type]

    def new_database(self, *, postgis: bool = True) -> str:
        """A fresh database (with PostGIS unless told otherwise); its URL."""
        name = f"test_{os.getpid()}_{next(self._names)}"
        template = TEMPLATE if postgis else "template0"
        self.sql("postgres", f"CREATE DATABASE {name} TEMPLATE {template}")
        return self.url(name)

    def stop(self) -> None:
        """Fast shutdown of the server by its PID (SIGINT), then remove the folder."""
        if self.pid is not None:
            try:
                os.kill(self.pid, signal.SIGINT)
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline:
                    os.kill(self.pid, 0)
                    time.sleep(0.05)
                os.kill(self.pid, signal.SIGQUIT)
            except ProcessLookupError:
                pass
            self.pid = None
        shutil.rmtree(self.root, ignore_errors=True)
