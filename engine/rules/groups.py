"""Interest groups: who controls what, and who is kin, as connected components (scipy.sparse.csgraph).

Cypher alone is weak at "the seller and the buyer are controlled by one person, or by kin":
the chain may run through a legal representative, a controlling shareholding, a director's
seat, a marriage or a household, in any combination. This step builds one undirected graph
of enterprises and persons joined by

- LEGAL_REP_OF;
- SHAREHOLDER_OF with a share of at least `control_share` (persons or enterprises; default
  CONTROL_SHARE, 25 %: 国家税务总局公告2016年第42号 第二条 makes two parties related when one
  holds, directly or indirectly, 25 % or more of the other's shares, or a third party holds
  25 % or more of both; an indirect holding is reached through the chain of such edges);
- EXECUTIVE_OF in a controlling position (CONTROL_POSITIONS; not a supervisor);
- KIN_OF (marriage registrations) and a shared household number (户号): the same 第二条 counts
  as related the firms whose controllers are spouses, lineal relatives or kin by marriage;

and writes each component that holds two enterprises or more back as `interest_group` on its
enterprises and persons (the smallest enterprise uid in it, prefixed `IG:`). Others get NULL;
only nodes whose group changed are written.
Rules compare `seller.interest_group = buyer.interest_group`.

The edges are read as Arrow columns and the graph is built on integers (each uid's rank among
its kind's uids), its components found by scipy's sparse-graph routine. On the large demo
region (221k nodes, 305k edges) networkx took 5.4 s to build and search that integer graph
where scipy takes 0.1 s; with rows read as dicts and (kind, uid) tuples as nodes the whole
step took 7.7 s, and now takes about 1 s.

    stats = compute_interest_groups(store)   # {'groups': 412, 'enterprises': 903, ...}
    stats = compute_interest_groups(store, control_share=0.5)   # control by a majority only
"""
from __future__ import annotations

import time

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from crossaudit.engine.store import Store

CONTROL_SHARE = 0.25  # 国家税务总局公告2016年第42号 第二条（一）: a shareholding of 25 % or more
CONTROL_POSITIONS = ("法定代表人", "董事长", "执行董事", "执行董事兼总经理", "总经理", "负责人")
EDGES = (  # (kind of a, query returning a and b); b is an enterprise
    ("P", "MATCH (p:Person)-[r:LEGAL_REP_OF]->(e:Enterprise) RETURN p.uid AS a, e.uid AS b"),
    ("P", "MATCH (p:Person)-[r:SHAREHOLDER_OF]->(e:Enterprise) WHERE r.ratio >= $share "
          "RETURN p.uid AS a, e.uid AS b"),
    ("E", "MATCH (o:Enterprise)-[r:SHAREHOLDER_OF]->(e:Enterprise) WHERE r.ratio >= $share "
          "RETURN o.uid AS a, e.uid AS b"),
    ("P", "MATCH (p:Person)-[r:EXECUTIVE_OF]->(e:Enterprise) WHERE r.position IN $positions "
          "RETURN p.uid AS a, e.uid AS b"),
)
KIN = "MATCH (p:Person)-[r:KIN_OF]->(q:Person) RETURN p.uid AS a, q.uid AS b"
HOUSEHOLDS = "MATCH (p:Person) WHERE p.household_no IS NOT NULL RETURN p.uid AS a, p.household_no AS h"
CURRENT = "MATCH (n:{label}) WHERE n.interest_group IS NOT NULL RETURN n.uid AS uid, n.interest_group AS grp"
KINDS = ("E", "P", "H")  # enterprise, person, household
WRITE = "UNWIND $rows AS r MATCH (n:{label} {{uid: r.uid}}) SET n.interest_group = r.grp"
BATCH = 20_000


class InterestGraph:
    """The undirected control-and-kin graph on integers: node i < len(uids['E']) is enterprise
    `uids['E'][i]`, then come the persons, then the households; each kind's uids are sorted, so the
    smallest enterprise number of a component is its smallest enterprise uid."""

    def __init__(self, edges: list[tuple[str, pa.Array, str, pa.Array]]):
        ends: dict[str, list[pa.Array]] = {kind: [] for kind in KINDS}
        for kind_a, a, kind_b, b in edges:
            ends[kind_a].append(a)
            ends[kind_b].append(b)
        self.uids: dict[str, pa.Array] = {}
        numbers: dict[str, list[np.ndarray]] = {}
        offset = 0
        for kind in KINDS:
            self.uids[kind], numbers[kind] = _rank(ends[kind], offset)
            offset += len(self.uids[kind])
        self.size = offset
        sources, targets = [], []
        for kind_a, _, kind_b, _ in edges:  # the numbers come back in the order the ends went in
            sources.append(numbers[kind_a].pop(0))
            targets.append(numbers[kind_b].pop(0))
        self.sources = np.concatenate(sources) if sources else np.zeros(0, np.int64)
        self.targets = np.concatenate(targets) if targets else np.zeros(0, np.int64)

    def components(self) -> np.ndarray:
        """The component label of every node."""
        matrix = coo_matrix((np.ones(len(self.sources), np.int8), (self.sources, self.targets)),
                            shape=(self.size, self.size))
        return connected_components(matrix, directed=False)[1]


def _rank(arrays: list[pa.Array], offset: int) -> tuple[pa.Array, list[np.ndarray]]:
    """The sorted distinct values of `arrays`, and each array as offset + rank of its values."""
    if not arrays:
        return pa.array([], pa.string()), []
    encoded = pa.concat_arrays(arrays).dictionary_encode()
    order = pc.sort_indices(encoded.dictionary).to_numpy()
    rank = np.empty(len(order), np.int64)
    rank[order] = np.arange(len(order))
    numbers = rank[encoded.indices.to_numpy(zero_copy_only=False)] + offset
    bounds = np.cumsum([len(a) for a in arrays])[:-1]
    return encoded.dictionary.take(pa.array(order)), list(np.split(numbers, bounds))


def interest_graph(store: Store, control_share: float = CONTROL_SHARE) -> InterestGraph:
    """Enterprises, persons and households (户号) with control and kin edges."""
    params = {"share": control_share, "positions": list(CONTROL_POSITIONS)}
    reads = [(kind, query, params, "a", "E", "b") for kind, query in EDGES]
    reads += [("P", KIN, None, "a", "P", "b"), ("P", HOUSEHOLDS, None, "a", "H", "h")]
    edges = []
    for kind_a, query, query_params, a, kind_b, b in reads:
        table = store.query_arrow(query, query_params)
        if table.num_rows:
            edges.append((kind_a, table[a].combine_chunks().cast(pa.string()),
                          kind_b, table[b].combine_chunks().cast(pa.string())))
    return InterestGraph(edges)


def interest_groups(graph: InterestGraph) -> dict[tuple[str, str], str]:
    """(kind, uid) → group id for every enterprise and person of a component with two
    enterprises or more; the id is the smallest enterprise uid of the component, prefixed IG:.

    >>> a = pa.array
    >>> g = InterestGraph([("P", a(["p1", "p1", "p2"]), "E", a(["b", "a", "c"]))])
    >>> sorted(interest_groups(g).items())
    [(('E', 'a'), 'IG:a'), (('E', 'b'), 'IG:a'), (('P', 'p1'), 'IG:a')]
    """
    labels = graph.components()
    enterprises, persons = len(graph.uids["E"]), len(graph.uids["P"])
    count = np.bincount(labels[:enterprises], minlength=labels.max(initial=0) + 1)
    smallest = np.full(len(count), enterprises, np.int64)
    np.minimum.at(smallest, labels[:enterprises], np.arange(enterprises))
    groups = {}
    for kind, first, size in (("E", 0, enterprises), ("P", enterprises, persons)):
        member_labels = labels[first:first + size]
        members = np.flatnonzero(count[member_labels] >= 2)
        uids = graph.uids[kind].take(pa.array(members)).to_pylist()
        heads = graph.uids["E"].take(pa.array(smallest[member_labels[members]])).to_pylist()
        groups.update({(kind, uid): "IG:" + head for uid, head in zip(uids, heads)})
    return groups


def compute_interest_groups(store: Store, control_share: float = CONTROL_SHARE) -> dict[str, float]:
    """Recompute every interest group and write back the changes (a node leaving every group
    gets NULL); returns counts and seconds."""
    started = time.perf_counter()
    groups = interest_groups(interest_graph(store, control_share))
    for kind, label in (("E", "Enterprise"), ("P", "Person")):
        stored = store.query_arrow(CURRENT.format(label=label))
        current = dict(zip(stored["uid"].to_pylist(), stored["grp"].to_pylist())) if stored.num_rows else {}
        wanted = {uid: group for (k, uid), group in groups.items() if k == kind}
        rows = [{"uid": uid, "grp": wanted.get(uid)} for uid in sorted(set(current) | set(wanted))
                if current.get(uid) != wanted.get(uid)]
        for start in range(0, len(rows), BATCH):
            store.query(WRITE.format(label=label), {"rows": rows[start:start + BATCH]})
    sizes: dict[str, int] = {}
    for (kind, _), group in groups.items():
        if kind == "E":
            sizes[group] = sizes.get(group, 0) + 1
    return {"control_share": control_share, "groups": len(sizes), "enterprises": sum(sizes.values()),
            "persons": sum(1 for kind, _ in groups if kind == "P"),
            "largest": max(sizes.values(), default=0), "seconds": round(time.perf_counter() - started, 3)}
