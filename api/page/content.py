"""What the page shows besides the API's answers: essential contacts and labels.

Essential contacts are a data file under ``data/page/`` (marked sample or verify-before-use
there); service, kind and population labels come from the registry's vocabulary. The towns a
person can pick come from the networks the server has (``GET /networks``).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from geomap.registry.vocab import KINDS, POPULATIONS, SERVICES


@cache
def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def contacts(data_dir: Path, lang: str) -> dict[str, Any]:
    """Essential contacts per country (ISO alpha-2), labels in ``lang``."""
    raw = _load(data_dir / "page" / "essential_contacts.json")["countries"]
    return {
        code: {
            "name": country["name"][lang],
            "contacts": [
                {
                    "label": c["label"][lang],
                    "number": c["number"],
                    "kind": c["kind"],
                    "sample": bool(c.get("sample")),
                    "verify": bool(c.get("verify_before_use")),
                }
                for c in country["contacts"]
            ],
        }
        for code, country in raw.items()
    }


def service_labels(lang: str) -> dict[str, str]:
    """Service code to its label in ``lang``."""
    return {code: getattr(term, lang) for code, term in SERVICES.items()}


def kind_labels(lang: str) -> dict[str, str]:
    """Place kind code to its label in ``lang``."""
    return {code: getattr(term, lang) for code, term in KINDS.items()}


def population_labels(lang: str) -> dict[str, str]:
    """Population code to its label in ``lang``."""
    return {code: getattr(term, lang) for code, term in POPULATIONS.items()}


def place_name(properties: dict[str, Any], lang: str) -> str:
    """A place's name in ``lang``, else in Spanish."""
    names: dict[str, str] = properties.get("name") or {}
    return names.get(lang) or names.get("es") or ""
