"""Country checks on Natural Earth 1:10m outlines: islands belong to their countries, the sea
does not.

Distances reported by the validator are compared with an independent computation: the
geodesic distance (pyproj) from the point to every vertex of the shipped outline, an upper
bound that the distance to the outline's edges may undercut by at most half an edge.
"""

from __future__ import annotations

import json

import pytest
from pyproj import Geod

from geomap.errors import RegistryValidationError
from geomap.registry.boundaries import BOUNDARIES, shipped_countries
from geomap.registry.validate import COUNTRY_TOLERANCE_KM, validate_place
from tests.registry.placegen import feature

#: Island towns the countryinfo outlines put 359-1,045 km out at sea (or did not check).
ISLANDS = {
    "san-andres": ((-81.7006, 12.5847), "CO"),
    "providencia": ((-81.3733, 13.3486), "CO"),
    "galapagos-puerto-ayora": ((-90.3134, -0.7432), "EC"),
    "galapagos-san-cristobal": ((-89.6137, -0.9017), "EC"),
    "fernando-de-noronha": ((-32.4236, -3.8403), "BR"),
    "aruba-oranjestad": ((-70.0270, 12.5186), "AW"),
    "curacao-willemstad": ((-68.9335, 12.1084), "CW"),
}
#: In the Caribbean north-west of Cartagena, about 100 km from the nearest Colombian land.
AT_SEA = (-76.05, 11.33)


def vertex_km(lon: float, lat: float, country: str) -> float:
    """Geodesic km from a point to the nearest vertex of the shipped outline of ``country``."""
    collection = json.loads(BOUNDARIES.read_text(encoding="utf-8"))
    [shape] = [f["geometry"] for f in collection["features"] if f["id"] == country]
    polygons = shape["coordinates"] if shape["type"] == "MultiPolygon" else [shape["coordinates"]]
    lons = [p[0] for polygon in polygons for ring in polygon for p in ring]
    lats = [p[1] for polygon in polygons for ring in polygon for p in ring]
    geod = Geod(ellps="WGS84")
    _, _, metres = geod.inv([lon] * len(lons), [lat] * len(lats), lons, lats)
    return min(metres) / 1000.0


@pytest.mark.parametrize(("point", "country"), ISLANDS.values(), ids=ISLANDS.keys())
def test_island_places_are_accepted_in_their_countries(
    point: tuple[float, float], country: str
) -> None:
    place = validate_place(feature("island-1", point, country=country), country_tolerance_km=1.0)
    assert place.properties["country"] == country


@pytest.mark.parametrize(
    ("point", "declared"),
    [(ISLANDS["aruba-oranjestad"][0], "CW"), (ISLANDS["curacao-willemstad"][0], "AW")],
    ids=["aruba-declared-curacao", "curacao-declared-aruba"],
)
def test_aruba_and_curacao_are_checked(point: tuple[float, float], declared: str) -> None:
    with pytest.raises(RegistryValidationError) as info:
        validate_place(feature("island-2", point, country=declared))
    (problem,) = info.value.problems
    assert problem["field"] == "geometry"
    assert problem["message"].endswith(f"km outside its declared country {declared}")


def test_a_point_100_km_out_at_sea_is_refused() -> None:
    with pytest.raises(RegistryValidationError) as info:
        validate_place(feature("sea-1", AT_SEA, country="CO"))
    (problem,) = info.value.problems
    assert problem["field"] == "geometry"
    km = float(problem["message"].split(" is ")[1].split(" km")[0])
    independent = vertex_km(*AT_SEA, "CO")
    assert km > 4 * COUNTRY_TOLERANCE_KM
    assert independent - 2 <= km <= independent + 0.5


def test_the_border_tolerance_is_kept() -> None:
    # Ipiales' side of the Rumichaca bridge, and 1.5 km into Ecuador on the road to Tulcán
    assert validate_place(feature("b-1", (-77.6656, 0.8161), country="EC")).id == "b-1"
    assert validate_place(feature("b-2", (-77.685, 0.80), country="CO")).id == "b-2"


def test_the_shipped_outlines_cover_latin_america_and_the_caribbean() -> None:
    codes = shipped_countries()
    r4v = {"AR", "BO", "BR", "CL", "CO", "CR", "DO", "EC", "GY", "MX", "PA", "PE", "PY", "TT"}
    assert r4v | {"UY", "AW", "CW", "VE", "GF", "GP", "MQ", "CU", "HT", "JM"} <= codes
    assert "US" not in codes
    assert "FR" not in codes
