"""Small file helpers: every file geomap writes appears whole or not at all."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path
from typing import Any

from routing.files import atomic_path, check_output, write_bytes, write_text

__all__ = [
    "atomic_path",
    "check_output",
    "read_landmarks",
    "write_bytes",
    "write_json",
    "write_text",
]


def write_json(path: str | os.PathLike[str], obj: Any) -> Path:
    """Write ``obj`` as UTF-8 JSON to ``path`` atomically (temporary file, then rename)."""
    return write_bytes(path, json.dumps(obj, ensure_ascii=False).encode("utf-8"))


def read_landmarks(path: str | os.PathLike[str]) -> dict[str, tuple[float, float]]:
    """Landmarks from a CSV with ``id``, ``lon`` and ``lat`` columns, as ``{id: (lon, lat)}``."""
    with open(path, encoding="utf-8", newline="") as fh:
        return {row["id"]: (float(row["lon"]), float(row["lat"])) for row in csv.DictReader(fh)}
