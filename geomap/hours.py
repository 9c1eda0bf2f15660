"""Opening hours in words: the week, the state at a time and the next change.

The OSM ``opening_hours`` expression is evaluated by the same library the registry validates
with (``opening-hours-py``); this module only groups its answers and words them. Two kinds of
output:

* :func:`schedule` — language-neutral: the state at a local time, the next change, the open
  intervals of the next days (so a phone can tell "open now" again later, offline) and the
  week grouped by days with the same hours;
* :func:`describe` — the same in words, in Spanish, Portuguese or English ("Lunes a viernes
  09:00–16:00", "Cerrado · abre a las 18:00", "Abierto · cierra en 20 min").

:data:`PHRASES` holds every phrase, so the map page words a state the way this module does.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

LANGUAGES = ("es", "pt", "en")
#: How many days of open intervals :func:`schedule` lists.
DAYS = 7
#: Within this many minutes of a change, say "in N min" instead of the time of day.
SOON_MIN = 60

PHRASES: dict[str, dict[str, str]] = {
    "es": {
        "open": "Abierto",
        "closed": "Cerrado",
        "unknown": "Horario desconocido",
        "always": "Abierto las 24 horas, todos los días",
        "every_day": "Todos los días",
        "closes_in": "cierra en {minutes} min",
        "closes_at": "cierra a las {time}",
        "closes_tomorrow": "cierra mañana a las {time}",
        "closes_on": "cierra el {day} a las {time}",
        "opens_in": "abre a las {time} (en {minutes} min)",
        "opens_at": "abre a las {time}",
        "opens_tomorrow": "abre mañana a las {time}",
        "opens_on": "abre el {day} a las {time}",
        "range": "{first} a {last}",
        "and": " y ",
        "closed_days": "cerrado",
    },
    "pt": {
        "open": "Aberto",
        "closed": "Fechado",
        "unknown": "Horário desconhecido",
        "always": "Aberto 24 horas, todos os dias",
        "every_day": "Todos os dias",
        "closes_in": "fecha em {minutes} min",
        "closes_at": "fecha às {time}",
        "closes_tomorrow": "fecha amanhã às {time}",
        "closes_on": "fecha {day} às {time}",
        "opens_in": "abre às {time} (em {minutes} min)",
        "opens_at": "abre às {time}",
        "opens_tomorrow": "abre amanhã às {time}",
        "opens_on": "abre {day} às {time}",
        "range": "{first} a {last}",
        "and": " e ",
        "closed_days": "fechado",
    },
    "en": {
        "open": "Open",
        "closed": "Closed",
        "unknown": "Hours unknown",
        "always": "Open 24 hours, every day",
        "every_day": "Every day",
        "closes_in": "closes in {minutes} min",
        "closes_at": "closes at {time}",
        "closes_tomorrow": "closes tomorrow at {time}",
        "closes_on": "closes on {day} at {time}",
        "opens_in": "opens at {time} (in {minutes} min)",
        "opens_at": "opens at {time}",
        "opens_tomorrow": "opens tomorrow at {time}",
        "opens_on": "opens on {day} at {time}",
        "range": "{first} to {last}",
        "and": " and ",
        "closed_days": "closed",
    },
}


def _parse(expression: str) -> Any:
    from opening_hours import OpeningHours

    # no place coordinates here: no timezone or holiday guessing, local times as given
    return OpeningHours(expression, auto_country=False, auto_timezone=False)


def _hm(moment: datetime, day_start: datetime) -> str:
    if moment - day_start >= timedelta(days=1) and moment.time() == datetime.min.time():
        return "24:00"
    return moment.strftime("%H:%M")


def schedule(expression: str | None, *, when: datetime, days: int = DAYS) -> dict[str, Any] | None:
    """The hours of ``expression`` around the local time ``when``, language-neutral.

    Parameters
    ----------
    expression : str or None
        An OSM ``opening_hours`` value; None (unknown hours) gives None.
    when : datetime
        Local time (naive; an aware one is read as its wall-clock time).
    days : int
        How many days of open intervals to list, from the start of ``when``'s day.

    Returns
    -------
    dict or None
        ``state`` ("open", "closed" or "unknown" at ``when``), ``next_change`` (ISO local time
        or None when the state never changes), ``open`` (list of ``[start, end]`` ISO local
        times of the open intervals meeting those days), ``always_open`` and ``week`` (list of
        ``{"days": [0..6, Monday = 0], "times": [["09:00", "16:00"], ...]}`` for the seven
        days from ``when``'s Monday, consecutive days with the same hours grouped). None for
        an expression the library cannot read.
    """
    import opening_hours

    parser_error: type[Exception] = getattr(opening_hours, "ParserError", SyntaxError)
    if expression is None:
        return None
    try:
        oh = _parse(expression)
    except (parser_error, SyntaxError, ValueError):
        return None
    when = when.replace(tzinfo=None, second=0, microsecond=0)
    state = str(oh.state(when)[0])
    change = oh.next_change(when)
    today = when.replace(hour=0, minute=0)
    monday = today - timedelta(days=today.weekday())
    # from the Sunday before this week's Monday (an interval running on into Monday) on
    start = monday - timedelta(days=1)
    end = max(today + timedelta(days=days + 1), monday + timedelta(days=8))
    spans: list[list[datetime]] = []
    for first, last, st, _comment in oh.intervals(start, end):
        if str(st) != "open":
            continue
        a, b = first.replace(tzinfo=None), last.replace(tzinfo=None)
        if spans and spans[-1][1] == a:
            spans[-1][1] = b
        else:
            spans.append([a, b])
    always = len(spans) == 1 and spans[0][0] <= start and spans[0][1] >= end
    horizon = today + timedelta(days=days)
    listed = [[a, b] for a, b in spans if b > today and a < horizon]
    return {
        "state": state,
        "next_change": change.replace(tzinfo=None).isoformat(timespec="minutes")
        if change is not None and change.year < 9999
        else None,
        "always_open": always,
        "open": [
            [a.isoformat(timespec="minutes"), b.isoformat(timespec="minutes")] for a, b in listed
        ],
        "week": [] if always else _week(spans, monday),
    }


def _week(spans: list[list[datetime]], monday: datetime) -> list[dict[str, Any]]:
    """Open times per weekday of the week starting ``monday``, equal days grouped."""
    per_day: list[list[list[str]]] = []
    for offset in range(7):
        day = monday + timedelta(days=offset)
        nxt = day + timedelta(days=1)
        times = [
            [_hm(a, day), _hm(b, day)]
            for a, b in spans
            if day <= a < nxt and not (a == day and any(p[1] == a for p in spans))
        ]
        # an interval running on from the day before is told on the day it started
        per_day.append(times)
    groups: list[dict[str, Any]] = []
    for offset, times in enumerate(per_day):
        if groups and groups[-1]["times"] == times:
            groups[-1]["days"].append(offset)
        else:
            groups.append({"days": [offset], "times": times})
    return groups


def _day_names(lang: str) -> list[str]:
    from babel.dates import get_day_names

    names = get_day_names("wide", locale=lang)
    return [str(names[i]) for i in range(7)]


def _times_text(times: list[list[str]], phrases: dict[str, str]) -> str:
    if not times:
        return phrases["closed_days"]
    return phrases["and"].join(f"{a}–{b}" for a, b in times)


def week_text(info: dict[str, Any], lang: str) -> str:
    """The week of a :func:`schedule` in words ("Lunes a viernes 09:00–16:00; sábado …")."""
    phrases = PHRASES[lang]
    if info["always_open"]:
        return phrases["always"]
    groups = info["week"]
    if len(groups) == 1:
        return f"{phrases['every_day']} {_times_text(groups[0]['times'], phrases)}"
    names = _day_names(lang)
    parts = []
    for group in groups:
        days = group["days"]
        label = (
            names[days[0]]
            if len(days) == 1
            else phrases["range"].format(first=names[days[0]], last=names[days[-1]])
            if len(days) > 2
            else phrases["and"].join(names[d] for d in days)
        )
        parts.append(f"{label} {_times_text(group['times'], phrases)}")
    text = "; ".join(parts)
    return text[:1].upper() + text[1:]


def status_text(info: dict[str, Any] | None, *, when: datetime, lang: str) -> str:
    """The state at ``when`` and the next change ("Cerrado · abre a las 18:00")."""
    phrases = PHRASES[lang]
    if info is None or info["state"] == "unknown":
        return phrases["unknown"]
    state = info["state"]
    head = phrases[state]
    if info["always_open"] or info["next_change"] is None:
        return phrases["always"] if state == "open" else head
    change = datetime.fromisoformat(info["next_change"])
    verb = "closes" if state == "open" else "opens"
    when = when.replace(tzinfo=None, second=0, microsecond=0)
    minutes = round((change - when).total_seconds() / 60)
    days = (change.date() - when.date()).days
    time = change.strftime("%H:%M")
    if minutes <= SOON_MIN:
        tail = phrases[f"{verb}_in"].format(minutes=max(minutes, 1), time=time)
    elif days == 0:
        tail = phrases[f"{verb}_at"].format(time=time)
    elif days == 1:
        tail = phrases[f"{verb}_tomorrow"].format(time=time)
    else:
        tail = phrases[f"{verb}_on"].format(day=_day_names(lang)[change.weekday()], time=time)
    return f"{head} · {tail}"


def describe(expression: str | None, *, when: datetime, lang: str) -> dict[str, Any]:
    """:func:`schedule` with the week and the state in words in ``lang``.

    Returns
    -------
    dict
        The schedule's fields (``state`` "unknown" and no intervals when the hours are
        unknown or unreadable) plus ``week_text``, ``status_text`` and ``raw`` (the
        expression as stored).
    """
    info = schedule(expression, when=when)
    base: dict[str, Any] = info or {
        "state": "unknown",
        "next_change": None,
        "always_open": False,
        "open": [],
        "week": [],
    }
    return {
        **base,
        "raw": expression,
        "week_text": week_text(info, lang) if info else PHRASES[lang]["unknown"],
        "status_text": status_text(info, when=when, lang=lang),
    }


def for_answers(expression: str | None, *, when: datetime | None) -> dict[str, Any] | None:
    """The ``hours`` field of a place in an API answer: the schedule with words in every language.

    ``when`` None (the caller gave no time) gives None: hours are only told for a known time.
    """
    if when is None:
        return None
    info = schedule(expression, when=when)
    return {
        **(
            info
            or {
                "state": "unknown",
                "next_change": None,
                "always_open": False,
                "open": [],
                "week": [],
            }
        ),
        "week_text": {
            lang: week_text(info, lang) if info else PHRASES[lang]["unknown"] for lang in LANGUAGES
        },
        "status_text": {lang: status_text(info, when=when, lang=lang) for lang in LANGUAGES},
    }
