"""Validation of registry features: every field rule, precise problems, all of them at once."""

from __future__ import annotations

import copy
import json
import math
from typing import Any

import pytest

from geomap.errors import RegistryValidationError
from geomap.registry.validate import (
    COUNTRY_TOLERANCE_KM,
    parse_json,
    validate_collection,
    validate_place,
)
from tests.registry.placegen import (
    CITIES,
    PACARAIMA,
    RUMICHACA,
    collection,
    feature,
    full_feature,
)


def problems_of(f: Any, **kwargs: Any) -> list[dict[str, Any]]:
    with pytest.raises(RegistryValidationError) as info:
        validate_place(f, **kwargs)
    return info.value.problems


def only_problem(f: Any, **kwargs: Any) -> dict[str, Any]:
    problems = problems_of(f, **kwargs)
    assert len(problems) == 1, problems
    return problems[0]


# ------------------------------------------------------------------ valid input


def test_minimal_feature_gets_the_documented_defaults() -> None:
    p = validate_place(feature("min-1", "bogota"))
    assert p.id == "min-1"
    assert (p.lon, p.lat) == CITIES["bogota"][:2]
    assert p.geometry() == {"type": "Point", "coordinates": list(CITIES["bogota"][:2])}
    assert p.properties == {
        "kind": "support_space",
        "name": {"es": "Espacio de apoyo"},
        "organizations": ["ACNUR"],
        "country": "CO",
        "services": ["information_orientation"],
        "languages": [],
        "populations": ["everyone"],
        "wheelchair": "unknown",
        "status": "active",
        "visibility": "public",
        "sample": False,
    }


def test_every_field_of_the_data_model_is_accepted_and_kept() -> None:
    f = full_feature()
    p = validate_place(f)
    assert p.properties == f["properties"]


def test_strings_are_trimmed_and_country_upper_cased() -> None:
    p = validate_place(
        feature("trim-1", "quito", country="ec", name={"es": "  Casa  ", "en": " Home "})
    )
    assert p.properties["country"] == "EC"
    assert p.properties["name"] == {"es": "Casa", "en": "Home"}


def test_a_third_coordinate_is_refused_not_silently_dropped() -> None:
    f = feature("alt-1", "quito")
    f["geometry"]["coordinates"].append(2850.0)
    assert only_problem(f) == {
        "index": None,
        "id": "alt-1",
        "field": "geometry.coordinates",
        "message": "has 3 numbers: the registry keeps longitude and latitude only; leave the "
        "height out",
    }


def test_integer_id_becomes_text() -> None:
    assert validate_place(feature(7)).id == "7"


def test_id_may_be_omitted_only_when_not_required() -> None:
    assert validate_place(feature(None), require_id=False).id == ""
    assert only_problem(feature(None)) == {
        "index": None,
        "id": None,
        "field": "id",
        "message": "required: a stable identifier",
    }


@pytest.mark.parametrize(
    "hours",
    ["24/7", "Mo-Fr 08:00-17:00", "Mo-Fr 08:00-12:00,14:00-18:00; PH off", "sunrise-sunset"],
)
def test_valid_opening_hours(hours: str) -> None:
    assert validate_place(feature(opening_hours=hours)).properties["opening_hours"] == hours


# ------------------------------------------------------------------ one rule at a time

LONG = "x" * 201

# (property overrides, field path, message fragment)
PROPERTY_CASES: list[tuple[str, dict[str, Any], str, str]] = [
    ("kind-unknown", {"kind": "shelter"}, "properties.kind", "Input should be 'support_space'"),
    ("name-not-object", {"name": "Casa"}, "properties.name", "valid dictionary"),
    ("name-es-missing", {"name": {"pt": "Casa"}}, "properties.name.es", "Field required"),
    ("name-es-blank", {"name": {"es": "   "}}, "properties.name.es", "at least 1 character"),
    ("name-es-long", {"name": {"es": LONG}}, "properties.name.es", "at most 200 characters"),
    ("name-pt-long", {"name": {"es": "a", "pt": LONG}}, "properties.name.pt", "at most 200"),
    (
        "name-extra-language",
        {"name": {"es": "a", "fr": "b"}},
        "properties.name.fr",
        "Extra inputs are not permitted",
    ),
    ("orgs-empty", {"organizations": []}, "properties.organizations", "at least 1 item"),
    (
        "orgs-blank",
        {"organizations": ["ACNUR", "  "]},
        "properties.organizations[1]",
        "String should have at least 1 character",
    ),
    (
        "orgs-too-many",
        {"organizations": [f"org {i}" for i in range(21)]},
        "properties.organizations",
        "at most 20 items",
    ),
    ("orgs-not-list", {"organizations": "ACNUR"}, "properties.organizations", "valid list"),
    ("country-unknown", {"country": "XX"}, "properties.country", "not an ISO 3166-1 alpha-2"),
    ("country-alpha3", {"country": "COL"}, "properties.country", "not an ISO 3166-1 alpha-2"),
    ("admin1-long", {"admin1": LONG}, "properties.admin1", "at most 200 characters"),
    ("admin2-long", {"admin2": LONG}, "properties.admin2", "at most 200 characters"),
    ("services-empty", {"services": []}, "properties.services", "at least 1 item"),
    ("services-not-list", {"services": "food"}, "properties.services", "valid list"),
    (
        "services-unknown",
        {"services": ["food", "haircut"]},
        "properties.services",
        "unknown service code 'haircut' (item 1); known codes: information_orientation",
    ),
    (
        "services-repeated",
        {"services": ["food", "food"]},
        "properties.services",
        "repeated service codes",
    ),
    (
        "hours-bad-day",
        {"opening_hours": "Mo-Zz 08:00-17:00"},
        "properties.opening_hours",
        "invalid OSM opening_hours 'Mo-Zz 08:00-17:00': expected wday",
    ),
    (
        "hours-bad-time",
        {"opening_hours": "Mo-Fr 8-17"},
        "properties.opening_hours",
        "invalid OSM opening_hours 'Mo-Fr 8-17'",
    ),
    (
        "hours-open-range",
        {"opening_hours": "Mo-Fr 08:00-"},
        "properties.opening_hours",
        "expected extended_time",
    ),
    ("hours-empty", {"opening_hours": "  "}, "properties.opening_hours", "invalid OSM"),
    (
        "hours-long",
        {"opening_hours": "Mo-Fr 08:00-17:00;" * 30},
        "properties.opening_hours",
        "at most 500 characters",
    ),
    (
        "languages-unknown",
        {"languages": ["es", "xx"]},
        "properties.languages",
        "not ISO 639 language codes: 'xx'",
    ),
    (
        "populations-unknown",
        {"populations": ["aliens"]},
        "properties.populations",
        "unknown population code 'aliens' (item 0)",
    ),
    (
        "populations-repeated",
        {"populations": ["women", "women"]},
        "properties.populations",
        "repeated population codes",
    ),
    ("populations-empty", {"populations": []}, "properties.populations", "at least 1 item"),
    (
        "wheelchair-unknown",
        {"wheelchair": "maybe"},
        "properties.wheelchair",
        "Input should be 'yes', 'limited', 'no' or 'unknown'",
    ),
    ("contact-not-object", {"contact": "+57 1"}, "properties.contact", "valid dictionary"),
    (
        "contact-phone",
        {"contact": {"phone": "call us"}},
        "properties.contact.phone",
        "'call us' is not a phone number; write a number of CO such as +57 601 234 5678",
    ),
    (
        "contact-whatsapp",
        {"contact": {"whatsapp": "12"}},
        "properties.contact.whatsapp",
        "'12' has the wrong number of digits for a phone number of its country",
    ),
    (
        "contact-email",
        {"contact": {"email": "info.example.org"}},
        "properties.contact.email",
        "must be an e-mail address",
    ),
    (
        "contact-website",
        {"contact": {"website": "www.example.org"}},
        "properties.contact.website",
        "must start with https:// or http://",
    ),
    ("capacity-negative", {"capacity": -1}, "properties.capacity", "greater than or equal to 0"),
    ("capacity-huge", {"capacity": 100_001}, "properties.capacity", "less than or equal to 100000"),
    ("capacity-fraction", {"capacity": 2.5}, "properties.capacity", "valid integer"),
    (
        "status-unknown",
        {"status": "open"},
        "properties.status",
        "Input should be 'active', 'temporarily_closed' or 'closed'",
    ),
    (
        "visibility-unknown",
        {"visibility": "secret"},
        "properties.visibility",
        "Input should be 'public', 'partners' or 'restricted'",
    ),
    ("verified-at-month", {"verified_at": "2024-13-01"}, "properties.verified_at", "valid date"),
    ("verified-at-word", {"verified_at": "yesterday"}, "properties.verified_at", "valid date"),
    ("verified-by-long", {"verified_by": LONG}, "properties.verified_by", "at most 200"),
    ("source-long", {"source": "x" * 501}, "properties.source", "at most 500 characters"),
    ("sample-not-bool", {"sample": "maybe"}, "properties.sample", "valid boolean"),
    ("unknown-property", {"notes": "x"}, "properties.notes", "Extra inputs are not permitted"),
]


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [case[1:] for case in PROPERTY_CASES],
    ids=[case[0] for case in PROPERTY_CASES],
)
def test_each_malformed_property_gives_one_precise_problem(
    overrides: dict[str, Any], field: str, fragment: str
) -> None:
    problem = only_problem(feature("bad-1", "bogota", **overrides), index=4)
    assert problem["index"] == 4
    assert problem["id"] == "bad-1"
    assert problem["field"] == field
    assert fragment in problem["message"], problem["message"]


@pytest.mark.parametrize("missing", ["kind", "name", "organizations", "country", "services"])
def test_required_properties(missing: str) -> None:
    f = feature("req-1")
    del f["properties"][missing]
    assert only_problem(f) == {
        "index": None,
        "id": "req-1",
        "field": f"properties.{missing}",
        "message": "Field required",
    }


@pytest.mark.parametrize(
    "private",
    [
        {"focal_person": "Ana Pérez"},
        {"personal_phone": "+57 300 111 2222"},
        {"name": "Ana"},
        {"address": "Calle 1 # 2-3"},
    ],
    ids=lambda d: next(iter(d)),
)
def test_contact_refuses_private_or_unknown_fields(private: dict[str, str]) -> None:
    contact = {"phone": "+57 1 234 5678", **private}
    problem = only_problem(feature("c-1", contact=contact))
    key = next(iter(private))
    assert problem["field"] == f"properties.contact.{key}"
    assert problem["message"] == "Extra inputs are not permitted"


def _geometry_feature(geometry: Any, *, drop: bool = False) -> dict[str, Any]:
    f = feature("g-1")
    if drop:
        del f["geometry"]
    else:
        f["geometry"] = geometry
    return f


GEOMETRY_CASES: list[tuple[str, Any, str, str]] = [
    ("not-object", [1, 2], "geometry", "must be a GeoJSON geometry object"),
    (
        "line",
        {"type": "LineString", "coordinates": [[0, 0], [1, 1]]},
        "geometry.type",
        "must be 'Point', got 'LineString'",
    ),
    (
        "empty",
        {"type": "Point", "coordinates": []},
        "geometry.coordinates",
        "empty geometry: expected [longitude, latitude]",
    ),
    (
        "no-coordinates",
        {"type": "Point"},
        "geometry.coordinates",
        "empty geometry",
    ),
    (
        "one-number",
        {"type": "Point", "coordinates": [1.0]},
        "geometry.coordinates",
        "expected [longitude, latitude] numbers",
    ),
    (
        "four-numbers",
        {"type": "Point", "coordinates": [1.0, 2.0, 3.0, 4.0]},
        "geometry.coordinates",
        "has 4 numbers: the registry keeps longitude and latitude only",
    ),
    (
        "text",
        {"type": "Point", "coordinates": ["-74.08", "4.61"]},
        "geometry.coordinates",
        "expected [longitude, latitude] numbers",
    ),
    (
        "boolean",
        {"type": "Point", "coordinates": [True, 4.61]},
        "geometry.coordinates",
        "expected [longitude, latitude] numbers",
    ),
    (
        "nan",
        {"type": "Point", "coordinates": [math.nan, 4.61]},
        "geometry.coordinates",
        "coordinates must be finite numbers",
    ),
    (
        "infinity",
        {"type": "Point", "coordinates": [-74.08, math.inf]},
        "geometry.coordinates",
        "coordinates must be finite numbers",
    ),
    (
        "longitude",
        {"type": "Point", "coordinates": [-181.0, 4.61]},
        "geometry.coordinates[0]",
        "longitude -181.0 is outside [-180, 180]",
    ),
    (
        "latitude",
        {"type": "Point", "coordinates": [-74.08, 90.5]},
        "geometry.coordinates[1]",
        "latitude 90.5 is outside [-90, 90]",
    ),
]


@pytest.mark.parametrize(
    ("geometry", "field", "fragment"),
    [case[1:] for case in GEOMETRY_CASES],
    ids=[case[0] for case in GEOMETRY_CASES],
)
def test_each_malformed_geometry_gives_one_precise_problem(
    geometry: Any, field: str, fragment: str
) -> None:
    problem = only_problem(_geometry_feature(geometry))
    assert problem["field"] == field
    assert problem["id"] == "g-1"
    assert fragment in problem["message"], problem["message"]


def test_missing_geometry() -> None:
    problem = only_problem(_geometry_feature(None, drop=True))
    assert problem["field"] == "geometry"
    assert problem["message"] == "required: a Point with [longitude, latitude]"


def test_both_coordinates_out_of_range_give_two_problems() -> None:
    problems = problems_of(_geometry_feature({"type": "Point", "coordinates": [200, -95]}))
    assert [p["field"] for p in problems] == ["geometry.coordinates[0]", "geometry.coordinates[1]"]


@pytest.mark.parametrize(
    ("fid", "shown"),
    [
        ("", ""),
        ("-starts-with-dash", "-starts-with-dash"),
        ("has space", "has space"),
        ("niño", "niño"),
        ("x" * 129, "x" * 129),
        (True, None),
        (1.5, None),
        (["a"], None),
    ],
    ids=["empty", "dash", "space", "non-ascii", "too-long", "bool", "float", "list"],
)
def test_malformed_ids(fid: Any, shown: str | None) -> None:
    problem = only_problem(feature(fid))
    assert problem == {
        "index": None,
        "id": shown,
        "field": "id",
        "message": "must be 1-128 letters, digits, '.', '_' or '-', starting alphanumeric",
    }


def test_longest_allowed_id() -> None:
    assert validate_place(feature("a" + "._-9" * 31 + "xyz")).id.startswith("a._-9")


def test_feature_level_shape() -> None:
    assert only_problem([1, 2]) == {
        "index": None,
        "id": None,
        "field": "feature",
        "message": "must be a GeoJSON Feature object",
    }
    f = feature("t-1")
    f["type"] = "feature"
    assert only_problem(f)["message"] == "must be 'Feature', got 'feature'"
    for props in (None, [], "text"):
        g = feature("t-2")
        g["properties"] = props
        assert only_problem(g) == {
            "index": None,
            "id": "t-2",
            "field": "properties",
            "message": "required: an object",
        }


# ------------------------------------------------------------------ all problems together


def test_every_problem_of_one_feature_is_reported_together() -> None:
    f = feature(
        "many-1",
        kind="shelter",
        name={"es": ""},
        organizations=[],
        services=["food", "nope"],
        contact={"email": "no", "focal_person": "Ana"},
        capacity=-5,
        visibility="secret",
    )
    f["type"] = "Thing"
    f["geometry"]["coordinates"] = [-300.0, 4.6]
    problems = problems_of(f, index=12)
    assert {p["field"] for p in problems} == {
        "type",
        "geometry.coordinates[0]",
        "properties.kind",
        "properties.name.es",
        "properties.organizations",
        "properties.services",
        "properties.contact.email",
        "properties.contact.focal_person",
        "properties.capacity",
        "properties.visibility",
    }
    assert len(problems) == 10
    assert all(p["index"] == 12 and p["id"] == "many-1" for p in problems)
    assert all(p["message"] for p in problems)


def test_every_problem_of_a_collection_is_reported_with_index_and_id() -> None:
    good = feature("ok-0", "lima")
    bad_twice = feature("bad-1", "quito", kind="x", services=[])
    bad_once = feature("bad-3", "caracas", wheelchair="maybe")
    duplicate = feature("ok-0", "santiago")
    fc = collection(good, bad_twice, feature("ok-2", "cucuta"), bad_once, duplicate)
    with pytest.raises(RegistryValidationError) as info:
        validate_collection(fc)
    problems = info.value.problems
    assert [(p["index"], p["id"], p["field"]) for p in problems] == [
        (1, "bad-1", "properties.kind"),
        (1, "bad-1", "properties.services"),
        (3, "bad-3", "properties.wheelchair"),
        (4, "ok-0", "id"),
    ]
    assert problems[3]["message"] == "repeats the id of feature 0"
    assert str(info.value) == "4 problem(s) in 5 feature(s)"


def test_duplicate_ids_each_repeat_is_reported() -> None:
    fc = collection(feature("d"), feature("d", "cucuta"), feature("e"), feature("d", "ipiales"))
    with pytest.raises(RegistryValidationError) as info:
        validate_collection(fc)
    assert [(p["index"], p["id"], p["message"]) for p in info.value.problems] == [
        (1, "d", "repeats the id of feature 0"),
        (3, "d", "repeats the id of feature 0"),
    ]


def test_integer_and_text_ids_that_read_the_same_are_duplicates() -> None:
    with pytest.raises(RegistryValidationError) as info:
        validate_collection(collection(feature(7), feature("7")))
    assert [(p["index"], p["field"]) for p in info.value.problems] == [(1, "id")]


def test_duplicate_of_an_invalid_feature_is_reported_in_the_same_pass() -> None:
    fc = collection(feature("dup", kind="shelter"), feature("dup", "cucuta"))
    with pytest.raises(RegistryValidationError) as info:
        validate_collection(fc)
    assert [(p["index"], p["field"]) for p in info.value.problems] == [
        (0, "properties.kind"),
        (1, "id"),
    ]


def test_valid_collection_returns_places_in_order() -> None:
    fc = collection(*(feature(f"f-{i}", city) for i, city in enumerate(CITIES)))
    assert [p.id for p in validate_collection(fc)] == [f"f-{i}" for i in range(len(CITIES))]
    assert validate_collection({"type": "FeatureCollection", "features": []}) == []


@pytest.mark.parametrize(
    ("fc", "field", "message"),
    [
        ([], "type", "must be a FeatureCollection"),
        ({"type": "Feature"}, "type", "must be a FeatureCollection"),
        ({"type": "FeatureCollection"}, "features", "must be a list"),
        ({"type": "FeatureCollection", "features": {}}, "features", "must be a list"),
    ],
)
def test_collection_shape(fc: Any, field: str, message: str) -> None:
    with pytest.raises(RegistryValidationError) as info:
        validate_collection(fc)
    assert info.value.problems == [{"index": None, "id": None, "field": field, "message": message}]


# ------------------------------------------------------------------ country check


def test_point_far_outside_its_declared_country_is_refused() -> None:
    problem = only_problem(feature("poa-co", "porto_alegre", country="CO"))
    assert problem["field"] == "geometry"
    assert problem["message"].startswith("point (-51.23, -30.0331) is ")
    assert problem["message"].endswith(" km outside its declared country CO")
    km = float(problem["message"].split(" is ")[1].split(" km")[0])
    assert 3000 < km < 4000  # Porto Alegre to the nearest Colombian border


def test_country_problem_is_reported_together_with_other_property_problems() -> None:
    problems = problems_of(feature("x", "porto_alegre", country="CO", services=["nope"]))
    assert [p["field"] for p in problems] == ["properties.services", "geometry"]


@pytest.mark.parametrize(
    ("point", "country"),
    [(RUMICHACA, "EC"), (RUMICHACA, "CO"), (PACARAIMA, "BR"), (PACARAIMA, "VE")],
    ids=["rumichaca-ec", "rumichaca-co", "pacaraima-br", "pacaraima-ve"],
)
def test_border_posts_are_accepted_on_both_sides(point: tuple[float, float], country: str) -> None:
    p = validate_place(feature("border-1", point, country=country))
    assert (p.lon, p.lat) == point
    assert p.properties["country"] == country


# on the road into Tulcán, 1.5 km inside Ecuador from the Rumichaca bridge
TULCAN_ROAD = (-77.685, 0.80)


def test_country_tolerance_is_the_parameter_given() -> None:
    f = feature("border-2", TULCAN_ROAD, country="CO")
    assert COUNTRY_TOLERANCE_KM == 25.0
    problem = only_problem(f, country_tolerance_km=1.0)
    assert problem["field"] == "geometry"
    assert problem["message"].endswith(" is 1 km outside its declared country CO")
    assert validate_place(f, country_tolerance_km=2.0).id == "border-2"


def test_collection_passes_the_tolerance_on() -> None:
    fc = collection(feature("border-3", TULCAN_ROAD, country="CO"))
    with pytest.raises(RegistryValidationError):
        validate_collection(fc, country_tolerance_km=1.0)
    assert len(validate_collection(fc)) == 1


# ------------------------------------------------------------------ strict JSON


@pytest.mark.parametrize(
    ("text", "constant"),
    [
        (b'{"type": "Point", "coordinates": [NaN, 1]}', "NaN"),
        (b'{"capacity": Infinity}', "Infinity"),
        (b'{"coordinates": [-Infinity, 0]}', "-Infinity"),
    ],
)
def test_parse_json_refuses_nan_and_infinity(text: bytes, constant: str) -> None:
    with pytest.raises(RegistryValidationError) as info:
        parse_json(text, what="upload.geojson")
    assert info.value.problems == [
        {
            "index": None,
            "id": None,
            "field": "upload.geojson",
            "message": f"{constant} is not valid JSON",
        }
    ]
    assert str(info.value) == f"upload.geojson: {constant} is not valid JSON"


@pytest.mark.parametrize("literal", [b"1e999", b"-1e400"])
def test_parse_json_refuses_numbers_that_overflow_to_infinity(literal: bytes) -> None:
    with pytest.raises(RegistryValidationError):
        parse_json(b'{"coordinates": [' + literal + b", 0]}")


def test_parse_json_reports_position_and_encoding() -> None:
    with pytest.raises(RegistryValidationError) as info:
        parse_json(b'{"type": "FeatureCollection",\n "features": [1,]}')
    (problem,) = info.value.problems
    assert problem["field"] == "body"
    assert problem["message"].startswith("invalid JSON at line 2 column ")
    with pytest.raises(RegistryValidationError) as info:
        parse_json(b'{"name": "\xff"}')
    assert info.value.problems[0]["message"].startswith("not UTF-8:")


def test_parse_json_accepts_valid_text_and_bytes() -> None:
    fc = collection(feature("j-1"))
    text = json.dumps(fc, ensure_ascii=False)
    assert parse_json(text) == fc
    assert parse_json(text.encode()) == fc
    assert [p.id for p in validate_collection(parse_json(text.encode()))] == ["j-1"]


# ------------------------------------------------------------------ lax coercions


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"capacity": True}, "properties.capacity"),
        ({"capacity": "12"}, "properties.capacity"),
        ({"sample": "yes"}, "properties.sample"),
        ({"verified_at": 0}, "properties.verified_at"),
    ],
    ids=["capacity-bool", "capacity-text", "sample-text", "verified-at-number"],
)
def test_wrong_json_types_are_not_coerced(overrides: dict[str, Any], field: str) -> None:
    assert only_problem(feature("lax-1", **overrides))["field"] == field


def test_validation_does_not_change_its_input() -> None:
    f = full_feature()
    before = copy.deepcopy(f)
    validate_place(f)
    assert f == before
