"""Walking directions in words, from a route's street names and the turns of its line.

A route answer (``/routes/safe``) carries ``steps`` (name, highway, metres) and the line. This
module finds the turn between consecutive steps from the line's bearings and words the steps
in Spanish, Portuguese or English, short enough for an SMS or a WhatsApp message, and tells
the route's exposure to risk zones in one sentence ("Evita 190 m de zona de riesgo alto;
3 min más que la más corta").

Pure computation: a GeoJSON route feature (or its parts) in, plain data and text out.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from routing.geodesy import cumulative_m

LANGUAGES = ("es", "pt", "en")
#: Bearings are measured over this many metres before and after a turn.
BEARING_M = 15.0
#: Steps shorter than this join the step after them (a kink where two streets meet).
MIN_STEP_M = 12.0
LEVELS = ("avoid", "high", "medium", "low")

PHRASES: dict[str, dict[str, str]] = {
    "es": {
        "start": "Sal por {street}",
        "straight": "Sigue recto por {street}",
        "slight_left": "Gira levemente a la izquierda en {street}",
        "left": "Gira a la izquierda en {street}",
        "sharp_left": "Gira fuerte a la izquierda en {street}",
        "slight_right": "Gira levemente a la derecha en {street}",
        "right": "Gira a la derecha en {street}",
        "sharp_right": "Gira fuerte a la derecha en {street}",
        "arrive": "Llegas a {place}",
        "the_place": "tu destino",
        "unnamed": "una calle sin nombre",
        "footway": "un camino peatonal",
        "steps": "unas escaleras",
        "walk": "{km} a pie, unos {minutes} min",
        "walk_one": "{km} a pie, 1 min",
        "avoided": "Evita {m} de zona de riesgo {level}",
        "extra": "{minutes} min más que la más corta",
        "no_extra": "tan corta como la más corta",
        "crosses": "Atención: pasa {m} por zona de riesgo {level}",
        "no_safe": "Atención: ninguna ruta evita las zonas de riesgo a evitar; esta cruza {m}",
        "night": "De noche: evita calles sin luz y zonas nocturnas",
        "level_avoid": "a evitar",
        "level_high": "alto",
        "level_medium": "medio",
        "level_low": "bajo",
    },
    "pt": {
        "start": "Saia pela {street}",
        "straight": "Siga em frente pela {street}",
        "slight_left": "Vire levemente à esquerda na {street}",
        "left": "Vire à esquerda na {street}",
        "sharp_left": "Vire fechado à esquerda na {street}",
        "slight_right": "Vire levemente à direita na {street}",
        "right": "Vire à direita na {street}",
        "sharp_right": "Vire fechado à direita na {street}",
        "arrive": "Chegada: {place}",
        "the_place": "seu destino",
        "unnamed": "uma rua sem nome",
        "footway": "um caminho de pedestres",
        "steps": "uma escadaria",
        "walk": "{km} a pé, cerca de {minutes} min",
        "walk_one": "{km} a pé, 1 min",
        "avoided": "Evita {m} de zona de risco {level}",
        "extra": "{minutes} min a mais que a mais curta",
        "no_extra": "tão curta quanto a mais curta",
        "crosses": "Atenção: passa {m} por zona de risco {level}",
        "no_safe": "Atenção: nenhuma rota evita as zonas de risco a evitar; esta cruza {m}",
        "night": "À noite: evita ruas sem iluminação e zonas noturnas",
        "level_avoid": "a evitar",
        "level_high": "alto",
        "level_medium": "médio",
        "level_low": "baixo",
    },
    "en": {
        "start": "Start on {street}",
        "straight": "Go straight on {street}",
        "slight_left": "Bear left onto {street}",
        "left": "Turn left onto {street}",
        "sharp_left": "Turn sharp left onto {street}",
        "slight_right": "Bear right onto {street}",
        "right": "Turn right onto {street}",
        "sharp_right": "Turn sharp right onto {street}",
        "arrive": "Arrive at {place}",
        "the_place": "your destination",
        "unnamed": "an unnamed street",
        "footway": "a footpath",
        "steps": "some steps",
        "walk": "{km} on foot, about {minutes} min",
        "walk_one": "{km} on foot, 1 min",
        "avoided": "Avoids {m} of {level} risk zone",
        "extra": "{minutes} min more than the shortest",
        "no_extra": "as short as the shortest",
        "crosses": "Warning: goes {m} through a {level} risk zone",
        "no_safe": "Warning: no route avoids the zones to avoid; this one crosses {m}",
        "night": "At night: avoids unlit streets and night-time zones",
        "level_avoid": "avoid",
        "level_high": "high",
        "level_medium": "medium",
        "level_low": "low",
    },
}


def _points_at(coords: np.ndarray, cum: np.ndarray, metres: np.ndarray) -> np.ndarray:
    """The points ``metres`` along the line (clamped to its ends), one row per distance."""
    metres = np.clip(metres, 0.0, float(cum[-1]))
    i = np.clip(np.searchsorted(cum, metres, side="right") - 1, 0, len(cum) - 2)
    span = cum[i + 1] - cum[i]
    f = np.divide(metres - cum[i], span, out=np.zeros_like(metres), where=span > 0)
    return np.asarray(coords[i] + f[:, None] * (coords[i + 1] - coords[i]))


def _bearings(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Initial bearings from rows of ``a`` to rows of ``b`` (lon, lat), degrees from north."""
    lon1, lat1 = np.radians(a[:, 0]), np.radians(a[:, 1])
    lon2, lat2 = np.radians(b[:, 0]), np.radians(b[:, 1])
    dlon = lon2 - lon1
    x = np.sin(dlon) * np.cos(lat2)
    y = np.cos(lat1) * np.sin(lat2) - np.sin(lat1) * np.cos(lat2) * np.cos(dlon)
    return np.asarray(np.degrees(np.arctan2(x, y)) % 360.0)


def turn_kind(angle: float) -> str:
    """A turn's kind from its signed angle (degrees, positive to the right)."""
    size = abs(angle)
    side = "right" if angle > 0 else "left"
    if size < 25:
        return "straight"
    if size < 55:
        return f"slight_{side}"
    if size < 135:
        return side
    return f"sharp_{side}"


def steps(
    coords: Sequence[Sequence[float]], route_steps: Sequence[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The route's steps with the turn onto each, from the bearings of its line.

    Parameters
    ----------
    coords : sequence of (lon, lat)
        The route line.
    route_steps : sequence of dict
        ``name``, ``highway``, ``length_m`` per street walked, in order (as in a route answer).

    Returns
    -------
    list of dict
        ``turn`` ("start", "straight", "slight_left", "left", "sharp_left" and the same to the
        right), ``name`` (None for unnamed ways), ``highway`` and ``length_m`` (rounded).
        Steps shorter than :data:`MIN_STEP_M` are joined to the next one.
    """
    merged: list[dict[str, Any]] = []
    for step in route_steps:
        item = {
            "name": step.get("name"),
            "highway": step.get("highway"),
            "length_m": float(step.get("length_m") or 0.0),
        }
        if merged and merged[-1]["length_m"] < MIN_STEP_M:
            item["length_m"] += merged.pop()["length_m"]
        merged.append(item)
    if len(merged) > 1 and merged[-1]["length_m"] < MIN_STEP_M:
        merged[-2]["length_m"] += merged.pop()["length_m"]
    line = np.asarray(coords, dtype=np.float64).reshape(-1, 2)
    cum = cumulative_m(line)
    total = float(cum[-1]) if len(cum) else 0.0
    claimed = sum(s["length_m"] for s in merged)
    scale = total / claimed if claimed > 0 and total > 0 else 1.0
    walked = np.array([step["length_m"] * scale for step in merged], dtype=np.float64)
    angles = np.zeros(len(merged))
    if len(merged) > 1 and len(line) >= 2:  # every corner at once: where each step begins
        at = np.cumsum(walked)[:-1]
        before = _points_at(line, cum, at - BEARING_M)
        corner = _points_at(line, cum, at)
        after = _points_at(line, cum, at + np.minimum(BEARING_M, walked[1:]))
        turning = _bearings(corner, after) - _bearings(before, corner)
        angles[1:] = (turning + 180.0) % 360.0 - 180.0
    out: list[dict[str, Any]] = []
    for k, step in enumerate(merged):
        turn = "start" if k == 0 or len(line) < 2 else turn_kind(float(angles[k]))
        if out and turn == "straight" and out[-1]["name"] == step["name"]:
            out[-1]["length_m"] += step["length_m"]
        else:
            out.append({**step, "turn": turn})
    for item in out:
        item["length_m"] = round(item["length_m"], 1)
    return out


def format_distance(metres: float, lang: str) -> str:
    """``"350 m"`` or ``"1,5 km"`` (decimal comma in Spanish and Portuguese)."""
    if metres < 995:
        return f"{round(metres / 10) * 10 if metres >= 100 else round(metres)} m"
    return _kilometres(round(metres / 1000, 1), lang)


@lru_cache(maxsize=4096)
def _kilometres(km: float, lang: str) -> str:
    from babel.numbers import format_decimal

    return f"{format_decimal(km, format='#,##0.#', locale=lang)} km"


def _street(step: dict[str, Any], phrases: dict[str, str]) -> str:
    if step["name"]:
        return str(step["name"])
    if step.get("highway") in {"footway", "path", "pedestrian", "cycleway"}:
        return phrases["footway"]
    if step.get("highway") == "steps":
        return phrases["steps"]
    return phrases["unnamed"]


def text(
    turns: Sequence[dict[str, Any]],
    *,
    lang: str,
    length_m: float,
    minutes: float,
    place: str | None = None,
    summary: str | None = None,
) -> str:
    """The directions as numbered lines, with the length, time and risk summary first."""
    phrases = PHRASES[lang]
    rounded = max(1, round(minutes))
    head = phrases["walk" if rounded > 1 else "walk_one"].format(
        km=format_distance(length_m, lang), minutes=rounded
    )
    lines = [f"{head}." + (f" {summary}" if summary else "")]
    for number, step in enumerate(turns, start=1):
        sentence = phrases[step["turn"]].format(street=_street(step, phrases))
        lines.append(f"{number}. {sentence} ({format_distance(step['length_m'], lang)})")
    lines.append(
        f"{len(turns) + 1}. " + phrases["arrive"].format(place=place or phrases["the_place"])
    )
    return "\n".join(lines)


def _top_level(by_level: dict[str, float]) -> tuple[str, float] | None:
    for level in LEVELS:
        metres = float(by_level.get(level) or 0.0)
        if metres >= 1.0:
            return level, metres
    return None


def risk_summary(
    route: dict[str, Any],
    *,
    lang: str,
    shortest: dict[str, Any] | None = None,
    comparison: dict[str, Any] | None = None,
    safe_found: bool = True,
    night: bool = False,
) -> str:
    """The route's exposure in one or two sentences.

    Parameters
    ----------
    route : dict
        The route's properties (``exposure`` with ``by_level_m``).
    lang : str
        ``es``, ``pt`` or ``en``.
    shortest : dict, optional
        The shortest route's properties, to tell what the route avoids.
    comparison : dict, optional
        The answer's ``comparison`` (``extra_minutes``).
    safe_found : bool
        False when no route avoids the ``avoid`` zones (this one is the least-risk one).
    night : bool
        Whether night rules applied.
    """
    phrases = PHRASES[lang]
    by_level = (route.get("exposure") or {}).get("by_level_m") or {}
    parts: list[str] = []
    if not safe_found:
        metres = float(by_level.get("avoid") or 0.0)
        parts.append(phrases["no_safe"].format(m=format_distance(metres, lang)))
    else:
        crossed = _top_level(by_level)
        if shortest is not None:
            short_levels = (shortest.get("exposure") or {}).get("by_level_m") or {}
            gained = {
                k: float(short_levels.get(k) or 0) - float(by_level.get(k) or 0) for k in LEVELS
            }
            top = _top_level(gained)
            if top is not None:
                extra = round(float((comparison or {}).get("extra_minutes") or 0.0))
                tail = phrases["extra"].format(minutes=extra) if extra >= 1 else phrases["no_extra"]
                avoided = phrases["avoided"].format(
                    m=format_distance(top[1], lang), level=phrases[f"level_{top[0]}"]
                )
                parts.append(f"{avoided}; {tail}")
        if crossed is not None:
            parts.append(
                phrases["crosses"].format(
                    m=format_distance(crossed[1], lang), level=phrases[f"level_{crossed[0]}"]
                )
            )
    if night:
        parts.append(phrases["night"])
    return ". ".join(parts) + ("." if parts else "")


def annotate(answer: dict[str, Any]) -> dict[str, Any]:
    """Add ``directions`` to every route of a ``/routes/safe`` answer, in every language.

    Each feature gets ``properties["directions"] = {"steps": [...], "summary": {lang: ...},
    "text": {lang: ...}}``; ``summary`` is the risk sentence of :func:`risk_summary` and
    ``text`` the whole message of :func:`text`. The answer is changed in place and returned.
    """
    features = answer.get("features") or []
    shortest = next(
        (f["properties"] for f in features if f["properties"].get("role") == "shortest"), None
    )
    safe_found = bool(answer.get("safeRouteFound", True))
    for feature in features:
        props = feature["properties"]
        turns = steps(feature["geometry"]["coordinates"], props.get("steps") or [])
        is_shortest = props.get("role") == "shortest"
        summaries = {
            lang: risk_summary(
                props,
                lang=lang,
                shortest=None if is_shortest else shortest,
                comparison=answer.get("comparison"),
                safe_found=safe_found,
                night=bool(answer.get("night")),
            )
            for lang in LANGUAGES
        }
        props["directions"] = {
            "steps": turns,
            "summary": summaries,
            "text": {
                lang: text(
                    turns,
                    lang=lang,
                    length_m=float(props.get("length_m") or 0.0),
                    minutes=float(props.get("duration_min") or 0.0),
                    summary=summaries[lang],
                )
                for lang in LANGUAGES
            },
        }
    return answer
