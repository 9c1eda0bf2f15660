"""Referral pathways: the registry collection ``referral_pathways``.

A pathway is the integrated referral route agreed in an area for one **need** (GBV case
management, clinical management of rape, psychosocial support, child protection, legal aid,
documentation, shelter, health): the ordered **steps** (which place or organization, how to
contact it, which consent is needed, who is eligible, when it works, under which procedure)
and the **public entry points** everyone may be told ("ask at this support space", a
hotline).

Geometry is the pathway's area: a Polygon or MultiPolygon (an admin area, a network's hull),
or ``null`` for the whole country (or, with ``area.network``, the whole network).

Visibility works on two levels:

* each step has its own ``visibility`` (``partners`` by default). A step referring to a place
  is never less hidden than that place is now (:func:`step_visibility`);
* the record itself is at least as hidden as its most hidden step (the validator refuses
  less), so every generic surface of the registry (lists, filters, counts, history, exports)
  shows a pathway only to those who may see all of it. Referral answers
  (:mod:`geomap.referrals`) show each caller the steps they may see, and the entry points.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    ValidationError,
    field_validator,
    model_validator,
)

from geomap.errors import RegistryValidationError
from geomap.registry.texts import ShortTexts
from geomap.registry.validate import Contact, FeatureFrame, PlaceProperties, served_dropped
from geomap.registry.vocab import POPULATIONS

COLLECTION = "referral_pathways"


@dataclass(frozen=True)
class Need:
    """A need of the controlled vocabulary, its labels and the service that usually meets it."""

    code: str
    es: str
    pt: str
    en: str
    service: str


#: Needs a pathway answers, with the registry service that usually offers them.
NEEDS: dict[str, Need] = {
    t.code: t
    for t in (
        Need("gbv_case_management", "Gestión de casos de VBG", "Gestão de casos de VBG",
             "GBV case management", "protection_gbv_referral"),
        Need("clinical_management_of_rape", "Atención clínica de la violación",
             "Atenção clínica ao estupro", "Clinical management of rape", "first_aid_health"),
        Need("psychosocial_support", "Apoyo psicosocial", "Apoio psicossocial",
             "Psychosocial support", "psychosocial_support"),
        Need("child_protection", "Protección de la niñez", "Proteção da infância",
             "Child protection", "child_protection"),
        Need("legal_aid", "Asistencia legal", "Assistência jurídica", "Legal aid",
             "legal_documentation"),
        Need("documentation", "Documentación", "Documentação", "Documentation",
             "legal_documentation"),
        Need("shelter", "Alojamiento", "Abrigo", "Shelter", "overnight_shelter"),
        Need("health", "Salud", "Saúde", "Health", "first_aid_health"),
    )
}  # fmt: skip

#: Consent a step needs: none, the person's informed consent (spoken or signed), or for a
#: child the consent of a guardian or a best-interests procedure.
CONSENT = ("none", "verbal", "written", "guardian")
VISIBILITY_ORDER = {"public": 0, "partners": 1, "restricted": 2}
PATHWAY_STATUSES = ("active", "suspended")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
_SHORT_CODE = re.compile(r"^[0-9]{3,6}$")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,127}$")
MAX_STEPS = 20
MAX_ENTRY_POINTS = 5


def more_hidden(a: str, b: str) -> str:
    """The more hidden of two visibilities (unknown ones count as ``restricted``)."""
    return a if VISIBILITY_ORDER.get(a, 2) >= VISIBILITY_ORDER.get(b, 2) else b


def _opening_hours(value: str | None) -> str | None:
    return None if value is None else str(PlaceProperties._opening_hours(value))


def _place_id(value: str | None) -> str | None:
    if value is not None and not _ID.match(value):
        raise ValueError("must be a registry place id (letters, digits, '.', '_', '-')")
    return value


class StepContact(Contact):
    """Public contact of a step or entry point; phones may also be short codes (``180``)."""

    @field_validator("phone", "whatsapp")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        # short codes are kept; other numbers are read in the pathway's country afterwards
        # (:func:`_phone_problems`), as places' numbers are
        return value


class Step(BaseModel):
    """One step of a pathway: a place of the registry, or an organization reached otherwise."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    id: str = Field(description="Short key, unique in the pathway (referral logs name it).")
    label: ShortTexts | None = None
    place: str | None = None
    organization: str | None = Field(default=None, min_length=1, max_length=200)
    contact: StepContact | None = None
    consent: Literal["none", "verbal", "written", "guardian"]
    eligibility: list[str] = Field(default_factory=lambda: ["everyone"], min_length=1)
    hours: str | None = Field(default=None, max_length=500)
    procedure: str | None = Field(default=None, max_length=500)
    visibility: Literal["public", "partners", "restricted"] = "partners"

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not _SLUG.match(value):
            raise ValueError("must be 1-40 lower-case letters, digits, '_' or '-'")
        return value

    @field_validator("place")
    @classmethod
    def _place(cls, value: str | None) -> str | None:
        return _place_id(value)

    @field_validator("hours")
    @classmethod
    def _hours(cls, value: str | None) -> str | None:
        return _opening_hours(value)

    @field_validator("eligibility")
    @classmethod
    def _eligibility(cls, values: list[str]) -> list[str]:
        return list(PlaceProperties._populations(values))

    @model_validator(mode="after")
    def _who(self) -> Step:
        if self.place is None and self.organization is None:
            raise ValueError("a step names a registry place or an organization")
        if self.place is None and self.contact is None:
            raise ValueError("a step that is not a registry place needs a contact")
        return self


class EntryPoint(BaseModel):
    """Where anyone may ask: a public place of the registry, or a hotline. Always public."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    label: ShortTexts | None = None
    place: str | None = None
    organization: str | None = Field(default=None, min_length=1, max_length=200)
    contact: StepContact | None = None
    hours: str | None = Field(default=None, max_length=500)

    @field_validator("place")
    @classmethod
    def _place(cls, value: str | None) -> str | None:
        return _place_id(value)

    @field_validator("hours")
    @classmethod
    def _hours(cls, value: str | None) -> str | None:
        return _opening_hours(value)

    @model_validator(mode="after")
    def _where(self) -> EntryPoint:
        if self.place is None and self.contact is None:
            raise ValueError("an entry point is a registry place or a contact (a hotline)")
        return self


class Area(BaseModel):
    """Where a pathway is in force, in words; its geometry (or the country) decides."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    admin1: str | None = Field(default=None, max_length=200)
    admin2: str | None = Field(default=None, max_length=200)
    network: str | None = Field(default=None, max_length=128)


class PathwayProperties(BaseModel):
    """The properties of a referral pathway."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: ShortTexts
    need: str
    country: str
    area: Area = Field(default_factory=Area)
    steps: list[Step] = Field(min_length=1, max_length=MAX_STEPS)
    entry_points: list[EntryPoint] = Field(default_factory=list, max_length=MAX_ENTRY_POINTS)
    visibility: Literal["public", "partners", "restricted"] = "partners"
    status: Literal["active", "suspended"] = "active"
    valid_from: date | None = None
    valid_until: date | None = None
    approved_by: str | None = Field(default=None, max_length=200)
    source: str | None = Field(default=None, max_length=500)
    sample: StrictBool = False

    @field_validator("need")
    @classmethod
    def _need(cls, value: str) -> str:
        if value not in NEEDS:
            raise ValueError(f"unknown need {value!r}; known needs: {', '.join(NEEDS)}")
        return value

    @field_validator("country")
    @classmethod
    def _country(cls, value: str) -> str:
        return str(PlaceProperties._country(value))

    @model_validator(mode="after")
    def _consistent(self) -> PathwayProperties:
        keys = [s.id for s in self.steps]
        repeated = sorted({k for k in keys if keys.count(k) > 1})
        if repeated:
            raise ValueError(f"step ids repeat: {', '.join(repeated)}")
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            raise ValueError("valid_until is before valid_from")
        return self


def visibility_problems(model: PathwayProperties) -> list[tuple[str, str]]:
    """A pathway less hidden than one of its steps, as (field, message)."""
    out = []
    for i, step in enumerate(model.steps):
        if VISIBILITY_ORDER[step.visibility] > VISIBILITY_ORDER[model.visibility]:
            out.append(
                (
                    "properties.visibility",
                    f"step {i + 1} ({step.id!r}) is {step.visibility}, so the pathway must be "
                    f"{step.visibility} too (a pathway is as hidden as its most hidden step)",
                )
            )
    return out[:1]


@dataclass(frozen=True)
class PathwayItem:
    """A validated pathway feature."""

    id: str
    properties: dict[str, Any]
    shape: dict[str, Any] | None

    def geometry(self) -> Any:
        """The area (a (Multi)Polygon), or None for the whole country or network."""
        return self.shape


def area_geometry(feature: dict[str, Any]) -> tuple[dict[str, Any] | None, list[tuple[str, str]]]:
    """An area geometry rebuilt (None for null: the whole country), or its problems."""
    from geomap.registry import geometry as geo

    if "geometry" not in feature:
        return None, [
            ("geometry", "required: a Polygon or MultiPolygon, or null for the whole country")
        ]
    if feature["geometry"] is None:
        return None, []
    shape, problems = geo.polygon(feature["geometry"])
    return shape, list(problems)


def _phone_problems(
    properties: dict[str, Any], country: str, *, sample: bool
) -> list[tuple[str, str]]:
    """Read the phones of steps and entry points in ``country`` (E.164, in place); problems."""
    from geomap.registry.phones import PhoneError, to_e164

    problems = []
    for member in ("steps", "entry_points"):
        for i, item in enumerate(properties.get(member, [])):
            contact = item.get("contact") or {}
            for key in ("phone", "whatsapp"):
                text = contact.get(key)
                if text is None or _SHORT_CODE.match(text):
                    continue
                try:
                    contact[key] = to_e164(text, country, sample=sample)
                except PhoneError as exc:
                    problems.append((
                        f"properties.{member}[{i}].contact.{key}",
                        f"{text[:40]!r} {exc}; write a number of {country} (other countries "
                        "with their + code) or a short public code such as 180",
                    ))  # fmt: skip
    return problems


def model_problems(exc: ValidationError) -> list[tuple[str, str]]:
    """A pydantic error as (field, message) pairs under ``properties``."""
    out = []
    for error in exc.errors():
        path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error["loc"])
        out.append((f"properties{path}", error["msg"].removeprefix("Value error, ")))
    return out


def validate_pathway(
    feature: Any,
    *,
    index: int | None = None,
    require_id: bool = True,
    country_tolerance_km: float = 0.0,
) -> PathwayItem:
    """Validate one GeoJSON Feature as a referral pathway (every problem reported).

    Raises
    ------
    RegistryValidationError
    """
    del country_tolerance_km  # an area may reach across a border, as zones do
    frame = FeatureFrame(feature, index=index, require_id=require_id)
    shape, geometry_problems = area_geometry(feature)
    for field, message in geometry_problems:
        frame.problem(field, message)
    properties = served_dropped(feature.get("properties"))
    model: PathwayProperties | None = None
    if not isinstance(properties, dict):
        frame.problem("properties", "required: an object")
    else:
        try:
            model = PathwayProperties.model_validate(properties)
        except ValidationError as exc:
            for field, message in model_problems(exc):
                frame.problem(field, message)
    if model is not None:
        for field, message in visibility_problems(model):
            frame.problem(field, message)
    dumped = model.model_dump(mode="json", exclude_none=True) if model is not None else {}
    if model is not None:
        for field, message in _phone_problems(dumped, model.country, sample=model.sample):
            frame.problem(field, message)
    if frame.problems or model is None:
        raise RegistryValidationError(frame.problems)
    return PathwayItem(
        id=frame.id or "",
        properties=dumped,
        shape=shape,
    )


def need_labels(code: str) -> dict[str, str]:
    """The labels of a need in es/pt/en."""
    term = NEEDS[code]
    return {"es": term.es, "pt": term.pt, "en": term.en}


__all__ = [
    "COLLECTION",
    "CONSENT",
    "NEEDS",
    "POPULATIONS",
    "PathwayItem",
    "PathwayProperties",
    "validate_pathway",
]
