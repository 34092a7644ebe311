"""A case: the capped network around some entities or a finding, with what pages and exports
need to show it — the findings flagging each node (its risk), the rows each node was read from,
and, for a finding, the flagged entities and the evidence paths joining them.

    case = build_case(store, finding_id="f-0001", depth=1)
    case.flagged            # {("Enterprise", "9164…"): ["seller"], …}
    case.paths              # [[("Enterprise", "9164…"), ("Invoice", "2364…"), ("Enterprise", "9164…")], …]
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from itertools import combinations, islice, permutations
from typing import TYPE_CHECKING, Iterable

from crossaudit.cypher.reads import per_label, targets
from crossaudit.engine import SCHEMA, Store
from crossaudit.engine.access import Clearance
from crossaudit.engine.findings import FLAGGED
from crossaudit.viz.subgraph import Network, NodeId, expand, group_by_label
from crossaudit.viz.vocab import SEVERITY_WEIGHTS

if TYPE_CHECKING:
    import networkx as nx

# Shortest paths kept per pair of flagged entities: enough for "three invoices and a shared
# legal representative" between two firms, few enough to stay readable.
PATHS_PER_PAIR = 10
# Control and kinship: a second way two flagged parties are joined, which the shortest paths
# (often through the very invoices flagged) would hide — e.g. firm ← rep — spouse — rep → firm.
CONTROL_RELS = frozenset({"LEGAL_REP_OF", "SHAREHOLDER_OF", "EXECUTIVE_OF", "KIN_OF", "BRANCH_OF"})


class CaseError(ValueError):
    """A case cannot be built (unknown finding, nothing to explore); the message says why."""


@dataclass
class Case:
    """The network, the focus finding (if any) with its flagged entities (id -> roles) and evidence
    paths, and per node its open findings and the source rows describing it."""

    network: Network
    finding: dict | None = None
    flagged: dict[NodeId, list[str]] = field(default_factory=dict)
    paths: list[list[NodeId]] = field(default_factory=list)
    findings: dict[NodeId, list[dict]] = field(default_factory=dict)
    sources: dict[NodeId, list[dict]] = field(default_factory=dict)
    departments: dict[str, str] = field(default_factory=dict)

    def seen_findings(self, ident: NodeId, clearance: Clearance) -> list[dict]:
        """The open findings flagging the node that the reader may know of (their office scope)."""
        return [f for f in self.findings.get(ident, ()) if clearance.sees_finding(f)]

    def path_rels(self) -> set[tuple[str, str]]:
        """The (type, rid) keys of the relationships on the evidence paths."""
        steps = {frozenset(step) for path in self.paths for step in zip(path, path[1:])}
        return {key for key, rel in self.network.rels.items() if frozenset((rel["_from"], rel["_to"])) in steps}

    def unconnected(self) -> list[tuple[NodeId, NodeId]]:
        """Pairs of flagged entities that no path within the case joins."""
        if len(self.flagged) < 2:  # no pair: networkx (0.2 s to import) is not needed
            return []
        import networkx as nx

        graph = self.graph()
        return [(a, b) for a, b in combinations(sorted(self.flagged), 2)
                if a in graph and b in graph and not nx.has_path(graph, a, b)]

    def graph(self) -> nx.Graph:
        """The case as an undirected networkx graph over (label, key) ids; each edge's `types` are
        the relationship types joining its two nodes."""
        import networkx as nx

        graph = nx.Graph()
        graph.add_nodes_from(self.network.nodes)
        for rel in self.network.rels.values():
            a, b = rel["_from"], rel["_to"]
            if graph.has_edge(a, b):
                graph[a][b]["types"].add(rel["_type"])
            else:
                graph.add_edge(a, b, types={rel["_type"]})
        return graph


def load_finding(store: Store, finding_id: str) -> tuple[dict, dict[NodeId, list[str]]]:
    """The finding and the entities it flags with their roles; CaseError if it does not exist."""
    rows = store.query("MATCH (f:Finding {finding_id: $id}) RETURN f", {"id": finding_id})
    if not rows:
        raise CaseError(f"no finding {finding_id!r}; `crossaudit findings list` shows the findings")
    flagged: dict[NodeId, list[str]] = {}
    for row in store.query(FLAGGED, {"ids": [finding_id]}):
        if row["key"] is not None:
            flagged.setdefault((row["label"], row["key"]), []).append(row["role"] or "")
    return rows[0]["f"], {ident: sorted(roles) for ident, roles in sorted(flagged.items())}


def findings_by_node(store: Store, nodes: Iterable[NodeId]) -> dict[NodeId, list[dict]]:
    """The findings (not dismissed) flagging each node, most severe first, with their rules'
    Chinese titles (see in_chinese); one query per label."""
    keys = group_by_label(nodes)
    found: dict[NodeId, list[dict]] = {}
    rows = per_label(store, keys, lambda label, match: (
        f"{match} OPTIONAL MATCH (n)<-[r:FLAGS]-(f:Finding) WHERE f.status IS NULL OR f.status <> 'dismissed' "
        f"RETURN DISTINCT '{label}' AS label, k, f.finding_id AS finding_id, f.rule_id AS rule_id, "
        "f.severity AS severity, f.title AS title, f.status AS status, f.office_code AS office_code"), targets("FLAGS"))
    for row in rows:
        if row["finding_id"] is not None:
            found.setdefault((row.pop("label"), row.pop("k")), []).append(in_chinese(row))
    for items in found.values():
        items.sort(key=lambda f: (-SEVERITY_WEIGHTS.get(f["severity"], 0), f["finding_id"]))
    return found


def sources_by_node(store: Store, nodes: Iterable[NodeId]) -> dict[NodeId, list[dict]]:
    """Every loaded row (SourceRecord) that describes each node: department, dataset, file, row,
    role; ordered by file, row and role. One query per label, whose rows are each node's files
    with their row numbers collected (a firm is described by hundreds of rows of a few files)."""
    keys = group_by_label(nodes)
    found: dict[NodeId, list[dict]] = {}
    rows = per_label(store, keys, lambda label, match: (
        f"{match} OPTIONAL MATCH (n)<-[d:DESCRIBES]-(s:SourceRecord) RETURN '{label}' AS label, k, "
        "s.department AS department, s.dataset AS dataset, s.source_file AS source_file, d.role AS role, "
        "collect(s.source_row) AS source_rows"), targets("DESCRIBES"))
    for row in rows:
        found.setdefault((row["label"], row["k"]), []).extend(
            {"department": row["department"], "dataset": row["dataset"], "source_file": row["source_file"],
             "source_row": source_row, "role": row["role"]} for source_row in row["source_rows"])
    for sources in found.values():
        sources.sort(key=lambda s: (s["source_file"], s["source_row"], s["role"] or ""))
    return {ident: sources for ident, sources in found.items() if sources}


def evidence_paths(graph: nx.Graph, flagged: Iterable[NodeId]) -> list[list[NodeId]]:
    """The shortest paths between pairs of flagged entities, in the whole case and over control
    and kinship alone; longest first, each kept only if it adds an edge no kept path has (so
    "A—invoice—B" ×3 and "A—person—B" stay, "invoice—A—invoice" goes); then paths that continue
    each other over a shared edge are joined.

    >>> import networkx as nx
    >>> g = nx.Graph([("A", "i1", {"types": {"ISSUED"}}), ("i1", "B", {"types": {"RECEIVED"}}),
    ...               ("P", "A", {"types": {"LEGAL_REP_OF"}}), ("P", "Q", {"types": {"KIN_OF"}}),
    ...               ("Q", "B", {"types": {"LEGAL_REP_OF"}})])
    >>> evidence_paths(g, ["A", "B", "i1"])
    [['A', 'P', 'Q', 'B'], ['A', 'i1', 'B']]
    """
    import networkx as nx

    control = graph.edge_subgraph((a, b) for a, b, types in graph.edges(data="types") if types & CONTROL_RELS)
    candidates = []
    for network in (graph, control):
        present = sorted(n for n in set(flagged) if n in network)
        for a, b in combinations(present, 2):
            if nx.has_path(network, a, b):
                candidates += islice(nx.all_shortest_paths(network, a, b), PATHS_PER_PAIR)
    candidates.sort(key=lambda p: (-len(p), p))
    kept, covered = [], set()
    for path in candidates:
        edges = {frozenset(step) for step in zip(path, path[1:])}
        if edges - covered:
            kept.append(path)
            covered |= edges
    return sorted(_join_continuations(kept), key=lambda p: (-len(p), p))


def _join_continuations(paths: list[list]) -> list[list]:
    """Join pairs of paths where one ends with an edge the other starts with (either way round),
    while the result stays a simple path: [A, P, Q] and [B, Q, P] become [A, P, Q, B]."""
    paths = list(paths)
    while True:
        for (i, first), (j, second) in permutations(enumerate(paths), 2):
            joined = next((first + other[2:] for other in (second, second[::-1])
                           if first[-2:] == other[:2] and len(set(first + other[2:])) == len(first + other) - 2), None)
            if joined:
                paths[i] = joined
                del paths[j]
                break
        else:
            return paths


def build_case(store: Store, seeds: Iterable[NodeId] = (), finding_id: str | None = None, depth: int = 2,
               max_nodes: int = 200, max_per_type: int = 20) -> Case:
    """The case around `seeds` and, with `finding_id`, the entities the finding flags."""
    finding, flagged = load_finding(store, finding_id) if finding_id else (None, {})
    seeds = list(dict.fromkeys([*flagged, *seeds]))
    if not seeds:
        raise CaseError(f"finding {finding_id!r} flags no entity" if finding_id else "nothing to explore: no seeds")
    network = expand(store, seeds, depth=depth, max_nodes=max(max_nodes, len(seeds)), max_per_type=max_per_type)
    case = Case(network, finding, flagged)
    case.paths = evidence_paths(case.graph(), flagged) if len(flagged) > 1 else []
    case.findings = findings_by_node(store, network.nodes)
    case.sources = sources_by_node(store, network.nodes)
    case.departments = {row["code"]: row["name"] for row in store.query(
        "MATCH (d:Department) RETURN d.code AS code, d.name AS name ORDER BY code")}
    return case


def risk(findings: Iterable[dict]) -> int:
    """Sum of the findings' severity weights: the size of a node on a page."""
    return sum(SEVERITY_WEIGHTS.get(f["severity"], 1) for f in findings)


def in_chinese(finding: dict) -> dict:
    """The finding with its rule's Chinese title and description added (`title_zh`,
    `description_zh`), as inspectors read it; a rule that is not shipped (from --rules-dir) has
    none: its English title stands in for the Chinese one."""
    from crossaudit.engine.rules import chinese_texts  # the rule runner's imports, only where findings are shown

    title_zh, description_zh = chinese_texts().get(finding.get("rule_id"), (None, None))
    return {**finding, "title_zh": title_zh or finding.get("title"), "description_zh": description_zh}


def finding_summary(finding: dict) -> dict:
    """The finding's properties with identity and evidence parsed from their JSON text, and its
    rule's Chinese title and description (see in_chinese)."""
    out = in_chinese(finding)
    out.pop("_label", None)
    for name in ("identity", "evidence"):
        if isinstance(out.get(name), str):
            try:
                out[name] = json.loads(out[name])
            except ValueError:
                pass  # not JSON: keep the text as the rule wrote it
    return out
