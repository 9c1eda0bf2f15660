"""Way attributes survive onto every directed edge; ways are split only at graph nodes."""

from __future__ import annotations

import pytest
from asciimap import AsciiMap

from routing import Router

EXACT = 1e-6

ATTRS = """
a---b---c
    |
    |
    d
"""
AVENIDA = {
    "highway": "primary",
    "name": "Avenida Brasil",
    "ref": "BR-116",
    "lit": "yes",
    "sidewalk": "both",
    "surface": "asphalt",
    "maxspeed": "60",
    "oneway": "no",
    "@id": 4242,
}
TRILHA = {
    "highway": "footway",
    "name": "Trilha",
    "foot": "designated",
    "lit": "no",
    "surface": "unpaved",
    "sidewalk:left": "yes",
    "@id": 99_000_000_001,  # beyond 32 bits, as current OSM way ids are
}


def edges_by_ends(m: AsciiMap, net) -> dict[str, int]:
    return {
        m.names(net, [u, v]): e for e, (u, v) in enumerate(zip(net.edge_u, net.edge_v, strict=True))
    }


def test_attributes_survive_onto_both_directions_of_every_edge(build) -> None:
    m = AsciiMap(ATTRS, {"abc": AVENIDA, "bd": TRILHA})
    net = build(m)
    edges = edges_by_ends(m, net)
    assert sorted(edges) == ["ab", "ba", "bc", "bd", "cb", "db"]
    way_of_edge = net.way_osmid[net.seg_way[net.edge_seg]].tolist()
    columns = {
        key: net.edge_attr(key)
        for key in (
            "highway",
            "name",
            "ref",
            "lit",
            "sidewalk",
            "surface",
            "maxspeed",
            "foot",
            "oneway",
        )
    }
    avenida = {k: v for k, v in AVENIDA.items() if k != "@id"}
    trilha = {
        "highway": "footway",
        "name": "Trilha",
        "ref": None,
        "lit": "no",
        "sidewalk": "left",  # from sidewalk:left=yes
        "surface": "unpaved",
        "maxspeed": None,
        "foot": "designated",
        "oneway": None,
    }
    for ends, e in edges.items():
        way, expected = (
            (4242, {**avenida, "foot": None}) if "d" not in ends else (99_000_000_001, trilha)
        )
        assert way_of_edge[e] == way, ends
        assert {key: column[e] for key, column in columns.items()} == expected, ends


def test_attributes_in_networkx_export(build) -> None:
    m = AsciiMap(ATTRS, {"abc": AVENIDA, "bd": TRILHA})
    graph = build(m).to_networkx()
    data = graph[m.node_id("d")][m.node_id("b")][0]
    assert data["osmid"] == 99_000_000_001
    assert data["highway"] == "footway"
    assert data["sidewalk"] == "left"
    assert data["length"] == pytest.approx(m.length("db"), abs=EXACT)
    data = graph[m.node_id("a")][m.node_id("b")][0]
    assert (data["name"], data["ref"], data["maxspeed"], data["lit"]) == (
        "Avenida Brasil",
        "BR-116",
        "60",
        "yes",
    )
    assert "foot" not in data


@pytest.mark.parametrize(
    ("tags", "sidewalk"),
    [
        ({"sidewalk": "no"}, "no"),
        ({"sidewalk": "separate"}, "separate"),
        ({"sidewalk:both": "yes"}, "both"),
        ({"sidewalk:both": "no"}, "no"),
        ({"sidewalk:left": "yes", "sidewalk:right": "yes"}, "both"),
        ({"sidewalk:right": "separate"}, "right"),
        ({"sidewalk:left": "no", "sidewalk:right": "no"}, "no"),
        ({"sidewalk": "right", "sidewalk:both": "yes"}, "right"),  # plain key wins
        ({}, None),
    ],
)
def test_sidewalk_forms(build, tags: dict[str, str], sidewalk: str | None) -> None:
    m = AsciiMap("a---b", {"ab": {"highway": "residential", **tags}})
    assert build(m).edge_attr("sidewalk") == [sidewalk, sidewalk]


def test_route_steps_follow_the_streets(build) -> None:
    m = AsciiMap(ATTRS, {"abc": AVENIDA, "bd": TRILHA})
    route = Router(build(m)).route(m.along("a", "b", 0.5), m.lonlat("d"))
    assert route.street_names == ["Avenida Brasil", "Trilha"]
    assert [(s["name"], s["highway"]) for s in route.steps] == [
        ("Avenida Brasil", "primary"),
        ("Trilha", "footway"),
    ]
    assert route.steps[0]["length_m"] == pytest.approx(
        m.length("ab") - route.origin.offset_m, abs=EXACT
    )
    assert route.steps[1]["length_m"] == pytest.approx(m.length("bd"), abs=EXACT)
    assert route.length_m == pytest.approx(sum(s["length_m"] for s in route.steps), abs=EXACT)


def test_unnamed_stretches_of_one_class_are_one_step(build) -> None:
    m = AsciiMap(
        "a---b---c---d",
        {"ab": {"highway": "service"}, "bc": {"highway": "service"}, "cd": {"highway": "track"}},
    )
    route = Router(build(m)).route(m.along("a", "b", 0.5), m.lonlat("d"))
    assert [(s["name"], s["highway"]) for s in route.steps] == [(None, "service"), (None, "track")]
    assert route.street_names == []
    assert route.steps[0]["length_m"] == pytest.approx(
        m.length("ab") - route.origin.offset_m + m.length("bc"), abs=EXACT
    )


@pytest.mark.parametrize(("speed", "expected"), [(None, 4.5), (3.6, 3.6), (5.0, 5.0)])
def test_duration_uses_the_profile_or_given_speed(build, speed, expected: float) -> None:
    m = AsciiMap(ATTRS, {"abc": AVENIDA, "bd": TRILHA})
    route = Router(build(m), speed_kmh=speed).route(m.lonlat("a"), m.lonlat("d"))
    assert route.duration_s == pytest.approx(route.length_m / (expected / 3.6), rel=1e-12)


def test_drive_default_speed(build) -> None:
    m = AsciiMap(ATTRS, {"abc": AVENIDA, "bd": TRILHA})
    route = Router(build(m, "drive")).route(m.lonlat("a"), m.lonlat("c"))
    assert route.duration_s == pytest.approx(route.length_m / (40 / 3.6), rel=1e-12)


# ---------------------------------------------------------------------- graph nodes
@pytest.mark.parametrize(
    ("ways", "nodes", "segments"),
    [
        # one way: only its ends are graph nodes, b is a shape point
        (["abc"], "ac", ["abc"]),
        # a second way through b splits the first one there
        (["abc", "bd"], "abcd", ["ab", "bc", "bd"]),
        # two ways meeting end to end are not merged
        (["ab", "bc"], "abc", ["ab", "bc"]),
        # a way passing twice through b (a figure of eight) is split there
        (["abdbc"], "abc", ["ab", "bdb", "bc"]),
    ],
)
def test_ways_are_split_only_at_graph_nodes(
    build, ways: list[str], nodes: str, segments: list[str]
) -> None:
    m = AsciiMap(ATTRS, [(w, {"highway": "residential"}) for w in ways])
    net = build(m)
    assert m.names(net, range(net.n_nodes)) == nodes
    assert net.n_segments == len(segments)
    assert net.n_edges == 2 * len(segments)
    found = sorted(
        (m.names(net, [net.seg_u[s], net.seg_v[s]]), float(net.seg_length[s]))
        for s in range(net.n_segments)
    )
    expected = sorted((p[0] + p[-1], m.length(p)) for p in segments)
    assert [f[0] for f in found] == [e[0] for e in expected]
    for (_, length), (_, want) in zip(found, expected, strict=True):
        assert length == pytest.approx(want, abs=EXACT)
