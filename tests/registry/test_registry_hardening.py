"""What an attacker or a careless export sends: huge integers, NUL characters, megabyte names,
heights, thousands of problems. Each is a precise problem, never an exception or a silent fix.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from geomap.errors import RegistryValidationError
from geomap.registry.validate import (
    MAX_PROBLEMS,
    parse_json,
    validate_collection,
    validate_place,
)
from tests.registry.placegen import CITIES, collection, feature

HUGE = 10**309  # a JSON integer Python reads exactly, too large for any float


def problems_of(f: Any) -> list[dict[str, Any]]:
    with pytest.raises(RegistryValidationError) as info:
        validate_place(f)
    return info.value.problems


@pytest.mark.parametrize("where", [0, 1], ids=["longitude", "latitude"])
def test_an_integer_too_large_for_a_float_is_a_problem(where: int) -> None:
    f = feature("big-1", "bogota")
    f["geometry"]["coordinates"][where] = HUGE
    assert problems_of(f) == [
        {
            "index": None,
            "id": "big-1",
            "field": "geometry.coordinates",
            "message": "coordinates must be finite numbers",
        }
    ]


def test_huge_integers_survive_strict_json_parsing_and_are_refused_after() -> None:
    text = json.dumps(feature("big-2", "bogota")).replace("-74.0817", "1" + "0" * 309)
    parsed = parse_json(text)
    assert parsed["geometry"]["coordinates"][0] == HUGE
    assert problems_of(parsed)[0]["field"] == "geometry.coordinates"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": {"es": "Casa\x00"}}, "properties.name.es"),
        ({"organizations": ["ACNUR", "OIM\x00x"]}, "properties.organizations[1]"),
        ({"admin1": "Norte\x1b[31m"}, "properties.admin1"),
        ({"source": "a\x7fb"}, "properties.source"),
        ({"verified_by": "x\x00"}, "properties.verified_by"),
        ({"contact": {"email": "a\x00@b.org"}}, "properties.contact.email"),
    ],
    ids=["name", "organization", "escape", "delete", "verified-by", "email"],
)
def test_control_characters_are_refused(overrides: dict[str, Any], field: str) -> None:
    (problem,) = problems_of(feature("nul-1", **overrides))
    assert problem["field"] == field
    assert problem["message"].startswith("must not contain control characters (found U+00")


def test_a_900_kb_organization_name_is_refused_and_not_echoed() -> None:
    name = "A" * 900_000
    (problem,) = problems_of(feature("org-1", organizations=[name]))
    assert problem["field"] == "properties.organizations[0]"
    assert "at most 200 characters" in problem["message"]
    assert len(json.dumps(problem)) < 300


def test_quoted_input_is_cut_short() -> None:
    (problem,) = problems_of(feature("q-1", country="X" * 10_000))
    assert problem["field"] == "properties.country"
    assert problem["message"].endswith("… is not an ISO 3166-1 alpha-2 country code")
    assert len(problem["message"]) < 120
    (problem,) = problems_of(feature("q-2", **{"k" * 5_000: 1}))
    assert len(problem["field"]) < 80


def test_a_huge_bad_import_lists_a_bounded_number_of_problems() -> None:
    bad = [feature(f"bad-{i}", services=["teleportation"]) for i in range(5_000)]
    with pytest.raises(RegistryValidationError) as info:
        validate_collection(collection(*bad))
    problems = info.value.problems
    assert len(problems) == MAX_PROBLEMS + 1
    assert problems[-1]["message"].startswith(f"{5_000 - MAX_PROBLEMS} more problem(s)")
    assert str(info.value) == "5000 problem(s) in 5000 feature(s)"
    assert len(json.dumps(problems)) < 100 * 1024


def test_geometry_foreign_members_are_refused() -> None:
    f = feature("crs-1", "bogota")
    f["geometry"]["crs"] = {"type": "name", "properties": {"name": "x" * 1000}}
    (problem,) = problems_of(f)
    assert problem["field"] == "geometry"
    assert problem["message"].startswith("unknown member(s) 'crs'")
    f["geometry"] = {**f["geometry"], "bbox": [0, 0, 1, 1]}
    del f["geometry"]["crs"]
    assert validate_place(f).geometry() == {
        "type": "Point",
        "coordinates": list(CITIES["bogota"][:2]),
    }


def test_p_codes_are_checked_against_the_country_and_each_other() -> None:
    ok = validate_place(feature("pc-1", "cucuta", admin1_pcode="co54", admin2_pcode="CO54001"))
    assert (ok.properties["admin1_pcode"], ok.properties["admin2_pcode"]) == ("CO54", "CO54001")
    (problem,) = problems_of(feature("pc-2", "cucuta", admin1_pcode="BR43"))
    assert problem == {
        "index": None,
        "id": "pc-2",
        "field": "properties.admin1_pcode",
        "message": "BR43 is not a P-code of CO",
    }
    (problem,) = problems_of(feature("pc-3", "cucuta", admin1_pcode="CO54", admin2_pcode="CO11001"))
    assert problem["field"] == "properties.admin2_pcode"
    assert "does not lie in admin1 CO54" in problem["message"]
    (problem,) = problems_of(feature("pc-4", "cucuta", admin2_pcode="Cúcuta"))
    assert problem["field"] == "properties.admin2_pcode"
    assert "is not a P-code" in problem["message"]
