"""Proposals on both stores: partners propose, officers of the country approve or reject."""

from __future__ import annotations

import pytest

from geomap.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    PreconditionFailedError,
    RegistryValidationError,
)
from geomap.registry.access import ANONYMOUS, Caller
from geomap.registry.store import Query, RegistryStore
from tests.registry.dbdump import table_rows
from tests.registry.placegen import ADMIN, OFFICER_BR, OFFICER_CO, PARTNER, place

C = "places"
OTHER_PARTNER = Caller("partner", name="other-ngo")


def test_proposal_then_approval_makes_it_visible_with_both_names_in_the_history(
    store: RegistryStore,
) -> None:
    counter = store.collection_version(C)
    p = store.propose(C, place("co-new", "cucuta"), PARTNER, "we opened a kitchen")
    assert (p.status, p.proposed_by, p.base_version, p.feature_id) == (
        "pending",
        "partner-ngo",
        None,
        "co-new",
    )
    # pending: in no record answer, for nobody; the counter did not move
    for caller in (ANONYMOUS, PARTNER, OFFICER_CO, ADMIN):
        with pytest.raises(NotFoundError):
            store.get(C, "co-new", caller)
        assert store.count(C, caller) == 0
    assert store.collection_version(C) == counter
    approved = store.approve(p.id, OFFICER_CO, "checked by phone")
    assert (approved.status, approved.decided_by, approved.reason) == (
        "approved",
        "officer-co",
        "checked by phone",
    )
    assert store.get(C, "co-new", ANONYMOUS).properties == p.properties
    (v1,) = store.history(C, "co-new", ADMIN)
    assert (v1.op, v1.who, v1.proposed_by, v1.why) == (
        "create",
        "officer-co",
        "partner-ngo",
        "checked by phone",
    )
    assert store.collection_version(C) == counter + 1
    with pytest.raises(ConflictError, match="already approved"):
        store.approve(p.id, OFFICER_CO)


def test_rejection_is_never_visible(store: RegistryStore) -> None:
    p = store.propose(C, place("co-no", "bogota"), PARTNER, "new place")
    with pytest.raises(RegistryValidationError, match="needs a reason"):
        store.reject(p.id, OFFICER_CO, "  ")
    before = table_rows(store)["records"]
    rejected = store.reject(p.id, OFFICER_CO, "duplicate of co-a")
    assert (rejected.status, rejected.reason, rejected.decided_by) == (
        "rejected",
        "duplicate of co-a",
        "officer-co",
    )
    assert table_rows(store)["records"] == before
    for caller in (ANONYMOUS, PARTNER, OFFICER_CO, ADMIN):
        with pytest.raises(NotFoundError):
            store.get(C, "co-no", caller)
    with pytest.raises(ConflictError, match="already rejected"):
        store.approve(p.id, ADMIN)
    assert store.proposals(C, PARTNER, status="rejected")[0].reason == "duplicate of co-a"


def test_a_proposed_change_is_applied_against_its_base_version(store: RegistryStore) -> None:
    r = store.create(C, place("co-a", "bogota", capacity=10), ADMIN)
    p = store.propose(
        C, place("co-a", "bogota", capacity=30), PARTNER, "bigger now", base_version=1
    )
    store.approve(p.id, OFFICER_CO, "ok")
    current = store.get(C, "co-a", ANONYMOUS)
    assert (current.version, current.properties["capacity"]) == (2, 30)
    last = store.history(C, "co-a", ADMIN)[-1]
    assert (last.op, last.changed, last.proposed_by, last.who) == (
        "replace",
        ["capacity"],
        "partner-ngo",
        "officer-co",
    )
    # a proposal against a version that moved on is refused at approval (412), nothing changes
    stale = store.propose(C, place("co-a", "bogota", capacity=5), PARTNER, base_version=2)
    store.replace(C, place("co-a", "bogota", capacity=40), current.etag, ADMIN)
    with pytest.raises(PreconditionFailedError, match="changed since version 2"):
        store.approve(stale.id, OFFICER_CO)
    assert store.get(C, "co-a", ANONYMOUS).properties["capacity"] == 40
    assert store.proposal(stale.id, ADMIN).status == "pending"
    # and proposing against an old version is refused at once
    with pytest.raises(PreconditionFailedError, match="at version 3, not 1"):
        store.propose(C, place("co-a", "bogota", capacity=1), PARTNER, base_version=1)
    assert r.version == 1


def test_who_sees_and_decides_which_proposals(store: RegistryStore) -> None:
    co = store.propose(C, place("co-1", "bogota"), PARTNER, "co")
    br = store.propose(C, place("br-1", "porto_alegre"), PARTNER, "br")
    other = store.propose(C, place("co-2", "cucuta"), OTHER_PARTNER, "other")

    def ids(caller: Caller, **kw: str) -> set[str]:
        return {p.id for p in store.proposals(C, caller, **kw)}

    assert ids(ANONYMOUS) == set()
    assert ids(PARTNER) == {co.id, br.id}
    assert ids(OTHER_PARTNER) == {other.id}
    assert ids(OFFICER_CO) == {co.id, other.id}
    assert ids(OFFICER_BR) == {br.id}
    assert ids(ADMIN) == {co.id, br.id, other.id}
    assert ids(ADMIN, country="br") == {br.id}
    assert ids(ADMIN, status="approved") == set()
    with pytest.raises(RegistryValidationError, match="status must be one of"):
        store.proposals(C, ADMIN, status="maybe")
    # a proposal the caller may not see answers like one that does not exist
    for caller, pid in ((OFFICER_BR, co.id), (OTHER_PARTNER, co.id), (ANONYMOUS, co.id)):
        for call in (
            lambda c=caller, i=pid: store.proposal(i, c),
            lambda c=caller, i=pid: store.approve(i, c),
            lambda c=caller, i=pid: store.reject(i, c, "no"),
        ):
            with pytest.raises(NotFoundError) as hidden:
                call()
            assert str(hidden.value) == f"no proposal {pid!r}"
    with pytest.raises(NotFoundError, match="no proposal 'nope'"):
        store.approve("nope", ADMIN)
    # partners see their own but decide nothing
    with pytest.raises(PermissionDeniedError):
        store.approve(co.id, PARTNER)
    with pytest.raises(PermissionDeniedError):
        store.reject(co.id, PARTNER, "mine")
    with pytest.raises(PermissionDeniedError, match="needs an API token"):
        store.propose(C, place("co-3"), ANONYMOUS)
    assert store.approve(br.id, OFFICER_BR).status == "approved"


def test_a_change_moving_a_record_to_another_country_needs_both(store: RegistryStore) -> None:
    store.create(C, place("moving", "bogota"), ADMIN)
    p = store.propose(C, place("moving", "porto_alegre"), PARTNER, "moved", base_version=1)
    # both officers see it (the record's country and the new one) but neither may apply it
    assert p.id in {x.id for x in store.proposals(C, OFFICER_CO)}
    assert p.id in {x.id for x in store.proposals(C, OFFICER_BR)}
    for officer in (OFFICER_CO, OFFICER_BR):
        with pytest.raises(PermissionDeniedError):
            store.approve(p.id, officer)
    both = Caller("officer", frozenset({"CO", "BR"}), "officer-both")
    store.approve(p.id, both)
    assert store.get(C, "moving", ANONYMOUS).properties["country"] == "BR"


def test_a_partners_proposal_of_a_restricted_place_never_leaks(store: RegistryStore) -> None:
    secret = place("co-safe", "ipiales", visibility="restricted", name={"es": "Casa Segura X"})
    p = store.propose(C, secret, PARTNER, "a safe house we run")
    assert [x.id for x in store.proposals(C, OTHER_PARTNER)] == []
    assert [x.id for x in store.proposals(C, OFFICER_BR)] == []
    assert [x.id for x in store.proposals(C, ANONYMOUS)] == []
    store.approve(p.id, OFFICER_CO)
    for caller in (ANONYMOUS, PARTNER, OTHER_PARTNER, OFFICER_BR):
        with pytest.raises(NotFoundError):
            store.get(C, "co-safe", caller)
        assert store.query(C, Query(limit=100), caller) == ([], 0)
        assert store.extent(C, caller) is None
    assert store.get(C, "co-safe", OFFICER_CO).properties["name"] == {"es": "Casa Segura X"}


def test_proposals_about_records_the_partner_cannot_see_are_not_found(
    store: RegistryStore,
) -> None:
    store.create(C, place("res-1", "bogota", visibility="restricted"), ADMIN)
    with pytest.raises(NotFoundError) as hidden:
        store.propose(C, place("res-1", "bogota"), PARTNER, base_version=1)
    with pytest.raises(NotFoundError) as missing:
        store.propose(C, place("res-2", "bogota"), PARTNER, base_version=1)
    assert str(hidden.value).replace("res-1", "X") == str(missing.value).replace("res-2", "X")
    store.create(C, place("pub-1", "bogota"), ADMIN)
    with pytest.raises(ConflictError, match="propose a change"):
        store.propose(C, place("pub-1", "bogota"), PARTNER)
