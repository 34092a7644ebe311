"""merge: fold one entity node into another, keeping every fact it carried.

Resolution decides that the enterprise a land contract names as `name:某某科技有限公司` is the
registered `91640100…`; `merge_entities` moves every relationship of the first node to the
second (provenance kept), deletes the first and records an EntityAlias, so a later load of
the same rows links straight to the canonical entity.

    merge_entities(store, "Enterprise", {"name:某某科技有限公司": "91640100…"}, run,
                   matches={"name:某某科技有限公司": {"method": "probabilistic", "score": 0.998}})

Works through the Store interface only (parameterised queries and upserts), so both engines
behave the same. Where the store moves relationships itself (`Store.relationship_id`: Neo4j),
only what a moved relationship's new rid needs comes back to the client; elsewhere each is read
back whole and upserted at its new ends.
"""
from __future__ import annotations

import json
from itertools import compress
from typing import TYPE_CHECKING, Any, Mapping

from crossaudit.engine.schema import REGISTERED, SCHEMA
from crossaudit.engine.store import RunStamp, Store, rel_props, rids, typed_values

if TYPE_CHECKING:  # pyarrow is imported by the merge itself: the readers of this module's names start without it
    import pyarrow as pa

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
# relationships come back to the client), so a large region is merged in rounds.
MERGE_BATCH = 2_000


def _merge_batch(store: Store, label: str, olds: list[str], merges: Mapping[str, str], run: RunStamp,
                 matches: Mapping[str, Mapping[str, Any]]) -> None:
    node = SCHEMA.node(label)
    _fill_properties(store, label, olds, merges, run)
    patterns = _patterns_of(store, label, olds) if store.round_trips else _rel_patterns(label)
    for pattern in patterns:
        if store.relationship_id:
            _move(store, label, olds, merges, matches, run, *pattern)
            continue
        moved = _moved(store, label, olds, merges, matches, *pattern)
        if moved is not None:
            store.upsert_facts({}, {pattern[:3]: [moved]}, run)
    store.query(f"MATCH (a:{label}) WHERE a.{node.key} IN $olds DETACH DELETE a", {"olds": olds})
    store.upsert_nodes("EntityAlias", [{
        "alias_id": f"{label}:{old}", "label": label, "old_uid": old, "uid": merges[old],
        **_describes(matches.get(old, {}))} for old in olds], run)


def _pattern(rel_type: str, from_label: str, to_label: str, outgoing: bool) -> str:
    """The relationship `r` and its other end `b`, seen from `a`: `-[r:EMPLOYS]->(b:Person)`."""
    return f"-[r:{rel_type}]->(b:{to_label})" if outgoing else f"<-[r:{rel_type}]-(b:{from_label})"


def _patterns_of(store: Store, label: str, olds: list[str]) -> list[tuple[str, str, str, bool]]:
    """The relationship patterns of `label` (see `_rel_patterns`) that the nodes `olds` have at least
    one relationship of, found by one query for them all: on a server, where a read is a round trip,
    reading each pattern cost more (longxi medium on Neo4j: 497 reads in 35 rounds, most finding
    nothing, against 98 reads and 35 of these); embedded, the query costs about what it saves."""
    patterns = _rel_patterns(label)
    key = SCHEMA.node(label).key
    found = store.query(" UNION ALL ".join(
        f"MATCH (a:{label}){_pattern(*pattern)} WHERE a.{key} IN $olds RETURN {index} AS pattern_, count(r) AS found_"
        for index, pattern in enumerate(patterns)), {"olds": olds})
    present = {row["pattern_"] for row in found if row["found_"]}
    return [pattern for index, pattern in enumerate(patterns) if index in present]


def _found(store: Store, label: str, olds: list[str], rel_type: str, from_label: str, to_label: str,
           outgoing: bool, returned: Mapping[str, str]) -> pa.Table:
    """The relationships `r` of type `rel_type` of the nodes `olds`: columns `merged_uid_` (the
    merged end's key), `other_uid_` (the other end's) and each of `returned` (name: expression).

    Read as columns (`query_arrow`), not rows: on Neo4j the driver built a Relationship object
    and a dict per row, most of the time taken moving longxi's 18.8k firms' 676k relationships."""
    other_label = to_label if outgoing else from_label
    key, other_key = SCHEMA.node(label).key, SCHEMA.node(other_label).key
    # `WHERE a.key IN $olds`, not `UNWIND $pairs … MATCH (a {key: p.old})-[r]-(b)`: Ladybug plans the
    # latter as a scan of the whole relationship table joined to the list (medium region, 2,000
    # firms' DESCRIBES: 1.9-2.6 s against 0.27 s)
    return store.query_arrow(
        f"MATCH (a:{label}){_pattern(rel_type, from_label, to_label, outgoing)} WHERE a.{key} IN $olds "
        f"RETURN a.{key} AS merged_uid_, b.{other_key} AS other_uid_"
        + "".join(f", {expression} AS {name}" for name, expression in returned.items()), {"olds": olds})


def _ends(found: pa.Table, label: str, merges: Mapping[str, str], from_label: str, to_label: str,
          outgoing: bool) -> tuple[dict[str, list[str]], list[bool]]:
    """The new ends of the relationships `found` (columns `from`, `to`: the merged end's canonical
    key, and the other end's, canonical too if merged) and which are kept: not a relationship
    between two nodes merged into the same one (it would become a loop)."""
    other_label = to_label if outgoing else from_label
    new_uids = [merges[old] for old in found["merged_uid_"].to_pylist()]
    others = found["other_uid_"].to_pylist()
    if other_label == label:
        others = [merges.get(other, other) for other in others]
    kept = [other_label != label or new != other for new, other in zip(new_uids, others)]
    return ({"from": new_uids, "to": others} if outgoing else {"from": others, "to": new_uids}), kept


# The properties of a DESCRIBES that a merge's match details replace (`_describes`).
MATCH_DETAILS = ("method", "score", "contributions")


def _match_details(found: pa.Table, matches: Mapping[str, Mapping[str, Any]]) -> dict[str, list]:
    """Per relationship found, the match details of its merged end (`_describes`; None where none)."""
    old_uids = found["merged_uid_"].to_pylist()
    described = {old: _describes(matches.get(old, {})) for old in set(old_uids)}
    return {name: [described[old].get(name) for old in old_uids] for name in MATCH_DETAILS}


def _moved(store: Store, label: str, olds: list[str], merges: Mapping[str, str],
           matches: Mapping[str, Mapping[str, Any]], rel_type: str, from_label: str, to_label: str,
           outgoing: bool) -> dict[str, list | pa.ChunkedArray] | None:
    """The relationships of type `rel_type` of the nodes `olds`, moved to their canonical nodes,
    as columns for an upsert (None if there are none): every property but the rid and the
    store's stamps, a DESCRIBES with the match details, a loop left out (`_ends`)."""
    import pyarrow as pa

    carried = [name for name in rel_props(SCHEMA.rel(rel_type)) if name not in ("from", "to")]
    found = _found(store, label, olds, rel_type, from_label, to_label, outgoing, {name: f"r.{name}" for name in carried})
    columns, kept = _ends(found, label, merges, from_label, to_label, outgoing)
    if not any(kept):
        return None
    columns.update({name: found[name] for name in carried})
    if rel_type == "DESCRIBES":
        for name, details in _match_details(found, matches).items():
            columns[name] = [value if detail is None else detail
                             for detail, value in zip(details, found[name].to_pylist())]
    if all(kept):
        return columns
    mask = pa.array(kept)
    return {name: values.filter(mask) if isinstance(values, pa.ChunkedArray) else list(compress(values, kept))
            for name, values in columns.items()}


def _move(store: Store, label: str, olds: list[str], merges: Mapping[str, str],
          matches: Mapping[str, Mapping[str, Any]], run: RunStamp, rel_type: str, from_label: str, to_label: str,
          outgoing: bool) -> None:
    """Move the relationships of type `rel_type` of the nodes `olds` to their canonical nodes in
    the store (`Store.move_rels`), ending as `_moved`'s upsert would leave them: only what their
    new rids need comes back (the other end's key, the identity properties), and only those rids,
    the new ends and a DESCRIBES's match details go out."""
    rel = SCHEMA.rel(rel_type)
    props = rel_props(rel)
    found = _found(store, label, olds, rel_type, from_label, to_label, outgoing,
                   {"ref_": f"{store.relationship_id}(r)", **{name: f"r.{name}" for name in rel.identity}})
    columns, kept = _ends(found, label, merges, from_label, to_label, outgoing)
    if not any(kept):
        return
    typed = {**columns, **{name: typed_values(props[name], found[name], rel_type) for name in rel.identity}}
    moves = {"ref": found["ref_"].to_pylist(), **columns, "rid": rids(rel, from_label, to_label, typed)}
    if rel_type == "DESCRIBES":
        moves.update({name: typed_values(props[name], details, rel_type)
                      for name, details in _match_details(found, matches).items()})
    store.move_rels(rel, from_label, to_label, {name: list(compress(values, kept)) for name, values in moves.items()},
                    run)


def _describes(match: Mapping[str, Any]) -> dict:
    out = {"method": match.get("method", "probabilistic"), "score": match.get("score")}
    if match.get("contributions") is not None:
        out["contributions"] = json.dumps(match["contributions"], ensure_ascii=False, sort_keys=True)
    return {k: v for k, v in out.items() if v is not None}


def _fill_properties(store: Store, label: str, olds: list[str], merges: Mapping[str, str], run: RunStamp) -> None:
    """Give each canonical node the properties it lacks and its merged node has; a canonical node
    no register delivered takes a merged register's values."""
    node = SCHEMA.node(label)
    names = [p.name for p in node.props if p.name != node.key]
    uids = sorted(set(olds) | {merges[old] for old in olds})
    # Read as columns, not nodes: on Neo4j a Node object per row took 9.6 s of client CPU to fill
    # longxi medium's 18.8k canonical firms.
    returned = ", ".join([f"n.{node.key} AS uid_", *(f"n.{name} AS {name}" for name in names)])
    found = store.query_arrow(f"MATCH (n:{label}) WHERE n.{node.key} IN $uids RETURN {returned}", {"uids": uids})
    nodes = {uid: dict(zip(names, values))
             for uid, *values in zip(*(found[column].to_pylist() for column in ("uid_", *names)))}
    updates: dict[str, dict] = {}
    for old in sorted(olds, key=lambda old: not nodes.get(old, {}).get(REGISTERED.name)):  # registers first
        new = merges[old]
        if old not in nodes or new not in nodes:
            continue
        update = updates.setdefault(new, {})
        # a register's node merged into a copy's (its code mistyped, say) gives its values, as a load would
        registers = nodes[old].get(REGISTERED.name) and not nodes[new].get(REGISTERED.name) and not update
        for name in names:
            if nodes[old].get(name) is not None and (registers or nodes[new].get(name) is None):
                update.setdefault(name, nodes[old][name])
    fills = [{node.key: new, **props} for new, props in updates.items() if props]
    if fills:
        store.upsert_nodes(label, fills, run)
