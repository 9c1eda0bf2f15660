"""Strict parsing and validation of registry features.

Every problem is reported, not just the first: each with the feature's index and id, the field
(a dotted path such as ``properties.services``) and a message saying why. Nothing here touches
the store.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationError,
    field_validator,
)

from geomap.errors import RegistryValidationError
from geomap.registry import geometry as geo
from geomap.registry.fields import LongText, NameText, ShortText, country_code, no_control, pcode
from geomap.registry.phones import MAX_PHONE_CHARS, PhoneError, to_e164
from geomap.registry.vocab import KINDS, POPULATIONS, SERVICES

Problem = dict[str, Any]

#: How far outside its declared country's outline a point may lie: border posts sit on the
#: line, and outlines are drawn at 1:10m (a few hundred metres).
COUNTRY_TOLERANCE_KM = 25.0
#: Most problems one error lists (the summary still counts them all): a huge bad import must
#: not answer with a larger body than it sent.
MAX_PROBLEMS = 100

#: Read-only properties of served features: dropped from what is sent back (PUT, PATCH and
#: the import of an export), never stored.
SERVED_PROPERTIES = ("version", "verification")

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,127}$")
#: How many key messages a place's printed sheet carries at most.
MAX_SHEET_MESSAGES = 6


def parse_json(data: bytes | str, *, what: str = "body") -> Any:
    """Parse JSON strictly: ``NaN``, ``Infinity`` and invalid UTF-8 are errors.

    Raises
    ------
    RegistryValidationError
        With one problem naming the position of the error.
    """

    def refuse(constant: str) -> Any:
        raise ValueError(f"{constant} is not valid JSON")

    def finite(text: str) -> float:
        value = float(text)
        if not math.isfinite(value):
            raise ValueError(f"the number {text[:40]} is out of range")
        return value

    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        return json.loads(text, parse_constant=refuse, parse_float=finite)
    except UnicodeDecodeError as exc:
        problem = {"index": None, "id": None, "field": what, "message": f"not UTF-8: {exc}"}
    except json.JSONDecodeError as exc:
        problem = {
            "index": None,
            "id": None,
            "field": what,
            "message": f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}",
        }
    except ValueError as exc:
        problem = {"index": None, "id": None, "field": what, "message": str(exc)}
    except RecursionError:
        problem = {"index": None, "id": None, "field": what, "message": "JSON nested too deeply"}
    raise RegistryValidationError([problem], f"{what}: {problem['message']}")


class Name(BaseModel):
    """A place's name: Spanish required, Portuguese and English optional."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    es: NameText
    pt: ShortText | None = None
    en: ShortText | None = None


class Contact(BaseModel):
    """Public contact of a place; never a focal person's private data.

    ``phone`` and ``whatsapp`` are read in the place's country and stored in E.164
    (see :mod:`geomap.registry.phones`).
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    phone: str | None = Field(default=None, max_length=MAX_PHONE_CHARS)
    whatsapp: str | None = Field(default=None, max_length=MAX_PHONE_CHARS)
    email: str | None = Field(default=None, max_length=254)
    website: str | None = Field(default=None, max_length=500)

    @field_validator("phone", "whatsapp", "email", "website")
    @classmethod
    def _text(cls, value: str | None) -> str | None:
        return None if value is None else no_control(value)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and not _EMAIL.match(value):
            raise ValueError("must be an e-mail address")
        return value

    @field_validator("website")
    @classmethod
    def _website(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError("must start with https:// or http://")
        return value


def _codes(values: list[str], vocabulary: dict[str, Any], what: str) -> list[str]:
    unknown = [f"{geo.clip(v)} (item {i})" for i, v in enumerate(values) if v not in vocabulary]
    if unknown:
        raise ValueError(
            f"unknown {what} code {', '.join(unknown)}; known codes: {', '.join(vocabulary)}"
        )
    if len(set(values)) != len(values):
        raise ValueError(f"repeated {what} codes")
    return values


class PlaceProperties(BaseModel):
    """The properties of a place (see the data model in the README)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    kind: Literal["support_space", "information_point", "service_point"]
    name: Name
    organizations: list[NameText] = Field(min_length=1, max_length=20)
    country: str
    admin1: ShortText | None = None
    admin1_pcode: str | None = Field(default=None, max_length=16)
    admin2: ShortText | None = None
    admin2_pcode: str | None = Field(default=None, max_length=16)
    services: list[str] = Field(min_length=1)
    opening_hours: LongText | None = None
    languages: list[str] = Field(default_factory=list, max_length=50)
    populations: list[str] = Field(default_factory=lambda: ["everyone"], min_length=1)
    wheelchair: Literal["yes", "limited", "no", "unknown"] = "unknown"
    contact: Contact | None = None
    capacity: StrictInt | None = Field(default=None, ge=0, le=100_000)
    status: Literal["active", "temporarily_closed", "closed"] = "active"
    visibility: Literal["public", "partners", "restricted"] = "public"
    verified_at: date | None = None
    verified_by: ShortText | None = None
    source: LongText | None = None
    sample: StrictBool = False
    #: ids of key messages (``messages`` collection) its officers picked for its printed sheet
    messages: list[str] | None = Field(default=None, max_length=MAX_SHEET_MESSAGES)

    @field_validator("messages")
    @classmethod
    def _messages(cls, values: list[str] | None) -> list[str] | None:
        if values is None:
            return None
        bad = [f"{geo.clip(v)} (item {i})" for i, v in enumerate(values) if not ID_PATTERN.match(v)]
        if bad:
            raise ValueError(f"must be ids of key messages; not ids: {', '.join(bad)}")
        if len(set(values)) < len(values):
            raise ValueError("names a message twice")
        return values

    @field_validator("verified_at", mode="before")
    @classmethod
    def _date_text(cls, value: Any) -> Any:
        if value is not None and not isinstance(value, str | date):
            raise ValueError("must be a date written as YYYY-MM-DD")
        return value

    @field_validator("country")
    @classmethod
    def _country(cls, value: str) -> str:
        return country_code(value)

    @field_validator("admin1_pcode", "admin2_pcode")
    @classmethod
    def _pcode(cls, value: str | None) -> str | None:
        return None if value is None else pcode(value)

    @field_validator("services")
    @classmethod
    def _services(cls, values: list[str]) -> list[str]:
        return _codes(values, SERVICES, "service")

    @field_validator("populations")
    @classmethod
    def _populations(cls, values: list[str]) -> list[str]:
        return _codes(values, POPULATIONS, "population")

    @field_validator("languages")
    @classmethod
    def _languages(cls, values: list[str]) -> list[str]:
        import pycountry

        codes = [v.lower() for v in values]
        bad = [
            v
            for v in codes
            if len(v) not in (2, 3)
            or pycountry.languages.get(**{"alpha_2" if len(v) == 2 else "alpha_3": v}) is None
        ]
        if bad:
            raise ValueError(f"not ISO 639 language codes: {', '.join(map(geo.clip, bad[:5]))}")
        if len(set(codes)) != len(codes):
            raise ValueError("repeated language codes")
        return codes

    @field_validator("opening_hours")
    @classmethod
    def _opening_hours(cls, value: str | None) -> str | None:
        if value is None:
            return None
        from opening_hours import OpeningHours, ParserError  # type: ignore[attr-defined]

        try:
            OpeningHours(value)
        except (ParserError, ValueError) as exc:
            first = str(exc).strip().splitlines()
            detail = first[-1].strip(" =") if first else "cannot be parsed"
            raise ValueError(
                f"invalid OSM opening_hours {geo.clip(value)}: {geo.clip(detail, 200)[1:-1]}"
            ) from None
        return value


@dataclass(frozen=True)
class Place:
    """A validated feature: id, normalized properties and a lon/lat point."""

    id: str
    properties: dict[str, Any]
    lon: float
    lat: float

    def geometry(self) -> dict[str, Any]:
        """The RFC 7946 Point geometry."""
        return {"type": "Point", "coordinates": [self.lon, self.lat]}


def _field(loc: tuple[Any, ...]) -> str:
    out = "properties"
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else f".{geo.clip(part, 60)[1:-1]}"
    return out


def km_outside_country(lon: float, lat: float, country: str) -> float:
    """Geodesic distance in km from a point to a country's outline (0 inside; 0 if unknown)."""
    from geomap.registry.boundaries import km_outside_point

    return km_outside_point(lon, lat, country) or 0.0


def id_text(fid: Any) -> str | None:
    """A feature's ``id`` as text, if it is a valid id (1-128 safe characters)."""
    if isinstance(fid, bool) or not isinstance(fid, str | int):
        return None
    if isinstance(fid, int) and not -(10**127) < fid < 10**128:
        return None
    text = str(fid)
    return text if ID_PATTERN.match(text) else None


def _shown_id(fid: Any) -> str | None:
    if isinstance(fid, str):
        return fid if len(fid) <= 200 else fid[:199] + "…"
    if isinstance(fid, int) and not isinstance(fid, bool):
        return str(fid) if -(10**199) < fid < 10**200 else None
    return None


class FeatureFrame:
    """The checks every registry feature shares: an object, ``type``, ``id``.

    ``problems`` collects every problem found; :meth:`problem` adds one tagged with the
    feature's index and id. A non-object feature raises at once.
    """

    def __init__(self, feature: Any, *, index: int | None, require_id: bool) -> None:
        self.index = index
        self.problems: list[Problem] = []
        fid = feature.get("id") if isinstance(feature, dict) else None
        valid = id_text(fid)
        #: the id as given, for problem reports (an invalid one cut short)
        self.id: str | None = valid if valid is not None else _shown_id(fid)
        if not isinstance(feature, dict):
            self.problem("feature", "must be a GeoJSON Feature object")
            raise RegistryValidationError(self.problems)
        if feature.get("type") != "Feature":
            self.problem("type", f"must be 'Feature', got {geo.clip(feature.get('type'))}")
        if fid is None:
            if require_id:
                self.problem("id", "required: a stable identifier")
        elif valid is None:
            self.problem(
                "id", "must be 1-128 letters, digits, '.', '_' or '-', starting alphanumeric"
            )

    def problem(self, field: str, message: str) -> None:
        """Record a problem of this feature."""
        self.problems.append(
            {"index": self.index, "id": self.id, "field": field, "message": message}
        )


def _valid_country(properties: Any) -> str | None:
    """The declared country code if it is a valid one (checked apart from other fields)."""
    if not isinstance(properties, dict) or not isinstance(properties.get("country"), str):
        return None
    try:
        return PlaceProperties._country(properties["country"])
    except ValueError:
        return None


def _contact_problems(model: PlaceProperties) -> tuple[list[tuple[str, str]], Contact | None]:
    """Read the phone numbers in the place's country: E.164, or a problem each."""
    contact = model.contact
    if contact is None:
        return [], None
    problems: list[tuple[str, str]] = []
    numbers: dict[str, str] = {}
    for key in ("phone", "whatsapp"):
        text = getattr(contact, key)
        if text is None:
            continue
        try:
            numbers[key] = to_e164(text, model.country, sample=model.sample)
        except PhoneError as exc:
            example = "+57 601 234 5678" if key == "phone" else "+57 301 234 5678"
            problems.append(
                (
                    f"properties.contact.{key}",
                    f"{geo.clip(text, 40)} {exc}; write a number of {model.country} such as "
                    f"{example} (other countries with their + code)",
                )
            )
    return problems, contact.model_copy(update=numbers)


def _area_problems(model: PlaceProperties) -> list[tuple[str, str]]:
    """P-codes belong to the place's country, and admin2 sits inside admin1."""
    out = []
    for key in ("admin1_pcode", "admin2_pcode"):
        code = getattr(model, key)
        if code is not None and not code.startswith(model.country):
            out.append((f"properties.{key}", f"{code} is not a P-code of {model.country}"))
    one, two = model.admin1_pcode, model.admin2_pcode
    if one and two and not out and not two.startswith(one):
        out.append(
            ("properties.admin2_pcode", f"{two} does not lie in admin1 {one} (it must start so)")
        )
    return out


def validate_place(
    feature: Any,
    *,
    index: int | None = None,
    require_id: bool = True,
    country_tolerance_km: float = COUNTRY_TOLERANCE_KM,
) -> Place:
    """Validate one GeoJSON Feature as a place.

    Parameters
    ----------
    feature : Any
        The parsed feature.
    index : int, optional
        Its position in a collection, for problem reports.
    require_id : bool
        Whether the feature must carry an ``id``.
    country_tolerance_km : float
        How far outside its declared country a point may lie.

    Returns
    -------
    Place
        Phone numbers in E.164, P-codes upper-cased, strings trimmed.

    Raises
    ------
    RegistryValidationError
        Listing every problem of the feature.
    """
    frame = FeatureFrame(feature, index=index, require_id=require_id)
    problems, problem, fid_text = frame.problems, frame.problem, frame.id
    point, geometry_problems = geo.point(feature.get("geometry"))
    for field, message in geometry_problems:
        problem(field, message)
    properties = served_dropped(feature.get("properties"))
    model: PlaceProperties | None = None
    if not isinstance(properties, dict):
        problem("properties", "required: an object")
    else:
        try:
            model = PlaceProperties.model_validate(properties)
        except ValidationError as exc:
            for error in exc.errors():
                message = error["msg"].removeprefix("Value error, ")
                problem(_field(tuple(error["loc"])), message)
    contact = None
    if model is not None:
        found, contact = _contact_problems(model)
        for field, message in found + _area_problems(model):
            problem(field, message)
    country = _valid_country(properties)
    if country is not None and point is not None:
        outside = km_outside_country(point[0], point[1], country)
        if outside > country_tolerance_km:
            problem(
                "geometry",
                f"point ({point[0]}, {point[1]}) is {outside:.0f} km outside its declared "
                f"country {country}",
            )
    if problems or model is None or point is None:
        raise RegistryValidationError(problems)
    if contact is not None:
        model = model.model_copy(update={"contact": contact})
    return Place(
        id=fid_text or "",
        properties=model.model_dump(mode="json", exclude_none=True),
        lon=point[0],
        lat=point[1],
    )


def served_dropped(properties: Any) -> Any:
    """``properties`` without the read-only members of served features."""
    if not isinstance(properties, dict):
        return properties
    return {k: v for k, v in properties.items() if k not in SERVED_PROPERTIES}


def capped(problems: list[Problem], summary: str) -> RegistryValidationError:
    """The error listing at most :data:`MAX_PROBLEMS` problems (the summary counts all)."""
    if len(problems) <= MAX_PROBLEMS:
        return RegistryValidationError(problems, summary)
    shown = problems[:MAX_PROBLEMS]
    rest = len(problems) - MAX_PROBLEMS
    shown.append(
        {
            "index": None,
            "id": None,
            "field": "features",
            "message": f"{rest} more problem(s) not listed: fix these first and send it again",
        }
    )
    return RegistryValidationError(shown, summary)


def validate_collection(
    collection: Any,
    *,
    country_tolerance_km: float = COUNTRY_TOLERANCE_KM,
    validator: Callable[..., Any] | None = None,
) -> list[Any]:
    """Validate a FeatureCollection; every problem of every feature is reported.

    Parameters
    ----------
    collection : Any
        The parsed FeatureCollection.
    country_tolerance_km : float
        Passed to the feature validator.
    validator : callable, optional
        ``validator(feature, index=, country_tolerance_km=)``; :func:`validate_place` by
        default (risk zones use :func:`geomap.registry.risk.validate_risk_zone`).

    Returns
    -------
    list
        The validated features (places by default).

    Raises
    ------
    RegistryValidationError
        If the collection or any feature is invalid, or ids repeat.
    """
    check = validator or validate_place
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        raise RegistryValidationError(
            [{"index": None, "id": None, "field": "type", "message": "must be a FeatureCollection"}]
        )
    features = collection.get("features")
    if not isinstance(features, list):
        raise RegistryValidationError(
            [{"index": None, "id": None, "field": "features", "message": "must be a list"}]
        )
    places: list[Any] = []
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for i, feature in enumerate(features):
        key = id_text(feature.get("id")) if isinstance(feature, dict) else None
        if key is not None:
            if key in seen:
                problems.append(
                    {
                        "index": i,
                        "id": key,
                        "field": "id",
                        "message": f"repeats the id of feature {seen[key]}",
                    }
                )
            else:
                seen[key] = i
        try:
            places.append(check(feature, index=i, country_tolerance_km=country_tolerance_km))
        except RegistryValidationError as exc:
            problems.extend(exc.problems)
    if problems:
        raise capped(problems, f"{len(problems)} problem(s) in {len(features)} feature(s)")
    return places


def term_labels(code: str, vocabulary: dict[str, Any]) -> dict[str, str]:
    """Labels of a vocabulary code in es/pt/en."""
    term = vocabulary[code]
    return {"es": term.es, "pt": term.pt, "en": term.en}


__all__ = [
    "KINDS",
    "Place",
    "PlaceProperties",
    "parse_json",
    "validate_collection",
    "validate_place",
]
