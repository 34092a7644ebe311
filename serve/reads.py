"""What the console reads beyond the viz functions: fuzzy name search, linked-entity counts,
one node's neighbourhood, and the shortest paths between two entities.

    similar_names(name_index(store), "宁夏甲商贸")         # [("Enterprise", "9164…"), …] by rapidfuzz score
    linked_counts(store, ("Enterprise", "9164…"))          # [{"rel_type": "FILED", "label": "TaxFiling", …}]
    neighbourhood(store, ("Enterprise", "9164…"), label="Person")   # a Case: the node and its persons
    connections(store, ("Enterprise", "A"), ("Enterprise", "B"))     # a Case: the shortest paths, ≤ 4 hops

Every Cypher statement here runs on both engines (STYLE.md, "Portable Cypher"): the path
search is one fixed-length pattern per length, relationships named and never reused, no
`shortestPath()`, no variable-length pattern.
"""
from __future__ import annotations

from collections import Counter
from typing import Iterable

import numpy as np
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


class NameIndex:
    """Named entities, ((label, key), name), for `similar_names`, with each character's postings
    (which names hold it, how many times) to shortlist the names a fuzzy match can reach.

    A name sharing few characters with the text cannot score FUZZY_CUTOFF. For texts without white
    space (whose token scores are the plain ones again) WRatio is at most the larger of the Indel
    ratio 100·2L / (a + b) of the two texts and 0.9 × that of the shorter (length s) against a
    window of the other, 100·2L / (s + window) with window ≥ L; L, their longest common
    subsequence, is at most `common`, the characters they share (with repeats). So a score c needs
    common ≥ c·s / 100 or common ≥ c·s / (180 - c): for 60, 2·common ≥ s. Names with white space
    are always compared. Scoring only the shortlist gives the same names in the same order
    (rapidfuzz breaks ties by position, kept).

    >>> index = NameIndex([(("Person", "1"), "张伟"), (("Enterprise", "2"), "宁夏甲商贸有限公司")])
    >>> index.shortlist("宁夏甲商贸公司").tolist()
    [1]
    """

    def __init__(self, entries: Iterable[tuple[NodeId, str]]) -> None:
        self.entries = list(entries)
        self.names = [name for _, name in self.entries]
        self.lengths = np.array([len(name) for name in self.names], dtype=np.int32)
        self.spaced = np.array([any(char.isspace() for char in name) for name in self.names], dtype=bool)
        postings: dict[str, tuple[list[int], list[int]]] = {}
        for row, name in enumerate(self.names):
            for char, count in Counter(name).items():
                rows, counts = postings.setdefault(char, ([], []))
                rows.append(row)
                counts.append(count)
        self.postings = {char: (np.array(rows, dtype=np.int32), np.array(counts, dtype=np.int32))
                         for char, (rows, counts) in postings.items()}

    def __len__(self) -> int:
        return len(self.entries)

    def shortlist(self, text: str) -> np.ndarray:
        """The positions, ascending, of the names that may score FUZZY_CUTOFF against `text`."""
        if any(char.isspace() for char in text):
            return np.arange(len(self.names))
        common = np.zeros(len(self.names), dtype=np.int32)
        for char, count in Counter(text).items():
            if char in self.postings:
                rows, counts = self.postings[char]
                common[rows] += np.minimum(counts, count)
        shorter = np.minimum(self.lengths, len(text))
        return np.flatnonzero((common * max(100, 180 - FUZZY_CUTOFF) >= FUZZY_CUTOFF * shorter) | self.spaced)


def name_index(store: Store) -> NameIndex:
    """Every named enterprise and person, for `similar_names`."""
    entries = []
    for label, prop in NAME_FIELDS:
        key = SCHEMA.node(label).key
        entries += [((label, row["key"]), row["name"]) for row in store.query(
            f"MATCH (n:{label}) WHERE n.{prop} IS NOT NULL RETURN n.{key} AS key, n.{prop} AS name")]
    return NameIndex(entries)


def similar_names(index: NameIndex, text: str, limit: int = 20) -> list[NodeId]:
    """The entities whose names are most like `text` (rapidfuzz WRatio ≥ FUZZY_CUTOFF), best first.

    >>> similar_names(NameIndex([(("Person", "1"), "张伟"), (("Enterprise", "2"), "宁夏甲商贸有限公司")]), "宁夏甲商贸公司")
    [('Enterprise', '2')]
    """
    shortlist = index.shortlist(text)
    found = process.extract(text, [index.names[row] for row in shortlist], scorer=fuzz.WRatio, limit=limit,
                            score_cutoff=FUZZY_CUTOFF)
    return [index.entries[shortlist[position]][0] for _, _, position in found]


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
