"""Valhalla as a peer: a Python 3.12 venv with pyvalhalla, its tile build, its routes.

Everything here may fail on a machine without a 3.12 interpreter or without access to the
package index; the caller records :attr:`ValhallaPeer.error` in the results instead of
failing the run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from common import BENCH_DIR, Settings, median, run_measured

WORKER = str(BENCH_DIR / "valhalla_worker.py")
PYVALHALLA = "pyvalhalla==3.9.1"


def _python312() -> Path | None:
    """A Python 3.12 interpreter: pyenv's 3.12.x first, then ``python3.12`` on PATH."""
    candidates: list[Path] = []
    try:
        root = subprocess.run(
            ["pyenv", "root"], capture_output=True, text=True, check=True
        ).stdout.strip()
        candidates += sorted(Path(root, "versions").glob("3.12*/bin/python"), reverse=True)
    except (OSError, subprocess.CalledProcessError):
        pass
    found = shutil.which("python3.12")
    if found:
        candidates.append(Path(found))
    return next((c for c in candidates if c.exists()), None)


class ValhallaPeer:
    """Sets up and drives Valhalla; ``error`` holds the reason when it cannot run."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.root = settings.work_dir / "valhalla"
        self.venv = settings.work_dir / "valhalla-venv"
        self.python = self.venv / "bin" / "python"
        self.error: str | None = None
        self.info: dict[str, Any] = {}
        self.config: Path | None = None

    def _run(self, *args: str, what: str) -> None:
        proc = subprocess.run(list(args), capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            lines = (proc.stderr or proc.stdout).strip().splitlines()
            errors = [line for line in lines if line.startswith("ERROR")] or lines[-3:]
            raise RuntimeError(f"{what} failed (exit {proc.returncode}): {' / '.join(errors)}")

    def setup(self) -> bool:
        """Create the venv and install pyvalhalla if needed; write the config. True if usable."""
        try:
            if not self.python.exists():
                py312 = _python312()
                if py312 is None:
                    raise RuntimeError("no Python 3.12 interpreter (pyenv or python3.12)")
                self.settings.log(f"  creating Valhalla venv with {py312}")
                self._run(str(py312), "-m", "venv", str(self.venv), what="venv creation")
            probe = subprocess.run(
                [str(self.python), "-c", "import valhalla"], capture_output=True, check=False
            )
            if probe.returncode != 0:
                self.settings.log(f"  pip install {PYVALHALLA} into the venv")
                self._run(
                    str(self.python), "-m", "pip", "install", "-q", PYVALHALLA,
                    what=f"pip install {PYVALHALLA}",
                )  # fmt: skip
            self.root.mkdir(parents=True, exist_ok=True)
            info_path = self.root / "info.json"
            self._run(str(self.python), WORKER, "info", str(info_path), what="pyvalhalla info")
            self.info = json.loads(info_path.read_text())
            if not self.info.get("tile_builder"):
                raise RuntimeError("the pyvalhalla wheel has no valhalla_build_tiles binary")
            self.config = self.root / "config.json"
            self._run(
                str(self.python), WORKER, "config", str(self.root / "tiles"), str(self.config),
                what="Valhalla config",
            )  # fmt: skip
        except (OSError, RuntimeError, ValueError) as exc:
            self.error = str(exc)
            return False
        return True

    def build_tiles(self) -> dict[str, Any] | None:
        """Build the routing tiles from the PBF ``repeats`` times (fresh dir each time).

        Returns medians of wall time and peak memory of the builder process, or None (and
        sets :attr:`error`) if it fails.
        """
        if self.error or self.config is None:
            return None
        tiles = self.root / "tiles"
        builder = self.info["tile_builder"]
        walls, peaks = [], []
        for rep in range(self.settings.repeats):
            shutil.rmtree(tiles, ignore_errors=True)
            tiles.mkdir(parents=True)
            result = run_measured([builder, "-c", str(self.config), str(self.settings.pbf)])
            if result.returncode != 0 or not any(tiles.iterdir()):
                tail = " / ".join(result.stderr.strip().splitlines()[-3:])
                self.error = f"valhalla_build_tiles failed (exit {result.returncode}): {tail}"
                return None
            walls.append(result.wall_s)
            peaks.append(result.max_rss_mb)
            self.settings.log(
                f"  repeat {rep + 1}/{self.settings.repeats} valhalla tiles   "
                f"{result.wall_s:.3f} s, peak {result.max_rss_mb:.0f} MiB"
            )
        return {
            "repeats": len(walls),
            "process_wall_s": median(walls),
            "peak_rss_mb": median(peaks),
            "raw": {"process_wall_s": walls, "peak_rss_mb": peaks},
            "note": "tile builder binary from the pyvalhalla wheel, whole process",
        }

    def has_tiles(self) -> bool:
        """Whether a tile set has been built."""
        tiles = self.root / "tiles"
        return tiles.exists() and any(tiles.iterdir())

    def ensure_tiles(self) -> bool:
        """Build the tiles once (untimed) unless a tile set exists; True if usable."""
        if self.error or self.config is None:
            return False
        if self.has_tiles():
            return True
        tiles = self.root / "tiles"
        shutil.rmtree(tiles, ignore_errors=True)
        tiles.mkdir(parents=True)
        builder = self.info["tile_builder"]
        result = run_measured([builder, "-c", str(self.config), str(self.settings.pbf)])
        if result.returncode != 0 or not any(tiles.iterdir()):
            tail = " / ".join(result.stderr.strip().splitlines()[-3:])
            self.error = f"valhalla_build_tiles failed (exit {result.returncode}): {tail}"
            return False
        return True

    def config_with_limits(self, name: str, limits: dict[str, Any]) -> Path | None:
        """A copy of the config with some ``service_limits`` changed (``None`` if unusable)."""
        if self.error or self.config is None:
            return None
        cfg = json.loads(self.config.read_text())
        cfg["service_limits"].update(limits)
        path = self.root / name
        path.write_text(json.dumps(cfg, indent=1))
        return path

    def routes(
        self,
        points: list[list[list[float]]],
        *,
        options: dict[str, Any] | None = None,
        config: Path | None = None,
        tag: str = "routes",
        repeats: int | None = None,
    ) -> dict[str, Any] | None:
        """Time pedestrian routes between the point pairs in the venv's interpreter.

        ``options`` go to the worker (``exclude_polygons``, ``shapes``; see
        ``valhalla_worker.py``); ``config`` replaces the default config; ``tag`` names the
        scratch files, so several runs can keep theirs; ``repeats`` defaults to the settings'.
        """
        if self.error or self.config is None:
            return None
        if not self.has_tiles():
            self.error = "no tiles were built"
            return None
        pairs_path = self.root / f"{'pairs' if tag == 'routes' else tag + '-pairs'}.json"
        pairs_path.write_text(json.dumps(points))
        out = self.root / f"{tag}.json"
        out.unlink(missing_ok=True)
        extra: list[str] = []
        if options:
            options_path = self.root / f"{tag}-options.json"
            options_path.write_text(json.dumps(options))
            extra.append(str(options_path))
        env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "PYTHONHOME"}}
        proc = subprocess.run(
            [
                str(self.python), WORKER, "route", str(config or self.config), str(pairs_path),
                str(repeats or self.settings.repeats), str(out), *extra,
            ],
            capture_output=True, text=True, check=False, env=env,
        )  # fmt: skip
        if proc.returncode != 0 or not out.exists():
            tail = " / ".join(proc.stderr.strip().splitlines()[-3:])
            self.error = f"Valhalla route worker failed (exit {proc.returncode}): {tail}"
            return None
        return json.loads(out.read_text())


def describe(peer: ValhallaPeer) -> dict[str, Any]:
    """What to record about the Valhalla setup (version, interpreter, or the failure)."""
    return {
        "available": peer.error is None,
        "error": peer.error,
        "version": peer.info.get("version"),
        "python": peer.info.get("python"),
        "host_python": sys.version.split()[0],
    }
