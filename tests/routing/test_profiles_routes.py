"""Which ways the walk and drive profiles use, checked on exact routes.

Routes are read back as the node letters of their vertices (``AsciiMap.trace``) and their
lengths compared with geodesic lengths measured on the drawing, to 1e-6 m.
"""

from __future__ import annotations

import pytest
from asciimap import AsciiMap

from routing import Router

EXACT = 1e-6

# "ab" is the way under test; "acdb" the residential detour around it.
SHORTCUT = """
a-------b
|       |
|       |
|       |
c-------d
"""
DETOUR = {"highway": "residential", "name": "Rua Lateral"}


def shortcut_map(tags: dict[str, str]) -> AsciiMap:
    return AsciiMap(SHORTCUT, {"ab": tags, "acdb": DETOUR})


def assert_route(m: AsciiMap, router: Router, start: str, end: str, path: str) -> None:
    route = router.route(m.lonlat(start), m.lonlat(end))
    assert m.trace(route.coords) == path
    assert route.length_m == pytest.approx(m.length(path), abs=EXACT)


@pytest.mark.parametrize(
    ("tags", "path"),
    [
        ({"highway": "trunk"}, "ab"),
        ({"highway": "trunk_link"}, "ab"),
        ({"highway": "primary"}, "ab"),
        ({"highway": "secondary"}, "ab"),
        ({"highway": "footway"}, "ab"),
        ({"highway": "motorway"}, "acdb"),
        ({"highway": "motorway_link"}, "acdb"),
        ({"highway": "motorway", "foot": "yes"}, "ab"),
        ({"highway": "motorway", "foot": "designated"}, "ab"),
        ({"highway": "motorway_link", "foot": "permissive"}, "ab"),
        ({"highway": "cycleway"}, "acdb"),
        ({"highway": "cycleway", "foot": "yes"}, "ab"),
        ({"highway": "trunk", "foot": "no"}, "acdb"),
        ({"highway": "primary", "foot": "private"}, "acdb"),
        ({"highway": "primary", "foot": "use_sidepath"}, "acdb"),
        ({"highway": "residential", "access": "private"}, "acdb"),
        ({"highway": "residential", "access": "no"}, "acdb"),
        ({"highway": "service", "service": "private"}, "acdb"),
        ({"highway": "residential", "access": "no", "foot": "yes"}, "ab"),
        ({"highway": "residential", "access": "private", "foot": "designated"}, "ab"),
        ({"highway": "residential", "access": "private", "foot": "permissive"}, "ab"),
        ({"highway": "pedestrian", "area": "yes"}, "acdb"),
        ({"highway": "construction"}, "acdb"),
        ({"highway": "proposed"}, "acdb"),
    ],
)
def test_walk_profile_on_the_shortcut(build, tags: dict[str, str], path: str) -> None:
    m = shortcut_map(tags)
    net = build(m, "walk")
    assert_route(m, Router(net), "a", "b", path)
    assert_route(m, Router(net), "b", "a", path[::-1])
    kept_ways = set(net.way_osmid.tolist())
    assert (m.way_id("ab") in kept_ways) == (path == "ab")


def test_walk_takes_the_trunk_when_it_is_the_short_way(build) -> None:
    m = shortcut_map({"highway": "trunk", "ref": "BR-116", "name": "Rodovia BR-116"})
    route = Router(build(m, "walk")).route(m.lonlat("a"), m.lonlat("b"))
    assert m.trace(route.coords) == "ab"
    assert route.length_m == pytest.approx(m.length("ab"), abs=EXACT)
    assert [s["name"] for s in route.steps if s["length_m"] > 0] == ["Rodovia BR-116"]
    assert route.length_m == pytest.approx(800.0, abs=0.01)  # the drawing's scale


def test_route_from_a_junction_lists_only_streets_travelled(build) -> None:
    # a is the end of both "ab" and "acdb"; the origin may snap onto "acdb" at offset 0:
    # that 0 m stretch is not a step.
    m = shortcut_map({"highway": "trunk", "name": "Rodovia BR-116"})
    route = Router(build(m, "walk")).route(m.lonlat("a"), m.lonlat("b"))
    assert route.street_names == ["Rodovia BR-116"]
    assert all(s["length_m"] > 0 for s in route.steps)


def test_walk_does_not_prefer_the_trunk_when_it_is_longer(build) -> None:
    m = AsciiMap(SHORTCUT, {"ab": DETOUR, "acdb": {"highway": "trunk"}})
    net = build(m, "walk")
    assert_route(m, Router(net), "a", "b", "ab")
    assert_route(m, Router(net), "c", "d", "cd")


def test_walk_without_motorway_has_no_motorway_edges(build) -> None:
    m = shortcut_map({"highway": "motorway", "name": "Freeway"})
    net = build(m, "walk")
    assert "motorway" not in net.edge_attr("highway")
    assert set(net.node_osmid.tolist()) == {m.node_id("a"), m.node_id("b")}
    route = Router(net).route(m.lonlat("a"), m.lonlat("b"))
    assert route.street_names == ["Rua Lateral"]


@pytest.mark.parametrize(
    ("tags", "path"),
    [
        ({"highway": "motorway", "oneway": "no"}, "ab"),
        ({"highway": "trunk"}, "ab"),
        ({"highway": "residential"}, "ab"),
        ({"highway": "footway"}, "acdb"),
        ({"highway": "path"}, "acdb"),
        ({"highway": "pedestrian"}, "acdb"),
        ({"highway": "residential", "access": "no"}, "acdb"),
        ({"highway": "residential", "motor_vehicle": "private"}, "acdb"),
        ({"highway": "service", "service": "parking_aisle"}, "acdb"),
        ({"highway": "service", "service": "alley"}, "ab"),
    ],
)
def test_drive_profile_on_the_shortcut(build, tags: dict[str, str], path: str) -> None:
    m = shortcut_map(tags)
    net = build(m, "drive")
    assert_route(m, Router(net), "a", "b", path)
    assert_route(m, Router(net), "b", "a", path[::-1])


# ---------------------------------------------------------------------- one-way streets
# "abc" is one-way in its drawn direction a -> b -> c; "adec" the two-way way round.
ONEWAY = """
a---b---c
|       |
|       |
d-------e
"""


def oneway_map(tags: dict[str, str]) -> AsciiMap:
    return AsciiMap(ONEWAY, {"abc": tags, "adec": {"highway": "residential"}})


@pytest.mark.parametrize(
    ("tags", "profile", "forward", "backward"),
    [
        # walking ignores oneway, whatever its form
        ({"highway": "residential", "oneway": "yes"}, "walk", "abc", "cba"),
        ({"highway": "residential", "oneway": "-1"}, "walk", "abc", "cba"),
        ({"highway": "trunk", "oneway": "yes"}, "walk", "abc", "cba"),
        ({"highway": "residential", "junction": "roundabout"}, "walk", "abc", "cba"),
        # ... except oneway:foot
        ({"highway": "footway", "oneway:foot": "yes"}, "walk", "abc", "ceda"),
        ({"highway": "footway", "oneway:foot": "-1"}, "walk", "adec", "cba"),
        # driving follows it
        ({"highway": "residential", "oneway": "yes"}, "drive", "abc", "ceda"),
        ({"highway": "residential", "oneway": "true"}, "drive", "abc", "ceda"),
        ({"highway": "residential", "oneway": "1"}, "drive", "abc", "ceda"),
        ({"highway": "residential", "oneway": "-1"}, "drive", "adec", "cba"),
        ({"highway": "residential", "oneway": "reverse"}, "drive", "adec", "cba"),
        ({"highway": "residential", "oneway": "no"}, "drive", "abc", "cba"),
        ({"highway": "motorway"}, "drive", "abc", "ceda"),  # implied
        ({"highway": "motorway_link"}, "drive", "abc", "ceda"),
        ({"highway": "motorway", "oneway": "no"}, "drive", "abc", "cba"),
        ({"highway": "primary", "junction": "roundabout"}, "drive", "abc", "ceda"),
        ({"highway": "primary", "junction": "circular"}, "drive", "abc", "ceda"),
        ({"highway": "primary", "junction": "roundabout", "oneway": "no"}, "drive", "abc", "cba"),
    ],
)
def test_oneway(build, tags: dict[str, str], profile: str, forward: str, backward: str) -> None:
    m = oneway_map(tags)
    router = Router(build(m, profile))
    assert_route(m, router, "a", "c", forward)
    assert_route(m, router, "c", "a", backward)


def test_drive_detour_around_a_oneway_street_has_the_exact_length(build) -> None:
    m = oneway_map({"highway": "residential", "oneway": "yes"})
    walk = Router(build(m, "walk", name="walk.osm")).route(m.lonlat("c"), m.lonlat("a"))
    drive = Router(build(m, "drive", name="drive.osm")).route(m.lonlat("c"), m.lonlat("a"))
    assert walk.length_m == pytest.approx(m.length("cba"), abs=EXACT)
    assert drive.length_m == pytest.approx(
        m.length("ce") + m.length("ed") + m.length("da"), abs=EXACT
    )
    assert drive.length_m - walk.length_m == pytest.approx(600.0, abs=0.05)  # 1400 m vs 800 m


def test_oneway_edges_exist_in_one_direction_only(build) -> None:
    m = oneway_map({"highway": "residential", "oneway": "yes"})
    walk, drive = build(m, "walk", name="walk.osm"), build(m, "drive", name="drive.osm")
    assert (walk.n_nodes, walk.n_edges) == (2, 4)
    assert (drive.n_nodes, drive.n_edges) == (2, 3)
    ends = sorted(m.names(drive, [u, v]) for u, v in zip(drive.edge_u, drive.edge_v, strict=True))
    assert ends == ["ac", "ac", "ca"]  # a->c twice (both ways), c->a only on "adec"
    oneway_edges = [e for e, w in enumerate(drive.edge_attr("oneway")) if w == "yes"]
    assert len(oneway_edges) == 1
    assert m.names(drive, [drive.edge_u[oneway_edges[0]], drive.edge_v[oneway_edges[0]]]) == "ac"


# ---------------------------------------------------------------------- roundabout
# The ring "adcba" is drawn anticlockwise (a south to d, east to c, north to b, west to a),
# as in right-hand traffic; it carries junction=roundabout and no oneway tag. Arms: w-a, b-e.
ROUNDABOUT = """
w---a---b---e
    |   |
    |   |
    |   |
    d---c
"""
RING = {
    "adcba": {"highway": "primary", "junction": "roundabout", "name": "Rotatória"},
    "wa": {"highway": "primary", "name": "Av Oeste"},
    "be": {"highway": "primary", "name": "Av Leste"},
}


def test_drive_goes_round_the_roundabout(build) -> None:
    m = AsciiMap(ROUNDABOUT, RING)
    router = Router(build(m, "drive"))
    # westbound traffic enters at b and follows the ring b -> a directly
    assert_route(m, router, "e", "w", "ebaw")
    # eastbound traffic must go the long way round: a -> d -> c -> b
    route = router.route(m.lonlat("w"), m.lonlat("e"))
    assert m.trace(route.coords) == "wadcbe"
    assert route.length_m == pytest.approx(m.length("wadcbe"), abs=EXACT)
    assert route.street_names == ["Av Oeste", "Rotatória", "Av Leste"]
    assert route.length_m == pytest.approx(5 * 400, abs=0.05)


def test_walk_crosses_the_roundabout_either_way(build) -> None:
    m = AsciiMap(ROUNDABOUT, RING)
    router = Router(build(m, "walk"))
    assert_route(m, router, "w", "e", "wabe")
    assert_route(m, router, "e", "w", "ebaw")


def test_closed_roundabout_way_is_split_at_its_arms(build) -> None:
    m = AsciiMap(ROUNDABOUT, RING)
    net = build(m, "drive")
    assert m.names(net, range(net.n_nodes)) == "abew"  # c and d are shape points
    ring = [e for e, j in enumerate(net.edge_attr("name")) if j == "Rotatória"]
    pieces = sorted(
        (m.names(net, [net.edge_u[e], net.edge_v[e]]), net.edge_length[e]) for e in ring
    )
    assert [p for p, _ in pieces] == ["ab", "ba"]  # a->d->c->b, then b->a
    assert pieces[0][1] == pytest.approx(m.length("adcb"), abs=EXACT)
    assert pieces[1][1] == pytest.approx(m.length("ba"), abs=EXACT)


def test_drive_on_a_ring_with_one_graph_node(build) -> None:
    """A roundabout whose only junction is its start node: a self-loop segment."""
    m = AsciiMap(
        """
        w---a---b
            |   |
            d---c
        """,
        {"abcda": {"highway": "tertiary", "junction": "roundabout"}, "wa": {"highway": "tertiary"}},
    )
    net = build(m, "drive")
    assert m.names(net, range(net.n_nodes)) == "aw"
    router = Router(net)
    # b to c is along the ring: direct
    assert_route(m, router, "b", "c", "bc")
    # c to b is against it: c -> d -> a -> b
    assert_route(m, router, "c", "b", "cdab")
    assert_route(m, router, "w", "d", "wabcd")
    assert_route(m, router, "d", "w", "daw")
