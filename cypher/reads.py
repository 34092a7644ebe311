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

from crossaudit.engine.schema import SCHEMA


def keyed(label: str, key: str, var: str = "n", keys: str = "keys") -> str:
    """The clause binding `var` to each node of `label` whose `key` is in the list parameter
    named `keys` (and `k` to that key)."""
    return f"UNWIND ${keys} AS k MATCH ({var}:{label} {{{key}: k}})"


def per_label(keys: dict[str, list[str]], branch) -> tuple[str, dict[str, list[str]]]:
    """One query for nodes of several labels: a UNION ALL of `branch(label, keyed clause)` per
    label, each with its keys as its own parameter; the branches must return the same columns
    (scalars: Ladybug does not unite nodes or relationships of different tables).

    >>> per_label({"Enterprise": ["E1"], "Invoice": ["I1"]},
    ...           lambda label, match: f"{match} RETURN '{label}' AS label, k")[0]
    "UNWIND $keys0 AS k MATCH (n:Enterprise {uid: k}) RETURN 'Enterprise' AS label, k UNION ALL UNWIND $keys1 AS k MATCH (n:Invoice {invoice_no: k}) RETURN 'Invoice' AS label, k"
    """
    labels = sorted(keys)
    query = " UNION ALL ".join(branch(label, keyed(label, SCHEMA.node(label).key, keys=f"keys{index}"))
                               for index, label in enumerate(labels))
    return query, {f"keys{index}": list(keys[label]) for index, label in enumerate(labels)}
