"""Nothing hidden leaks: walk every route as the public (and as a partner) and look for it.

Restricted, partners-only and retired records, and the restricted first version of a record
that is public now, must not show in any body or header: not their ids (unless the request
itself named them), names or coordinates; and counts and extents must leave them out. The
server's own output must hold no client address, user agent or query coordinate.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from geomap.registry.pathways import NEEDS
from geomap.registry.vocab import KINDS, SERVICES, STATUSES
from tests.api.seed import CUCUTA, HIDDEN_AREA, PORTO_ALEGRE, PUBLIC, assert_problem

PROBE_AGENT = "leak-probe-agent/7.3"
PROBE_BBOX = "-51.98765431,-30.98765431,-50.12345671,-29.12345671"


def forbidden_for(seeded, role: str) -> list[tuple[str, str]]:
    """(kind, text) pairs the caller of ``role`` must never receive."""
    out = []
    for hidden in seeded.hidden:
        if role in hidden.seen_by:
            continue
        out.append(("name", hidden.name))
        out += [(k, v) for k, v in (("lon", hidden.lon), ("lat", hidden.lat)) if v]
        if hidden.id:
            out.append(("id", hidden.id))
    return out


def public_paths(client, seeded) -> list[str]:
    """Every read resource, with and without filters, bbox and paging, and each item."""
    paths = ["/", "/?f=json", "/conformance", "/api", "/collections", "/collections/places"]
    items = "/collections/places/items"
    paths += [items, f"{items}?limit=1000", f"{items}?bbox=-180,-90,180,90&limit=1000"]
    paths += [f"{items}?country={c}" for c in ("BR", "CO", "VE")]
    paths += [f"{items}?kind={k}" for k in KINDS]
    paths += [f"{items}?status={s}" for s in STATUSES]
    paths += [f"{items}?services={s}&limit=1000" for s in SERVICES]
    for hidden in (h for h in seeded.hidden if h.lon):  # tight boxes around every hidden point
        lon, lat = float(hidden.lon), float(hidden.lat)
        paths.append(f"{items}?bbox={lon - 0.001},{lat - 0.001},{lon + 0.001},{lat + 0.001}")
    paths.append(f"{items}?bbox={PROBE_BBOX}")
    url: str | None = f"{items}?limit=1"  # every page of one item
    while url:
        paths.append(url)
        page = client.get(url).json()
        nxt = [link["href"] for link in page["links"] if link["rel"] == "next"]
        url = urlsplit(nxt[0])._replace(scheme="", netloc="").geturl() if nxt else None
    ids = [f["id"] for f in client.get(f"{items}?limit=1000").json()["features"]]
    for fid in [*ids, *(h.id for h in seeded.hidden if h.id), "never-existed"]:
        paths += [f"{items}/{fid}", f"{items}/{fid}/history"]
    paths += ["/collections/nothing", "/collections/nothing/items", "/no/such/path"]
    paths += [f"/collections/places/export?f={f}" for f in ("geojson", "hxl")]
    return paths + record_paths(client, seeded) + referral_paths(client, seeded)


def record_paths(client, seeded) -> list[str]:
    """The pathways and messages collections: lists, filters, items, histories, exports."""
    paths = []
    for collection in ("referral_pathways", "messages"):
        base = f"/collections/{collection}"
        paths += [base, f"{base}/items", f"{base}/items?limit=1000", f"{base}/export?f=geojson"]
        paths += [f"{base}/items?bbox=-180,-90,180,90", f"{base}/items?bbox={PROBE_BBOX}"]
        paths += [f"{base}/items?country={c}" for c in ("BR", "CO")]
        ids = [f["id"] for f in client.get(f"{base}/items?limit=1000").json()["features"]]
        hidden = [h.id for h in seeded.hidden if h.collection == collection]
        for fid in [*ids, *hidden, "never-existed"]:
            paths += [f"{base}/items/{fid}", f"{base}/items/{fid}/history"]
    return paths


def referral_paths(client, seeded) -> list[str]:
    """Referral answers for every need at every point (hidden ones too) and from every place."""
    points = [PORTO_ALEGRE, CUCUTA, HIDDEN_AREA, *(f["geometry"]["coordinates"] for f in PUBLIC)]
    points += [(float(h.lon), float(h.lat)) for h in seeded.hidden if h.lon]
    paths = [f"/referrals?need={n}&at={lon},{lat}" for n in NEEDS for lon, lat in points]
    paths += [f"/referrals?need=gbv_case_management&at={lon},{lat}&time=2026-03-02T03:00"
              for lon, lat in points]  # fmt: skip
    places = [f["id"] for f in PUBLIC] + [h.id for h in seeded.hidden if h.collection == "places"]
    paths += [f"/referrals?need=gbv_case_management&from_place={p}" for p in places if p]
    paths += ["/referrals?need=gbv_case_management&from_place=never-existed"]
    for country in ("BR", "CO", "VE"):
        for lang in ("es", "pt", "en", "guc"):
            paths += [f"/messages?country={country}&lang={lang}"]
            paths += [f"/messages/booklet?country={country}&lang={lang}"]
    for report in ("referrals", "rumours"):  # monitoring reports: hidden pathways left out
        for fmt in ("json", "csv", "hxl"):
            paths += [f"/reports/{report}?f={fmt}", f"/reports/{report}?f={fmt}&country=BR"]
    return paths


def check(response, path: str, forbidden: list[tuple[str, str]]) -> None:
    assert response.status_code < 500, (path, response.text)
    texts = [response.text, *(f"{k}: {v}" for k, v in response.headers.items())]
    for kind, secret in forbidden:
        if kind == "id" and secret in path:
            continue  # the caller named it: echoing it tells nothing
        for text in texts:
            assert secret not in text, (path, kind, secret)


@pytest.mark.parametrize("role", ["anonymous", "partner"])
def test_walking_every_read_route_shows_nothing_hidden(clients, seeded, role) -> None:
    client = clients[role]
    forbidden = forbidden_for(seeded, role)
    assert forbidden
    for path in public_paths(client, seeded):
        check(client.get(path, headers={"User-Agent": PROBE_AGENT}), path, forbidden)


def test_writes_refused_to_the_public_show_nothing_hidden(clients, seeded) -> None:
    client = clients["anonymous"]
    forbidden = forbidden_for(seeded, "anonymous")
    for hidden in seeded.hidden:
        url = f"/collections/places/items/{hidden.id or 'co-once-x'}"
        for method, path in (
            ("PUT", url),
            ("PATCH", url),
            ("DELETE", url),
            ("POST", f"{url}/history/1/restore"),
        ):
            response = client.request(method, path, headers={"If-Match": '"x"'}, content=b"{}")
            assert_problem(response, 401)
            check(response, path, forbidden)


def test_hidden_items_answer_exactly_like_missing_ones(clients, seeded) -> None:
    client = clients["anonymous"]
    for hidden in seeded.hidden:
        if not hidden.id or not hidden.collection:
            continue
        base = f"/collections/{hidden.collection}/items"
        for suffix in ("", "/history"):
            got = client.get(f"{base}/{hidden.id}{suffix}")
            missing = client.get(f"{base}/never-existed{suffix}")
            assert_problem(got, 404)
            assert got.text.replace(hidden.id, "never-existed") == missing.text
            varying = {"content-length", "date"}  # the date may tick between the two requests
            assert {k: v for k, v in got.headers.items() if k not in varying} == {
                k: v for k, v in missing.headers.items() if k not in varying
            }


def test_a_hidden_place_to_refer_from_answers_like_a_missing_one(clients, seeded) -> None:
    client = clients["anonymous"]
    url = "/referrals?need=gbv_case_management&from_place="
    missing = client.get(f"{url}never-existed")
    assert_problem(missing, 404)
    for hidden in (h for h in seeded.hidden if h.collection == "places" and h.id):
        got = client.get(f"{url}{hidden.id}")
        assert got.text.replace(hidden.id, "never-existed") == missing.text


def test_the_public_gets_the_first_step_and_the_hotline_of_the_restricted_pathway(
    clients,
) -> None:
    answer = clients["anonymous"].get(
        "/referrals", params={"need": "gbv_case_management", "at": f"{PORTO_ALEGRE[0]},"
                              f"{PORTO_ALEGRE[1]}"}
    ).json()  # fmt: skip
    shown = [(f["properties"]["role"], f["properties"].get("step")) for f in answer["features"]]
    assert shown == [("step", 1), ("entry_point", None)]
    assert answer["features"][0]["properties"]["place"]["id"] == "br-01"
    assert answer["features"][1]["properties"]["organization"] == "Linea Publica 180"
    assert answer["pathway"] is None
    officer = clients["officer-br"].get(
        "/referrals", params={"need": "gbv_case_management", "at": f"{PORTO_ALEGRE[0]},"
                              f"{PORTO_ALEGRE[1]}"}
    ).json()  # fmt: skip
    assert [f["properties"].get("id") for f in officer["features"]] == [
        "acogida",
        "casa-segura-x",
        None,
    ]


def test_counts_and_extents_leave_hidden_records_out(clients, seeded) -> None:
    client = clients["anonymous"]
    public = [*PUBLIC, seeded.public["co-once-x"]]
    page = client.get("/collections/places/items", params={"limit": 1}).json()
    assert page["numberMatched"] == len(public)
    for country in ("BR", "CO"):
        count = client.get("/collections/places/items", params={"country": country}).json()
        expected = [f for f in public if f["properties"]["country"] == country]
        assert count["numberMatched"] == len(expected)
    xs = [f["geometry"]["coordinates"][0] for f in public]
    ys = [f["geometry"]["coordinates"][1] for f in public]
    extent = client.get("/collections/places").json()["extent"]["spatial"]["bbox"]
    assert extent == [[min(xs), min(ys), max(xs), max(ys)]]


def test_history_of_a_once_restricted_item_hides_its_restricted_versions(clients) -> None:
    public = clients["anonymous"].get("/collections/places/items/co-once-x/history").json()
    assert [v["version"] for v in public["versions"]] == [2]
    full = clients["admin"].get("/collections/places/items/co-once-x/history").json()
    assert [v["version"] for v in full["versions"]] == [1, 2]


def test_the_server_logs_no_address_agent_or_coordinate(server, clients) -> None:
    client = clients["anonymous"]
    client.get(
        "/collections/places/items",
        params={"bbox": PROBE_BBOX},
        headers={"User-Agent": PROBE_AGENT},
    )
    client.get("/collections/places/items/never-existed", headers={"User-Agent": PROBE_AGENT})
    client.post("/collections/places/items", content=b"{", headers={"User-Agent": PROBE_AGENT})
    log = server.log.read_text()
    assert "Uvicorn running" in log  # the log is there
    assert PROBE_AGENT not in log
    for number in PROBE_BBOX.split(","):
        assert number not in log
    assert not re.search(r"\d+\.\d+\.\d+\.\d+:\d+ - ", log), log  # uvicorn's access line
    assert "GET /" not in log
    assert "never-existed" not in log
