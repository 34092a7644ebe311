"""Clustering matched pairs into entities under hard constraints.

A cluster may hold at most one distinct value of each *exclusive* column (a valid credit code,
an existing entity id, a record of a source known to have no duplicates: the one-to-one
case), and never both records of a rejected pair. Connected components that respect this are
kept whole; the few that do not are rebuilt by merging their pairs greedily, strongest first,
skipping any merge that would break a constraint. Forced pairs (accepted judgements,
records of one existing entity) merge first and unconditionally.

    >>> constrained_clusters(3, np.array([0, 1]), np.array([1, 2]), np.array([9.0, 5.0]),
    ...                      np.zeros(2, bool), [np.array([7, -1, 8])]).tolist()
    [0, 0, 1]
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components


def components(n: int, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Connected component of each of n records given edges (i, j)."""
    graph = coo_matrix((np.ones(len(i), np.int8), (i, j)), shape=(n, n))
    return connected_components(graph, directed=False)[1]


def violating_components(component: np.ndarray, exclusive: list[np.ndarray],
                         cannot: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """The component ids holding two values of an exclusive column or both ends of a cannot-link."""
    bad = []
    for codes in exclusive:
        present = codes >= 0
        values = pd.DataFrame({"component": component[present], "value": codes[present]}).drop_duplicates()
        per_component = values["component"].value_counts()
        bad.append(per_component.index[per_component > 1].to_numpy())
    a, b = cannot
    bad.append(component[a][component[a] == component[b]])
    return np.unique(np.concatenate(bad)) if bad else np.empty(0, np.int64)


def constrained_clusters(n: int, i: np.ndarray, j: np.ndarray, weight: np.ndarray, forced: np.ndarray,
                         exclusive: list[np.ndarray],
                         cannot: tuple[np.ndarray, np.ndarray] = (np.empty(0, np.int64), np.empty(0, np.int64)),
                         ) -> np.ndarray:
    """A cluster number per record (0 … k-1) from edges (i, j) with `weight`, `forced` edges
    first, under the exclusive columns (codes per record, -1 for none) and cannot-link pairs."""
    component = components(n, i, j)
    bad = violating_components(component, exclusive, cannot)
    labels = component.astype(np.int64)
    if len(bad):
        in_bad = np.isin(component[i], bad)
        order = np.lexsort((-weight[in_bad], ~forced[in_bad]))
        edges = np.flatnonzero(in_bad)[order]
        roots = _greedy(n, i[edges], j[edges], forced[edges], exclusive, cannot,
                        np.flatnonzero(np.isin(component, bad)))
        labels[roots[0]] = component.max() + 1 + roots[1]
    return pd.factorize(labels)[0]


def _greedy(n, i, j, forced, exclusive, cannot, records) -> tuple[np.ndarray, np.ndarray]:
    """Union-find over the edges in order, refusing merges that break a constraint.
    Returns (records, their root)."""
    parent = {int(r): int(r) for r in records}
    values = {int(r): [{int(c[r])} if c[r] >= 0 else set() for c in exclusive] for r in records}
    members = {int(r): {int(r)} for r in records}
    apart: dict[int, set[int]] = {}
    for a, b in zip(*cannot):
        apart.setdefault(int(a), set()).add(int(b))
        apart.setdefault(int(b), set()).add(int(a))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b, must in zip(i.tolist(), j.tolist(), forced.tolist()):
        ra, rb = find(a), find(b)
        if ra == rb:
            continue
        if not must:
            if any(x and y and x.isdisjoint(y) for x, y in zip(values[ra], values[rb])):
                continue
            small, large = sorted((members[ra], members[rb]), key=len)
            if any(apart.get(x, set()) & large for x in small):
                continue
        if len(members[ra]) < len(members[rb]):
            ra, rb = rb, ra
        parent[rb] = ra
        members[ra] |= members.pop(rb)
        values[ra] = [x | y for x, y in zip(values[ra], values.pop(rb))]
    return records, np.array([find(int(r)) for r in records], np.int64)
