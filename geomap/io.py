"""Small file helpers: every file geomap writes appears whole or not at all."""

from __future__ import annotations

import csv
import json
import os
import tempfile
from pathlib import Path
from typing import Any


def write_json(path: str | os.PathLike[str], obj: Any) -> Path:
    """Write ``obj`` as UTF-8 JSON to ``path`` atomically (temporary file, then rename)."""
    dest = Path(path)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(obj, fh, ensure_ascii=False)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return dest


def read_landmarks(path: str | os.PathLike[str]) -> dict[str, tuple[float, float]]:
    """Landmarks from a CSV with ``id``, ``lon`` and ``lat`` columns, as ``{id: (lon, lat)}``."""
    with open(path, encoding="utf-8", newline="") as fh:
        return {row["id"]: (float(row["lon"]), float(row["lat"])) for row in csv.DictReader(fh)}
