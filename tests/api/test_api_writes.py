"""Part 4 writes against a real server: create, replace, merge patch, retire, history, restore."""

from __future__ import annotations

import uuid

from api.models import History, PlaceFeature
from tests.api.seed import CUCUTA, PORTO_ALEGRE, assert_problem, dump, feature

GEOJSON = {"Content-Type": "application/geo+json"}
PATCH = {"Content-Type": "application/merge-patch+json"}


def create(client, body: dict, reason: str = "new place") -> tuple[str, str]:
    response = client.post(
        "/collections/places/items", json=body, headers={**GEOJSON, "X-Change-Reason": reason}
    )
    assert response.status_code == 201, response.text
    fid = response.json()["id"]
    assert response.headers["location"].endswith(f"/collections/places/items/{fid}")
    return fid, response.headers["etag"]


def test_post_assigns_the_id_and_answers_201_with_location_and_etag(clients) -> None:
    admin = clients["admin"]
    body = feature(*PORTO_ALEGRE, name="Novo espaço")
    fid, etag = create(admin, body)
    uuid.UUID(fid)  # server-assigned
    got = clients["anonymous"].get(f"/collections/places/items/{fid}")
    assert got.headers["etag"] == etag
    PlaceFeature.model_validate(got.json())
    assert got.json()["properties"]["name"] == {"es": "Novo espaço"}
    assert got.json()["properties"]["version"] == 1


def test_post_with_an_id_is_refused_and_stores_nothing(clients, seeded) -> None:
    before = dump(seeded.db)
    body = feature(*PORTO_ALEGRE, fid="my-own-id")
    response = clients["admin"].post("/collections/places/items", json=body, headers=GEOJSON)
    problem = assert_problem(response, 422, "id")
    assert "assigned by the server" in problem["errors"][0]["message"]
    assert dump(seeded.db) == before


def test_put_replaces_with_if_match_and_round_trips_a_get(clients) -> None:
    admin = clients["admin"]
    fid, etag = create(admin, feature(*PORTO_ALEGRE))
    served = admin.get(f"/collections/places/items/{fid}").json()  # has version and links
    served["properties"]["capacity"] = 40
    response = admin.put(
        f"/collections/places/items/{fid}", json=served, headers={**GEOJSON, "If-Match": etag}
    )
    assert response.status_code == 200, response.text
    assert response.json()["properties"]["capacity"] == 40
    assert response.json()["properties"]["version"] == 2
    new_etag = response.headers["etag"]
    assert new_etag != etag
    # the same content again: no new version, same ETag
    again = admin.put(
        f"/collections/places/items/{fid}", json=served, headers={**GEOJSON, "If-Match": new_etag}
    )
    assert again.status_code == 200
    assert again.headers["etag"] == new_etag


def test_put_needs_if_match_and_a_fresh_one(clients) -> None:
    admin = clients["admin"]
    fid, etag = create(admin, feature(*PORTO_ALEGRE))
    url = f"/collections/places/items/{fid}"
    body = feature(*PORTO_ALEGRE, name="Outro nome")
    assert_problem(admin.put(url, json=body, headers=GEOJSON), 428, "If-Match")
    assert_problem(admin.put(url, json=body, headers={**GEOJSON, "If-Match": "*"}), 400, "If-Match")
    assert admin.put(url, json=body, headers={**GEOJSON, "If-Match": etag}).status_code == 200
    stale = admin.put(url, json=body, headers={**GEOJSON, "If-Match": etag})
    assert_problem(stale, 412, "If-Match")
    other = {**body, "id": "someone-else"}
    fresh = admin.get(url).headers["etag"]
    assert_problem(admin.put(url, json=other, headers={**GEOJSON, "If-Match": fresh}), 422, "id")


def test_patch_is_a_json_merge_patch(clients) -> None:
    admin = clients["admin"]
    fid, etag = create(admin, feature(*PORTO_ALEGRE, capacity=10, admin1="Rio Grande do Sul"))
    url = f"/collections/places/items/{fid}"
    patch = {
        "geometry": {"coordinates": [-51.2, -30.0]},
        "properties": {"name": {"pt": "Espaço"}, "capacity": 25, "admin1": None},
    }
    response = admin.patch(url, json=patch, headers={**PATCH, "If-Match": etag})
    assert response.status_code == 200, response.text
    props = response.json()["properties"]
    assert response.json()["geometry"] == {"type": "Point", "coordinates": [-51.2, -30.0]}
    assert props["name"] == {"es": "Espaço de apoio", "pt": "Espaço"}  # merged
    assert props["capacity"] == 25
    assert "admin1" not in props  # null removes
    assert props["services"] == ["food", "connectivity"]  # untouched
    # a bad patch is refused whole
    bad = {"properties": {"capacity": 30, "services": ["teleportation"]}}
    etag = response.headers["etag"]
    assert_problem(
        admin.patch(url, json=bad, headers={**PATCH, "If-Match": etag}),
        422,
        "properties.services",
    )
    assert admin.get(url).json()["properties"]["capacity"] == 25


def test_delete_retires_then_history_and_restore_bring_it_back(clients) -> None:
    admin, anonymous = clients["admin"], clients["anonymous"]
    fid, etag = create(admin, feature(*CUCUTA, "CO", name="Punto temporal"), reason="abre")
    url = f"/collections/places/items/{fid}"
    assert_problem(admin.delete(url), 428, "If-Match")
    deleted = admin.delete(url, headers={"If-Match": etag, "X-Change-Reason": "cerró".encode()})
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert_problem(anonymous.get(url), 404)
    assert_problem(anonymous.get(f"{url}/history"), 404)
    listed = anonymous.get("/collections/places/items", params={"limit": 1000}).json()
    assert fid not in [f["id"] for f in listed["features"]]
    history = admin.get(f"{url}/history")
    assert history.status_code == 200
    doc = History.model_validate(history.json())
    assert [(v.version, v.op, v.retired) for v in doc.versions] == [
        (1, "create", False),
        (2, "retire", True),
    ]
    assert [v.why for v in doc.versions] == ["abre", "cerró"]
    assert doc.versions[0].who == "admin-test"
    assert history.headers["etag"] == deleted.headers["etag"] == doc.etag
    restored = admin.post(f"{url}/history/1/restore", headers={"If-Match": doc.etag})
    assert restored.status_code == 200, restored.text
    assert restored.json()["properties"]["version"] == 3
    assert anonymous.get(url).status_code == 200
    after = admin.get(f"{url}/history").json()
    assert after["versions"][-1]["op"] == "restore:1"
    # anonymous callers see the history of public items, without who and why
    public = anonymous.get(f"{url}/history").json()
    assert [v["version"] for v in public["versions"]] == [1, 2, 3]
    assert {v["who"] for v in public["versions"]} == {None}
    assert {v["why"] for v in public["versions"]} == {None}


def test_restore_needs_a_fresh_if_match_and_an_existing_version(clients) -> None:
    admin = clients["admin"]
    fid, etag = create(admin, feature(*PORTO_ALEGRE))
    url = f"/collections/places/items/{fid}"
    assert_problem(admin.post(f"{url}/history/1/restore"), 428, "If-Match")
    assert_problem(admin.post(f"{url}/history/9/restore", headers={"If-Match": etag}), 404)
    assert_problem(admin.post(f"{url}/history/x/restore", headers={"If-Match": etag}), 400)
    huge = f"{url}/history/{10**30}/restore"
    assert_problem(admin.post(huge, headers={"If-Match": etag}), 400)
    ok = admin.post(f"{url}/history/1/restore", headers={"If-Match": etag})
    assert ok.status_code == 200
    assert_problem(admin.post(f"{url}/history/1/restore", headers={"If-Match": etag}), 412)


def test_change_reason_is_kept_as_utf8(clients, server) -> None:
    admin = clients["admin"]
    reason = "reabertura após enchente"
    # raw UTF-8 bytes in the header, as clients send them
    response = admin.post(
        "/collections/places/items",
        json=feature(*PORTO_ALEGRE),
        headers={**GEOJSON, "X-Change-Reason": reason.encode("utf-8")},
    )
    assert response.status_code == 201, response.text
    history = admin.get(f"/collections/places/items/{response.json()['id']}/history").json()
    assert history["versions"][0]["why"] == reason
    too_long = admin.post(
        "/collections/places/items",
        json=feature(*PORTO_ALEGRE),
        headers={**GEOJSON, "X-Change-Reason": "x" * 501},
    )
    assert_problem(too_long, 400, "X-Change-Reason")


def test_writes_are_visible_to_reads_at_once(clients) -> None:
    admin, anonymous = clients["admin"], clients["anonymous"]
    before = anonymous.get("/collections/places/items", params={"limit": 1}).json()["numberMatched"]
    create(admin, feature(-51.0, -30.0))
    hidden, _ = create(admin, feature(-51.0, -30.0, visibility="restricted"))
    after = anonymous.get("/collections/places/items", params={"limit": 1}).json()["numberMatched"]
    assert after == before + 1
    assert_problem(anonymous.get(f"/collections/places/items/{hidden}"), 404)
    assert admin.get(f"/collections/places/items/{hidden}").status_code == 200


def test_plain_json_media_types_are_accepted(clients) -> None:
    admin = clients["admin"]
    plain = {"Content-Type": "application/json; charset=utf-8"}
    created = admin.post("/collections/places/items", json=feature(*PORTO_ALEGRE), headers=plain)
    assert created.status_code == 201, created.text
    url = f"/collections/places/items/{created.json()['id']}"
    patched = admin.patch(
        url,
        json={"properties": {"status": "closed"}},
        headers={**plain, "If-Match": created.headers["etag"]},
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["properties"]["status"] == "closed"
