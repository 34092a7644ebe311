"""What the console reads beyond the viz functions: fuzzy name search, linked-entity counts,
one node's neighbourhood, and the shortest paths between two entities.

    similar_names(index, "宁夏甲商贸")                     # [("Enterprise", "9164…"), …] by rapidfuzz score
    linked_counts(store, ("Enterprise", "9164…"))          # [{"rel_type": "FILED", "label": "TaxFiling", …}]
    neighbourhood(store, ("Enterprise", "9164…"), label="Person")   # a Case: the node and its persons
    connections(store, ("Enterprise", "A"), ("Enterprise", "B"))     # a Case: the shortest paths, ≤ 4 hops

Every Cypher statement here runs on both engines (STYLE.md, "Portable Cypher"): the path
search is one fixed-length pattern per length, relationships named and never reused, no
`shortestPath()`, no variable-length pattern.
"""
from __future__ import annotations

from typing import Sequence

from rapidfuzz import fuzz, process

from crossaudit.engine import SCHEMA, Store
from crossaudit.engine.access import DERIVED_FROM
from crossaudit.viz.case import Case, build_case
from crossaudit.viz.lookup import NAME_FIELDS
from crossaudit.viz.subgraph import CONTEXT_PAIRS, NodeId, neighbours

MAX_HOPS = 4
# The relationship types a path may take: every fact joining two entities, bookkeeping left out.
PATH_TYPES = "|".join(sorted({rel_type for types in CONTEXT_PAIRS.values() for rel_type in types}))
# The relationships interest groups are computed over (engine/rules/groups.py): marked on a path.
GROUP_RELS = frozenset(name for name, prop in DERIVED_FROM["interest_group"] if prop is None)
# A fuzzy match below this rapidfuzz WRatio (0-100) is no candidate.
FUZZY_CUTOFF = 60


def name_index(store: Store) -> list[tuple[NodeId, str]]:
    """Every named enterprise and person, ((label, key), name), for `similar_names`."""
    index = []
    for label, prop in NAME_FIELDS:
        key = SCHEMA.node(label).key
        index += [((label, row["key"]), row["name"]) for row in store.query(
            f"MATCH (n:{label}) WHERE n.{prop} IS NOT NULL RETURN n.{key} AS key, n.{prop} AS name")]
    return index


def similar_names(index: Sequence[tuple[NodeId, str]], text: str, limit: int = 20) -> list[NodeId]:
    """The entities whose names are most like `text` (rapidfuzz WRatio ≥ FUZZY_CUTOFF), best first.

    >>> similar_names([(("Person", "1"), "张伟"), (("Enterprise", "2"), "宁夏甲商贸有限公司")], "宁夏甲商贸公司")
    [('Enterprise', '2')]
    """
    names = [name for _, name in index]
    found = process.extract(text, names, scorer=fuzz.WRatio, limit=limit, score_cutoff=FUZZY_CUTOFF)
    return [index[position][0] for _, _, position in found]


def linked_counts(store: Store, ident: NodeId) -> list[dict]:
    """How many entities of each type the node is joined to, by each relationship type; types
    with none left out. One query (`viz.subgraph.neighbours`)."""
    label, key = ident
    return [{"rel_type": rel_type, "label": other, "count": len(found[key])}
            for (rel_type, other), found in neighbours(store, label, [key]).items() if found.get(key)]


def neighbourhood(store: Store, ident: NodeId, label: str | None = None, max_per_type: int = 20) -> Case:
    """The node and its neighbours (of type `label` only, when given), as a case to show."""
    case = build_case(store, [ident], depth=1, max_nodes=max_per_type * 40, max_per_type=max_per_type)
    if label is not None:
        network = case.network
        network.nodes = {i: n for i, n in network.nodes.items() if i == ident or i[0] == label}
        network.rels = {key: rel for key, rel in network.rels.items()
                        if rel["_from"] in network.nodes and rel["_to"] in network.nodes}
    return case


def path_query(from_label: str, to_label: str, hops: int) -> str:
    """The Cypher of the paths of exactly `hops` relationships between two nodes, returning the
    nodes between them (m1 …). Relationships are named and distinct; untyped inner nodes.

    >>> path_query("Enterprise", "Person", 2).split(" RETURN ")[1]
    'm1 LIMIT $limit'
    """
    steps = "".join(f"-[r{i}:{PATH_TYPES}]-(m{i})" for i in range(1, hops))
    pattern = (f"MATCH (a:{from_label} {{{SCHEMA.node(from_label).key}: $a}}){steps}"
               f"-[r{hops}:{PATH_TYPES}]-(b:{to_label} {{{SCHEMA.node(to_label).key}: $b}})")
    distinct = [f"r{i} <> r{j}" for i in range(1, hops + 1) for j in range(i + 1, hops + 1)]
    where = f" WHERE {' AND '.join(distinct)}" if distinct else ""
    inner = ", ".join(f"m{i}" for i in range(1, hops)) or "a"
    return f"{pattern}{where} RETURN {inner} LIMIT $limit"


def shortest_paths(store: Store, a: NodeId, b: NodeId, max_hops: int = MAX_HOPS, limit: int = 10) -> list[list[NodeId]]:
    """The shortest simple paths (at most `limit`, at most `max_hops` relationships) from a to b."""
    if a == b:
        return [[a]]
    for hops in range(1, max_hops + 1):
        rows = store.query(path_query(a[0], b[0], hops), {"a": a[1], "b": b[1], "limit": limit * 4})
        paths = []
        for row in rows:
            inner = [(row[f"m{i}"]["_label"], row[f"m{i}"][SCHEMA.node(row[f"m{i}"]["_label"]).key])
                     for i in range(1, hops)]
            path = [a, *inner, b]
            if len(set(path)) == len(path) and path not in paths:
                paths.append(path)
        if paths:
            return sorted(paths)[:limit]
    return []


def connections(store: Store, a: NodeId, b: NodeId, max_hops: int = MAX_HOPS) -> Case:
    """How A and B are connected: the shortest paths between them as a case (none: an empty path list)."""
    paths = shortest_paths(store, a, b, max_hops)
    case = build_case(store, [a, b, *(node for path in paths for node in path)], depth=0)
    case.paths = paths
    return case
