"""Snapping points onto the network: a packed R-tree of straight pieces, saved with it.

Every straight *piece* of every segment (two consecutive vertices of its geometry) is a leaf
entry. Pieces are sorted along a Morton curve of their centres and packed in groups of
:data:`FANOUT`; groups of boxes form the next level up, to one root. The whole tree is a few
flat arrays (:meth:`SnapIndex.arrays`), computed with numpy at save time and memory-mapped at
load: nothing is rebuilt when a process starts.

Queries run in one compiled call for all points (:func:`routing._kernels.snap_nearest`), a
best-first branch and bound that is exact for the metric it uses: the equirectangular plane
centred on each query point (longitudes scaled by the cosine of the point's latitude).
Longitudes are measured from the network's circular-mean centre, so a network that spans the
antimeridian snaps like any other.

Level rule. A person standing in the street is on the ground: a piece of a way that is off the
ground — ``tunnel`` other than ``no``, ``bridge`` other than ``no``, or a ``layer`` other
than 0 — competes with its distance plus :data:`OFF_GROUND_PENALTY_M`. A point
lying on both a tunnel footway and a ground street (where they cross in the drawing) therefore
snaps to the street; a point clearly on a bridge (more than the penalty closer to it than to
anything on the ground) still snaps to the bridge. The reported distance is the real one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from routing.network import Network

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

FANOUT = 8
OFF_GROUND_PENALTY_M = 10.0
#: Metres per degree of latitude used to express the penalty in the index's units.
_M_PER_DEG = 111_195.0


def _wrap(lon: Any) -> Any:
    """Longitude differences into [-180, 180)."""
    return (np.asarray(lon) + 180.0) % 360.0 - 180.0


def _step(lon: Any) -> Any:
    """Longitude differences brought into [-180, 180] by one turn at most (exact otherwise)."""
    d = np.asarray(lon, dtype=np.float64)
    return np.where(d > 180.0, d - 360.0, np.where(d < -180.0, d + 360.0, d))


def _morton(x: FloatArray, y: FloatArray) -> npt.NDArray[np.uint64]:
    """Interleaved 16-bit grid codes of points (for sorting along a Z curve)."""

    def spread(v: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
        v = (v | (v << np.uint64(8))) & np.uint64(0x00FF00FF)
        v = (v | (v << np.uint64(4))) & np.uint64(0x0F0F0F0F)
        v = (v | (v << np.uint64(2))) & np.uint64(0x33333333)
        return (v | (v << np.uint64(1))) & np.uint64(0x55555555)

    def grid(v: FloatArray) -> npt.NDArray[np.uint64]:
        lo, hi = (float(v.min()), float(v.max())) if len(v) else (0.0, 1.0)
        scaled = (v - lo) / (hi - lo if hi > lo else 1.0) * 65535.0
        return scaled.astype(np.uint64)

    return spread(grid(x)) | (spread(grid(y)) << np.uint64(1))


def off_ground_segments(network: Network) -> BoolArray:
    """Per segment, whether its way is off the ground (see the module's level rule)."""
    no = {None, "no", "0"}
    strings: list[str | None] = [None, *network.strings[1:]]
    tunnel = network.way_attr_in("tunnel", [s for s in strings if s not in no])
    bridge = network.way_attr_in("bridge", [s for s in strings if s not in no])
    layers = [s for s in strings if s is not None and s.strip() not in {"0", ""}]
    layer = network.way_attr_in("layer", layers)
    return np.asarray((tunnel | bridge | layer)[network.seg_way], dtype=bool)


@dataclass(frozen=True)
class SnapBatch:
    """Where many points fall on the network, as arrays (one entry per point).

    Attributes
    ----------
    lon, lat : ndarray
        The snapped positions.
    distance_m : ndarray
        Geodesic distance from each query point to its snapped position.
    segment : ndarray
        Segment each point lies on.
    piece : ndarray
        Coordinate index where the straight piece holding the point starts.
    offset_m : ndarray
        Distance along the segment from its first node to the snapped point.
    """

    lon: FloatArray
    lat: FloatArray
    distance_m: FloatArray
    segment: IntArray
    piece: IntArray
    offset_m: FloatArray

    def __len__(self) -> int:
        return len(self.lon)


class SnapIndex:
    """Packed R-tree over the network's straight pieces (see the module docstring).

    Build it with :meth:`build` or restore it with :meth:`from_arrays`; :meth:`nearest`
    answers queries.
    """

    def __init__(self, network: Network, arrays: dict[str, Any]) -> None:
        self.network = network
        self.lon0 = float(arrays["lon0"][0])
        self.coord = arrays["coord"]  # piece start coordinate, in tree order
        self.seg = arrays["seg"]  # piece segment, in tree order
        self.boxes = arrays["boxes"]  # (n_boxes, 4): x0, y0, x1, y1 of every level >= 1
        self.levels = arrays["levels"]  # first box of each level, then the total
        self.off_ground = arrays["off_ground"]

    @classmethod
    def build(cls, network: Network) -> SnapIndex:
        """Sort and pack the network's pieces (numpy only)."""
        net = network
        counts = (net.seg_end - net.seg_start).astype(np.int64)
        seg = np.repeat(np.arange(net.n_segments, dtype=np.int32), counts)
        first = np.cumsum(counts) - counts
        coord = np.repeat(net.seg_start - first, counts) + np.arange(int(counts.sum()))
        lon0 = net.centre[0]
        ax = _wrap(net.coord_lon[coord] - lon0)
        bx = ax + _wrap(net.coord_lon[coord + 1] - net.coord_lon[coord])
        ay, by = net.coord_lat[coord], net.coord_lat[coord + 1]
        order = np.argsort(_morton((ax + bx) / 2, (ay + by) / 2), kind="stable")
        coord, seg = coord[order], seg[order]
        box = np.column_stack(
            [np.minimum(ax, bx), np.minimum(ay, by), np.maximum(ax, bx), np.maximum(ay, by)]
        )[order]
        levels = [0]
        parts = []
        while True:
            starts = np.arange(0, len(box), FANOUT)
            if not len(starts):
                break
            box = np.column_stack(
                [
                    np.minimum.reduceat(box[:, 0], starts),
                    np.minimum.reduceat(box[:, 1], starts),
                    np.maximum.reduceat(box[:, 2], starts),
                    np.maximum.reduceat(box[:, 3], starts),
                ]
            )
            parts.append(box)
            levels.append(levels[-1] + len(box))
            if len(box) == 1:
                break
        arrays = {
            "lon0": np.array([lon0]),
            "coord": coord.astype(np.int64),
            "seg": seg.astype(np.int32),
            "boxes": np.concatenate(parts) if parts else np.zeros((0, 4)),
            "levels": np.asarray(levels, dtype=np.int64),
            "off_ground": off_ground_segments(net),
        }
        return cls(network, arrays)

    @classmethod
    def from_arrays(cls, network: Network, arrays: dict[str, Any]) -> SnapIndex:
        """Restore an index saved with :meth:`arrays` (views, no copy)."""
        return cls(network, arrays)

    def arrays(self) -> dict[str, Any]:
        """The flat arrays that make the index (saved with the network)."""
        return {
            "lon0": np.array([self.lon0]),
            "coord": self.coord,
            "seg": self.seg,
            "boxes": self.boxes,
            "levels": self.levels,
            "off_ground": self.off_ground,
        }

    def segments_in_box(self, west: float, south: float, east: float, north: float) -> IntArray:
        """Segments with a piece whose bounding box meets a lon/lat box (sorted, unique)."""
        net = self.network
        if len(self.levels) < 2 or not len(self.coord):
            return np.zeros(0, dtype=np.int64)
        x0 = float(_wrap(west - self.lon0))
        x1 = x0 + (east - west) % 360.0
        leaf = self.boxes[self.levels[0] : self.levels[1]]
        hit = np.flatnonzero(
            (leaf[:, 0] <= x1) & (leaf[:, 2] >= x0) & (leaf[:, 1] <= north) & (leaf[:, 3] >= south)
        )
        pos = (hit[:, None] * FANOUT + np.arange(FANOUT)).ravel()
        pos = pos[pos < len(self.coord)]
        i = self.coord[pos]
        ax = _wrap(net.coord_lon[i] - self.lon0)
        step = net.coord_lon[i + 1] - net.coord_lon[i]
        bx = ax + np.where(step > 180.0, step - 360.0, np.where(step < -180.0, step + 360.0, step))
        ay, by = net.coord_lat[i], net.coord_lat[i + 1]
        keep = (
            (np.minimum(ax, bx) <= x1) & (np.maximum(ax, bx) >= x0)
            & (np.minimum(ay, by) <= north) & (np.maximum(ay, by) >= south)
        )  # fmt: skip
        return np.unique(self.seg[pos[keep]]).astype(np.int64)

    def nearest(self, lon: Any, lat: Any) -> SnapBatch:
        """The nearest piece of the network to every point, at any distance.

        Parameters
        ----------
        lon, lat : array-like
            Valid coordinates in degrees (validate them first).

        Returns
        -------
        SnapBatch
        """
        from routing import _kernels
        from routing.geodesy import distance_m

        net = self.network
        qlon = np.ascontiguousarray(lon, dtype=np.float64).reshape(-1)
        qlat = np.ascontiguousarray(lat, dtype=np.float64).reshape(-1)
        if not len(qlon) or not len(self.coord):
            empty = np.zeros(0)
            n = len(qlon)
            return SnapBatch(
                np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.inf),
                np.full(n, -1, np.int64), np.full(n, -1, np.int64), np.full(n, np.nan),
            ) if n else SnapBatch(empty, empty, empty, empty.astype(np.int64),
                                  empty.astype(np.int64), empty)  # fmt: skip
        args = (
            self.boxes, self.levels, FANOUT, self.coord, self.seg, net.coord_lon,
            net.coord_lat, self.lon0, self.off_ground, OFF_GROUND_PENALTY_M / _M_PER_DEG,
        )  # fmt: skip
        qx = _step(qlon - self.lon0)
        pos, t = _kernels.snap_nearest(qx, qlat, *args, 1024)
        again = np.flatnonzero(pos == -2)
        cap = 1 << 14
        while len(again):  # a wide frontier (a point far from everything): a larger heap
            pos[again], t[again] = _kernels.snap_nearest(qx[again], qlat[again], *args, cap)
            again = again[pos[again] == -2]
            cap *= 8
        i0 = self.coord[pos]
        seg = self.seg[pos].astype(np.int64)
        slon, slat, offset, dist = _kernels.snap_finish(
            qlon, qlat, i0, t, net.coord_lon, net.coord_lat, net.coord_cum, seg,
            net.seg_start, net.seg_end, net.seg_length,
        )  # fmt: skip
        far = np.flatnonzero(dist > 1000.0)
        if len(far):
            dist[far] = distance_m(qlon[far], qlat[far], slon[far], slat[far])
        return SnapBatch(slon, slat, dist, seg, i0.astype(np.int64), offset)
