"""Risk zones: the registry's second collection (polygons).

A risk zone has the same versions, ETags, roles, visibility and import/export as places, and
these properties: ``name``, ``country``, ``risk_type``, ``level`` (``avoid`` = never route
through; ``high``, ``medium``, ``low`` = soft penalties), ``valid_from``/``valid_until``,
``night_only``, ``source``, ``visibility``, ``sample``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from geomap.errors import RegistryValidationError
from routing.costs import RiskZone

COLLECTION = "risk_zones"


class RiskZoneProperties(BaseModel):
    """The properties of a risk zone."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: str = Field(min_length=1, max_length=200)
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
    source: str | None = Field(default=None, max_length=500)
    visibility: Literal["public", "partners", "restricted"] = "public"
    sample: bool = False

    @field_validator("country")
    @classmethod
    def _country(cls, value: str) -> str:
        import pycountry

        code = value.upper()
        if len(code) != 2 or pycountry.countries.get(alpha_2=code) is None:
            raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-2 country code")
        return code

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


def _ring_problems(ring: Any, where: str) -> list[tuple[str, str]]:
    if not isinstance(ring, list) or len(ring) < 4:
        return [(where, "a ring needs at least 4 positions (closed)")]
    out: list[tuple[str, str]] = []
    for i, pos in enumerate(ring):
        if (
            not isinstance(pos, list)
            or len(pos) not in (2, 3)
            or not all(isinstance(c, int | float) and not isinstance(c, bool) for c in pos)
        ):
            return [(f"{where}[{i}]", "expected [longitude, latitude] numbers")]
        lon, lat = float(pos[0]), float(pos[1])
        if not (math.isfinite(lon) and math.isfinite(lat)):
            return [(f"{where}[{i}]", "coordinates must be finite numbers")]
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            out.append((f"{where}[{i}]", f"({lon}, {lat}) is outside lon/lat range"))
    if ring[0][:2] != ring[-1][:2]:
        out.append((where, "ring is not closed (first and last positions differ)"))
    return out


def _polygon_problems(geometry: Any) -> list[tuple[str, str]]:
    if not isinstance(geometry, dict):
        return [("geometry", "required: a Polygon or MultiPolygon")]
    kind = geometry.get("type")
    coords = geometry.get("coordinates")
    if kind not in ("Polygon", "MultiPolygon"):
        return [("geometry.type", f"must be 'Polygon' or 'MultiPolygon', got {kind!r}")]
    if not isinstance(coords, list) or not coords:
        return [("geometry.coordinates", "empty geometry")]
    polygons = [coords] if kind == "Polygon" else coords
    out: list[tuple[str, str]] = []
    for p, rings in enumerate(polygons):
        base = "geometry.coordinates" + (f"[{p}]" if kind == "MultiPolygon" else "")
        if not isinstance(rings, list) or not rings:
            out.append((base, "a polygon needs an outer ring"))
            continue
        for r, ring in enumerate(rings):
            out += _ring_problems(ring, f"{base}[{r}]")
    if out:
        return out
    import shapely
    from shapely.validation import explain_validity

    shape = shapely.geometry.shape(geometry)
    if not shape.is_valid:
        return [("geometry", f"invalid polygon: {explain_validity(shape)}")]
    if shape.is_empty or shape.area == 0:
        return [("geometry", "the polygon has no area")]
    return []


def validate_risk_zone(
    feature: Any,
    *,
    index: int | None = None,
    require_id: bool = True,
    country_tolerance_km: float = 0.0,
) -> RiskZoneItem:
    """Validate one GeoJSON Feature as a risk zone (every problem reported).

    ``country_tolerance_km`` is accepted for a uniform validator signature; zones may reach
    across borders (a border crossing is a typical zone).

    Raises
    ------
    RegistryValidationError
    """
    from geomap.registry.validate import FeatureFrame

    frame = FeatureFrame(feature, index=index, require_id=require_id)
    problems, problem, fid_text = frame.problems, frame.problem, frame.id
    for field, message in _polygon_problems(feature.get("geometry")):
        problem(field, message)
    properties = feature.get("properties")
    model: RiskZoneProperties | None = None
    if not isinstance(properties, dict):
        problem("properties", "required: an object")
    else:
        try:
            model = RiskZoneProperties.model_validate(properties)
        except ValidationError as exc:
            for error in exc.errors():
                path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error["loc"])
                problem(f"properties{path}", error["msg"].removeprefix("Value error, "))
    if problems or model is None:
        raise RegistryValidationError(problems)
    del country_tolerance_km
    return RiskZoneItem(
        id=fid_text or "",
        properties=model.model_dump(mode="json", exclude_none=True),
        shape=feature["geometry"],
    )


def validate_risk_collection(collection: Any) -> list[RiskZoneItem]:
    """Validate a FeatureCollection of risk zones; every problem is reported."""
    from geomap.registry.validate import validate_collection

    return validate_collection(collection, validator=validate_risk_zone)


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
