"""Proposals and feedback through the API: partners propose, officers decide, the public
reports problems anonymously, and nothing of it leaks (the leak crawl, extended)."""

from __future__ import annotations

import pytest

from geomap.registry.store import SQLiteStore
from tests.api.seed import CUCUTA, PORTO_ALEGRE, assert_problem, feature
from tests.api.test_api_leaks import check, public_paths

GEOJSON = {"Content-Type": "application/geo+json"}
JSON = {"Content-Type": "application/json"}
SECRET_NAME = "Casa Propuesta Secretísima"
SECRET_AT = (-72.4987654, 7.9012345)
SECRET_NOTE = "nota-secreta-del-reporte-77"


@pytest.fixture(scope="module")
def other_partner(seeded) -> str:
    store = SQLiteStore(seeded.db)
    try:
        return store.create_token("other-partner", "partner")
    finally:
        store.close()


def propose(client, body: dict, reason: str = "proposal", **headers: str):
    return client.post(
        "/collections/places/proposals",
        json=body,
        headers={**GEOJSON, "X-Change-Reason": reason, **headers},
    )


def test_proposal_approval_makes_it_visible_rejection_never(clients) -> None:
    partner, officer, anonymous = clients["partner"], clients["officer-br"], clients["anonymous"]
    made = propose(partner, feature(*PORTO_ALEGRE, name="Cozinha Nova"), "new kitchen")
    assert made.status_code == 201, made.text
    doc = made.json()
    assert (doc["status"], doc["proposedBy"], doc["baseVersion"]) == (
        "pending",
        "partner-test",
        None,
    )
    assert made.headers["location"].endswith(f"/collections/places/proposals/{doc['id']}")
    item = f"/collections/places/items/{doc['featureId']}"
    assert_problem(anonymous.get(item), 404)
    assert_problem(officer.get(item), 404)
    approved = officer.post(
        f"/collections/places/proposals/{doc['id']}/approve",
        headers={"X-Change-Reason": "verified"},
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"
    got = anonymous.get(item)
    assert got.status_code == 200
    assert got.headers["etag"] == approved.headers["etag"]
    history = clients["admin"].get(f"{item}/history").json()
    assert [(v["who"], v["why"]) for v in history["versions"]] == [("officer-br-test", "verified")]
    # rejected: never visible
    other = propose(partner, feature(*PORTO_ALEGRE, name="Talvez")).json()
    no_reason = officer.post(f"/collections/places/proposals/{other['id']}/reject")
    assert_problem(no_reason, 422, "reason")
    rejected = officer.post(
        f"/collections/places/proposals/{other['id']}/reject",
        headers={"X-Change-Reason": "duplicate"},
    )
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["reason"] == "duplicate"
    for client in clients.values():
        assert_problem(client.get(f"/collections/places/items/{other['featureId']}"), 404)
    again = officer.post(
        f"/collections/places/proposals/{other['id']}/approve", headers={"X-Change-Reason": "x"}
    )
    assert_problem(again, 409)


def test_a_change_proposal_and_a_stale_base(clients) -> None:
    partner, officer, admin = clients["partner"], clients["officer-br"], clients["admin"]
    url = "/collections/places/items/br-04"
    etag = admin.get(url).headers["etag"]
    body = {**admin.get(url).json(), "id": "br-04"}
    body["properties"]["capacity"] = 77
    assert_problem(propose(partner, body, **{"If-Match": '"0000"'}), 412, "If-Match")
    made = propose(partner, body, **{"If-Match": etag})
    assert made.status_code == 201, made.text
    assert made.json()["baseVersion"] == admin.get(url).json()["properties"]["version"]
    # the item moves on before the decision: approval is refused with 412
    patched = admin.patch(
        url,
        json={"properties": {"capacity": 5}},
        headers={"Content-Type": "application/merge-patch+json", "If-Match": etag},
    )
    assert patched.status_code == 200
    stale = officer.post(
        f"/collections/places/proposals/{made.json()['id']}/approve",
        headers={"X-Change-Reason": "ok"},
    )
    assert_problem(stale, 412)
    assert admin.get(url).json()["properties"]["capacity"] == 5


def test_who_may_propose_list_and_decide(clients, other_partner, server) -> None:
    anonymous, partner, officer_co = clients["anonymous"], clients["partner"], clients["officer-co"]
    body = feature(*CUCUTA, "CO", name="Punto propuesto")
    assert_problem(propose(anonymous, body), 401)
    assert_problem(anonymous.get("/collections/places/proposals"), 401)
    mine = propose(partner, body).json()
    with server.client(other_partner) as other:
        listed = other.get("/collections/places/proposals").json()
        assert mine["id"] not in [p["id"] for p in listed["proposals"]]
        hidden = other.get(f"/collections/places/proposals/{mine['id']}")
        missing = other.get("/collections/places/proposals/no-such-proposal")
        assert_problem(hidden, 404)
        assert hidden.text.replace(mine["id"], "X") == missing.text.replace("no-such-proposal", "X")
    assert mine["id"] in [
        p["id"] for p in officer_co.get("/collections/places/proposals").json()["proposals"]
    ]
    assert mine["id"] not in [
        p["id"]
        for p in clients["officer-br"].get("/collections/places/proposals").json()["proposals"]
    ]
    assert_problem(partner.post(f"/collections/places/proposals/{mine['id']}/approve"), 403)
    assert_problem(
        clients["officer-br"].post(
            f"/collections/places/proposals/{mine['id']}/approve",
            headers={"X-Change-Reason": "x"},
        ),
        404,  # not its country: it may not even see it
    )
    pending = officer_co.get("/collections/places/proposals", params={"status": "pending"})
    assert all(p["status"] == "pending" for p in pending.json()["proposals"])
    assert_problem(officer_co.get("/collections/places/proposals", params={"status": "x"}), 400)


def test_a_partners_restricted_proposal_never_leaks(clients, seeded, other_partner, server) -> None:
    """The leak crawl, extended: before and after approval, as the public and another partner."""
    partner, officer = clients["partner"], clients["officer-co"]
    secret = feature(*SECRET_AT, "CO", name=SECRET_NAME, visibility="restricted")
    made = propose(partner, secret, "a safe house")
    assert made.status_code == 201, made.text
    fid = made.json()["featureId"]
    forbidden = [
        ("name", SECRET_NAME),
        ("lon", str(SECRET_AT[0])),
        ("lat", str(SECRET_AT[1])),
        ("id", fid),
    ]
    with server.client(other_partner) as other:
        for stage in ("pending", "approved"):
            for client in (clients["anonymous"], other):
                for path in [*public_paths(client, seeded), "/collections/places/proposals"]:
                    check(client.get(path), path, forbidden)
                for path in (
                    f"/collections/places/items/{fid}",
                    f"/collections/places/items/{fid}/history",
                ):
                    assert_problem(client.get(path), 404)
            if stage == "pending":
                approved = officer.post(
                    f"/collections/places/proposals/{made.json()['id']}/approve",
                    headers={"X-Change-Reason": "ok"},
                )
                assert approved.status_code == 200, approved.text
    assert officer.get(f"/collections/places/items/{fid}").json()["properties"]["name"] == {
        "es": SECRET_NAME
    }


# ------------------------------------------------------------------ feedback


def test_feedback_contract_and_who_reads_it(clients, server) -> None:
    anonymous = clients["anonymous"]
    sent = anonymous.post(
        "/feedback", json={"place": "co-01", "kind": "wrong_hours", "note": SECRET_NOTE}
    )
    assert sent.status_code == 202, sent.text
    assert sent.json() == {"received": True}
    assert "set-cookie" not in sent.headers
    assert anonymous.post("/feedback", json={"place": "br-01", "kind": "closed"}).status_code == 202
    assert_problem(anonymous.get("/feedback"), 401)
    assert_problem(clients["partner"].get("/feedback"), 403)
    co = clients["officer-co"].get("/feedback").json()["feedback"]
    assert [(f["place"], f["kind"], f["note"]) for f in co] == [
        ("co-01", "wrong_hours", SECRET_NOTE)
    ]
    assert set(co[0]) == {"id", "place", "country", "kind", "note", "receivedOn"}
    br = clients["officer-br"].get("/feedback").json()["feedback"]
    assert [f["place"] for f in br] == ["br-01"]
    assert_problem(clients["officer-br"].get("/feedback", params={"country": "CO"}), 403)
    assert len(clients["admin"].get("/feedback").json()["feedback"]) >= 2
    assert SECRET_NOTE not in server.log.read_text()


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"place": "co-01", "kind": "broken"}, 422, "kind"),
        ({"place": "co-01", "kind": "closed", "note": "x" * 501}, 422, "note"),
        ({"place": "co-01", "kind": "closed", "note": "a\u0000b"}, 422, "note"),
        ({"place": "co-01", "kind": "closed", "where": [1, 2]}, 400, "where"),
        ({"kind": "closed"}, 400, "place"),
        ({"place": 5, "kind": "closed"}, 400, "place"),
        (["co-01"], 400, "body"),
    ],
)
def test_bad_feedback_is_refused_precisely(clients, body, status, field) -> None:
    assert_problem(clients["anonymous"].post("/feedback", json=body), status, field)


def test_feedback_needs_json(clients) -> None:
    response = clients["anonymous"].post(
        "/feedback", content=b"place=co-01", headers={"Content-Type": "text/plain"}
    )
    assert_problem(response, 415)


def test_feedback_tells_nothing_about_hidden_ids(clients, seeded) -> None:
    anonymous = clients["anonymous"]
    missing = anonymous.post("/feedback", json={"place": "never-existed", "kind": "closed"})
    assert_problem(missing, 404)
    for hidden in seeded.hidden:
        if not hidden.id:
            continue
        got = anonymous.post("/feedback", json={"place": hidden.id, "kind": "closed"})
        assert got.text.replace(hidden.id, "never-existed") == missing.text
        varying = {"content-length", "date"}
        assert {k: v for k, v in got.headers.items() if k not in varying} == {
            k: v for k, v in missing.headers.items() if k not in varying
        }


def test_if_match_must_be_a_quoted_strong_etag(clients) -> None:
    admin = clients["admin"]
    url = "/collections/places/items/br-05"
    etag = admin.get(url).headers["etag"]
    body = feature(*PORTO_ALEGRE, name="Outro")
    put = lambda value: admin.put(url, json=body, headers={**GEOJSON, "If-Match": value})  # noqa: E731
    assert_problem(put(etag.strip('"')), 400, "If-Match")  # unquoted: not an entity-tag
    assert_problem(put(f"W/{etag}"), 412, "If-Match")  # weak: never matches
    assert put(etag).status_code == 200
