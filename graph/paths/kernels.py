"""Compiled inner loops of the path search (numba).

A search layer is built from a few hundred entries on average (median about 140 on the
100,000-person seed): with numpy, the fixed cost of each of the 30-odd array calls that
expand, reduce and rank a layer outweighs the work itself. Here one compiled pass does
each step, and releases the GIL, so two searches of one API worker run side by side.

Semantics are exactly those of the engine's layers (see :mod:`graph.paths.engine`):

* :func:`candidates`: every hop out of ``prev[front]`` over the ties' CSR, then the
  virtual hops given as ``extra``, skipping the candidate and the ``excluded`` nodes;
* :func:`reduce_layer`: per destination the cheapest entry, equal costs broken by the
  parent's rank, then the kind of hop, then ``aux`` and the parent, so the
  choice never depends on input order; the layer comes out sorted by node, each entry
  with its rank: by (parent's rank, id rank) on the candidate's side, by id rank on the
  contacts' side.

A reduction uses a scratch array of one slot per node (-1 when unused), given by the
caller and left as it was found; one per thread (:func:`scratch`).
"""

from __future__ import annotations

import threading

import numba
import numpy as np

_LOCAL = threading.local()


def scratch(n: int) -> np.ndarray:
    """This thread's scratch array for :func:`reduce_layer` over ``n`` nodes (all -1)."""
    found = getattr(_LOCAL, "slots", None)
    if found is None or len(found) < n:
        found = _LOCAL.slots = np.full(n, -1, dtype=np.int64)
    return found


@numba.njit(nogil=True, cache=True)
def _search(values, x, lo):  # pragma: no cover - compiled
    """First position at or after ``lo`` where sorted ``values`` is >= ``x``."""
    hi = len(values)
    while lo < hi:
        mid = (lo + hi) // 2
        if values[mid] < x:
            lo = mid + 1
        else:
            hi = mid
    return lo


@numba.njit(nogil=True, cache=True)
def _is_excluded(excluded, node):  # pragma: no cover - compiled
    # ``excluded`` is sorted and short (the candidate's used first hops)
    at = _search(excluded, node, 0)
    return at < len(excluded) and excluded[at] == node


@numba.njit(nogil=True, cache=True)
def candidates(
    ptr, nbr, tie, costs, n_knows, prev_node, prev_cost, front, extra_dst, extra_cost,
    extra_link, extra_kind, extra_aux, candidate, excluded,
):  # fmt: skip  # pragma: no cover - compiled
    """Entries (dst, cost, link, kind, aux) of the hops out of ``prev[front]``, then the
    ``extra`` ones; none to ``candidate`` or to a node of ``excluded`` (sorted)."""
    total = len(extra_dst)
    for i in front:
        u = prev_node[i]
        total += ptr[u + 1] - ptr[u]
    dst = np.empty(total, dtype=np.int64)
    cost = np.empty(total, dtype=np.int64)
    link = np.empty(total, dtype=np.int64)
    kind = np.empty(total, dtype=np.int8)
    aux = np.empty(total, dtype=np.int64)
    k = 0
    for i in front:
        u = prev_node[i]
        base = prev_cost[i]
        for p in range(ptr[u], ptr[u + 1]):
            d = nbr[p]
            if d == candidate or (len(excluded) and _is_excluded(excluded, d)):
                continue
            t = tie[p]
            dst[k] = d
            cost[k] = base + costs[p]
            link[k] = i
            kind[k] = 0 if t < n_knows else 1  # KNOWS, MENTORS
            aux[k] = t
            k += 1
    for j in range(len(extra_dst)):
        d = extra_dst[j]
        if d == candidate or (len(excluded) and _is_excluded(excluded, d)):
            continue
        dst[k] = d
        cost[k] = extra_cost[j]
        link[k] = extra_link[j]
        kind[k] = extra_kind[j]
        aux[k] = extra_aux[j]
        k += 1
    return dst[:k], cost[:k], link[:k], kind[:k], aux[:k]


@numba.njit(nogil=True, cache=True)
def _bits(x):  # pragma: no cover - compiled
    """Bits needed to write the non-negative ``x``."""
    b = 1
    while x >> b:
        b += 1
    return b


@numba.njit(nogil=True, cache=True)
def _argsort(keys, bits):  # pragma: no cover - compiled
    """Indices sorting the non-negative ``keys`` (< 2**bits): LSD radix sort, 11 bits a
    pass, for all but short arrays (numba's quicksort is slow on thousands of keys)."""
    m = len(keys)
    if m < 256:
        return np.argsort(keys)
    idx = np.arange(m)
    tmp = np.empty(m, dtype=np.int64)
    count = np.empty(2049, dtype=np.int64)
    shift = 0
    while shift < bits:
        count[:] = 0
        for i in range(m):
            count[((keys[idx[i]] >> shift) & 2047) + 1] += 1
        for d in range(2048):
            count[d + 1] += count[d]
        for i in range(m):
            j = idx[i]
            d = (keys[j] >> shift) & 2047
            tmp[count[d]] = j
            count[d] += 1
        idx, tmp = tmp, idx
        shift += 11
    return idx


@numba.njit(nogil=True, cache=True)
def _better(a, b, cost, prev_order, kind, aux, link):  # pragma: no cover - compiled
    """Whether entry ``a`` beats entry ``b`` for the same destination."""
    if cost[a] != cost[b]:
        return cost[a] < cost[b]
    ta, tb = prev_order[link[a]], prev_order[link[b]]
    if ta != tb:
        return ta < tb
    if kind[a] != kind[b]:
        return kind[a] < kind[b]
    if aux[a] != aux[b]:
        return aux[a] < aux[b]
    return link[a] < link[b]


@numba.njit(nogil=True, cache=True)
def reduce_layer(
    dst, cost, link, kind, aux, prev_order, rank, forward, slots
):  # pragma: no cover - compiled
    """The layer (node, cost, link, kind, aux, order) from candidate entries whose
    ``link`` points into a layer ranked by ``prev_order``; see the module docstring.
    ``slots`` is a scratch array of -1, one per node, left as found."""
    n = len(dst)
    touched = np.empty(n, dtype=np.int64)
    m = 0
    for e in range(n):
        d = dst[e]
        s = slots[d]
        if s < 0:
            slots[d] = e
            touched[m] = d
            m += 1
        elif _better(e, s, cost, prev_order, kind, aux, link):
            slots[d] = e
    touched = touched[:m]
    node_bits = _bits(len(slots))
    nodes = touched[_argsort(touched, node_bits)]
    out_cost = np.empty(m, dtype=np.int64)
    out_link = np.empty(m, dtype=np.int64)
    out_kind = np.empty(m, dtype=np.int8)
    out_aux = np.empty(m, dtype=np.int64)
    order = np.empty(m, dtype=np.int64)
    parent = np.empty(m, dtype=np.int64)
    for j in range(m):
        d = nodes[j]
        e = slots[d]
        slots[d] = -1
        out_cost[j] = cost[e]
        out_link[j] = link[e]
        out_kind[j] = kind[e]
        out_aux[j] = aux[e]
        parent[j] = prev_order[link[e]]
    if forward:
        # rank of each new prefix: by the parent's prefix, then by this node's id
        packed = np.empty(m, dtype=np.int64)
        top = 0
        for j in range(m):
            packed[j] = (parent[j] << node_bits) | rank[nodes[j]]
            top = max(top, parent[j])
        by = _argsort(packed, node_bits + _bits(top))
        for j in range(m):
            order[by[j]] = j
    else:
        for j in range(m):
            order[j] = rank[nodes[j]]
    return nodes, out_cost, out_link, out_kind, out_aux, order


@numba.njit(nogil=True, cache=True)
def meet(f_node, f_cost, b_node, b_cost, mask, excluded, check):  # pragma: no cover - compiled
    """Where a forward and a backward layer meet at their cheapest.

    Both layers are sorted by node. Returns the cheapest total cost over the nodes they
    share (when ``check``, only nodes that may be intermediaries: ``mask`` true and not
    in the sorted ``excluded``) and the positions ``fi``, ``bi`` of every meeting at that
    cost, in node order; ``fi`` is empty when they do not meet.
    """
    small_is_f = len(f_node) <= len(b_node)
    small = f_node if small_is_f else b_node
    large = b_node if small_is_f else f_node
    best = np.iinfo(np.int64).max
    fi = np.empty(len(small), dtype=np.int64)
    bi = np.empty(len(small), dtype=np.int64)
    count = 0
    at = 0
    for s in range(len(small)):
        node = small[s]
        at = _search(large, node, at)
        if at == len(large):
            break
        if large[at] != node:
            continue
        if check and (not mask[node] or (len(excluded) and _is_excluded(excluded, node))):
            continue
        i, j = (s, at) if small_is_f else (at, s)
        total = f_cost[i] + b_cost[j]
        if total < best:
            best = total
            count = 0
        if total == best:
            fi[count] = i
            bi[count] = j
            count += 1
    return best, fi[:count], bi[:count]
