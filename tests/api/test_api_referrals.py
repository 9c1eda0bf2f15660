"""Referral answers and the message bank on a real server: Porto Alegre's network, the sample
registry, the sample pathways and the sample messages.

Walking times are checked against networkx on the same network (an independent shortest
path between the streets' nodes nearest each end).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import networkx as nx
import numpy as np
import pytest

from geomap.registry.access import SYSTEM
from geomap.registry.messages import validate_message
from geomap.registry.pathways import validate_pathway
from geomap.registry.store import SQLiteStore
from geomap.registry.validate import validate_collection
from routing import Network, network_from_file
from routing.geodesy import distance_m
from tests.api.seed import Server, assert_problem
from tests.paths import DATA, PORTO_ALEGRE_PBF

SAMPLE = DATA / "porto_alegre"
RODOVIARIA = (-51.2177, -30.0346)
AT = f"{RODOVIARIA[0]},{RODOVIARIA[1]}"
MONDAY_10 = "2026-03-02T10:00"
NETWORK: list[Network] = []


def _read(name: str) -> dict:
    return json.loads((SAMPLE / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[tuple[Server, dict[str, str]]]:
    folder = tmp_path_factory.mktemp("referrals")
    net = network_from_file(PORTO_ALEGRE_PBF, "walk")
    NETWORK.append(net)
    path = net.save(folder / "poa.npz")
    store = SQLiteStore(folder / "registry.sqlite")
    places = validate_collection(_read("sample_registry.geojson"))
    store.import_places("places", places, SYSTEM, "sample")
    pathways = validate_collection(_read("sample_pathways.geojson"), validator=validate_pathway)
    store.import_places("referral_pathways", pathways, SYSTEM, "sample")
    messages = validate_collection(_read("sample_messages.geojson"), validator=validate_message)
    store.import_places("messages", messages, SYSTEM, "sample")
    tokens = {
        "partner-br": store.create_token("partner-br", "partner", ["BR"]),
        "partner-co": store.create_token("partner-co", "partner", ["CO"]),
        "officer-br": store.create_token("officer-br", "officer", ["BR"]),
    }
    store.close()
    running = Server(folder / "registry.sqlite", folder / "server.log",
                     env={"GEOMAP_NETWORK": str(path)})  # fmt: skip
    running.start(timeout_s=120)
    try:
        yield running, tokens
    finally:
        running.stop()


def get(server, path: str, role: str | None = None, **params):
    running, tokens = server
    with running.client(tokens[role] if role else None) as client:
        return client.get(path, params=params)


def ids(answer: dict) -> list[str | None]:
    return [f["properties"].get("id") for f in answer["features"]]


def networkx_minutes(
    origin: tuple[float, float], target: tuple[float, float]
) -> tuple[float, float]:
    """Walking minutes between the nodes nearest two points, by networkx (4.5 km/h), and the
    minutes the ends lie from those nodes as the crow flies (twice that is the tolerance)."""
    net = NETWORK[0]
    graph = net.to_networkx()

    def nearest(p: tuple[float, float]) -> tuple[int, float]:
        d = distance_m(np.full(net.n_nodes, p[0]), np.full(net.n_nodes, p[1]),
                       net.node_lon, net.node_lat)  # fmt: skip
        k = int(np.argmin(d))
        return int(net.node_osmid[k]), float(d[k])

    (a, da), (b, db) = nearest(origin), nearest(target)
    metres = nx.shortest_path_length(graph, a, b, weight="length", method="dijkstra")
    return float(metres) / 75.0, (da + db) / 75.0


def test_the_public_gets_public_steps_and_entry_points_only(server) -> None:
    r = get(server, "/referrals", need="gbv_case_management", at=AT, time=MONDAY_10)
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store"
    body = r.json()
    assert body["network"] == "poa"
    assert ids(body) == ["first-contact", None, None]
    assert [f["properties"]["role"] for f in body["features"]] == [
        "step",
        "entry_point",
        "entry_point",
    ]
    assert body["pathway"] is None
    for secret in ("sample-poa-13", "Casa de acogida", "-51.235091", "safe-house", "sample-poa-12"):
        assert secret not in r.text


def test_a_partner_of_brazil_gets_every_step_with_walking_times(server) -> None:
    body = get(server, "/referrals", "partner-br", need="gbv_case_management", at=AT,
               time=MONDAY_10).json()  # fmt: skip
    assert ids(body)[:3] == ["first-contact", "case-management", "safe-house"]
    steps = [f for f in body["features"] if f["properties"]["role"] == "step"]
    assert [s["properties"]["step"] for s in steps] == [1, 2, 3]
    assert steps[2]["geometry"] is None  # a restricted place: never where it is
    assert "id" not in steps[2]["properties"]["place"]
    sample = _read("sample_registry.geojson")["features"]
    where = {f["id"]: tuple(f["geometry"]["coordinates"]) for f in sample}
    for step, place in zip(steps, ("sample-poa-01", "sample-poa-12", "sample-poa-13"),
                           strict=True):  # fmt: skip
        expected, ends = networkx_minutes(RODOVIARIA, where[place])
        # the ends are snapped onto the streets, not onto their nearest nodes
        tolerance = 2 * ends + 0.1
        assert step["properties"]["walking_minutes"] == pytest.approx(expected, abs=tolerance)
    assert steps[0]["properties"]["open_on_arrival"] is True  # Mo-Su 07:00-21:00
    co = get(server, "/referrals", "partner-co", need="gbv_case_management", at=AT).json()
    assert "safe-house" not in ids(co)  # a partner of another country: partners steps only
    assert "case-management" in ids(co)


def test_an_officer_of_brazil_sees_the_pathway_and_where_each_step_is(server) -> None:
    body = get(server, "/referrals", "officer-br", need="gbv_case_management", at=AT).json()
    assert body["pathway"]["id"] == "sample-poa-path-gbv"
    assert body["pathway"]["sample"] is True
    assert body["features"][2]["geometry"]["coordinates"] == [-51.235091, -30.06394]


def test_from_a_place_and_nationwide_pathways(server) -> None:
    body = get(server, "/referrals", need="documentation", from_place="sample-poa-04").json()
    first = body["features"][0]["properties"]
    assert first["here"] is True
    assert first["walking_minutes"] == pytest.approx(0.0, abs=0.5)
    federal = body["features"][1]["properties"]
    assert federal["walking_minutes"] is None  # not a place: contact only
    assert federal["contact"]["website"].startswith("https://example.org/")
    manaus = get(server, "/referrals", need="documentation", at="-60.0217,-3.1190").json()
    assert manaus["network"] is None  # in Brazil, on no network served: the pathway still holds
    assert ids(manaus)[:2] == ["legal-orientation", "federal-police"]


def test_bad_referral_questions_are_precise_problems(server) -> None:
    assert_problem(get(server, "/referrals", need="pizza", at=AT), 400, "query.need")
    assert_problem(get(server, "/referrals", need="health"), 400, "query.at")
    assert_problem(get(server, "/referrals", need="health", at=AT, from_place="x"), 400)
    assert_problem(get(server, "/referrals", need="health", at="1,2,3"), 400, "query.at")
    assert_problem(get(server, "/referrals", need="health", at="200,10"), 400)
    assert_problem(get(server, "/referrals", need="health", at=AT, time="soon"), 400)
    assert_problem(get(server, "/referrals", need="health", at=AT, x="1"), 400, "query.x")
    hidden = get(server, "/referrals", need="health", from_place="sample-poa-13")
    missing = get(server, "/referrals", need="health", from_place="never-was")
    assert_problem(hidden, 404)
    assert hidden.text.replace("sample-poa-13", "never-was") == missing.text


def test_the_bank_shows_brazil_its_messages_in_portuguese_and_spanish(server) -> None:
    pt = get(server, "/messages", country="BR", lang="pt").json()
    es = get(server, "/messages", country="BR", lang="es").json()
    assert [m["id"] for m in pt["messages"]] == [m["id"] for m in es["messages"]]
    assert {m["lang"] for m in pt["messages"]} == {"pt"}
    assert {m["lang"] for m in es["messages"]} == {"es"}
    shown = {m["id"] for m in pt["messages"]}
    assert "sample-br-msg-expired" not in shown  # valid until 2025
    assert "sample-br-msg-partners-border" not in shown  # partners only
    assert "sample-co-msg-documents" not in shown  # Colombia's
    assert "sample-regional-msg-route" in shown  # regional: in force in Brazil too
    assert pt["sample"] is True
    partners = get(server, "/messages", "partner-br", country="BR", lang="pt").json()
    assert "sample-br-msg-partners-border" in {m["id"] for m in partners["messages"]}
    assert_problem(get(server, "/messages", country="Brasil"), 400, "query.country")
    assert_problem(get(server, "/messages", country="BR", lang="xx1"), 400, "query.lang")


def test_the_booklet_is_one_self_contained_page(server) -> None:
    r = get(server, "/messages/booklet", country="BR", lang="pt")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert r.headers["content-security-policy"].startswith("default-src 'none'")
    html = r.text
    assert '<html lang="pt">' in html
    assert "Mensagens-chave" in html
    assert "Como pedir refúgio" in html
    assert "DADOS DE AMOSTRA" in html
    for external in ("http://", "https://", "<script", "<link", "@import", "url("):
        assert external not in html
    a4 = get(server, "/messages/booklet", country="BR", lang="es", paper="A4").text
    assert "size: A4" in a4
    assert "Cómo pedir refugio" in a4


def post(server, path: str, role: str | None, body: object):
    running, tokens = server
    with running.client(tokens[role] if role else None) as client:
        return client.post(path, json=body)


def test_referrals_are_recorded_without_personal_data_and_reported_with_suppression(
    server,
) -> None:
    import csv
    import io

    log = {"pathway": "sample-poa-path-gbv", "to_step": "case-management",
           "from_place": "sample-poa-01", "date": "2026-03-04",
           "population": "women"}  # fmt: skip
    assert_problem(post(server, "/monitoring/referrals", None, log), 401)
    assert_problem(post(server, "/monitoring/referrals", "partner-br", {**log, "name": "Ana"}),
                   422, "name")  # fmt: skip
    assert_problem(post(server, "/monitoring/referrals", "officer-br",
                        {**log, "to_step": "nowhere"}), 422, "to_step")  # fmt: skip
    # a restricted pathway: partners cannot log it (nor learn that it exists)
    hidden = post(server, "/monitoring/referrals", "partner-br", log)
    unknown = post(server, "/monitoring/referrals", "partner-br", {**log, "pathway": "nope-1"})
    assert hidden.status_code == unknown.status_code == 404
    assert hidden.json()["detail"].replace("sample-poa-path-gbv", "X") == unknown.json()[
        "detail"
    ].replace("nope-1", "X")
    for _ in range(3):
        r = post(server, "/monitoring/referrals", "officer-br", log)
        assert r.status_code == 201, r.text
    kept = r.json()["recorded"]
    assert kept["month"] == "2026-03"
    assert "date" not in kept
    assert "from_place" not in kept
    assert "sample-poa-01" not in r.text
    # officers of Brazil see the cell, as "<5" in JSON, CSV and HXL
    body = get(server, "/reports/referrals", "officer-br").json()
    cells = [row for row in body["rows"] if row["pathway"] == "sample-poa-path-gbv"]
    assert cells
    assert {row["referrals"] for row in cells} == {"<5"}
    for fmt in ("csv", "hxl"):
        text = get(server, "/reports/referrals", "officer-br", f=fmt).text
        rows = list(csv.reader(io.StringIO(text)))
        if fmt == "hxl":
            assert rows[1][0].startswith("#")
        column = rows[0].index("referrals")
        data = [r for r in rows[1 + (fmt == "hxl") :] if r[0] == "sample-poa-path-gbv"]
        assert data
        assert {r[column] for r in data} == {"<5"}
        assert "3" not in {r[column] for r in data}
    # the public does not see a restricted pathway's rows at all
    public = get(server, "/reports/referrals")
    assert public.status_code == 200
    assert "sample-poa-path-gbv" not in public.text


def test_rumours_are_recorded_and_counted_weekly_with_the_messages_answering_them(
    server,
) -> None:
    rumour = {"topic": "deportation", "country": "BR", "admin1": "Rio Grande do Sul",
              "date": "2026-03-05"}  # fmt: skip
    assert_problem(post(server, "/monitoring/rumours", None, rumour), 401)
    assert_problem(post(server, "/monitoring/rumours", "partner-br",
                        {**rumour, "source": "a neighbour"}), 422, "source")  # fmt: skip
    assert_problem(post(server, "/monitoring/rumours", "partner-br",
                        {**rumour, "topic": "aliens"}), 422, "topic")  # fmt: skip
    for day in ("2026-03-02", "2026-03-05", "2026-03-08"):  # one ISO week, Monday to Sunday
        r = post(server, "/monitoring/rumours", "partner-br", {**rumour, "date": day})
        assert r.status_code == 201, r.text
        assert r.json()["recorded"]["week"] == "2026-03-02"
    for _ in range(5):
        post(server, "/monitoring/rumours", "partner-br",
             {**rumour, "topic": "border_closure", "date": "2026-03-03"})  # fmt: skip
    body = get(server, "/reports/rumours", country="BR").json()
    by_topic = {row["topic"]: row for row in body["rows"] if row["week_starting"] == "2026-03-02"}
    assert by_topic["deportation"]["rumours"] == "<5"
    assert by_topic["border_closure"]["rumours"] == 5
    assert by_topic["deportation"]["answered_by"] == "sample-br-msg-deportation"
    # the message answering border closures is for partners: the public is not told of it
    assert by_topic["border_closure"]["answered_by"] == ""
    partner = get(server, "/reports/rumours", "partner-br", country="BR").json()
    answers = {r["topic"]: r["answered_by"] for r in partner["rows"]}
    assert answers["border_closure"] == "sample-br-msg-partners-border"
    hxl = get(server, "/reports/rumours", f="hxl", country="BR").text.splitlines()
    assert hxl[1].startswith("#country+code")
    assert any(",deportation," in line and ",<5," in line for line in hxl[2:])
    assert_problem(get(server, "/reports/rumours", country="Brasil"), 400, "query.country")


def test_the_new_collections_have_their_own_queryables_schemas_and_filters(server) -> None:
    from geomap.registry.messages import RUMOUR_TOPICS, TOPICS
    from geomap.registry.pathways import NEEDS

    q = get(server, "/collections/messages/queryables").json()["properties"]
    assert q["topic"]["enum"] == list(TOPICS)
    assert q["answers"]["items"]["enum"] == list(RUMOUR_TOPICS)
    assert "kind" not in q
    p = get(server, "/collections/referral_pathways/queryables").json()["properties"]
    assert p["need"]["enum"] == list(NEEDS)
    assert p["valid_until"]["format"] == "date"
    found = get(server, "/collections/messages/items",
                filter="A_CONTAINS(answers, ('deportation'))").json()  # fmt: skip
    assert [f["id"] for f in found["features"]] == ["sample-br-msg-deportation"]
    assert found["features"][0]["geometry"] is None
    assert_problem(get(server, "/collections/messages/items", filter="need = 'x'"), 400)
    doc = get(server, "/api").json()
    item = doc["paths"]["/collections/messages/items/{featureId}"]["get"]
    assert "MessageFeature" in json.dumps(item["responses"]["200"])
    body = doc["paths"]["/collections/referral_pathways/items"]["post"]["requestBody"]
    assert "PathwayFeatureIn" in json.dumps(body)
