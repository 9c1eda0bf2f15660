"""Risk zones: the registry's second collection (polygons).

A risk zone has the same versions, ETags, roles, visibility and import/export as places, and
these properties: ``name``, ``country``, ``risk_type``, ``level`` (``avoid`` = never route
through; ``high``, ``medium``, ``low`` = soft penalties), ``valid_from``/``valid_until``,
``night_only``, ``source``, ``visibility``, ``sample``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from geomap.errors import RegistryValidationError
from geomap.registry import geometry as geo
from geomap.registry.fields import LongText, NameText, country_code
from routing.costs import RiskZone

COLLECTION = "risk_zones"


class RiskZoneProperties(BaseModel):
    """The properties of a risk zone."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: NameText
    country: str
    risk_type: Literal[
        "armed_groups",
        "trafficking_smuggling",
        "crime_hotspot",
        "irregular_border_crossing",
        "flooding_landslide",
        "extreme_cold_altitude",
        "other",
    ]
    level: Literal["avoid", "high", "medium", "low"]
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    night_only: bool = False
    source: LongText | None = None
    visibility: Literal["public", "partners", "restricted"] = "public"
    sample: bool = False

    @field_validator("country")
    @classmethod
    def _country(cls, value: str) -> str:
        return country_code(value)

    @model_validator(mode="after")
    def _period(self) -> RiskZoneProperties:
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            raise ValueError("valid_until is before valid_from")
        return self


@dataclass(frozen=True)
class RiskZoneItem:
    """A validated risk-zone feature."""

    id: str
    properties: dict[str, Any]
    shape: dict[str, Any]

    def geometry(self) -> dict[str, Any]:
        """The RFC 7946 (Multi)Polygon."""
        return self.shape


def validate_risk_zone(
    feature: Any,
    *,
    index: int | None = None,
    require_id: bool = True,
    country_tolerance_km: float = 25.0,
) -> RiskZoneItem:
    """Validate one GeoJSON Feature as a risk zone (every problem reported).

    The geometry is stored rebuilt (``type`` and 2D ``coordinates`` only). A zone may reach
    across borders (a border crossing is a typical zone) but must touch its declared country,
    or come within ``country_tolerance_km`` of it.

    Raises
    ------
    RegistryValidationError
    """
    from geomap.registry.validate import FeatureFrame, served_dropped

    frame = FeatureFrame(feature, index=index, require_id=require_id)
    problems, problem, fid_text = frame.problems, frame.problem, frame.id
    shape, geometry_problems = geo.polygon(feature.get("geometry"))
    for field, message in geometry_problems:
        problem(field, message)
    properties = served_dropped(feature.get("properties"))
    model: RiskZoneProperties | None = None
    if not isinstance(properties, dict):
        problem("properties", "required: an object")
    else:
        try:
            model = RiskZoneProperties.model_validate(properties)
        except ValidationError as exc:
            for error in exc.errors():
                path = "".join(
                    f"[{p}]" if isinstance(p, int) else f".{geo.clip(p, 60)[1:-1]}"
                    for p in error["loc"]
                )
                problem(f"properties{path}", error["msg"].removeprefix("Value error, "))
    if model is not None and shape is not None:
        outside = _km_outside(shape, model.country)
        if outside is not None and outside > country_tolerance_km:
            problem(
                "geometry",
                f"the zone lies {outside:.0f} km outside its declared country {model.country} "
                "(longitude and latitude swapped?)",
            )
    if problems or model is None or shape is None:
        raise RegistryValidationError(problems)
    return RiskZoneItem(
        id=fid_text or "",
        properties=model.model_dump(mode="json", exclude_none=True),
        shape=shape,
    )


def _km_outside(shape: dict[str, Any], country: str) -> float | None:
    import shapely

    from geomap.registry.boundaries import km_outside

    return km_outside(shapely.geometry.shape(shape), country)


def validate_risk_collection(
    collection: Any, *, country_tolerance_km: float = 25.0
) -> list[RiskZoneItem]:
    """Validate a FeatureCollection of risk zones; every problem is reported."""
    from geomap.registry.validate import validate_collection

    return validate_collection(
        collection, validator=validate_risk_zone, country_tolerance_km=country_tolerance_km
    )


def cost_zone(fid: str, properties: dict[str, Any], geometry: dict[str, Any]) -> RiskZone:
    """The routing model's view of a stored risk zone."""
    import shapely

    def when(key: str) -> datetime | None:
        value = properties.get(key)
        return datetime.fromisoformat(value) if value else None

    return RiskZone(
        id=fid,
        geometry=shapely.geometry.shape(geometry),
        level=properties["level"],
        risk_type=properties.get("risk_type", "other"),
        night_only=bool(properties.get("night_only", False)),
        valid_from=when("valid_from"),
        valid_until=when("valid_until"),
    )
