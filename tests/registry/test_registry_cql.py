"""CQL2 filters and sortby: the SQL of both dialects selects what an independent Python
predicate selects, on a real SQLite store and a real PostgreSQL ``jsonb`` table.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import cql2
import pytest

from geomap.errors import RegistryValidationError
from geomap.registry.access import ANONYMOUS, SYSTEM
from geomap.registry.cql import compile_filter, parse_filter, parse_sortby
from geomap.registry.queryables import PLACES
from geomap.registry.store import Query, SQLiteStore
from tests.registry.pgserver import postgres
from tests.registry.placegen import CITIES, place

Props = dict[str, Any]
KINDS = ("support_space", "information_point", "service_point")
SERVICES = ("food", "connectivity", "legal_documentation", "overnight_shelter")
NAMES = ("Casa de paso", "casa azul", "Punto 50%", "Refugio_norte", "Espacio Esperanza")


def generated() -> list[Any]:
    """36 places that differ in every queryable the cases use."""
    out = []
    cities = [c for c, (_, _, country) in CITIES.items() if country in ("CO", "BR", "EC")]
    for i in range(36):
        city = cities[i % len(cities)]
        extra: Props = {
            "kind": KINDS[i % 3],
            "name": {"es": f"{NAMES[i % 5]} {i}"},
            "services": [SERVICES[i % 4], *([SERVICES[(i + 3) % 4]] if i % 3 == 1 else [])],
            "organizations": ["ACNUR", "OIM"] if i % 3 == 0 else ["Cruz Roja"],
            "visibility": ("public", "public", "partners", "restricted")[i % 4],
        }
        if i % 4:
            extra["capacity"] = (i * 7) % 60
        if i % 5:
            extra["verified_at"] = f"2024-{1 + i % 12:02d}-{1 + i % 27:02d}"
        if i % 6 == 0:
            extra["sample"] = True
        out.append(place(f"p-{i:02d}", city, **extra))
    return out


PLACES_MADE = generated()

# (CQL2 text, the same condition in Python)
CASES: list[tuple[str, Callable[[Props], bool]]] = [
    ("kind = 'support_space'", lambda p: p["kind"] == "support_space"),
    ("kind <> 'support_space'", lambda p: p["kind"] != "support_space"),
    ("capacity > 20", lambda p: p.get("capacity") is not None and p["capacity"] > 20),
    ("capacity <= 20 OR capacity IS NULL", lambda p: p.get("capacity", 0) <= 20),
    ("capacity BETWEEN 10 AND 30", lambda p: 10 <= p.get("capacity", -1) <= 30),
    ("NOT (capacity IS NULL)", lambda p: "capacity" in p),
    ("country IN ('BR', 'EC')", lambda p: p["country"] in ("BR", "EC")),
    ("name LIKE 'Casa%'", lambda p: p["name"]["es"].startswith("Casa")),
    ("CASEI(name) LIKE CASEI('casa%')", lambda p: p["name"]["es"].lower().startswith("casa")),
    ("name LIKE '%50\\%%'", lambda p: "50%" in p["name"]["es"]),
    ("name LIKE 'Refugio\\_%'", lambda p: p["name"]["es"].startswith("Refugio_")),
    ("name LIKE 'Punto 5_%'", lambda p: p["name"]["es"].startswith("Punto 5")),
    ("A_CONTAINS(services, ('food'))", lambda p: "food" in p["services"]),
    (
        "A_CONTAINS(services, ('food', 'connectivity'))",
        lambda p: {"food", "connectivity"} <= set(p["services"]),
    ),
    (
        "A_OVERLAPS(services, ('legal_documentation', 'food'))",
        lambda p: bool({"legal_documentation", "food"} & set(p["services"])),
    ),
    (
        "A_CONTAINEDBY(services, ('food', 'connectivity'))",
        lambda p: set(p["services"]) <= {"food", "connectivity"},
    ),
    ("A_EQUALS(services, ('overnight_shelter'))", lambda p: p["services"] == ["overnight_shelter"]),
    ("A_CONTAINS(organizations, ('OIM'))", lambda p: "OIM" in p["organizations"]),
    ("verified_at < DATE('2024-06-01')", lambda p: p.get("verified_at", "9") < "2024-06-01"),
    ("verified_at >= '2024-06-01'", lambda p: p.get("verified_at", "0") >= "2024-06-01"),
    ("sample", lambda p: p["sample"]),
    (
        "sample = false AND kind = 'service_point'",
        lambda p: not p["sample"] and p["kind"] == "service_point",
    ),
    ("id = 'p-07'", lambda p: p["name"]["es"].endswith(" 7")),
    (
        "(kind = 'information_point') AND (NOT (country = 'CO'))",
        lambda p: p["kind"] == "information_point" and p["country"] != "CO",
    ),
    ("true", lambda p: True),
]


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Iterator[SQLiteStore]:
    s = SQLiteStore(tmp_path_factory.mktemp("cql") / "registry.sqlite")
    s.import_places("places", PLACES_MADE, SYSTEM, "cql test")
    yield s
    s.close()


@pytest.fixture(scope="module")
def pg() -> Iterator[Any]:
    import psycopg

    with postgres() as dsn, psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE records (id text PRIMARY KEY, properties jsonb NOT NULL)")
        for p in PLACES_MADE:
            conn.execute("INSERT INTO records VALUES (%s, %s)", (p.id, json.dumps(p.properties)))
        yield conn


def expected(predicate: Callable[[Props], bool], visible: Callable[[Props], bool]) -> list[str]:
    return sorted(p.id for p in PLACES_MADE if visible(p.properties) and predicate(p.properties))


def sqlite_ids(store: SQLiteStore, text: str, lang: str = "cql2-text", caller=SYSTEM) -> list[str]:
    query = Query(limit=1000, filter=parse_filter(text, lang, PLACES))
    records, total = store.query("places", query, caller)
    assert total == len(records)
    return [r.id for r in records]


@pytest.mark.parametrize(("text", "predicate"), CASES, ids=[c[0] for c in CASES])
def test_sqlite_matches_the_python_predicate(store, text, predicate) -> None:
    assert sqlite_ids(store, text) == expected(predicate, lambda p: True)
    as_json = json.dumps(cql2.parse_text(text).to_json())
    assert sqlite_ids(store, as_json, "cql2-json") == expected(predicate, lambda p: True)


@pytest.mark.parametrize(("text", "predicate"), CASES, ids=[c[0] for c in CASES])
def test_postgis_dialect_matches_the_python_predicate(pg, text, predicate) -> None:
    sql, params = compile_filter(text, "cql2-text", PLACES, "postgis")
    rows = pg.execute(f"SELECT id FROM records r WHERE {sql} ORDER BY id", params).fetchall()
    assert [r[0] for r in rows] == expected(predicate, lambda p: True)


def test_a_filter_never_reveals_what_the_caller_may_not_see(store) -> None:
    public = lambda p: p["visibility"] == "public"  # noqa: E731
    for text, predicate in CASES:
        assert sqlite_ids(store, text, caller=ANONYMOUS) == expected(predicate, public), text
    assert sqlite_ids(store, "visibility = 'restricted'", caller=ANONYMOUS) == []
    assert sqlite_ids(store, "visibility <> 'public'", caller=ANONYMOUS) == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("secret_notes = 'x'", "unknown property 'secret_notes'; queryables: id, country"),
        ("kind = 'shelter'", "unknown kind 'shelter'; known: support_space"),
        ("capacity = 'ten'", "cannot compare capacity (number) with string (string)"),
        ("services = 'food'", "services is a list: use A_CONTAINS"),
        ("S_INTERSECTS(geometry, POINT(1 2))", "spatial functions are not supported"),
        ("ACCENTI(name) = 'a'", "ACCENTI is not supported"),
        ("kind = ", "not valid cql2-text"),
        ("verified_at > 'yesterday'", "verified_at is a date: 'yesterday' is not one"),
        ("capacity = NULL", "compare with NULL using IS NULL"),
        (" OR ".join(["kind = 'support_space'"] * 150), "more than 200 terms"),
        ("country IN (" + ", ".join(["'CO'"] * 101) + ")", "IN takes at most 100 values"),
    ],
)
def test_bad_filters_are_precise_problems(text: str, message: str) -> None:
    with pytest.raises(RegistryValidationError) as info:
        parse_filter(text, "cql2-text", PLACES)
    (problem,) = info.value.problems
    assert problem["field"] == "query.filter"
    assert message in problem["message"]


def test_filter_languages_and_limits() -> None:
    assert parse_filter("kind = 'support_space'", "cql-text", PLACES).tree["op"] == "="
    with pytest.raises(RegistryValidationError) as info:
        parse_filter("kind = 'x'", "ecql", PLACES)
    assert info.value.problems[0]["field"] == "query.filter-lang"
    with pytest.raises(RegistryValidationError, match="longer than 4096"):
        parse_filter("name = '" + "x" * 5000 + "'", "cql2-text", PLACES)
    with pytest.raises(RegistryValidationError, match="not valid cql2-json"):
        parse_filter("{nope", "cql2-json", PLACES)


def test_sortby_is_stable_with_missing_values_last(store) -> None:
    keys = parse_sortby("-capacity,+name", PLACES)
    records, _ = store.query("places", Query(limit=1000, sortby=keys), SYSTEM)
    got = [r.id for r in records]
    props = {p.id: p.properties for p in PLACES_MADE}
    with_capacity = sorted(
        (i for i in props if "capacity" in props[i]),
        key=lambda i: (-props[i]["capacity"], props[i]["name"]["es"], i),
    )
    without = sorted((i for i in props if "capacity" not in props[i]),
                     key=lambda i: (props[i]["name"]["es"], i))  # fmt: skip
    assert got == with_capacity + without
    pages = [
        r.id
        for offset in range(0, 36, 5)
        for r in store.query("places", Query(limit=5, offset=offset, sortby=keys), SYSTEM)[0]
    ]
    assert pages == got


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("services", "services is a list and cannot be sorted by"),
        ("nope", "cannot sort by 'nope'"),
        ("name,-name", "name is given twice"),
        ("id,name,kind,country,status,capacity", "at most 5 sort keys"),
    ],
)
def test_bad_sortby(text: str, message: str) -> None:
    with pytest.raises(RegistryValidationError) as info:
        parse_sortby(text, PLACES)
    assert message in info.value.problems[0]["message"]
    assert info.value.problems[0]["field"] == "query.sortby"


def test_places_made_cover_the_cases() -> None:
    for text, predicate in CASES:
        chosen = expected(predicate, lambda p: True)
        assert 0 < len(chosen) <= len(PLACES_MADE), text
    assert {p.properties["visibility"] for p in PLACES_MADE} == {"public", "partners", "restricted"}
