"""Anonymous feedback on both stores: public places only, nothing identifying, officers read."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from geomap.errors import NotFoundError, PermissionDeniedError, RegistryValidationError
from geomap.registry.access import ANONYMOUS, Caller
from geomap.registry.store import FEEDBACK_KINDS, RegistryStore
from tests.registry.dbdump import table_rows
from tests.registry.placegen import ADMIN, OFFICER_BR, OFFICER_CO, PARTNER, place

C = "places"


@pytest.fixture
def places(store: RegistryStore) -> RegistryStore:
    store.create(C, place("pub-co", "bogota"), ADMIN)
    store.create(C, place("pub-br", "porto_alegre"), ADMIN)
    store.create(C, place("prt-co", "cucuta", visibility="partners"), ADMIN)
    store.create(C, place("res-co", "ipiales", visibility="restricted"), ADMIN)
    gone = store.create(C, place("gone-co", "bogota"), ADMIN)
    store.retire(C, "gone-co", gone.etag, ADMIN)
    return store


def test_feedback_is_kept_without_anything_identifying(places: RegistryStore) -> None:
    places.add_feedback("pub-co", "wrong_hours", "  Abre a las 9, no a las 8  ")
    places.add_feedback("pub-br", "closed")
    places.add_feedback("pub-co", "unsafe", "")
    rows = table_rows(places)["feedback"]
    assert len(rows) == 3
    today = datetime.now(UTC).date().isoformat()
    for row in rows:  # id, place, country, kind, note, day: nothing else
        assert len(row) == 6
        assert row[-1] == today
    got = places.list_feedback(ADMIN)
    assert [(f.place, f.country, f.kind, f.note) for f in got] == [
        ("pub-co", "CO", "unsafe", None),
        ("pub-br", "BR", "closed", None),
        ("pub-co", "CO", "wrong_hours", "Abre a las 9, no a las 8"),
    ]
    assert {f.place for f in places.list_feedback(OFFICER_CO)} == {"pub-co"}
    assert {f.place for f in places.list_feedback(OFFICER_BR)} == {"pub-br"}
    assert {f.place for f in places.list_feedback(ADMIN, country="br")} == {"pub-br"}
    with pytest.raises(PermissionDeniedError):
        places.list_feedback(OFFICER_CO, country="BR")
    for caller in (ANONYMOUS, PARTNER):
        with pytest.raises(PermissionDeniedError):
            places.list_feedback(caller)


@pytest.mark.parametrize("fid", ["prt-co", "res-co", "gone-co"])
def test_hidden_and_retired_places_answer_like_unknown_ones(
    places: RegistryStore, fid: str
) -> None:
    before = table_rows(places)
    with pytest.raises(NotFoundError) as hidden:
        places.add_feedback(fid, "closed", "x")
    with pytest.raises(NotFoundError) as unknown:
        places.add_feedback("never-was", "closed", "x")
    assert str(hidden.value).replace(fid, "ID") == str(unknown.value).replace("never-was", "ID")
    assert table_rows(places) == before


@pytest.mark.parametrize(
    ("kind", "note", "field"),
    [
        ("teleported", None, "kind"),
        ("closed", "x" * 501, "note"),
        ("closed", "line\nbreak", "note"),
        ("closed", "bell\x07", "note"),
        ("closed", "line\u2028separator", "note"),
    ],
)
def test_bad_feedback_is_refused_before_the_place_is_looked_up(
    places: RegistryStore, kind: str, note: str | None, field: str
) -> None:
    for fid in ("pub-co", "res-co", "never-was"):  # the same answer whatever the id
        with pytest.raises(RegistryValidationError) as info:
            places.add_feedback(fid, kind, note)
        assert info.value.problems[0]["field"] == field
    assert table_rows(places)["feedback"] == []


def test_feedback_kinds_and_the_longest_note() -> None:
    assert FEEDBACK_KINDS == ("closed", "wrong_hours", "unsafe", "other")


def test_an_officer_of_several_countries_reads_all_of_them(places: RegistryStore) -> None:
    places.add_feedback("pub-co", "other", "á" * 500)
    places.add_feedback("pub-br", "closed")
    both = Caller("officer", frozenset({"CO", "BR"}), "both")
    assert {f.place for f in places.list_feedback(both)} == {"pub-co", "pub-br"}
