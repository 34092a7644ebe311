"""Reads of many nodes at once, by their keys, that stay anchored on both engines.

`UNWIND $keys AS k MATCH (n:Label {key: k})` finds each node through its key index. What hangs
off those nodes is then read with an OPTIONAL MATCH from `n`: written as one MATCH pattern
(`MATCH (n:Enterprise {uid: k})<-[d:DESCRIBES]-(s:SourceRecord)`), Ladybug plans a hash join
of the whole relationship and node tables (every DESCRIBES and SourceRecord: millions of rows on
the medium region, "buffer pool is full" with a 2 GB page cache) against the few keys, while the
OPTIONAL MATCH extends from the nodes found. A node with nothing joined gives one row of nulls:
aggregate it away (collect and count skip nulls) or skip it.

    >>> keyed("Enterprise", "uid") + " OPTIONAL MATCH (n)<-[d:DESCRIBES]-(s:SourceRecord)"
    'UNWIND $keys AS k MATCH (n:Enterprise {uid: k}) OPTIONAL MATCH (n)<-[d:DESCRIBES]-(s:SourceRecord)'
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, Mapping, Sequence

from crossaudit.engine.schema import SCHEMA

if TYPE_CHECKING:
    from crossaudit.engine.store import Store

NodeId = tuple[str, str]


def keyed(label: str, key: str, var: str = "n", keys: str = "keys") -> str:
    """The clause binding `var` to each node of `label` whose `key` is in the list parameter
    named `keys` (and `k` to that key)."""
    return f"UNWIND ${keys} AS k MATCH ({var}:{label} {{{key}: k}})"


def targets(rel_type: str) -> list[str]:
    """The labels a relationship type points to, sorted.

    >>> targets("FLAGS")[:2]
    ['Contract', 'Enterprise']
    """
    return sorted({label for _, label in SCHEMA.rel(rel_type).pairs})


def per_label(store: "Store", keys: Mapping[str, Sequence[str]], branch, labels: Sequence[str]) -> list[dict]:
    """The rows of `branch(label, keyed clause)` for the keys of each label of `labels` that has
    some: one query per label, whose text is the same whichever other labels have keys. (A UNION
    of every label's branch would be one query, but Neo4j plans a query again for each size class
    — 1, 2-10, 11-100 … — of each list parameter, 0.4-0.5 s for such a union, 0.04 s for one branch.)

    >>> per_label(None, {"Invoice": []}, lambda label, match: f"{match} RETURN k", ["Invoice"])
    []
    """
    return [row for label in labels if keys.get(label)
            for row in store.query(branch(label, keyed(label, SCHEMA.node(label).key)), {"keys": list(keys[label])})]


def group_by_label(ids: Iterable[NodeId]) -> dict[str, list[str]]:
    """{label: sorted distinct keys}, labels sorted.

    >>> group_by_label([("Person", "b"), ("Enterprise", "x"), ("Person", "a")])
    {'Enterprise': ['x'], 'Person': ['a', 'b']}
    """
    by_label: dict[str, set[str]] = {}
    for label, key in ids:
        by_label.setdefault(label, set()).add(key)
    return {label: sorted(keys) for label, keys in sorted(by_label.items())}


def fetch_nodes(store: "Store", ids: Iterable[NodeId]) -> dict[NodeId, dict]:
    """The nodes with these (label, key) ids that exist, as plain dicts: one query per label."""
    found = {}
    for label, keys in group_by_label(ids).items():
        key_prop = SCHEMA.node(label).key
        for row in store.query(f"{keyed(label, key_prop)} RETURN n", {"keys": keys}):
            found[(label, row["n"][key_prop])] = row["n"]
    return found


def relationships_between(store: "Store", nodes: Iterable[NodeId],
                          pairs: Mapping[tuple[str, str], Sequence[str]]) -> dict[tuple[str, str], dict]:
    """Every relationship of the types `pairs` gives for each (from label, to label) that joins
    two of the given nodes, keyed (type, rid), with `_from` and `_to`: one query per pair of
    labels present (Ladybug does not unite relationships of different tables). Each is anchored on
    the relationships' ends and filters their starts: the other way round, Ladybug scanned the end
    label's table for the `IN` (a network read on the medium region spent 25-30% more)."""
    by_label = group_by_label(nodes)
    rels: dict[tuple[str, str], dict] = {}
    for (from_label, to_label), types in sorted(pairs.items()):
        if from_label not in by_label or to_label not in by_label:
            continue
        from_key = SCHEMA.node(from_label).key
        rows = store.query(
            f"{keyed(to_label, SCHEMA.node(to_label).key, 'b', 'to_keys')} OPTIONAL MATCH (a:{from_label})"
            f"-[r:{'|'.join(types)}]->(b) WHERE a.{from_key} IN $keys RETURN a.{from_key} AS source, r, k AS to",
            {"keys": by_label[from_label], "to_keys": by_label[to_label]})
        for row in rows:
            if row["r"] is None:
                continue
            rel = dict(row["r"])
            rel["_from"], rel["_to"] = (from_label, row["source"]), (to_label, row["to"])
            rels[(rel["_type"], rel["rid"])] = rel
    return rels
