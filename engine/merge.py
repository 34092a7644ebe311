"""merge: fold one entity node into another, keeping every fact it carried.

Resolution decides that the enterprise a land contract names as `name:某某科技有限公司` is the
registered `91640100…`; `merge_entities` moves every relationship of the first node to the
second (provenance kept), deletes the first and records an EntityAlias, so a later load of
the same rows links straight to the canonical entity.

    merge_entities(store, "Enterprise", {"name:某某科技有限公司": "91640100…"}, run,
                   matches={"name:某某科技有限公司": {"method": "probabilistic", "score": 0.998}})

Works through the Store interface only (parameterised queries and upserts), so both engines
behave the same.
"""
from __future__ import annotations

import json
from typing import Any, Mapping

from crossaudit.engine.schema import SCHEMA, STORE_FILLED
from crossaudit.engine.store import RunStamp, Store

MOVED_OVER = ("rid", "_type", *STORE_FILLED)
# The uids the loader makes up for a mention without an identifier (`loaders.transform`): of its
# normalised name, or of its source record; resolution merges them.
NAME_UID, RECORD_UID = "name:", "record:"
PROVISIONAL = (NAME_UID, RECORD_UID)


def is_provisional(uid: str) -> bool:
    """A uid the loader made up for want of an identifier (`name:…`, `record:…`)."""
    return uid.startswith(PROVISIONAL)


# Labels whose nodes keyed by a second identifier (a certificate beside the unit number) are
# folded into the canonical one when a row cites both (`resolve.graph.fold_co_citations`).
CO_CITED = ("Property", "Contract")


def may_be_alias(label: str, uid: str) -> bool:
    """Whether resolution may have folded the node `uid` of `label` into another: a provisional
    uid, or any key of a Property or Contract."""
    return is_provisional(uid) or label in CO_CITED


def _rel_patterns(label: str) -> list[tuple[str, str, str, bool]]:
    """(type, from, to, label is the start) for every relationship pair touching `label`;
    a pair joining `label` to itself is walked both ways."""
    out = []
    for rel in SCHEMA.rels:
        for a, b in rel.pairs:
            if a == label:
                out.append((rel.type, a, b, True))
            if b == label:
                out.append((rel.type, a, b, False))
    return out


def _moved(row: dict, new: str, other: str, outgoing: bool) -> dict:
    props = {k: v for k, v in row["r"].items() if k not in MOVED_OVER and v is not None}
    props["from"], props["to"] = (new, other) if outgoing else (other, new)
    return props


def merge_entities(store: Store, label: str, merges: Mapping[str, str], run: RunStamp,
                   matches: Mapping[str, Mapping[str, Any]] | None = None) -> int:
    """Merge each node `old` of `label` into `merges[old]`; return how many were merged.

    `matches[old]` (method, score, contributions) is written on the DESCRIBES of every source
    record that described `old` and on its EntityAlias. Canonical nodes keep their properties;
    properties they lack are taken from the merged node."""
    merges = {old: new for old, new in merges.items() if old != new}
    olds = sorted(merges)
    with store.deferred_checkpoints():
        for start in range(0, len(olds), MERGE_BATCH):
            _merge_batch(store, label, olds[start:start + MERGE_BATCH], merges, run, matches or {})
    return len(merges)


# Merged nodes moved per round of queries: the memory a round takes grows with it (a hub's
# relationships come back as rows), so a large region is merged in rounds.
MERGE_BATCH = 2_000


def _merge_batch(store: Store, label: str, olds: list[str], merges: Mapping[str, str], run: RunStamp,
                 matches: Mapping[str, Mapping[str, Any]]) -> None:
    node = SCHEMA.node(label)
    _fill_properties(store, label, olds, merges, run)
    # `WHERE a.key IN $olds`, not `UNWIND $pairs … MATCH (a {key: p.old})-[r]-(b)`: Ladybug plans the
    # latter as a scan of the whole relationship table joined to the list (medium region, 2,000
    # firms' DESCRIBES: 1.9-2.6 s against 0.27 s)
    for rel_type, from_label, to_label, outgoing in _rel_patterns(label):
        other_label = to_label if outgoing else from_label
        other_key = SCHEMA.node(other_label).key
        pattern = f"-[r:{rel_type}]->(b:{to_label})" if outgoing else f"<-[r:{rel_type}]-(b:{from_label})"
        rows = store.query(f"MATCH (a:{label}){pattern} WHERE a.{node.key} IN $olds "
                           f"RETURN a.{node.key} AS old, b.{other_key} AS other, r", {"olds": olds})
        moved = []
        for row in rows:
            new = merges[row["old"]]
            other = merges.get(row["other"], row["other"]) if other_label == label else row["other"]
            if other == new and other_label == label:
                continue  # a relationship between the two merged nodes would become a loop
            props = _moved(row, new, other, outgoing)
            if rel_type == "DESCRIBES":
                props.update(_describes(matches.get(row["old"], {})))
            moved.append(props)
        if moved:
            store.upsert_relationships(rel_type, from_label, to_label, moved, run)
    store.query(f"MATCH (a:{label}) WHERE a.{node.key} IN $olds DETACH DELETE a", {"olds": olds})
    store.upsert_nodes("EntityAlias", [{
        "alias_id": f"{label}:{old}", "label": label, "old_uid": old, "uid": merges[old],
        **_describes(matches.get(old, {}))} for old in olds], run)


def _describes(match: Mapping[str, Any]) -> dict:
    out = {"method": match.get("method", "probabilistic"), "score": match.get("score")}
    if match.get("contributions") is not None:
        out["contributions"] = json.dumps(match["contributions"], ensure_ascii=False, sort_keys=True)
    return {k: v for k, v in out.items() if v is not None}


def _fill_properties(store: Store, label: str, olds: list[str], merges: Mapping[str, str], run: RunStamp) -> None:
    """Give each canonical node the properties it lacks and its merged node has."""
    node = SCHEMA.node(label)
    names = [p.name for p in node.props if p.name != node.key]
    uids = sorted(set(olds) | {merges[old] for old in olds})
    nodes = {row["uid"]: row["n"] for row in store.query(
        f"MATCH (n:{label}) WHERE n.{node.key} IN $uids RETURN n.{node.key} AS uid, n", {"uids": uids})}
    updates: dict[str, dict] = {}
    for old in olds:
        new = merges[old]
        if old not in nodes or new not in nodes:
            continue
        update = updates.setdefault(new, {})
        for name in names:
            if nodes[new].get(name) is None and nodes[old].get(name) is not None:
                update.setdefault(name, nodes[old][name])
    fills = [{node.key: new, **props} for new, props in updates.items() if props]
    if fills:
        store.upsert_nodes(label, fills, run)
