"""The network around some entities, capped so that a page stays readable.

`expand` walks the facts about the world (bookkeeping relationships such as DESCRIBES and FLAGS
are left out) breadth-first from the seeds. Two caps keep hubs from swamping the picture, and
each says what it left out:

- `max_per_type`: at most this many neighbours per node through one relationship type (an
  enterprise's 60 filings show as 20, noted "申报 纳税申报 20 / 60"; its 50 employees do not
  crowd out its legal representative);
- `max_nodes`: at most this many nodes in all; nearer nodes and entity types win.

Then every relationship between the kept nodes is fetched, so paths between them are complete.

The reads are batched, so their number depends on the schema, not on the graph: per hop, one
query per label of the frontier for its neighbours through every relationship type (`neighbours`);
then one per label for the nodes kept (`fetch_nodes`) and one per pair of labels for the
relationships between them. Each is anchored on the nodes' keys (crossaudit.cypher.reads).

    graph = expand(store, [("Enterprise", "91640221966782231U")], depth=2)
    graph.nodes[("Enterprise", "91640221966782231U")]["name"]
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable

from crossaudit.cypher.reads import NodeId, fetch_nodes, group_by_label, keyed, relationships_between
from crossaudit.engine import SCHEMA, Store, Subgraph
from crossaudit.viz.vocab import BOOKKEEPING_RELS, LABEL_NAMES


# Which neighbours win when the node cap bites: the parties and what they transact first.
LABEL_PRIORITY = {label: rank for rank, label in enumerate(LABEL_NAMES)}


def _context_pairs() -> dict[tuple[str, str], tuple[str, ...]]:
    """(from label, to label) -> the relationship types joining them, bookkeeping excluded."""
    pairs: dict[tuple[str, str], list[str]] = {}
    for rel in SCHEMA.rels:
        if rel.type in BOOKKEEPING_RELS:
            continue
        for pair in rel.pairs:
            if pair[0] in LABEL_NAMES and pair[1] in LABEL_NAMES:
                pairs.setdefault(pair, []).append(rel.type)
    return {pair: tuple(types) for pair, types in pairs.items()}


CONTEXT_PAIRS = _context_pairs()


def _neighbour_types(label: str) -> list[tuple[str, str]]:
    """(relationship type, neighbour label) pairs joining `label` to its neighbours, either way.

    >>> ("KIN_OF", "Person") in _neighbour_types("Person"), ("FILED", "TaxFiling") in _neighbour_types("Person")
    (True, True)
    """
    return sorted({(rel_type, b if a == label else a)
                   for (a, b), types in CONTEXT_PAIRS.items() if label in (a, b) for rel_type in types})


@dataclass
class Omission:
    """A node's neighbours through one relationship type that the per-type cap left out."""

    node: NodeId
    rel_type: str
    label: str
    total: int
    shown: int


@dataclass
class Network(Subgraph):
    """A Subgraph with what the caps left out: `omissions` per hub, `left_out` nodes by label."""

    seeds: list[NodeId] = field(default_factory=list)
    depth: int = 0
    omissions: list[Omission] = field(default_factory=list)
    left_out: Counter = field(default_factory=Counter)


def neighbours(store: Store, label: str, keys: list[str],
               types: Iterable[tuple[str, str]] | None = None) -> dict[tuple[str, str], dict[str, list[str]]]:
    """Each node's neighbours through each (relationship type, neighbour label) of `types` (by
    default every one joining `label` to an explorable label), either way:
    {(type, label): {key: sorted neighbour keys}} (a node without such neighbours maps to []).
    One query whatever the number of nodes and types: a UNION ALL branch per type, a row per
    neighbour (collected here: aggregated in each branch, Ladybug built a hash table per branch,
    cold 210 ms and 130 MB of memory touched for a firm's 18 types on the medium region, 170 ms
    and 85 MB without).

        neighbours(store, "Enterprise", ["9164…"], [("ISSUED", "Invoice")])
        # {("ISSUED", "Invoice"): {"9164…": ["2364…01", …]}}
    """
    types = list(dict.fromkeys(types if types is not None else _neighbour_types(label)))
    found: dict[tuple[str, str], dict[str, set[str]]] = {pair: {} for pair in types}
    branches = [f"{keyed(label, SCHEMA.node(label).key, 'a')} OPTIONAL MATCH (a)-[r:{rel_type}]-(b:{other}) "
                f"RETURN '{rel_type}' AS rel_type, '{other}' AS other, k, b.{SCHEMA.node(other).key} AS near"
                for rel_type, other in types]
    for row in store.query(" UNION ALL ".join(branches), {"keys": keys}) if branches and keys else ():
        near = found[(row["rel_type"], row["other"])].setdefault(row["k"], set())
        if row["near"] is not None:
            near.add(row["near"])
    return {pair: {key: sorted(near) for key, near in by_node.items()} for pair, by_node in found.items()}


def induced_relationships(store: Store, nodes: Iterable[NodeId]) -> dict[tuple[str, str], dict]:
    """Every context relationship between the given nodes, keyed (type, rid), with _from/_to."""
    return relationships_between(store, nodes, CONTEXT_PAIRS)


def expand(store: Store, seeds: Iterable[NodeId], depth: int = 2, max_nodes: int = 200,
           max_per_type: int = 20) -> Network:
    """The capped network within `depth` hops of the seeds (see the module docstring)."""
    if depth < 0 or max_nodes < 1 or max_per_type < 1:
        raise ValueError("depth must be 0 or more, max_nodes and max_per_type 1 or more")
    seeds = list(dict.fromkeys(seeds))
    for label, _ in seeds:
        if label not in LABEL_NAMES:
            raise ValueError(f"cannot explore from a {label} node; explorable types: {', '.join(LABEL_NAMES)}")
    network = Network(seeds=seeds, depth=depth)
    network.nodes.update(fetch_nodes(store, seeds))
    frontier = [ident for ident in seeds if ident in network.nodes]
    reached, hops = set(network.nodes), []  # the nodes kept, and each hop's (read once, at the end)
    for _ in range(depth):
        candidates: set[NodeId] = set()
        for label, keys in group_by_label(frontier).items():
            for (rel_type, other), by_node in neighbours(store, label, keys).items():
                for key, found in sorted(by_node.items()):
                    if len(found) > max_per_type:
                        network.omissions.append(Omission((label, key), rel_type, other, len(found), max_per_type))
                    candidates.update((other, near) for near in found[:max_per_type] if (other, near) not in reached)
        ranked = sorted(candidates, key=lambda i: (LABEL_PRIORITY[i[0]], i[1]))
        room = max(max_nodes - len(reached), 0)
        for ident in ranked[room:]:
            network.left_out[ident[0]] += 1
        frontier = ranked[:room]
        reached.update(frontier)
        hops.append(sorted(frontier))
    # The neighbours' properties in one query per label, not one per label and hop; in the order
    # they were reached.
    fetched = fetch_nodes(store, [ident for hop in hops for ident in hop])
    network.nodes.update((ident, fetched[ident]) for hop in hops for ident in hop if ident in fetched)
    network.truncated = bool(network.omissions or network.left_out)
    network.rels = induced_relationships(store, network.nodes)
    return network
