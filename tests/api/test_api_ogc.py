"""OGC API – Features Part 1 read routes against a real server: documents, paging, filters."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from api.models import (
    CollectionInfo,
    CollectionList,
    Conformance,
    LandingPage,
    PlaceCollection,
    PlaceFeature,
)
from tests.api.seed import PUBLIC, assert_problem

PUBLIC_IDS = sorted([f["id"] for f in PUBLIC] + ["co-once-x"])


def rel(doc: dict, name: str) -> dict:
    [found] = [link for link in doc["links"] if link["rel"] == name]
    return found


def test_landing_page_links_to_every_part(anonymous, server) -> None:
    for params, headers in (({}, {}), ({"f": "json"}, {}), ({}, {"Accept": "application/json"})):
        response = anonymous.get("/", params=params, headers=headers)
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        LandingPage.model_validate(response.json())
    doc = response.json()
    assert rel(doc, "service-desc") == {
        "href": f"{server.url}/api",
        "rel": "service-desc",
        "type": "application/vnd.oai.openapi+json;version=3.0",
        "title": "The API definition (OpenAPI 3.0)",
    }
    assert rel(doc, "conformance")["href"] == f"{server.url}/conformance"
    assert rel(doc, "data")["href"] == f"{server.url}/collections"


def test_conformance_declares_core_geojson_oas30_and_part4(anonymous) -> None:
    response = anonymous.get("/conformance")
    classes = Conformance.model_validate(response.json()).conforms_to
    base = "http://www.opengis.net/spec/ogcapi-features-"
    for suffix in ("1/1.0/conf/core", "1/1.0/conf/geojson", "1/1.0/conf/oas30"):
        assert base + suffix in classes
    assert base + "4/1.0/conf/create-replace-delete" in classes


def test_api_is_a_valid_openapi_30_document(anonymous) -> None:
    response = anonymous.get("/api")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/vnd.oai.openapi+json;version=3.0"
    doc = response.json()
    assert doc["openapi"].startswith("3.0.")
    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(doc)
    items = doc["paths"]["/collections/places/items"]
    names = {p["name"] for p in items["get"]["parameters"]}
    assert {"bbox", "limit", "offset", "kind", "status", "country", "services"} <= names
    assert {"filter", "filter-lang", "sortby"} <= names
    [limit] = [p for p in items["get"]["parameters"] if p["name"] == "limit"]
    assert limit["schema"]["maximum"] == 1000
    assert limit["schema"]["default"] == 10
    assert {"post"} <= set(items)
    item = doc["paths"]["/collections/places/items/{featureId}"]
    assert {"get", "put", "patch", "delete"} <= set(item)
    assert "application/problem+json" in item["put"]["responses"]["412"]["content"]
    # one schema per collection: each path names its own parameters and models
    zones = doc["paths"]["/collections/risk_zones/items"]
    zone_names = {p["name"] for p in zones["get"]["parameters"]}
    assert {"level", "risk_type", "country", "filter"} <= zone_names
    assert not {"kind", "status", "services"} & zone_names
    assert "level" not in names
    answer = zones["get"]["responses"]["200"]["content"]["application/geo+json"]["schema"]
    assert answer == {"$ref": "#/components/schemas/RiskZoneCollection"}
    body = doc["paths"]["/collections/risk_zones/import"]["post"]["requestBody"]
    assert body["content"]["application/geo+json"]["schema"]["$ref"].endswith("/RiskZoneImport")
    point = doc["components"]["schemas"]["PlaceFeature"]["properties"]["geometry"]
    assert "nullable" not in point
    assert not any("{collectionId}" in path for path in doc["paths"])


def test_collections_and_collection_show_the_public_extent(anonymous) -> None:
    listing = anonymous.get("/collections").json()
    CollectionList.model_validate(listing)
    places, zones, pathways, messages = listing["collections"]
    assert [zones["id"], pathways["id"], messages["id"]] == [
        "risk_zones",
        "referral_pathways",
        "messages",
    ]
    assert "extent" not in zones  # no risk zone in this database
    one = anonymous.get("/collections/places").json()
    CollectionInfo.model_validate(one)
    assert one == places
    xs = [f["geometry"]["coordinates"][0] for f in PUBLIC]
    ys = [f["geometry"]["coordinates"][1] for f in PUBLIC]
    assert one["extent"]["spatial"]["bbox"] == [[min(xs), min(ys), max(xs), max(ys)]]
    assert rel(one, "items")["type"] == "application/geo+json"


def test_items_are_geojson_with_counts_and_etags(anonymous) -> None:
    response = anonymous.get("/collections/places/items", params={"limit": 100})
    assert response.headers["content-type"] == "application/geo+json"
    page = response.json()
    PlaceCollection.model_validate(page)
    assert [f["id"] for f in page["features"]] == PUBLIC_IDS
    assert page["numberMatched"] == page["numberReturned"] == len(PUBLIC_IDS)
    one = anonymous.get("/collections/places/items/br-01")
    assert one.headers["content-type"] == "application/geo+json"
    PlaceFeature.model_validate(one.json())
    etag = one.headers["etag"]
    assert re.fullmatch(r'"[0-9a-f]+"', etag)  # strong, quoted
    assert (
        anonymous.get(
            "/collections/places/items/br-01", headers={"If-None-Match": etag}
        ).status_code
        == 304
    )


def test_paging_walks_every_item_once_with_next_and_prev(anonymous) -> None:
    url = "/collections/places/items?limit=2"
    seen, pages = [], []
    while url:
        page = anonymous.get(url).json()
        pages.append(page)
        seen += [f["id"] for f in page["features"]]
        assert page["numberMatched"] == len(PUBLIC_IDS)
        nxt = [link for link in page["links"] if link["rel"] == "next"]
        url = nxt[0]["href"] if nxt else None
    assert seen == PUBLIC_IDS
    assert len(pages) == 5
    assert not [link for link in pages[0]["links"] if link["rel"] == "prev"]
    prev = parse_qs(urlsplit(rel(pages[2], "prev")["href"]).query)
    assert prev["offset"] == ["2"]
    assert prev["limit"] == ["2"]
    assert pages[-1]["numberReturned"] == 1


def test_paging_links_keep_the_filters(anonymous) -> None:
    page = anonymous.get("/collections/places/items", params={"country": "BR", "limit": 1}).json()
    query = parse_qs(urlsplit(rel(page, "next")["href"]).query)
    assert query == {"country": ["BR"], "limit": ["1"], "offset": ["1"]}


def ids(anonymous, **params) -> list[str]:
    response = anonymous.get("/collections/places/items", params={"limit": 1000, **params})
    assert response.status_code == 200, response.text
    page = response.json()
    assert page["numberMatched"] == page["numberReturned"]
    return [f["id"] for f in page["features"]]


def test_property_filters(anonymous) -> None:
    assert ids(anonymous, country="CO") == ["co-01", "co-02", "co-03", "co-once-x"]
    assert ids(anonymous, country="co") == ids(anonymous, country="CO")
    assert ids(anonymous, kind="information_point") == ["br-02", "co-02"]
    assert ids(anonymous, status="temporarily_closed") == ["br-03"]
    food = ["br-01", "br-03", "br-04", "br-05", "co-01", "co-03", "co-once-x"]
    assert ids(anonymous, services="food") == food
    # all of the listed services, not any
    assert ids(anonymous, services="food,connectivity") == ["br-01", "co-01", "co-once-x"]
    assert ids(anonymous, services="food,connectivity", country="BR") == ["br-01"]


def test_bbox_selects_by_location(anonymous) -> None:
    assert ids(anonymous, bbox="-51.22,-30.04,-51.20,-30.01") == ["br-01", "br-04"]
    assert ids(anonymous, bbox="-80,0,-70,10") == ["co-01", "co-02", "co-03", "co-once-x"]
    assert ids(anonymous, bbox="-51.22,-30.04,0,-51.20,-30.01,100") == ["br-01", "br-04"]
    assert ids(anonymous, bbox="10,10,11,11") == []


@pytest.mark.parametrize(
    "value",
    [
        "2024-05-01T10:00:00Z",
        "2024-05-01",
        "2024-01-01T00:00:00Z/..",
        "../2030-01-01T00:00:00+02:00",
    ],
)
def test_datetime_matches_places_which_have_no_time(anonymous, value) -> None:
    assert ids(anonymous, datetime=value) == PUBLIC_IDS


def test_browsers_get_the_map_page_and_f_json_the_landing_page(anonymous) -> None:
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    response = anonymous.get("/", headers={"Accept": browser})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    response = anonymous.get("/", params={"f": "json"}, headers={"Accept": browser})
    LandingPage.model_validate(response.json())


def test_limit_above_the_maximum_is_refused(anonymous) -> None:
    page = anonymous.get("/collections/places/items", params={"limit": 1000}).json()
    assert parse_qs(urlsplit(rel(page, "self")["href"]).query)["limit"] == ["1000"]
    for limit in (1001, 10**30):
        refused = anonymous.get("/collections/places/items", params={"limit": limit})
        assert_problem(refused, 400, "query.limit")


@pytest.mark.parametrize(
    ("params", "field", "words"),
    [
        ({"bbox": "1,2,3"}, "query.bbox", "4 comma-separated numbers"),
        ({"bbox": "a,b,c,d"}, "query.bbox", "must be numbers"),
        ({"bbox": "nan,0,1,1"}, "query.bbox", "finite"),
        ({"bbox": "-200,0,1,1"}, "query.bbox", "west longitude -200.0 is outside"),
        ({"bbox": "0,-95,1,1"}, "query.bbox", "south latitude -95.0 is outside"),
        ({"bbox": "0,5,1,1"}, "query.bbox", "south 5.0 is greater than north 1.0"),
        ({"bbox": "170,0,-170,1"}, "query.bbox", "antimeridian"),
        ({"limit": "0"}, "query.limit", "greater than or equal to 1"),
        ({"limit": "ten"}, "query.limit", "integer"),
        ({"offset": "-1"}, "query.offset", "greater than or equal to 0"),
        ({"offset": str(10**30)}, "query.offset", "less than or equal to"),
        ({"kind": "hospital"}, "query.kind", "unknown kind 'hospital'"),
        ({"status": "open"}, "query.status", "unknown status"),
        ({"services": "food,teleportation"}, "query.services", "'teleportation'"),
        ({"services": ","}, "query.services", "at least one"),
        ({"country": "Colombia"}, "query.country", "should match pattern '^[A-Za-z]{2}$'"),
        ({"f": "xml"}, "query.f", "json"),
        ({"sortby": "services"}, "query.sortby", "services is a list"),
        ({"filter": "kind = 'x'"}, "query.filter", "unknown kind 'x'"),
        ({"filter": "nope = 1"}, "query.filter", "unknown property 'nope'"),
        ({"filter": "kind = 'x'", "filter-lang": "ecql"}, "query.filter-lang", "unknown"),
        ({"level": "avoid"}, "query.level", "collection places has no level"),
        ({"datetime": "yesterday"}, "query.datetime", "RFC 3339"),
        ({"datetime": "2024-05-02T00:00:00Z/2024-05-01T00:00:00Z"}, "query.datetime", "ends"),
        ({"datetime": "../.."}, "query.datetime", "instant or start/end"),
        ({"datetime": "a/b/c"}, "query.datetime", "instant or start/end"),
    ],
)
def test_bad_query_parameters_are_400_with_a_precise_message(
    anonymous, params, field, words
) -> None:
    body = assert_problem(anonymous.get("/collections/places/items", params=params), 400, field)
    assert any(words in e["message"] for e in body["errors"]), body


def test_repeated_and_unknown_parameters_on_every_read_route(anonymous) -> None:
    for path in (
        "/",
        "/conformance",
        "/api",
        "/collections",
        "/collections/places",
        "/collections/places/items/br-01",
        "/collections/places/items/br-01/history",
    ):
        assert_problem(anonymous.get(path, params={"foo": "1"}), 400, "query.foo")
    repeated = anonymous.get("/collections/places/items?limit=1&limit=2")
    body = assert_problem(repeated, 400, "query.limit")
    assert "more than once" in body["detail"]


def test_404_and_405_are_problems(anonymous) -> None:
    assert_problem(anonymous.get("/collections/zones"), 404, "path")
    assert_problem(anonymous.get("/collections/zones/items"), 404, "path")
    assert_problem(anonymous.get("/collections/places/items/nope"), 404, "path")
    assert_problem(anonymous.get("/no/such/thing"), 404, "path")
    body = assert_problem(anonymous.delete("/collections/places"), 405, "method")
    assert "GET" in body["detail"]


def test_no_cookies_and_nosniff(anonymous) -> None:
    for path in ("/", "/collections/places/items", "/collections/places/items/nope"):
        response = anonymous.get(path)
        assert "set-cookie" not in response.headers
        assert response.headers["x-content-type-options"] == "nosniff"


def test_create_app_opens_nothing_until_it_starts(tmp_path) -> None:
    from api.app import create_app
    from geomap.settings import Settings

    db = tmp_path / "later" / "registry.sqlite"
    app = create_app(Settings(registry_db=db))
    assert not db.parent.exists()
    assert not hasattr(app.state, "store")
