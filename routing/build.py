"""Pure network builder: OSM ways in, :class:`~routing.network.Network` out.

Both the local-file reader and the online (Overpass) path hand their ways to
:func:`build_network`, so offline tests exercise the same builder as production downloads.

Steps, all vectorized over flat arrays:

1. the profile decides, per way, whether it is kept and in which directions;
2. nodes without a location, or outside the clip polygon, cut ways into *runs*;
3. graph nodes are run ends and nodes used more than once; runs are split there into
   segments, whose geodesic lengths (WGS 84 ellipsoid) are summed from their vertices;
4. optionally, only the largest connected part is kept.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from routing.errors import EmptyNetworkError
from routing.geodesy import geodesic_steps
from routing.network import ATTR_KEYS, Network
from routing.osm import OSMData, read_osm
from routing.profiles import Profile, get_profile

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry

Progress = Callable[[str], None]


def _sidewalk(tags: dict[str, str]) -> str | None:
    if "sidewalk" in tags:
        return tags["sidewalk"]
    if "sidewalk:both" in tags:
        return "both" if tags["sidewalk:both"] in {"yes", "separate"} else tags["sidewalk:both"]
    left = tags.get("sidewalk:left") in {"yes", "separate"}
    right = tags.get("sidewalk:right") in {"yes", "separate"}
    if left or right:
        return "both" if left and right else ("left" if left else "right")
    if "sidewalk:left" in tags or "sidewalk:right" in tags:
        return "no"
    return None


def _way_table(
    osm: OSMData, ways: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int32], list[str]]:
    strings: dict[str, int] = {"": 0}
    rows = np.zeros((len(ways), len(ATTR_KEYS)), dtype=np.int32)
    for r, w in enumerate(ways.tolist()):
        tags = osm.way_tags[w]
        for c, key in enumerate(ATTR_KEYS):
            value = _sidewalk(tags) if key == "sidewalk" else tags.get(key)
            if value is not None:
                rows[r, c] = strings.setdefault(value, len(strings))
    return rows, sorted(strings, key=strings.__getitem__)


def _empty(profile: Profile, osm: OSMData, *, clipped: bool) -> EmptyNetworkError:
    where = " inside the clip area" if clipped else ""
    return EmptyNetworkError(
        f"no way usable by the {profile.name!r} profile{where} in {osm.source or 'the data'} "
        f"({osm.n_ways} highway ways read)"
    )


def build_network(
    osm: OSMData,
    profile: Profile | str = "walk",
    *,
    clip: BaseGeometry | None = None,
    retain_all: bool = False,
    progress: Progress | None = None,
) -> Network:
    """Build a routable network from OSM ways.

    Parameters
    ----------
    osm : OSMData
        Ways from :func:`routing.osm.read_osm` or :func:`routing.osm.osm_from_overpass`.
    profile : Profile or str
        Travel profile (``walk`` keeps trunk/primary roads, drops motorways unless
        ``foot=yes``; ``drive`` applies one-way rules).
    clip : shapely geometry, optional
        Polygon in lon/lat; ways are cut where they leave it.
    retain_all : bool
        Keep every connected part; by default only the largest one is kept.
    progress : callable, optional
        Called with a short label as each step starts.

    Returns
    -------
    Network

    Raises
    ------
    EmptyNetworkError
        If no way of the profile is left (after clipping).
    """
    prof = get_profile(profile) if isinstance(profile, str) else profile
    say = progress or (lambda _label: None)
    t0 = time.perf_counter()

    say("filtering ways")
    directions = np.array([prof.directions(t) for t in osm.way_tags], dtype=bool).reshape(-1, 2)
    way_fwd, way_bwd = directions[:, 0], directions[:, 1]
    lengths = np.diff(osm.offsets)
    way_of_ref = np.repeat(np.arange(osm.n_ways, dtype=np.int64), lengths)
    valid = (way_fwd | way_bwd)[way_of_ref] & np.isfinite(osm.lon) & np.isfinite(osm.lat)
    if clip is not None:
        import shapely

        say("clipping")
        inside = np.zeros_like(valid)
        idx = np.flatnonzero(valid)
        inside[idx] = shapely.contains_xy(clip, osm.lon[idx], osm.lat[idx])
        valid &= inside

    if not valid.any():
        raise _empty(prof, osm, clipped=clip is not None)
    say("splitting ways")
    way_start = np.zeros(len(valid), dtype=bool)
    way_start[osm.offsets[:-1][lengths > 0]] = True
    prev_valid = np.concatenate([[False], valid[:-1]]) & ~way_start
    run_start = valid & ~prev_valid
    run_id = np.cumsum(run_start) - 1
    # drop runs of one node: they make no segment
    run_len = np.bincount(run_id[valid], minlength=int(run_start.sum()))
    valid &= run_len[np.maximum(run_id, 0)] >= 2
    if not valid.any():
        raise _empty(prof, osm, clipped=clip is not None)
    pos = np.flatnonzero(valid)
    node_ids = osm.node_ids[pos]
    lon, lat = osm.lon[pos], osm.lat[pos]
    runs = run_id[pos]
    ways = way_of_ref[pos]
    first = np.concatenate([[True], runs[1:] != runs[:-1]])
    last = np.concatenate([runs[1:] != runs[:-1], [True]])
    uniq, inverse, counts = np.unique(node_ids, return_inverse=True, return_counts=True)
    is_graph = first | last | (counts[inverse] > 1)

    say("measuring segments")
    steps = geodesic_steps(lon, lat, keep=runs[1:] == runs[:-1])
    cum = np.concatenate([[0.0], np.cumsum(steps)])
    gpos = np.flatnonzero(is_graph)
    same_run = runs[gpos[1:]] == runs[gpos[:-1]]
    seg_start = gpos[:-1][same_run]
    seg_end = gpos[1:][same_run]
    node_index = inverse  # index into uniq for every kept reference
    graph_ids = np.unique(uniq[inverse[gpos]])
    remap = np.full(len(uniq), -1, dtype=np.int64)
    remap[np.searchsorted(uniq, graph_ids)] = np.arange(len(graph_ids))
    seg_u = remap[node_index[seg_start]].astype(np.int32)
    seg_v = remap[node_index[seg_end]].astype(np.int32)
    node_pos = np.zeros(len(graph_ids), dtype=np.int64)
    node_pos[remap[node_index[gpos]]] = gpos
    seg_ways = ways[seg_start]
    used_ways, seg_way = np.unique(seg_ways, return_inverse=True)

    say("collecting attributes")
    way_attrs, strings = _way_table(osm, used_ways)
    network = Network(
        profile=prof.name,
        node_osmid=graph_ids.astype(np.int64),
        node_lon=lon[node_pos],
        node_lat=lat[node_pos],
        coord_lon=lon,
        coord_lat=lat,
        coord_cum=cum,
        seg_u=seg_u,
        seg_v=seg_v,
        seg_start=seg_start.astype(np.int64),
        seg_end=seg_end.astype(np.int64),
        seg_length=cum[seg_end] - cum[seg_start],
        seg_way=seg_way.astype(np.int32),
        seg_fwd=way_fwd[seg_ways],
        seg_bwd=way_bwd[seg_ways],
        way_osmid=osm.way_ids[used_ways],
        way_attrs=way_attrs,
        strings=strings,
        meta={
            "source": osm.source,
            "profile": prof.name,
            "clipped": clip is not None,
            "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        },
    )
    if not retain_all:
        say("keeping the largest connected part")
        network = network.largest_component()
    network.meta["build_seconds"] = round(time.perf_counter() - t0, 3)
    return network


def network_from_file(
    path: str | os.PathLike[str],
    profile: Profile | str = "walk",
    *,
    clip: BaseGeometry | None = None,
    retain_all: bool = False,
    progress: Progress | None = None,
) -> Network:
    """Read a local OSM file and build its network (see :func:`build_network`).

    Parameters
    ----------
    path : str or os.PathLike
        ``.osm.pbf``, ``.osm`` or ``.osm.bz2`` file.
    profile : Profile or str
        Travel profile.
    clip : shapely geometry, optional
        Polygon in lon/lat to cut the network to; its bounds pre-filter the read.
    retain_all : bool
        Keep every connected part.
    progress : callable, optional
        Called with a label as each step starts.

    Returns
    -------
    Network
    """
    if progress:
        progress("reading OSM")
    bbox = tuple(clip.bounds) if clip is not None else None
    osm = read_osm(path, bbox=bbox)  # type: ignore[arg-type]
    network = build_network(osm, profile, clip=clip, retain_all=retain_all, progress=progress)
    network.meta["source"] = Path(path).name
    network.meta["source_sha256"] = file_sha256(path)
    return network


def file_sha256(path: str | os.PathLike[str]) -> str:
    """Hex SHA-256 of a file (the source extract's checksum in a network's header)."""
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()
