"""What the page shows besides the API's answers: towns, essential contacts, labels.

Towns and essential contacts are data files under ``data/page/`` (the contacts are marked
sample or verify-before-use there); service and kind labels come from the registry's
vocabulary.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from geomap.registry.vocab import KINDS, SERVICES


@cache
def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def towns(data_dir: Path) -> list[dict[str, Any]]:
    """The towns a person can pick to set a location."""
    found: list[dict[str, Any]] = _load(data_dir / "page" / "towns.json")["towns"]
    return found


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


def place_name(properties: dict[str, Any], lang: str) -> str:
    """A place's name in ``lang``, else in Spanish."""
    names: dict[str, str] = properties.get("name") or {}
    return names.get(lang) or names.get("es") or ""
