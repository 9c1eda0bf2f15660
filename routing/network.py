"""The routable network: compact arrays, saved and loaded in one file.

A network is a set of *segments*: pieces of OSM ways between two graph nodes (nodes shared by
several ways, or way ends), each with its geometry, geodesic length, the directions in which
the profile allows it, and the OSM way it came from. Each allowed direction is a directed
*edge*; edges are numbered ``0 .. n_edges - 1`` by :attr:`Network.edge_seg`.

Ways are never merged across OSM way boundaries, so every edge carries exact per-way
attributes (highway class, name, lit, sidewalk, surface, maxspeed, foot, way id) for the safety
model.
"""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from routing.errors import NetworkFormatError
from routing.files import atomic_path
from routing.snapping import SnapIndex
from routing.storage import read_arrays, write_arrays

if TYPE_CHECKING:
    import geopandas as gpd
    import networkx as nx

#: Per-way attributes kept on the network, in this column order of :attr:`Network.way_attrs`.
ATTR_KEYS: tuple[str, ...] = (
    "highway",
    "name",
    "ref",
    "lit",
    "sidewalk",
    "surface",
    "maxspeed",
    "foot",
    "oneway",
    "bridge",
    "tunnel",
    "layer",
)
FORMAT_NAME = "geomap-network"
FORMAT_VERSION = 2

#: Arrays derived from the stored ones, computed once (at save time) and loaded with the file.
DERIVED: tuple[str, ...] = (
    "edge_seg",
    "edge_rev",
    "edge_u",
    "edge_v",
    "edge_length",
    "segment_edges",
    "csr_fwd_indptr",
    "csr_fwd_adj",
    "csr_fwd_order",
    "csr_bwd_indptr",
    "csr_bwd_adj",
    "csr_bwd_order",
)

IntArray = npt.NDArray[np.int64]
Int32Array = npt.NDArray[np.int32]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


_PROPERTIES = frozenset(
    {"edge_seg", "edge_rev", "edge_u", "edge_v", "edge_length", "segment_edges"}
)


def _geomap_version() -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("geomap")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return None


@dataclass(eq=False)
class Network:
    """A routable street network held in numpy arrays.

    Attributes
    ----------
    profile : str
        The travel profile it was built for (``walk`` or ``drive``).
    node_osmid, node_lon, node_lat : ndarray
        Graph nodes: OSM node id and WGS 84 location.
    coord_lon, coord_lat : ndarray
        Flattened segment geometries (WGS 84).
    coord_cum : ndarray
        Cumulative geodesic length in metres along the flattened geometry; only differences
        within one segment are meaningful.
    seg_u, seg_v : ndarray
        Segment end nodes (indices into the node arrays), in the way's drawn direction.
    seg_start, seg_end : ndarray
        First and last coordinate index of each segment's geometry (inclusive).
    seg_length : ndarray
        Segment length in metres.
    seg_way : ndarray
        Index of the segment's way in the way table.
    seg_fwd, seg_bwd : ndarray
        Whether the profile allows the segment in its drawn direction / against it.
    way_osmid : ndarray
        OSM way id of each way.
    way_attrs : ndarray
        ``(n_ways, len(ATTR_KEYS))`` codes into :attr:`strings`; code 0 is "absent".
    strings : list of str
        The string table; ``strings[0] == ""``.
    meta : dict
        Provenance: source file, profile, clip area, build time.
    """

    profile: str
    node_osmid: IntArray
    node_lon: FloatArray
    node_lat: FloatArray
    coord_lon: FloatArray
    coord_lat: FloatArray
    coord_cum: FloatArray
    seg_u: Int32Array
    seg_v: Int32Array
    seg_start: IntArray
    seg_end: IntArray
    seg_length: FloatArray
    seg_way: Int32Array
    seg_fwd: BoolArray
    seg_bwd: BoolArray
    way_osmid: IntArray
    way_attrs: Int32Array
    strings: list[str]
    meta: dict[str, Any] = field(default_factory=dict)

    # ------------------------------------------------------------------ sizes
    @property
    def n_nodes(self) -> int:
        """Number of graph nodes."""
        return len(self.node_osmid)

    @property
    def n_segments(self) -> int:
        """Number of undirected segments."""
        return len(self.seg_u)

    @property
    def n_edges(self) -> int:
        """Number of directed edges."""
        return len(self.edge_seg)

    @property
    def crs(self) -> str:
        """Coordinate reference system of every coordinate: WGS 84 lon/lat."""
        return "EPSG:4326"

    def __repr__(self) -> str:
        return (
            f"Network(profile={self.profile!r}, nodes={self.n_nodes}, "
            f"edges={self.n_edges}, ways={len(self.way_osmid)})"
        )

    # ------------------------------------------------------------------ edges
    @cached_property
    def edge_seg(self) -> Int32Array:
        """Segment of each directed edge (forward edges first, then backward ones)."""
        fwd = np.flatnonzero(self.seg_fwd).astype(np.int32)
        bwd = np.flatnonzero(self.seg_bwd).astype(np.int32)
        return np.concatenate([fwd, bwd])

    @cached_property
    def edge_rev(self) -> BoolArray:
        """Whether each directed edge runs against its segment's drawn direction."""
        rev = np.zeros(self.n_edges, dtype=bool)
        rev[int(self.seg_fwd.sum()) :] = True
        return rev

    @cached_property
    def segment_edges(self) -> Int32Array:
        """``(n_segments, 2)``: forward and backward directed edge of each segment (-1: none)."""
        pairs = np.full((self.n_segments, 2), -1, dtype=np.int32)
        pairs[self.edge_seg, self.edge_rev.astype(np.int64)] = np.arange(self.n_edges)
        return pairs

    @cached_property
    def edge_u(self) -> Int32Array:
        """Tail node of each directed edge."""
        u, v = self.seg_u[self.edge_seg], self.seg_v[self.edge_seg]
        return np.where(self.edge_rev, v, u).astype(np.int32)

    @cached_property
    def edge_v(self) -> Int32Array:
        """Head node of each directed edge."""
        u, v = self.seg_u[self.edge_seg], self.seg_v[self.edge_seg]
        return np.where(self.edge_rev, u, v).astype(np.int32)

    def csr(self, *, reverse: bool = False) -> tuple[IntArray, Int32Array, Int32Array]:
        """The graph as CSR arrays: ``(indptr, adj, order)``, forward or reversed.

        ``order[k]`` is the directed edge of arc ``k`` (arcs sorted by tail node; reversed: by
        head node) and ``adj[k]`` the node it leads to. Computed once, saved with the network.
        """
        key = "csr_bwd" if reverse else "csr_fwd"
        d = self.__dict__
        if f"{key}_order" not in d:
            tails, heads = (self.edge_v, self.edge_u) if reverse else (self.edge_u, self.edge_v)
            order = np.argsort(tails, kind="stable").astype(np.int32)
            indptr = np.zeros(self.n_nodes + 1, dtype=np.int64)
            np.cumsum(np.bincount(tails, minlength=self.n_nodes), out=indptr[1:])
            d[f"{key}_indptr"], d[f"{key}_adj"], d[f"{key}_order"] = indptr, heads[order], order
        return d[f"{key}_indptr"], d[f"{key}_adj"], d[f"{key}_order"]

    @cached_property
    def edge_length(self) -> FloatArray:
        """Length of each directed edge in metres."""
        return self.seg_length[self.edge_seg]

    @cached_property
    def projection(self) -> Any:
        """A pyproj transformer from lon/lat to a transverse Mercator centred on the network.

        Used wherever metres are needed locally (exposure to risk zones, catchments). The centre
        longitude is the circular mean of the nodes' longitudes, so a network that spans the
        antimeridian is centred on it, not on the far side of the Earth.
        """
        from pyproj import Transformer

        lon0, lat0 = self.centre
        return Transformer.from_crs(
            "EPSG:4326",
            f"+proj=tmerc +lon_0={lon0} +lat_0={lat0} +k=1 +ellps=WGS84 +units=m",
            always_xy=True,
        )

    @cached_property
    def centre(self) -> tuple[float, float]:
        """``(lon, lat)`` centre of the nodes: circular mean longitude, median latitude."""
        if not self.n_nodes:
            return 0.0, 0.0
        rad = np.radians(self.node_lon)
        lon0 = float(np.degrees(np.arctan2(np.sin(rad).mean(), np.cos(rad).mean())))
        return lon0, float(np.median(self.node_lat))

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        """``(west, south, east, north)`` of the nodes in degrees.

        ``west > east`` when the network spans the antimeridian.
        """
        if not self.n_nodes:
            return (0.0, 0.0, 0.0, 0.0)
        lon = np.sort(np.asarray(self.node_lon))
        gaps = np.diff(np.concatenate([lon, [lon[0] + 360.0]]))
        widest = int(np.argmax(gaps))  # the largest empty arc of longitudes is outside
        west, east = float(lon[(widest + 1) % len(lon)]), float(lon[widest])
        return west, float(np.min(self.node_lat)), east, float(np.max(self.node_lat))

    @cached_property
    def snapper(self) -> SnapIndex:
        """The snapping index (a packed R-tree of straight pieces), shared by every router."""
        return SnapIndex.build(self)

    def covers(
        self, lon: Any, lat: Any, *, max_snap_m: float = 500.0, margin_km: float = 1.0
    ) -> BoolArray:
        """Whether each point lies within ``max_snap_m`` of a road of this network.

        A cheap bounding-box test (grown by ``margin_km``) rejects far points before the
        snapping index is asked; a service holding several networks uses it to pick the one
        that covers a point.

        Parameters
        ----------
        lon, lat : float or array-like
            Points in degrees.
        max_snap_m : float
            Snapping distance limit.
        margin_km : float
            Margin around the nodes' bounding box.

        Returns
        -------
        ndarray of bool
        """
        x = np.atleast_1d(np.asarray(lon, dtype=np.float64))
        y = np.atleast_1d(np.asarray(lat, dtype=np.float64))
        out = np.zeros(len(x), dtype=bool)
        if not self.n_nodes:
            return out
        west, south, east, north = self.bbox
        pad = margin_km / 111.0 + max_snap_m / 111_000.0
        cos = max(0.01, float(np.cos(np.radians(min(89.0, max(abs(south), abs(north)))))))
        span = (east - west) % 360.0
        inside = (
            np.isfinite(x) & np.isfinite(y) & (y >= south - pad) & (y <= north + pad)
            & (((x - west) % 360.0 <= span + pad / cos) | ((west - x) % 360.0 <= pad / cos))
        )  # fmt: skip
        idx = np.flatnonzero(inside)
        if len(idx):
            found = self.snapper.nearest(x[idx], y[idx])
            out[idx] = found.distance_m <= max_snap_m
        return out

    def edge_attr(self, key: str) -> list[str | None]:
        """Value of a way attribute for every directed edge (None when absent).

        Parameters
        ----------
        key : str
            One of :data:`ATTR_KEYS`.

        Returns
        -------
        list of str or None
            Decoded once per key and kept: do not modify it.
        """
        cache: dict[str, list[str | None]] = self.__dict__.setdefault("_edge_attr_cache", {})
        if key not in cache:
            codes = self.way_attrs[self.seg_way[self.edge_seg], ATTR_KEYS.index(key)]
            cache[key] = self._decode(codes)
        return cache[key]

    def segment_attr(self, key: str) -> list[str | None]:
        """Value of a way attribute for every segment (None when absent)."""
        return self._decode(self.way_attrs[self.seg_way, ATTR_KEYS.index(key)])

    def way_attr_in(self, key: str, values: Iterable[str | None]) -> BoolArray:
        """Per way, whether attribute ``key`` is one of ``values`` (None stands for absent)."""
        wanted = set(values)
        table: list[str | None] = [None, *self.strings[1:]]
        hit = np.array([t in wanted for t in table], dtype=bool)
        return hit[self.way_attrs[:, ATTR_KEYS.index(key)]]

    def edge_attr_in(self, key: str, values: Iterable[str | None]) -> BoolArray:
        """Per directed edge, whether attribute ``key`` is one of ``values`` (vectorized)."""
        return self.way_attr_in(key, values)[self.seg_way[self.edge_seg]]

    def _decode(self, codes: npt.NDArray[np.int32]) -> list[str | None]:
        table: list[str | None] = [None, *self.strings[1:]]
        return [table[c] for c in codes.tolist()]

    def edge_coords(self, edge: int) -> FloatArray:
        """``(k, 2)`` lon/lat coordinates of a directed edge, in travel order."""
        s = int(self.edge_seg[edge])
        coords = self.segment_coords(s)
        return coords[::-1] if self.edge_rev[edge] else coords

    def segment_coords(self, seg: int) -> FloatArray:
        """``(k, 2)`` lon/lat coordinates of a segment in its drawn direction."""
        a, b = int(self.seg_start[seg]), int(self.seg_end[seg]) + 1
        return np.column_stack([self.coord_lon[a:b], self.coord_lat[a:b]])

    # ------------------------------------------------------------------ subsets
    def subset(self, seg_mask: BoolArray) -> Network:
        """A new network with only the segments where ``seg_mask`` is true, compacted.

        Parameters
        ----------
        seg_mask : ndarray of bool
            One flag per segment.

        Returns
        -------
        Network
            Nodes, coordinates and ways no kept segment uses are dropped. ``self`` is not
            changed.
        """
        keep = np.flatnonzero(seg_mask)
        starts = self.seg_start[keep]
        counts = self.seg_end[keep] - starts + 1
        new_end = np.cumsum(counts) - 1
        new_start = new_end - counts + 1
        coord_idx = np.repeat(starts - new_start, counts) + np.arange(int(counts.sum()))
        used_nodes, inverse = np.unique(
            np.concatenate([self.seg_u[keep], self.seg_v[keep]]), return_inverse=True
        )
        used_ways, way_inv = np.unique(self.seg_way[keep], return_inverse=True)
        n = len(keep)
        return Network(
            profile=self.profile,
            node_osmid=self.node_osmid[used_nodes],
            node_lon=self.node_lon[used_nodes],
            node_lat=self.node_lat[used_nodes],
            coord_lon=self.coord_lon[coord_idx],
            coord_lat=self.coord_lat[coord_idx],
            coord_cum=self.coord_cum[coord_idx],
            seg_u=inverse[:n].astype(np.int32),
            seg_v=inverse[n:].astype(np.int32),
            seg_start=new_start.astype(np.int64),
            seg_end=new_end.astype(np.int64),
            seg_length=self.seg_length[keep],
            seg_way=way_inv.astype(np.int32),
            seg_fwd=self.seg_fwd[keep],
            seg_bwd=self.seg_bwd[keep],
            way_osmid=self.way_osmid[used_ways],
            way_attrs=self.way_attrs[used_ways],
            strings=list(self.strings),
            meta=dict(self.meta),
        )

    def largest_component(self) -> Network:
        """The largest weakly connected part of the network (a new network)."""
        from routing.components import weak_components

        n = self.n_nodes
        if n == 0:
            return self
        labels = weak_components(n, self.seg_u, self.seg_v)
        biggest = np.argmax(np.bincount(labels))
        return self.subset(labels[self.seg_u] == biggest)

    # ------------------------------------------------------------------ file I/O
    _ARRAYS: tuple[str, ...] = (
        "node_osmid",
        "node_lon",
        "node_lat",
        "coord_lon",
        "coord_lat",
        "coord_cum",
        "seg_u",
        "seg_v",
        "seg_start",
        "seg_end",
        "seg_length",
        "seg_way",
        "seg_fwd",
        "seg_bwd",
        "way_osmid",
        "way_attrs",
    )

    def header(self) -> dict[str, Any]:
        """What a saved network says about itself (see :meth:`save`)."""
        west, south, east, north = self.bbox
        meta = dict(self.meta)
        return {
            "format": FORMAT_NAME,
            "version": FORMAT_VERSION,
            "id": meta.pop("id", None),
            "name": meta.pop("name", None),
            "countries": meta.pop("countries", []),
            "bbox": [west, south, east, north],
            "nodes": self.n_nodes,
            "edges": self.n_edges,
            "segments": self.n_segments,
            "source": meta.pop("source", None),
            "source_sha256": meta.pop("source_sha256", None),
            "built_at": meta.pop("built_at", None),
            "profile": self.profile,
            "geomap_version": _geomap_version(),
            "attr_keys": list(ATTR_KEYS),
            "strings": self.strings,
            "meta": {k: v for k, v in meta.items() if k != "profile"},
        }

    def save(self, path: str | os.PathLike[str], *, hierarchy: bool = True) -> Path:
        """Save the network to one file that loads by memory-mapping, atomically.

        The file is an uncompressed ``.npz`` (see :mod:`routing.storage`) holding the network,
        everything derived from it that a process would otherwise recompute at start (directed
        edges, forward and reverse CSR arrays, the snapping index) and, with ``hierarchy``, the
        node order of the contraction hierarchy. The header carries the metadata of
        :meth:`header`. It is written next to its destination and renamed into place.

        Parameters
        ----------
        path : str or os.PathLike
            Destination; ``.npz`` is the customary suffix.
        hierarchy : bool
            Compute and store the contraction hierarchy's node order (the expensive,
            weight-independent step of routing; needs pyroutingkit).

        Returns
        -------
        Path
            The path written.
        """
        arrays: dict[str, Any] = {name: getattr(self, name) for name in self._ARRAYS}
        self.csr(reverse=False)
        self.csr(reverse=True)
        for name in DERIVED:
            arrays[name] = getattr(self, name) if name in _PROPERTIES else self.__dict__[name]
        for name, value in self.snapper.arrays().items():
            arrays[f"snap_{name}"] = value
        if hierarchy and self.n_nodes:
            arrays["cch_order"] = self.hierarchy_order
        return write_arrays(path, self.header(), arrays)

    @cached_property
    def hierarchy_order(self) -> npt.NDArray[np.uint32]:
        """The contraction hierarchy's node order (nested dissection; computed once)."""
        from routing.hierarchy import compute_order

        return compute_order(self)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Network:
        """Load a network written by :meth:`save`, memory-mapped read-only.

        Arrays are views of the file: nothing is copied, and processes that load the same file
        share its pages. Files of format version 1 (plain ``.npz``) are still read, into memory,
        and their derived arrays are computed on first use.

        Parameters
        ----------
        path : str or os.PathLike
            The file.

        Returns
        -------
        Network

        Raises
        ------
        NetworkFormatError
            If the file is not a geomap network or has an unsupported format version.
        """
        p = Path(path)
        try:
            header, arrays = read_arrays(p)
        except FileNotFoundError:
            raise NetworkFormatError(f"network file not found: {p}") from None
        except (OSError, ValueError, KeyError, zipfile.BadZipFile, json.JSONDecodeError) as exc:
            raise NetworkFormatError(f"{p}: not a geomap network file ({exc})") from exc
        version = header.get("version")
        if header.get("format") != FORMAT_NAME or version not in (1, FORMAT_VERSION):
            raise NetworkFormatError(
                f"{p}: unsupported network format {header.get('format')!r} "
                f"version {version!r}; rebuild it with 'geomap network build'"
            )
        missing = [name for name in cls._ARRAYS if name not in arrays]
        if missing:
            raise NetworkFormatError(f"{p}: not a geomap network file (no {', '.join(missing)})")
        keys = list(header.get("attr_keys", []))
        if keys != list(ATTR_KEYS):
            if not set(keys) <= set(ATTR_KEYS):
                raise NetworkFormatError(
                    f"{p}: attribute columns differ from this geomap version; rebuild it with "
                    "'geomap network build'"
                )
            old = arrays["way_attrs"]
            table = np.zeros((len(old), len(ATTR_KEYS)), dtype=np.int32)
            for c, key in enumerate(keys):
                table[:, ATTR_KEYS.index(key)] = old[:, c]
            arrays["way_attrs"] = table
        meta = dict(header.get("meta", {}))
        for key in ("id", "name", "countries", "source", "source_sha256", "built_at"):
            if header.get(key) is not None:
                meta[key] = header[key]
        net = cls(
            profile=header["profile"],
            strings=list(header["strings"]),
            meta=meta,
            **{name: arrays[name] for name in cls._ARRAYS},
        )
        for name in DERIVED:
            if name in arrays:
                net.__dict__[name] = arrays[name]
        snap = {k.removeprefix("snap_"): v for k, v in arrays.items() if k.startswith("snap_")}
        if snap:
            net.__dict__["snapper"] = SnapIndex.from_arrays(net, snap)
        if "cch_order" in arrays:
            net.__dict__["hierarchy_order"] = arrays["cch_order"]
        return net

    # ------------------------------------------------------------------ networkx
    def to_networkx(self) -> nx.MultiDiGraph:
        """An osmnx-compatible ``MultiDiGraph`` of the network.

        Nodes are keyed by OSM node id with ``x``, ``y`` (lon, lat) and ``street_count``;
        edges carry ``osmid`` (way id), ``length`` (m), ``geometry`` (shapely LineString),
        ``oneway``, ``reversed``, ``edge_id`` (index of the directed edge here) and the way
        attributes that are present. The graph has ``crs`` and ``simplified=True``.

        Returns
        -------
        networkx.MultiDiGraph
        """
        import networkx as nx
        import shapely

        graph = nx.MultiDiGraph(crs="epsg:4326", simplified=True, profile=self.profile)
        osmid = self.node_osmid.tolist()
        degree = np.bincount(
            np.concatenate([self.seg_u, self.seg_v]), minlength=self.n_nodes
        ).tolist()
        graph.add_nodes_from(
            (osmid[i], {"x": x, "y": y, "street_count": degree[i]})
            for i, (x, y) in enumerate(
                zip(self.node_lon.tolist(), self.node_lat.tolist(), strict=True)
            )
        )
        attr_columns = {key: self.edge_attr(key) for key in ATTR_KEYS}
        seg = self.edge_seg
        oneway = (self.seg_fwd ^ self.seg_bwd)[seg].tolist()
        way = self.way_osmid[self.seg_way[seg]].tolist()
        u, v = self.edge_u.tolist(), self.edge_v.tolist()
        lengths = self.edge_length.tolist()
        rev = self.edge_rev.tolist()
        for e in range(self.n_edges):
            data: dict[str, Any] = {
                "osmid": way[e],
                "length": lengths[e],
                "oneway": oneway[e],
                "reversed": rev[e],
                "edge_id": e,
                "geometry": shapely.LineString(self.edge_coords(e)),
            }
            for key, values in attr_columns.items():
                if key != "oneway" and values[e] is not None:
                    data[key] = values[e]
            graph.add_edge(osmid[u[e]], osmid[v[e]], **data)
        return graph

    @classmethod
    def from_networkx(cls, graph: nx.MultiDiGraph, *, profile: str = "walk") -> Network:
        """Build a network from an osmnx-style ``MultiDiGraph``.

        Every directed edge becomes a one-directional segment. Node ``x``/``y`` must be WGS 84
        lon/lat; an edge's ``length`` is used as given (computed geodesically if missing), its
        ``geometry`` when present, and its ``osmid`` and way attributes when present.

        Parameters
        ----------
        graph : networkx.MultiDiGraph
            The graph; it is not modified.
        profile : str
            Profile name recorded on the network.

        Returns
        -------
        Network
        """
        from routing.geodesy import geodesic_steps

        nodes = list(graph.nodes)
        index = {n: i for i, n in enumerate(nodes)}
        xs = np.array([graph.nodes[n]["x"] for n in nodes], dtype=np.float64)
        ys = np.array([graph.nodes[n]["y"] for n in nodes], dtype=np.float64)
        node_osmid = np.array(
            [
                graph.nodes[n].get("osmid", n) if isinstance(n, int) else i
                for i, n in enumerate(nodes)
            ],
            dtype=np.int64,
        )
        lon: list[float] = []
        lat: list[float] = []
        seg_u: list[int] = []
        seg_v: list[int] = []
        starts: list[int] = []
        lengths: list[float] = []
        strings: dict[str, int] = {"": 0}
        way_rows: list[list[int]] = []
        way_ids: list[int] = []
        for u, v, data in graph.edges(data=True):
            iu, iv = index[u], index[v]
            geom = data.get("geometry")
            coords = list(geom.coords) if geom is not None else [(xs[iu], ys[iu]), (xs[iv], ys[iv])]
            starts.append(len(lon))
            lon.extend(c[0] for c in coords)
            lat.extend(c[1] for c in coords)
            seg_u.append(iu)
            seg_v.append(iv)
            lengths.append(float(data["length"]) if "length" in data else float("nan"))
            row = []
            for key in ATTR_KEYS:
                value = data.get(key)
                if isinstance(value, list):
                    value = ";".join(map(str, value))
                text = "" if value is None else str(value)
                row.append(strings.setdefault(text, len(strings)))
            way_rows.append(row)
            osm = data.get("osmid", -1)
            way_ids.append(int(osm[0] if isinstance(osm, list) else osm))
        coord_lon = np.asarray(lon, dtype=np.float64)
        coord_lat = np.asarray(lat, dtype=np.float64)
        steps = geodesic_steps(coord_lon, coord_lat)
        coord_cum = np.concatenate([[0.0], np.cumsum(steps)])
        seg_start = np.asarray(starts, dtype=np.int64)
        seg_end = np.append(seg_start[1:], len(coord_lon)) - 1
        seg_length = np.asarray(lengths, dtype=np.float64)
        missing = np.isnan(seg_length)
        seg_length[missing] = (coord_cum[seg_end] - coord_cum[seg_start])[missing]
        n = len(seg_u)
        return cls(
            profile=profile,
            node_osmid=node_osmid,
            node_lon=xs,
            node_lat=ys,
            coord_lon=coord_lon,
            coord_lat=coord_lat,
            coord_cum=coord_cum,
            seg_u=np.asarray(seg_u, dtype=np.int32),
            seg_v=np.asarray(seg_v, dtype=np.int32),
            seg_start=seg_start,
            seg_end=seg_end.astype(np.int64),
            seg_length=seg_length,
            seg_way=np.arange(n, dtype=np.int32),
            seg_fwd=np.ones(n, dtype=bool),
            seg_bwd=np.zeros(n, dtype=bool),
            way_osmid=np.asarray(way_ids, dtype=np.int64),
            way_attrs=np.asarray(way_rows, dtype=np.int32).reshape(n, len(ATTR_KEYS)),
            strings=sorted(strings, key=strings.__getitem__),
            meta={"source": "networkx"},
        )

    # ------------------------------------------------------------------ GIS export
    def nodes_gdf(self) -> gpd.GeoDataFrame:
        """Graph nodes as a GeoDataFrame (``osmid``, point geometry, EPSG:4326)."""
        import geopandas as gpd

        return gpd.GeoDataFrame(
            {"osmid": self.node_osmid},
            geometry=gpd.points_from_xy(self.node_lon, self.node_lat),
            crs=self.crs,
        )

    def edges_gdf(self) -> gpd.GeoDataFrame:
        """Directed edges as a GeoDataFrame with their attributes and LineStrings."""
        import geopandas as gpd
        import shapely

        seg = self.edge_seg
        counts = (self.seg_end - self.seg_start + 1)[seg]
        parts = []
        for e in range(self.n_edges):
            parts.append(self.edge_coords(e))
        coords = np.concatenate(parts) if parts else np.empty((0, 2))
        lines = shapely.linestrings(coords, indices=np.repeat(np.arange(self.n_edges), counts))
        columns: dict[str, Any] = {
            "edge_id": np.arange(self.n_edges),
            "u": self.node_osmid[self.edge_u],
            "v": self.node_osmid[self.edge_v],
            "osmid": self.way_osmid[self.seg_way[seg]],
            "length": self.edge_length,
            "reversed": self.edge_rev,
        }
        for key in ATTR_KEYS:
            columns[key] = self.edge_attr(key)
        return gpd.GeoDataFrame(columns, geometry=lines, crs=self.crs)

    def export(self, path: str | os.PathLike[str]) -> Path:
        """Write nodes and edges as a GeoPackage (two layers) or edges as GeoJSON.

        The format follows the suffix: ``.gpkg`` or ``.geojson``/``.json``. The file is
        written to a temporary name and renamed into place.

        Parameters
        ----------
        path : str or os.PathLike
            Destination file.

        Returns
        -------
        Path
            The path written.
        """
        dest = Path(path)
        suffix = dest.suffix.lower()
        if suffix not in {".gpkg", ".geojson", ".json"}:
            raise NetworkFormatError(
                f"{dest}: export format must be .gpkg, .geojson or .json, not {suffix or 'none'}"
            )
        with atomic_path(dest) as tmp:
            if suffix == ".gpkg":
                self.nodes_gdf().to_file(tmp, layer="nodes", driver="GPKG")
                self.edges_gdf().to_file(tmp, layer="edges", driver="GPKG")
            else:
                self.edges_gdf().to_file(tmp, driver="GeoJSON")
        return dest
