"""Shared helpers of the benchmark harness: timing, child processes, machine facts.

Every peer is measured in the same run as geomap and reported as a ratio, because absolute
times drift from run to run and machine to machine.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
WORK_DIR = BENCH_DIR / ".work"
LAUNCHER = BENCH_DIR / "launcher.py"
#: The extract shipped in the repository's ``data/`` (a copy of the shared bundle's file).
DEFAULT_PBF = REPO_DIR / "data" / "porto_alegre" / "porto_alegre.osm.pbf"

#: Distributions whose versions are recorded in the results.
PACKAGES: tuple[str, ...] = (
    "geomap",
    "numpy",
    "scipy",
    "numba",
    "osmium",
    "shapely",
    "pyproj",
    "pandas",
    "networkx",
    "osmnx",
    "igraph",
    "pandana",
)


@dataclass
class Settings:
    """What one run measures: data, sizes and repeat counts."""

    pbf: Path
    out_dir: Path
    work_dir: Path
    repeats: int = 3
    n_pairs: int = 1000
    n_single_pairs: int = 100
    n_facilities: int = 50
    seed: int = 42
    quick: bool = False
    skip_valhalla: bool = False
    log: Callable[[str], None] = field(default=print)


def median(values: Sequence[float]) -> float:
    """Median of a non-empty sequence of numbers."""
    return float(statistics.median(values))


def ratio(slower: float | None, faster: float | None) -> float | None:
    """``slower / faster``, or None when either is missing or the divisor is zero."""
    if slower is None or faster is None or faster == 0:
        return None
    return slower / faster


def target(name: str, value: float | None, op: str, bound: float) -> dict[str, Any]:
    """One target verdict, ``value op bound`` (``op`` is ``>=`` or ``<=``; None if unmeasured)."""
    if value is None:
        passed = None
    elif op == ">=":
        passed = value >= bound
    else:
        passed = value <= bound
    return {"name": name, "value": value, "op": op, "bound": bound, "passed": passed}


def time_repeats(func: Callable[[], Any], repeats: int) -> list[float]:
    """Wall time in seconds of ``func()`` for each of ``repeats`` calls."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        func()
        times.append(time.perf_counter() - t0)
    return times


@contextlib.contextmanager
def silence_stdout() -> Iterator[None]:
    """Send file descriptor 1 to /dev/null, so C++ progress output (pandana) is dropped."""
    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


@dataclass
class ChildResult:
    """Outcome of one measured child process."""

    wall_s: float
    max_rss_mb: float
    returncode: int
    report: dict[str, Any]
    stderr: str


def run_measured(cmd: Sequence[str], *, env: dict[str, str] | None = None) -> ChildResult:
    """Run a command in a fresh process; measure its wall time and peak resident memory.

    The command is spawned by :mod:`launcher` (a bare ``python -S`` process), which reads
    the command's ``ru_maxrss`` from ``wait4``: the same number the command would read with
    ``getrusage(RUSAGE_SELF)`` as it exits, not inflated by this process's own memory. A
    child that wants to report more writes JSON to the path in ``BENCH_REPORT``.
    """
    with tempfile.TemporaryDirectory(prefix="bench-child-") as tmp:
        report_path = Path(tmp) / "report.json"
        usage_path = Path(tmp) / "usage.json"
        err_path = Path(tmp) / "stderr.txt"
        child_env = dict(os.environ if env is None else env)
        child_env["BENCH_REPORT"] = str(report_path)
        with err_path.open("wb") as err:
            subprocess.run(
                [sys.executable, "-S", str(LAUNCHER), str(usage_path), *cmd],
                stdout=subprocess.DEVNULL,
                stderr=err,
                env=child_env,
                check=False,
            )
        stderr = err_path.read_text(errors="replace")[-4000:]
        if not usage_path.exists():
            return ChildResult(0.0, 0.0, -1, {}, stderr or "launcher failed")
        usage = json.loads(usage_path.read_text())
        report = json.loads(report_path.read_text()) if report_path.exists() else {}
        return ChildResult(
            wall_s=usage["wall_s"],
            max_rss_mb=usage["max_rss_kb"] / 1024.0,  # Linux reports KiB
            returncode=usage["returncode"],
            report=report,
            stderr=stderr,
        )


def package_versions() -> dict[str, str | None]:
    """Installed version of each package in :data:`PACKAGES` (None when missing)."""
    versions: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def _cpu_model() -> str | None:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        return None
    return None


def _memory_gb() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024**2, 1)
    except OSError:
        return None
    return None


def git_state() -> dict[str, Any]:
    """Commit of the repository and whether the engine (routing/, geomap/) has local edits."""
    try:
        commit = subprocess.run(
            ["git", "-C", str(REPO_DIR), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(REPO_DIR), "status", "--porcelain", "--", "routing", "geomap"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return {"commit": None, "engine_dirty": None}
    return {"commit": commit, "engine_dirty": bool(dirty)}


def machine_info() -> dict[str, Any]:
    """Facts about this machine and interpreter, for the results file."""
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_average": list(os.getloadavg()),
        "cpu_count": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "memory_gb": _memory_gb(),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "python_implementation": platform.python_implementation(),
        "packages": package_versions(),
        "git": git_state(),
    }
