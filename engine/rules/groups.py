"""Interest groups: who controls what, and who is kin, as connected components (networkx).

Cypher alone is weak at "the seller and the buyer are controlled by one person, or by kin":
the chain may run through a legal representative, a controlling shareholding, a director's
seat, a marriage or a household, in any combination. This step builds one undirected graph
of enterprises and persons joined by

- LEGAL_REP_OF;
- SHAREHOLDER_OF with a share of at least CONTROL_SHARE (persons or enterprises);
- EXECUTIVE_OF in a controlling position (CONTROL_POSITIONS; not a supervisor);
- KIN_OF (marriage registrations) and a shared household number (户号);

and writes each component that holds two enterprises or more back as `interest_group` on its
enterprises and persons (the smallest enterprise uid in it, prefixed `IG:`). Others get NULL;
only nodes whose group changed are written.
Rules compare `seller.interest_group = buyer.interest_group`.

    stats = compute_interest_groups(store)   # {'groups': 412, 'enterprises': 903, ...}
"""
from __future__ import annotations

import time

import networkx as nx

from crossaudit.engine.store import Store

CONTROL_SHARE = 0.5
CONTROL_POSITIONS = ("法定代表人", "董事长", "执行董事", "执行董事兼总经理", "总经理", "负责人")
EDGES = (
    "MATCH (p:Person)-[r:LEGAL_REP_OF]->(e:Enterprise) RETURN 'P' AS a_kind, p.uid AS a, e.uid AS b",
    "MATCH (p:Person)-[r:SHAREHOLDER_OF]->(e:Enterprise) WHERE r.ratio >= $share "
    "RETURN 'P' AS a_kind, p.uid AS a, e.uid AS b",
    "MATCH (o:Enterprise)-[r:SHAREHOLDER_OF]->(e:Enterprise) WHERE r.ratio >= $share "
    "RETURN 'E' AS a_kind, o.uid AS a, e.uid AS b",
    "MATCH (p:Person)-[r:EXECUTIVE_OF]->(e:Enterprise) WHERE r.position IN $positions "
    "RETURN 'P' AS a_kind, p.uid AS a, e.uid AS b",
)
KIN = "MATCH (p:Person)-[r:KIN_OF]->(q:Person) RETURN p.uid AS a, q.uid AS b"
HOUSEHOLDS = "MATCH (p:Person) WHERE p.household_no IS NOT NULL RETURN p.uid AS a, p.household_no AS h"
CURRENT = "MATCH (n:{label}) WHERE n.interest_group IS NOT NULL RETURN n.uid AS uid, n.interest_group AS grp"
WRITE = "UNWIND $rows AS r MATCH (n:{label} {{uid: r.uid}}) SET n.interest_group = r.grp"
BATCH = 20_000


def interest_graph(store: Store) -> nx.Graph:
    """Enterprises ('E', uid), persons ('P', uid) and households ('H', 户号) with control and kin edges."""
    graph = nx.Graph()
    params = {"share": CONTROL_SHARE, "positions": list(CONTROL_POSITIONS)}
    for query in EDGES:
        graph.add_edges_from(((r["a_kind"], r["a"]), ("E", r["b"])) for r in store.query(query, params))
    graph.add_edges_from((("P", r["a"]), ("P", r["b"])) for r in store.query(KIN))
    graph.add_edges_from((("P", r["a"]), ("H", r["h"])) for r in store.query(HOUSEHOLDS))
    return graph


def interest_groups(graph: nx.Graph) -> dict[tuple[str, str], str]:
    """(kind, uid) → group id for every member of a component with two enterprises or more.

    >>> g = nx.Graph([(("P", "p1"), ("E", "b")), (("P", "p1"), ("E", "a")), (("P", "p2"), ("E", "c"))])
    >>> sorted(interest_groups(g).items())
    [(('E', 'a'), 'IG:a'), (('E', 'b'), 'IG:a'), (('P', 'p1'), 'IG:a')]
    """
    groups = {}
    for component in nx.connected_components(graph):
        enterprises = sorted(uid for kind, uid in component if kind == "E")
        if len(enterprises) < 2:
            continue
        group = "IG:" + enterprises[0]
        groups.update({member: group for member in component if member[0] in "EP"})
    return groups


def compute_interest_groups(store: Store) -> dict[str, float]:
    """Recompute every interest group and write back the changes (a node leaving every group
    gets NULL); returns counts and seconds."""
    started = time.perf_counter()
    groups = interest_groups(interest_graph(store))
    for kind, label in (("E", "Enterprise"), ("P", "Person")):
        current = {r["uid"]: r["grp"] for r in store.query(CURRENT.format(label=label))}
        wanted = {uid: group for (k, uid), group in groups.items() if k == kind}
        rows = [{"uid": uid, "grp": wanted.get(uid)} for uid in sorted(set(current) | set(wanted))
                if current.get(uid) != wanted.get(uid)]
        for start in range(0, len(rows), BATCH):
            store.query(WRITE.format(label=label), {"rows": rows[start:start + BATCH]})
    sizes: dict[str, int] = {}
    for (kind, _), group in groups.items():
        if kind == "E":
            sizes[group] = sizes.get(group, 0) + 1
    return {"groups": len(sizes), "enterprises": sum(sizes.values()),
            "persons": sum(1 for kind, _ in groups if kind == "P"),
            "largest": max(sizes.values(), default=0), "seconds": round(time.perf_counter() - started, 3)}
