"""Compiled shortest-path kernels over CSR arrays (numba, cached on disk).

Graphs are given as CSR: ``indptr`` (n + 1), ``adj`` (head node of each arc) and ``w`` (arc
cost, ``inf`` for a closed arc). Predecessors are returned as *arc positions* in those arrays
so that callers can map them back to directed edges.

All heaps are binary heaps with lazy deletion over preallocated arrays.
"""

from __future__ import annotations

import numpy as np
from numba import njit

INF = np.inf


@njit(cache=True, inline="always")
def _push(keys, vals, size, key, val):  # type: ignore[no-untyped-def]
    i = size
    keys[i] = key
    vals[i] = val
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


@njit(cache=True)
def dijkstra(indptr, adj, w, sources, source_cost, limit, targets):  # type: ignore[no-untyped-def]
    """Multi-source Dijkstra.

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

    Returns
    -------
    dist : ndarray
        Cost of every node (``inf`` if not reached).
    pred : ndarray
        Arc position used to reach each node (-1 for sources and unreached nodes).
    label : ndarray
        Index into ``sources`` of the source each node was reached from (-1 if unreached).
    """
    n = indptr.shape[0] - 1
    dist = np.full(n, INF)
    pred = np.full(n, -1, dtype=np.int64)
    label = np.full(n, -1, dtype=np.int64)
    done = np.zeros(n, dtype=np.bool_)
    is_target = np.zeros(n, dtype=np.bool_)
    remaining = 0
    for t in targets:
        if not is_target[t]:
            is_target[t] = True
            remaining += 1
    stop_early = remaining > 0
    cap = adj.shape[0] + sources.shape[0] + 1
    keys = np.empty(cap, dtype=np.float64)
    vals = np.empty(cap, dtype=np.int64)
    size = 0
    for i in range(sources.shape[0]):
        s = sources[i]
        c = source_cost[i]
        if c < dist[s] and c <= limit:
            dist[s] = c
            label[s] = i
            size = _push(keys, vals, size, c, s)
    while size > 0:
        d, u, size = _pop(keys, vals, size)
        if done[u] or d > dist[u]:
            continue
        done[u] = True
        if is_target[u]:
            remaining -= 1
            if stop_early and remaining == 0:
                break
        for a in range(indptr[u], indptr[u + 1]):
            v = adj[a]
            nd = d + w[a]
            if nd < dist[v] and nd <= limit:
                dist[v] = nd
                pred[v] = a
                label[v] = label[u]
                size = _push(keys, vals, size, nd, v)
    # unsettled nodes past an early stop keep tentative costs: mark them unknown
    if stop_early:
        for v in range(n):
            if not done[v]:
                dist[v] = INF
                pred[v] = -1
                label[v] = -1
    return dist, pred, label


@njit(cache=True)
def many_to_many(indptr, adj, w, src_nodes, src_cost, src_ptr, tgt_nodes, tgt_cost, tgt_ptr):  # type: ignore[no-untyped-def]
    """Cost matrix between virtual origins and virtual destinations.

    Origin ``i`` enters the graph at ``src_nodes[src_ptr[i]:src_ptr[i+1]]`` with the matching
    ``src_cost``; destination ``j`` is reached from ``tgt_nodes[tgt_ptr[j]:tgt_ptr[j+1]]``
    plus ``tgt_cost``. Each origin runs one Dijkstra that stops once every entry node of every
    destination is settled.

    Returns
    -------
    ndarray
        ``(n_origins, n_destinations)`` costs (``inf`` where unreachable).
    """
    n_src = src_ptr.shape[0] - 1
    n_tgt = tgt_ptr.shape[0] - 1
    out = np.full((n_src, n_tgt), INF)
    for i in range(n_src):
        a, b = src_ptr[i], src_ptr[i + 1]
        dist, _, _ = dijkstra(indptr, adj, w, src_nodes[a:b], src_cost[a:b], INF, tgt_nodes)
        for j in range(n_tgt):
            best = INF
            for k in range(tgt_ptr[j], tgt_ptr[j + 1]):
                c = dist[tgt_nodes[k]] + tgt_cost[k]
                if c < best:
                    best = c
            out[i, j] = best
    return out


@njit(cache=True, inline="always")
def _alt_bound(v, lm_from, lm_to, targets, target_cost):  # type: ignore[no-untyped-def]
    """Landmark lower bound of the cost from ``v`` to the cheapest target entry."""
    best = INF
    n_lm = lm_from.shape[1]
    for k in range(targets.shape[0]):
        t = targets[k]
        h = 0.0
        for m in range(n_lm):
            a = lm_from[t, m] - lm_from[v, m]  # d(L, t) - d(L, v) <= d(v, t)
            b = lm_to[v, m] - lm_to[t, m]  # d(v, L) - d(t, L) <= d(v, t)
            if a > h and a < INF:
                h = a
            if b > h and b < INF:
                h = b
        h += target_cost[k]
        if h < best:
            best = h
    return best


@njit(cache=True)
def astar_landmarks(  # type: ignore[no-untyped-def]
    indptr, adj, w, sources, source_cost, targets, target_cost, lm_from, lm_to
):
    """A* search with landmark (ALT) lower bounds between virtual endpoints.

    ``lm_from[v, m]`` is the cost from landmark ``m`` to ``v``, ``lm_to[v, m]`` the cost from
    ``v`` to landmark ``m`` (``inf`` where unreachable: such terms are skipped). The bound is
    admissible, and stale or improved nodes are re-expanded, so the result is exact.

    Returns
    -------
    best : float
        Cost to the cheapest target entry (``inf`` if unreachable).
    end : int
        Index into ``targets`` of the entry used (-1 if none).
    pred : ndarray
        Arc position used to reach each node (-1 for sources).
    """
    n = indptr.shape[0] - 1
    dist = np.full(n, INF)
    hcache = np.full(n, -1.0)
    pred = np.full(n, -1, dtype=np.int64)
    target_of = np.full(n, -1, dtype=np.int64)
    for k in range(targets.shape[0]):
        t = targets[k]
        if target_of[t] < 0 or target_cost[k] < target_cost[target_of[t]]:
            target_of[t] = k
    cap = adj.shape[0] * 2 + sources.shape[0] + 1
    keys = np.empty(cap, dtype=np.float64)
    vals = np.empty(cap, dtype=np.int64)
    size = 0
    best = INF
    end = -1
    for i in range(sources.shape[0]):
        s = sources[i]
        c = source_cost[i]
        if c < dist[s]:
            dist[s] = c
            if hcache[s] < 0:
                hcache[s] = _alt_bound(s, lm_from, lm_to, targets, target_cost)
            size = _push(keys, vals, size, c + hcache[s], s)
            k = target_of[s]
            if k >= 0 and c + target_cost[k] < best:
                best = c + target_cost[k]
                end = k
    while size > 0:
        f, u, size = _pop(keys, vals, size)
        if f >= best:
            break
        if f > dist[u] + hcache[u]:
            continue  # stale entry
        du = dist[u]
        for a in range(indptr[u], indptr[u + 1]):
            v = adj[a]
            nd = du + w[a]
            if nd < dist[v]:
                dist[v] = nd
                pred[v] = a
                k = target_of[v]
                if k >= 0 and nd + target_cost[k] < best:
                    best = nd + target_cost[k]
                    end = k
                if hcache[v] < 0:
                    hcache[v] = _alt_bound(v, lm_from, lm_to, targets, target_cost)
                fv = nd + hcache[v]
                if fv < best and size < cap:
                    size = _push(keys, vals, size, fv, v)
    return best, end, pred


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
