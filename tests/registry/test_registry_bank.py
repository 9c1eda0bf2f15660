"""Pathways and messages on both stores: records without geometry, monitoring rows, proposals.

Messages have no location and country-wide pathways have none (``"geometry": null``): such
records are stored, versioned and served like any other, but no bbox query matches them,
extents leave them out and the spatial index does not hold them (SQLite's R*Tree, PostGIS's
GiST over a NULL ``geom``). Updates may give a record a geometry or take it away.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from geomap.errors import NotFoundError, PermissionDeniedError
from geomap.registry.access import ANONYMOUS, Caller
from geomap.registry.messages import validate_message
from geomap.registry.monitoring import ReferralRow, RumourRow
from geomap.registry.pathways import validate_pathway
from geomap.registry.store import Query, RegistryStore
from tests.paths import DATA
from tests.registry.placegen import ADMIN, OFFICER_BR, OFFICER_CO, PARTNER

PATHWAYS, MESSAGES = "referral_pathways", "messages"
WORLD = (-180.0, -90.0, 180.0, 90.0)


def _features(name: str) -> dict[str, dict[str, Any]]:
    data = json.loads((DATA / "porto_alegre" / name).read_text(encoding="utf-8"))
    return {f["id"]: f for f in data["features"]}


PATHWAY = _features("sample_pathways.geojson")
MESSAGE = _features("sample_messages.geojson")


def _bbox_ids(store: RegistryStore, collection: str, bbox: tuple[float, ...]) -> list[str]:
    records, _ = store.query(collection, Query(bbox=bbox, limit=100), ADMIN)  # type: ignore[arg-type]
    return [r.id for r in records]


def test_records_without_geometry_stay_out_of_bbox_extent_and_index(store: RegistryStore) -> None:
    for fid in ("sample-br-msg-health", "sample-br-msg-asylum"):
        store.create(MESSAGES, validate_message(MESSAGE[fid]), ADMIN)
    country_wide = validate_pathway(PATHWAY["sample-br-path-documentation"])
    assert country_wide.geometry() is None
    store.create(PATHWAYS, country_wide, ADMIN)
    area = validate_pathway(PATHWAY["sample-poa-path-cmr"])
    store.create(PATHWAYS, area, ADMIN)
    got = store.get(MESSAGES, "sample-br-msg-health", ANONYMOUS)
    assert got.geometry is None
    assert got.to_feature()["geometry"] is None
    assert store.count(MESSAGES, ANONYMOUS) == 2
    assert _bbox_ids(store, MESSAGES, WORLD) == []
    assert store.extent(MESSAGES, ADMIN) is None
    assert _bbox_ids(store, PATHWAYS, WORLD) == ["sample-poa-path-cmr"]
    ring = PATHWAY["sample-poa-path-cmr"]["geometry"]["coordinates"][0]
    xs, ys = [p[0] for p in ring], [p[1] for p in ring]
    assert store.extent(PATHWAYS, ADMIN) == (min(xs), min(ys), max(xs), max(ys))
    assert store.integrity_check() == "ok"


def test_a_pathway_gains_and_loses_its_area(store: RegistryStore) -> None:
    feature = copy.deepcopy(PATHWAY["sample-br-path-documentation"])
    first = store.create(PATHWAYS, validate_pathway(feature), ADMIN)
    feature["geometry"] = PATHWAY["sample-poa-path-cmr"]["geometry"]
    second = store.replace(PATHWAYS, validate_pathway(feature), first.etag, ADMIN)
    assert _bbox_ids(store, PATHWAYS, WORLD) == [feature["id"]]
    assert store.extent(PATHWAYS, ADMIN) is not None
    assert store.integrity_check() == "ok"
    feature["geometry"] = None
    third = store.replace(PATHWAYS, validate_pathway(feature), second.etag, ADMIN)
    assert third.geometry is None
    assert third.version == 3
    assert _bbox_ids(store, PATHWAYS, WORLD) == []
    assert store.extent(PATHWAYS, ADMIN) is None
    assert store.integrity_check() == "ok"
    changes = [v.changed for v in store.history(PATHWAYS, feature["id"], ADMIN)]
    assert changes == [["*"], ["geometry"], ["geometry"]]


def test_monitoring_rows_are_counted_per_cell_and_never_anonymous(store: RegistryStore) -> None:
    row = ReferralRow("sample-poa-path-cmr", "clinical_management_of_rape", "BR",
                      "Rio Grande do Sul", "2026-03", "in_transit", "health")  # fmt: skip
    for _ in range(3):
        store.record_referral(row, PARTNER)
    store.record_referral(ReferralRow(**{**row.__dict__, "month": "2026-04"}), OFFICER_BR)
    assert store.referral_counts() == [
        ("sample-poa-path-cmr", "BR", "Rio Grande do Sul", "2026-03", "in_transit", 3),
        ("sample-poa-path-cmr", "BR", "Rio Grande do Sul", "2026-04", "in_transit", 1),
    ]
    assert store.referral_counts(country="CO") == []
    rumour = RumourRow("deportation", "BR", "", "2026-03-02")
    for _ in range(6):
        store.record_rumour(rumour, PARTNER)
    assert store.rumour_counts() == [("BR", "", "2026-03-02", "deportation", 6)]
    with pytest.raises(PermissionDeniedError):
        store.record_referral(row, ANONYMOUS)
    with pytest.raises(PermissionDeniedError):
        store.record_rumour(rumour, ANONYMOUS)
    assert store.rumour_counts() == [("BR", "", "2026-03-02", "deportation", 6)]


@pytest.mark.parametrize(
    ("collection", "feature", "validator"),
    [
        (PATHWAYS, PATHWAY["sample-poa-path-child"], validate_pathway),
        (MESSAGES, MESSAGE["sample-br-msg-selfcare"], validate_message),
    ],
)
def test_partners_propose_pathways_and_messages_and_officers_of_brazil_decide(
    store: RegistryStore, collection: str, feature: dict[str, Any], validator: Any
) -> None:
    item = validator(feature)
    proposal = store.propose(collection, item, PARTNER, "agreed at the protection cluster")
    with pytest.raises(NotFoundError):
        store.get(collection, item.id, ADMIN)  # pending: not a record yet
    with pytest.raises(NotFoundError):  # Colombia's officers do not even see it
        store.approve(proposal.id, OFFICER_CO, "not mine")
    with pytest.raises((NotFoundError, PermissionDeniedError)):
        store.approve(proposal.id, Caller("partner", name="other"), "")
    assert store.proposals(collection, OFFICER_CO) == []
    assert [p.id for p in store.proposals(collection, OFFICER_BR)] == [proposal.id]
    approved = store.approve(proposal.id, OFFICER_BR, "checked with the agencies")
    assert approved.status == "approved"
    record = store.get(collection, item.id, PARTNER)
    assert record.properties == item.properties
    assert record.geometry == item.geometry()
    history = store.history(collection, item.id, ADMIN)
    assert (history[-1].who, history[-1].proposed_by) == ("officer-br", PARTNER.name)
    # a change proposed against version 1 is rejected by Brazil's officer, with a reason
    changed = copy.deepcopy(feature)
    changed["properties"]["approved_by"] = "a second cluster meeting"
    second = store.propose(collection, validator(changed), PARTNER, "", base_version=1)
    rejected = store.reject(second.id, OFFICER_BR, "not for the public yet")
    assert (rejected.status, rejected.reason) == ("rejected", "not for the public yet")
    assert store.get(collection, item.id, ADMIN).version == 1


def test_a_place_names_the_messages_of_its_sheet_by_id() -> None:
    from geomap.errors import RegistryValidationError
    from geomap.registry.validate import MAX_SHEET_MESSAGES, validate_place

    data = json.loads((DATA / "porto_alegre" / "sample_registry.geojson").read_text())
    feature = copy.deepcopy(data["features"][0])
    feature["properties"]["messages"] = ["sample-br-msg-health", "sample-br-msg-gbv"]
    assert validate_place(feature).properties["messages"] == [
        "sample-br-msg-health",
        "sample-br-msg-gbv",
    ]
    del feature["properties"]["messages"]
    assert "messages" not in validate_place(feature).properties  # nothing picked: no member
    for bad, why in (
        (["not an id"], "not ids"),
        (["a-1", "a-1"], "twice"),
        ([f"m-{i}" for i in range(MAX_SHEET_MESSAGES + 1)], "at most"),
    ):
        feature["properties"]["messages"] = bad
        with pytest.raises(RegistryValidationError) as info:
            validate_place(feature)
        fields = {p["field"]: p["message"] for p in info.value.problems}
        assert why in fields["properties.messages"], fields


def test_cql2_filters_and_sorts_pathways_and_messages_on_both_stores(store: RegistryStore) -> None:
    from geomap.registry.cql import parse_filter, parse_sortby
    from geomap.registry.queryables import MESSAGES as MQ
    from geomap.registry.queryables import PATHWAYS as PQ

    for f in PATHWAY.values():
        store.create(PATHWAYS, validate_pathway(f), ADMIN)
    for f in MESSAGE.values():
        store.create(MESSAGES, validate_message(f), ADMIN)

    def ids(collection: str, text: str, queryables: Any, sortby: str = "") -> list[str]:
        query = Query(limit=100, filter=parse_filter(text, "cql2-text", queryables),
                      sortby=parse_sortby(sortby, queryables) if sortby else ())  # fmt: skip
        return [r.id for r in store.query(collection, query, ADMIN)[0]]

    want = sorted(k for k, f in PATHWAY.items() if f["properties"]["need"] == "child_protection")
    assert want
    assert ids(PATHWAYS, "need = 'child_protection'", PQ) == want
    by_need = ids(PATHWAYS, "status = 'active'", PQ, "need")
    needs = [PATHWAY[i]["properties"]["need"] for i in by_need]
    assert needs == sorted(needs)
    topic = "document_requirements"
    answering = sorted(k for k, f in MESSAGE.items() if topic in f["properties"].get("answers", []))
    assert len(answering) >= 2
    assert ids(MESSAGES, "A_CONTAINS(answers, ('document_requirements'))", MQ) == answering
    colombia = sorted(k for k, f in MESSAGE.items() if "CO" in f["properties"]["countries"])
    assert ids(MESSAGES, "A_CONTAINS(countries, ('CO'))", MQ) == colombia
    assert ids(MESSAGES, "topic = 'asylum' AND title_pt LIKE '%refúgio%'", MQ) == [
        "sample-br-msg-asylum"
    ]


def test_pathways_round_trip_through_a_geopackage_country_wide_ones_too(tmp_path) -> None:
    from geomap.registry.collections import REFERRAL_PATHWAYS
    from geomap.registry.transfer import read_geopackage, write_geopackage

    validated = {fid: validate_pathway(f) for fid, f in PATHWAY.items()}
    served = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "id": fid, "geometry": g, "properties": item.properties}
            for fid, item in validated.items()
            for g in [item.geometry()]
        ],
    }
    path = write_geopackage(served, tmp_path / "pathways.gpkg", "referral_pathways")
    back = read_geopackage(path, REFERRAL_PATHWAYS)
    again = {f["id"]: validate_pathway(f) for f in back["features"]}
    assert set(again) == set(validated)
    assert again["sample-br-path-documentation"].geometry() is None
    for fid, item in validated.items():
        assert again[fid].properties == item.properties, fid
