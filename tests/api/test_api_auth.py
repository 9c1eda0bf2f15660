"""Who may write: 401 without a valid token, 403 for partners and officers of other countries."""

from __future__ import annotations

import hashlib
import sqlite3

import pytest

from geomap.registry.store import SQLiteStore
from tests.api.seed import CUCUTA, PORTO_ALEGRE, assert_problem, dump, feature

GEOJSON = {"Content-Type": "application/geo+json"}


def write_requests(client, fid: str, etag: str, country: str = "BR") -> dict:
    """One request per write route on item ``fid``, answered by ``client``."""
    point = PORTO_ALEGRE if country == "BR" else CUCUTA
    body = feature(*point, country, name="Mudado")
    url = f"/collections/places/items/{fid}"
    match = {"If-Match": etag}
    return {
        "POST": lambda: client.post("/collections/places/items", json=body, headers=GEOJSON),
        "PUT": lambda: client.put(url, json=body, headers={**GEOJSON, **match}),
        "PATCH": lambda: client.patch(
            url,
            json={"properties": {"capacity": 3}},
            headers={"Content-Type": "application/merge-patch+json", **match},
        ),
        "DELETE": lambda: client.delete(url, headers=match),
        "restore": lambda: client.post(f"{url}/history/1/restore", headers=match),
    }


def etag_of(client, fid: str) -> str:
    return client.get(f"/collections/places/items/{fid}").headers["etag"]


@pytest.mark.parametrize("route", ["POST", "PUT", "PATCH", "DELETE", "restore"])
def test_writes_without_a_token_are_401(clients, seeded, route) -> None:
    before = dump(seeded.db)
    response = write_requests(clients["anonymous"], "br-01", etag_of(clients["admin"], "br-01"))[
        route
    ]()
    assert_problem(response, 401, "Authorization")
    assert response.headers["www-authenticate"] == "Bearer"
    assert dump(seeded.db) == before


@pytest.mark.parametrize("route", ["POST", "PUT", "PATCH", "DELETE", "restore"])
def test_writes_without_a_token_on_hidden_items_are_401_too(clients, seeded, route) -> None:
    # the answer must not depend on whether a hidden item exists
    hidden = write_requests(clients["anonymous"], "br-restricted-x", '"0"')[route]()
    missing = write_requests(clients["anonymous"], "no-such-item", '"0"')[route]()
    assert_problem(hidden, 401)
    assert hidden.content == missing.content


@pytest.mark.parametrize("route", ["POST", "PUT", "PATCH", "DELETE", "restore"])
def test_partner_writes_are_403(clients, seeded, route) -> None:
    before = dump(seeded.db)
    response = write_requests(clients["partner"], "br-01", etag_of(clients["admin"], "br-01"))[
        route
    ]()
    assert_problem(response, 403, "Authorization")
    assert dump(seeded.db) == before


@pytest.mark.parametrize("route", ["POST", "PUT", "PATCH", "DELETE", "restore"])
def test_officers_may_not_write_other_countries(clients, seeded, route) -> None:
    before = dump(seeded.db)
    etag = etag_of(clients["admin"], "br-02")
    response = write_requests(clients["officer-co"], "br-02", etag, "BR")[route]()
    assert_problem(response, 403, "Authorization")
    assert dump(seeded.db) == before


def test_officers_may_not_move_a_record_to_another_country(clients, seeded) -> None:
    before = dump(seeded.db)
    body = feature(*CUCUTA, "CO")
    response = clients["officer-br"].put(
        "/collections/places/items/br-03",
        json=body,
        headers={**GEOJSON, "If-Match": etag_of(clients["admin"], "br-03")},
    )
    assert_problem(response, 403)
    assert dump(seeded.db) == before


def test_officers_cannot_see_restricted_records_of_other_countries(clients, seeded) -> None:
    before = dump(seeded.db)
    etag = etag_of(clients["admin"], "br-restricted-x")
    hidden = write_requests(clients["officer-co"], "br-restricted-x", etag, "CO")
    missing = write_requests(clients["officer-co"], "no-such-item", etag, "CO")
    for route in ("PUT", "PATCH", "DELETE", "restore"):
        answer, other = hidden[route](), missing[route]()
        assert_problem(answer, 404)
        # indistinguishable from an id that never existed
        assert answer.text.replace("br-restricted-x", "no-such-item") == other.text
    assert dump(seeded.db) == before
    assert_problem(clients["officer-co"].get("/collections/places/items/br-restricted-x"), 404)
    assert clients["officer-br"].get("/collections/places/items/br-restricted-x").status_code == 200


def test_officers_write_their_own_country(clients) -> None:
    officer = clients["officer-co"]
    created = officer.post(
        "/collections/places/items", json=feature(*CUCUTA, "CO"), headers=GEOJSON
    )
    assert created.status_code == 201, created.text
    fid = created.json()["id"]
    changed = officer.patch(
        f"/collections/places/items/{fid}",
        json={"properties": {"capacity": 12}},
        headers={
            "Content-Type": "application/merge-patch+json",
            "If-Match": created.headers["etag"],
        },
    )
    assert changed.status_code == 200, changed.text
    history = officer.get(f"/collections/places/items/{fid}/history").json()
    assert [v["who"] for v in history["versions"]] == ["officer-co-test"] * 2


@pytest.mark.parametrize(
    "authorization", ["Bearer gm_not-a-token", "Basic dXNlcjpwYXNz", "Bearer", "token"]
)
def test_bad_credentials_are_401_even_for_reads(server, authorization) -> None:
    with server.client() as client:
        for path in (
            "/",
            "/conformance",
            "/collections/places/items",
            "/collections/places/items/br-01",
        ):
            response = client.get(path, headers={"Authorization": authorization})
            assert_problem(response, 401, "Authorization")


def test_revoked_tokens_are_401(server, seeded) -> None:
    store = SQLiteStore(seeded.db)
    token = store.create_token("short-lived", "admin")
    with server.client(token) as client:
        assert client.get("/collections/places/items").status_code == 200
        store.revoke_token("short-lived")
        assert_problem(client.get("/collections/places/items"), 401)
    store.close()


def test_tokens_are_stored_hashed(seeded) -> None:
    with sqlite3.connect(f"file:{seeded.db}?mode=ro", uri=True) as conn:
        rows = conn.execute("SELECT * FROM tokens").fetchall()
        everything = "\n".join(
            "\n".join(map(str, row))
            for table in ("tokens", "records", "versions", "meta")
            for row in conn.execute(f"SELECT * FROM {table}")
        )
    hashes = {row[0] for row in rows}
    for token in seeded.tokens.values():
        assert token not in everything
        assert hashlib.sha256(token.encode()).hexdigest() in hashes
