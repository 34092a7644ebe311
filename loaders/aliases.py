"""Mentions that resolution merged into canonical entities, applied to later loads.

Resolution folds a node the loader keyed `name:…` or `record:…`, or a property's certificate
number co-cited with its unit number, into its canonical entity and leaves an EntityAlias (`engine/merge.py`). Loading the same rows again must not bring the
folded node back: each fact naming an aliased key is written against the canonical entity,
the mention's own node row is dropped, and the DESCRIBES from its source record carries the
method and score of the match, as resolution left them.

    aliases = Aliases(store)          # one query to see whether the store has any alias
    aliases.apply(facts)              # rewrites the chunk's facts in place
"""
from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from crossaudit.engine.merge import may_be_alias
from crossaudit.engine.schema import ENTITY_LABELS, SCHEMA
from crossaudit.engine.store import Store
from crossaudit.loaders.transform import Facts

MATCH_PROPS = ("method", "score", "contributions")


class Aliases:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.active = bool(store.query("MATCH (a:EntityAlias) RETURN count(*) AS n")[0]["n"])
        self._known: dict[tuple[str, str], dict | None] = {}  # (label, old uid) → alias row, or None

    def lookup(self, label: str, keys: list[str]) -> dict[str, dict]:
        """old uid → {uid, method, score, contributions} for the aliased keys among `keys`,
        following a chain (a mention merged into a node that was itself merged later)."""
        wanted = sorted({k for k in keys if k and may_be_alias(label, k) and (label, k) not in self._known})
        while wanted:
            rows = self.store.query(
                "UNWIND $ids AS i MATCH (a:EntityAlias {alias_id: i}) RETURN a.old_uid AS old, a.uid AS uid, "
                "a.method AS method, a.score AS score, a.contributions AS contributions",
                {"ids": [f"{label}:{k}" for k in wanted]})
            found = {row["old"]: row for row in rows}
            for key in wanted:
                self._known[(label, key)] = found.get(key)
            wanted = sorted({row["uid"] for row in rows if may_be_alias(label, row["uid"])
                             and (label, row["uid"]) not in self._known})
        out = {}
        for key in set(keys):
            alias, hops = self._known.get((label, key)), 0
            while alias is not None and hops < 10:  # the match of the first hop, the uid of the last
                out[key] = {**alias} if hops == 0 else {**out[key], "uid": alias["uid"]}
                alias, hops = self._known.get((label, alias["uid"])), hops + 1
        return out

    def apply(self, facts: Facts) -> None:
        """Point the chunk's facts at canonical entities, in place."""
        if not self.active:
            return
        for label in ENTITY_LABELS:
            key = SCHEMA.node(label).key
            keys = [k for batch in facts.nodes.get(label, ()) for k in _texts(batch.get(key))]
            mapping = self.lookup(label, keys)
            if not mapping:
                continue
            old = sorted(mapping)
            point_at(facts, label, old, [mapping[k]["uid"] for k in old],
                     {name: pa.array([mapping[k].get(name) for k in old]) for name in MATCH_PROPS})


def point_at(facts: Facts, label: str, old: list[str], new: list[str], matches: dict[str, pa.Array]) -> None:
    """Write the chunk's mentions keyed `old[k]` of `label` against the entity `new[k]`, in place:
    their own node rows dropped, their relationships' ends renamed, and the DESCRIBES from their
    source records given the match (`matches`: property → a value per old key)."""
    key = SCHEMA.node(label).key
    olds, news = pa.array(old, pa.string()), pa.array(new, pa.string())
    facts.nodes[label] = [{name: values.filter(pc.invert(_aliased(batch[key], olds))) for name, values in batch.items()}
                          for batch in facts.nodes.get(label, ())]
    for (rel_type, from_label, to_label), batches in facts.rels.items():
        for batch in batches:
            for side, side_label in (("from", from_label), ("to", to_label)):
                if side_label != label or side not in batch:
                    continue
                if not isinstance(batch[side], (pa.Array, pa.ChunkedArray)):
                    batch[side] = pa.array(batch[side], pa.string())
                hit = _aliased(batch[side], olds)
                if not pc.any(hit).as_py():
                    continue
                at = pc.index_in(batch[side], value_set=olds)
                if rel_type == "DESCRIBES" and side == "to":  # the match, as resolution made it
                    for name, given in matches.items():
                        current = batch.get(name, pa.nulls(len(hit), given.type))
                        batch[name] = pc.if_else(hit, given.take(at).cast(current.type), current)
                batch[side] = pc.if_else(hit, news.take(at), batch[side])


def _texts(values) -> list[str]:
    if values is None:
        return []
    return [v for v in (values.to_pylist() if isinstance(values, (pa.Array, pa.ChunkedArray)) else values) if v]


def _aliased(values: pa.Array, old: pa.Array) -> pa.Array:
    return pc.fill_null(pc.is_in(values, value_set=old), False)
