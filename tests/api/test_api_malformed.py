"""A corpus of malformed bodies against every write route: 4xx problem+json, nothing stored.

Every case is sent to POST, PUT, PATCH, DELETE and restore (the last two take no body, so any
body is refused there). Each answer must be a 4xx ``application/problem+json`` naming the
problem, and a full dump of the records and versions must be unchanged afterwards.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.api.seed import CUCUTA, PORTO_ALEGRE, assert_problem, dump, feature

LIMIT = 1024 * 1024
FID = "br-01"
Body = bytes | dict | list | None


def valid() -> dict[str, Any]:
    return feature(*PORTO_ALEGRE, name="Casa de passagem")


def with_geometry(geometry: Any) -> dict[str, Any]:
    return {**valid(), "geometry": geometry}


def with_properties(**changes: Any) -> dict[str, Any]:
    f = valid()
    f["properties"].update(changes)
    return f


def point(lon: float, lat: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [lon, lat]}


def raw(text: str) -> bytes:
    return text.encode("utf-8")


OVERSIZED = b" " * LIMIT + json.dumps(valid()).encode()  # valid JSON, only too large
BAD_HOURS = "Mo-Fr 25:00-99:00"
DEEP = b"[" * 200_000 + b"]" * 200_000
NESTED: dict[str, Any] = {}
for _ in range(100):
    NESTED = {"a": NESTED}


@dataclass(frozen=True)
class Case:
    """A malformed request: the feature for POST/PUT, the merge patch for PATCH."""

    name: str
    status: int
    field: str
    full: Body
    patch: Body
    content_type: str | None = "application/geo+json"
    chunked: bool = False


CASES = [
    Case("invalid JSON", 400, "body", raw('{"type": "Feature", properties: }'), raw("{nope")),
    Case(
        "truncated JSON",
        400,
        "body",
        raw(json.dumps(valid())[:-7]),
        raw('{"properties": {"capacity": 3'),
    ),
    Case(
        "NaN",
        400,
        "body",
        raw(json.dumps(with_geometry(point(float("nan"), -30.0)))),
        raw('{"geometry": {"coordinates": [NaN, -30.0]}}'),
    ),
    Case(
        "Infinity",
        400,
        "body",
        raw(json.dumps(with_geometry(point(-51.2, float("inf"))))),
        raw('{"geometry": {"coordinates": [-51.2, -Infinity]}}'),
    ),
    Case("not UTF-8", 400, "body", b'{"type": "Feature\xff\xfe"}', b'{"a": "\xc3\x28"}'),
    Case("empty body", 400, "body", b"", b""),
    Case("JSON nested too deep to parse", 400, "body", DEEP, DEEP),
    Case("JSON nested 100 levels", 400, "body", NESTED, {"properties": {"name": NESTED}}),
    Case(
        "empty geometry",
        422,
        "geometry.coordinates",
        with_geometry({"type": "Point", "coordinates": []}),
        {"geometry": {"coordinates": []}},
    ),
    Case(
        "wrong geometry type",
        422,
        "geometry.type",
        with_geometry({"type": "LineString", "coordinates": [[-51.2, -30.0], [-51.1, -30.1]]}),
        {"geometry": {"type": "LineString", "coordinates": [[-51.2, -30.0], [-51.1, -30.1]]}},
    ),
    Case("null geometry", 422, "geometry", with_geometry(None), {"geometry": None}),
    Case(
        "longitude 200",
        422,
        "geometry.coordinates[0]",
        with_geometry(point(200, -30.0)),
        {"geometry": {"coordinates": [200, -30.0]}},
    ),
    Case(
        "latitude -95",
        422,
        "geometry.coordinates[1]",
        with_geometry(point(-51.2, -95)),
        {"geometry": {"coordinates": [-51.2, -95]}},
    ),
    Case(
        "point outside its declared country",
        422,
        "geometry",
        with_geometry(point(*CUCUTA)),  # declared BR
        {"geometry": {"coordinates": list(CUCUTA)}},
    ),
    Case(
        "unknown service code",
        422,
        "properties.services",
        with_properties(services=["food", "teleportation"]),
        {"properties": {"services": ["food", "teleportation"]}},
    ),
    Case(
        "invalid opening hours",
        422,
        "properties.opening_hours",
        with_properties(opening_hours=BAD_HOURS),
        {"properties": {"opening_hours": BAD_HOURS}},
    ),
    Case(
        "missing properties",
        422,
        "properties",
        {k: v for k, v in valid().items() if k != "properties"},
        {"properties": None},
    ),
    Case(
        "missing name",
        422,
        "properties.name",
        {**valid(), "properties": {k: v for k, v in valid()["properties"].items() if k != "name"}},
        {"properties": {"name": None}},
    ),
    Case(
        "unknown property",
        422,
        "properties.secret_notes",
        with_properties(secret_notes="x"),
        {"properties": {"secret_notes": "x"}},
    ),
    Case("not an object", 422, "feature", [1, 2, 3], [1, 2, 3]),
    Case("null", 422, "feature", raw("null"), raw("null")),
    Case(
        "lone surrogates",
        422,
        "properties",
        raw(json.dumps(with_properties(name={"es": "\ud800"}, **{"\udfff": 1}))),
        raw('{"properties": {"name": {"es": "\\ud800"}, "\\udfff": 1}}'),
    ),
    Case("not a Feature", 422, "type", {**valid(), "type": "FeatureCollection"}, {"type": "X"}),
    Case(
        "several problems at once",
        422,
        "properties.opening_hours",
        {
            **with_properties(services=["teleportation"], opening_hours=BAD_HOURS),
            "geometry": point(200, -30.0),
        },
        {
            "geometry": {"coordinates": [200, -30.0]},
            "properties": {"services": ["teleportation"], "opening_hours": BAD_HOURS},
        },
    ),
    # found by schemathesis (tests/api/test_api_schemathesis.py) before /api typed positions
    Case(
        "null coordinates",
        422,
        "geometry.coordinates",
        with_geometry({"type": "Point", "coordinates": [None, None]}),
        {"geometry": {"coordinates": [None, None]}},
    ),
    Case(
        "coordinates as strings",
        422,
        "geometry.coordinates",
        with_geometry({"type": "Point", "coordinates": ["-51.2", "-30.0"]}),
        {"geometry": {"coordinates": ["-51.2", "-30.0"]}},
    ),
    Case(
        "coordinates as booleans",
        422,
        "geometry.coordinates",
        with_geometry({"type": "Point", "coordinates": [True, False]}),
        {"geometry": {"coordinates": [True, False]}},
    ),
    Case(
        "empty country code",
        422,
        "properties.country",
        with_properties(country=""),
        {"properties": {"country": ""}},
    ),
    Case(
        "empty service code",
        422,
        "properties.services",
        with_properties(services=[""]),
        {"properties": {"services": [""]}},
    ),
    Case(
        "empty population code",
        422,
        "properties.populations",
        with_properties(populations=[""]),
        {"properties": {"populations": [""]}},
    ),
    Case("body over 1 MiB with Content-Length", 413, "body", OVERSIZED, OVERSIZED),
    Case("body over 1 MiB, chunked", 413, "body", OVERSIZED, OVERSIZED, chunked=True),
    Case("wrong content type", 415, "Content-Type", valid(), {}, content_type="text/plain"),
    Case("missing content type", 415, "Content-Type", valid(), {}, content_type=None),
]

PATCH_TYPES = {"application/geo+json": "application/merge-patch+json"}
ROUTES = ["POST", "PUT", "PATCH", "DELETE", "restore"]


def encode(body: Body) -> bytes:
    return body if isinstance(body, bytes) else json.dumps(body).encode()


def send(client, route: str, case: Case, etag: str):
    body = encode(case.patch if route == "PATCH" else case.full)
    content: Any = body
    if case.chunked:
        content = iter([body[i : i + 65536] for i in range(0, len(body), 65536)])
    headers = {"If-Match": etag}
    if case.content_type is not None:
        media = case.content_type
        headers["Content-Type"] = PATCH_TYPES.get(media, media) if route == "PATCH" else media
    url = f"/collections/places/items/{FID}"
    requests: dict[str, Callable[[], Any]] = {
        "POST": lambda: client.post("/collections/places/items", content=content, headers=headers),
        "PUT": lambda: client.put(url, content=content, headers=headers),
        "PATCH": lambda: client.patch(url, content=content, headers=headers),
        "DELETE": lambda: client.request("DELETE", url, content=content, headers=headers),
        "restore": lambda: client.post(
            f"{url}/history/1/restore", content=content, headers=headers
        ),
    }
    return requests[route]()


# DELETE and restore take no body: an empty one is no fault there
PAIRS = [
    pytest.param(case, route, id=f"{route}: {case.name}")
    for case in CASES
    for route in ROUTES
    if encode(case.full) or route not in ("DELETE", "restore")
]


@pytest.mark.parametrize(("case", "route"), PAIRS)
def test_malformed_body_is_a_named_4xx_problem_and_stores_nothing(
    clients, seeded, case, route
) -> None:
    admin = clients["admin"]
    etag = admin.get(f"/collections/places/items/{FID}").headers["etag"]
    before = dump(seeded.db)
    response = send(admin, route, case, etag)
    assert response.status_code < 500
    if route in ("DELETE", "restore"):  # these take no body: any body is the problem
        expected = (413, "body") if case.status == 413 else (400, "body")
    else:
        expected = (case.status, case.field)
    problem = assert_problem(response, *expected)
    assert all(e["message"] for e in problem["errors"])
    assert dump(seeded.db) == before


#: Headers of a change that schemathesis sent (If-Match of the wrong form, a reason too long):
#: each a named 4xx, nothing written, on every route that changes an item. (A control character
#: in a header value is refused by httpx itself before it is sent.)
HEADER_CASES = [
    pytest.param({"If-Match": "null"}, 400, "If-Match", id="If-Match null"),
    pytest.param({"If-Match": "abc"}, 400, "If-Match", id="If-Match unquoted"),
    pytest.param({"If-Match": "*"}, 400, "If-Match", id="If-Match star"),
    pytest.param({"If-Match": '"a", "b"'}, 400, "If-Match", id="If-Match list"),
    pytest.param({"If-Match": ""}, 428, "If-Match", id="If-Match empty"),
    pytest.param({"X-Change-Reason": "x" * 501}, 400, "X-Change-Reason", id="reason too long"),
]


@pytest.mark.parametrize("route", ["PUT", "PATCH", "DELETE", "restore"])
@pytest.mark.parametrize(("headers", "status", "field"), HEADER_CASES)
def test_malformed_change_headers_are_named_4xx_and_store_nothing(
    clients, seeded, route, headers, status, field
) -> None:
    admin = clients["admin"]
    current = admin.get(f"/collections/places/items/{FID}").headers["etag"]
    body = valid() if route == "PUT" else {"properties": {"capacity": 7}}
    media = "application/merge-patch+json" if route == "PATCH" else "application/geo+json"
    sent = {"If-Match": current, "Content-Type": media, **headers}
    if route in ("DELETE", "restore"):
        sent.pop("Content-Type")
    url = f"/collections/places/items/{FID}"
    before = dump(seeded.db)
    response = {
        "PUT": lambda: admin.put(url, json=body, headers=sent),
        "PATCH": lambda: admin.patch(url, content=json.dumps(body), headers=sent),
        "DELETE": lambda: admin.delete(url, headers=sent),
        "restore": lambda: admin.post(f"{url}/history/1/restore", headers=sent),
    }[route]()
    assert_problem(response, status, field)
    assert dump(seeded.db) == before
    weak = admin.delete(url, headers={"If-Match": f"W/{current}"})  # well formed, never matches
    assert_problem(weak, 412)
    assert dump(seeded.db) == before


def test_every_problem_of_a_body_is_listed(clients) -> None:
    [case] = [c for c in CASES if c.name == "several problems at once"]
    admin = clients["admin"]
    etag = admin.get(f"/collections/places/items/{FID}").headers["etag"]
    for route in ("POST", "PUT", "PATCH"):
        problem = send(admin, route, case, etag).json()
        fields = {e["field"] for e in problem["errors"]}
        assert {
            "geometry.coordinates[0]",
            "properties.services",
            "properties.opening_hours",
        } <= fields, (route, problem)


def read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"connection closed early: {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in lines[1:])
    while len(body) < int(headers["content-length"]):
        chunk = sock.recv(65536)
        assert chunk
        body += chunk
    return int(lines[0].split()[1]), headers, body


def request_head(server, token: str, extra: str) -> bytes:
    return (
        f"POST /collections/places/items HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: application/geo+json\r\n{extra}\r\n"
    ).encode()


def test_an_announced_huge_body_is_refused_before_it_is_sent(server, seeded) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(request_head(server, seeded.tokens["admin"], "Content-Length: 1000000000\r\n"))
        started = time.monotonic()
        status, headers, body = read_response(sock)  # without sending a byte of the body
    assert status == 413
    assert headers["content-type"] == "application/problem+json"
    assert json.loads(body)["errors"][0]["field"] == "body"
    assert time.monotonic() - started < 5


def test_a_chunked_body_is_refused_once_over_the_limit(server, seeded) -> None:
    chunk = b"x" * 65536
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(request_head(server, seeded.tokens["admin"], "Transfer-Encoding: chunked\r\n"))
        for _ in range(LIMIT // len(chunk) + 1):  # just over the limit, and never finished
            sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        status, headers, body = read_response(sock)
    assert status == 413
    assert headers["content-type"] == "application/problem+json"
    assert json.loads(body)["status"] == 413
