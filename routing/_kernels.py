"""Compiled kernels (numba, cached on disk): searches over CSR arrays and snapping.

This module is imported on first query only (never to build, load or export a network), and
``cache=True`` keeps the machine code on disk, so a new process pays no compilation.

Graphs are given as CSR: ``indptr`` (n + 1), ``adj`` (head node of each arc) and ``w`` (arc
cost, ``inf`` for a closed arc). Predecessors are *arc positions* in those arrays so that callers
can map them back to directed edges. Searches queue nodes in an indexed 4-ary heap with
decrease-key; snapping uses a binary heap with lazy deletion.

Searches keep their per-node state in a caller-owned :class:`Scratch`-like set of arrays that
start at "unvisited" and are reset on the nodes touched only, so the cost of a search is
proportional to what it visits, not to the size of the network.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from routing.geodesy import WGS84_A, WGS84_E2

INF = np.inf
_LEVEL_SHIFT = 40


@njit(cache=True, inline="always")
def _push(keys, vals, size, key, val):  # type: ignore[no-untyped-def]
    i = size
    while i > 0:
        parent = (i - 1) >> 1
        if keys[parent] <= key:
            break
        keys[i] = keys[parent]
        vals[i] = vals[parent]
        i = parent
    keys[i] = key
    vals[i] = val
    return size + 1


@njit(cache=True, inline="always")
def _pop(keys, vals, size):  # type: ignore[no-untyped-def]
    top_key = keys[0]
    top_val = vals[0]
    size -= 1
    if size > 0:
        key = keys[size]
        val = vals[size]
        i = 0
        while True:
            child = 2 * i + 1
            if child >= size:
                break
            if child + 1 < size and keys[child + 1] < keys[child]:
                child += 1
            if keys[child] >= key:
                break
            keys[i] = keys[child]
            vals[i] = vals[child]
            i = child
        keys[i] = key
        vals[i] = val
    return top_key, top_val, size


@njit(cache=True, inline="always")
def _sift_up(hkey, hnode, pos, j, key, node):  # type: ignore[no-untyped-def]
    """Move ``node`` (key ``key``) up an indexed 4-ary heap from slot ``j``."""
    while j > 0:
        parent = (j - 1) >> 2
        if hkey[parent] <= key:
            break
        up = hnode[parent]
        hkey[j] = hkey[parent]
        hnode[j] = up
        pos[up] = j
        j = parent
    hkey[j] = key
    hnode[j] = node
    pos[node] = j


@njit(cache=True, inline="always")
def _pop_min(hkey, hnode, pos, size):  # type: ignore[no-untyped-def]
    """Remove the top of an indexed 4-ary heap; return ``(key, node, new size)``."""
    top_key = hkey[0]
    top = hnode[0]
    size -= 1
    if size > 0:
        key = hkey[size]
        node = hnode[size]
        j = 0
        while True:
            first = 4 * j + 1
            if first >= size:
                break
            best = first
            best_key = hkey[first]
            last = min(first + 4, size)
            for c in range(first + 1, last):
                if hkey[c] < best_key:
                    best_key = hkey[c]
                    best = c
            if best_key >= key:
                break
            down = hnode[best]
            hkey[j] = best_key
            hnode[j] = down
            pos[down] = j
            j = best
        hkey[j] = key
        hnode[j] = node
        pos[node] = j
    return top_key, top, size


@njit(cache=True)
def search(  # type: ignore[no-untyped-def]
    indptr, adj, w, sources, source_cost, limit, targets,
    dist, pred, label, state, touched, pos, heap_keys, heap_nodes,
):  # fmt: skip
    """Multi-source Dijkstra whose set-up and clean-up cost what it visits.

    The queue is an indexed 4-ary heap with decrease-key (at most one entry per node), so
    its arrays have the network's size whatever the number of sources.

    Parameters
    ----------
    indptr, adj, w : ndarray
        The CSR graph.
    sources, source_cost : ndarray
        Start nodes and their initial costs (a node may appear several times).
    limit : float
        Nodes farther than this are not settled (``inf`` for no limit).
    targets : ndarray
        Stop as soon as all these nodes are settled (empty: run to exhaustion).
    dist, pred, label, state, touched, pos, heap_keys, heap_nodes : ndarray
        Scratch of length n: ``dist`` all ``inf``, ``pred``/``label``/``pos`` all -1,
        ``state`` all 0 on entry (and again on return); ``touched``, ``heap_keys`` and
        ``heap_nodes`` of any content.

    Returns
    -------
    nodes : ndarray
        Settled nodes, by increasing cost.
    cost, arc, source : ndarray
        Their cost, the arc position that reached them (-1 for sources) and the index into
        ``sources`` of the source they were reached from.
    """
    # state bits: 2 listed in ``touched``, 4 target; pos: -1 never queued, >= 0 queued at
    # that slot, -2 settled
    n_touched = 0
    remaining = 0
    for t in targets:
        if state[t] & 2 == 0:
            touched[n_touched] = t
            n_touched += 1
            state[t] |= 2
        if state[t] & 4 == 0:
            state[t] |= 4
            remaining += 1
    stop_early = remaining > 0
    size = 0
    for i in range(sources.shape[0]):
        s = sources[i]
        c = source_cost[i]
        if c < dist[s] and c <= limit:
            if state[s] & 2 == 0:
                touched[n_touched] = s
                n_touched += 1
                state[s] |= 2
            dist[s] = c
            label[s] = i
            pred[s] = -1
            j = pos[s]
            if j < 0:
                j = size
                size += 1
            _sift_up(heap_keys, heap_nodes, pos, j, c, s)
    n_done = 0
    order = np.empty(16, dtype=np.int64)
    while size > 0:
        d, u, size = _pop_min(heap_keys, heap_nodes, pos, size)
        pos[u] = -2
        if n_done == order.shape[0]:
            grown = np.empty(2 * n_done, dtype=np.int64)
            grown[:n_done] = order
            order = grown
        order[n_done] = u
        n_done += 1
        if state[u] & 4:
            remaining -= 1
            if stop_early and remaining == 0:
                break
        lu = label[u]
        for a in range(indptr[u], indptr[u + 1]):
            v = adj[a]
            j = pos[v]
            if j == -2:
                continue
            nd = d + w[a]
            if nd < dist[v] and nd <= limit:
                if j == -1:
                    if state[v] & 2 == 0:
                        touched[n_touched] = v
                        n_touched += 1
                        state[v] |= 2
                    j = size
                    size += 1
                dist[v] = nd
                pred[v] = a
                label[v] = lu
                _sift_up(heap_keys, heap_nodes, pos, j, nd, v)
    nodes = order[:n_done].copy()
    cost = np.empty(n_done)
    arc = np.empty(n_done, dtype=np.int64)
    source = np.empty(n_done, dtype=np.int64)
    for k in range(n_done):
        v = nodes[k]
        cost[k] = dist[v]
        arc[k] = pred[v]
        source[k] = label[v]
    for k in range(n_touched):
        v = touched[k]
        dist[v] = INF
        pred[v] = -1
        label[v] = -1
        state[v] = 0
        pos[v] = -1
    return nodes, cost, arc, source


@njit(cache=True)
def search_dense(  # type: ignore[no-untyped-def]
    indptr, adj, w, sources, source_cost, source_label, limit,
    dist, label, pos, heap_keys, heap_nodes,
):  # fmt: skip
    """Multi-source Dijkstra to exhaustion (or ``limit``) writing per-node answers in place.

    For callers that want an answer for every node anyway: no settled list, no predecessors,
    no reset. ``dist`` (all ``inf``), ``label`` (all -1) and ``pos`` (all -1) have length n
    and are filled in (``pos`` ends at -2 on settled nodes): ``label`` is the
    ``source_label`` of the source each node is reached from. The heap arrays have length n.
    """
    size = 0
    for i in range(sources.shape[0]):
        s = sources[i]
        c = source_cost[i]
        if c < dist[s] and c <= limit:
            dist[s] = c
            label[s] = source_label[i]
            j = pos[s]
            if j < 0:
                j = size
                size += 1
            _sift_up(heap_keys, heap_nodes, pos, j, c, s)
    while size > 0:
        d, u, size = _pop_min(heap_keys, heap_nodes, pos, size)
        pos[u] = -2
        lu = label[u]
        for a in range(indptr[u], indptr[u + 1]):
            v = adj[a]
            j = pos[v]
            if j == -2:
                continue
            nd = d + w[a]
            if nd < dist[v] and nd <= limit:
                if j == -1:
                    j = size
                    size += 1
                dist[v] = nd
                label[v] = lu
                _sift_up(heap_keys, heap_nodes, pos, j, nd, v)
    return size


@njit(cache=True)
def trace_arcs(pred, arc_tail, node):  # type: ignore[no-untyped-def]
    """Arc positions from a search tree root to ``node``, in travel order."""
    count = 0
    v = node
    while pred[v] >= 0:
        count += 1
        v = arc_tail[pred[v]]
    out = np.empty(count, dtype=np.int64)
    v = node
    for i in range(count - 1, -1, -1):
        out[i] = pred[v]
        v = arc_tail[pred[v]]
    return out


@njit(cache=True)
def path_coord_index(edges, edge_seg, edge_rev, seg_start, seg_end):  # type: ignore[no-untyped-def]
    """Coordinate indices of a chain of directed edges, joints not repeated."""
    total = 1
    for e in edges:
        s = edge_seg[e]
        total += seg_end[s] - seg_start[s]
    out = np.empty(total, dtype=np.int64)
    pos = 0
    for i in range(edges.shape[0]):
        e = edges[i]
        s = edge_seg[e]
        a = seg_start[s]
        b = seg_end[s]
        if edge_rev[e]:
            first = b if i == 0 else b - 1
            for c in range(first, a - 1, -1):
                out[pos] = c
                pos += 1
        else:
            first = a if i == 0 else a + 1
            for c in range(first, b + 1):
                out[pos] = c
                pos += 1
    return out[:pos]


@njit(cache=True, inline="always")
def _step(d):  # type: ignore[no-untyped-def]
    if d > 180.0:
        return d - 360.0
    if d < -180.0:
        return d + 360.0
    return d


@njit(cache=True, inline="always")
def _piece_distance(x, y, c, j, coord, lon, lat, lon0):  # type: ignore[no-untyped-def]
    """Distance (scaled degrees) from (x, y) to piece ``j`` and the position ``t`` on it."""
    i = coord[j]
    ax = _step(lon[i] - lon0)
    if x == ax and y == lat[i]:
        return 0.0, 0.0
    if x == _step(lon[i + 1] - lon0) and y == lat[i + 1]:
        return 0.0, 1.0
    bx = ax + _step(lon[i + 1] - lon[i])
    px = (ax - x) * c
    py = lat[i] - y
    dx = (bx - ax) * c
    dy = lat[i + 1] - lat[i]
    len2 = dx * dx + dy * dy
    t = 0.0
    if len2 > 0.0:
        t = -(px * dx + py * dy) / len2
        t = min(1.0, max(0.0, t))
    ex = px + t * dx
    ey = py + t * dy
    return math.sqrt(ex * ex + ey * ey), t


@njit(cache=True)
def snap_nearest(  # type: ignore[no-untyped-def]
    qx, qy, boxes, levels, fanout, coord, seg, lon, lat, lon0, off_ground, penalty, cap
):
    """Nearest piece to every query point in a packed R-tree (exact, best first).

    ``qx`` are longitudes measured from ``lon0``; distances are in degrees of latitude, with
    longitudes scaled by the cosine of each query's latitude. Off-ground segments compete with
    ``penalty`` added.

    Returns
    -------
    pos : ndarray
        Position of the nearest piece in the tree order (-2: the search frontier outgrew
        ``cap`` heap entries; ask again with a larger one).
    t : ndarray
        Where on that piece (0 at its first vertex, 1 at its second).
    """
    n = qx.shape[0]
    n_pieces = coord.shape[0]
    top = levels.shape[0] - 1
    pos_out = np.full(n, -1, dtype=np.int64)
    t_out = np.zeros(n)
    hkey = np.empty(cap)
    hnode = np.empty(cap, dtype=np.int64)
    mask = (1 << _LEVEL_SHIFT) - 1
    for q in range(n):
        x = qx[q]
        y = qy[q]
        c = math.cos(y * math.pi / 180.0)
        best = INF
        best_pos = -1
        best_t = 0.0
        overflow = False
        size = _push(hkey, hnode, 0, 0.0, top << _LEVEL_SHIFT)
        if top == 0:
            size = 0
            for j in range(n_pieces):
                d, t = _piece_distance(x, y, c, j, coord, lon, lat, lon0)
                if off_ground[seg[j]]:
                    d += penalty
                if d < best:
                    best, best_pos, best_t = d, j, t
        while size > 0:
            key, node, size = _pop(hkey, hnode, size)
            if key >= best:
                break
            level = node >> _LEVEL_SHIFT
            lo = (node & mask) * fanout
            if level == 1:
                for j in range(lo, min(lo + fanout, n_pieces)):
                    d, t = _piece_distance(x, y, c, j, coord, lon, lat, lon0)
                    if off_ground[seg[j]]:
                        d += penalty
                    if d < best:
                        best, best_pos, best_t = d, j, t
                continue
            base = levels[level - 2]
            count = levels[level - 1] - base
            for k in range(lo, min(lo + fanout, count)):
                b = base + k
                gx = max(boxes[b, 0] - x, 0.0, x - boxes[b, 2]) * c
                gy = max(boxes[b, 1] - y, 0.0, y - boxes[b, 3])
                bound = math.sqrt(gx * gx + gy * gy)
                if bound < best:
                    if size >= cap:
                        overflow = True
                        continue
                    size = _push(hkey, hnode, size, bound, ((level - 1) << _LEVEL_SHIFT) | k)
        if overflow:
            best_pos = -2
        pos_out[q] = best_pos
        t_out[q] = best_t
    return pos_out, t_out


@njit(cache=True)
def snap_finish(  # type: ignore[no-untyped-def]
    qlon, qlat, i0, t, lon, lat, cum, seg, seg_start, seg_end, seg_length
):
    """Snapped positions, offsets along segments and local distances of snapped points.

    Distances use the ellipsoid's radii of curvature at the mid latitude (within millimetres
    of the geodesic up to a few kilometres; callers recompute longer ones geodesically).
    """
    n = qlon.shape[0]
    slon = np.empty(n)
    slat = np.empty(n)
    offset = np.empty(n)
    dist = np.empty(n)
    a = WGS84_A
    e2 = WGS84_E2
    for k in range(n):
        i = i0[k]
        tk = t[k]
        step = _step(lon[i + 1] - lon[i])
        if tk == 0.0:
            x, y = lon[i], lat[i]
        elif tk == 1.0:
            x, y = lon[i + 1], lat[i + 1]
        else:
            x = lon[i] + tk * step
            if x > 180.0:
                x -= 360.0
            elif x < -180.0:
                x += 360.0
            y = lat[i] + tk * (lat[i + 1] - lat[i])
        slon[k] = x
        slat[k] = y
        s = seg[k]
        start = seg_start[s]
        end = seg_end[s]
        if tk == 0.0 and i == start:
            offset[k] = 0.0
        elif tk == 1.0 and i + 1 == end:
            offset[k] = seg_length[s]
        else:
            total = cum[end] - cum[start]
            along = cum[i] - cum[start] + tk * (cum[i + 1] - cum[i])
            offset[k] = along / total * seg_length[s] if total > 0 else 0.0
        phi = (y + qlat[k]) * 0.5 * math.pi / 180.0
        w = 1.0 - e2 * math.sin(phi) ** 2
        m = a * (1.0 - e2) / w**1.5
        nn = a / math.sqrt(w)
        dy = (qlat[k] - y) * math.pi / 180.0 * m
        dx = _step(qlon[k] - x) * math.pi / 180.0 * nn * math.cos(phi)
        dist[k] = math.sqrt(dx * dx + dy * dy)
    return slon, slat, offset, dist
