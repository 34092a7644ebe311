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


def keyed(label: str, key: str, var: str = "n") -> str:
    """The clause binding `var` to each node of `label` whose `key` is in the `$keys` parameter
    (and `k` to that key)."""
    return f"UNWIND $keys AS k MATCH ({var}:{label} {{{key}: k}})"
