"""Compiled kernels of the customizable contraction hierarchy (numba, cached on disk).

Everything works in *rank space*: node ``r`` is the ``r``-th node of the hierarchy's order.
The topology is the chordal supergraph of the order as upward arcs in CSR form: ``up_ptr``
(n + 1) and ``up_head`` (the higher end of each arc, ascending within a row), so arc ids are
sorted by their lower end; ``arc_tail`` is the lower end of each arc. The parent of a node in
the elimination tree is the lowest of its upper neighbours.

A metric holds, per arc ``(x, y)`` with ``x < y``, the cost ``fwd`` of going ``x -> y`` and
``bwd`` of going ``y -> x``, and for each direction how that cost is made (``fmid``, ``bmid``,
two ``int32`` per arc): the two lower arcs ``(z, x), (z, y)`` of the triangle ``x - z - y``
through a lower node ``z``, or ``(-(e + 1), 0)`` for the input edge ``e``. Unpacking a path
follows those records, one memory read per arc of the path (RoutingKit instead re-enumerates
triangles to find the middle nodes).
"""

from __future__ import annotations

import numpy as np
from numba import njit

INF = np.inf


@njit(cache=True)
def build_topology(n, lo, hi):  # type: ignore[no-untyped-def]
    """Chordal completion of the graph ``lo - hi`` (ranks, ``lo < hi``) in elimination order."""
    count = np.zeros(n + 1, dtype=np.int64)
    for k in range(len(lo)):
        count[lo[k] + 1] += 1
    for r in range(n):
        count[r + 1] += count[r]
    base = np.empty(len(lo), dtype=np.int64)
    fill = count[:-1].copy()
    for k in range(len(lo)):
        base[fill[lo[k]]] = hi[k]
        fill[lo[k]] += 1
    up_ptr = np.zeros(n + 1, dtype=np.int64)
    out = np.empty(max(16, 2 * len(lo)), dtype=np.int32)
    used = 0
    mark = np.full(n, -1, dtype=np.int64)
    child_head = np.full(n, -1, dtype=np.int64)
    child_next = np.full(n, -1, dtype=np.int64)
    buf = np.empty(n, dtype=np.int32)
    for r in range(n):
        m = 0
        for k in range(count[r], count[r + 1]):
            y = base[k]
            if mark[y] != r:
                mark[y] = r
                buf[m] = y
                m += 1
        c = child_head[r]
        while c >= 0:
            for k in range(up_ptr[c], up_ptr[c + 1]):
                y = out[k]
                if y != r and mark[y] != r:
                    mark[y] = r
                    buf[m] = y
                    m += 1
            c = child_next[c]
        if used + m > len(out):
            bigger = np.empty(max(2 * len(out), used + m), dtype=np.int32)
            bigger[:used] = out[:used]
            out = bigger
        row = np.sort(buf[:m])
        out[used : used + m] = row
        used += m
        up_ptr[r + 1] = used
        if m:
            p = row[0]
            child_next[r] = child_head[p]
            child_head[p] = r
    return up_ptr, out[:used].copy()


@njit(cache=True)
def tree_height(parent):  # type: ignore[no-untyped-def]
    """Height of the elimination tree (``parent[r] > r``, ``-1`` at roots)."""
    depth = np.zeros(len(parent), dtype=np.int64)
    height = 0
    for r in range(len(parent) - 1, -1, -1):
        if parent[r] >= 0:
            depth[r] = depth[parent[r]] + 1
            height = max(height, depth[r])
    return height


@njit(cache=True, inline="always")
def _find(up_ptr, up_head, x, y):  # type: ignore[no-untyped-def]
    """Arc id of ``(x, y)``, ``x < y`` (it exists in a chordal supergraph)."""
    lo, hi = up_ptr[x], up_ptr[x + 1]
    while lo < hi:
        mid = (lo + hi) >> 1
        if up_head[mid] < y:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit(cache=True)
def edge_arcs(up_ptr, up_head, ru, rv):  # type: ignore[no-untyped-def]
    """Arc of every input edge (``-1`` for loops) and whether it runs upwards."""
    arc = np.full(len(ru), -1, dtype=np.int64)
    upward = np.zeros(len(ru), dtype=np.bool_)
    for e in range(len(ru)):
        a, b = ru[e], rv[e]
        if a < b:
            arc[e] = _find(up_ptr, up_head, a, b)
            upward[e] = True
        elif b < a:
            arc[e] = _find(up_ptr, up_head, b, a)
    return arc, upward


@njit(cache=True, inline="always")
def _base(e, w, arc, upward, fwd, bwd, fmid, bmid):  # type: ignore[no-untyped-def]
    a = arc[e]
    if a < 0:
        return
    if upward[e]:
        if w < fwd[a]:
            fwd[a] = w
            fmid[a, 0], fmid[a, 1] = -(e + 1), 0
    elif w < bwd[a]:
        bwd[a] = w
        bmid[a, 0], bmid[a, 1] = -(e + 1), 0


@njit(cache=True)
def customize(up_ptr, up_head, arc, upward, weights, fwd, bwd, fmid, bmid):  # type: ignore[no-untyped-def]
    """Full customization: input weights, then every lower triangle in order."""
    fwd[:] = INF
    bwd[:] = INF
    fmid[:, :] = 0
    bmid[:, :] = 0
    for e in range(len(weights)):
        _base(e, weights[e], arc, upward, fwd, bwd, fmid, bmid)
    n = len(up_ptr) - 1
    for z in range(n):
        end = up_ptr[z + 1]
        for i in range(up_ptr[z], end):
            down_i, up_i = bwd[i], fwd[i]  # x -> z and z -> x
            if down_i == INF and up_i == INF:
                continue
            x = up_head[i]
            p = up_ptr[x]
            for j in range(i + 1, end):
                y = up_head[j]
                while up_head[p] < y:
                    p += 1
                c = down_i + fwd[j]  # x -> z -> y
                if c < fwd[p]:
                    fwd[p] = c
                    fmid[p, 0], fmid[p, 1] = i, j
                c = bwd[j] + up_i  # y -> z -> x
                if c < bwd[p]:
                    bwd[p] = c
                    bmid[p, 0], bmid[p, 1] = i, j


@njit(cache=True)
def down_lists(up_ptr, up_head):  # type: ignore[no-untyped-def]
    """Lower neighbours of every node (ascending) with their arc ids, CSR by the upper end."""
    n = len(up_ptr) - 1
    ptr = np.zeros(n + 1, dtype=np.int64)
    for a in range(len(up_head)):
        ptr[up_head[a] + 1] += 1
    for r in range(n):
        ptr[r + 1] += ptr[r]
    fill = ptr[:-1].copy()
    tail = np.empty(len(up_head), dtype=np.int32)
    arcs = np.empty(len(up_head), dtype=np.int32)  # arc ids: 4 bytes an arc, not 8
    for z in range(n):
        for a in range(up_ptr[z], up_ptr[z + 1]):
            y = up_head[a]
            tail[fill[y]] = z
            arcs[fill[y]] = a
            fill[y] += 1
    return ptr, tail, arcs


@njit(cache=True)
def update(  # type: ignore[no-untyped-def]
    up_ptr,
    up_head,
    arc_tail,
    down_ptr,
    down_tail,
    down_arc,
    edge_ptr,
    edge_ids,
    arc,
    upward,
    weights,
    changed,
    fwd,
    bwd,
    fmid,
    bmid,
):
    """Partial customization after the input edges ``changed`` got new ``weights``.

    Arcs are recomputed from scratch (their input edges and lower triangles) in increasing id,
    i.e. by their lower end, so every arc they depend on is final; an arc whose costs changed
    queues the arcs of the triangles it is a lower side of. Returns how many arcs changed.
    """
    heap = np.empty(16, dtype=np.int64)
    size = 0
    seen = {}
    seen[-1] = True
    for e in changed:
        a = arc[e]
        if a >= 0 and a not in seen:
            seen[a] = True
            heap, size = _heap_push(heap, size, a)
    done = 0
    while size:
        a, size = _heap_pop(heap, size)
        x, y = arc_tail[a], up_head[a]
        f, b = INF, INF
        f0 = f1 = b0 = b1 = 0
        for k in range(edge_ptr[a], edge_ptr[a + 1]):
            e = edge_ids[k]
            w = weights[e]
            if upward[e]:
                if w < f:
                    f, f0, f1 = w, -(e + 1), 0
            elif w < b:
                b, b0, b1 = w, -(e + 1), 0
        p, pe = down_ptr[x], down_ptr[x + 1]
        q, qe = down_ptr[y], down_ptr[y + 1]
        while p < pe and q < qe:
            zp, zq = down_tail[p], down_tail[q]
            if zp < zq:
                p += 1
            elif zq < zp:
                q += 1
            else:
                ax, ay = down_arc[p], down_arc[q]  # arcs (z, x) and (z, y)
                c = bwd[ax] + fwd[ay]
                if c < f:
                    f, f0, f1 = c, ax, ay
                c = bwd[ay] + fwd[ax]
                if c < b:
                    b, b0, b1 = c, ax, ay
                p += 1
                q += 1
        fmid[a, 0], fmid[a, 1], bmid[a, 0], bmid[a, 1] = f0, f1, b0, b1
        if f == fwd[a] and b == bwd[a]:
            continue
        fwd[a], bwd[a] = f, b
        done += 1
        for k in range(up_ptr[x], up_ptr[x + 1]):
            w2 = up_head[k]
            if w2 == y:
                continue
            t = _find(up_ptr, up_head, y, w2) if y < w2 else _find(up_ptr, up_head, w2, y)
            if t not in seen:
                seen[t] = True
                heap, size = _heap_push(heap, size, t)
    return done


@njit(cache=True)
def _heap_push(heap, size, key):  # type: ignore[no-untyped-def]
    if size == len(heap):
        bigger = np.empty(2 * len(heap), dtype=np.int64)
        bigger[:size] = heap[:size]
        heap = bigger
    i = size
    while i > 0:
        parent = (i - 1) >> 1
        if heap[parent] <= key:
            break
        heap[i] = heap[parent]
        i = parent
    heap[i] = key
    return heap, size + 1


@njit(cache=True)
def _heap_pop(heap, size):  # type: ignore[no-untyped-def]
    top = heap[0]
    size -= 1
    key = heap[size]
    i = 0
    while True:
        child = 2 * i + 1
        if child >= size:
            break
        if child + 1 < size and heap[child + 1] < heap[child]:
            child += 1
        if heap[child] >= key:
            break
        heap[i] = heap[child]
        i = child
    if size > 0:
        heap[i] = key
    return top, size


@njit(cache=True)
def _ancestors(parent, nodes, costs, dist, pred, mark, stamp, buf):  # type: ignore[no-untyped-def]
    """Collect the elimination-tree ancestors of ``nodes`` into ``buf`` (increasing rank).

    Their ``dist``/``pred`` are initialized (start costs on ``nodes``) and ``mark == stamp``
    tells which nodes they are, so nothing needs resetting after a search. Returns how many.
    """
    m = 0
    for k in range(len(nodes)):
        x = nodes[k]
        while x >= 0 and mark[x] != stamp:
            mark[x] = stamp
            buf[m] = x
            m += 1
            x = parent[x]
    buf[:m].sort()
    for k in range(m):
        dist[buf[k]] = INF
        pred[buf[k]] = -1
    for k in range(len(nodes)):
        if costs[k] < dist[nodes[k]]:
            dist[nodes[k]] = costs[k]
    return m


@njit(cache=True, inline="always")
def _relax(up_ptr, up_head, w, x, d, dist, pred):  # type: ignore[no-untyped-def]
    for a in range(up_ptr[x], up_ptr[x + 1]):
        y = up_head[a]
        c = d + w[a]
        if c < dist[y]:
            dist[y] = c
            pred[y] = a


@njit(cache=True)
def _up_search(up_ptr, up_head, parent, w, nodes, costs, dist, pred, mark, stamp, buf):  # type: ignore[no-untyped-def]
    """Search upwards from ``nodes`` over all their ancestors (see :func:`_ancestors`)."""
    m = _ancestors(parent, nodes, costs, dist, pred, mark, stamp, buf)
    for k in range(m):
        x = buf[k]
        if dist[x] < INF:
            _relax(up_ptr, up_head, w, x, dist[x], dist, pred)
    return m


@njit(cache=True)
def _unpack(fmid, bmid, height, arcs, dirs, out, used):  # type: ignore[no-untyped-def]
    """Append the input edges of the arcs (``dirs``: 0 upwards, 1 downwards) to ``out``.

    Depth first, left to right. The record of the right half of a shortcut is read as soon as
    the shortcut is split, so its memory read overlaps the left half's (the records are spread
    over hundreds of MB: each read misses the caches). Returns ``(out, used, touched)``;
    ``touched`` only keeps those early reads from being optimized away.

    The stack never grows (growing it in the loop made every step 3x slower): the lower end of
    the arcs on the way down is a descending path of the elimination tree, and each step down
    leaves one arc on the stack, so ``height + 2`` entries are enough.
    """
    stack_a = np.empty(height + 2, dtype=np.int64)
    stack_d = np.empty(height + 2, dtype=np.int64)
    touched = 0
    for k in range(len(arcs)):
        size = 1
        stack_a[0], stack_d[0] = arcs[k], dirs[k]
        while size:
            size -= 1
            a, d = stack_a[size], stack_d[size]
            if d == 0:
                ax, ay = fmid[a, 0], fmid[a, 1]
            else:
                ax, ay = bmid[a, 0], bmid[a, 1]
            if ax < 0:
                if used == len(out):
                    bigger = np.empty(2 * len(out), dtype=np.int64)
                    bigger[:used] = out[:used]
                    out = bigger
                out[used] = -ax - 1
                used += 1
                continue
            if size + 2 > len(stack_a):
                raise RuntimeError("shortcut deeper than the elimination tree")
            if d == 0:  # x -> z -> y: (z, x) downwards, then (z, y) upwards
                stack_a[size], stack_d[size] = ay, 0
                stack_a[size + 1], stack_d[size + 1] = ax, 1
                touched += fmid[ay, 0]
            else:  # y -> z -> x: (z, y) downwards, then (z, x) upwards
                stack_a[size], stack_d[size] = ax, 0
                stack_a[size + 1], stack_d[size + 1] = ay, 1
                touched += fmid[ax, 0]
            size += 2
    return out, used, touched


@njit(cache=True)
def best_path(  # type: ignore[no-untyped-def]
    up_ptr,
    up_head,
    arc_tail,
    parent,
    height,
    fwd,
    bwd,
    fmid,
    bmid,
    src,
    scost,
    dst,
    dcost,
    fdist,
    fpred,
    fmark,
    bdist,
    bpred,
    bmark,
    fbuf,
    bbuf,
    stamp,
):
    """Best path from any source (with its start cost) to any target (with its end cost).

    Returns ``(cost, source rank, target rank, input edges)``; ``inf, -1, -1`` if none.
    """
    stamp[0] += 1
    s = stamp[0]
    mf = _ancestors(parent, src, scost, fdist, fpred, fmark, s, fbuf)
    mb = _ancestors(parent, dst, dcost, bdist, bpred, bmark, s, bbuf)
    best = INF
    meet = -1
    i = j = 0
    while i < mf or j < mb:  # both searches in rank order, pruned by the best meeting so far
        x = fbuf[i] if i < mf else bbuf[j]
        if j < mb and bbuf[j] < x:
            x = bbuf[j]
        in_f = i < mf and fbuf[i] == x
        in_b = j < mb and bbuf[j] == x
        if in_f and in_b and fdist[x] + bdist[x] < best:
            best = fdist[x] + bdist[x]
            meet = x
        if in_f:
            if fdist[x] < best:
                _relax(up_ptr, up_head, fwd, x, fdist[x], fdist, fpred)
            i += 1
        if in_b:
            if bdist[x] < best:
                _relax(up_ptr, up_head, bwd, x, bdist[x], bdist, bpred)
            j += 1
    out = np.empty(max(16, 4 * mf), dtype=np.int64)
    if meet < 0:
        return INF, -1, -1, out[:0]
    chain = np.empty(mf + mb, dtype=np.int64)
    dirs = np.empty(mf + mb, dtype=np.int64)
    m = 0
    v = meet
    while fpred[v] >= 0:
        chain[m] = fpred[v]
        m += 1
        v = arc_tail[fpred[v]]
    first = v
    chain[:m] = chain[:m][::-1].copy()
    dirs[:m] = 0
    v = meet
    while bpred[v] >= 0:
        chain[m] = bpred[v]
        dirs[m] = 1
        m += 1
        v = arc_tail[bpred[v]]
    out, used, touched = _unpack(fmid, bmid, height, chain[:m], dirs[:m], out, 0)
    stamp[1] = touched  # (see _unpack)
    return best, first, v, out[:used]


@njit(cache=True)
def distances(  # type: ignore[no-untyped-def]
    up_ptr,
    up_head,
    parent,
    fwd,
    bwd,
    src,
    dst,
    fdist,
    fpred,
    fmark,
    bdist,
    bpred,
    bmark,
    fbuf,
    bbuf,
    stamp,
):
    """``(len(src), len(dst))`` costs: a search per target into buckets, one per source."""
    out = np.full((len(src), len(dst)), INF)
    zero = np.zeros(1)
    size = 0
    nodes = np.empty(1024, dtype=np.int64)
    owner = np.empty(1024, dtype=np.int64)
    cost = np.empty(1024)
    one = np.empty(1, dtype=np.int64)
    for j in range(len(dst)):
        stamp[0] += 1
        one[0] = dst[j]
        mb = _up_search(up_ptr, up_head, parent, bwd, one, zero, bdist, bpred, bmark, stamp[0],
                        bbuf)  # fmt: skip
        if size + mb > len(nodes):
            grow = max(2 * len(nodes), size + mb)
            n2, o2, c2 = np.empty(grow, np.int64), np.empty(grow, np.int64), np.empty(grow)
            n2[:size], o2[:size], c2[:size] = nodes[:size], owner[:size], cost[:size]
            nodes, owner, cost = n2, o2, c2
        for k in range(mb):
            v = bbuf[k]
            if bdist[v] < INF:
                nodes[size], owner[size], cost[size] = v, j, bdist[v]
                size += 1
    order = np.argsort(nodes[:size], kind="mergesort")
    nodes, owner, cost = nodes[:size][order], owner[:size][order], cost[:size][order]
    for i in range(len(src)):
        stamp[0] += 1
        one[0] = src[i]
        mf = _up_search(up_ptr, up_head, parent, fwd, one, zero, fdist, fpred, fmark, stamp[0],
                        fbuf)  # fmt: skip
        for k in range(mf):
            v = fbuf[k]
            d = fdist[v]
            if d == INF:
                continue
            p = np.searchsorted(nodes, v)
            while p < size and nodes[p] == v:
                c = d + cost[p]
                if c < out[i, owner[p]]:
                    out[i, owner[p]] = c
                p += 1
    return out
