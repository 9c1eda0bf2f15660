"""Risk-zone geometry is checked and rebuilt, never stored as sent."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from geomap.errors import RegistryValidationError
from geomap.registry.risk import validate_risk_collection, validate_risk_zone
from tests.paths import DATA

ZONES = json.loads((DATA / "porto_alegre" / "sample_risk_zones.geojson").read_text())
RING = [[-51.206, -30.042], [-51.199, -30.042], [-51.199, -30.036], [-51.206, -30.036]]


def zone(ring: list[list[Any]] | None = None, **geometry_members: Any) -> dict[str, Any]:
    ring = copy.deepcopy(ring or RING)
    closed = [*ring, ring[0]]
    return {
        "type": "Feature",
        "id": "z-1",
        "geometry": {"type": "Polygon", "coordinates": [closed], **geometry_members},
        "properties": {
            "name": "Zona",
            "country": "BR",
            "risk_type": "crime_hotspot",
            "level": "high",
        },
    }


def problems_of(f: dict[str, Any]) -> list[dict[str, Any]]:
    with pytest.raises(RegistryValidationError) as info:
        validate_risk_zone(f)
    return info.value.problems


def test_the_sample_zones_are_valid() -> None:
    assert len(validate_risk_collection(ZONES)) == len(ZONES["features"])


def test_the_geometry_is_rebuilt_from_the_checked_numbers() -> None:
    ring = [[-51206 / 1000, -30.042], [-51.199, -30042 / 1000], [-51.199, -30], [-51.206, -30]]
    ring[2][1] = -30  # an integer in JSON
    stored = validate_risk_zone(zone(ring, bbox=[-51.206, -30.042, -51.199, -30])).geometry()
    assert set(stored) == {"type", "coordinates"}
    assert all(isinstance(c, float) for p in stored["coordinates"][0] for c in p)


def test_foreign_members_are_refused() -> None:
    (problem,) = problems_of(zone(crs={"type": "name", "junk": "x" * 1024}))
    assert problem["field"] == "geometry"
    assert problem["message"].startswith("unknown member(s) 'crs'")
    assert len(problem["message"]) < 200


def test_a_height_is_refused() -> None:
    ring = [[*p, 12.0] for p in RING]
    (problem,) = problems_of(zone(ring))
    assert problem["field"] == "geometry.coordinates[0][0]"
    assert problem["message"].startswith("has 3 numbers")


@pytest.mark.parametrize("value", [10**309, -(10**400)])
def test_integers_too_large_for_a_float(value: int) -> None:
    ring = copy.deepcopy(RING)
    ring[1][0] = value
    (problem,) = problems_of(zone(ring))
    assert problem == {
        "index": None,
        "id": "z-1",
        "field": "geometry.coordinates[0][1]",
        "message": "coordinates must be finite numbers",
    }


def test_a_zone_far_from_its_declared_country_is_refused() -> None:
    swapped = [[lat, lon] for lon, lat in RING]  # lat/lon swapped: the Indian Ocean
    (problem,) = problems_of(zone(swapped))
    assert problem["field"] == "geometry"
    assert "km outside its declared country BR" in problem["message"]
    assert "swapped" in problem["message"]
    offshore = [[lon + 25.0, lat] for lon, lat in RING]  # 2,400 km east, in the Atlantic
    assert problems_of(zone(offshore))[0]["field"] == "geometry"


def test_a_zone_across_a_border_is_accepted() -> None:
    # Rumichaca: from Ipiales (CO) over the bridge into Tulcán (EC), declared either way
    ring = [[-77.70, 0.79], [-77.64, 0.79], [-77.64, 0.84], [-77.70, 0.84]]
    for country in ("CO", "EC"):
        f = zone(ring)
        f["properties"]["country"] = country
        assert validate_risk_zone(f).properties["country"] == country


def test_names_without_control_characters() -> None:
    f = zone()
    f["properties"]["name"] = "Zona\x00"
    (problem,) = problems_of(f)
    assert problem["field"] == "properties.name"
