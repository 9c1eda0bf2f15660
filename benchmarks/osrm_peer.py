"""OSRM as a peer: ``osrm-bindings`` in its own Python 3.12 venv, foot profile, same PBF.

The wheel (26.10) ships the ``osrm-extract``/``osrm-contract``/``osrm-partition``/
``osrm-customize`` binaries and the profiles; datasets are built once into
``benchmarks/.work/osrm/<name>/`` and reused. Small extracts use contraction hierarchies
(``CH``, OSRM's fastest queries); the multi-million-edge corridor uses ``MLD`` (partition +
customize), whose preprocessing stays practical at that size. Failures are recorded in
:attr:`OSRMPeer.error` and the rest of the run goes on.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from common import BENCH_DIR, Settings
from valhalla_peer import _python312

WORKER = str(BENCH_DIR / "osrm_worker.py")
PACKAGE = "osrm-bindings==26.10.0"


class OSRMPeer:
    """Sets up and drives OSRM; ``error`` holds the reason when it cannot run."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.venv = settings.work_dir / "osrm-venv"
        self.python = self.venv / "bin" / "python"
        self.error: str | None = None
        self.builds: dict[str, dict[str, Any]] = {}

    @property
    def _package_dir(self) -> Path:
        found = sorted(self.venv.glob("lib/python3.12/site-packages/osrm"))
        if not found:
            raise RuntimeError("osrm package not found in the venv")
        return found[0]

    def setup(self) -> bool:
        """Create the venv and install osrm-bindings if needed. True if usable."""
        try:
            if not self.python.exists():
                py = _python312()
                if py is None:
                    raise RuntimeError("no Python 3.12 interpreter (pyenv or python3.12)")
                subprocess.run([str(py), "-m", "venv", str(self.venv)], check=True)
            check = subprocess.run([str(self.python), "-c", "import osrm"], check=False)
            if check.returncode != 0:
                subprocess.run(
                    [str(self.python), "-m", "pip", "install", "-q", PACKAGE],
                    check=True, capture_output=True,
                )  # fmt: skip
        except (OSError, subprocess.CalledProcessError, RuntimeError) as exc:
            self.error = f"setup failed: {exc}"
            return False
        return True

    def profile(self, *, trunk: bool) -> Path:
        """OSRM's foot profile, or a copy that also walks trunk roads (``foot_trunk.lua``).

        Stock ``foot.lua`` has no speed for ``trunk``/``trunk_link``, so it cannot walk between
        the towns of a corridor joined by trunk roads (every such route is ``NoRoute``), while
        geomap's ``walk`` profile keeps trunks on purpose. The copy adds them at walking speed
        and sits beside the original so that its ``require('lib/...')`` still resolve.
        """
        stock = self._package_dir / "share" / "profiles" / "foot.lua"
        if not trunk:
            return stock
        text = stock.read_text(encoding="utf-8")
        marker = "        primary         = walking_speed,\n"
        if marker not in text:
            raise RuntimeError("foot.lua changed: no 'primary = walking_speed' line to extend")
        extra = "".join(f"        {k:<15} = walking_speed,\n" for k in ("trunk", "trunk_link"))
        out = stock.with_name("foot_trunk.lua")
        out.write_text(text.replace(marker, extra + marker, 1), encoding="utf-8")
        return out

    def dataset(self, pbf: Path, name: str, algorithm: str, *, trunk: bool = False) -> Path | None:
        """The ``.osrm`` base path for ``pbf``, built (foot profile) if missing.

        ``trunk`` builds with :meth:`profile`'s trunk-walking copy of the foot profile.
        """
        folder = self.settings.work_dir / "osrm" / name
        base = folder / (pbf.name.split(".")[0] + ".osrm")
        done = folder / f"ready-{algorithm}"
        if done.exists():
            return base
        try:
            pkg = self._package_dir
            folder.mkdir(parents=True, exist_ok=True)
            local = folder / pbf.name
            if not local.exists():
                shutil.copy(pbf, local)
            lua = self.profile(trunk=trunk)
            steps = [["osrm-extract", "-p", str(lua), str(local)]]
            if algorithm == "CH":
                steps.append(["osrm-contract", str(base)])
            else:
                steps += [["osrm-partition", str(base)], ["osrm-customize", str(base)]]
            t0 = time.perf_counter()
            for tool, *args in steps:
                proc = subprocess.run(
                    [str(pkg / "bin" / tool), *args], capture_output=True, text=True, check=False
                )
                if proc.returncode != 0:
                    tail = (proc.stderr or proc.stdout).strip().splitlines()[-2:]
                    raise RuntimeError(f"{tool} failed: {' / '.join(tail)}")
            self.builds[name] = {"algorithm": algorithm, "profile": lua.name,
                                 "preprocess_s": time.perf_counter() - t0}  # fmt: skip
            done.write_text(algorithm)
        except (OSError, RuntimeError) as exc:
            self.error = f"dataset {name}: {exc}"
            return None
        return base

    def routes(
        self, dataset: Path, algorithm: str, points: list[tuple[Any, Any]], repeats: int
    ) -> dict[str, Any] | None:
        """Time one route request per pair (full geometry) in the 3.12 venv."""
        pairs = [[a[0], a[1], b[0], b[1]] for a, b in points]
        request = {"dataset": str(dataset), "algorithm": algorithm, "pairs": pairs,
                   "repeats": repeats}  # fmt: skip
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
            json.dump(request, fh)
        try:
            proc = subprocess.run(
                [str(self.python), WORKER, fh.name], capture_output=True, text=True, check=False
            )
            if proc.returncode != 0:
                self.error = f"worker failed: {proc.stderr.strip().splitlines()[-1:]}"
                return None
            result: dict[str, Any] = json.loads(proc.stdout)
            return result
        finally:
            Path(fh.name).unlink(missing_ok=True)
