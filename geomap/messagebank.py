"""The message bank as people and partners read it: messages in force, per country and language.

Every function reads through the caller's visibility (the public sees ``public`` messages only)
and picks the messages in force in a country on a day (:func:`geomap.registry.messages.in_force`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from geomap.answers import QuestionError
from geomap.registry.access import Caller
from geomap.registry.exports import iter_records
from geomap.registry.messages import COLLECTION, RUMOUR_TOPICS, in_force, order_key, shown
from geomap.registry.store import RegistryStore
from geomap.registry.texts import language_code


def check_country(text: str, *, field: str = "query.country") -> str:
    """An ISO 3166-1 alpha-2 code, upper-cased.

    Raises
    ------
    QuestionError
        For anything else.
    """
    import pycountry

    code = text.strip().upper()
    if len(code) != 2 or not code.isalpha() or pycountry.countries.get(alpha_2=code) is None:
        raise QuestionError(field, "country must be an ISO 3166-1 alpha-2 code such as BR")
    return code


def check_language(text: str, *, field: str = "query.lang") -> str:
    """An ISO 639 language code.

    Raises
    ------
    QuestionError
        For anything else.
    """
    try:
        return language_code(text)
    except ValueError as exc:
        raise QuestionError(field, str(exc)) from None


def messages_in_force(
    store: RegistryStore,
    caller: Caller,
    *,
    country: str,
    lang: str,
    today: date,
    ids: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    """The messages in force in ``country`` on ``today`` the caller may see, in ``lang``.

    Each is as :func:`geomap.registry.messages.shown` gives it (``lang`` is the language its
    text is in: ``lang`` when the message has it, else Spanish, Portuguese, English). With
    ``ids``, only those messages, in that order.
    """
    found = {
        r.id: shown(r.id, r.properties, lang)
        for r in iter_records(store, COLLECTION, caller)
        if in_force(r.properties, country=country, today=today)
    }
    if ids is not None:
        return [found[i] for i in ids if i in found]
    return sorted(found.values(), key=order_key)


def answers_by_topic(
    store: RegistryStore, caller: Caller, *, country: str | None, today: date
) -> dict[str, list[str]]:
    """For each rumour topic, the ids of the messages in force that answer it."""
    out: dict[str, list[str]] = {t: [] for t in RUMOUR_TOPICS}
    for r in iter_records(store, COLLECTION, caller):
        countries = r.properties.get("countries", [])
        if country is not None and not in_force(r.properties, country=country, today=today):
            continue
        if country is None and not any(
            in_force(r.properties, country=c, today=today) for c in countries
        ):
            continue
        for topic in r.properties.get("answers", []):
            out.setdefault(topic, []).append(r.id)
    return {t: sorted(ids) for t, ids in out.items()}


def bank_json(
    store: RegistryStore, caller: Caller, *, country: str, lang: str, today: date
) -> dict[str, Any]:
    """The messages in force as JSON for the page and the API (``GET /messages``)."""
    items = messages_in_force(store, caller, country=country, lang=lang, today=today)
    return {
        "country": country,
        "lang": lang,
        "date": today.isoformat(),
        "messages": items,
        "sample": any(m["sample"] for m in items),
    }
