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
from functools import cache
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
from geomap.registry.vocab import KINDS, POPULATIONS, SERVICES

Problem = dict[str, Any]

#: How far outside its declared country's (coarse) outline a point may lie. Border posts sit
#: on the line, and the outlines used here are generalized.
COUNTRY_TOLERANCE_KM = 25.0

_PHONE = re.compile(r"^\+?[0-9][0-9 ()\-]{5,24}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,127}$")


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
    es: str = Field(min_length=1, max_length=200)
    pt: str | None = Field(default=None, max_length=200)
    en: str | None = Field(default=None, max_length=200)


class Contact(BaseModel):
    """Public contact of a place; never a focal person's private data."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    phone: str | None = None
    whatsapp: str | None = None
    email: str | None = None
    website: str | None = None

    @field_validator("phone", "whatsapp")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        if value is not None and not _PHONE.match(value):
            raise ValueError("must be a phone number such as +57 1 234 5678")
        return value

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
    unknown = [f"{v!r} (item {i})" for i, v in enumerate(values) if v not in vocabulary]
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
    organizations: list[str] = Field(min_length=1, max_length=20)
    country: str
    admin1: str | None = Field(default=None, max_length=200)
    admin2: str | None = Field(default=None, max_length=200)
    services: list[str] = Field(min_length=1)
    opening_hours: str | None = Field(default=None, max_length=500)
    languages: list[str] = Field(default_factory=list)
    populations: list[str] = Field(default_factory=lambda: ["everyone"], min_length=1)
    wheelchair: Literal["yes", "limited", "no", "unknown"] = "unknown"
    contact: Contact | None = None
    capacity: StrictInt | None = Field(default=None, ge=0, le=100_000)
    status: Literal["active", "temporarily_closed", "closed"] = "active"
    visibility: Literal["public", "partners", "restricted"] = "public"
    verified_at: date | None = None
    verified_by: str | None = Field(default=None, max_length=200)
    source: str | None = Field(default=None, max_length=500)
    sample: StrictBool = False

    @field_validator("verified_at", mode="before")
    @classmethod
    def _date_text(cls, value: Any) -> Any:
        if value is not None and not isinstance(value, str | date):
            raise ValueError("must be a date written as YYYY-MM-DD")
        return value

    @field_validator("organizations")
    @classmethod
    def _organizations(cls, values: list[str]) -> list[str]:
        if any(not v.strip() for v in values):
            raise ValueError("organization names must not be empty")
        return values

    @field_validator("country")
    @classmethod
    def _country(cls, value: str) -> str:
        import pycountry

        code = value.upper()
        if len(code) != 2 or pycountry.countries.get(alpha_2=code) is None:
            raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-2 country code")
        return code

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
            if pycountry.languages.get(**{"alpha_2" if len(v) == 2 else "alpha_3": v}) is None
        ]
        if bad:
            raise ValueError(f"not ISO 639 language codes: {', '.join(map(repr, bad))}")
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
            raise ValueError(f"invalid OSM opening_hours {value!r}: {detail}") from None
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
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _point(geometry: Any, problem: Any) -> tuple[float, float] | None:
    if geometry is None:
        problem("geometry", "required: a Point with [longitude, latitude]")
        return None
    if not isinstance(geometry, dict):
        problem("geometry", "must be a GeoJSON geometry object")
        return None
    if geometry.get("type") != "Point":
        problem("geometry.type", f"must be 'Point', got {geometry.get('type')!r}")
        return None
    coords = geometry.get("coordinates")
    if not isinstance(coords, list) or len(coords) == 0:
        problem("geometry.coordinates", "empty geometry: expected [longitude, latitude]")
        return None
    if len(coords) not in (2, 3) or not all(
        isinstance(c, int | float) and not isinstance(c, bool) for c in coords
    ):
        problem("geometry.coordinates", "expected [longitude, latitude] numbers")
        return None
    lon, lat = float(coords[0]), float(coords[1])
    ok = True
    if not (math.isfinite(lon) and math.isfinite(lat)):
        problem("geometry.coordinates", "coordinates must be finite numbers")
        return None
    if not -180 <= lon <= 180:
        problem("geometry.coordinates[0]", f"longitude {lon} is outside [-180, 180]")
        ok = False
    if not -90 <= lat <= 90:
        problem("geometry.coordinates[1]", f"latitude {lat} is outside [-90, 90]")
        ok = False
    return (lon, lat) if ok else None


@cache
def _country_shape(code: str) -> Any:
    """The (generalized) outline of a country from the countryinfo package, or None."""
    import shapely
    from countryinfo import CountryInfo

    try:
        collection = CountryInfo(code).geo_json()
    except (KeyError, ValueError, AttributeError):
        return None
    if not collection or not collection.get("features"):
        return None
    return shapely.union_all(
        [shapely.geometry.shape(f["geometry"]) for f in collection["features"]]
    )


def km_outside_country(lon: float, lat: float, country: str) -> float:
    """Geodesic distance in km from a point to a country's outline (0 inside; 0 if unknown)."""
    import shapely
    from shapely.ops import nearest_points

    from routing.geodesy import distance_m

    shape = _country_shape(country)
    if shape is None:
        return 0.0
    point = shapely.Point(lon, lat)
    if shape.contains(point):
        return 0.0
    nearest = nearest_points(shape, point)[0]
    dist = distance_m(lon, lat, nearest.x, nearest.y)
    return float(dist) / 1000.0


class FeatureFrame:
    """The checks every registry feature shares: an object, ``type``, ``id``.

    ``problems`` collects every problem found; :meth:`problem` adds one tagged with the
    feature's index and id. A non-object feature raises at once.
    """

    def __init__(self, feature: Any, *, index: int | None, require_id: bool) -> None:
        self.index = index
        self.problems: list[Problem] = []
        fid = feature.get("id") if isinstance(feature, dict) else None
        valid_type = isinstance(fid, str | int) and not isinstance(fid, bool)
        self.id: str | None = str(fid) if valid_type else None
        if not isinstance(feature, dict):
            self.problem("feature", "must be a GeoJSON Feature object")
            raise RegistryValidationError(self.problems)
        if feature.get("type") != "Feature":
            self.problem("type", f"must be 'Feature', got {feature.get('type')!r}")
        if fid is None:
            if require_id:
                self.problem("id", "required: a stable identifier")
        elif self.id is None or not ID_PATTERN.match(self.id):
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

    Raises
    ------
    RegistryValidationError
        Listing every problem of the feature.
    """
    frame = FeatureFrame(feature, index=index, require_id=require_id)
    problems, problem, fid_text = frame.problems, frame.problem, frame.id
    point = _point(feature.get("geometry"), problem)
    properties = feature.get("properties")
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
    return Place(
        id=fid_text or "",
        properties=model.model_dump(mode="json", exclude_none=True),
        lon=point[0],
        lat=point[1],
    )


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
        fid = feature.get("id") if isinstance(feature, dict) else None
        if isinstance(fid, str | int) and not isinstance(fid, bool):
            key = str(fid)
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
        raise RegistryValidationError(
            problems, f"{len(problems)} problem(s) in {len(features)} feature(s)"
        )
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
